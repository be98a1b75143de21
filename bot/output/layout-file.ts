/**
 * The layout definition file (config/layouts/*.yaml): everything about the upload file that
 * PMH has not published — column order and headers, encoding, line endings, quoting, file
 * names, splitting limits — held as versioned, editable data (shared/pmh-domain.md,
 * "Not public"). This module is the file's schema, its type and its loader; a bad file
 * stops the bot at start-up with the path of the bad key, like the configuration does.
 */
import { z } from 'zod';
import { parseYaml, readEditedFile, throwInvalid } from '../../config/yaml-document.ts';
import { formatPath } from '../../config/zod-messages.ts';

/** The layout the bot ships with: the published API schema's field order. */
export const DEFAULT_LAYOUT_PATH = appFile('config', 'layouts', 'pmh-v1.yaml');

import { OUTPUT_ENCODINGS, type OutputEncoding } from '../records/encodable.ts';
import { appFile } from '../../core/app-root.ts';

export { OUTPUT_ENCODINGS, type OutputEncoding };

export const COLUMN_TYPES = ['string', 'date', 'boolean', 'code', 'json'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/**
 * Every PmhRecord path a column may name, with the kind of its value and whether the
 * published API schema requires it. The fixed list a layout is checked against.
 */
export const PMH_FIELDS = {
  orgSpecificCertificateTypeId: { kind: 'code', apiRequired: true },
  myNumber: { kind: 'code', apiRequired: true },
  'basicFiveInfo.name': { kind: 'string', apiRequired: true },
  'basicFiveInfo.nameKana': { kind: 'string', apiRequired: true },
  'basicFiveInfo.address': { kind: 'string', apiRequired: true },
  'basicFiveInfo.dateOfBirth': { kind: 'date', apiRequired: true },
  'basicFiveInfo.sex': { kind: 'code', apiRequired: true },
  isNotDisclosed: { kind: 'boolean', apiRequired: true },
  medicalSubsidyInsurerNumber: { kind: 'code', apiRequired: false },
  certificationName: { kind: 'string', apiRequired: true },
  medicalSubsidyRecipientNumber: { kind: 'code', apiRequired: false },
  certificationSubKey: { kind: 'string', apiRequired: false },
  segment: { kind: 'string', apiRequired: false },
  incomeSegment: { kind: 'string', apiRequired: false },
  additionalConditions: { kind: 'code', apiRequired: false },
  designatedMedicalInstitutions: { kind: 'string', apiRequired: false },
  isAlwaysReimbursement: { kind: 'code', apiRequired: true },
  maxCopaymentAmount: { kind: 'json', apiRequired: false },
  validFrom: { kind: 'date', apiRequired: true },
  validTo: { kind: 'date', apiRequired: true },
  historyKey: { kind: 'string', apiRequired: true },
  isDeleted: { kind: 'boolean', apiRequired: true },
  certificationDetail: { kind: 'json', apiRequired: true },
} as const satisfies Record<string, { kind: ColumnType; apiRequired: boolean }>;

export type PmhFieldPath = keyof typeof PMH_FIELDS;
export const PMH_FIELD_PATHS = Object.keys(PMH_FIELDS) as [PmhFieldPath, ...PmhFieldPath[]];

/** The placeholders a file name pattern may use. */
export const FILE_NAME_PLACEHOLDERS = ['type', 'date', 'run', 'part'] as const;

const columnSchema = z.strictObject({
  /** The label in the header row. */
  header: z.string().min(1),
  /** The PmhRecord path the column carries. */
  field: z.enum(PMH_FIELD_PATHS),
  /** Documentation; boolean and json must match the field (checked below). */
  type: z.enum(COLUMN_TYPES).optional(),
  /** For validation: the most characters the value may have. */
  max_length: z.number().int().positive().optional(),
  /** For validation: the value must not be empty. */
  required: z.boolean().optional(),
});

const csvSchema = z.strictObject({
  encoding: z.enum(OUTPUT_ENCODINGS).default('utf-8'),
  line_ending: z.enum(['crlf', 'lf']).default('crlf'),
  quoting: z.enum(['as_needed', 'all']).default('as_needed'),
  header: z.boolean().default(true),
  booleans: z.enum(['true_false', 'one_zero']).default('true_false'),
});

const layoutSchema = z.strictObject({
  layout: z.string().min(1),
  version: z.number().int().positive(),
  format: z.enum(['csv', 'json']),
  csv: csvSchema.prefault({}),
  file_name: z.string().min(1),
  /** Data rows per file; null: no limit. */
  max_rows_per_file: z.number().int().positive().nullable().default(null),
  /** Bytes per file (BOM and header included); null: no limit. */
  max_bytes_per_file: z.number().int().positive().nullable().default(null),
  columns: z.array(columnSchema).default([]),
});

export type LayoutColumnDefinition = z.infer<typeof columnSchema>;
export type CsvSettings = z.infer<typeof csvSchema>;

export interface Layout {
  /** The layout's name (`layout:` in the file); recorded with every file written. */
  name: string;
  /** Recorded with every file written; bumped when the columns change. */
  version: number;
  format: 'csv' | 'json';
  /** Used when format is csv. */
  csv: CsvSettings;
  /** Pattern with {type} {date} {run} {part}. */
  file_name: string;
  max_rows_per_file: number | null;
  max_bytes_per_file: number | null;
  /** In output order; used when format is csv. */
  columns: LayoutColumnDefinition[];
  /** Absolute path of the file it was loaded from. */
  file: string;
}

interface LayoutProblem {
  path: (string | number)[];
  ja: string;
  en: string;
}

/** Rules across keys that the schema alone cannot state. */
function crossCheck(layout: z.infer<typeof layoutSchema>): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  const allowed = FILE_NAME_PLACEHOLDERS.map((name) => `{${name}}`).join(' ');
  for (const [, name] of layout.file_name.matchAll(/\{([^}]*)\}/g)) {
    if (!(FILE_NAME_PLACEHOLDERS as readonly string[]).includes(name ?? '')) {
      problems.push({
        path: ['file_name'],
        ja: `使えない差し込み項目 {${name}} があります（使えるもの: ${allowed}）`,
        en: `unknown placeholder {${name}} (allowed: ${allowed})`,
      });
    }
  }
  // The RPA terminal is usually Windows: its forbidden characters are refused everywhere.
  if (/[/\\<>:"|?*\x00-\x1f]/.test(layout.file_name) || /^\.+$/.test(layout.file_name)) {
    problems.push({
      path: ['file_name'],
      ja: 'ファイル名にフォルダーの区切り文字（/ や \\）や Windows で使えない文字（< > : " | ? *）は使えません',
      en: 'a file name may not contain a folder separator (/ or \\) or a character Windows forbids (< > : " | ? *)',
    });
  }
  if (layout.format !== 'csv') return problems;

  if (layout.columns.length === 0) {
    problems.push({ path: ['columns'], ja: 'CSV の列を 1 つ以上指定してください', en: 'a CSV layout needs at least one column' });
  }
  const headers = new Map<string, number>();
  const fields = new Map<string, number>();
  layout.columns.forEach((column, index) => {
    const sameHeader = headers.get(column.header);
    if (sameHeader !== undefined) {
      problems.push({
        path: ['columns', index, 'header'],
        ja: `見出し「${column.header}」が columns[${sameHeader}] と重複しています`,
        en: `header "${column.header}" repeats columns[${sameHeader}]`,
      });
    }
    headers.set(column.header, index);
    const sameField = fields.get(column.field);
    if (sameField !== undefined) {
      problems.push({
        path: ['columns', index, 'field'],
        ja: `項目 ${column.field} は columns[${sameField}] にもあります`,
        en: `field ${column.field} is already in columns[${sameField}]`,
      });
    }
    fields.set(column.field, index);
    const kind = PMH_FIELDS[column.field].kind;
    const fixedKind = kind === 'boolean' || kind === 'json';
    if (column.type !== undefined && (fixedKind || column.type === 'boolean' || column.type === 'json') && column.type !== kind) {
      problems.push({
        path: ['columns', index, 'type'],
        ja: `項目 ${column.field} の値は ${kind} です（type: ${column.type} は指定できません）`,
        en: `field ${column.field} holds a ${kind} value (type ${column.type} does not fit)`,
      });
    }
  });
  // A dropped column of a required field would send records PMH must reject, or worse
  // (a missing isNotDisclosed could expose a DV victim): refuse the layout instead.
  const missing = PMH_FIELD_PATHS.filter((field) => PMH_FIELDS[field].apiRequired && !fields.has(field));
  if (missing.length > 0 && layout.columns.length > 0) {
    problems.push({
      path: ['columns'],
      ja: `登録 API で必須の項目 ${missing.join(', ')} の列がありません`,
      en: `no column for the API-required field(s) ${missing.join(', ')}`,
    });
  }
  return problems;
}

/** Parses and validates a layout file's text; `file` names it in errors. */
export function parseLayout(file: string, source: string): Layout {
  const yaml = parseYaml(file, source);
  const result = layoutSchema.safeParse(yaml.data);
  if (!result.success) throwInvalid(file, yaml.issueProblems(result.error.issues));
  const problems = crossCheck(result.data).map((problem) => ({
    path: formatPath(problem.path),
    line: yaml.lineOf(problem.path),
    ja: problem.ja,
    en: problem.en,
  }));
  if (problems.length) throwInvalid(file, problems);
  const { layout: name, ...rest } = result.data;
  return { name, ...rest, file };
}

/** Reads and validates a layout file; a missing or bad file throws a critical ConfigError. */
export function loadLayout(path: string): Layout {
  const { file, source } = readEditedFile(path);
  return parseLayout(file, source);
}
