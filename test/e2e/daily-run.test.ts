/**
 * The walking skeleton end to end: generated SQLite business systems → extraction →
 * shaping → CSV → real headless Chromium on the PMH simulator over HTTP → run ledger.
 * Asserts on what the simulator received, not on what the bot believes it sent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { simJson, startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';

interface SimUpload {
  id: string;
  fileName: string;
  sha256: string;
  certificateTypeId: string;
  mode: string;
  status: string;
  total: number | null;
  accepted: number | null;
  rejected: number | null;
}
type SimRecord = Record<string, unknown>;

const TYPES: Record<string, string> = {
  KODOMO: '990001KODOMO',
  HITORIOYA: '990001HITORIOYA',
  IKUSEI: '990001IKUSEI',
  SEISHIN: '990001SEISHIN',
};

describe('a daily run on the embedded defaults', () => {
  let env: DemoEnv;
  let summary: RunSummary;
  let records: Map<string, SimRecord[]>;

  before(async () => {
    env = await startDemoEnv();
    summary = await runCycle({ config: env.config, trigger: 'test' });
    records = new Map();
    for (const type of Object.values(TYPES)) {
      records.set(type, await simJson<SimRecord[]>(env.simulator, `/__sim/records?type=${type}`));
    }
  });

  after(async () => {
    await env?.close();
  });

  it('succeeds and the simulator accepted one upload per program with the expected row counts', async () => {
    assert.equal(summary.error, null, summary.error?.message);
    assert.equal(summary.status, 'succeeded');
    const uploads = await simJson<SimUpload[]>(env.simulator, '/__sim/uploads');
    assert.equal(uploads.length, 4);
    for (const [code, type] of Object.entries(TYPES)) {
      const upload = uploads.find((u) => u.certificateTypeId === type);
      assert.ok(upload, `no upload for ${type}`);
      assert.equal(upload.status, '完了');
      assert.equal(upload.mode, 'full');
      assert.equal(upload.rejected, 0);
      assert.equal(upload.accepted, env.data.expectedUploads[code], `${code} accepted`);
      assert.equal(records.get(type)!.length, env.data.expectedUploads[code], `${code} records kept by PMH`);
      const written = summary.files.find((f) => f.certificateTypeId === type)!;
      assert.equal(upload.sha256, written.sha256, 'PMH received exactly the file the bot wrote');
    }
    const expectedTotal = Object.values(env.data.expectedUploads).reduce((a, b) => a + b, 0);
    assert.equal(summary.counts.accepted, expectedTotal);
    assert.ok(expectedTotal >= 2000, 'at least 2,000 certificates reach PMH');
  });

  it('sends sex 0 on every 自立支援医療 record, and the registry sex elsewhere', () => {
    for (const type of [TYPES.IKUSEI!, TYPES.SEISHIN!]) {
      const sexes = new Set(records.get(type)!.map((r) => r['basicFiveInfo.sex']));
      assert.deepEqual([...sexes], ['0'], `${type} sexes`);
    }
    const kodomoSexes = new Set(records.get(TYPES.KODOMO!)!.map((r) => r['basicFiveInfo.sex']));
    assert.deepEqual([...kodomoSexes].sort(), ['1', '2']);
  });

  it('flags exactly the residents under a current support measure as not to be disclosed', () => {
    const registry = new Database(env.data.files.registry, { readonly: true });
    const myNumber = registry.prepare('SELECT kojin_no FROM residents WHERE atena_no = ?');
    const myNumberOf = (residentNo: string): string => (myNumber.get(residentNo) as { kojin_no: string }).kojin_no;
    const protectedNumbers = new Set(env.data.planted.protectedResidents.map((r) => myNumberOf(r)));
    registry.close();
    assert.ok(protectedNumbers.size >= 20, 'the demo has protected residents');
    let flagged = 0;
    for (const list of records.values()) {
      for (const record of list) {
        const expected = protectedNumbers.has(record.myNumber as string);
        assert.equal(record.isNotDisclosed, expected, `isNotDisclosed of ${String(record.historyKey)}`);
        if (expected) flagged += 1;
      }
    }
    assert.ok(flagged >= protectedNumbers.size, 'every protected resident reached PMH flagged');
  });

  it('carries several records field by field from the three systems', () => {
    const subsidy = new Database(env.data.files.subsidy, { readonly: true });
    const registry = new Database(env.data.files.registry, { readonly: true });
    const certificates = subsidy
      .prepare(`SELECT * FROM certificates WHERE valid_to >= '2026-04-01' AND program_code = ? ORDER BY cert_id LIMIT 3`)
      .all('IKUSEI') as Record<string, string | number | null>[];
    const byKey = new Map(records.get(TYPES.IKUSEI!)!.map((r) => [r.historyKey as string, r]));
    for (const c of certificates) {
      const person = registry.prepare('SELECT * FROM residents WHERE atena_no = ?').get(String(c.atena_no)) as Record<string, string>;
      const key = `${c.cert_id}-${String(c.history_no).padStart(3, '0')}`;
      const record = byKey.get(key);
      assert.ok(record, `record ${key} reached PMH`);
      assert.equal(record.orgSpecificCertificateTypeId, '990001IKUSEI');
      assert.equal(record.myNumber, person.kojin_no);
      assert.equal(record['basicFiveInfo.name'], person.shimei);
      assert.equal(record['basicFiveInfo.address'], person.jusho);
      const birth = person.seinengappi!;
      assert.equal(record['basicFiveInfo.dateOfBirth'], `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`);
      assert.equal(record.medicalSubsidyInsurerNumber, c.futansha_no);
      assert.equal(record.medicalSubsidyRecipientNumber, c.jukyusha_no);
      assert.equal(record.certificationName, '自立支援医療受給者証（育成医療）');
      assert.equal(record.validFrom, c.valid_from);
      assert.equal(record.validTo, c.valid_to);
      assert.equal(record.isAlwaysReimbursement, String(c.always_reimburse));
      assert.equal(record.isDeleted, false);
      assert.deepEqual(record.maxCopaymentAmount, { monthlyLimitYen: c.copay_cap });
      assert.ok(Array.isArray(record.certificationDetail));
    }
    subsidy.close();
    registry.close();
  });

  it('holds back the planted bad records with their source keys and never sends them', () => {
    const ledger = new Ledger(ledgerPath(env.config));
    try {
      const held = ledger.quarantine(summary.runId);
      const heldIds = new Set(held.map((q) => q.certificateId));
      for (const id of [...env.data.planted.personMissing, ...env.data.planted.unreadableDate]) {
        assert.ok(heldIds.has(id), `${id} quarantined`);
      }
      assert.ok(held.every((q) => q.residentNo && q.reasonJa), 'each has a resident number and a Japanese reason');
      assert.ok(held.some((q) => q.code === 'PersonMissing'));
      assert.ok(held.some((q) => q.code === 'ValueUnreadable' && q.field === 'valid_to'));
      assert.equal(summary.counts.quarantined, heldIds.size);
      const sentKeys = new Set([...records.values()].flat().map((r) => String(r.historyKey).split('-')[0]));
      for (const id of heldIds) assert.ok(!sentKeys.has(id), `${id} was not sent`);
    } finally {
      ledger.close();
    }
  });

  it('records the run, its steps and its artifacts in the ledger', () => {
    const ledger = new Ledger(ledgerPath(env.config));
    try {
      const run = ledger.run(summary.runId)!;
      assert.equal(run.status, 'succeeded');
      assert.equal(run.trigger, 'test');
      assert.ok(run.ended_at);
      assert.equal(run.extracted, Object.values(env.data.currentCertificates).reduce((a, b) => a + b, 0));
      assert.equal(run.accepted, summary.counts.accepted);
      assert.equal(run.rejected, 0);
      const steps = ledger.steps(summary.runId);
      for (const name of ['extract', 'shape', 'deliver', 'screen:login', 'screen:logout']) {
        const step = steps.find((s) => s.name === name);
        assert.equal(step?.status, 'succeeded', `step ${name}`);
      }
      const artifacts = ledger.artifacts(summary.runId);
      const uploadsFiles = artifacts.filter((a) => a.kind === 'upload_file');
      assert.equal(uploadsFiles.length, 4);
      const shots = artifacts.filter((a) => a.kind === 'screenshot');
      assert.ok(shots.some((a) => /result-990001KODOMO\.png$/.test(a.path)));
      for (const a of [...uploadsFiles, ...shots]) assert.ok(existsSync(a.path), `${a.path} exists`);
      const uploads = ledger.uploads(summary.runId);
      assert.ok(uploads.every((u) => u.status === 'done' && /^U\d+$/.test(u.pmhUploadId ?? '')));
      assert.ok(!existsSync(`${summary.runDir}/staging.sqlite`), 'the staging store with personal data is gone');
    } finally {
      ledger.close();
    }
  });

  it('runs again the next day without trouble', async () => {
    const second = await runCycle({ config: env.config, trigger: 'test' });
    assert.equal(second.status, 'succeeded', second.error?.message);
    assert.notEqual(second.runId, summary.runId);
    const uploads = await simJson<SimUpload[]>(env.simulator, '/__sim/uploads');
    assert.equal(uploads.length, 8);
    const kodomo = await simJson<SimRecord[]>(env.simulator, `/__sim/records?type=${TYPES.KODOMO}`);
    assert.equal(kodomo.length, env.data.expectedUploads.KODOMO, 'a full upload replaces, never duplicates');
  });
});
