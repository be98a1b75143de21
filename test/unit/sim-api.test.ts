// The simulator's registration API, driven over real HTTP: authentication, size limits,
// faults, per-record validation and the differential semantics, and the inspection log
// tests use to prove what reached PMH. Check digits are computed here, independently of
// sim/ and bot/.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSimulator } from '../../sim/server.ts';
import type { ApiRequestEntry, ApiResult, ApiStats, Simulator } from '../../sim/server.ts';

const TOKEN = 'sim-api-token-Kx81';
const TYPE = '990001KODOMO';

function myNumberDigit(body: string): number {
  const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const r = [...body].reduce((sum, ch, i) => sum + Number(ch) * (weights[i] ?? 0), 0) % 11;
  return r <= 1 ? 0 : 11 - r;
}

function myNumber(n: number): string {
  const body = String(40000000000 + n).padStart(11, '0');
  return body + String(myNumberDigit(body));
}

/** A record of the published schema, as the bot's JSON layout writes it. */
function record(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orgSpecificCertificateTypeId: TYPE,
    myNumber: myNumber(n),
    basicFiveInfo: { name: '架空 太郎', nameKana: 'カクウ タロウ', address: '架空県みなと市1-2-3', dateOfBirth: '2015-04-01', sex: '1' },
    isNotDisclosed: false,
    medicalSubsidyInsurerNumber: null,
    certificationName: '子ども医療費受給者証',
    medicalSubsidyRecipientNumber: null,
    certificationSubKey: null,
    segment: null,
    incomeSegment: 'A',
    additionalConditions: null,
    designatedMedicalInstitutions: null,
    isAlwaysReimbursement: '0',
    maxCopaymentAmount: null,
    validFrom: '2026-04-01',
    validTo: '2027-03-31',
    historyKey: `H${n}`,
    isDeleted: false,
    certificationDetail: [],
    ...overrides,
  };
}

