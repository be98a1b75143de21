import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError } from '../../config/load.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, parseLayout, PMH_FIELD_PATHS, type Layout } from '../../bot/output/layout-file.ts';
import { csvColumnsOf, pmhCsvColumns } from '../../bot/output/layout.ts';
import { testRecord } from '../helpers/records.ts';

/** Today's header, as the CSV writer has always written it. */
const expectedHeaders = [
  'orgSpecificCertificateTypeId', 'myNumber', 'basicFiveInfo.name', 'basicFiveInfo.nameKana', 'basicFiveInfo.address',
  'basicFiveInfo.dateOfBirth', 'basicFiveInfo.sex', 'isNotDisclosed', 'medicalSubsidyInsurerNumber', 'certificationName',
  'medicalSubsidyRecipientNumber', 'certificationSubKey', 'segment', 'incomeSegment', 'additionalConditions',
  'designatedMedicalInstitutions', 'isAlwaysReimbursement', 'maxCopaymentAmount', 'validFrom', 'validTo', 'historyKey',
  'isDeleted', 'certificationDetail',
];

const defaultText = readFileSync(DEFAULT_LAYOUT_PATH, 'utf8');

function layoutError(source: string): ConfigError {
  try {
    parseLayout('layout.yaml', source);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('the layout was accepted');
}

/** A small CSV layout holding every API-required field; `extra` is appended to its text. */
function minimalLayout(columns: string[], extra = ''): string {
  return [
    'layout: test',
    'version: 3',
    'format: csv',
    'file_name: "out_{run}.csv"',
    'columns:',
    ...columns.map((column) => `  - ${column}`),
    extra,
  ].join('\n');
}

const requiredColumns = PMH_FIELD_PATHS.filter((field) =>
  !['medicalSubsidyInsurerNumber', 'medicalSubsidyRecipientNumber', 'certificationSubKey', 'segment', 'incomeSegment',
    'additionalConditions', 'designatedMedicalInstitutions', 'maxCopaymentAmount'].includes(field),
).map((field) => `{ header: ${field}, field: ${field} }`);

describe('the default layout file', () => {
  it('loads and lists exactly today\'s 23 headers in order, each naming the field of the same name', () => {
    const layout = loadLayout(DEFAULT_LAYOUT_PATH);
    assert.deepEqual(layout.columns.map((column) => column.header), expectedHeaders);
    assert.deepEqual(layout.columns.map((column) => column.field), expectedHeaders);
    assert.deepEqual(PMH_FIELD_PATHS, expectedHeaders, 'every PmhRecord path, in the published order');
    assert.equal(layout.name, 'pmh-medical-subsidy');
    assert.equal(layout.version, 1);
    assert.equal(layout.format, 'csv');
    assert.deepEqual(layout.csv, { encoding: 'utf-8', line_ending: 'crlf', quoting: 'as_needed', header: true, booleans: 'true_false' });
    assert.equal(layout.file_name, 'pmh_{type}_{date}_{run}_{part}.csv');
    assert.equal(layout.max_rows_per_file, 100000);
    assert.equal(layout.max_bytes_per_file, 104857600);
    assert.equal(layout.file, DEFAULT_LAYOUT_PATH);
  });

  it('is where layout.ts takes its columns from', () => {
    assert.deepEqual(pmhCsvColumns.map((column) => column.header), expectedHeaders);
  });

  it('documents the published constraints on its columns', () => {
    const layout = loadLayout(DEFAULT_LAYOUT_PATH);
    const byField = new Map(layout.columns.map((column) => [column.field, column]));
    assert.equal(byField.get('orgSpecificCertificateTypeId')?.max_length, 50);
    assert.equal(byField.get('certificationName')?.max_length, 100);
    assert.equal(byField.get('medicalSubsidyRecipientNumber')?.max_length, 30);
    assert.equal(byField.get('isNotDisclosed')?.type, 'boolean');
    assert.equal(byField.get('isNotDisclosed')?.required, true);
    assert.equal(byField.get('segment')?.required, false);
  });
});

describe('an edited layout', () => {
  it('loads reordered columns and renamed headers, and writes cells in that order', () => {
    const text = defaultText
      .replace('- { header: orgSpecificCertificateTypeId,', '- { header: 受給者証種別ID,')
      .replace(/ {2}- \{ header: myNumber,[^\n]*\n/, '')
      .replace('columns:\n', 'columns:\n  - { header: 個人番号, field: myNumber }\n');
    const layout = parseLayout('edited.yaml', text);
    assert.equal(layout.columns[0]?.header, '個人番号');
    assert.equal(layout.columns[1]?.header, '受給者証種別ID');
    const cells = csvColumnsOf(layout).map((column) => column.value(testRecord()));
    assert.equal(cells[0], testRecord().myNumber);
    assert.equal(cells[1], 'KODOMO01');
  });

  it('loads a header-off, CP932, LF, quote-all, 1/0 booleans layout', () => {
    const text = defaultText
      .replace('encoding: utf-8', 'encoding: cp932')
      .replace('line_ending: crlf', 'line_ending: lf')
      .replace('quoting: as_needed', 'quoting: all')
      .replace('header: true', 'header: false')
      .replace('booleans: true_false', 'booleans: one_zero');
    const layout = parseLayout('cp932.yaml', text);
    assert.deepEqual(layout.csv, { encoding: 'cp932', line_ending: 'lf', quoting: 'all', header: false, booleans: 'one_zero' });
    const cells = csvColumnsOf(layout).map((column) => column.value(testRecord({ isDeleted: true })));
    assert.equal(cells[7], '0', 'isNotDisclosed false as 0');
    assert.equal(cells[21], '1', 'isDeleted true as 1');
  });

  it('takes the csv defaults and no limits when those keys are left out', () => {
    const layout = parseLayout('minimal.yaml', minimalLayout(requiredColumns));
    assert.deepEqual(layout.csv, { encoding: 'utf-8', line_ending: 'crlf', quoting: 'as_needed', header: true, booleans: 'true_false' });
    assert.equal(layout.max_rows_per_file, null);
    assert.equal(layout.max_bytes_per_file, null);
    assert.equal(layout.name, 'test');
    assert.equal(layout.version, 3);
  });

  it('loads a JSON layout without columns', () => {
    const layout: Layout = parseLayout('json.yaml', 'layout: api\nversion: 1\nformat: json\nfile_name: "pmh_{run}_{part}.json"\n');
    assert.equal(layout.format, 'json');
    assert.deepEqual(layout.columns, []);
  });
});

describe('a bad layout', () => {
  it('names the column index of an unknown field, in Japanese, with its line', () => {
    const text = defaultText.replace('field: basicFiveInfo.nameKana,', 'field: basicFiveInfo.kana,');
    const error = layoutError(text);
    assert.equal(error.code, 'ConfigInvalid');
    assert.equal(error.kind, 'critical');
    assert.equal(error.problems[0]?.path, 'columns[3].field');
    const line = text.split('\n').findIndex((l) => l.includes('basicFiveInfo.kana')) + 1;
    const { message } = error.describeIn('ja');
    assert.match(message, /layout\.yaml の columns\[3\]\.field/);
    assert.match(message, new RegExp(`${line} 行目`));
    assert.match(message, /使える値は .*"basicFiveInfo\.nameKana"/);
  });

  it('names csv.encoding when the encoding is not one it can write', () => {
    const error = layoutError(defaultText.replace('encoding: utf-8', 'encoding: shift_jis'));
    assert.equal(error.problems[0]?.path, 'csv.encoding');
    assert.match(error.describeIn('ja').message, /csv\.encoding.*使える値は "utf-8", "utf-8-bom", "cp932" です/);
  });

  it('refuses a misspelt key instead of ignoring it', () => {
    const error = layoutError(defaultText.replace('line_ending: crlf', 'line_endings: crlf'));
    assert.equal(error.problems[0]?.path, 'csv');
    assert.match(error.problems[0]?.ja ?? '', /不明なキー line_endings/);
  });

  it('refuses an unknown placeholder, a folder and a character Windows forbids in the file name', () => {
    const unknown = layoutError(defaultText.replace('{run}_{part}', '{runid}_{part}'));
    assert.equal(unknown.problems[0]?.path, 'file_name');
    assert.match(unknown.problems[0]?.ja ?? '', /使えない差し込み項目 \{runid\}/);
    const folder = layoutError(defaultText.replace('"pmh_{type}', '"../pmh_{type}'));
    assert.match(folder.problems[0]?.ja ?? '', /フォルダーの区切り文字/);
    const windows = layoutError(defaultText.replace('"pmh_{type}_{date}', '"pmh:{type}_{date}'));
    assert.match(windows.problems[0]?.ja ?? '', /Windows で使えない文字/);
  });

  it('refuses a repeated header and a repeated field, naming both columns', () => {
    const error = layoutError(minimalLayout([...requiredColumns, '{ header: myNumber, field: myNumber }']));
    const last = requiredColumns.length;
    assert.deepEqual(error.problems.map((problem) => problem.path), [`columns[${last}].header`, `columns[${last}].field`]);
    assert.match(error.problems[0]?.ja ?? '', /見出し「myNumber」が columns\[1\] と重複しています/);
  });

  it('refuses a layout that leaves out a column the API requires (a lost isNotDisclosed could expose a victim)', () => {
    const error = layoutError(minimalLayout(requiredColumns.filter((column) => !column.includes('isNotDisclosed'))));
    assert.equal(error.problems[0]?.path, 'columns');
    assert.match(error.problems[0]?.ja ?? '', /登録 API で必須の項目 isNotDisclosed の列がありません/);
  });

  it('refuses a type that contradicts the field', () => {
    const error = layoutError(defaultText.replace('field: isDeleted, type: boolean', 'field: isDeleted, type: string'));
    assert.equal(error.problems[0]?.path, 'columns[21].type');
    assert.match(error.problems[0]?.ja ?? '', /isDeleted の値は boolean です/);
  });

  it('refuses a version that is not a whole number and a limit of 0', () => {
    const error = layoutError(defaultText.replace('version: 1', 'version: "1a"').replace('max_rows_per_file: 100000', 'max_rows_per_file: 0'));
    assert.deepEqual(error.problems.map((problem) => problem.path), ['version', 'max_rows_per_file']);
  });

  it('says which file is missing, and where YAML is broken', () => {
    assert.throws(() => loadLayout('/nonexistent/layout.yaml'), (error) => error instanceof ConfigError && error.code === 'ConfigFileMissing');
    const broken = layoutError('layout: x\nversion: [1\n');
    assert.equal(broken.code, 'ConfigSyntax');
  });
});
