// The PMH simulator's fault modes, second factor and multi-file uploads, driven over real
// HTTP (and real Chromium where the page's own JavaScript matters). The TOTP generator and
// the check digits here are the test's own, written from the RFC and the published rules.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startSimulator } from '../../sim/server.ts';
import type { RowError, SimFaults, SimStats, Simulator, UploadSummary } from '../../sim/server.ts';
import { base32Decode, hotp, totp, verifyTotp } from '../../sim/totp.ts';

// ---------------------------------------------------------------- rows and CSV (test's own)

function myNumberDigit(body: string): number {
  const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const r = [...body].reduce((sum, ch, i) => sum + Number(ch) * (weights[i] ?? 0), 0) % 11;
  return r <= 1 ? 0 : 11 - r;
}

function myNumber(n: number): string {
  const body = String(40000000000 + n).padStart(11, '0');
  return body + String(myNumberDigit(body));
}

const COLUMNS = [
  'orgSpecificCertificateTypeId', 'myNumber', 'basicFiveInfo.name', 'basicFiveInfo.nameKana',
  'basicFiveInfo.address', 'basicFiveInfo.dateOfBirth', 'basicFiveInfo.sex', 'isNotDisclosed',
  'medicalSubsidyInsurerNumber', 'certificationName', 'medicalSubsidyRecipientNumber', 'certificationSubKey',
  'segment', 'incomeSegment', 'additionalConditions', 'designatedMedicalInstitutions', 'isAlwaysReimbursement',
  'maxCopaymentAmount', 'validFrom', 'validTo', 'historyKey', 'isDeleted', 'certificationDetail',
] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string>>;

const KODOMO = 'KODOMO01';
const HITORI = 'HITORI01';

function row(n: number, overrides: Row = {}): Row {
  return {
    orgSpecificCertificateTypeId: KODOMO,
    myNumber: myNumber(n),
    'basicFiveInfo.name': `試験 花子${n}`,
    'basicFiveInfo.nameKana': `シケン ハナコ${n}`,
    'basicFiveInfo.address': `架空県みなと市中央${n}丁目`,
    'basicFiveInfo.dateOfBirth': '2015-04-01',
    'basicFiveInfo.sex': '2',
    isNotDisclosed: 'false',
    medicalSubsidyInsurerNumber: '88131248',
    certificationName: '子ども医療費受給者証',
    medicalSubsidyRecipientNumber: `R${String(n).padStart(6, '0')}`,
    isAlwaysReimbursement: '0',
    validFrom: '2025-04-01',
    validTo: '2026-03-31',
    historyKey: `H${n}`,
    isDeleted: 'false',
    certificationDetail: '[{"label":"備考","value":"なし"}]',
    ...overrides,
  };
}

