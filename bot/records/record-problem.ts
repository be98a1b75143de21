/**
 * What is wrong with one record, told to an operator. Shaping and validation both report
 * these; a record with any problem is held back (quarantined) and never uploaded.
 *
 * Codes are permanent (operators and vendors search for them). A reason says what is
 * wrong and with which field, NEVER the personal value itself (name, My Number, address,
 * date of birth): reasons end up in logs, reports and e-mails. System keys (resident
 * number, program code) and limits may appear.
 */
import { fillAny, type Bilingual, type FillValue, type PlaceholdersOf } from '../../core/i18n.ts';

export interface RecordProblem {
  /** PMH field path, e.g. 'myNumber', 'basicFiveInfo.nameKana'; 'person' when the whole person is missing. */
  field: string;
  /** Permanent PascalCase name, e.g. 'MyNumberCheckDigit'. */
  code: string;
  reason: Bilingual;
}

/** How each field is named to an operator; the reasons say `{label}`. */
const fieldLabels: Record<string, Bilingual> = {
  person: { ja: '宛名（基本5情報）', en: 'person (basic five info)' },
  orgSpecificCertificateTypeId: { ja: '機関別受給者証種別ID', en: 'certificate type ID' },
  myNumber: { ja: '個人番号', en: 'My Number' },
  'basicFiveInfo.name': { ja: '氏名', en: 'name' },
  'basicFiveInfo.nameKana': { ja: '氏名カナ', en: 'kana name' },
  'basicFiveInfo.address': { ja: '住所', en: 'address' },
  'basicFiveInfo.dateOfBirth': { ja: '生年月日', en: 'date of birth' },
  'basicFiveInfo.sex': { ja: '性別', en: 'sex' },
  isNotDisclosed: { ja: '不開示フラグ', en: 'non-disclosure flag' },
  medicalSubsidyInsurerNumber: { ja: '公費負担者番号', en: 'insurer number' },
  certificationName: { ja: '受給者証名', en: 'certificate name' },
  medicalSubsidyRecipientNumber: { ja: '公費受給者番号', en: 'recipient number' },
  certificationSubKey: { ja: '受給者証サブキー', en: 'certificate sub-key' },
  segment: { ja: '区分', en: 'segment' },
  incomeSegment: { ja: '所得区分', en: 'income segment' },
  additionalConditions: { ja: '追加条件', en: 'additional conditions' },
  designatedMedicalInstitutions: { ja: '指定医療機関情報', en: 'designated medical institutions' },
  isAlwaysReimbursement: { ja: '常に償還払い', en: 'always-reimbursement flag' },
  maxCopaymentAmount: { ja: '自己負担上限額', en: 'co-payment cap' },
  validFrom: { ja: '有効期間開始日', en: 'valid-from date' },
  validTo: { ja: '有効期間終了日', en: 'valid-to date' },
  historyKey: { ja: '履歴キー', en: 'history key' },
  isDeleted: { ja: '削除フラグ', en: 'deletion flag' },
  certificationDetail: { ja: '受給者証券面項目', en: 'certificate face items' },
};

