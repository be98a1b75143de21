/**
 * The run report (bot/report/run-report.ts) on a real ledger file: text that PMH, the
 * business systems or a failing step put in the ledger reaches the page as text, never as
 * markup, whichever part of the page shows it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ledger } from '../../bot/state/ledger.ts';
import { writeRunReport } from '../../bot/report/run-report.ts';

/** Closes an attribute, opens a tag with a handler, and carries a script of its own. */
const HOSTILE = `<script>alert(1)</script>"onerror=alert(2) x='<img src=x onerror=alert(3)>'`;
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;onerror=alert(2) x=&#39;&lt;img src=x onerror=alert(3)&gt;&#39;';

describe('the run report with hostile text in the ledger', () => {
  let dir: string;
  let page: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pmh-report-escaping-'));
    const ledger = new Ledger(join(dir, 'ledger.sqlite'));
    try {
      ledger.startRun('R1', 'test', join(dir, 'R1'), '2026-11-25');
      ledger.startStep('R1', `step${HOSTILE}`);
      ledger.endStep('R1', `step${HOSTILE}`, 'failed', { errorCode: `code${HOSTILE}`, errorMessage: `step says ${HOSTILE}` });
      ledger.recordUpload('R1', {
        certificateTypeId: '990001KODOMO', fileName: `file${HOSTILE}.csv`, sha256: 'x', rows: 2,
        pmhUploadId: `upload${HOSTILE}`, status: 'done', accepted: 1, rejected: 1,
      });
      ledger.addRejected('R1', [
        { pmhUploadId: 'U1', line: 2, residentNo: '000123', certificateId: '456', historyKey: null, column: 'c', message: `PMH says ${HOSTILE}` },
      ]);
      ledger.addQuarantine('R1', [
        { programCode: 'kodomo', residentNo: '000124', certificateId: '457', field: 'f', code: 'X', reasonJa: `理由 ${HOSTILE}`, reasonEn: 'reason' },
      ]);
      ledger.finishRun('R1', 'failed', { code: 'PmhRejected', kind: 'business', message: `run says ${HOSTILE}`, hint: `hint ${HOSTILE}` });
      const standing = {
        fileName: `file${HOSTILE}.csv`, path: null, rows: 2, at: 'done', api: false, pmhUploadId: `upload${HOSTILE}`, accepted: 1, rejected: 1, replay: 'nothing',
      } as const;
      page = readFileSync(await writeRunReport(ledger, 'R1', { standings: [standing] }), 'utf8');
    } finally {
      ledger.close();
    }
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries no script, no planted tag and no attribute a value could break out into', () => {
    assert.ok(!page.includes('<script'), 'a <script> tag');
    assert.ok(!page.includes('<img src=x'), 'a planted <img>');
    assert.ok(!page.includes('"onerror='), 'a value that closed its attribute');
    assert.ok(!page.includes(HOSTILE));
  });

  it('shows every planted value as text, in the part of the page that names it', () => {
    for (const shown of [
      `<td>file${ESCAPED}.csv</td>`,
      `<td>upload${ESCAPED}</td>`,
      `<td>PMH says ${ESCAPED}</td>`,
      `<td>理由 ${ESCAPED}</td>`,
      `title="step${ESCAPED}">step${ESCAPED}</td>`,
      `<td>code${ESCAPED}<br><span class="muted">step says ${ESCAPED}</span></td>`,
      `</span> run says ${ESCAPED}</p>`,
      `</span> hint ${ESCAPED}</p>`,
      `<li data-file="file${ESCAPED}.csv" data-at="done" data-replay="nothing"><code>file${ESCAPED}.csv</code>（2 件）: PMH 受付済み（受付番号 upload${ESCAPED}）`,
    ]) {
      assert.ok(page.includes(shown), `the report shows ${shown}`);
    }
  });
});
