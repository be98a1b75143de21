import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { PmhRecord, SourceKey } from '../../bot/records/pmh-record.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, type CsvSettings, type Layout, type OutputEncoding } from '../../bot/output/layout-file.ts';
import { openOutput, partFileName, type OutputPart } from '../../bot/output/output-writer.ts';
import { encodabilityProblems, isEncodable } from '../../bot/records/encodable.ts';
import { assertPublishedCheckDigits, myNumberOf, testRecord } from '../helpers/records.ts';

const defaultLayout = loadLayout(DEFAULT_LAYOUT_PATH);
const names = { type: 'KODOMO01', date: '20260401', run: 'R42' };

/** The default layout with some csv settings and top-level keys replaced. */
function layoutWith(csv: Partial<CsvSettings> = {}, top: Partial<Layout> = {}): Layout {
  return { ...defaultLayout, ...top, csv: { ...defaultLayout.csv, ...csv } };
}

const jsonLayout: Layout = { ...defaultLayout, format: 'json', file_name: 'pmh_{type}_{date}_{run}_{part}.json' };

let root: string;
before(async () => {
  assertPublishedCheckDigits();
  root = await mkdtemp(join(tmpdir(), 'pmh-output-writer-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let dirCounter = 0;
/** A fresh, empty output folder per test. */
async function freshDir(): Promise<string> {
  dirCounter += 1;
  const dir = join(root, `out-${dirCounter}`);
  await mkdir(dir);
  return dir;
}

/**
 * Record n of a varied set (fictional people): Japanese text in every text field, a comma
 * and double quotes in the address, nulls and values in the optional fields, both values
 * of each boolean, 髙 and ① (CP932 extensions) in some names.
 */
function recordOf(n: number, overrides: Partial<PmhRecord> = {}): PmhRecord {
  const names = ['山田 花子', '髙橋 一郎', '佐藤 ①子', '鈴木 次郎'];
  return testRecord(
    {
      myNumber: myNumberOf(String(n).padStart(11, '0')),
      isNotDisclosed: n % 2 === 0,
      isDeleted: n % 3 === 0,
      medicalSubsidyRecipientNumber: n % 2 === 0 ? null : '1234566',
      segment: n % 4 === 0 ? '乳幼児' : null,
      additionalConditions: n % 5 === 0 ? '01-1;02-3' : null,
      maxCopaymentAmount: n % 3 === 0 ? null : { monthlyLimitYen: 10000 + n },
      historyKey: `C${n}-001`,
      certificationDetail: [
        { itemName: '受給者証名', value: '子ども医療費受給者証' },
        { itemName: '備考', value: `通院・入院 "${n}" 回, 自己負担なし` },
      ],
      ...overrides,
    },
    { name: `${names[n % names.length]}${n}`, address: `架空県みなと市中央${n}丁目2番3号,"みなと荘"101` },
  );
}

const sourceOf = (n: number): SourceKey => ({ residentNo: `R${n}`, certificateId: `C${n}`, programCode: 'KODOMO' });

async function writeAll(layout: Layout, dir: string, records: PmhRecord[]): Promise<OutputPart[]> {
  const writer = await openOutput(layout, dir, names);
  for (const [index, record] of records.entries()) await writer.write(record, sourceOf(index + 1));
  return writer.close();
}

const nullable = new Set([
  'medicalSubsidyInsurerNumber', 'medicalSubsidyRecipientNumber', 'certificationSubKey', 'segment', 'incomeSegment',
  'additionalConditions', 'designatedMedicalInstitutions', 'maxCopaymentAmount',
]);

/** A CSV row read back into a record, independently of the writer: header → field by the layout. */
function recordFromRow(layout: Layout, row: string[]): PmhRecord {
  const record: Record<string, unknown> = { basicFiveInfo: {} };
  layout.columns.forEach((column, index) => {
    const cell = row[index] ?? assert.fail(`no cell ${index}`);
    const kind = column.type;
    let value: unknown = cell;
    if (kind === 'boolean') {
      value = layout.csv.booleans === 'one_zero' ? { '1': true, '0': false }[cell] : { true: true, false: false }[cell];
      assert.notEqual(value, undefined, `${column.field} "${cell}" is not a boolean`);
    } else if (cell === '' && nullable.has(column.field)) value = null;
    else if (kind === 'json') value = JSON.parse(cell);
    const [top, inner] = column.field.split('.');
    if (inner) (record.basicFiveInfo as Record<string, unknown>)[inner] = value;
    else record[top ?? ''] = value;
  });
  return record as unknown as PmhRecord;
}

async function readText(path: string, encoding: OutputEncoding): Promise<string> {
  const bytes = await readFile(path);
  if (encoding === 'cp932') return iconv.decode(bytes, 'cp932');
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
}

describe('openOutput, CSV', () => {
  for (const encoding of ['utf-8', 'utf-8-bom', 'cp932'] as const) {
    it(`round-trips records field by field in ${encoding}`, async () => {
      const layout = layoutWith({ encoding });
      const records = Array.from({ length: 8 }, (_, index) => recordOf(index + 1));
      const [part, ...more] = await writeAll(layout, await freshDir(), records);
      assert.ok(part);
      assert.deepEqual(more, []);
      let text = await readText(part.path, encoding);
      if (encoding === 'utf-8-bom') {
        assert.ok(text.startsWith('\ufeff'));
        text = text.slice(1);
      }
      const rows: string[][] = parse(text);
      assert.deepEqual(rows[0], defaultLayout.columns.map((column) => column.header));
      assert.equal(rows.length, 1 + records.length);
      rows.slice(1).forEach((row, index) => assert.deepEqual(recordFromRow(layout, row), records[index]));
      assert.equal(part.rows, records.length);
    });
  }

  it('writes the BOM first for utf-8-bom, and only then', async () => {
    for (const encoding of ['utf-8', 'utf-8-bom', 'cp932'] as const) {
      const [part] = await writeAll(layoutWith({ encoding }), await freshDir(), [recordOf(1)]);
      const bytes = await readFile(part?.path ?? assert.fail());
      const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
      assert.equal(hasBom, encoding === 'utf-8-bom', encoding);
      assert.equal(bytes[hasBom ? 3 : 0], 'o'.charCodeAt(0), `${encoding}: the header follows`);
      assert.equal(bytes.subarray(3).includes(Buffer.from([0xef, 0xbb, 0xbf])), false, 'one BOM only');
    }
  });

  it('writes CP932 bytes, not UTF-8, and counts and hashes the bytes as written', async () => {
    const [part] = await writeAll(layoutWith({ encoding: 'cp932' }), await freshDir(), [recordOf(1), recordOf(2)]);
    assert.ok(part);
    const bytes = await readFile(part.path);
    assert.ok(bytes.includes(iconv.encode('子ども医療費受給者証', 'cp932')));
    assert.ok(bytes.includes(Buffer.from([0xfb, 0xfc])), '髙 as its IBM extension code');
    assert.equal(bytes.includes(Buffer.from('子ども', 'utf8')), false);
    assert.equal(part.bytes, bytes.length);
    assert.equal(part.bytes, (await stat(part.path)).size);
    assert.equal(part.sha256, createHash('sha256').update(bytes).digest('hex'));
  });

  it('ends every line with CRLF or with LF as the layout says', async () => {
    const [crlf] = await writeAll(layoutWith({ line_ending: 'crlf' }), await freshDir(), [recordOf(1), recordOf(2)]);
    const crlfText = await readFile(crlf?.path ?? assert.fail(), 'utf8');
    assert.ok(crlfText.endsWith('\r\n'));
    assert.equal(crlfText.match(/\r\n/g)?.length, 3);
    assert.equal(crlfText.match(/\n/g)?.length, 3, 'no bare LF');
    const [lf] = await writeAll(layoutWith({ line_ending: 'lf' }), await freshDir(), [recordOf(1), recordOf(2)]);
    const lfText = await readFile(lf?.path ?? assert.fail(), 'utf8');
    assert.ok(!lfText.includes('\r'));
    assert.equal(lfText.match(/\n/g)?.length, 3);
  });

  it('quotes only what needs it by default, and every value (header and empty ones too) with quoting all', async () => {
    const record = recordOf(2);
    const [asNeeded] = await writeAll(layoutWith(), await freshDir(), [record]);
    const asNeededLines = (await readFile(asNeeded?.path ?? assert.fail(), 'utf8')).split('\r\n');
    assert.ok(asNeededLines[0]?.startsWith('orgSpecificCertificateTypeId,myNumber,'));
    assert.ok(asNeededLines[1]?.startsWith(`KODOMO01,${record.myNumber},`));
    assert.ok(asNeededLines[1]?.includes(',"架空県みなと市中央2丁目2番3号,""みなと荘""101",'));

    const layout = layoutWith({ quoting: 'all' });
    const [all] = await writeAll(layout, await freshDir(), [record]);
    const text = await readFile(all?.path ?? assert.fail(), 'utf8');
    const lines = text.split('\r\n');
    assert.ok(lines[0]?.startsWith('"orgSpecificCertificateTypeId","myNumber",'));
    assert.ok(lines[1]?.startsWith(`"KODOMO01","${record.myNumber}",`));
    assert.ok(lines[1]?.includes(',"",'), 'an empty value is quoted');
    // Every cell of every line is quoted: stripping "..." cells and commas leaves nothing.
    for (const line of lines.slice(0, 2)) assert.equal(line.replace(/"(?:[^"]|"")*"/g, '').replace(/,/g, ''), '');
    const rows: string[][] = parse(text);
    assert.deepEqual(recordFromRow(layout, rows[1] ?? []), record);
  });

  it('writes the flags as 1 / 0 with booleans one_zero', async () => {
    const layout = layoutWith({ booleans: 'one_zero' });
    const records = [recordOf(1), recordOf(6)]; // 1: disclosed, not deleted; 6: not disclosed, deleted
    const [part] = await writeAll(layout, await freshDir(), records);
    const rows: string[][] = parse(await readFile(part?.path ?? assert.fail(), 'utf8'));
    assert.deepEqual([rows[1]?.[7], rows[1]?.[21]], ['0', '0']);
    assert.deepEqual([rows[2]?.[7], rows[2]?.[21]], ['1', '1']);
    assert.deepEqual(recordFromRow(layout, rows[2] ?? []), records[1]);
  });

  it('leaves the header row out when the layout says so', async () => {
    const [part] = await writeAll(layoutWith({ header: false }), await freshDir(), [recordOf(1)]);
    const rows: string[][] = parse(await readFile(part?.path ?? assert.fail(), 'utf8'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.[0], 'KODOMO01');
    const keys: Array<Record<string, string>> = parse(await readFile(part?.keysPath ?? assert.fail(), 'utf8'), { columns: true });
    assert.equal(keys[0]?.line, '1');
  });

  it('writes columns in the layout\'s order under its headers', async () => {
    const reversed = [...defaultLayout.columns].reverse().map((column) => ({ ...column, header: `列_${column.header}` }));
    const layout = layoutWith({}, { columns: reversed });
    const record = recordOf(1);
    const [part] = await writeAll(layout, await freshDir(), [record]);
    const rows: string[][] = parse(await readFile(part?.path ?? assert.fail(), 'utf8'));
    assert.equal(rows[0]?.[0], '列_certificationDetail');
    assert.equal(rows[1]?.[22], 'KODOMO01');
    assert.deepEqual(recordFromRow(layout, rows[1] ?? []), record);
  });

  it('names the key map\'s lines where each record starts, line breaks inside fields counted', async () => {
    const multiLine = recordOf(2, { designatedMedicalInstitutions: '架空病院\n架空診療所\r\nみなと薬局' });
    const [part] = await writeAll(layoutWith({ encoding: 'cp932' }), await freshDir(), [recordOf(1), multiLine, recordOf(3)]);
    assert.ok(part);
    assert.equal(part.keysPath, `${part.path}.keys.csv`);
    const keysText = await readFile(part.keysPath, 'utf8');
    assert.equal(keysText.split('\n')[0], 'line,residentNo,certificateId,programCode,historyKey');
    assert.ok(!keysText.includes('\r'), 'the key map uses LF');
    const keys: Array<Record<string, string>> = parse(keysText, { columns: true });
    assert.deepEqual(keys, [
      { line: '2', residentNo: 'R1', certificateId: 'C1', programCode: 'KODOMO', historyKey: 'C1-001' },
      { line: '3', residentNo: 'R2', certificateId: 'C2', programCode: 'KODOMO', historyKey: 'C2-001' },
      { line: '6', residentNo: 'R3', certificateId: 'C3', programCode: 'KODOMO', historyKey: 'C3-001' },
    ]);
    const lines = (await readText(part.path, 'cp932')).split('\n');
    for (const key of keys) assert.ok(lines[Number(key.line) - 1]?.startsWith(`KODOMO01,${recordOf(Number(key.residentNo?.slice(1))).myNumber},`));
  });
});

describe('openOutput, splitting', () => {
  it('splits 7 records at max 3 rows into parts of 3, 3 and 1, each with its header and key map', async () => {
    const dir = await freshDir();
    const records = Array.from({ length: 7 }, (_, index) => recordOf(index + 1));
    const parts = await writeAll(layoutWith({}, { max_rows_per_file: 3 }), dir, records);
    assert.deepEqual(parts.map((part) => [part.part, part.rows]), [[1, 3], [2, 3], [3, 1]]);
    assert.deepEqual(
      parts.map((part) => part.path),
      ['001', '002', '003'].map((number) => join(dir, `pmh_KODOMO01_20260401_R42_${number}.csv`)),
    );
    let next = 0;
    for (const part of parts) {
      const bytes = await readFile(part.path);
      assert.equal(part.bytes, bytes.length);
      assert.equal(part.sha256, createHash('sha256').update(bytes).digest('hex'));
      const rows: string[][] = parse(bytes.toString('utf8'));
      assert.deepEqual(rows[0], defaultLayout.columns.map((column) => column.header), `part ${part.part} header`);
      const keys: Array<Record<string, string>> = parse(await readFile(part.keysPath, 'utf8'), { columns: true });
      assert.deepEqual(keys.map((key) => key.line), rows.slice(1).map((_, index) => String(index + 2)));
      for (const [index, row] of rows.slice(1).entries()) {
        next += 1;
        assert.deepEqual(recordFromRow(defaultLayout, row), records[next - 1]);
        assert.equal(keys[index]?.residentNo, `R${next}`);
      }
    }
    assert.equal(next, 7);
    assert.deepEqual((await readdir(dir)).sort(), parts.flatMap((part) => [part.path, part.keysPath]).map((path) => path.slice(dir.length + 1)).sort());
  });

  it('splits by bytes without splitting a record, the BOM and header counted in every part', async () => {
    const layout = layoutWith({ encoding: 'utf-8-bom' });
    const records = Array.from({ length: 9 }, () => recordOf(1)); // all rows the same size
    const [single] = await writeAll(layout, await freshDir(), records.slice(0, 1));
    const [double] = await writeAll(layout, await freshDir(), records.slice(0, 2));
    assert.ok(single && double);
    const rowBytes = double.bytes - single.bytes;
    // Room for exactly two rows: the third would pass the limit by one byte.
    const limit = single.bytes + rowBytes + rowBytes - 1;
    const parts = await writeAll(layoutWith({ encoding: 'utf-8-bom' }, { max_bytes_per_file: limit }), await freshDir(), records);
    assert.deepEqual(parts.map((part) => part.rows), [2, 2, 2, 2, 1]);
    for (const part of parts) {
      const bytes = await readFile(part.path);
      assert.ok(bytes.length <= limit, `part ${part.part}: ${bytes.length} > ${limit}`);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], `part ${part.part} has its BOM`);
      const rows: string[][] = parse(bytes.subarray(3).toString('utf8'));
      assert.equal(rows.length, 1 + part.rows);
    }
    // Exactly at the limit still fits.
    const exact = await writeAll(layoutWith({ encoding: 'utf-8-bom' }, { max_bytes_per_file: limit + 1 }), await freshDir(), records.slice(0, 3));
    assert.deepEqual(exact.map((part) => part.rows), [3]);
  });

  it('puts a record larger than the byte limit alone into its own part', async () => {
    const big = recordOf(2, { designatedMedicalInstitutions: '架空病院'.repeat(500) });
    const parts = await writeAll(layoutWith({}, { max_bytes_per_file: 2000 }), await freshDir(), [recordOf(1), big, recordOf(3)]);
    assert.deepEqual(parts.map((part) => part.rows), [1, 1, 1]);
    assert.ok((parts[1]?.bytes ?? 0) > 2000);
  });

  it('adds _002 before the extension when the file name has no {part}, the first part keeping the plain name', async () => {
    const dir = await freshDir();
    const parts = await writeAll(layoutWith({}, { file_name: 'pmh_{type}_{run}.csv', max_rows_per_file: 2 }), dir, [1, 2, 3, 4, 5].map((n) => recordOf(n)));
    assert.deepEqual(parts.map((part) => part.path.slice(dir.length + 1)), ['pmh_KODOMO01_R42.csv', 'pmh_KODOMO01_R42_002.csv', 'pmh_KODOMO01_R42_003.csv']);
    assert.deepEqual(parts.map((part) => part.keysPath.slice(dir.length + 1)), ['pmh_KODOMO01_R42.csv.keys.csv', 'pmh_KODOMO01_R42_002.csv.keys.csv', 'pmh_KODOMO01_R42_003.csv.keys.csv']);
    assert.equal(partFileName('pmh_{run}', names, 2), 'pmh_R42_002', 'no extension: appended');
    assert.equal(partFileName('{date}-{part}.txt', names, 12), '20260401-012.txt');
  });

  it('keeps rows and key lines in call order when writes overlap across parts', async () => {
    const writer = await openOutput(layoutWith({ line_ending: 'lf' }, { max_rows_per_file: 70 }), await freshDir(), names);
    await Promise.all(Array.from({ length: 500 }, (_, index) => writer.write(recordOf(index + 1), sourceOf(index + 1))));
    const parts = await writer.close();
    assert.equal(parts.length, 8);
    const historyKeys: string[] = [];
    const residents: string[] = [];
    for (const part of parts) {
      const rows: string[][] = parse(await readFile(part.path, 'utf8'), { from_line: 2 });
      historyKeys.push(...rows.map((row) => row[20] ?? ''));
      const keys: Array<Record<string, string>> = parse(await readFile(part.keysPath, 'utf8'), { columns: true });
      assert.deepEqual(keys.map((key) => key.line), rows.map((_, index) => String(index + 2)));
      residents.push(...keys.map((key) => key.residentNo ?? ''));
    }
    assert.deepEqual(historyKeys, Array.from({ length: 500 }, (_, index) => `C${index + 1}-001`));
    assert.deepEqual(residents, Array.from({ length: 500 }, (_, index) => `R${index + 1}`));
  });
});

describe('openOutput, JSON', () => {
  it('writes the API\'s array shape that JSON.parse reads back record for record', async () => {
    const dir = await freshDir();
    const records = Array.from({ length: 5 }, (_, index) => recordOf(index + 1));
    const [part, ...more] = await writeAll(jsonLayout, dir, records);
    assert.ok(part);
    assert.deepEqual(more, []);
    assert.equal(part.path, join(dir, 'pmh_KODOMO01_20260401_R42_001.json'));
    const text = await readFile(part.path, 'utf8');
    assert.ok(text.startsWith('[{"orgSpecificCertificateTypeId":"KODOMO01","myNumber":'));
    const parsed: unknown = JSON.parse(text);
    assert.deepEqual(parsed, records);
    const first = (parsed as unknown as Array<Record<string, unknown>>)[1] ?? {};
    assert.equal(first.isNotDisclosed, true, 'a JSON boolean');
    assert.equal(first.medicalSubsidyRecipientNumber, null, 'a JSON null');
    assert.deepEqual(Object.keys(first.basicFiveInfo as object), ['name', 'nameKana', 'address', 'dateOfBirth', 'sex']);
    assert.deepEqual(Object.keys(first), Object.keys(testRecord()), 'the published field order');
    assert.equal(part.bytes, Buffer.byteLength(text));
  });

  it('names each record by its 1-based index in the key map, which is also its line', async () => {
    const records = [recordOf(1), recordOf(2, { designatedMedicalInstitutions: '架空病院\nみなと薬局' }), recordOf(3)];
    const [part] = await writeAll(jsonLayout, await freshDir(), records);
    assert.ok(part);
    const keys: Array<Record<string, string>> = parse(await readFile(part.keysPath, 'utf8'), { columns: true });
    assert.deepEqual(keys.map((key) => `${key.line}:${key.residentNo}`), ['1:R1', '2:R2', '3:R3']);
    const lines = (await readFile(part.path, 'utf8')).split('\n');
    assert.equal(lines.length, 4, 'three record lines and the empty one after the closing bracket');
    for (const [index, line] of lines.slice(0, 3).entries()) assert.ok(line.includes(`"historyKey":"C${index + 1}-001"`));
  });

  it('splits into complete arrays', async () => {
    const records = Array.from({ length: 5 }, (_, index) => recordOf(index + 1));
    const parts = await writeAll({ ...jsonLayout, max_rows_per_file: 2 }, await freshDir(), records);
    assert.deepEqual(parts.map((part) => part.rows), [2, 2, 1]);
    const back = [];
    for (const part of parts) back.push(...(JSON.parse(await readFile(part.path, 'utf8')) as unknown[]));
    assert.deepEqual(back, records);
  });
});

describe('openOutput, life cycle', () => {
  it('produces no file and returns [] when nothing was written', async () => {
    const dir = await freshDir();
    const writer = await openOutput(defaultLayout, dir, names);
    assert.deepEqual(await writer.close(), []);
    assert.deepEqual(await readdir(dir), []);
  });

  it('shows nothing under the final names before close', async () => {
    const dir = await freshDir();
    const writer = await openOutput(layoutWith({}, { max_rows_per_file: 1 }), dir, names);
    for (let n = 1; n <= 3; n++) await writer.write(recordOf(n), sourceOf(n));
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the retired parts finish
    const listed = await readdir(dir);
    assert.ok(listed.length > 0 && listed.every((name) => name.endsWith('.part')), listed.join(', '));
    await writer.abort();
  });

  it('removes every part and key map on abort, before and after close', async () => {
    const dir = await freshDir();
    const writer = await openOutput(layoutWith({}, { max_rows_per_file: 300 }), dir, names);
    for (let n = 1; n <= 1000; n++) await writer.write(recordOf(n), sourceOf(n));
    await writer.abort();
    assert.deepEqual(await readdir(dir), []);
    await assert.rejects(writer.write(recordOf(1), sourceOf(1)));

    const closed = await openOutput(layoutWith({}, { max_rows_per_file: 2 }), dir, names);
    for (let n = 1; n <= 5; n++) await closed.write(recordOf(n), sourceOf(n));
    assert.equal((await closed.close()).length, 3);
    assert.equal((await readdir(dir)).length, 6);
    await closed.abort();
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses writes after close, and a second close', async () => {
    const writer = await openOutput(defaultLayout, await freshDir(), names);
    await writer.write(recordOf(1), sourceOf(1));
    await writer.close();
    await assert.rejects(writer.write(recordOf(1), sourceOf(1)));
    await assert.rejects(writer.close());
  });

  it('fails to open on a folder that does not exist', async () => {
    await assert.rejects(openOutput(defaultLayout, join(root, 'missing'), names), { code: 'ENOENT' });
  });

  it('refuses a name value that would leave the folder', async () => {
    await assert.rejects(openOutput(defaultLayout, await freshDir(), { ...names, run: '../x' }), /run/);
  });

  it('refuses a record CP932 cannot hold, naming the field and never the value', async () => {
    const dir = await freshDir();
    const writer = await openOutput(layoutWith({ encoding: 'cp932' }), dir, names);
    await writer.write(recordOf(1), sourceOf(1));
    await writer.write(recordOf(2), sourceOf(2));
    const bad = testRecord({}, { name: '𠮷田 太郎' });
    await assert.rejects(writer.write(bad, sourceOf(3)), (e: Error) => e.message.includes('basicFiveInfo.name') && !e.message.includes('𠮷') && !e.message.includes('太郎'));
    const [part] = await writer.close();
    assert.equal(part?.rows, 2, 'the refused record is not in the file');
  });

  it('keeps memory flat: 200,000 CP932 records in 100 MiB parts grow the RSS by less than 100 MB', async (t) => {
    const rows = 200_000;
    // A long address makes the output larger than the bound: a writer that held a part in
    // memory could not pass.
    const address = `架空県みなと市中央${'一丁目'.repeat(60)}`;
    const dir = await freshDir();
    const rssBefore = process.memoryUsage().rss;
    const writer = await openOutput(layoutWith({ encoding: 'cp932' }, { max_rows_per_file: null }), dir, names);
    let peak = rssBefore;
    for (let n = 1; n <= rows; n++) {
      const record = recordOf(n);
      record.basicFiveInfo.address = address;
      await writer.write(record, sourceOf(n));
      if (n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const parts = await writer.close();
    peak = Math.max(peak, process.memoryUsage().rss);
    const total = parts.reduce((sum, part) => sum + part.bytes, 0);
    assert.equal(parts.reduce((sum, part) => sum + part.rows, 0), rows);
    assert.ok(total > 100 * 1024 * 1024, `output is ${total} bytes`);
    assert.ok(parts.length >= 2 && parts.every((part) => part.bytes <= 104857600), 'split at 100 MiB');
    const grewMb = (peak - rssBefore) / (1024 * 1024);
    assert.ok(grewMb < 100, `RSS grew by ${grewMb.toFixed(1)} MB`);
    t.diagnostic(`200,000 records, ${parts.length} parts, ${(total / 1048576).toFixed(0)} MB, RSS grew by ${grewMb.toFixed(1)} MB`);
    await rm(dir, { recursive: true });
  });
});

describe('encodabilityProblems', () => {
  const withName = (name: string): PmhRecord => testRecord({}, { name });
  const fieldsOf = (record: PmhRecord, encoding: OutputEncoding): string[] =>
    encodabilityProblems(record, encoding).map((problem) => `${problem.field}:${problem.code}`);

  it('accepts 髙 (an IBM extension in CP932: iconv-lite writes FB FC and reads it back)', () => {
    assert.deepEqual([...iconv.encode('髙', 'cp932')], [0xfb, 0xfc]);
    assert.deepEqual(fieldsOf(withName('髙橋 一郎'), 'cp932'), []);
  });

  it('accepts ① (an NEC special character in CP932)', () => {
    assert.deepEqual(fieldsOf(withName('佐藤 ①子'), 'cp932'), []);
  });

  it('holds back 𠮷 (outside CP932) on the field it is in, in CP932 only', () => {
    assert.deepEqual(fieldsOf(withName('𠮷田 太郎'), 'cp932'), ['basicFiveInfo.name:NotEncodable']);
    assert.deepEqual(fieldsOf(withName('𠮷田 太郎'), 'utf-8'), []);
    assert.deepEqual(fieldsOf(withName('𠮷田 太郎'), 'utf-8-bom'), []);
  });

  it('holds back a private-use (gaiji) character in CP932: iconv-lite does not map the user-defined area', () => {
    assert.deepEqual(fieldsOf(testRecord({}, { address: '架空県みなと市\ue000町1-2' }), 'cp932'), ['basicFiveInfo.address:NotEncodable']);
    assert.deepEqual(fieldsOf(testRecord({}, { address: '架空県みなと市\ue000町1-2' }), 'utf-8'), []);
  });

  it('holds back a look-alike that would not read back (¥ becomes \\) and the wave dash CP932 lacks', () => {
    assert.deepEqual(fieldsOf(testRecord({ incomeSegment: '上限¥10000' }), 'cp932'), ['incomeSegment:NotEncodable']);
    assert.deepEqual(fieldsOf(testRecord({ segment: '1〜3歳' }), 'cp932'), ['segment:NotEncodable']);
  });

  it('checks the nested text: certificate face items and the certificate name', () => {
    const record = testRecord({
      certificationName: '𠮷医療証',
      certificationDetail: [
        { itemName: '受給者証名', value: '子ども医療費受給者証' },
        { itemName: '備考', value: '𠮷' },
      ],
    });
    assert.deepEqual(fieldsOf(record, 'cp932'), ['certificationName:NotEncodable', 'certificationDetail[1].value:NotEncodable']);
  });

  it('holds back an unpaired surrogate in UTF-8 too', () => {
    assert.deepEqual(fieldsOf(withName('山田 \ud842'), 'utf-8'), ['basicFiveInfo.name:NotEncodable']);
    assert.deepEqual(fieldsOf(withName('山田 \ud842'), 'cp932'), ['basicFiveInfo.name:NotEncodable']);
  });

  it('accepts every ASCII character and plain records in every encoding', () => {
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
    for (const encoding of ['utf-8', 'utf-8-bom', 'cp932'] as const) {
      assert.equal(isEncodable(ascii, encoding), true, encoding);
      assert.deepEqual(fieldsOf(testRecord(), encoding), [], encoding);
    }
    // The fast path must agree with iconv-lite itself.
    assert.equal(iconv.decode(iconv.encode(ascii, 'cp932'), 'cp932'), ascii);
  });

  it('never puts the value in the reason', () => {
    const record = testRecord({ certificationDetail: [{ itemName: '備考', value: '𠮷' }] }, { name: '𠮷田 太郎', address: '架空県\ue000' });
    const problems = [...encodabilityProblems(record, 'cp932'), ...encodabilityProblems(withName('山田 \ud842'), 'utf-8')];
    assert.equal(problems.length, 4);
    for (const { reason } of problems) {
      for (const text of [reason.ja, reason.en]) {
        for (const value of ['𠮷', '太郎', '架空県', '\ue000', '\ud842', '山田']) assert.ok(!text.includes(value), `${text} holds ${value}`);
      }
      assert.match(reason.ja, /文字コード|UTF-8/);
    }
  });

  it('checks 100,000 Japanese records quickly (characters are looked up once)', (t) => {
    const records = Array.from({ length: 1000 }, (_, index) => recordOf(index + 1));
    const started = performance.now();
    let problems = 0;
    for (let round = 0; round < 100; round++) for (const record of records) problems += encodabilityProblems(record, 'cp932').length;
    const ms = performance.now() - started;
    assert.equal(problems, 0);
    t.diagnostic(`100,000 records checked for CP932 in ${ms.toFixed(0)} ms`);
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  });
});