function csv(rows: Row[], header: readonly string[] = COLUMNS): string {
  const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `${[header.join(','), ...rows.map((r) => COLUMNS.map((c) => cell(r[c] ?? '')).join(','))].join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------- TOTP (test's own, RFC 6238)

function testTotp(key: Buffer, timeMs: number, digits: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19]! & 0xf;
  const code = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(code % 10 ** digits).padStart(digits, '0');
}

function base32Encode(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

const RFC_KEY = Buffer.from('12345678901234567890', 'ascii');
/** RFC 6238 appendix B, SHA-1 column: Unix time (s) -> 8-digit TOTP. */
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

// ---------------------------------------------------------------- HTTP client with cookies

class Client {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  async page(path: string, init: RequestInit = {}): Promise<{ status: number; html: string; location: string | null }> {
    const res = await this.request(path, init);
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  postForm(path: string, fields: Record<string, string>): Promise<{ status: number; html: string; location: string | null }> {
    return this.page(path, { method: 'POST', body: new URLSearchParams(fields) });
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }
}

const USER = { userId: 'pmh-test', password: 'correct horse battery staple' };
const OTP_USER = { userId: 'pmh-otp', password: 'another secret', totpSecret: base32Encode(Buffer.from('sim-faults-test-secret!')) };

async function loggedIn(base: string): Promise<Client> {
  const client = new Client(base);
  const res = await client.postForm('/login', USER);
  assert.equal(res.status, 303);
  assert.equal(res.location, '/menu');
  return client;
}

interface UploadInput {
  files: { name: string; content: string }[];
  type?: string;
  mode?: 'diff' | 'full';
  extra?: Record<string, string>;
}

/** POST /upload; returns the response (303 to the confirmation page unless a fault intervenes). */
function postUpload(client: Client, input: UploadInput): Promise<{ status: number; html: string; location: string | null }> {
  const form = new FormData();
  form.set('certificateTypeId', input.type ?? KODOMO);
  form.set('mode', input.mode ?? 'diff');
  for (const [name, value] of Object.entries(input.extra ?? {})) form.set(name, value);
  for (const file of input.files) form.append('file', new Blob([file.content], { type: 'text/csv' }), file.name);
  return client.page('/upload', { method: 'POST', body: form });
}

/** Upload, confirmation page, 登録する; returns the 受付番号. */
async function uploadAndRegister(client: Client, input: UploadInput): Promise<string> {
  const posted = await postUpload(client, input);
  assert.equal(posted.status, 303, posted.html);
  const confirmPath = posted.location ?? '';
  assert.match(confirmPath, /^\/upload\/confirm\/[0-9a-f]+$/);
  assert.equal((await client.page(confirmPath)).status, 200);
  const registered = await client.page(confirmPath, { method: 'POST' });
  assert.equal(registered.status, 303);
  const id = /^\/history\?registered=(U\d{6})$/.exec(registered.location ?? '')?.[1];
  assert.ok(id, `unexpected redirect ${registered.location}`);
  return id;
}

async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(base + path);
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
}

async function setFaults(base: string, faults: SimFaults): Promise<void> {
  const res = await fetch(`${base}/__sim/faults`, { method: 'POST', body: JSON.stringify(faults) });
  assert.equal(res.status, 200, await res.text());
}

const faultsNow = (base: string): Promise<SimFaults> => getJson(base, '/__sim/faults');
const statsNow = (base: string): Promise<SimStats> => getJson(base, '/__sim/stats');

async function upload(base: string, id: string): Promise<UploadSummary> {
  const found = (await getJson<UploadSummary[]>(base, '/__sim/uploads')).find((u) => u.id === id);
  assert.ok(found, `upload ${id} is listed`);
  return found;
}

async function waitForStatus(base: string, id: string, statuses: readonly string[]): Promise<UploadSummary> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const u = await upload(base, id);
    if (statuses.includes(u.status)) return u;
    assert.ok(Date.now() < deadline, `upload ${id} still ${u.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const FINAL = ['完了', '完了（エラーあり）', 'エラー'];
const waitUntilDone = (base: string, id: string): Promise<UploadSummary> => waitForStatus(base, id, FINAL);

function browserExecutable(): string {
  const candidates = [process.env['PMH_BOT_BROWSER'], '/usr/bin/chromium', chromium.executablePath()];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  assert.ok(found, 'a Chromium to drive');
  return found;
}

// ---------------------------------------------------------------- tests

describe('the simulator TOTP', () => {
  it('matches the RFC 6238 SHA-1 test vectors, and so does the test generator', () => {
    for (const [seconds, code] of RFC_VECTORS) {
      assert.equal(totp(RFC_KEY, seconds * 1000, 8), code, `T=${seconds}`);
      assert.equal(testTotp(RFC_KEY, seconds * 1000, 8), code, `test generator, T=${seconds}`);
    }
    assert.equal(hotp(RFC_KEY, 1, 6), '287082', 'RFC 4226 appendix D, count 1');
    const secret = base32Encode(RFC_KEY);
    assert.equal(secret, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(base32Decode(secret.toLowerCase()), RFC_KEY);
    assert.equal(verifyTotp(secret, '287082', 59_000), true, 'T=59 gives 287082 in 6 digits');
    assert.equal(verifyTotp(secret, '287082', 59_000 + 30_000), true, 'the previous step is accepted');
    assert.equal(verifyTotp(secret, '287082', 59_000 - 30_000), true, 'the next step is accepted');
    assert.equal(verifyTotp(secret, '287082', 59_000 + 60_000), false, 'two steps late is refused');
    assert.equal(verifyTotp(secret, '287083', 59_000), false);
    assert.equal(verifyTotp(secret, '28708', 59_000), false);
    assert.throws(() => base32Decode('GEZ1'), /base32/);
  });
});

describe('PMH simulator fault modes', () => {
  let sim: Simulator;
  let base: string;

  before(async () => {
    sim = await startSimulator({
      users: [USER, OTP_USER],
      certificateTypes: [
        { id: KODOMO, name: '子ども医療費助成' },
        { id: HITORI, name: 'ひとり親家庭等医療費助成' },
      ],
      processingDelayMs: 50,
    });
    base = sim.url;
  });

  after(async () => {
    await sim.close();
  });

  beforeEach(async () => {
    const res = await fetch(`${base}/__sim/reset`, { method: 'POST' });
    assert.equal(res.status, 200);
  });

  it('asks a user with a TOTP secret for the one-time password, refusing a wrong one', async () => {
    const client = new Client(base);
    const password = await client.postForm('/login', { userId: OTP_USER.userId, password: OTP_USER.password });
    assert.equal(password.status, 303);
    assert.equal(password.location, '/login/otp');
    assert.equal(client.hasCookie('PMHSESSION'), false, 'no session before the second factor');
    assert.equal((await client.page('/menu')).location, '/login');

    const otp = await client.page('/login/otp');
    assert.equal(otp.status, 200);
    assert.match(otp.html, /<h2>ワンタイムパスワード<\/h2>/);
    assert.match(otp.html, /<label for="otp">ワンタイムパスワード<\/label>\s*<input type="text" id="otp" name="otp"/);
    assert.match(otp.html, /<button type="submit">認証<\/button>/);

    const key = Buffer.from('sim-faults-test-secret!');
    const now = Date.now();
    const valid = new Set([-30_000, 0, 30_000].map((d) => testTotp(key, now + d, 6)));
    let wrong = testTotp(key, now, 6);
    while (valid.has(wrong)) wrong = String((Number(wrong) + 1) % 1_000_000).padStart(6, '0');
    const refused = await client.postForm('/login/otp', { otp: wrong });
    assert.equal(refused.status, 401);
    assert.match(refused.html, /<div role="alert">ワンタイムパスワードが正しくありません。<\/div>/);
    assert.equal(client.hasCookie('PMHSESSION'), false);

    const accepted = await client.postForm('/login/otp', { otp: testTotp(key, Date.now(), 6) });
    assert.equal(accepted.status, 303);
    assert.equal(accepted.location, '/menu');
    assert.equal(client.hasCookie('PMHLOGIN'), false, 'the pending login is used up');
    assert.match((await client.page('/menu')).html, /<h2>メニュー<\/h2>/);

    const stats = await statsNow(base);
    assert.deepEqual([stats.logins, stats.failedLogins, stats.otpFailures], [1, 0, 1]);
    const stranger = new Client(base);
    assert.equal((await stranger.page('/login/otp')).location, '/login', 'no OTP page without a password first');
  });

  it('slows matching screen responses for the given count, then answers at once', async () => {
    const client = await loggedIn(base);
    await setFaults(base, { slow: { ms: 400, count: 2, path: '/menu' } });
    assert.equal((await client.page('/history')).status, 200);
    assert.deepEqual(await faultsNow(base), { slow: { ms: 400, count: 2, path: '/menu' } }, 'other paths do not count');

    const started = performance.now();
    assert.equal((await client.page('/menu')).status, 200);
    assert.ok(performance.now() - started >= 390, 'the response waited for the delay');
    assert.deepEqual(await faultsNow(base), { slow: { ms: 400, count: 1, path: '/menu' } });
    assert.equal((await client.page('/menu')).status, 200);
    assert.deepEqual(await faultsNow(base), {}, 'used up');
  });

  it('answers with an HTTP error and the system-error page, then recovers', async () => {
    const client = await loggedIn(base);
    await setFaults(base, { httpError: { status: 502, count: 1, path: '/upload' } });
    assert.equal((await client.page('/menu')).status, 200);
    const failed = await client.page('/upload');
    assert.equal(failed.status, 502);
    assert.match(failed.html, /<h2>システムエラー<\/h2>/);
    assert.doesNotMatch(failed.html, /受給者証種別/);
    const again = await client.page('/upload');
    assert.equal(again.status, 200);
    assert.match(again.html, /<label for="certificateTypeId">受給者証種別<\/label>/);

    await setFaults(base, { httpError: { status: 500 } });
    assert.equal((await client.page('/history')).status, 500);
    assert.equal((await client.page('/menu')).status, 500, 'without count it stays');
    await setFaults(base, {});
    assert.equal((await client.page('/menu')).status, 200, 'cleared');
  });

  it('shows the maintenance page on every path, login included, until the count is used up', async () => {
    await setFaults(base, { maintenance: { count: 2 } });
    const client = new Client(base);
    const page = await client.page('/login');
    assert.equal(page.status, 503);
    assert.match(page.html, /<h2>システムメンテナンス中<\/h2>/);
    assert.match(page.html, /ただいまシステムメンテナンス中です。/);
    const login = await client.postForm('/login', USER);
    assert.equal(login.status, 503, 'the login is not processed');
    assert.equal(client.hasCookie('PMHSESSION'), false);
    assert.equal((await statsNow(base)).logins, 0);
    assert.equal((await client.page('/login')).status, 200, 'over after two responses');

    await setFaults(base, { maintenance: { status: 200 } });
    const menu = await client.page('/menu');
    assert.equal(menu.status, 200);
    assert.match(menu.html, /システムメンテナンス中/);
    await fetch(`${base}/__sim/reset`, { method: 'POST' });
    assert.doesNotMatch((await client.page('/login')).html, /メンテナンス/, 'reset clears the faults');
  });

  it('expires the session at the confirmation page: nothing is registered and the login page says why', async () => {
    const client = await loggedIn(base);
    await setFaults(base, { expireSession: { at: '/upload/confirm' } });
    assert.equal((await client.page('/upload')).status, 200, 'other paths are not affected');
    const posted = await postUpload(client, { files: [{ name: 'a.csv', content: csv([row(1)]) }] });
    assert.equal(posted.status, 303);
    const confirmPath = posted.location ?? '';

    const expired = await client.page(confirmPath);
    assert.equal(expired.status, 303);
    assert.equal(expired.location, '/login');
    assert.equal(client.hasCookie('PMHSESSION'), false);
    const login = await client.page('/login');
    assert.match(login.html, /<div role="status">セッションの有効期限が切れました。再度ログインしてください。<\/div>/);
    assert.equal((await client.page(confirmPath, { method: 'POST' })).location, '/login');

    const again = await client.postForm('/login', USER);
    assert.equal(again.status, 303);
    const gone = await client.page(confirmPath, { method: 'POST' });
    assert.equal(gone.status, 404, 'the pending confirmation was discarded');
    assert.equal((await statsNow(base)).registrations, 0);
    assert.deepEqual(await getJson(base, '/__sim/uploads'), []);
    assert.deepEqual(await faultsNow(base), {}, 'once only');

    const id = await uploadAndRegister(client, { files: [{ name: 'a.csv', content: csv([row(1)]) }] });
    assert.equal(id, 'U000001');
    assert.equal((await statsNow(base)).registrations, 1);
  });

  it('renames labels and buttons on every page while set', async () => {
    const client = await loggedIn(base);
    await setFaults(base, { renameLabels: { アップロードファイル: '連携ファイル', 登録する: '送信する' } });
    const form = await client.page('/upload');
    assert.match(form.html, /<label for="file">連携ファイル<\/label>/);
    assert.doesNotMatch(form.html, /アップロードファイル/);
    const posted = await postUpload(client, { files: [{ name: 'a.csv', content: csv([row(1)]) }] });
    const confirm = await client.page(posted.location ?? '');
    assert.match(confirm.html, /<button type="submit">送信する<\/button>/);
    assert.doesNotMatch(confirm.html, /登録する/);

    await setFaults(base, {});
    assert.match((await client.page(posted.location ?? '')).html, /<button type="submit">登録する<\/button>/);
  });

  it('keeps uploads registered under neverFinish 処理中 while later ones finish', async () => {
    const client = await loggedIn(base);
    await setFaults(base, { neverFinish: true });
    const stuck = await uploadAndRegister(client, { files: [{ name: 'a.csv', content: csv([row(1)]) }] });
    await waitForStatus(base, stuck, ['処理中']);
    await setFaults(base, {});
    const next = await uploadAndRegister(client, { files: [{ name: 'b.csv', content: csv([row(2)]) }] });
    assert.equal((await waitUntilDone(base, next)).status, '完了');
    const still = await upload(base, stuck);
    assert.equal(still.status, '処理中');
    assert.equal(still.finishedAt, null);
    assert.deepEqual((await getJson<Record<string, unknown>[]>(base, `/__sim/records?type=${KODOMO}`)).map((r) => r['historyKey']), ['H2']);
  });

  it('refuses the next registered upload once, with the given reason on its error list', async () => {
    const client = await loggedIn(base);
    await setFaults(base, { refuseNextUpload: { reason: '試験のため受け付けません。' } });
    const refused = await uploadAndRegister(client, { files: [{ name: 'good.csv', content: csv([row(1), row(2)]) }] });
    assert.deepEqual(await faultsNow(base), {}, 'used up at registration');
    const done = await waitUntilDone(base, refused);
    assert.equal(done.status, 'エラー');
    assert.equal(done.refusalReason, '試験のため受け付けません。');
    assert.deepEqual([done.total, done.accepted, done.rejected], [null, null, null]);
    const page = await client.page(`/history/${refused}/errors`);
    assert.match(page.html, /<div role="alert">試験のため受け付けません。<\/div>/);
    const text = (await (await client.request(`/history/${refused}/errors.csv`)).text()).replace(/^\uFEFF/, '');
    assert.equal(text.split('\r\n')[1], 'good.csv,,,ファイル全体,試験のため受け付けません。');

    const next = await uploadAndRegister(client, { files: [{ name: 'good.csv', content: csv([row(1), row(2)]) }] });
    assert.equal((await waitUntilDone(base, next)).status, '完了');
  });

  it('rejects rows by history key and every Nth row on top of the real checks', async () => {
    const client = await loggedIn(base);
    await setFaults(base, { rejectRows: { historyKeys: ['H2'], everyNth: 3 } });
    const rows = [row(1), row(2), row(3), row(4), row(5), row(6, { validFrom: '2027-01-01' })];
    const id = await uploadAndRegister(client, { files: [{ name: 'rows.csv', content: csv(rows) }] });
    const done = await waitUntilDone(base, id);
    assert.equal(done.status, '完了（エラーあり）');
    assert.deepEqual([done.total, done.accepted, done.rejected], [6, 3, 3]);
    const errors = await getJson<RowError[]>(base, `/__sim/uploads/${id}/errors`);
    assert.deepEqual(
      errors.map((e) => [e.line, e.historyKey, e.column]),
      [[3, 'H2', '履歴キー'], [4, 'H3', '履歴キー'], [7, 'H6', 'validFrom'], [7, 'H6', '履歴キー']],
    );
    assert.equal(errors[0]?.message, 'PMH 側の照合でエラーになりました');

    await setFaults(base, { rejectRows: { historyKeys: ['H4'], message: '照合できません' } });
    const custom = await uploadAndRegister(client, { files: [{ name: 'rows.csv', content: csv(rows.slice(0, 5)) }] });
    assert.deepEqual(
      (await getJson<RowError[]>(base, `/__sim/uploads/${(await waitUntilDone(base, custom)).id}/errors`)).map((e) => [e.historyKey, e.message]),
      [['H4', '照合できません']],
    );
    await setFaults(base, {});
    const clean = await uploadAndRegister(client, { files: [{ name: 'rows.csv', content: csv(rows.slice(0, 5)) }] });
    assert.equal((await waitUntilDone(base, clean)).rejected, 0);
  });

  it('warns of a duplicate only for identical content of the same certificate type', async () => {
    const client = await loggedIn(base);
    const content = csv([row(1), row(2, { orgSpecificCertificateTypeId: HITORI })]);
    const first = await uploadAndRegister(client, { files: [{ name: 'a.csv', content }] });
    assert.equal(first, 'U000001');
    const warning = /<div role="alert">同一内容のファイルが既に登録されています（受付番号 U000001）。<\/div>/;

    const confirmOf = async (input: UploadInput): Promise<string> =>
      (await client.page((await postUpload(client, input)).location ?? '')).html;
    assert.doesNotMatch(await confirmOf({ files: [{ name: 'a.csv', content }] }), warning, 'off unless set');

    await setFaults(base, { duplicateWarning: true });
    assert.match(await confirmOf({ files: [{ name: 'renamed.csv', content }] }), warning);
    assert.doesNotMatch(await confirmOf({ files: [{ name: 'a.csv', content }], type: HITORI }), /同一内容/);
    assert.doesNotMatch(await confirmOf({ files: [{ name: 'a.csv', content: csv([row(1)]) }] }), /同一内容/);

    const again = await uploadAndRegister(client, { files: [{ name: 'a.csv', content }] });
    assert.equal(again, 'U000002', 'registering anyway still works');
  });

  it('makes several files one upload with summed counts and errors naming their file', async () => {
    const client = await loggedIn(base);
    const a = csv([row(1), row(2, { myNumber: '123456789019' })]);
    const b = csv([row(3), row(4, { validTo: '2026/03/31' }), row(1)]);
    const posted = await postUpload(client, { files: [{ name: '受給者_1.csv', content: a }, { name: '受給者_2.csv', content: b }] });
    assert.equal(posted.status, 303);
    const confirm = await client.page(posted.location ?? '');
    assert.match(confirm.html, /<td>受給者_1\.csv<br>受給者_2\.csv<\/td>/);
    assert.match(confirm.html, new RegExp(`<td>${Buffer.byteLength(a) + Buffer.byteLength(b)} バイト</td>`));
    const registered = await client.page(posted.location ?? '', { method: 'POST' });
    const id = /registered=(U\d{6})/.exec(registered.location ?? '')?.[1] ?? '';
    assert.equal(id, 'U000001');

    const done = await waitUntilDone(base, id);
    assert.equal(done.status, '完了（エラーあり）');
    assert.deepEqual([done.total, done.accepted, done.rejected], [5, 2, 3]);
    assert.equal(done.fileName, '受給者_1.csv');
    assert.deepEqual(done.files.map((f) => [f.fileName, f.bytes]), [['受給者_1.csv', Buffer.byteLength(a)], ['受給者_2.csv', Buffer.byteLength(b)]]);
    assert.equal(done.sha256, done.files[0]?.sha256);
    assert.notEqual(done.files[0]?.sha256, done.files[1]?.sha256);
    assert.equal((await getJson<unknown[]>(base, '/__sim/uploads')).length, 1, 'one upload');

    const errors = await getJson<RowError[]>(base, `/__sim/uploads/${id}/errors`);
    assert.deepEqual(
      errors.map((e) => [e.fileName, e.line, e.historyKey, e.column]),
      [
        ['受給者_1.csv', 3, 'H2', 'myNumber'],
        ['受給者_2.csv', 3, 'H4', 'validTo'],
        ['受給者_2.csv', 4, 'H1', 'historyKey'],
      ],
    );
    assert.match(errors[2]?.message ?? '', /ファイル「受給者_1\.csv」の2行目と/);

    const csvText = (await (await client.request(`/history/${id}/errors.csv`)).text()).replace(/^\uFEFF/, '');
    const lines = csvText.split('\r\n');
    assert.equal(lines[0], 'ファイル名,行番号,履歴キー,項目,エラー内容');
    assert.match(lines[2] ?? '', /^受給者_2\.csv,3,H4,validTo,/);
    const page = await client.page(`/history/${id}/errors`);
    assert.match(page.html, /<th scope="col">ファイル名<\/th><th scope="col">行番号<\/th>/);
    assert.match(page.html, /<tr><td>受給者_2\.csv<\/td><td class="number">3<\/td><td>H4<\/td>/);
    const history = await client.page('/history');
    assert.match(history.html, /<td>U000001<\/td><td>受給者_1\.csv<br>受給者_2\.csv<\/td>/);
    const accepted = await getJson<Record<string, unknown>[]>(base, `/__sim/uploads/${id}/rows`);
    assert.deepEqual(accepted.map((r) => r['historyKey']), ['H1', 'H3'], 'accepted rows in upload order');

    const bad = await uploadAndRegister(client, {
      files: [{ name: 'ok.csv', content: csv([row(7)]) }, { name: 'empty.csv', content: csv([]) }],
    });
    const refused = await waitUntilDone(base, bad);
    assert.equal(refused.status, 'エラー');
    assert.match(refused.refusalReason ?? '', /^ファイル「empty\.csv」：データ行がありません/);
    const refusedCsv = (await (await client.request(`/history/${bad}/errors.csv`)).text()).split('\r\n');
    assert.match(refusedCsv[1] ?? '', /^empty\.csv,,,ファイル全体,/);
    const keys = (await getJson<Record<string, unknown>[]>(base, `/__sim/records?type=${KODOMO}`)).map((r) => r['historyKey']);
    assert.deepEqual(keys.sort(), ['H1', 'H3'], 'nothing of the refused upload was applied');
  });

  it('counts logins, uploads, registrations and requests by normalised path', async () => {
    const stranger = new Client(base);
    assert.equal((await stranger.postForm('/login', { userId: USER.userId, password: 'wrong' })).status, 401);
    const client = await loggedIn(base);
    const id = await uploadAndRegister(client, { files: [{ name: 'a.csv', content: csv([row(1, { myNumber: '1' })]) }] });
    await waitUntilDone(base, id);
    await client.page(`/history/${id}/errors`);
    await client.page(`/history/${id}/errors.csv`);
    const stats = await statsNow(base);
    assert.deepEqual(
      { ...stats, requests: undefined },
      { logins: 1, failedLogins: 1, otpFailures: 0, uploadPosts: 1, registrations: 1, requests: undefined },
    );
    assert.deepEqual(stats.requests, {
      '/login': 2,
      '/upload': 1,
      '/upload/confirm/:token': 2,
      '/history/:id/errors': 1,
      '/history/:id/errors.csv': 1,
    });
    await fetch(`${base}/__sim/reset`, { method: 'POST' });
    assert.deepEqual(await statsNow(base), { logins: 0, failedLogins: 0, otpFailures: 0, uploadPosts: 0, registrations: 0, requests: {} });
  });

  it('rejects a fault set that is not JSON or has unknown keys, and keeps the one in force', async () => {
    await setFaults(base, { neverFinish: true });
    const post = (body: string): Promise<Response> => fetch(`${base}/__sim/faults`, { method: 'POST', body });
    const notJson = await post('{nope');
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /invalid JSON/);
    const unknown = await post(JSON.stringify({ slowness: { ms: 1 } }));
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { error: string }).error, /slowness/);
    const nested = await post(JSON.stringify({ httpError: { status: 404 } }));
    assert.equal(nested.status, 400);
    assert.match(((await nested.json()) as { error: string }).error, /httpError/);
    const unknownNested = await post(JSON.stringify({ slow: { ms: 10, paths: '/x' } }));
    assert.equal(unknownNested.status, 400);
    assert.deepEqual(await faultsNow(base), { neverFinish: true });
  });
});

