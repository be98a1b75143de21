// The PMH simulator, driven over real HTTP the way the bot drives the real screen.
// Check digits are computed here from the published rules, independently of sim/ and bot/.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSimulator } from '../../sim/server.ts';
import type { Simulator, UploadSummary } from '../../sim/server.ts';

// ---------------------------------------------------------------- check digits (test's own)

function luhnDigit(body: string): number {
  let sum = 0;
  [...body].reverse().forEach((ch, i) => {
    const product = Number(ch) * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(product / 10) + (product % 10);
  });
  return sum % 10 === 0 ? 0 : 10 - (sum % 10);
}

function luhnValid(number: string): boolean {
  return /^\d{2,}$/.test(number) && luhnDigit(number.slice(0, -1)) === Number(number.at(-1));
}

function myNumberDigit(body: string): number {
  const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const r = [...body].reduce((sum, ch, i) => sum + Number(ch) * (weights[i] ?? 0), 0) % 11;
  return r <= 1 ? 0 : 11 - r;
}

function myNumberValid(number: string): boolean {
  return /^\d{12}$/.test(number) && myNumberDigit(number.slice(0, 11)) === Number(number.at(-1));
}

/** A valid My Number derived from `n`. */
function myNumber(n: number): string {
  const body = String(40000000000 + n).padStart(11, '0');
  return body + String(myNumberDigit(body));
}

/** The same body with a check digit that is wrong. */
function badMyNumber(n: number): string {
  const good = myNumber(n);
  return good.slice(0, 11) + String((Number(good.at(-1)) + 1) % 10);
}

function luhnNumber(body: string): string {
  return body + String(luhnDigit(body));
}

// ---------------------------------------------------------------- CSV building

const COLUMNS = [
  'orgSpecificCertificateTypeId',
  'myNumber',
  'basicFiveInfo.name',
  'basicFiveInfo.nameKana',
  'basicFiveInfo.address',
  'basicFiveInfo.dateOfBirth',
  'basicFiveInfo.sex',
  'isNotDisclosed',
  'medicalSubsidyInsurerNumber',
  'certificationName',
  'medicalSubsidyRecipientNumber',
  'certificationSubKey',
  'segment',
  'incomeSegment',
  'additionalConditions',
  'designatedMedicalInstitutions',
  'isAlwaysReimbursement',
  'maxCopaymentAmount',
  'validFrom',
  'validTo',
  'historyKey',
  'isDeleted',
  'certificationDetail',
] as const;
type Column = (typeof COLUMNS)[number];
type Row = Partial<Record<Column, string>>;

const KODOMO = 'KODOMO01';
const HITORI = 'HITORI01';

