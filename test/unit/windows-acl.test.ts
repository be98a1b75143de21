/**
 * doctor's check of who can open the data folder. On Windows it reads `icacls <folder>`:
 * the outputs below are as a Japanese-locale Windows prints them (well-known principals in
 * English, the closing line in Japanese, CRLF, and in the console's code page 932 when piped).
 * On other systems it is the folder's mode (0700), on a real folder.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { setLang } from '../../core/i18n.ts';
import { checkDataDirAccess } from '../../bot/ops/doctor/system.ts';
import { printDoctorReport } from '../../bot/cli/print-doctor.ts';
import { decodeConsoleOutput, icaclsFix, parseIcacls, unexpectedPrincipals } from '../../bot/state/windows-acl.ts';

const DATA = 'C:\\ProgramData\\pmh-bot\\data';
const BOT = 'PC01\\pmhbot';
const DONE_JA = '1 個のファイルが正常に処理されました。0 個のファイルを処理できませんでした';

/** icacls' layout: the first entry on the folder's line, the others under it, then a blank line and the summary. */
function icaclsOutput(path: string, entries: string[], pad = path.length + 1): string {
  const [first, ...rest] = entries;
  const lines = [`${path} ${first}`, ...rest.map((entry) => `${' '.repeat(pad)}${entry}`), '', DONE_JA, ''];
  return lines.join('\r\n');
}

/** A folder made under C:\ProgramData without the installer: everything inherited, every user may read. */
const INHERITED_FROM_PROGRAMDATA = icaclsOutput(DATA, [
  'NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)',
  'BUILTIN\\Administrators:(I)(OI)(CI)(F)',
  'CREATOR OWNER:(I)(OI)(CI)(IO)(F)',
  'BUILTIN\\Users:(I)(OI)(CI)(RX)',
  'BUILTIN\\Users:(I)(CI)(WD,AD,WEA,A)',
]);

/** As install.ps1 leaves it. */
const AS_INSTALLED = icaclsOutput(DATA, [
  'PC01\\pmhbot:(OI)(CI)(F)',
  'BUILTIN\\Administrators:(OI)(CI)(F)',
  'NT AUTHORITY\\SYSTEM:(OI)(CI)(F)',
]);

/** A folder made by hand at the root of a data drive: Authenticated Users may change it. */
const ON_DATA_DRIVE = icaclsOutput('D:\\pmh-bot\\data', [
  'BUILTIN\\Administrators:(I)(OI)(CI)(F)',
  'NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)',
  'NT AUTHORITY\\Authenticated Users:(I)(M)',
  'NT AUTHORITY\\Authenticated Users:(I)(OI)(CI)(IO)(M)',
  'BUILTIN\\Users:(I)(OI)(CI)(RX)',
]);

/** Explicit extras on a folder with a Japanese name: a colleague's account, a deleted account's SID, a deny entry, an integrity label. */
const JAPANESE_PATH = 'C:\\pmh-bot\\データ フォルダー';
const EXPLICIT_EXTRAS = icaclsOutput(JAPANESE_PATH, [
  'Everyone:(DENY)(W)',
  'PC01\\pmhbot:(OI)(CI)(F)',
  'PC01\\山田:(OI)(CI)(RX)',
  'S-1-5-21-1004336348-1177238915-682003330-1001:(OI)(CI)(M)',
  'BUILTIN\\Administrators:(OI)(CI)(F)',
  'NT AUTHORITY\\SYSTEM:(OI)(CI)(F)',
  'Mandatory Label\\High Mandatory Level:(OI)(NP)(IO)(NW)',
]);

