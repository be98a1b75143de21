/**
 * When PMH rejects rows the bot let through, the run fails as a business error, keeps
 * PMH's error list as evidence, and names each rejected row by the source keys an operator
 * can look up, through the key map written beside the uploaded file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { REJECTED_ROWS_FILE } from '../../bot/report/record-lists.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';

describe('rows PMH rejects', () => {
  let env: DemoEnv;
  let summary: RunSummary;
  let corrupted: { certId: string; residentNo: string };

  before(async () => {
    env = await startDemoEnv({ recipients: 300 });
    // A vendor turned the recipient-number check off for a national program, and one
    // number in the subsidy system has a wrong check digit: only PMH notices.
    const subsidy = new Database(env.data.files.subsidy);
    const row = subsidy
      .prepare(`SELECT cert_id, atena_no, jukyusha_no FROM certificates WHERE program_code = 'IKUSEI' AND valid_to >= '2026-04-01' ORDER BY cert_id LIMIT 1`)
      .get() as { cert_id: string; atena_no: string; jukyusha_no: string };
    const wrongDigit = (Number(row.jukyusha_no.slice(6)) + 1) % 10;
    subsidy.prepare('UPDATE certificates SET jukyusha_no = ? WHERE cert_id = ?').run(row.jukyusha_no.slice(0, 6) + String(wrongDigit), row.cert_id);
    subsidy.close();
    corrupted = { certId: row.cert_id, residentNo: row.atena_no };
    const config = {
      ...env.config,
      programs: env.config.programs.map((p) => (p.code === 'IKUSEI' ? { ...p, recipient_number_check: false } : p)),
    };
    summary = await runCycle({ config, trigger: 'test' });
  });

  after(async () => {
    await env?.close();
  });

  it('fails the run as a business error that says how many PMH rejected', () => {
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'RecordsRejected');
    assert.equal(summary.error?.kind, 'business');
    assert.equal(summary.counts.rejected, 1);
    assert.equal(summary.counts.accepted, summary.counts.uploaded - 1);
    const ikusei = summary.outcomes.find((o) => o.certificateTypeId === '990001IKUSEI')!;
    assert.equal(ikusei.status, '完了（エラーあり）');
    assert.ok(ikusei.errorListPath && existsSync(ikusei.errorListPath), 'PMH\'s error list is kept as evidence');
  });

  it('names the rejected row by resident number and certificate in the ledger', () => {
    const ledger = new Ledger(ledgerPath(env.config));
    try {
      const rejected = ledger.rejected(summary.runId);
      assert.equal(rejected.length, 1);
      const [entry] = rejected;
      assert.equal(entry!.residentNo, corrupted.residentNo);
      assert.equal(entry!.certificateId, corrupted.certId);
      assert.equal(entry!.column, 'medicalSubsidyRecipientNumber');
      assert.ok(entry!.line && entry!.line >= 2);
      assert.match(entry!.pmhUploadId, /^U\d+$/);
      const run = ledger.run(summary.runId)!;
      assert.equal(run.status, 'failed');
      assert.equal(run.error_code, 'RecordsRejected');
      assert.match(run.error_hint ?? '', /宛名番号/);
      assert.ok(ledger.artifacts(summary.runId).some((a) => a.kind === 'error_list'));
      // The whole list an operator opens in Excel: the same row, by resident and certificate.
      const list = join(summary.runDir, REJECTED_ROWS_FILE);
      assert.ok(ledger.artifacts(summary.runId).some((a) => a.kind === 'rejected_list' && a.path === list));
      const lines = readFileSync(list, 'utf8').split('\r\n');
      assert.equal(lines[0], '\uFEFF"受付番号","行","宛名番号","受給者証番号","履歴キー","項目","PMH のメッセージ"');
      assert.equal(lines[1], [entry!.pmhUploadId, entry!.line, entry!.residentNo, entry!.certificateId, entry!.historyKey, entry!.column, entry!.message].map((v) => `"${v}"`).join(','));
      assert.deepEqual(lines.slice(2), ['']);
    } finally {
      ledger.close();
    }
  });
});
