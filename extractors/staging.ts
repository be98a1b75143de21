/**
 * The local staging store: each source's rows are streamed into a SQLite file in the run
 * folder, then joined there by resident number and streamed back out. This is how rows
 * from several systems meet without holding a million people in JavaScript memory.
 * The file holds personal data: the run deletes it as soon as the output is written.
 */
import { Database, type Statement } from '../core/sqlite.ts';
import type { CertificateRow, JoinedRow, PersonRow, ReadProblem, SupportMeasureRow } from './types.ts';

// Persons are kept in arrival order with their key in a small index: a registry read in
// no particular order made a table keyed by resident number insert rows at random places
// (1.25M persons: 37 s keyed, 14 s in arrival order; the same 3.7 s when already sorted).
const SCHEMA = `
CREATE TABLE certificates (
  seq INTEGER PRIMARY KEY,
  resident_no TEXT NOT NULL, certificate_id TEXT NOT NULL, program_code TEXT NOT NULL,
  history_no INTEGER, insurer_number TEXT, recipient_number TEXT,
  valid_from TEXT, valid_to TEXT, income_segment TEXT, copay_cap_yen INTEGER,
  always_reimburse INTEGER, problems TEXT
);
CREATE TABLE persons (
  resident_no TEXT NOT NULL UNIQUE, my_number TEXT, name TEXT, name_kana TEXT, address TEXT,
  date_of_birth TEXT, sex_code TEXT, problems TEXT, duplicates INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE support (resident_no TEXT NOT NULL, flag INTEGER);
`;

/**
 * The joined row as SQLite returns it as an array: values by position, in this order.
 * Arrays cost less than an object with two dozen named properties for every certificate.
 */
type JoinedDbRow = [
  resident_no: string,
  certificate_id: string,
  program_code: string,
  history_no: number | null,
  insurer_number: string | null,
  recipient_number: string | null,
  valid_from: string | null,
  valid_to: string | null,
  income_segment: string | null,
  copay_cap_yen: number | null,
  always_reimburse: number | null,
  problems: string | null,
  p_resident_no: string | null,
  my_number: string | null,
  name: string | null,
  name_kana: string | null,
  address: string | null,
  date_of_birth: string | null,
  sex_code: string | null,
  p_problems: string | null,
  p_duplicates: number | null,
  s_listed: number | null,
  s_flag: number | null,
];

const BATCH = 5000;

