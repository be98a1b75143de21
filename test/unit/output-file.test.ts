import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { PmhRecord, SourceKey } from '../../bot/records/pmh-record.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, type CsvSettings, type Layout } from '../../bot/output/layout-file.ts';
import { pmhCsvColumns } from '../../bot/output/layout.ts';
import { openOutputFile, type OutputPart } from '../../bot/output/output-writer.ts';
import { assertPublishedCheckDigits, myNumberOf, testRecord } from '../helpers/records.ts';

const expectedHeader =
  'orgSpecificCertificateTypeId,myNumber,basicFiveInfo.name,basicFiveInfo.nameKana,basicFiveInfo.address,' +
  'basicFiveInfo.dateOfBirth,basicFiveInfo.sex,isNotDisclosed,medicalSubsidyInsurerNumber,certificationName,' +
  'medicalSubsidyRecipientNumber,certificationSubKey,segment,incomeSegment,additionalConditions,' +
  'designatedMedicalInstitutions,isAlwaysReimbursement,maxCopaymentAmount,validFrom,validTo,historyKey,' +
  'isDeleted,certificationDetail';

const defaultLayout = loadLayout(DEFAULT_LAYOUT_PATH);

/**
 * The default layout's columns in plain UTF-8, quoted as needed, booleans as true/false,
 * with the line ending and header row given: what these cases hold the writer to,
 * whatever the layout file says about encoding, quoting and booleans.
 */
function csvLayout(options: Pick<CsvSettings, 'line_ending' | 'header'> = { line_ending: 'crlf', header: true }): Layout {
  return { ...defaultLayout, format: 'csv', csv: { encoding: 'utf-8', quoting: 'as_needed', booleans: 'true_false', ...options } };
}

