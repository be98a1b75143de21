/**
 * The daily differential against the simulator, day by day: what PMH received each day,
 * what the snapshot kept, the records PMH rejected, and the mass-change guard.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import type { BotConfig } from '../../config/schema.ts';
import { PmhBotError } from '../../core/errors.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { approveRun } from '../../bot/pipeline/approve.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { fakeMyNumber } from '../generators/fake-people.ts';
import { Random } from '../generators/random.ts';
import { simJson, startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';

interface SimUpload { id: string; certificateTypeId: string; mode: string; status: string; total: number | null; accepted: number | null; rejected: number | null }
type SimRow = Record<string, unknown>;

const KODOMO = '990001KODOMO';
const HITORIOYA = '990001HITORIOYA';
const IKUSEI = '990001IKUSEI';

async function uploadsSince(env: DemoEnv, count: number): Promise<SimUpload[]> {
  return (await simJson<SimUpload[]>(env.simulator, '/__sim/uploads')).slice(count);
}

async function rowsOf(env: DemoEnv, upload: SimUpload): Promise<SimRow[]> {
  return simJson<SimRow[]>(env.simulator, `/__sim/uploads/${upload.id}/rows`);
}

function currentCertificate(env: DemoEnv, program: string, offset = 0): { cert_id: string; history_no: number; atena_no: string; jukyusha_no: string } {
  const db = new Database(env.data.files.subsidy, { readonly: true });
  try {
    return db
      .prepare(`SELECT cert_id, history_no, atena_no, jukyusha_no FROM certificates c WHERE program_code = ? AND valid_to >= '2026-04-01'
                AND valid_to NOT LIKE '%-02-30' AND atena_no IN (SELECT atena_no FROM certificates GROUP BY atena_no HAVING count(*) = 1)
                ORDER BY cert_id LIMIT 1 OFFSET ?`)
      .get(program, offset) as { cert_id: string; history_no: number; atena_no: string; jukyusha_no: string };
  } finally {
    db.close();
  }
}

function historyKey(c: { cert_id: string; history_no: number }): string {
  return `${c.cert_id}-${String(c.history_no).padStart(3, '0')}`;
}

function subsidy(env: DemoEnv, sql: string, ...params: (string | number)[]): void {
  const db = new Database(env.data.files.subsidy);
  db.prepare(sql).run(...params);
  db.close();
}

describe('the daily differential', () => {
  let env: DemoEnv;
  let diff: BotConfig;
  let full: BotConfig;

  before(async () => {
    env = await startDemoEnv({ recipients: 300 });
    full = { ...env.config, pmh: { ...env.config.pmh, mode: 'full' } };
    diff = { ...env.config, pmh: { ...env.config.pmh, mode: 'diff' } };
  });

  after(async () => {
    await env?.close();
  });

  it('day 1 full, day 2 additions/changes/deletions, day 3 nothing: PMH receives exactly that', async () => {
    const day1 = await runCycle({ config: full, trigger: 'test' });
    assert.equal(day1.status, 'succeeded', day1.error?.message);
    const afterDay1 = (await simJson<SimUpload[]>(env.simulator, '/__sim/uploads')).length;
    assert.equal(afterDay1, 4);

    // Day 2: one new certificate, one changed income segment, one certificate gone.
    const changed = currentCertificate(env, 'KODOMO', 0);
    const gone = currentCertificate(env, 'HITORIOYA', 0);
    const template = currentCertificate(env, 'KODOMO', 1);
    subsidy(env, `UPDATE certificates SET income_segment = CASE income_segment WHEN 'A' THEN 'B' ELSE 'A' END WHERE cert_id = ? AND history_no = ?`, changed.cert_id, changed.history_no);
    subsidy(env, 'DELETE FROM certificates WHERE cert_id = ?', gone.cert_id);
    subsidy(env, `INSERT INTO certificates SELECT 'C9999999', atena_no, program_code, 1, futansha_no, jukyusha_no, valid_from, valid_to,
                  income_segment, copay_cap, always_reimburse, updated_at FROM certificates WHERE cert_id = ? AND history_no = ?`, template.cert_id, template.history_no);

    const day2 = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(day2.status, 'succeeded', day2.error?.message);
    assert.deepEqual({ added: day2.diff.added, changed: day2.diff.changed, gone: day2.diff.gone }, { added: 1, changed: 1, gone: 1 });
    const received = await uploadsSince(env, afterDay1);
    assert.deepEqual(received.map((u) => [u.certificateTypeId, u.mode, u.total]).sort(), [[HITORIOYA, 'diff', 1], [KODOMO, 'diff', 2]]);
    const kodomoRows = await rowsOf(env, received.find((u) => u.certificateTypeId === KODOMO)!);
    assert.deepEqual(kodomoRows.map((r) => r.historyKey).sort(), [historyKey(changed), 'C9999999-001'].sort());
    assert.ok(kodomoRows.every((r) => r.isDeleted === false));
    const [deletion] = await rowsOf(env, received.find((u) => u.certificateTypeId === HITORIOYA)!);
    assert.equal(deletion!.historyKey, historyKey(gone));
    assert.equal(deletion!.isDeleted, true);
    const hitorioya = await simJson<SimRow[]>(env.simulator, `/__sim/records?type=${HITORIOYA}`);
    assert.ok(!hitorioya.some((r) => r.historyKey === historyKey(gone)), 'PMH no longer holds the deleted certificate');

    const day3 = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(day3.status, 'succeeded', day3.error?.message);
    assert.equal(day3.files.length, 0);
    assert.deepEqual({ added: day3.diff.added, changed: day3.diff.changed, gone: day3.diff.gone }, { added: 0, changed: 0, gone: 0 });
    assert.equal((await uploadsSince(env, afterDay1 + 2)).length, 0, 'day 3 uploads nothing');
  });

  it('does not advance the snapshot for records PMH rejected, and sends them again the next day', async () => {
    // A national program's recipient number with a bad check digit, and the bot's own check off: only PMH notices.
    const bad = currentCertificate(env, 'IKUSEI', 0);
    const good = bad.jukyusha_no;
    subsidy(env, 'UPDATE certificates SET jukyusha_no = ?, income_segment = ? WHERE cert_id = ?', good.slice(0, 6) + String((Number(good[6]) + 1) % 10), '2', bad.cert_id);
    const lax = { ...diff, programs: diff.programs.map((p) => (p.code === 'IKUSEI' ? { ...p, recipient_number_check: false } : p)) };
    const count = (await simJson<SimUpload[]>(env.simulator, '/__sim/uploads')).length;

    const rejectedDay = await runCycle({ config: lax, trigger: 'test' });
    assert.equal(rejectedDay.error?.code, 'RecordsRejected');
    const [sent] = await uploadsSince(env, count);
    assert.equal(sent!.rejected, 1);

    const nextDay = await runCycle({ config: lax, trigger: 'test' });
    const [again] = await uploadsSince(env, count + 1);
    assert.ok(again, 'the rejected record is sent again');
    assert.equal(again.certificateTypeId, IKUSEI);
    assert.equal(again.total, 1);
    assert.equal(nextDay.error?.code, 'RecordsRejected');

    subsidy(env, 'UPDATE certificates SET jukyusha_no = ? WHERE cert_id = ?', good, bad.cert_id);
    const fixed = await runCycle({ config: lax, trigger: 'test' });
    assert.equal(fixed.status, 'succeeded', fixed.error?.message);
    const [accepted] = await uploadsSince(env, count + 2);
    assert.equal(accepted!.accepted, 1);
    const quiet = await runCycle({ config: lax, trigger: 'test' });
    assert.equal(quiet.files.length, 0, 'once accepted, it is not sent again');
  });

  it('a corrected My Number deletes the old pairing at PMH and sends the new one', async () => {
    const cert = currentCertificate(env, 'KODOMO', 2);
    const registry = new Database(env.data.files.registry);
    const oldNumber = (registry.prepare('SELECT kojin_no FROM residents WHERE atena_no = ?').get(cert.atena_no) as { kojin_no: string }).kojin_no;
    const newNumber = fakeMyNumber(new Random(20261124));
    assert.notEqual(newNumber, oldNumber);
    registry.prepare('UPDATE residents SET kojin_no = ? WHERE atena_no = ?').run(newNumber, cert.atena_no);
    registry.close();
    const count = (await simJson<SimUpload[]>(env.simulator, '/__sim/uploads')).length;

    const corrected = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(corrected.status, 'succeeded', corrected.error?.message);
    const received = await uploadsSince(env, count);
    assert.deepEqual(received.map((u) => [u.certificateTypeId, u.total]), [[KODOMO, 2]]);
    const rows = await rowsOf(env, received[0]!);
    assert.deepEqual(
      rows.map((r) => [r.historyKey, r.myNumber, r.isDeleted]).sort(),
      [[historyKey(cert), oldNumber, true], [historyKey(cert), newNumber, false]].sort(),
    );
    const held = (await simJson<SimRow[]>(env.simulator, `/__sim/records?type=${KODOMO}`)).filter((r) => r.historyKey === historyKey(cert));
    assert.deepEqual(held.map((r) => r.myNumber), [newNumber], 'PMH holds the certificate under the corrected My Number only');
    const quiet = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(quiet.files.length, 0, 'the correction is not sent again');
  });

  it('holds back, and never deletes, a certificate PMH holds that fails validation today', async () => {
    const cert = currentCertificate(env, 'KODOMO', 3);
    const db = new Database(env.data.files.subsidy);
    const insurer = (db.prepare('SELECT futansha_no FROM certificates WHERE cert_id = ? AND history_no = ?').get(cert.cert_id, cert.history_no) as { futansha_no: string }).futansha_no;
    db.close();
    // The insurer number's check digit made wrong: the bot's own check holds the record back.
    const broken = insurer.slice(0, 7) + String((Number(insurer[7]) + 1) % 10);
    subsidy(env, 'UPDATE certificates SET futansha_no = ? WHERE cert_id = ? AND history_no = ?', broken, cert.cert_id, cert.history_no);
    const count = (await simJson<SimUpload[]>(env.simulator, '/__sim/uploads')).length;

    const heldBack = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(heldBack.status, 'succeeded', heldBack.error?.message);
    assert.equal(heldBack.diff.gone, 0, 'a record held back is not gone from the source');
    assert.equal((await uploadsSince(env, count)).length, 0, 'nothing is sent: above all, no deletion');
    const ledger = new Ledger(ledgerPath(diff));
    const entries = ledger.quarantine(heldBack.runId).filter((e) => e.certificateId === cert.cert_id);
    ledger.close();
    assert.deepEqual(entries.map((e) => [e.residentNo, e.field]), [[cert.atena_no, 'medicalSubsidyInsurerNumber']]);
    const atPmh = await simJson<SimRow[]>(env.simulator, `/__sim/records?type=${KODOMO}`);
    assert.ok(atPmh.some((r) => r.historyKey === historyKey(cert)), 'PMH still holds the certificate');

    subsidy(env, 'UPDATE certificates SET futansha_no = ? WHERE cert_id = ? AND history_no = ?', insurer, cert.cert_id, cert.history_no);
    const mended = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(mended.status, 'succeeded', mended.error?.message);
    assert.equal(mended.files.length, 0, 'mended as it was: unchanged, nothing to send');
  });

  it('holds a differential that deletes 10% of the population until an operator approves it', async () => {
    const db = new Database(env.data.files.subsidy);
    const all = (db.prepare(`SELECT DISTINCT cert_id FROM certificates WHERE valid_to >= '2026-04-01' ORDER BY cert_id`).all() as { cert_id: string }[])
      .map((row) => row.cert_id);
    const victims = all.filter((_, i) => i % 10 === 3);
    const remove = db.prepare('DELETE FROM certificates WHERE cert_id = ?');
    for (const id of victims) remove.run(id);
    db.close();
    const count = (await simJson<SimUpload[]>(env.simulator, '/__sim/uploads')).length;

    const held = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(held.status, 'held');
    assert.equal(held.error?.code, 'MassChangeGuard');
    assert.equal(held.error?.kind, 'business');
    assert.match(held.error!.describeIn('ja').hint, new RegExp(`pmh-bot approve ${held.runId}`));
    assert.ok(held.diff.gone >= victims.length - 1);
    assert.equal((await uploadsSince(env, count)).length, 0, 'nothing reached PMH');

    const approved = await approveRun(diff, held.runId);
    assert.equal(approved.status, 'succeeded', approved.error?.message);
    const sent = await uploadsSince(env, count);
    const deletions = (await Promise.all(sent.map((u) => rowsOf(env, u)))).flat();
    assert.equal(deletions.length, held.counts.uploaded);
    assert.ok(deletions.every((r) => r.isDeleted === true));
    const ledger = new Ledger(ledgerPath(diff));
    try {
      const run = ledger.run(held.runId)!;
      assert.equal(run.status, 'succeeded');
      assert.ok(ledger.steps(held.runId).some((s) => s.name === 'approve' && s.status === 'succeeded'));
    } finally {
      ledger.close();
    }
    await assert.rejects(approveRun(diff, held.runId), (error: unknown) => error instanceof PmhBotError && error.code === 'RunNotApprovable');
    const after = await runCycle({ config: diff, trigger: 'test' });
    assert.equal(after.files.length, 0, 'the approved deletions are in the snapshot');
  });
});

describe('upload files split by the layout', () => {
  let env: DemoEnv;
  let layoutPath: string;
  /** A screen that takes one file per upload (the shipped profile takes several). */
  let oneFileProfile: string;

  before(async () => {
    env = await startDemoEnv({ recipients: 300 });
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { DEFAULT_LAYOUT_PATH } = await import('../../bot/output/layout-file.ts');
    layoutPath = join(env.dir, 'small-files.yaml');
    const text = readFileSync(DEFAULT_LAYOUT_PATH, 'utf8').replace(/^max_rows_per_file:.*$/m, 'max_rows_per_file: 60');
    assert.match(text, /^max_rows_per_file: 60$/m);
    writeFileSync(layoutPath, text);
    const { DEFAULT_SCREEN_PROFILE_PATH } = await import('../../flows/screen/profile.ts');
    oneFileProfile = join(env.dir, 'one-file-profile.yaml');
    const profile = readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8').replace('multiple_files: true', 'multiple_files: false');
    assert.match(profile, /multiple_files: false/);
    writeFileSync(oneFileProfile, profile);
  });

  after(async () => {
    await env?.close();
  });

  it('refuses to split a full upload over several uploads, which could let a later one replace an earlier one', async () => {
    const config: BotConfig = { ...env.config, output: { layout: layoutPath }, pmh: { ...env.config.pmh, mode: 'full', screen_profile: oneFileProfile } };
    const run = await runCycle({ config, trigger: 'test' });
    assert.equal(run.error?.code, 'FullModeSplit');
    assert.equal((await simJson<SimUpload[]>(env.simulator, '/__sim/uploads')).length, 0);
  });

  it('delivers a differential in several files, and advances the snapshot only when all are accepted', async () => {
    const config: BotConfig = { ...env.config, output: { layout: layoutPath }, pmh: { ...env.config.pmh, mode: 'diff', screen_profile: oneFileProfile } };
    const first = await runCycle({ config, trigger: 'test' });
    assert.equal(first.status, 'succeeded', first.error?.message);
    const kodomoFiles = first.files.filter((f) => f.certificateTypeId === KODOMO);
    assert.ok(kodomoFiles.length >= 2, 'KODOMO was split');
    assert.ok(first.files.every((f) => f.rows <= 60));
    const uploads = await simJson<SimUpload[]>(env.simulator, '/__sim/uploads');
    assert.equal(uploads.length, first.files.length);
    const kodomo = await simJson<SimRow[]>(env.simulator, `/__sim/records?type=${KODOMO}`);
    assert.equal(kodomo.length, env.data.expectedUploads.KODOMO);
    const again = await runCycle({ config, trigger: 'test' });
    assert.equal(again.files.length, 0, 'every part advanced the snapshot');
  });
});
