/**
 * scripts/windows/install.ps1 and verify-manifest.ps1, which the offline bundle carries at its
 * root. PowerShell is not installed on the machines that run these tests (Linux), so the
 * scripts are NOT run here: these tests read their text for what the operator guide promises
 * (the manifest checked before anything is copied, a version folder never overwritten, the
 * data and config folders closed with icacls, the current junction switched, the task made
 * with the real `pmh-bot schedule install` options, nothing fetched from a network) and run
 * the manifest line pattern the script uses on sample lines. Where `pwsh` is installed, the
 * last test also has PowerShell's own parser read both scripts; where it is not, that test
 * is skipped and says so. Running them for real needs a Windows machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { errorCatalog } from '../../core/error-catalog.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const INSTALL = join(ROOT, 'scripts/windows/install.ps1');
const VERIFY = join(ROOT, 'scripts/windows/verify-manifest.ps1');
const BOM = [0xef, 0xbb, 0xbf];

function read(path: string): string {
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

/** The script without its comments (# lines and <# #> blocks), to tell code from prose. */
function code(text: string): string {
  return text.replace(/<#[\s\S]*?#>/g, '').split('\n').map((line) => line.replace(/(^|\s)#(?![>{]).*$/, '')).join('\n');
}

/** The body of a PowerShell function, up to the next top-level function or section. */
function functionBody(text: string, name: string): string {
  const start = text.indexOf(`function ${name}`);
  assert.ok(start >= 0, `function ${name} is defined`);
  const next = text.slice(start + 1).search(/\n(function |# -{10})/);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

/** The switch branch of the main block for one parameter set. */
function mainBranch(text: string, set: string): string {
  const main = text.slice(text.lastIndexOf('switch ($PSCmdlet.ParameterSetName)'));
  const start = main.indexOf(`'${set}' {`);
  assert.ok(start >= 0, `main handles ${set}`);
  const next = main.slice(start + 1).search(/\n {4}'\w+' \{/);
  return next < 0 ? main.slice(start) : main.slice(start, start + 1 + next);
}

function before(text: string, first: string, second: string): void {
  const a = text.indexOf(first);
  const b = text.indexOf(second);
  assert.ok(a >= 0, `${first} is there`);
  assert.ok(b >= 0, `${second} is there`);
  assert.ok(a < b, `${first} comes before ${second}`);
}

const install = read(INSTALL);
const verify = read(VERIFY);

describe('the Windows install scripts (text only: PowerShell is not run here)', () => {
  it('are saved as UTF-8 with a BOM, which Windows PowerShell 5.1 needs to read their Japanese text', () => {
    for (const path of [INSTALL, VERIFY]) assert.deepEqual([...readFileSync(path).subarray(0, 3)], BOM, path);
  });

  it('reach no network and load no module: built-in cmdlets and Windows\' own tools only', () => {
    const forbidden = /Invoke-WebRequest|Invoke-RestMethod|\biwr\b|\birm\b|\bcurl\b|\bwget\b|Start-BitsTransfer|Net\.WebClient|System\.Net\.|HttpClient|Install-Module|Import-Module|Find-Module|Save-Module|Install-PackageProvider|Install-Package|Invoke-Expression|\biex\b|DownloadString|DownloadFile/i;
    for (const [name, text] of [['install.ps1', install], ['verify-manifest.ps1', verify]] as const) {
      assert.doesNotMatch(text, forbidden, name);
      // Windows PowerShell 5.1 is what a municipal terminal has: no PowerShell 7 operators.
      assert.doesNotMatch(code(text), /&&|\|\||\?\?|\?\./, `${name} uses PowerShell 7 syntax`);
    }
  });

  it('checks the bundle against MANIFEST.sha256 before anything is copied, and the copy again before it becomes a version', () => {
    const main = mainBranch(install, 'Install');
    before(main, 'Assert-Manifest $BundleRoot', 'Install-VersionFolder $version');
    before(main, 'Assert-Manifest $BundleRoot', 'Initialize-ConfigAndData');
    const copy = functionBody(install, 'Install-VersionFolder');
    before(copy, 'Copy-Item', 'Assert-Manifest $staging');
    before(copy, 'Assert-Manifest $staging', 'Rename-Item -LiteralPath $staging');
    const assertManifest = functionBody(install, 'Assert-Manifest');
    assert.match(assertManifest, /verify-manifest\.ps1/);
    assert.match(assertManifest, /\$LASTEXITCODE -ne 0[\s\S]*throw/);
  });

  it('verifies every listed file with Get-FileHash SHA256 and refuses a missing, different or unlisted one', () => {
    assert.match(verify, /Get-FileHash -LiteralPath \$file -Algorithm SHA256/);
    assert.match(verify, /\$missing\.Add\(\$relative\)/);
    assert.match(verify, /\$different\.Add\(\$relative\)/);
    assert.match(verify, /\$unlisted\.Add\(\$relative\)/);
    assert.match(verify, /\$problems -eq 0[\s\S]*exit 0[\s\S]*exit 1/);
    // A failure to read is a refusal too.
    assert.match(verify, /catch \{[\s\S]*exit 1\s*\}\s*$/);
  });

  it('reads the manifest line format the bundle writes (<hex>  <path with forward slashes>) and no path outside the bundle', () => {
    // The same patterns, read out of the script; .NET and JavaScript agree on these.
    const line = new RegExp(/\$line -notmatch '([^']+)'/.exec(verify)![1]!);
    const hex = 'ab'.repeat(32);
    assert.deepEqual(line.exec(`${hex}  app/bin/pmh-bot.mjs`)?.slice(1), [hex, 'app/bin/pmh-bot.mjs']);
    assert.deepEqual(line.exec(`${hex.toUpperCase()} *node/node.exe`)?.slice(1), [hex.toUpperCase(), 'node/node.exe']);
    assert.deepEqual(line.exec(`${hex}  docs/運用 ガイド.md`)?.slice(1), [hex, 'docs/運用 ガイド.md']);
    assert.equal(line.exec(`${hex.slice(2)}  app/package.json`), null, 'a short hash');
    assert.equal(line.exec(`${hex} app/package.json`), null, 'one space');
    const dotDot = new RegExp(/\$relative -match '(\(\^\|\/\)[^']+)'/.exec(verify)![1]!);
    assert.ok(dotDot.test('../outside.txt') && dotDot.test('app/../../x') && !dotDot.test('app/..hidden/x'));
    assert.match(verify, /\$relative\.Contains\(':'\)/);
    assert.match(verify, /\$relative -match '\^\[\/\\\\\]'/);
  });

  it('installs per version under Program Files, reading the version from app\\package.json, and never overwrites a version folder', () => {
    assert.match(install, /Join-Path \$env:ProgramW6432 'pmh-bot'/);
    assert.match(install, /Join-Path \$Root 'app\\package\.json'/);
    const copy = functionBody(install, 'Install-VersionFolder');
    before(copy, 'if (Test-Path -LiteralPath $target)', 'Copy-Item');
    assert.match(copy, /if \(-not \$sameBuild\) \{\s*throw/);
    assert.doesNotMatch(copy, /Remove-Item -LiteralPath \$target/);
  });

  it('keeps config and data in ProgramData and copies the example config only when there is no pmh-bot.yaml', () => {
    assert.match(install, /\[string\]\$ConfigDir = \(Join-Path \$env:ProgramData 'pmh-bot\\config'\)/);
    assert.match(install, /\[string\]\$DataDir = \(Join-Path \$env:ProgramData 'pmh-bot\\data'\)/);
    const init = functionBody(install, 'Initialize-ConfigAndData');
    before(init, 'if (Test-Path -LiteralPath $configFile)', "Copy-Item -LiteralPath (Join-Path $examples 'pmh-bot.example.yaml') -Destination $configFile");
    assert.match(init, /if \(Test-Path -LiteralPath \$configFile\) \{[\s\S]*?return\s*\}/);
    assert.match(init, /if \(Test-Path -LiteralPath \$destination\) \{ continue \}/, 'an example already there is not replaced');
  });

  it('closes the data and config folders with icacls: inheritance removed, the bot, Administrators and SYSTEM granted (OI)(CI)', () => {
    const access = functionBody(install, 'Set-PrivateAccess');
    assert.match(access, /Invoke-Icacls @\(\$Folder, '\/inheritance:r', '\/grant:r'/);
    assert.match(access, /'\*\{0\}:\(OI\)\(CI\)\{1\}' -f \$BotSid, \$BotRights/);
    assert.match(access, /'\*\{0\}:\(OI\)\(CI\)F' -f \$AdministratorsSid/);
    assert.match(access, /'\*\{0\}:\(OI\)\(CI\)F' -f \$SystemSid/);
    assert.match(access, /'\/remove:g'/);
    assert.match(install, /\$AdministratorsSid = 'S-1-5-32-544'/);
    assert.match(install, /\$SystemSid = 'S-1-5-18'/);
    const folders = functionBody(install, 'Set-FolderAccess');
    assert.match(folders, /Set-PrivateAccess \$DataDir \$botSid 'F'/);
    assert.match(folders, /Set-PrivateAccess \$ConfigDir \$botSid 'RX'/);
    const main = mainBranch(install, 'Install');
    assert.match(main, /\$firstInstall -or \$RegisterTask[\s\S]*throw/, '-BotUser is required on first install');
  });

  it('switches the current junction without touching what it pointed at, and rolls back only to an earlier installed version', () => {
    const switching = functionBody(install, 'Switch-Current');
    assert.match(switching, /New-Item -ItemType Junction -Path \$next -Target \$target/);
    assert.match(switching, /\[System\.IO\.Directory\]::Delete\(\$CurrentLink, \$false\)/);
    assert.match(switching, /\[System\.IO\.Directory\]::Move\(\$next, \$CurrentLink\)/);
    assert.doesNotMatch(install, /Remove-Item[^\n]*\$CurrentLink/, 'Remove-Item -Recurse on a junction can empty its target');
    assert.match(install, /if \(\$item\.LinkType -ne 'Junction'\) \{\s*throw/);
    const rollback = mainBranch(install, 'Rollback');
    assert.match(rollback, /Compare-Version \$Rollback \$current/);
    assert.match(rollback, /\$order -ge 0\) \{\s*throw/);
    assert.match(rollback, /LedgerFromNewerVersion/);
    assert.match(mainBranch(install, 'List'), /Show-Versions/);
    // $switch is PowerShell's own variable inside a switch statement: no parameter may be called that.
    assert.doesNotMatch(install, /\$Switch\b/);
  });

  it('makes the task with options pmh-bot schedule install really has, through the current junction, and registers it with schtasks', () => {
    const task = functionBody(install, 'Register-DailyTask');
    assert.match(task, /Join-Path \$CurrentLink 'pmh-bot\.cmd'/);
    assert.match(task, /'schedule', 'install', '--windows'/);
    const given = [...task.matchAll(/'(--[a-z-]+)'/g)].map((match) => match[1]!);
    assert.deepEqual(given, ['--windows', '--config', '--out', '--user', '--logon', '--node', '--script']);
    const help = spawnSync(process.execPath, [join(ROOT, 'bin/pmh-bot.mjs'), 'schedule', 'install', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    for (const option of given) assert.match(help.stdout, new RegExp(`\\s${option}\\b`), `pmh-bot schedule install has ${option}`);
    assert.match(task, /Join-Path \$CurrentLink 'node\\node\.exe'/);
    assert.match(task, /Join-Path \$CurrentLink 'app\\bin\\pmh-bot\.mjs'/);
    assert.match(task, /schtasks\.exe' -ArgumentList "\/Create \/XML `"\$xml`" \/TN \$TaskName \$credentials \/F"/);
    assert.match(mainBranch(install, 'Install'), /if \(\$RegisterTask\) \{ Register-DailyTask \$BotUser \}/);
  });

  it('names the -SwitchTo the LedgerFromNewerVersion hint tells the operator to use', () => {
    assert.match(install, /\[string\]\$SwitchTo,/);
    assert.match(errorCatalog.LedgerFromNewerVersion.hint.ja, /install\.ps1 -SwitchTo/);
    assert.match(errorCatalog.LedgerFromNewerVersion.hint.en, /install\.ps1 -SwitchTo/);
  });

  it('says what it did in Japanese and English, and exits 1 on any failure', () => {
    assert.match(install, /function Say\(\[string\]\$Ja, \[string\]\$En\)/);
    assert.match(install, /catch \{[\s\S]*exit 1\s*\}\s*$/);
    assert.match(install, /Assert-Administrator/);
    for (const call of install.matchAll(/^\s*Say "([^"]*)" "([^"]*)"/gm)) {
      assert.match(call[1]!, /[\u3040-\u30ff\u4e00-\u9fff]/, `Japanese first: ${call[1]}`);
      assert.doesNotMatch(call[2]!, /[\u3040-\u30ff\u4e00-\u9fff]/, `English second: ${call[2]}`);
    }
  });

  it('is read without a syntax error by PowerShell\'s own parser, where pwsh is installed', (t) => {
    const probe = spawnSync('pwsh', ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()'], { encoding: 'utf8' });
    if (probe.error) {
      // Not here: these tests run on Linux without PowerShell; the scripts are checked above by text only.
      t.diagnostic(`pwsh is not installed (${probe.error.message}): the scripts were neither parsed nor run by PowerShell`);
      t.skip('pwsh not installed');
      return;
    }
    for (const path of [INSTALL, VERIFY]) {
      const parse = spawnSync('pwsh', ['-NoProfile', '-Command',
        `$errors = $null; [System.Management.Automation.Language.Parser]::ParseFile('${path}', [ref]$null, [ref]$errors) | Out-Null; $errors | ForEach-Object { $_.ToString() }; exit $errors.Count`,
      ], { encoding: 'utf8' });
      assert.equal(parse.status, 0, `${path}: ${parse.stdout}${parse.stderr}`);
    }
  });
});