describe('reading icacls', () => {
  it('reads every entry of a Japanese-locale output, the first from the folder\'s own line', () => {
    assert.deepEqual(parseIcacls(INHERITED_FROM_PROGRAMDATA, DATA), [
      { principal: 'NT AUTHORITY\\SYSTEM', rights: 'F', inherited: true, deny: false },
      { principal: 'BUILTIN\\Administrators', rights: 'F', inherited: true, deny: false },
      { principal: 'CREATOR OWNER', rights: 'F', inherited: true, deny: false },
      { principal: 'BUILTIN\\Users', rights: 'RX', inherited: true, deny: false },
      { principal: 'BUILTIN\\Users', rights: 'WD,AD,WEA,A', inherited: true, deny: false },
    ]);
    const explicit = parseIcacls(EXPLICIT_EXTRAS, JAPANESE_PATH);
    assert.deepEqual(explicit.map((entry) => entry.principal), [
      'Everyone', 'PC01\\pmhbot', 'PC01\\山田', 'S-1-5-21-1004336348-1177238915-682003330-1001',
      'BUILTIN\\Administrators', 'NT AUTHORITY\\SYSTEM', 'Mandatory Label\\High Mandatory Level',
    ]);
    assert.deepEqual(explicit[0], { principal: 'Everyone', rights: 'W', inherited: false, deny: true });
  });

  it('finds the first principal by the indentation when icacls wrote the folder another way than it was given', () => {
    // Given with a trailing separator and another case: the path on the line does not match it.
    const entries = parseIcacls(AS_INSTALLED, 'c:\\programdata\\PMH-BOT\\data\\');
    assert.deepEqual(entries.map((entry) => entry.principal), [BOT, 'BUILTIN\\Administrators', 'NT AUTHORITY\\SYSTEM']);
  });

  it('reads nothing from an error message', () => {
    const missing = 'C:\\ProgramData\\pmh-bot\\data: 指定されたファイルが見つかりません。\r\n0 個のファイルが正常に処理されました。1 個のファイルを処理できませんでした\r\n';
    assert.deepEqual(parseIcacls(missing, DATA), []);
  });

  it('decodes the console code page 932, UTF-8 and UTF-16', () => {
    assert.equal(decodeConsoleOutput(iconv.encode(EXPLICIT_EXTRAS, 'cp932')), EXPLICIT_EXTRAS);
    assert.equal(decodeConsoleOutput(Buffer.from(EXPLICIT_EXTRAS, 'utf8')), EXPLICIT_EXTRAS);
    assert.equal(decodeConsoleOutput(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EXPLICIT_EXTRAS, 'utf16le')])), EXPLICIT_EXTRAS);
  });
});

describe('who else can open the data folder', () => {
  it('finds nobody on a folder as the installer leaves it', () => {
    assert.deepEqual(unexpectedPrincipals(parseIcacls(AS_INSTALLED, DATA), BOT), []);
    // The same account however icacls spells its case.
    assert.deepEqual(unexpectedPrincipals(parseIcacls(AS_INSTALLED, DATA), 'pc01\\PMHBOT'), []);
  });

  it('names BUILTIN\\Users inherited from C:\\ProgramData, once, and CREATOR OWNER not at all', () => {
    assert.deepEqual(unexpectedPrincipals(parseIcacls(INHERITED_FROM_PROGRAMDATA, DATA), BOT), [{ principal: 'BUILTIN\\Users', explicit: false }]);
  });

  it('names Authenticated Users and Users on a data drive', () => {
    assert.deepEqual(unexpectedPrincipals(parseIcacls(ON_DATA_DRIVE, 'D:\\pmh-bot\\data'), BOT), [
      { principal: 'NT AUTHORITY\\Authenticated Users', explicit: false },
      { principal: 'BUILTIN\\Users', explicit: false },
    ]);
  });

  it('names explicit extras and an unresolved SID, and ignores a deny entry and the integrity label', () => {
    assert.deepEqual(unexpectedPrincipals(parseIcacls(EXPLICIT_EXTRAS, JAPANESE_PATH), BOT), [
      { principal: 'PC01\\山田', explicit: true },
      { principal: 'S-1-5-21-1004336348-1177238915-682003330-1001', explicit: true },
    ]);
  });

  it('takes another account for someone else, even with the same user name in another domain', () => {
    assert.deepEqual(unexpectedPrincipals(parseIcacls(AS_INSTALLED, DATA), 'CITY\\pmhbot'), [{ principal: BOT, explicit: true }]);
  });

  it('writes the fix install.ps1 applies, removing explicit extras by name or SID', () => {
    assert.equal(
      icaclsFix(DATA, BOT),
      'icacls "C:\\ProgramData\\pmh-bot\\data" /inheritance:r /grant:r "PC01\\pmhbot:(OI)(CI)F" "*S-1-5-32-544:(OI)(CI)F" "*S-1-5-18:(OI)(CI)F"',
    );
    assert.match(
      icaclsFix(JAPANESE_PATH, BOT, ['PC01\\山田', 'S-1-5-21-1004336348-1177238915-682003330-1001']),
      / && icacls "C:\\pmh-bot\\データ フォルダー" \/remove:g "PC01\\山田" \*S-1-5-21-1004336348-1177238915-682003330-1001$/,
    );
  });
});