export class StagingStore {
  private readonly db: Database;
  private pending = 0;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(SCHEMA);
    this.db.exec('BEGIN');
  }

  private tick(): void {
    this.pending += 1;
    if (this.pending >= BATCH) {
      this.db.exec('COMMIT; BEGIN');
      this.pending = 0;
    }
  }

  private readonly insertCertificate = (): Statement =>
    this.db.prepare(`INSERT INTO certificates (resident_no, certificate_id, program_code, history_no,
      insurer_number, recipient_number, valid_from, valid_to, income_segment, copay_cap_yen,
      always_reimburse, problems) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`);
  private certificateStatement: Statement | undefined;

  addCertificate(row: CertificateRow, problems: ReadProblem[]): void {
    this.certificateStatement ??= this.insertCertificate();
    this.certificateStatement.run(
      row.residentNo,
      row.certificateId,
      row.programCode,
      row.historyNo,
      row.insurerNumber,
      row.recipientNumber,
      row.validFrom,
      row.validTo,
      row.incomeSegment,
      row.copayCapYen,
      row.alwaysReimburse === null ? null : Number(row.alwaysReimburse),
      problems.length ? JSON.stringify(problems) : null,
    );
    this.tick();
  }

  private personStatement: Statement | undefined;

  addPerson(row: PersonRow, problems: ReadProblem[]): void {
    // A resident number seen twice makes the person ambiguous; count it, never pick one.
    this.personStatement ??= this.db.prepare(`INSERT INTO persons (resident_no, my_number, name,
      name_kana, address, date_of_birth, sex_code, problems) VALUES (?,?,?,?,?,?,?,?)
      ON CONFLICT(resident_no) DO UPDATE SET duplicates = duplicates + 1`);
    this.personStatement.run(
      row.residentNo,
      row.myNumber,
      row.name,
      row.nameKana,
      row.address,
      row.dateOfBirth,
      row.sexCode,
      problems.length ? JSON.stringify(problems) : null,
    );
    this.tick();
  }

  private supportStatement: Statement | undefined;

  addSupportMeasure(row: SupportMeasureRow): void {
    this.supportStatement ??= this.db.prepare('INSERT INTO support (resident_no, flag) VALUES (?, ?)');
    this.supportStatement.run(row.residentNo, row.isNotDisclosed === null ? null : Number(row.isNotDisclosed));
    this.tick();
  }

  /** Ends loading and builds the join indexes. */
  sealed(): this {
    this.db.exec('COMMIT');
    this.db.exec('CREATE INDEX support_resident ON support (resident_no)');
    this.db.exec('CREATE INDEX certificates_order ON certificates (program_code, resident_no, certificate_id, history_no)');
    return this;
  }

  /**
   * Certificate history entries the source returned more than once for one program. Every
   * copy is held back: which one is right cannot be told, and PMH matches on the key.
   */
  duplicateKeys(programCode: string): Set<string> {
    const rows = this.db
      .prepare(`SELECT certificate_id, history_no FROM certificates WHERE program_code = ?
                GROUP BY certificate_id, history_no HAVING count(*) > 1`)
      .all(programCode) as { certificate_id: string; history_no: number }[];
    return new Set(rows.map((r) => certificateKey(r.certificate_id, r.history_no)));
  }

  countCertificates(programCode: string): number {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM certificates WHERE program_code = ?')
      .get(programCode) as { n: number };
    return row.n;
  }

  /**
   * Every certificate of one program with its person and disclosure flag, ordered by
   * resident number. A resident listed under several measures is protected when any says
   * so; when none does but one could not be read, the flag is unknown (null).
   */
  *joined(programCode: string): Generator<JoinedRow> {
    const statement = this.db.prepare(`
      SELECT c.resident_no, c.certificate_id, c.program_code, c.history_no, c.insurer_number, c.recipient_number,
             c.valid_from, c.valid_to, c.income_segment, c.copay_cap_yen, c.always_reimburse, c.problems,
             p.resident_no, p.my_number, p.name, p.name_kana, p.address, p.date_of_birth, p.sex_code,
             p.problems, p.duplicates, s.listed, s.flag
      FROM certificates c
      LEFT JOIN persons p ON p.resident_no = c.resident_no
      LEFT JOIN (
        SELECT resident_no, 1 AS listed,
               CASE WHEN max(flag) = 1 THEN 1 WHEN count(flag) < count(*) THEN NULL ELSE 0 END AS flag
        FROM support GROUP BY resident_no
      ) s ON s.resident_no = c.resident_no
      WHERE c.program_code = ?
      ORDER BY c.resident_no, c.certificate_id, c.history_no`);
    statement.setReturnArrays(true);
    for (const raw of statement.iterate(programCode)) {
      yield toJoinedRow(raw as JoinedDbRow);
    }
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}

/** The key of one certificate history entry within a program. */
export function certificateKey(certificateId: string, historyNo: number): string {
  return `${certificateId}\u0000${historyNo}`;
}

function toJoinedRow(r: JoinedDbRow): JoinedRow {
  const [residentNo, certificateId, programCode, historyNo, insurerNumber, recipientNumber, validFrom, validTo,
    incomeSegment, copayCapYen, alwaysReimburse, problems, pResidentNo, myNumber, name, nameKana, address,
    dateOfBirth, sexCode, pProblems, pDuplicates, sListed, sFlag] = r;
  const certificate: CertificateRow = {
    residentNo,
    certificateId,
    programCode,
    historyNo: historyNo ?? 0,
    insurerNumber,
    recipientNumber,
    validFrom,
    validTo,
    incomeSegment,
    copayCapYen,
    alwaysReimburse: alwaysReimburse === null ? null : alwaysReimburse === 1,
  };
  const person: PersonRow | null =
    pResidentNo === null ? null : { residentNo: pResidentNo, myNumber, name, nameKana, address, dateOfBirth, sexCode };
  const readProblems: ReadProblem[] = [];
  if (problems) readProblems.push(...(JSON.parse(problems) as ReadProblem[]));
  if (pProblems) readProblems.push(...(JSON.parse(pProblems) as ReadProblem[]));
  // Absent from a register that was read completely: not under a measure.
  const isNotDisclosed = sListed === null ? false : sFlag === null ? null : sFlag === 1;
  return { certificate, person, isNotDisclosed, readProblems, personDuplicated: (pDuplicates ?? 0) > 0 };
}
