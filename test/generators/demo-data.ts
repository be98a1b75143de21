/**
 * The demo municipality: three SQLite files standing for three business systems,
 * filled with generated fake people.
 *   subsidy.sqlite   医療助成システム: certificates by resident number (宛名番号)
 *   registry.sqlite  住基/宛名: 基本5情報 and My Number by resident number
 *   support.sqlite   支援措置台帳: residents under a support measure (不開示)
 * Old systems store dates differently: the registry writes birth dates as YYYYMMDD.
 * A few planted problems (a certificate whose person is missing, an impossible date)
 * show quarantine at work; `planted` names them so tests can assert on them.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../core/sqlite.ts';
import { luhnCheckDigit } from '../../bot/records/check-digits.ts';
import { fakePerson, type FakePerson } from './fake-people.ts';
import { Random } from './random.ts';

export interface DemoProgram {
  code: string;
  /** 法別番号 */
  lawNumber: string;
  /** 7-digit recipient numbers with a check digit (national programs). */
  nationalRecipientNumber: boolean;
  birthYears: [number, number];
  share: number;
  incomeSegments: readonly string[];
  copayCaps: readonly (number | null)[];
}

/** Programs of the demo municipality; the example config describes the same ones. */
export const DEMO_PROGRAMS: readonly DemoProgram[] = [
  { code: 'KODOMO', lawNumber: '88', nationalRecipientNumber: false, birthYears: [-17, -2], share: 0.5, incomeSegments: ['A', 'B'], copayCaps: [null, 200] },
  { code: 'HITORIOYA', lawNumber: '81', nationalRecipientNumber: false, birthYears: [-55, -1], share: 0.2, incomeSegments: ['A', 'B'], copayCaps: [null, 1000] },
  { code: 'IKUSEI', lawNumber: '16', nationalRecipientNumber: true, birthYears: [-17, -2], share: 0.1, incomeSegments: ['1', '2', '3', '4', '5'], copayCaps: [2500, 5000, 10000] },
  { code: 'SEISHIN', lawNumber: '21', nationalRecipientNumber: true, birthYears: [-80, -18], share: 0.2, incomeSegments: ['1', '2', '3', '4', '5'], copayCaps: [2500, 5000, 10000, 20000] },
];

/** 都道府県番号 99 and 実施機関番号 001: no real insurer uses them. */
export function demoInsurerNumber(lawNumber: string): string {
  const body = `${lawNumber}99001`;
  return body + String(luhnCheckDigit(body));
}

export interface DemoDataOptions {
  dir: string;
  /** Recipients (people holding at least one certificate). */
  recipients?: number;
  /** Registry residents who hold no certificate. */
  otherResidents?: number;
  seed?: number;
  /** YYYY-MM-DD; certificates are valid around it. */
  baseDate: string;
}

export interface DemoData {
  files: { subsidy: string; registry: string; support: string };
  recipients: number;
  /** Current certificates (valid on or after the base date) by program code. */
  currentCertificates: Record<string, number>;
  /** What the bot should upload: current certificates minus the planted problems. */
  expectedUploads: Record<string, number>;
  planted: {
    /** certificate ids whose resident is missing from the registry */
    personMissing: string[];
    /** certificate ids with an impossible valid_to date */
    unreadableDate: string[];
    /** resident numbers whose kana name is stored in half-width kana */
    halfWidthKana: string[];
    /** resident numbers under a current support measure */
    protectedResidents: string[];
  };
}