describe('simulated registration API', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({
      users: [],
      certificateTypes: [{ id: TYPE, name: '子ども医療費受給者証' }],
      apiTokens: [TOKEN],
      apiMaxRecords: 5,
      apiMaxBytes: 64 * 1024,
    });
  });
  after(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
  });

  const post = (body: unknown, token: string | null = TOKEN): Promise<Response> =>
    fetch(`${sim.url}/api/v1/recipients`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const inspect = async <T>(path: string): Promise<T> => (await (await fetch(`${sim.url}${path}`)).json()) as T;
  const records = (): Promise<Record<string, unknown>[]> => inspect(`/__sim/records?type=${TYPE}`);

  it('registers valid records, stores them like a screen upload, and logs the request with its keys', async () => {
    const response = await post([record(1), record(2)]);
    assert.equal(response.status, 200);
    const result = (await response.json()) as ApiResult;
    assert.equal(result.accepted, 2);
    assert.equal(result.rejected, 0);
    assert.deepEqual(result.errors, []);
    const stored = await records();
    assert.deepEqual(stored.map((r) => r.historyKey).sort(), ['H1', 'H2']);
    // Keyed like a screen upload's rows: flat dotted names, JSON booleans.
    assert.equal(stored[0]!['basicFiveInfo.name'], '架空 太郎');
    assert.equal(stored[0]!.isNotDisclosed, false);
    const log = await inspect<ApiRequestEntry[]>('/__sim/api/requests');
    assert.equal(log.length, 1);
    assert.equal(log[0]!.status, 200);
    assert.deepEqual(log[0]!.keys.map((k) => [k.index, k.historyKey, k.isDeleted, k.accepted]), [[0, 'H1', false, true], [1, 'H2', false, true]]);
    const uploads = await inspect<{ id: string; status: string; accepted: number }[]>('/__sim/uploads');
    assert.equal(uploads.length, 1);
    assert.equal(uploads[0]!.id, log[0]!.uploadId);
    assert.equal(uploads[0]!.status, '完了');
  });

  it('refuses a missing or wrong bearer token with 401 and registers nothing', async () => {
    const missing = await post([record(1)], null);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await post([record(1)], 'not-the-token');
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, 'unauthorized');
    assert.deepEqual(await records(), []);
    const log = await inspect<ApiRequestEntry[]>('/__sim/api/requests');
    assert.deepEqual(log.map((e) => [e.status, e.authorization]), [[401, 'missing'], [401, 'wrong']]);
    assert.equal((await inspect<ApiStats>('/__sim/api/stats')).unauthorized, 2);
  });

  it('answers 413 for more records than the limit, or more bytes, and registers nothing', async () => {
    const tooMany = await post([1, 2, 3, 4, 5, 6].map((n) => record(n)));
    assert.equal(tooMany.status, 413);
    assert.match(((await tooMany.json()) as { message: string }).message, /5 件まで/);
    const tooBig = await post([record(1, { certificationDetail: [{ itemName: '備考', value: 'x'.repeat(70 * 1024) }] })]);
    assert.equal(tooBig.status, 413);
    assert.deepEqual(await records(), []);
    assert.equal((await inspect<ApiStats>('/__sim/api/stats')).tooLarge, 2);
  });

  it('answers 400 for a body that is not a JSON array', async () => {
    assert.equal((await post('{"not":"an array"')).status, 400);
    assert.equal((await post({ not: 'an array' })).status, 400);
    assert.equal((await post([])).status, 400);
  });

  it('answers counted faults first: 429 with Retry-After, then 500, then processes normally', async () => {
    await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ api: { status: 429, count: 1, retryAfterSeconds: 7 } }) });
    const limited = await post([record(1)]);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ api: { status: 500, count: 1 } }) });
    assert.equal((await post([record(1)])).status, 500);
    assert.deepEqual(await records(), [], 'a faulted request is not processed');
    assert.equal((await post([record(1)])).status, 200);
    assert.equal((await records()).length, 1);
    const log = await inspect<ApiRequestEntry[]>('/__sim/api/requests');
    assert.deepEqual(log.map((e) => e.status), [429, 500, 200]);
  });

  it('rejects bad records one by one with their index, field and history key, and keeps the good ones', async () => {
    const badDigit = myNumber(3).slice(0, 11) + String((Number(myNumber(3).at(-1)) + 1) % 10);
    const response = await post([
      record(1),
      record(2, { isNotDisclosed: 'false' }),
      record(3, { myNumber: badDigit }),
      record(4, { orgSpecificCertificateTypeId: '990001OTHER' }),
      record(1, {}),
    ]);
    assert.equal(response.status, 200);
    const result = (await response.json()) as ApiResult;
    assert.equal(result.accepted, 1);
    assert.equal(result.rejected, 4);
    const byIndex = new Map(result.errors.map((e) => [e.index, e]));
    assert.equal(byIndex.get(1)!.field, 'isNotDisclosed');
    assert.equal(byIndex.get(1)!.historyKey, 'H2');
    assert.equal(byIndex.get(2)!.field, 'myNumber');
    assert.match(byIndex.get(2)!.message, /チェックデジット/);
    assert.equal(byIndex.get(3)!.field, 'orgSpecificCertificateTypeId');
    assert.equal(byIndex.get(4)!.field, 'historyKey', 'a duplicate key in one request');
    for (const error of result.errors) assert.doesNotMatch(error.message, /\d{12}/, 'no My Number echoed back');
    assert.deepEqual((await records()).map((r) => r.historyKey), ['H1']);
  });

  it('upserts by type + My Number + history key and deletes with isDeleted, like 差分連携', async () => {
    await post([record(1), record(2)]);
    const changed = await post([record(1, { incomeSegment: 'B' }), record(2, { isDeleted: true })]);
    assert.deepEqual(((await changed.json()) as ApiResult).rejected, 0);
    const stored = await records();
    assert.deepEqual(stored.map((r) => [r.historyKey, r.incomeSegment]), [['H1', 'B']]);
    const again = (await (await post([record(2, { isDeleted: true })])).json()) as ApiResult;
    assert.equal(again.rejected, 1);
    assert.equal(again.errors[0]!.field, 'isDeleted');
  });
});
