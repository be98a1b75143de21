/**
 * The full lists an operator works from after a run: every record held back and every row
 * PMH rejected, each a CSV file in the run folder. The run report and `pmh-bot show` show
 * the first rows and name these files.
 *
 * Excel opens them as they are: UTF-8 with a byte order mark, CRLF, every cell quoted. A cell
 * that Excel would read as a formula (it starts with =, +, -, @, a tab or a carriage return)
 * gets a leading apostrophe, so a value from a source system or from PMH is shown, never
 * run. The texts are scrubbed as the report scrubs them.
 *
 * A run can hold back every record of a million: the rows go from the ledger to the file one
 * at a time, never into memory together.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Lang } from '../../core/i18n.ts';
import { scrubText } from '../../core/log.ts';
import type { Ledger } from '../state/ledger.ts';
import { csvLine } from '../output/output-writer.ts';

export const HELD_BACK_FILE = 'held-back.csv';
export const REJECTED_ROWS_FILE = 'pmh-rejected-rows.csv';

export interface RecordLists {
  /** The held-back records' list, or null when the run held back none. */
  heldBack: string | null;
  /** The rejected rows' list, or null when PMH rejected none. */
  rejected: string | null;
}

const line = csvLine(true, '\r\n');
const FLUSH_AT = 64 * 1024;

function cell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Writes `rows` to `path` through a `.part` file, renamed into place once complete. */
function writeList(path: string, header: string[], rows: Iterable<(string | number | null)[]>): void {
  const part = `${path}.part`;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(part, 'w', 0o600);
  try {
    let chunk = `\uFEFF${line(header)}`;
    for (const row of rows) {
      chunk += line(row.map(cell));
      if (chunk.length >= FLUSH_AT) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } catch (error) {
    closeSync(fd);
    rmSync(part, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(part, path);
}

/**
 * Writes a run's lists into `runDir`, each only when it has a row, and returns the paths of
 * those that are there. With `missingOnly`, a list already on disk is left as it is (the
 * report command, for a run whose lists were purged or predate them).
 */
export function writeRecordLists(ledger: Ledger, runId: string, runDir: string, options: { lang?: Lang; missingOnly?: boolean } = {}): RecordLists {
  const ja = (options.lang ?? 'ja') === 'ja';
  // With missingOnly, a list on disk is found before its rows are counted: the report's call
  // right after the run's own costs no query.
  const wanted = (path: string, count: () => number): boolean => !(options.missingOnly && existsSync(path)) && count() > 0;
  const heldBack = join(runDir, HELD_BACK_FILE);
  const heldHeader = ja
    ? ['制度', '宛名番号', '受給者証番号', '項目', 'コード', '理由']
    : ['Program', 'Resident no.', 'Certificate', 'Field', 'Code', 'Reason'];
  const held = function* () {
    for (const e of ledger.eachQuarantine(runId)) {
      yield [e.programCode, e.residentNo, e.certificateId, e.field, e.code, scrubText(ja ? e.reasonJa : e.reasonEn)];
    }
  };
  const rejected = join(runDir, REJECTED_ROWS_FILE);
  const rejectedHeader = ja
    ? ['受付番号', '行', '宛名番号', '受給者証番号', '履歴キー', '項目', 'PMH のメッセージ']
    : ['PMH upload ID', 'Line', 'Resident no.', 'Certificate', 'History key', 'Column', "PMH's message"];
  const refused = function* () {
    for (const r of ledger.eachRejected(runId)) {
      yield [r.pmhUploadId, r.line, r.residentNo, r.certificateId, r.historyKey, r.column, scrubText(r.message)];
    }
  };
  if (wanted(heldBack, () => ledger.quarantineCount(runId))) writeList(heldBack, heldHeader, held());
  if (wanted(rejected, () => ledger.rejectedCount(runId))) writeList(rejected, rejectedHeader, refused());
  return { heldBack: existsSync(heldBack) ? heldBack : null, rejected: existsSync(rejected) ? rejected : null };
}
