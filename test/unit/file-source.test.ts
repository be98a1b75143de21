/**
 * Reading EUC export files: CSV, TSV and fixed width in UTF-8 or CP932, written here as
 * real files with fake people. Values come out as written; 外字 and undecodable bytes come
 * out too, for the normalisers to report; a file that cannot be used fails as a whole.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import type { FileSourceConfig } from '../../config/schema.ts';
import { PmhBotError } from '../../core/errors.ts';
import { readFileSource } from '../../extractors/file-source.ts';
import type { SourceRow } from '../../extractors/sql-source.ts';
import { UnreadableValue, code, date, integer, text } from '../../extractors/normalise.ts';

const dir = mkdtempSync(join(tmpdir(), 'pmh-file-source-'));

function fixture(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const cp932 = (value: string): Buffer => iconv.encode(value, 'cp932');

async function readAll(config: FileSourceConfig, name = 'registry'): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of readFileSource(name, config)) rows.push(row);
  return rows;
}

/** Asserts the read fails as a whole, as a business error naming the source and file; returns the detail. */
async function failure(config: FileSourceConfig): Promise<string> {
  let detail = '';
  await assert.rejects(readAll(config), (error: unknown) => {
    assert.ok(error instanceof PmhBotError, String(error));
    assert.equal(error.code, 'ExportFileInvalid');
    assert.equal(error.kind, 'business');
    assert.equal(error.params.source, 'registry');
    assert.equal(error.params.file, config.path);
    detail = String(error.params.detail);
    return true;
  });
  return detail;
}

function unreadable(read: () => unknown): { ja: string; en: string } {
  try {
    read();
  } catch (error) {
    if (error instanceof UnreadableValue) return error.detail;
    throw error;
  }
  return assert.fail('expected the value to be unreadable');
}

