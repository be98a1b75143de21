// The simulator's second screen, the 連携ポータル (startSimulator({ screen: 'portal' })), driven
// over real HTTP with plain fetch. Every page after sign-in is reached the way a user
// reaches it: by the links and buttons of the page before, never by a URL made up here.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { startSimulator } from '../../sim/server.ts';
import type { RowError, SimFaults, SimStats, Simulator, UploadSummary } from '../../sim/server.ts';

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
const KODOMO_NAME = '子ども医療費助成（デモ）';
const HITORI_NAME = 'ひとり親家庭等医療費助成';

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

function csv(rows: Row[]): string {
  const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `${[COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => cell(r[c] ?? '')).join(','))].join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------- TOTP (test's own, RFC 6238)

function testTotp(key: Buffer, timeMs: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19]! & 0xf;
  const code = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(code % 1_000_000).padStart(6, '0');
}

function base32Encode(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

// ---------------------------------------------------------------- HTTP client with cookies

interface Page {
  status: number;
  html: string;
  location: string | null;
}

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

  async page(path: string, init: RequestInit = {}): Promise<Page> {
    const res = await this.request(path, init);
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  postForm(path: string, fields: Record<string, string>): Promise<Page> {
    return this.page(path, { method: 'POST', body: new URLSearchParams(fields) });
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }
}

// ---------------------------------------------------------------- reading pages like a user

function decodeEntities(value: string): string {
  return value.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The href of the link named `name` (exactly one on the page). */
function linkTo(html: string, name: string): string {
  const found = [...html.matchAll(new RegExp(`<a [^>]*href="([^"]+)"[^>]*>${escapeRegExp(name)}</a>`, 'g'))];
  assert.equal(found.length, 1, `one link named ${name}`);
  return decodeEntities(found[0]?.[1] ?? '');
}

/** The action and method of the form holding the button named `name` (the first, or within `scope`). */
function formOf(html: string, name: string): { action: string; method: string; button: string } {
  const forms = [...html.matchAll(/<form method="(get|post)" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  for (const [, method = '', action = '', inner = ''] of forms) {
    const button = new RegExp(`<button type="submit"[^>]*>${escapeRegExp(name)}</button>`).exec(inner);
    if (button) return { action: decodeEntities(action), method, button: button[0] };
  }
  assert.fail(`no form with a button named ${name}`);
}

/** The options of the <select> labelled `label`: [shown text, value]. */
function optionsOf(html: string, label: string): [string, string][] {
  const id = new RegExp(`<label for="([^"]+)">${escapeRegExp(label)}</label>`).exec(html)?.[1];
  assert.ok(id, `a label ${label}`);
  const select = new RegExp(`<select id="${id}" name="[^"]+">([\\s\\S]*?)</select>`).exec(html)?.[1];
  assert.ok(select !== undefined, `a select for ${label}`);
  return [...select.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m) => [decodeEntities(m[2] ?? ''), m[1] ?? '']);
}

function valueOf(html: string, label: string, shown: string): string {
  const option = optionsOf(html, label).find(([text]) => text === shown);
  assert.ok(option, `an option ${shown} under ${label}`);
  return option[1];
}

function nameOfControl(html: string, label: string): string {
  const id = new RegExp(`<label for="([^"]+)">${escapeRegExp(label)}</label>`).exec(html)?.[1];
  assert.ok(id, `a label ${label}`);
  const name = new RegExp(`id="${id}" name="([^"]+)"`).exec(html)?.[1];
  assert.ok(name, `a control for ${label}`);
  return name;
}

function heading(html: string): string {
  return /<h2>([^<]*)<\/h2>/.exec(html)?.[1] ?? '';
}

// ---------------------------------------------------------------- the simulator's side

const USER = { userId: 'portal-user', password: 'correct horse battery staple' };
const OTHER = { userId: 'portal-other', password: 'another password' };
const OTP_KEY = Buffer.from('portal-test-secret!!');
const OTP_USER = { userId: 'portal-otp', password: 'otp password', totpSecret: base32Encode(OTP_KEY) };
const CERTIFICATE_TYPES = [
  { id: KODOMO, name: KODOMO_NAME },
  { id: HITORI, name: HITORI_NAME },
];

async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(base + path);
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
}

async function setFaults(base: string, faults: SimFaults): Promise<void> {
  const res = await fetch(`${base}/__sim/faults`, { method: 'POST', body: JSON.stringify(faults) });
  assert.equal(res.status, 200, await res.text());
}