/** A complete, valid row for person `n`; `overrides` replaces cells. */
function row(n: number, overrides: Row = {}): Row {
  return {
    orgSpecificCertificateTypeId: KODOMO,
    myNumber: myNumber(n),
    'basicFiveInfo.name': `試験 花子${n}`,
    'basicFiveInfo.nameKana': `シケン ハナコ${n}`,
    'basicFiveInfo.address': `架空県みなと市中央${n}丁目`,
    'basicFiveInfo.dateOfBirth': `2015-04-${String((n % 28) + 1).padStart(2, '0')}`,
    'basicFiveInfo.sex': '2',
    isNotDisclosed: 'false',
    medicalSubsidyInsurerNumber: '88131248',
    certificationName: '子ども医療費受給者証',
    medicalSubsidyRecipientNumber: `R${String(n).padStart(6, '0')}`,
    isAlwaysReimbursement: '0',
    maxCopaymentAmount: '{"outpatientPerVisit":200}',
    validFrom: '2025-04-01',
    validTo: '2026-03-31',
    historyKey: `H${n}`,
    isDeleted: 'false',
    certificationDetail: '[{"label":"備考","value":"なし"}]',
    ...overrides,
  };
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csv(rows: Row[], header: readonly string[] = COLUMNS): string {
  const lines = [header.join(',')];
  for (const r of rows) lines.push(COLUMNS.map((c) => csvCell(r[c] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------- HTTP client with cookies

class Client {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  async page(path: string): Promise<{ status: number; html: string; location: string | null }> {
    const res = await this.request(path);
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  postForm(path: string, fields: Record<string, string>): Promise<Response> {
    return this.request(path, { method: 'POST', body: new URLSearchParams(fields) });
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }
}

const USER = { userId: 'pmh-test', password: 'correct horse battery staple' };

async function loggedIn(base: string): Promise<Client> {
  const client = new Client(base);
  const res = await client.postForm('/login', USER);
  assert.equal(res.status, 303);
  return client;
}

/** Goes through upload -> confirmation -> 登録する; returns the 受付番号. */
async function uploadFile(
  client: Client,
  content: string | Uint8Array,
  options: { type: string; mode: 'diff' | 'full'; fileName?: string },
): Promise<string> {
  const form = new FormData();
  form.set('certificateTypeId', options.type);
  form.set('mode', options.mode);
  const part = typeof content === 'string' ? content : new Uint8Array(content);
  form.set('file', new Blob([part], { type: 'text/csv' }), options.fileName ?? 'recipients.csv');
  const posted = await client.request('/upload', { method: 'POST', body: form });
  assert.equal(posted.status, 303, await posted.text());
  const confirmPath = posted.headers.get('location') ?? '';
  assert.match(confirmPath, /^\/upload\/confirm\/[0-9a-f]+$/);

  const confirm = await client.page(confirmPath);
  assert.equal(confirm.status, 200);
  assert.match(confirm.html, /アップロード内容の確認/);
  assert.match(confirm.html, /この内容で登録します。よろしいですか？/);
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  assert.match(confirm.html, new RegExp(`<td>${bytes} バイト</td>`));

  const registered = await client.request(confirmPath, { method: 'POST' });
  assert.equal(registered.status, 303);
  const location = registered.headers.get('location') ?? '';
  const id = /^\/history\?registered=(U\d{6})$/.exec(location)?.[1];
  assert.ok(id, `unexpected redirect ${location}`);
  const history = await client.page(location);
  assert.match(history.html, new RegExp(`<div role="status">受付番号 ${id} で受け付けました。</div>`));
  return id;
}

const FINAL = new Set(['完了', '完了（エラーあり）', 'エラー']);

async function uploads(base: string): Promise<UploadSummary[]> {
  return (await (await fetch(`${base}/__sim/uploads`)).json()) as UploadSummary[];
}

async function waitUntilDone(base: string, id: string): Promise<UploadSummary> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const upload = (await uploads(base)).find((u) => u.id === id);
    assert.ok(upload, `upload ${id} is listed`);
    if (FINAL.has(upload.status)) return upload;
    assert.ok(Date.now() < deadline, `upload ${id} still ${upload.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(base + path);
  assert.equal(res.status, 200);
  return (await res.json()) as T;
}

interface ErrorRow {
  fileName: string;
  line: number;
  historyKey: string;
  column: string;
  message: string;
}

async function records(base: string, type: string): Promise<Record<string, unknown>[]> {
  return getJson(base, `/__sim/records?type=${type}`);
}

function historyKeysOf(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) => String(r['historyKey'])).sort();
}

// ---------------------------------------------------------------- tests

describe('check digits used by the tests', () => {
  it('follow the published valid and invalid examples', () => {
    assert.equal(myNumberValid('123456789018'), true);
    assert.equal(myNumberValid('123456789019'), false);
    for (const valid of ['81136244', '88131248', '54016027', '88134457']) assert.equal(luhnValid(valid), true, valid);
    assert.equal(luhnValid('88134458'), false);
    assert.equal(myNumberValid(myNumber(7)), true);
    assert.equal(myNumberValid(badMyNumber(7)), false);
  });
});

describe('PMH simulator', () => {
  let sim: Simulator;
  let base: string;

  before(async () => {
    sim = await startSimulator({
      users: [USER],
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

  it('sends visitors who are not logged in to the login screen', async () => {
    const client = new Client(base);
    for (const path of ['/', '/menu', '/upload', '/history']) {
      const page = await client.page(path);
      assert.equal(page.status, 303, path);
      assert.equal(page.location, '/login', path);
    }
    const login = await client.page('/login');
    assert.equal(login.status, 200);
    assert.match(login.html, /<html lang="ja">/);
    assert.match(login.html, /<h1>PMH 医療費助成 自治体向け画面<\/h1>/);
    assert.match(login.html, /<h2>ログイン<\/h2>/);
    assert.match(login.html, /<label for="userId">ユーザーID<\/label>/);
    assert.match(login.html, /<label for="password">パスワード<\/label>/);
    assert.match(login.html, /<input type="password" id="password" name="password"/);
    assert.match(login.html, /<button type="submit">ログイン<\/button>/);
  });

  it('refuses a wrong password, then logs in and shows the menu', async () => {
    const client = new Client(base);
    const bad = await client.postForm('/login', { userId: USER.userId, password: 'wrong' });
    assert.equal(bad.status, 401);
    assert.match(await bad.text(), /<div role="alert">ユーザーIDまたはパスワードが正しくありません。<\/div>/);
    assert.equal(client.hasCookie('PMHSESSION'), false);

    const good = await client.postForm('/login', USER);
    assert.equal(good.status, 303);
    assert.equal(good.headers.get('location'), '/menu');
    assert.match(good.headers.getSetCookie().join('\n'), /PMHSESSION=[^;]+;.*HttpOnly/);

    const menu = await client.page('/menu');
    assert.equal(menu.status, 200);
    assert.match(menu.html, /<h2>メニュー<\/h2>/);
    assert.match(menu.html, /<a href="\/upload">ファイルアップロード<\/a>/);
    assert.match(menu.html, /<a href="\/history">アップロード履歴<\/a>/);
    assert.match(menu.html, /<form method="post" action="\/logout"><button type="submit">ログアウト<\/button><\/form>/);
    assert.equal((await client.page('/')).location, '/menu');
  });

  it('shows the upload form with labelled controls and reports what is missing', async () => {
    const client = await loggedIn(base);
    const page = await client.page('/upload');
    assert.match(page.html, /医療費助成対象者情報 ファイルアップロード/);
    assert.match(page.html, /<label for="certificateTypeId">受給者証種別<\/label>/);
    assert.match(page.html, /<option value="">選択してください<\/option>/);
    assert.match(page.html, new RegExp(`<option value="${KODOMO}">${KODOMO} 子ども医療費助成</option>`));
    assert.match(page.html, /<legend>連携区分<\/legend>/);
    assert.match(page.html, /<input type="radio" id="mode-diff" name="mode" value="diff"><label for="mode-diff">差分連携<\/label>/);
    assert.match(page.html, /<input type="radio" id="mode-full" name="mode" value="full"><label for="mode-full">全件連携<\/label>/);
    assert.match(page.html, /<label for="file">アップロードファイル<\/label>/);
    assert.match(page.html, /<button type="submit">確認画面へ<\/button>/);

    const res = await client.request('/upload', { method: 'POST', body: new FormData() });
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /role="alert"/);
    assert.match(html, /受給者証種別を選択してください。/);
    assert.match(html, /連携区分（差分連携または全件連携）を選択してください。/);
    assert.match(html, /アップロードファイルを選択してください。/);
    assert.deepEqual(await uploads(base), []);
  });

  it('accepts good rows, rejects bad ones with line numbers, and never echoes personal values', async () => {
    const client = await loggedIn(base);
    const national = row(4, {
      medicalSubsidyInsurerNumber: luhnNumber('5413001'),
      medicalSubsidyRecipientNumber: luhnNumber('123456'),
      maxCopaymentAmount: '',
      incomeSegment: '一般',
    });
    const rows = [
      row(1), // line 2
      row(2, { 'basicFiveInfo.address': '東京都港区芝公園4-2-8, "東京タワー"内' }), // line 3
      national, // line 4
      row(5, { myNumber: badMyNumber(5) }), // line 5
      row(6, { validFrom: '2026-04-01', validTo: '2026-03-31' }), // line 6
      row(7, { orgSpecificCertificateTypeId: HITORI }), // line 7
      row(1, { 'basicFiveInfo.name': '重複 太郎' }), // line 8: same key as line 2
    ];
    const id = await uploadFile(client, `\uFEFF${csv(rows)}`, { type: KODOMO, mode: 'diff', fileName: '受給者_差分.csv' });
    assert.equal(id, 'U000001');

    const done = await waitUntilDone(base, id);
    assert.equal(done.status, '完了（エラーあり）');
    assert.equal(done.total, 7);
    assert.equal(done.accepted, 3);
    assert.equal(done.rejected, 4);
    assert.equal(done.fileName, '受給者_差分.csv');
    assert.equal(done.certificateTypeId, KODOMO);
    assert.equal(done.mode, 'diff');
    assert.match(done.sha256, /^[0-9a-f]{64}$/);
    assert.equal(done.refusalReason, null);
    assert.ok(done.finishedAt && done.finishedAt >= done.receivedAt);

    const errors = await getJson<ErrorRow[]>(base, `/__sim/uploads/${id}/errors`);
    assert.deepEqual(
      errors.map((e) => [e.line, e.historyKey, e.column]),
      [
        [5, 'H5', 'myNumber'],
        [6, 'H6', 'validFrom'],
        [7, 'H7', 'orgSpecificCertificateTypeId'],
        [8, 'H1', 'historyKey'],
      ],
    );
    assert.match(errors[0]?.message ?? '', /チェックデジット/);
    assert.match(errors[3]?.message ?? '', /2行目/);

    const personal = rows.flatMap((r) =>
      (['myNumber', 'basicFiveInfo.name', 'basicFiveInfo.nameKana', 'basicFiveInfo.address', 'basicFiveInfo.dateOfBirth'] as const).map(
        (c) => r[c] ?? '',
      ),
    );
    const errorPage = await client.page(`/history/${id}/errors`);
    assert.equal(errorPage.status, 200);
    assert.match(errorPage.html, /エラー一覧（受付番号 U000001）/);
    assert.match(errorPage.html, /<th scope="col">行番号<\/th><th scope="col">履歴キー<\/th><th scope="col">項目<\/th><th scope="col">エラー内容<\/th>/);
    assert.match(errorPage.html, /<a href="\/history\/U000001\/errors.csv">エラー一覧をダウンロード<\/a>/);
    for (const value of personal) {
      for (const e of errors) assert.ok(!e.message.includes(value), `error message leaks ${value}`);
      assert.ok(!errorPage.html.includes(value), `error page leaks ${value}`);
    }

    const download = await client.request(`/history/${id}/errors.csv`);
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="errors-U000001.csv"/);
    const bytes = new Uint8Array(await download.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'ファイル名,行番号,履歴キー,項目,エラー内容');
    assert.equal(lines.length, 6); // header, 4 errors, and the empty string after the last CRLF
    assert.match(lines[1] ?? '', /^受給者_差分\.csv,5,H5,myNumber,/);

    const history = await client.page('/history');
    assert.match(history.html, /<caption>アップロード履歴<\/caption>/);
    assert.match(history.html, /<a href="\/history">最新の情報に更新<\/a>/);
    const tr = /<tr data-upload-id="U000001">([\s\S]*?)<\/tr>/.exec(history.html)?.[1] ?? '';
    assert.match(tr, /完了（エラーあり）/);
    assert.match(tr, /<td class="number">7<\/td><td class="number">3<\/td><td class="number">4<\/td>/);
    assert.match(tr, /<a href="\/history\/U000001\/errors">エラー一覧<\/a>/);

    const accepted = await getJson<Record<string, unknown>[]>(base, `/__sim/uploads/${id}/rows`);
    assert.deepEqual(accepted.map((r) => r['historyKey']), ['H1', 'H2', 'H4']);
    const first = accepted[0] ?? {};
    assert.equal(first['isNotDisclosed'], false);
    assert.equal(first['isDeleted'], false);
    assert.deepEqual(first['maxCopaymentAmount'], { outpatientPerVisit: 200 });
    assert.deepEqual(first['certificationDetail'], [{ label: '備考', value: 'なし' }]);
    assert.equal(first['basicFiveInfo.sex'], '2');
    assert.equal('certificationSubKey' in first, false, 'an empty cell is absent');
    assert.equal(accepted[1]?.['basicFiveInfo.address'], '東京都港区芝公園4-2-8, "東京タワー"内');
    assert.equal(accepted[2]?.['incomeSegment'], '一般');

    assert.deepEqual(historyKeysOf(await records(base, KODOMO)), ['H1', 'H2', 'H4']);
  });

  it('checks every column rule', async () => {
    const client = await loggedIn(base);
    const cases: [Row, Column][] = [
      [{ 'basicFiveInfo.name': '' }, 'basicFiveInfo.name'],
      [{ isNotDisclosed: '' }, 'isNotDisclosed'],
      [{ isNotDisclosed: 'TRUE' }, 'isNotDisclosed'],
      [{ isDeleted: '0' }, 'isDeleted'],
      [{ 'basicFiveInfo.sex': '3' }, 'basicFiveInfo.sex'],
      [{ isAlwaysReimbursement: '2' }, 'isAlwaysReimbursement'],
      [{ 'basicFiveInfo.dateOfBirth': '2015-02-29' }, 'basicFiveInfo.dateOfBirth'],
      [{ validTo: '2026/03/31' }, 'validTo'],
      [{ myNumber: '12345678901' }, 'myNumber'],
      [{ medicalSubsidyInsurerNumber: '88134458' }, 'medicalSubsidyInsurerNumber'],
      [{ medicalSubsidyInsurerNumber: '8813124' }, 'medicalSubsidyInsurerNumber'],
      [{ medicalSubsidyInsurerNumber: '54016027', medicalSubsidyRecipientNumber: '12345678' }, 'medicalSubsidyRecipientNumber'],
      [
        { medicalSubsidyInsurerNumber: '54016027', medicalSubsidyRecipientNumber: `123456${(luhnDigit('123456') + 1) % 10}` },
        'medicalSubsidyRecipientNumber',
      ],
      [{ medicalSubsidyRecipientNumber: 'X'.repeat(31) }, 'medicalSubsidyRecipientNumber'],
      [{ certificationName: '証'.repeat(101) }, 'certificationName'],
      [{ maxCopaymentAmount: '[1]' }, 'maxCopaymentAmount'],
      [{ certificationDetail: '{}' }, 'certificationDetail'],
      [{ certificationDetail: '' }, 'certificationDetail'],
    ];
    const rows = [
      row(100, { certificationName: '証'.repeat(100), medicalSubsidyRecipientNumber: 'L'.repeat(30) }),
      ...cases.map(([overrides], i) => row(200 + i, overrides)),
    ];
    const id = await uploadFile(client, csv(rows), { type: KODOMO, mode: 'diff' });
    const done = await waitUntilDone(base, id);
    assert.equal(done.accepted, 1, 'boundary values are accepted');
    assert.equal(done.rejected, cases.length);
    const errors = await getJson<ErrorRow[]>(base, `/__sim/uploads/${id}/errors`);
    assert.deepEqual(
      errors.map((e) => [e.line, e.column]),
      cases.map(([, column], i) => [i + 3, column]),
    );
  });

  it('makes a full upload the complete set of a type and applies diffs, including deletions', async () => {
    const client = await loggedIn(base);
    const other = await uploadFile(client, csv([row(50, { orgSpecificCertificateTypeId: HITORI })]), {
      type: HITORI,
      mode: 'full',
    });
    assert.equal((await waitUntilDone(base, other)).status, '完了');

    const full = await uploadFile(client, csv([row(1), row(2), row(3)]), { type: KODOMO, mode: 'full' });
    assert.equal((await waitUntilDone(base, full)).status, '完了');
    assert.deepEqual(historyKeysOf(await records(base, KODOMO)), ['H1', 'H2', 'H3']);

    const diff = await uploadFile(
      client,
      csv([
        row(1, { incomeSegment: '上位' }), // line 2: update
        row(4), // line 3: new
        row(2, { isDeleted: 'true' }), // line 4: delete
        row(9, { isDeleted: 'true' }), // line 5: delete of a key that does not exist
      ]),
      { type: KODOMO, mode: 'diff' },
    );
    const diffDone = await waitUntilDone(base, diff);
    assert.equal(diffDone.status, '完了（エラーあり）');
    assert.deepEqual([diffDone.total, diffDone.accepted, diffDone.rejected], [4, 3, 1]);
    const diffErrors = await getJson<ErrorRow[]>(base, `/__sim/uploads/${diff}/errors`);
    assert.deepEqual(diffErrors, [
      { fileName: 'recipients.csv', line: 5, historyKey: 'H9', column: 'isDeleted', message: '削除対象の履歴が存在しません。' },
    ]);
    const afterDiff = await records(base, KODOMO);
    assert.deepEqual(historyKeysOf(afterDiff), ['H1', 'H3', 'H4']);
    assert.equal(afterDiff.find((r) => r['historyKey'] === 'H1')?.['incomeSegment'], '上位');

    const fullAgain = await uploadFile(
      client,
      csv([row(3), row(5), row(6, { isDeleted: 'true' })]),
      { type: KODOMO, mode: 'full' },
    );
    const fullDone = await waitUntilDone(base, fullAgain);
    assert.equal(fullDone.status, '完了');
    assert.deepEqual(historyKeysOf(await records(base, KODOMO)), ['H3', 'H5']);
    assert.deepEqual(historyKeysOf(await records(base, HITORI)), ['H50'], 'other types are untouched');

    const history = await client.page('/history');
    const ids = [...history.html.matchAll(/<tr data-upload-id="(U\d{6})">/g)].map((m) => m[1]);
    assert.deepEqual(ids, ['U000004', 'U000003', 'U000002', 'U000001'], 'newest first');
    const fullRow = /<tr data-upload-id="U000004">([\s\S]*?)<\/tr>/.exec(history.html)?.[1] ?? '';
    assert.doesNotMatch(fullRow, /エラー一覧/);
  });

  it('refuses a file as a whole: wrong header, no data, wrong type, not UTF-8', async () => {
    const client = await loggedIn(base);
    const wrongHeader: string[] = [...COLUMNS];
    wrongHeader[2] = 'name';
    const cases: { content: string | Uint8Array; reason: RegExp }[] = [
      { content: csv([row(1)], wrongHeader), reason: /ヘッダー行が正しくありません。3列目/ },
      { content: csv([]), reason: /データ行がありません/ },
      { content: csv([row(1, { orgSpecificCertificateTypeId: HITORI })]), reason: new RegExp(`${KODOMO}）の行がファイルに1件もありません`) },
      {
        content: new Uint8Array([...Buffer.from(csv([row(1)])), 0x82, 0xa0, 0x0d, 0x0a]),
        reason: /UTF-8ではありません/,
      },
    ];
    for (const [i, { content, reason }] of cases.entries()) {
      const id = await uploadFile(client, content, { type: KODOMO, mode: 'full' });
      const done = await waitUntilDone(base, id);
      assert.equal(done.status, 'エラー', `case ${i}`);
      assert.match(done.refusalReason ?? '', reason, `case ${i}`);
      assert.deepEqual([done.total, done.accepted, done.rejected], [null, null, null]);
      assert.deepEqual(await getJson(base, `/__sim/uploads/${id}/rows`), []);

      const page = await client.page(`/history/${id}/errors`);
      assert.match(page.html, new RegExp(`エラー一覧（受付番号 ${id}）`));
      assert.match(page.html, reason);
    }
    const history = await client.page('/history');
    const tr = /<tr data-upload-id="U000001">([\s\S]*?)<\/tr>/.exec(history.html)?.[1] ?? '';
    assert.match(tr, /<td>エラー<\/td>/);
    assert.match(tr, /<a href="\/history\/U000001\/errors">エラー一覧<\/a>/);
    assert.deepEqual(await records(base, KODOMO), [], 'a refused full upload changes nothing');
  });

  it('logs out, and the login screen says so', async () => {
    const client = await loggedIn(base);
    const res = await client.request('/logout', { method: 'POST' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login');
    assert.equal(client.hasCookie('PMHSESSION'), false);
    const login = await client.page('/login');
    assert.match(login.html, /<div role="status">ログアウトしました。<\/div>/);
    assert.doesNotMatch((await client.page('/login')).html, /ログアウトしました/, 'the notice shows once');
    assert.equal((await client.page('/menu')).location, '/login');
  });
});

describe('PMH simulator timing and persistence', () => {
  it('shows 受付済, then 処理中, then the result, and keeps its state in a store file across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pmh-sim-test-'));
    const storePath = join(dir, 'sim.sqlite');
    const options = {
      users: [USER],
      certificateTypes: [{ id: KODOMO, name: '子ども医療費助成' }],
      storePath,
      processingDelayMs: 300,
    };
    let sim = await startSimulator(options);
    try {
      const client = await loggedIn(sim.url);
      const id = await uploadFile(client, csv([row(1), row(2)]), { type: KODOMO, mode: 'full' });
      const seen: string[] = [];
      for (;;) {
        const upload = (await uploads(sim.url)).find((u) => u.id === id);
        if (upload && seen.at(-1) !== upload.status) seen.push(upload.status);
        if (upload && FINAL.has(upload.status)) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.deepEqual(seen, ['受付済', '処理中', '完了']);
      const history = await client.page('/history');
      assert.match(history.html, /<tr data-upload-id="U000001">/);

      await sim.close();
      sim = await startSimulator(options);
      const restored = await uploads(sim.url);
      assert.deepEqual(restored.map((u) => [u.id, u.status, u.accepted]), [['U000001', '完了', 2]]);
      assert.deepEqual(historyKeysOf(await records(sim.url, KODOMO)), ['H1', 'H2']);

      const again = await loggedIn(sim.url);
      const next = await uploadFile(again, csv([row(3)]), { type: KODOMO, mode: 'diff' });
      assert.equal(next, 'U000002', '受付番号 continues after a restart');
      await sim.close(); // while U000002 is still 受付済
      sim = await startSimulator(options);
      assert.equal((await waitUntilDone(sim.url, next)).status, '完了', 'an unfinished upload is processed after a restart');
      assert.deepEqual(historyKeysOf(await records(sim.url, KODOMO)), ['H1', 'H2', 'H3']);
    } finally {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