describe('PMH simulator fault modes in a browser', () => {
  let sim: Simulator;
  let browser: Browser;

  before(async () => {
    sim = await startSimulator({
      users: [USER],
      certificateTypes: [{ id: KODOMO, name: '子ども医療費助成' }],
      processingDelayMs: 50,
    });
    browser = await chromium.launch({ executablePath: browserExecutable(), headless: true, args: ['--disable-gpu', '--no-first-run'] });
  });

  after(async () => {
    await browser?.close();
    await sim?.close();
  });

  beforeEach(async () => {
    assert.equal((await fetch(`${sim.url}/__sim/reset`, { method: 'POST' })).status, 200);
  });

  async function openUploadForm(): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${sim.url}/login`);
    await page.getByLabel('ユーザーID').fill(USER.userId);
    await page.getByLabel('パスワード').fill(USER.password);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { name: 'メニュー', exact: true }).waitFor();
    await page.getByRole('link', { name: 'ファイルアップロード' }).click();
    await page.getByLabel('受給者証種別').selectOption(KODOMO);
    await page.getByRole('radio', { name: '差分連携', exact: true }).check();
    await page.getByLabel('アップロードファイル').setInputFiles([
      { name: 'first.csv', mimeType: 'text/csv', buffer: Buffer.from(csv([row(1)])) },
      { name: 'second.csv', mimeType: 'text/csv', buffer: Buffer.from(csv([row(2)])) },
    ]);
    return page;
  }

  it("confirms in an in-page dialog under confirmStyle 'modal'; キャンセル sends nothing", async () => {
    await setFaults(sim.url, { confirmStyle: 'modal' });
    const page = await openUploadForm();
    try {
      await page.getByRole('button', { name: '確認画面へ', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'アップロード内容の確認' });
      await dialog.waitFor();
      assert.equal(await dialog.getAttribute('aria-modal'), 'true');
      const text = await dialog.innerText();
      for (const shown of ['first.csv', 'second.csv', `${KODOMO} 子ども医療費助成`, '差分連携']) assert.ok(text.includes(shown), shown);
      await dialog.getByRole('button', { name: 'キャンセル', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal((await statsNow(sim.url)).uploadPosts, 0, 'nothing was sent');

      await page.getByRole('button', { name: '確認画面へ', exact: true }).click();
      await dialog.getByRole('button', { name: '登録する', exact: true }).click();
      await page.getByRole('status').filter({ hasText: '受付番号 U000001 で受け付けました。' }).waitFor();
      assert.match(page.url(), /\/history\?registered=U000001$/);
      const stats = await statsNow(sim.url);
      assert.deepEqual([stats.uploadPosts, stats.registrations], [1, 1]);
      assert.equal(stats.requests['/upload/confirm/:token'], undefined, 'no confirmation page');
      assert.deepEqual((await waitUntilDone(sim.url, 'U000001')).files.map((f) => f.fileName), ['first.csv', 'second.csv']);
    } finally {
      await page.close();
    }
  });

  it("asks window.confirm before registering under confirmStyle 'native'", async () => {
    await setFaults(sim.url, { confirmStyle: 'native' });
    const page = await openUploadForm();
    try {
      await page.getByRole('button', { name: '確認画面へ', exact: true }).click();
      await page.getByRole('heading', { name: 'アップロード内容の確認', exact: true }).waitFor();
      const messages: string[] = [];
      page.once('dialog', (d) => {
        messages.push(d.message());
        void d.dismiss();
      });
      await page.getByRole('button', { name: '登録する', exact: true }).click();
      await page.waitForFunction(() => document.readyState === 'complete');
      assert.deepEqual(messages, ['この内容で登録してよろしいですか？']);
      assert.match(page.url(), /\/upload\/confirm\//, 'dismissed: still on the confirmation page');

      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: '登録する', exact: true }).click();
      await page.getByRole('status').filter({ hasText: '受付番号 U000001 で受け付けました。' }).waitFor();
      // Had the dismissed click registered, that would be U000001 and this confirmation gone.
      assert.equal((await statsNow(sim.url)).registrations, 1);
    } finally {
      await page.close();
    }
  });
});

describe('PMH simulator start-up faults', () => {
  it('starts with the faults given and refuses unknown ones', async () => {
    const sim = await startSimulator({ users: [USER], certificateTypes: [{ id: KODOMO, name: '子' }], faults: { maintenance: { count: 1 } } });
    try {
      assert.equal((await fetch(`${sim.url}/login`)).status, 503);
      assert.equal((await fetch(`${sim.url}/login`)).status, 200);
    } finally {
      await sim.close();
    }
    await assert.rejects(
      startSimulator({ users: [USER], certificateTypes: [], faults: { slow: { ms: -1 } } }),
      /slow/,
    );
    await assert.rejects(
      startSimulator({ users: [{ ...USER, totpSecret: 'not base32!' }], certificateTypes: [] }),
      /base32/,
    );
  });
});