const statsNow = (base: string): Promise<SimStats> => getJson(base, '/__sim/stats');
const uploadsNow = (base: string): Promise<UploadSummary[]> => getJson(base, '/__sim/uploads');

async function waitForStatus(base: string, id: string, statuses: readonly string[]): Promise<UploadSummary> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const upload = (await uploadsNow(base)).find((u) => u.id === id);
    assert.ok(upload, `upload ${id} is listed`);
    if (statuses.includes(upload.status)) return upload;
    assert.ok(Date.now() < deadline, `upload ${id} still ${upload.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const waitUntilDone = (base: string, id: string): Promise<UploadSummary> =>
  waitForStatus(base, id, ['完了', '完了（エラーあり）', 'エラー']);

/** Signs in with the password; returns where the portal sends the browser next. */
async function signIn(client: Client, user: { userId: string; password: string } = USER): Promise<Page> {
  const res = await client.postForm(formOf((await client.page('/portal/')).html, 'サインイン').action, user);
  assert.equal(res.status, 303, res.html);
  assert.match(res.location ?? '', /^\/portal\/s\/[0-9a-f]+\/(notice|home)$/);
  return client.page(res.location ?? '');
}

/** Signs in and gets past today's notice if it shows; returns Home. */
async function atHome(client: Client, user: { userId: string; password: string } = USER): Promise<Page> {
  let page = await signIn(client, user);
  if (heading(page.html) === '本日のお知らせ') {
    const acknowledged = await client.page(formOf(page.html, '確認して進む').action, { method: 'POST' });
    assert.equal(acknowledged.status, 303);
    page = await client.page(acknowledged.location ?? '');
  }
  assert.equal(heading(page.html), 'ホーム');
  return page;
}

/** From any signed-in page: データ連携, then the sub-menu link `name`. */
async function openFromMenu(client: Client, from: Page, name: 'ファイル送信' | '処理状況照会'): Promise<Page> {
  const menu = await client.page(linkTo(from.html, 'データ連携'));
  assert.equal(heading(menu.html), 'データ連携メニュー');
  const page = await client.page(linkTo(menu.html, name));
  assert.equal(page.status, 200);
  return page;
}

interface SendInput {
  subsidy?: string;
  kind?: '差分' | '全件';
  files: { name: string; content: string }[];
}

/** Fills the ファイル送信 form by its labels and posts it, as clicking its one button would. */
function submitSendForm(client: Client, formPage: Page, buttonName: '送信する' | '次へ', input: SendInput): Promise<Page> {
  const html = formPage.html;
  const body = new FormData();
  body.set(nameOfControl(html, '助成制度'), input.subsidy === undefined ? '' : valueOf(html, '助成制度', input.subsidy));
  body.set(nameOfControl(html, '送信区分'), input.kind === undefined ? '' : valueOf(html, '送信区分', input.kind));
  const fileField = nameOfControl(html, '送信ファイル');
  for (const file of input.files) body.append(fileField, new Blob([file.content], { type: 'text/csv' }), file.name);
  const form = formOf(html, buttonName);
  assert.equal(form.method, 'post');
  return client.page(form.action, { method: 'POST', body });
}

/** ファイル送信 -> 送信する (the dialog accepted) -> the receipt; returns the 受付ID. */
async function sendFiles(client: Client, from: Page, input: SendInput): Promise<{ id: string; receipt: Page }> {
  const formPage = await openFromMenu(client, from, 'ファイル送信');
  const posted = await submitSendForm(client, formPage, '送信する', input);
  assert.equal(posted.status, 303, posted.html);
  const receipt = await client.page(posted.location ?? '');
  assert.equal(heading(receipt.html), '送信完了');
  const id = /受付ID：(U\d{6}) で受け付けました。/.exec(receipt.html)?.[1];
  assert.ok(id, receipt.html);
  return { id, receipt };
}

function statusRow(html: string, id: string): string {
  return new RegExp(`<tr data-upload-id="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
}

function cells(tr: string): string[] {
  return [...tr.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1] ?? '');
}

// ---------------------------------------------------------------- tests