describe('the doctor check of the data folder\'s access', () => {
  const win = (output: string) => ({ existed: true, platform: 'win32' as const, account: BOT, icacls: async () => output });

  before(() => setLang('ja'));

  it('passes a folder as the installer leaves it, naming the account it took for the bot\'s', async () => {
    const outcome = await checkDataDirAccess(DATA, win(AS_INSTALLED));
    assert.equal(outcome.status, 'ok');
    assert.match(outcome.detail ?? '', /ボットのアカウント（PC01\\pmhbot）・Administrators・SYSTEM だけ/);
  });

  it('warns, naming the others, with the icacls fix in the hint', async () => {
    const outcome = await checkDataDirAccess(DATA, win(INHERITED_FROM_PROGRAMDATA));
    assert.equal(outcome.status, 'warn');
    assert.match(outcome.detail ?? '', /他のアカウントにも権限があります: BUILTIN\\Users$/);
    assert.equal(outcome.error?.code, 'DataDirAclTooOpen');
    const ja = outcome.error!.describeIn('ja');
    assert.match(ja.message, /BUILTIN\\Users が含まれています/);
    assert.ok(ja.hint.includes(icaclsFix(DATA, BOT)), ja.hint);
    assert.ok(!ja.hint.includes('/remove'), 'inherited entries go with /inheritance:r');
    const en = outcome.error!.describeIn('en');
    assert.match(en.message, /also grants access to BUILTIN\\Users, besides the bot’s account \(PC01\\pmhbot\)/);

    const extras = await checkDataDirAccess(JAPANESE_PATH, win(EXPLICIT_EXTRAS));
    assert.equal(extras.status, 'warn');
    assert.match(extras.error!.describeIn('ja').hint, /\/remove:g "PC01\\山田" \*S-1-5-21-/);
  });

  it('prints the warning under 注意 with what to do, and doctor still exits 0', async () => {
    const outcome = await checkDataDirAccess(DATA, win(ON_DATA_DRIVE));
    const lines: string[] = [];
    printDoctorReport({ file: 'C:\\ProgramData\\pmh-bot\\config\\pmh-bot.yaml', checks: [{ id: 'data-dir-access', label: { ja: 'データフォルダーのアクセス許可', en: 'data folder access' }, ...outcome }] }, (line) => lines.push(line));
    const text = lines.join('\n');
    assert.match(text, /^⚠ データフォルダーのアクセス許可: .*NT AUTHORITY\\Authenticated Users, BUILTIN\\Users$/m);
    assert.match(text, /^ {4}注意 \[DataDirAclTooOpen\] データフォルダーに、ボット以外のアカウントもアクセスできます$/m);
    assert.match(text, /^ {6}対処: 管理者のコマンド プロンプトで次を実行し.*icacls "C:\\ProgramData\\pmh-bot\\data" \/inheritance:r/m);
    assert.match(text, /結果: 問題はありません（注意 1 件）/);
  });

  it('warns when the folder is missing (the bot would make it open to every user) or icacls cannot be read', async () => {
    const missing = await checkDataDirAccess(DATA, { ...win(''), existed: false });
    assert.equal(missing.status, 'warn');
    assert.match(missing.detail ?? '', /install\.ps1 で作成する/);
    const failing = await checkDataDirAccess(DATA, { ...win(''), icacls: async () => { throw new Error('spawn icacls.exe ENOENT'); } });
    assert.equal(failing.status, 'warn');
    assert.match(failing.detail ?? '', /確認できません（spawn icacls\.exe ENOENT）/);
    const unreadable = await checkDataDirAccess(DATA, win('アクセスが拒否されました。\r\n'));
    assert.equal(unreadable.status, 'warn');
  });

  describe('elsewhere: the folder\'s mode, on a real folder', { skip: process.platform === 'win32' ? 'POSIX modes only' : false }, () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'pmh-data-access-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('passes 0700 and a folder the first run will make, and warns with PathNotPrivate on 0755', async () => {
      const data = join(dir, 'data');
      assert.equal((await checkDataDirAccess(data, { existed: false })).status, 'ok');
      mkdirSync(data);
      chmodSync(data, 0o755);
      const open = await checkDataDirAccess(data, { existed: true });
      assert.equal(open.status, 'warn');
      assert.equal(open.error?.code, 'PathNotPrivate');
      assert.match(open.detail ?? '', /0755 \(rwxr-xr-x\)/);
      chmodSync(data, 0o700);
      const closed = await checkDataDirAccess(data, { existed: true });
      assert.equal(closed.status, 'ok');
      assert.match(closed.detail ?? '', /0700 \(rwx------\)/);
    });
  });
});