let dir: string;
before(async () => {
  // Test people get check digits from the module under test: make sure it agrees first.
  assertPublishedCheckDigits();
  dir = await mkdtemp(join(tmpdir(), 'pmh-output-file-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Person n's My Number: n zero-padded to 11 digits, with its check digit. */
const myNumberOfN = (n: number): string => myNumberOf(String(n).padStart(11, '0'));

/**
 * Record n: the shared test record with a name, disclosure flag, co-payment cap,
 * history key and My Number that vary by n, and no recipient number.
 */
function recordOf(n: number, overrides: Partial<PmhRecord> = {}): PmhRecord {
  return testRecord(
    {
      myNumber: myNumberOfN(n),
      isNotDisclosed: n % 2 === 0,
      medicalSubsidyRecipientNumber: null,
      maxCopaymentAmount: n % 3 === 0 ? null : { monthlyLimitYen: 10000 },
      historyKey: `C${n}-001`,
      ...overrides,
    },
    { name: `山田 花子${n}` },
  );
}

const sourceOf = (n: number): SourceKey => ({ residentNo: `R${n}`, certificateId: `C${n}`, programCode: 'KODOMO' });

let fileCounter = 0;
async function writeFile(records: PmhRecord[], options?: Pick<CsvSettings, 'line_ending' | 'header'>): Promise<OutputPart> {
  fileCounter += 1;
  const writer = await openOutputFile(csvLayout(options), join(dir, `out-${fileCounter}.csv`));
  for (const [index, record] of records.entries()) await writer.write(record, sourceOf(index + 1));
  return writer.close();
}

describe('PMH CSV layout', () => {
  it('has exactly the 23 agreed columns in order', () => {
    assert.equal(pmhCsvColumns.map((column) => column.header).join(','), expectedHeader);
    assert.equal(pmhCsvColumns.length, 23);
  });
});

describe('openOutputFile, one CSV file in the default layout', () => {
  it('writes the exact header row and records that csv-parse reads back field for field', async () => {
    const record = recordOf(1, { medicalSubsidyRecipientNumber: '1234566' });
    const written = await writeFile([record, recordOf(3)]);
    const text = await readFile(written.path, 'utf8');
    assert.equal(text.split('\r\n')[0], expectedHeader);
    const rows: string[][] = parse(text);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[1], [
      'KODOMO01', myNumberOfN(1), '山田 花子1', 'ヤマダ ハナコ', '架空県みなと市中央1丁目2番3号', '2015-04-01', '2',
      'false', '88131248', '子ども医療費受給者証', '1234566', '', '', '一般', '', '', '0',
      '{"monthlyLimitYen":10000}', '2025-04-01', '2026-03-31', 'C1-001', 'false',
      '[{"itemName":"受給者証名","value":"子ども医療費受給者証"}]',
    ]);
    const third = rows[2] ?? [];
    assert.equal(third[17], '', 'a null co-payment cap is an empty field');
    assert.equal(written.rows, 2);
  });

  it('ends every line with CRLF when asked, the last one included', async () => {
    const written = await writeFile([recordOf(1), recordOf(2)], { line_ending: 'crlf', header: true });
    const text = await readFile(written.path, 'utf8');
    assert.ok(text.endsWith('\r\n'));
    assert.equal(text.match(/\r\n/g)?.length, 3);
    assert.equal(text.match(/\n/g)?.length, 3, 'no bare LF');
  });

  it('ends every line with LF when asked', async () => {
    const written = await writeFile([recordOf(1), recordOf(2)], { line_ending: 'lf', header: true });
    const text = await readFile(written.path, 'utf8');
    assert.ok(!text.includes('\r'));
    assert.equal(text.match(/\n/g)?.length, 3);
  });

  it('leaves the header out when asked', async () => {
    const written = await writeFile([recordOf(1)], { line_ending: 'lf', header: false });
    const rows: string[][] = parse(await readFile(written.path, 'utf8'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.[0], 'KODOMO01');
  });

  it('writes only the header for no record', async () => {
    const written = await writeFile([]);
    assert.equal(await readFile(written.path, 'utf8'), `${expectedHeader}\r\n`);
    assert.equal(written.rows, 0);
  });

  it('round-trips a field holding a comma, a double quote and a line break (RFC 4180 quoting)', async () => {
    const tricky = '架空県,みなと市 "中央"\r\n1-2-3';
    const written = await writeFile([recordOf(1, { basicFiveInfo: { ...recordOf(1).basicFiveInfo, address: tricky } })]);
    const text = await readFile(written.path, 'utf8');
    assert.ok(text.includes('"架空県,みなと市 ""中央""\r\n1-2-3"'));
    const rows: string[][] = parse(text);
    assert.equal(rows[1]?.[4], tricky);
    assert.equal(rows[0]?.[0], 'orgSpecificCertificateTypeId', 'fields that need no quotes are not quoted');
    assert.ok(text.startsWith('orgSpecificCertificateTypeId,'));
  });

  it('writes Japanese text as UTF-8 without a BOM', async () => {
    const written = await writeFile([recordOf(1)]);
    const bytes = await readFile(written.path);
    assert.notDeepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(bytes[0], 'o'.charCodeAt(0));
    assert.ok(bytes.includes(Buffer.from('子ども医療費受給者証', 'utf8')));
    assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(bytes).includes('ヤマダ ハナコ'), true);
  });

  it('reports the sha256 and byte size of the file as it is on disk', async () => {
    const written = await writeFile([recordOf(1), recordOf(2), recordOf(3)]);
    const bytes = await readFile(written.path);
    assert.equal(written.bytes, bytes.length);
    assert.equal(written.bytes, (await stat(written.path)).size);
    assert.equal(written.sha256, createHash('sha256').update(bytes).digest('hex'));
  });

  it('writes a key map whose line numbers point at each record in the CSV, with a header', async () => {
    const multiLine = recordOf(2, { basicFiveInfo: { ...recordOf(2).basicFiveInfo, address: 'a\nb\r\nc' } });
    const written = await writeFile([recordOf(1), multiLine, recordOf(3)], { line_ending: 'crlf', header: true });
    assert.equal(written.keysPath, `${written.path}.keys.csv`);
    const keysText = await readFile(written.keysPath, 'utf8');
    assert.ok(!keysText.includes('\r'), 'the key map uses LF');
    assert.equal(keysText.split('\n')[0], 'line,residentNo,certificateId,programCode,historyKey');
    const keys: Array<Record<string, string>> = parse(keysText, { columns: true });
    assert.deepEqual(keys, [
      { line: '2', residentNo: 'R1', certificateId: 'C1', programCode: 'KODOMO', historyKey: 'C1-001' },
      { line: '3', residentNo: 'R2', certificateId: 'C2', programCode: 'KODOMO', historyKey: 'C2-001' },
      { line: '6', residentNo: 'R3', certificateId: 'C3', programCode: 'KODOMO', historyKey: 'C3-001' },
    ]);
    // Each line number is where that record starts in the CSV file.
    const lines = (await readFile(written.path, 'utf8')).split('\n');
    for (const key of keys) {
      const line = lines[Number(key.line) - 1] ?? '';
      assert.ok(line.startsWith(`KODOMO01,${myNumberOfN(Number(key.residentNo?.slice(1)))},`), `line ${key.line}`);
    }
  });

  it('numbers the first data row 1 when there is no header', async () => {
    const written = await writeFile([recordOf(1), recordOf(2)], { line_ending: 'lf', header: false });
    const keys: Array<Record<string, string>> = parse(await readFile(written.keysPath, 'utf8'), { columns: true });
    assert.deepEqual(keys.map((key) => key.line), ['1', '2']);
  });

  it('leaves only the final files after close, no .part file', async () => {
    const written = await writeFile([recordOf(1)]);
    const names = await readdir(dir);
    const base = written.path.slice(dir.length + 1);
    assert.ok(names.includes(base) && names.includes(`${base}.keys.csv`));
    assert.ok(!names.some((name) => name.startsWith(base) && name.endsWith('.part')));
  });

  it('shows nothing under the final names before close', async () => {
    const path = join(dir, 'in-progress.csv');
    const writer = await openOutputFile(csvLayout(), path);
    await writer.write(recordOf(1), sourceOf(1));
    const names = await readdir(dir);
    assert.ok(!names.includes('in-progress.csv') && !names.includes('in-progress.csv.keys.csv'));
    await writer.abort();
  });

  it('removes both files on abort, before and after close', async () => {
    const path = join(dir, 'aborted.csv');
    const writer = await openOutputFile(csvLayout(), path);
    for (let n = 1; n <= 1000; n++) await writer.write(recordOf(n), sourceOf(n));
    await writer.abort();
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('aborted.csv')), []);
    await assert.rejects(writer.write(recordOf(1), sourceOf(1)));

    const closedPath = join(dir, 'aborted-after-close.csv');
    const closed = await openOutputFile(csvLayout(), closedPath);
    await closed.write(recordOf(1), sourceOf(1));
    await closed.close();
    await closed.abort();
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('aborted-after-close.csv')), []);
  });

  it('refuses writes after close', async () => {
    const writer = await openOutputFile(csvLayout(), join(dir, 'closed.csv'));
    await writer.close();
    await assert.rejects(writer.write(recordOf(1), sourceOf(1)));
    await assert.rejects(writer.close());
  });

  it('keeps rows and key lines in call order when writes overlap', async () => {
    const path = join(dir, 'overlapping.csv');
    const writer = await openOutputFile(csvLayout({ line_ending: 'lf', header: true }), path);
    await Promise.all(Array.from({ length: 500 }, (_, index) => writer.write(recordOf(index + 1), sourceOf(index + 1))));
    const written = await writer.close();
    const rows: string[][] = parse(await readFile(written.path, 'utf8'), { from_line: 2 });
    assert.deepEqual(rows.map((row) => row[20]), Array.from({ length: 500 }, (_, index) => `C${index + 1}-001`));
    const keys: Array<Record<string, string>> = parse(await readFile(written.keysPath, 'utf8'), { columns: true });
    assert.deepEqual(keys.map((key) => `${key.line}:${key.residentNo}`), Array.from({ length: 500 }, (_, index) => `${index + 2}:R${index + 1}`));
  });

  it('fails to open in a folder that does not exist, leaving nothing behind', async () => {
    await assert.rejects(openOutputFile(csvLayout(), join(dir, 'missing', 'x.csv')), { code: 'ENOENT' });
  });

  it('keeps memory flat: 200,000 rows grow the RSS by less than 100 MB', async (t) => {
    const rows = 200_000;
    // A long address makes the file larger than the bound: a writer that held the file in
    // memory could not pass.
    const address = `架空県みなと市中央${'一丁目'.repeat(60)}`;
    const rssBefore = process.memoryUsage().rss;
    const writer = await openOutputFile(csvLayout(), join(dir, 'large.csv'));
    let peak = rssBefore;
    for (let n = 1; n <= rows; n++) {
      const record = recordOf(n);
      record.basicFiveInfo.address = address;
      await writer.write(record, sourceOf(n));
      if (n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const written = await writer.close();
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal(written.rows, rows);
    // The file itself is far larger than a flat writer's working set would be.
    assert.ok(written.bytes > 100 * 1024 * 1024, `file is ${written.bytes} bytes`);
    const grewMb = (peak - rssBefore) / (1024 * 1024);
    assert.ok(grewMb < 100, `RSS grew by ${grewMb.toFixed(1)} MB`);
    t.diagnostic(`200,000 rows, ${(written.bytes / 1048576).toFixed(0)} MB file, RSS grew by ${grewMb.toFixed(1)} MB`);
    await rm(written.path);
    await rm(written.keysPath);
  });
});