describe('PMH simulator, portal screen', () => {
  let sim: Simulator;
  let base: string;

  before(async () => {
    sim = await startSimulator({
      screen: 'portal',
      users: [USER, OTHER, OTP_USER],
      certificateTypes: CERTIFICATE_TYPES,
      processingDelayMs: 50,
    });
    base = sim.url;
  });

  after(async () => {
    await sim.close();
  });

  beforeEach(async () => {
    assert.equal((await fetch(`${base}/__sim/reset`, { method: 'POST' })).status, 200);
  });

  it('sends / to the sign-in page, refuses wrong credentials and signs in with the right ones', async () => {
    const client = new Client(base);
    const root = await client.page('/');
    assert.equal(root.status, 303);
    assert.equal(root.location, '/portal/');
    const page = await client.page('/portal/');
    assert.equal(page.status, 200);
    assert.match(page.html, /<h1>医療費助成 連携ポータル<\/h1>/);
    assert.match(page.html, /<h2>サインイン<\/h2>/);
    assert.match(page.html, /<label for="userId">利用者ID<\/label>/);
    assert.match(page.html, /<label for="password">パスワード<\/label>\s*<input type="password" id="password"/);
    assert.doesNotMatch(page.html, /ログオフ|利用者：/, 'no signed-in header before sign-in');

    const action = formOf(page.html, 'サインイン').action;
    const wrong = await client.postForm(action, { userId: USER.userId, password: 'wrong' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /<div role="alert">利用者IDまたはパスワードに誤りがあります。<\/div>/);
    assert.equal(client.hasCookie('PMHSESSION'), false);

    const right = await client.postForm(action, USER);
    assert.equal(right.status, 303);
    assert.match(right.location ?? '', /^\/portal\/s\/[0-9a-f]{32}\/notice$/);
    assert.equal(client.hasCookie('PMHSESSION'), true);
    const stats = await statsNow(base);
    assert.deepEqual([stats.logins, stats.failedLogins], [1, 1]);
  });

  it('asks a user with a TOTP secret for 確認コード, refusing a wrong one', async () => {
    const client = new Client(base);
    const password = await client.postForm('/portal/signin', { userId: OTP_USER.userId, password: OTP_USER.password });
    assert.equal(password.status, 303);
    assert.equal(client.hasCookie('PMHSESSION'), false, 'no session before the second factor');
    const page = await client.page(password.location ?? '');
    assert.match(page.html, /<h2>追加認証<\/h2>/);
    assert.match(page.html, /<label for="code">確認コード<\/label>/);
    const action = formOf(page.html, '確認').action;

    const now = Date.now();
    const valid = new Set([-30_000, 0, 30_000].map((d) => testTotp(OTP_KEY, now + d)));
    let wrong = testTotp(OTP_KEY, now);
    while (valid.has(wrong)) wrong = String((Number(wrong) + 1) % 1_000_000).padStart(6, '0');
    const refused = await client.postForm(action, { [nameOfControl(page.html, '確認コード')]: wrong });
    assert.equal(refused.status, 401);
    assert.match(refused.html, /<div role="alert">確認コードが正しくありません。<\/div>/);

    const accepted = await client.postForm(action, { [nameOfControl(page.html, '確認コード')]: testTotp(OTP_KEY, Date.now()) });
    assert.equal(accepted.status, 303);
    assert.match(accepted.location ?? '', /^\/portal\/s\/[0-9a-f]+\/notice$/);
    const stats = await statsNow(base);
    assert.deepEqual([stats.logins, stats.otpFailures], [1, 1]);
  });

  it('shows the notice once per user and day, and again after /__sim/notice/reset', async () => {
    const first = new Client(base);
    const notice = await signIn(first);
    assert.match(notice.html, /<h2>本日のお知らせ<\/h2>/);
    assert.match(notice.html, /<p>本日 18:00 から 18:30 まで、定期保守のため処理状況照会が遅くなることがあります。<\/p>/);
    const acknowledge = formOf(notice.html, '確認して進む');
    assert.equal(acknowledge.method, 'post');
    const home = await first.page(acknowledge.action, { method: 'POST' });
    assert.match(home.location ?? '', /\/home$/);
    assert.equal((await statsNow(base)).noticesShown, 1);

    const again = await signIn(new Client(base));
    assert.equal(heading(again.html), 'ホーム', 'a later sign-in that day goes straight to Home');
    assert.equal(heading((await signIn(new Client(base), OTHER)).html), '本日のお知らせ', 'another user still sees it');
    assert.equal((await statsNow(base)).noticesShown, 2);

    const reset = await fetch(`${base}/__sim/notice/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    assert.deepEqual(await reset.json(), { reset: true });
    assert.equal(heading((await signIn(new Client(base))).html), '本日のお知らせ', 'shown again after the reset');

    await atHome(new Client(base));
    await fetch(`${base}/__sim/reset`, { method: 'POST' });
    assert.equal(heading((await signIn(new Client(base))).html), '本日のお知らせ', '/__sim/reset forgets too');
  });

  it('has Home, the データ連携 menu and the signed-in header, and logs off', async () => {
    const client = new Client(base);
    const home = await atHome(client);
    assert.match(home.html, /<nav aria-label="メインメニュー"><a href="[^"]+">データ連携<\/a><\/nav>/);
    assert.match(home.html, /<span>利用者：portal-user<\/span>/);
    assert.doesNotMatch(home.html, /ファイル送信|処理状況照会/, 'the sub-links are on the データ連携 menu only');
    assert.equal(linkTo(home.html, 'ログオフ'), '/portal/signout');

    const menu = await client.page(linkTo(home.html, 'データ連携'));
    assert.match(menu.html, /<h2>データ連携メニュー<\/h2>/);
    assert.match(menu.html, /<nav aria-label="メインメニュー"><a href="[^"]+">データ連携<\/a><\/nav>/);
    for (const name of ['ファイル送信', '処理状況照会']) {
      const page = await client.page(linkTo(menu.html, name));
      assert.equal(heading(page.html), name);
      assert.match(page.html, /<span>利用者：portal-user<\/span>/);
      assert.equal(linkTo(page.html, 'ログオフ'), '/portal/signout');
      linkTo(page.html, 'データ連携');
    }

    const signedOut = await client.page(linkTo(menu.html, 'ログオフ'));
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.location, '/portal/');
    assert.equal(client.hasCookie('PMHSESSION'), false);
    assert.match((await client.page('/portal/')).html, /<div role="status">ログオフしました。<\/div>/);
    assert.doesNotMatch((await client.page('/portal/')).html, /ログオフしました/, 'said once');
    const after = await client.page(linkTo(home.html, 'データ連携'));
    assert.equal(after.status, 303);
    assert.equal(after.location, '/portal/', 'no session: back to sign-in');
    assert.doesNotMatch((await client.page('/portal/')).html, /role="status"/, 'with no status text');
  });

  it('answers 404 to a URL with a token that is not the session’s', async () => {
    const mine = new Client(base);
    const theirs = new Client(base);
    const myHome = await atHome(mine);
    const theirHome = await atHome(theirs, OTHER);
    const theirMenu = linkTo(theirHome.html, 'データ連携');
    assert.equal((await theirs.page(theirMenu)).status, 200);

    const foreign = await mine.page(theirMenu);
    assert.equal(foreign.status, 404);
    assert.match(foreign.html, /<h2>ページが見つかりません<\/h2>/);
    const made = await mine.page(linkTo(myHome.html, 'データ連携').replace(/\/s\/[0-9a-f]+\//, `/s/${'0'.repeat(32)}/`));
    assert.equal(made.status, 404);
    const unknownPage = await mine.page(linkTo(myHome.html, 'データ連携').replace(/\/exchange$/, '/upload'));
    assert.equal(unknownPage.status, 404, 'an unknown page under my own token');

    const again = new Client(base);
    await atHome(again);
    assert.equal((await mine.page(linkTo(myHome.html, 'データ連携'))).status, 200, 'each session has its own token');
  });

  it('labels the 助成制度 options by name with opaque values, and reports what is missing', async () => {
    const client = new Client(base);
    const form = await openFromMenu(client, await atHome(client), 'ファイル送信');
    assert.match(form.html, /<h2>ファイル送信<\/h2>/);
    const subsidies = optionsOf(form.html, '助成制度');
    assert.deepEqual(subsidies, [
      ['（選択してください）', ''],
      [KODOMO_NAME, 'sel-1'],
      [HITORI_NAME, 'sel-2'],
    ]);
    for (const [, value] of subsidies) assert.ok(![KODOMO, HITORI].includes(value), 'the value is not the type ID');
    assert.deepEqual(optionsOf(form.html, '送信区分').map(([text]) => text), ['（選択してください）', '差分', '全件']);
    assert.equal(optionsOf(form.html, '送信区分')[0]?.[1], '');
    assert.match(form.html, /<input type="file" id="[^"]+" name="[^"]+" multiple>/);
    assert.equal(
      formOf(form.html, '送信する').button,
      `<button type="submit" onclick="return confirm('ファイルを送信します。よろしいですか？');">送信する</button>`,
    );
    assert.doesNotMatch(form.html, />次へ</);

    const missing = await submitSendForm(client, form, '送信する', { files: [] });
    assert.equal(missing.status, 400);
    assert.match(missing.html, /<h2>ファイル送信<\/h2>/);
    assert.match(
      missing.html,
      /<div role="alert"><ul><li>助成制度を選択してください。<\/li><li>送信区分を選択してください。<\/li><li>送信ファイルを選択してください。<\/li><\/ul><\/div>/,
    );
    const partly = await submitSendForm(client, form, '送信する', { subsidy: HITORI_NAME, kind: '全件', files: [] });
    assert.equal(partly.status, 400);
    assert.match(partly.html, /<div role="alert">送信ファイルを選択してください。<\/div>/);
    assert.match(partly.html, /<option value="sel-2" selected>/, 'the choices are kept');
    assert.deepEqual(await uploadsNow(base), []);
    assert.equal((await statsNow(base)).registrations, 0);
  });

  it('registers an upload through the form at once, with the 受付ID on the receipt', async () => {
    const client = new Client(base);
    const home = await atHome(client);
    const a = csv([row(1), row(2)]);
    const b = csv([row(3)]);
    const { id, receipt } = await sendFiles(client, home, {
      subsidy: KODOMO_NAME,
      kind: '差分',
      files: [{ name: '受給者_1.csv', content: a }, { name: '受給者_2.csv', content: b }],
    });
    assert.equal(id, 'U000001');
    assert.match(receipt.html, /<h2>送信完了<\/h2>/);
    assert.match(receipt.html, /受付ID：U000001 で受け付けました。/);
    linkTo(receipt.html, 'データ連携');

    const [upload] = await uploadsNow(base);
    assert.equal(upload?.id, id);
    assert.equal(upload?.certificateTypeId, KODOMO);
    assert.equal(upload?.mode, 'diff');
    assert.deepEqual(upload?.files.map((f) => [f.fileName, f.bytes]), [['受給者_1.csv', Buffer.byteLength(a)], ['受給者_2.csv', Buffer.byteLength(b)]]);
    assert.equal((await waitUntilDone(base, id)).status, '完了');
    const records = await getJson<Record<string, unknown>[]>(base, `/__sim/records?type=${KODOMO}`);
    assert.deepEqual(records.map((r) => r['historyKey']).sort(), ['H1', 'H2', 'H3']);

    const stats = await statsNow(base);
    assert.deepEqual([stats.uploadPosts, stats.registrations], [1, 1]);
    assert.equal(stats.requests['/portal/s/:token/exchange/send'], 2);
    assert.equal(stats.requests['/portal/s/:token/exchange/send/receipt/:id'], 1);
  });

  it('lists uploads newest first with portal statuses, counts and the 再表示 and エラー内容 buttons', async () => {
    const client = new Client(base);
    const home = await atHome(client);
    const done = (await sendFiles(client, home, { subsidy: KODOMO_NAME, kind: '全件', files: [{ name: 'ok.csv', content: csv([row(1)]) }] })).id;
    await waitUntilDone(base, done);
    const withErrors = (
      await sendFiles(client, home, {
        subsidy: KODOMO_NAME,
        kind: '差分',
        files: [{ name: 'a.csv', content: csv([row(2), row(3, { myNumber: '123456789019' })]) }, { name: 'b.csv', content: csv([row(4)]) }],
      })
    ).id;
    await waitUntilDone(base, withErrors);
    await setFaults(base, { refuseNextUpload: { reason: '試験のため受け付けません。' } });
    const refused = (await sendFiles(client, home, { subsidy: KODOMO_NAME, kind: '差分', files: [{ name: 'r.csv', content: csv([row(5)]) }] })).id;
    await waitUntilDone(base, refused);
    await setFaults(base, { neverFinish: true });
    const stuck = (await sendFiles(client, home, { subsidy: HITORI_NAME, kind: '差分', files: [{ name: 'h.csv', content: csv([row(6, { orgSpecificCertificateTypeId: HITORI })]) }] })).id;
    await waitForStatus(base, stuck, ['処理中']);

    const status = await openFromMenu(client, home, '処理状況照会');
    assert.match(status.html, /<h2>処理状況照会<\/h2>/);
    assert.match(status.html, /<caption>送信履歴<\/caption>/);
    const columns = [...status.html.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
    assert.deepEqual(columns, ['受付ID', '送信ファイル', '助成制度', '送信区分', '受付日時', '処理状況', '件数', '正常件数', 'エラー件数', '操作']);
    const refresh = formOf(status.html, '再表示');
    assert.equal(refresh.method, 'get');
    const refreshed = await client.page(refresh.action);
    assert.equal(heading(refreshed.html), '処理状況照会', '再表示 is the same page');

    const ids = [...status.html.matchAll(/<tr data-upload-id="(U\d{6})">/g)].map((m) => m[1]);
    assert.deepEqual(ids, [stuck, refused, withErrors, done], 'newest first');
    const show = (id: string): string[] => cells(statusRow(status.html, id));
    const [, , , , receivedAt] = show(done);
    assert.match(receivedAt ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(show(done).filter((_, i) => i !== 4), [done, 'ok.csv', KODOMO_NAME, '全件', '処理完了', '1', '1', '0', '']);
    const errorRow = show(withErrors);
    assert.deepEqual(errorRow.slice(0, 4), [withErrors, 'a.csv<br>b.csv', KODOMO_NAME, '差分']);
    assert.deepEqual(errorRow.slice(5, 9), ['処理完了（エラーあり）', '3', '2', '1']);
    assert.equal(formOf(statusRow(status.html, withErrors), 'エラー内容').method, 'get');
    assert.deepEqual(show(refused).slice(5, 9), ['受付不可', '', '', '']);
    assert.equal(formOf(statusRow(status.html, refused), 'エラー内容').method, 'get');
    assert.deepEqual(show(stuck).slice(2, 10), [HITORI_NAME, '差分', show(stuck)[4], '処理中', '', '', '', ''], 'counts empty while processing');
    assert.doesNotMatch(statusRow(status.html, done), /エラー内容/);
  });

  it('shows the error detail and downloads it as CP932 CSV without BOM', async () => {
    const client = new Client(base);
    const home = await atHome(client);
    const content = csv([row(1), row(2, { myNumber: '123456789019' }), row(3, { validTo: '2026/03/31' }), row(1)]);
    const { id } = await sendFiles(client, home, { subsidy: KODOMO_NAME, kind: '差分', files: [{ name: '受給者_差分.csv', content }] });
    await waitUntilDone(base, id);
    const expected = await getJson<RowError[]>(base, `/__sim/uploads/${id}/errors`);
    assert.equal(expected.length, 3);

    const status = await openFromMenu(client, home, '処理状況照会');
    const detail = await client.page(formOf(statusRow(status.html, id), 'エラー内容').action);
    assert.equal(detail.status, 200);
    assert.match(detail.html, new RegExp(`<h2>エラー内容（受付ID ${id}）</h2>`));
    assert.match(detail.html, /<caption>エラー明細<\/caption>/);
    assert.match(detail.html, /<tr><td>受給者_差分\.csv<\/td><td class="number">3<\/td><td>H2<\/td><td>myNumber<\/td>/);
    const download = formOf(detail.html, 'CSV出力');
    assert.equal(download.method, 'get');

    const res = await client.request(download.action);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=Shift_JIS');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="error_${id}.csv"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const header = '送信ファイル名,行,履歴番号,エラー項目,エラーメッセージ\r\n';
    assert.ok(!bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'no BOM');
    assert.ok(bytes.subarray(0, iconv.encode(header, 'cp932').length).equals(iconv.encode(header, 'cp932')), 'the header in CP932');
    const text = iconv.decode(bytes, 'cp932');
    assert.ok(bytes.equals(iconv.encode(text, 'cp932')), 'every byte is CP932');
    const lines = text.split('\r\n');
    assert.equal(lines.length, expected.length + 2, 'header, one line per error, CRLF after the last');
    assert.equal(lines.at(-1), '');
    expected.forEach((e, i) => {
      const [fileName, line, historyKey, column, ...message] = (lines[i + 1] ?? '').split(',');
      assert.deepEqual([fileName, Number(line), historyKey, column, message.join(',')], [e.fileName, e.line, e.historyKey, e.column, e.message]);
    });
    assert.match(expected[0]?.message ?? '', /[\u3040-\u30ff\u4e00-\u9fff]/, 'a Japanese message came through');

    await setFaults(base, { refuseNextUpload: { reason: '試験のため受け付けません。' } });
    const refused = (await sendFiles(client, home, { subsidy: KODOMO_NAME, kind: '全件', files: [{ name: 'good.csv', content: csv([row(1)]) }] })).id;
    await waitUntilDone(base, refused);
    const refreshed = await client.page(formOf(status.html, '再表示').action);
    const refusedDetail = await client.page(formOf(statusRow(refreshed.html, refused), 'エラー内容').action);
    assert.match(refusedDetail.html, /<div role="alert">試験のため受け付けません。<\/div>/);
    const refusedCsv = iconv.decode(Buffer.from(await (await client.request(formOf(refusedDetail.html, 'CSV出力').action)).arrayBuffer()), 'cp932');
    assert.deepEqual(refusedCsv.split('\r\n'), [header.trimEnd(), 'good.csv,,,ファイル全体,試験のため受け付けません。', '']);
  });

  it("confirms on a page under confirmStyle 'native', and warns of a duplicate there", async () => {
    const client = new Client(base);
    const home = await atHome(client);
    const content = csv([row(1)]);
    const first = (await sendFiles(client, home, { subsidy: KODOMO_NAME, kind: '差分', files: [{ name: 'a.csv', content }] })).id;

    await setFaults(base, { confirmStyle: 'native', duplicateWarning: true });
    const form = await openFromMenu(client, home, 'ファイル送信');
    assert.equal(formOf(form.html, '次へ').button, '<button type="submit">次へ</button>', 'no dialog on the form');
    assert.doesNotMatch(form.html, />送信する</);
    const posted = await submitSendForm(client, form, '次へ', { subsidy: KODOMO_NAME, kind: '全件', files: [{ name: 'renamed.csv', content }, { name: 'b.csv', content: csv([row(2)]) }] });
    assert.equal(posted.status, 303);
    assert.equal((await statsNow(base)).registrations, 1, 'the form POST registered nothing');

    const confirm = await client.page(posted.location ?? '');
    assert.equal(confirm.status, 200);
    assert.match(confirm.html, /<h2>送信内容の確認<\/h2>/);
    assert.match(confirm.html, new RegExp(`<div role="alert">同じ内容のファイルが受付済みです（受付ID ${first}）</div>`));
    assert.match(confirm.html, /<td>renamed\.csv<br>b\.csv<\/td>/);
    assert.match(confirm.html, new RegExp(`<td>${escapeRegExp(KODOMO_NAME)}</td>`));
    assert.match(confirm.html, /<td>全件<\/td>/);
    const send = formOf(confirm.html, '送信する');
    assert.equal(send.button, `<button type="submit" onclick="return confirm('この内容で送信します。よろしいですか？');">送信する</button>`);
    assert.equal(linkTo(confirm.html, '戻る'), formOf(form.html, '次へ').action, '戻る leads back to the form');

    const registered = await client.page(send.action, { method: 'POST' });
    assert.equal(registered.status, 303);
    const receipt = await client.page(registered.location ?? '');
    assert.match(receipt.html, /<h2>送信完了<\/h2>/);
    assert.match(receipt.html, /受付ID：U000002 で受け付けました。/);
    const second = (await uploadsNow(base)).find((u) => u.id === 'U000002');
    assert.equal(second?.mode, 'full');
    assert.deepEqual(second?.files.map((f) => f.fileName), ['renamed.csv', 'b.csv']);

    await setFaults(base, { confirmStyle: 'page' });
    const plain = await submitSendForm(client, await openFromMenu(client, home, 'ファイル送信'), '次へ', { subsidy: HITORI_NAME, kind: '差分', files: [{ name: 'a.csv', content }] });
    const plainConfirm = await client.page(plain.location ?? '');
    assert.equal(formOf(plainConfirm.html, '送信する').button, '<button type="submit">送信する</button>', "no window.confirm under 'page'");
    assert.doesNotMatch(plainConfirm.html, /受付済みです/, 'no warning unless set');
  });

  it("expires the session at '/upload/confirm': nothing is registered, and sign-in says why", async () => {
    const client = new Client(base);
    const home = await atHome(client);
    const form = await openFromMenu(client, home, 'ファイル送信');
    await setFaults(base, { expireSession: { at: '/upload/confirm' } });
    const expired = await submitSendForm(client, form, '送信する', { subsidy: KODOMO_NAME, kind: '差分', files: [{ name: 'a.csv', content: csv([row(1)]) }] });
    assert.equal(expired.status, 303);
    assert.equal(expired.location, '/portal/');
    assert.equal(client.hasCookie('PMHSESSION'), false);
    assert.match((await client.page('/portal/')).html, /<div role="status">一定時間操作がなかったため、ログオフしました。再度サインインしてください。<\/div>/);
    assert.equal((await client.page(formOf(form.html, '送信する').action)).location, '/portal/');
    assert.deepEqual(await uploadsNow(base), []);
    assert.equal((await statsNow(base)).registrations, 0);
    assert.deepEqual(await getJson(base, '/__sim/faults'), {}, 'once only');

    // With a confirmation page, the point is the confirmation's POST, not the form's.
    const again = await atHome(client);
    await setFaults(base, { confirmStyle: 'page', expireSession: { at: '/upload/confirm' } });
    const posted = await submitSendForm(client, await openFromMenu(client, again, 'ファイル送信'), '次へ', { subsidy: KODOMO_NAME, kind: '差分', files: [{ name: 'a.csv', content: csv([row(1)]) }] });
    const confirm = await client.page(posted.location ?? '');
    assert.equal(confirm.status, 200);
    const gone = await client.page(formOf(confirm.html, '送信する').action, { method: 'POST' });
    assert.equal(gone.location, '/portal/');
    assert.deepEqual(await uploadsNow(base), []);

    const third = await atHome(client);
    await setFaults(base, { expireSession: { at: '/history' } });
    const menu = await client.page(linkTo(third.html, 'データ連携'));
    assert.equal(menu.status, 200, "the データ連携 menu is '/menu', not '/history'");
    const history = await client.page(linkTo(menu.html, '処理状況照会'));
    assert.equal(history.location, '/portal/', "'/history' is the processing-status page");
    assert.equal((await client.page(linkTo(menu.html, '処理状況照会'))).location, '/portal/', 'the session is over');
  });

  it('shows the portal maintenance and error pages', async () => {
    await setFaults(base, { maintenance: { count: 2 } });
    const client = new Client(base);
    const page = await client.page('/portal/');
    assert.equal(page.status, 503);
    assert.match(page.html, /<h2>メンテナンス中<\/h2>/);
    assert.match(page.html, /<div role="alert">現在メンテナンスのためご利用いただけません。<\/div>/);
    const signIn = await client.postForm('/portal/signin', USER);
    assert.equal(signIn.status, 503, 'the sign-in is not processed');
    assert.equal((await statsNow(base)).logins, 0);
    assert.equal((await client.page('/portal/')).status, 200, 'over after two responses');

    await setFaults(base, { maintenance: { status: 200 } });
    const open = await client.page('/portal/');
    assert.equal(open.status, 200);
    assert.match(open.html, /<h2>メンテナンス中<\/h2>/);

    await setFaults(base, {});
    const home = await atHome(client);
    await setFaults(base, { httpError: { status: 502, count: 1, path: '/portal/s/' } });
    assert.equal((await client.page('/portal/')).status, 200, 'the sign-in page is not under the path');
    const failed = await client.page(linkTo(home.html, 'データ連携'));
    assert.equal(failed.status, 502);
    assert.match(failed.html, /<h2>エラーが発生しました<\/h2>/);
    assert.equal((await client.page(linkTo(home.html, 'データ連携'))).status, 200, 'recovered');
  });

  it('renames labels on portal pages under renameLabels', async () => {
    const client = new Client(base);
    const home = await atHome(client);
    await setFaults(base, { renameLabels: { 送信ファイル: '連携ファイル' } });
    const form = await openFromMenu(client, home, 'ファイル送信');
    assert.match(form.html, /<label for="sendFile">連携ファイル<\/label>/);
  });

  it('answers 404 to the classic screen paths', async () => {
    const client = new Client(base);
    await atHome(client);
    for (const path of ['/login', '/menu', '/upload', '/history', '/history/U000001/errors', '/logout']) {
      const page = await client.page(path);
      assert.equal(page.status, 404, path);
      assert.match(page.html, /<h2>ページが見つかりません<\/h2>/, path);
      assert.doesNotMatch(page.html, /利用者：/, `${path}: a plain page`);
    }
    assert.equal((await client.page('/login', { method: 'POST', body: new URLSearchParams(USER) })).status, 404);
  });
});

describe('PMH simulator, portal screen with slow processing', () => {
  it('shows 受付済み with empty counts before processing starts', async () => {
    const sim = await startSimulator({ screen: 'portal', users: [USER], certificateTypes: CERTIFICATE_TYPES, processingDelayMs: 60_000 });
    try {
      const client = new Client(sim.url);
      const home = await atHome(client);
      const { id } = await sendFiles(client, home, { subsidy: KODOMO_NAME, kind: '差分', files: [{ name: 'a.csv', content: csv([row(1)]) }] });
      const status = await openFromMenu(client, home, '処理状況照会');
      assert.deepEqual(cells(statusRow(status.html, id)).slice(5), ['受付済み', '', '', '', '']);
    } finally {
      await sim.close();
    }
  });
});

describe('PMH simulator, classic screen by default', () => {
  it('still answers /login, and has no notice counter', async () => {
    const sim = await startSimulator({ users: [USER], certificateTypes: CERTIFICATE_TYPES });
    try {
      const login = await fetch(`${sim.url}/login`);
      assert.equal(login.status, 200);
      assert.match(await login.text(), /<h2>ログイン<\/h2>/);
      assert.equal((await fetch(`${sim.url}/`, { redirect: 'manual' })).headers.get('location'), '/login');
      assert.equal('noticesShown' in (await getJson<SimStats>(sim.url, '/__sim/stats')), false);
    } finally {
      await sim.close();
    }
  });
});