function labelOf(field: string): Bilingual {
  const known = fieldLabels[field];
  if (known) return known;
  // certificationDetail[3].value and the like: name the list, keep the path for the vendor.
  const root = fieldLabels[field.replace(/\[.*$/, '')];
  return root ? { ja: `${root.ja}（${field}）`, en: `${root.en} (${field})` } : { ja: field, en: field };
}

/**
 * Every problem code and its reason. Placeholders: {label} the field's name, and the
 * parameters the code documents. Never pass a personal value as a parameter.
 */
export const recordProblemCatalog = {
  // Shaping: the joined source row cannot make a record.
  PersonMissing: {
    ja: '宛名番号 {residentNo} の住民が住民記録（宛名）に見つかりません。',
    en: 'Resident number {residentNo} is not in the resident registry.',
  },
  DisclosureFlagMissing: {
    ja: '不開示フラグ（支援措置の有無）を判定できません。未設定は「開示」とみなさず、エラーとして保留します。',
    en: 'The non-disclosure flag (support measure) is unknown. A missing flag is never taken as false.',
  },
  SexCodeUnmapped: {
    ja: '住民記録の性別コードが制度 {programCode} の性別コード表（sex_codes）にありません（コードが空の場合を含む）。',
    en: 'The registry sex code is empty or not in the sex_codes table of program {programCode}.',
  },
  RequiredMissing: {
    ja: '必須項目「{label}」が業務システムのデータにありません。',
    en: 'The required {label} is missing from the source data.',
  },
  // Validation: the record breaks a PMH rule.
  RequiredEmpty: {
    ja: '必須項目「{label}」が空です。',
    en: 'The required {label} is empty.',
  },
  CertificateTypeIdFormat: {
    ja: '{label}は半角英数字 {limit} 文字以内で指定してください（設定の certificate_type_id）。',
    en: 'The {label} must be at most {limit} half-width letters and digits (config certificate_type_id).',
  },
  MyNumberFormat: {
    ja: '{label}が半角数字 12 桁ではありません。',
    en: 'The {label} is not 12 half-width digits.',
  },
  MyNumberCheckDigit: {
    ja: '{label}のチェックデジットが正しくありません。',
    en: 'The check digit of the {label} is wrong.',
  },
  TooLong: {
    ja: '{label}が {length} 文字あります（上限 {limit} 文字）。',
    en: 'The {label} has {length} characters (limit {limit}).',
  },
  DateInvalid: {
    ja: '{label}が実在する日付（YYYY-MM-DD 形式）ではありません。',
    en: 'The {label} is not a real calendar date written YYYY-MM-DD.',
  },
  ValidityPeriodReversed: {
    ja: '有効期間開始日が有効期間終了日より後になっています。',
    en: 'The valid-from date is after the valid-to date.',
  },
  BirthAfterValidTo: {
    ja: '生年月日が有効期間終了日より後になっています。',
    en: 'The date of birth is after the valid-to date.',
  },
  SexInvalid: {
    ja: '{label}は "0"（不明）、"1"（男）、"2"（女）のいずれかで指定してください。',
    en: 'The {label} must be "0" (unknown), "1" (male) or "2" (female).',
  },
  SexMustBeUnknown: {
    ja: '制度 {programCode} は性別を管理しない制度のため、性別は "0"（不明）でなければなりません。',
    en: 'Program {programCode} may not manage sex: the sex must be "0" (unknown).',
  },
  InsurerNumberFormat: {
    ja: '{label}が半角数字 8 桁ではありません。',
    en: 'The {label} is not 8 half-width digits.',
  },
  InsurerNumberCheckDigit: {
    ja: '{label} {insurerNumber} の検証番号（チェックデジット）が正しくありません。',
    en: 'The check digit of {label} {insurerNumber} is wrong.',
  },
  RecipientNumberFormat: {
    ja: '制度 {programCode} の{label}は半角数字 7 桁で指定してください。',
    en: 'The {label} of program {programCode} must be 7 half-width digits.',
  },
  RecipientNumberCheckDigit: {
    ja: '{label}の検証番号（チェックデジット）が正しくありません（制度 {programCode}）。',
    en: 'The check digit of the {label} is wrong (program {programCode}).',
  },
  KanaNotKatakana: {
    ja: '{label}に全角カタカナ以外の文字（ひらがな・漢字・英字・半角カナなど）が含まれています。姓と名の間の空白のみ使えます。',
    en: 'The {label} contains characters other than full-width katakana (hiragana, kanji, Latin, half-width kana...). Only a space between family and given names is allowed.',
  },
  ControlCharacter: {
    ja: '{label}に制御文字（改行・タブなど）が含まれています。',
    en: 'The {label} contains a control character (line break, tab...).',
  },
  NotBoolean: {
    ja: '{label}が true / false ではありません。',
    en: 'The {label} is not true or false.',
  },
  ReimbursementFlagInvalid: {
    ja: '{label}は "0" または "1" で指定してください。',
    en: 'The {label} must be "0" or "1".',
  },
  CopayCapInvalid: {
    ja: '{label}が 0 以上の整数（円）ではありません。',
    en: 'The {label} is not a whole number of yen, 0 or more.',
  },
  CertificationDetailInvalid: {
    ja: '{label}が項目名と値（文字列）の一覧になっていません。',
    en: 'The {label} is not a list of item names and values (strings).',
  },
} as const satisfies Record<string, Bilingual>;

export type RecordProblemCode = keyof typeof recordProblemCatalog;

/** The placeholders a code's reason needs from its caller: all but {label}, filled here. */
export type RecordProblemParamName<Code extends RecordProblemCode> = Exclude<
  PlaceholdersOf<(typeof recordProblemCatalog)[Code]['ja' | 'en']>,
  'label'
>;

/** The params argument: exactly the code's names, and optional when it has none. */
type RecordProblemArgs<Code extends RecordProblemCode> = [RecordProblemParamName<Code>] extends [never]
  ? [params?: Record<string, never>]
  : [params: { [Name in RecordProblemParamName<Code>]: FillValue }];

/** The problem `code` on `field`, its reason filled with `params` (system values only). */
export function recordProblem<Code extends RecordProblemCode>(
  code: Code,
  field: string,
  ...[params]: RecordProblemArgs<Code>
): RecordProblem {
  const template: Bilingual = recordProblemCatalog[code];
  const label = labelOf(field);
  return {
    field,
    code,
    reason: {
      ja: fillAny(template.ja, { ...params, label: label.ja }),
      en: fillAny(template.en, { ...params, label: label.en }),
    },
  };
}