describe('CSV files', () => {
  it('reads a CP932 CSV by header label: half-width kana, era dates, full-width digits, a quoted comma', async () => {
    const path = fixture('persons.csv', cp932([
      '宛名番号,氏名,氏名カナ,生年月日,住所,負担上限額,sex_code',
      '０００１,試験　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,H31.4.30,"架空県みなと市海岸1-2,3号",12,000,1',
      '0002,試験　花子 ,ｼｹﾝ ﾊﾅｺ,令和元年5月1日,架空県みなと市山手4,"１２，０００",2',
      '0003,,,,,,',
      '',
    ].join('\r\n').replace('12,000,1', '"12,000",1')));
    const rows = await readAll({
      client: 'file', path, format: 'csv', encoding: 'cp932', header: true,
      columns: [
        { name: 'resident_no', field: '宛名番号' },
        { name: 'name', field: '氏名' },
        { name: 'name_kana', field: '氏名カナ' },
        { name: 'address', field: '住所' },
        { name: 'date_of_birth', field: '生年月日' },
        { name: 'copay_cap_yen', field: '負担上限額' },
        { name: 'sex_code' },
      ],
    });
    assert.deepEqual(rows, [
      { resident_no: '０００１', name: '試験　太郎', name_kana: 'ﾔﾏﾀﾞ ﾀﾛｳ', address: '架空県みなと市海岸1-2,3号', date_of_birth: 'H31.4.30', copay_cap_yen: '12,000', sex_code: '1' },
      { resident_no: '0002', name: '試験　花子 ', name_kana: 'ｼｹﾝ ﾊﾅｺ', address: '架空県みなと市山手4', date_of_birth: '令和元年5月1日', copay_cap_yen: '１２，０００', sex_code: '2' },
      { resident_no: '0003', name: '', name_kana: '', address: '', date_of_birth: '', copay_cap_yen: '', sex_code: '' },
    ]);
    const [first, second] = rows;
    assert.equal(code(first!.resident_no, 'resident_no'), '0001');
    assert.equal(date(first!.date_of_birth, 'date_of_birth'), '2019-04-30');
    assert.equal(date(second!.date_of_birth, 'date_of_birth'), '2019-05-01');
    assert.equal(integer(second!.copay_cap_yen, 'copay_cap_yen'), 12000);
    assert.equal(text(second!.name, 'name'), '試験　花子');
  });

  it('lets 外字 and undecodable CP932 bytes through, for text() to hold the record back', async () => {
    const path = fixture('gaiji.csv', Buffer.concat([
      cp932('宛名番号,氏名,住所\r\n0001,試験'),
      Buffer.from([0xf0, 0x40]), // first user-defined-area character: U+E000
      cp932('郎,架空県みなと市1\r\n0002,試験'),
      Buffer.from([0x85, 0x40]), // 0x85 is no lead byte in CP932: U+FFFD, then '@'
      cp932('花子,架空県みなと市2\r\n0003,試験　次郎'),
      Buffer.from([0x81]), // a lone lead byte right before the delimiter
      cp932(',架空県みなと市3\r\n0004,試験　三郎,架空県みなと市〓町\r\n'),
    ]));
    const rows = await readAll({
      client: 'file', path, format: 'csv', encoding: 'cp932', header: true,
      columns: [{ name: 'resident_no', field: '宛名番号' }, { name: 'name', field: '氏名' }, { name: 'address', field: '住所' }],
    });
    assert.deepEqual(rows.map((r) => r.resident_no), ['0001', '0002', '0003', '0004'], 'every record comes out');
    assert.equal(rows[0]!.name, '試験\uE000郎');
    assert.equal(rows[1]!.name, '試験\uFFFD@花子');
    assert.equal(rows[2]!.name, '試験　次郎\uFFFD');
    assert.equal(rows[2]!.address, '架空県みなと市3', 'the bad byte does not swallow the delimiter');
    assert.match(unreadable(() => text(rows[0]!.name, 'name')).ja, /外字/);
    assert.match(unreadable(() => text(rows[1]!.name, 'name')).ja, /文字化け/);
    assert.match(unreadable(() => text(rows[2]!.name, 'name')).ja, /文字化け/);
    assert.match(unreadable(() => text(rows[3]!.address, 'address')).ja, /外字/);
  });

  it('reads a UTF-8 CSV without a BOM, and one with a BOM without the BOM sticking to the first label', async () => {
    const body = 'resident_no,name\n0001,試験　太郎\n0002,"試験 ""愛称"" 花子"\n';
    for (const [file, bytes] of [['plain.csv', Buffer.from(body)], ['bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)])]] as const) {
      const rows = await readAll({
        client: 'file', path: fixture(file, bytes), format: 'csv', encoding: 'utf-8', header: true,
        columns: [{ name: 'resident_no' }, { name: 'name' }],
      });
      assert.deepEqual(rows, [{ resident_no: '0001', name: '試験　太郎' }, { resident_no: '0002', name: '試験 "愛称" 花子' }], file);
    }
  });

  it('keeps multi-byte characters whole across read-chunk boundaries', async () => {
    const lines = ['resident_no,name'];
    for (let i = 0; i < 5000; i += 1) lines.push(`${String(i).padStart(6, '0')},試験　太郎${i}ﾀﾛｳ`);
    for (const encoding of ['utf-8', 'cp932'] as const) {
      const text = `${lines.join('\r\n')}\r\n`;
      const path = fixture(`many-${encoding}.csv`, encoding === 'cp932' ? cp932(text) : Buffer.from(text));
      const rows = await readAll({ client: 'file', path, format: 'csv', encoding, header: true, columns: [{ name: 'resident_no' }, { name: 'name' }] });
      assert.equal(rows.length, 5000);
      rows.forEach((row, i) => assert.equal(row.name, `試験　太郎${i}ﾀﾛｳ`, `${encoding} row ${i}`));
    }
  });

  it('ignores a trailing DOS EOF byte and empty lines', async () => {
    const path = fixture('eof.csv', Buffer.concat([cp932('a,b\r\n1,2\r\n\r\n3,4\r\n'), Buffer.from([0x1a])]));
    const rows = await readAll({ client: 'file', path, format: 'csv', encoding: 'cp932', header: true, columns: [{ name: 'a' }, { name: 'b' }] });
    assert.deepEqual(rows, [{ a: '1', b: '2' }, { a: '3', b: '4' }]);
  });

  it('fails naming the file and the label when the header lacks a configured label', async () => {
    const path = fixture('nolabel.csv', cp932('宛名番号,氏名\r\n0001,試験　太郎\r\n'));
    const detail = await failure({
      client: 'file', path, format: 'csv', encoding: 'cp932', header: true,
      columns: [{ name: 'resident_no', field: '宛名番号' }, { name: 'name_kana', field: '氏名カナ' }],
    });
    assert.match(detail, /氏名カナ/);
    assert.match(detail, /name_kana/);
  });

  it('fails naming the line when a record has the wrong number of fields', async () => {
    const path = fixture('ragged.csv', 'resident_no,name\n0001,試験　太郎\n0002\n0003,試験　花子\n');
    const detail = await failure({ client: 'file', path, format: 'csv', encoding: 'utf-8', header: true, columns: [{ name: 'resident_no' }, { name: 'name' }] });
    assert.match(detail, /line 3: 1 fields where the first record has 2/);
  });

  it('fails on broken quoting naming the line but not the content', async () => {
    const path = fixture('quote.csv', 'resident_no,name\n0001,試験"太郎\n');
    const detail = await failure({ client: 'file', path, format: 'csv', encoding: 'utf-8', header: true, columns: [{ name: 'resident_no' }, { name: 'name' }] });
    assert.match(detail, /line 2/);
    assert.doesNotMatch(detail, /試験|太郎/);
  });

  it('fails when a field number is beyond the records, or the file is missing', async () => {
    const path = fixture('short.csv', '0001,試験　太郎\n');
    assert.match(await failure({ client: 'file', path, format: 'csv', encoding: 'utf-8', header: false, columns: [{ name: 'resident_no' }, { name: 'name', field: 3 }] }), /field 3.*2 fields/);
    await assert.rejects(readAll({ client: 'file', path: join(dir, 'gone.csv'), format: 'csv', encoding: 'utf-8', header: false, columns: [{ name: 'a' }] }), (error: unknown) => {
      assert.ok(error instanceof PmhBotError);
      assert.equal(error.code, 'ExportFileMissing');
      assert.equal(error.kind, 'system', 'the export may not have run yet: a later run can succeed');
      assert.match(error.describeIn('ja').message, /gone\.csv/);
      return true;
    });
    assert.match(await failure({ client: 'file', path: fixture('empty.csv', ''), format: 'csv', encoding: 'utf-8', header: true, columns: [{ name: 'a' }] }), /no header/);
  });
});

describe('TSV files', () => {
  it('reads a UTF-8 TSV with a BOM by field number, with no quoting: a double quote is an ordinary character', async () => {
    const path = fixture('support.tsv', Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('試験　太郎\t"身長6"\t0001\t1\r\n"試験 花子\t\t0002\t０\r\n'),
    ]));
    const rows = await readAll({
      client: 'file', path, format: 'tsv', encoding: 'utf-8-bom', header: false,
      columns: [{ name: 'name' }, { name: 'memo' }, { name: 'resident_no', field: 3 }, { name: 'is_not_disclosed', field: 4 }],
    });
    assert.deepEqual(rows, [
      { name: '試験　太郎', memo: '"身長6"', resident_no: '0001', is_not_disclosed: '1' },
      { name: '"試験 花子', memo: '', resident_no: '0002', is_not_disclosed: '０' },
    ]);
  });
});