function isoShift(base: string, years: number, days = 0): string {
  const d = new Date(`${base}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const HALF_WIDTH: Record<string, string> = {
  サ: 'ｻ', ト: 'ﾄ', ウ: 'ｳ', タ: 'ﾀ', ロ: 'ﾛ', ヤ: 'ﾔ', マ: 'ﾏ', ダ: 'ﾀﾞ', 'ナ': 'ﾅ', カ: 'ｶ', ム: 'ﾑ', ラ: 'ﾗ',
};

function toHalfWidthKana(kana: string): string {
  return [...kana].map((ch) => HALF_WIDTH[ch] ?? ch).join('').replace('　', ' ');
}

function openFresh(path: string, schema: string): Database {
  rmSync(path, { force: true });
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  db.exec(schema);
  return db;
}

export function generateDemoData(options: DemoDataOptions): DemoData {
  const recipients = options.recipients ?? 2000;
  const otherResidents = options.otherResidents ?? Math.round(recipients / 4);
  const random = new Random(options.seed ?? 20241);
  const baseYear = Number(options.baseDate.slice(0, 4));
  mkdirSync(options.dir, { recursive: true });
  const files = {
    subsidy: join(options.dir, 'subsidy.sqlite'),
    registry: join(options.dir, 'registry.sqlite'),
    support: join(options.dir, 'support.sqlite'),
  };

  const subsidy = openFresh(files.subsidy, `CREATE TABLE certificates (
    cert_id TEXT NOT NULL, atena_no TEXT NOT NULL, program_code TEXT NOT NULL, history_no INTEGER NOT NULL,
    futansha_no TEXT, jukyusha_no TEXT, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL,
    income_segment TEXT, copay_cap INTEGER, always_reimburse INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
    PRIMARY KEY (cert_id, history_no));
    CREATE INDEX certificates_program ON certificates (program_code, valid_to);`);
  const registry = openFresh(files.registry, `CREATE TABLE residents (
    atena_no TEXT PRIMARY KEY, kojin_no TEXT, shimei TEXT, shimei_kana TEXT, jusho TEXT,
    seinengappi TEXT, seibetsu TEXT);`);
  const support = openFresh(files.support, `CREATE TABLE support_measures (
    atena_no TEXT NOT NULL, measure_type TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT);`);

  const insertCertificate = subsidy.prepare('INSERT INTO certificates VALUES (?,?,?,?,?,?,?,?,?,?,?,?)');
  const insertResident = registry.prepare('INSERT INTO residents VALUES (?,?,?,?,?,?,?)');
  const insertMeasure = support.prepare('INSERT INTO support_measures VALUES (?,?,?,?)');

  const currentCertificates: Record<string, number> = Object.fromEntries(DEMO_PROGRAMS.map((p) => [p.code, 0]));
  const planted: DemoData['planted'] = { personMissing: [], unreadableDate: [], halfWidthKana: [], protectedResidents: [] };
  const unreadableByProgram: Record<string, number> = {};
  const missingByProgram: Record<string, number> = {};
  const usedMyNumbers = new Set<string>();
  let certSeq = 0;

  const writeAll = (): void => {
    for (let i = 1; i <= recipients; i += 1) {
      const residentNo = `A${String(100000 + i)}`;
      const programs = [pickProgram(random)];
      if (random.chance(0.08)) programs.push(pickProgram(random));
      const unique = [...new Set(programs)];
      const youngest = Math.max(...unique.map((p) => p.birthYears[0]));
      const oldest = Math.min(...unique.map((p) => p.birthYears[1]));
      const [from, to] = youngest <= oldest ? [baseYear + youngest, baseYear + oldest] : [baseYear + unique[0]!.birthYears[0], baseYear + unique[0]!.birthYears[1]];
      let person: FakePerson = fakePerson(random, from, to);
      while (usedMyNumbers.has(person.myNumber)) person = fakePerson(random, from, to);
      usedMyNumbers.add(person.myNumber);

      for (const program of unique) {
        certSeq += 1;
        const certId = `C${String(certSeq).padStart(7, '0')}`;
        const recipientBody = random.digits(6);
        const recipientNo = program.nationalRecipientNumber
          ? recipientBody + String(luhnCheckDigit(recipientBody))
          : random.digits(7);
        const segment = random.pick(program.incomeSegments);
        const cap = random.pick(program.copayCaps);
        const reimburse = random.chance(0.02) ? 1 : 0;
        let history = 1;
        if (random.chance(0.1)) {
          // An expired earlier history entry: the extraction must leave it out.
          insertCertificate.run(certId, residentNo, program.code, history, demoInsurerNumber(program.lawNumber), recipientNo,
            isoShift(options.baseDate, -2), isoShift(options.baseDate, -1, -1), segment, cap, reimburse, isoShift(options.baseDate, -1));
          history += 1;
        }
        let validTo = isoShift(options.baseDate, 1, random.int(-180, 180));
        if (planted.unreadableDate.length < 1 && program.code === 'KODOMO' && i > 50 && i % 997 !== 0) {
          validTo = `${baseYear + 1}-02-30`;
          planted.unreadableDate.push(certId);
          unreadableByProgram[program.code] = (unreadableByProgram[program.code] ?? 0) + 1;
        }
        insertCertificate.run(certId, residentNo, program.code, history, demoInsurerNumber(program.lawNumber), recipientNo,
          isoShift(options.baseDate, -1, random.int(1, 300)), validTo, segment, cap, reimburse, options.baseDate);
        currentCertificates[program.code]! += 1;
      }

      const missing = i % 997 === 0;
      if (missing) {
        // The subsidy system knows this resident; the registry does not (moved out, data error).
        planted.personMissing.push(...unique.map((_, k) => `C${String(certSeq - unique.length + 1 + k).padStart(7, '0')}`));
        for (const program of unique) missingByProgram[program.code] = (missingByProgram[program.code] ?? 0) + 1;
      } else {
        const halfWidth = i % 401 === 0;
        if (halfWidth) planted.halfWidthKana.push(residentNo);
        insertResident.run(residentNo, person.myNumber, person.name,
          halfWidth ? toHalfWidthKana(person.nameKana) : person.nameKana, person.address,
          person.dateOfBirth.replaceAll('-', ''), person.sexCode);
      }
      if (i % 53 === 0) {
        insertMeasure.run(residentNo, random.pick(['DV', 'STALKER', 'CHILD_ABUSE']), isoShift(options.baseDate, -1), null);
        if (!missing) planted.protectedResidents.push(residentNo);
      } else if (i % 71 === 0) {
        // A measure that ended: no longer protected.
        insertMeasure.run(residentNo, 'DV', isoShift(options.baseDate, -3), isoShift(options.baseDate, -1));
      }
    }
    for (let j = 1; j <= otherResidents; j += 1) {
      const person = fakePerson(random, baseYear - 90, baseYear);
      insertResident.run(`B${String(100000 + j)}`, person.myNumber, person.name, person.nameKana, person.address,
        person.dateOfBirth.replaceAll('-', ''), person.sexCode);
      if (j % 61 === 0) insertMeasure.run(`B${String(100000 + j)}`, 'DV', isoShift(options.baseDate, -1), null);
    }
  };

  for (const db of [subsidy, registry, support]) db.exec('BEGIN');
  writeAll();
  for (const db of [subsidy, registry, support]) {
    db.exec('COMMIT');
    db.close();
  }

  const expectedUploads = Object.fromEntries(
    DEMO_PROGRAMS.map((p) => [p.code, currentCertificates[p.code]! - (unreadableByProgram[p.code] ?? 0) - (missingByProgram[p.code] ?? 0)]),
  );
  return { files, recipients, currentCertificates, expectedUploads, planted };
}

function pickProgram(random: Random): DemoProgram {
  let r = random.next();
  for (const program of DEMO_PROGRAMS) {
    r -= program.share;
    if (r < 0) return program;
  }
  return DEMO_PROGRAMS[DEMO_PROGRAMS.length - 1]!;
}