describe('fixed-width files', () => {
  // resident_no 1-10, name 11-30 (10 full-width), kana 31-50 (20 half-width), birth 51-59, sex 60.
  const columns = [
    { name: 'resident_no', start: 1, length: 10 },
    { name: 'name', start: 11, length: 20 },
    { name: 'name_kana', start: 31, length: 20 },
    { name: 'date_of_birth', start: 51, length: 9 },
    { name: 'sex_code', start: 60, length: 1 },
  ];
  const pad = (bytes: Buffer, length: number, filler: Buffer): Buffer => {
    const parts = [bytes];
    for (let n = bytes.length; n < length; n += filler.length) parts.push(filler);
    return Buffer.concat(parts);
  };
  const line = (no: string, name: string, kana: string, born: string, sex: string): Buffer => Buffer.concat([
    pad(cp932(no), 10, cp932(' ')),
    pad(cp932(name), 20, cp932('　')),
    pad(cp932(kana), 20, cp932(' ')),
    pad(cp932(born), 9, cp932(' ')),
    cp932(sex),
  ]);

  it('cuts columns by CP932 bytes: 2 per full-width character, 1 per half-width kana; CRLF and a trailing 0x1A', async () => {
    const crlf = Buffer.from('\r\n');
    const path = fixture('persons.dat', Buffer.concat([
      line('0000000001', '試験　太郎', 'ｼｹﾝ ﾀﾛｳ', 'R06.04.01', '1'), crlf,
      line('0000000002', '試験　花子', 'ﾔﾏﾀﾞ ﾊﾅｺ', '5060401', '2'), crlf,
      line('0000000003', '架空　次郎', 'ｶｸｳ ｼﾞﾛｳ', 'S64.1.7', '1').subarray(0, 55), crlf, // cut inside the birth date
      Buffer.from([0x1a]),
    ]));
    const rows = await readAll({ client: 'file', path, format: 'fixed', encoding: 'cp932', header: false, columns });
    assert.deepEqual(rows, [
      { resident_no: '0000000001', name: '試験　太郎　　　　　', name_kana: 'ｼｹﾝ ﾀﾛｳ'.padEnd(20), date_of_birth: 'R06.04.01', sex_code: '1' },
      { resident_no: '0000000002', name: '試験　花子　　　　　', name_kana: 'ﾔﾏﾀﾞ ﾊﾅｺ'.padEnd(20), date_of_birth: '5060401  ', sex_code: '2' },
      { resident_no: '0000000003', name: '架空　次郎　　　　　', name_kana: 'ｶｸｳ ｼﾞﾛｳ'.padEnd(20), date_of_birth: 'S64.1', sex_code: '' },
    ]);
    assert.equal(text(rows[0]!.name, 'name'), '試験　太郎');
    assert.equal(date(rows[1]!.date_of_birth, 'date_of_birth'), '2024-04-01');
  });

  it('reads LF lines, a last line without a break, and skips a header line when told', async () => {
    const path = fixture('lf.dat', Buffer.concat([
      cp932('HEADER LINE\n'),
      line('0000000001', '試験　太郎', 'ｼｹﾝ ﾀﾛｳ', 'H31.4.30', '1'), Buffer.from('\n'),
      line('0000000002', '試験　花子', 'ｼｹﾝ ﾊﾅｺ', 'R1.5.1', '2'),
    ]));
    const rows = await readAll({ client: 'file', path, format: 'fixed', encoding: 'cp932', header: true, columns });
    assert.deepEqual(rows.map((r) => [r.resident_no, r.sex_code]), [['0000000001', '1'], ['0000000002', '2']]);
  });

  it('decodes a full-width character cut by a column boundary to U+FFFD, not to a wrong character', async () => {
    const path = fixture('cut.dat', Buffer.concat([cp932('0001'), cp932('試験太郎'), Buffer.from('\r\n')]));
    const rows = await readAll({
      client: 'file', path, format: 'fixed', encoding: 'cp932', header: false,
      columns: [{ name: 'resident_no', start: 1, length: 4 }, { name: 'name', start: 5, length: 5 }],
    });
    assert.equal(rows[0]!.name, '試験\uFFFD');
    assert.match(unreadable(() => text(rows[0]!.name, 'name')).ja, /文字化け/);
  });

  it('reads many lines across read-chunk boundaries', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 3000; i += 1) parts.push(line(String(i).padStart(10, '0'), `試験${'０１２３４５６７８９'[i % 10]!}`, 'ｼｹﾝ', 'R6.4.1', '1'), Buffer.from('\r\n'));
    const rows = await readAll({ client: 'file', path: fixture('many.dat', Buffer.concat(parts)), format: 'fixed', encoding: 'cp932', header: false, columns });
    assert.equal(rows.length, 3000);
    rows.forEach((row, i) => {
      assert.equal(row.resident_no, String(i).padStart(10, '0'));
      assert.equal(text(row.name, 'name'), `試験${'０１２３４５６７８９'[i % 10]!}`);
    });
  });
});

describe('streaming', () => {
  it('reads a 200,000-row CP932 CSV with memory growth under 100 MB', async () => {
    const path = join(dir, 'large.csv');
    writeFileSync(path, cp932('宛名番号,氏名,氏名カナ,住所,生年月日,性別\r\n'));
    const batch: string[] = [];
    for (let i = 1; i <= 200_000; i += 1) {
      batch.push(`${String(i).padStart(10, '0')},試験　太郎${i},ｼｹﾝ ﾀﾛｳ,"架空県みなと市海岸${i}丁目,架空ハイツ101号",R${(i % 6) + 1}.4.1,${(i % 2) + 1}`);
      if (batch.length === 5000) {
        appendFileSync(path, cp932(`${batch.join('\r\n')}\r\n`));
        batch.length = 0;
      }
    }
    const before = process.memoryUsage().rss;
    let peak = before;
    let count = 0;
    let last: SourceRow | undefined;
    for await (const row of readFileSource('registry', {
      client: 'file', path, format: 'csv', encoding: 'cp932', header: true,
      columns: [{ name: 'resident_no', field: '宛名番号' }, { name: 'name', field: '氏名' }, { name: 'address', field: '住所' }],
    })) {
      count += 1;
      last = row;
      if (count % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    assert.equal(count, 200_000);
    assert.deepEqual(last, { resident_no: '0000200000', name: '試験　太郎200000', address: '架空県みなと市海岸200000丁目,架空ハイツ101号' });
    const growthMb = (peak - before) / 1024 / 1024;
    assert.ok(growthMb < 100, `rss grew by ${growthMb.toFixed(1)} MB`);
  });

  it('stops cleanly when the reader stops early', async () => {
    const path = fixture('stop.csv', 'a\n1\n2\n3\n');
    for await (const row of readFileSource('registry', { client: 'file', path, format: 'csv', encoding: 'utf-8', header: true, columns: [{ name: 'a' }] })) {
      assert.deepEqual(row, { a: '1' });
      break;
    }
    const rows = await readAll({ client: 'file', path: fixture('stop.dat', '1\n2\n'), format: 'fixed', encoding: 'utf-8', header: false, columns: [{ name: 'a', start: 1, length: 1 }] });
    assert.equal(rows.length, 2);
  });
});
