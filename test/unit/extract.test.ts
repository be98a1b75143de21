/**
 * Extraction against real SQLite files: three systems joined by resident number in the
 * staging store, values normalised, problems named by source, row and column.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import { PmhBotError } from '../../core/errors.ts';
import { extractToStaging, type ExtractionPlan } from '../../extractors/extract.ts';
import { StagingStore, certificateKey } from '../../extractors/staging.ts';
import type { JoinedRow } from '../../extractors/types.ts';

const noSecret = (): string => {
  throw new Error('no secret expected');
};

function fixture(): { dir: string; plan: ExtractionPlan } {
  const dir = mkdtempSync(join(tmpdir(), 'pmh-extract-'));
  const subsidy = new Database(join(dir, 'subsidy.sqlite'));
  subsidy.exec(`CREATE TABLE cert (atena CHAR(10), id TEXT, prog TEXT, hist INTEGER, futan TEXT, jukyu TEXT,
                  vfrom TEXT, vto TEXT, inc TEXT, cap INTEGER, shokan INTEGER);
    INSERT INTO cert VALUES ('A1        ', 'C1', 'P', 1, '88990017', '1234567', '2026-04-01', '2027-03-31', 'A', 200, 0);
    INSERT INTO cert VALUES ('A1', 'C2', 'P', 2, '88990017', '7654321', '2026/04/01', '20270331', NULL, NULL, 1);
    INSERT INTO cert VALUES ('A2', 'C3', 'P', 1, '88990017', '1111111', '2026-04-01', '2027-02-30', 'B', NULL, 0);
    INSERT INTO cert VALUES ('A9', 'C4', 'P', 1, '88990017', '2222222', '2026-04-01', '2027-03-31', 'B', NULL, 0);
    INSERT INTO cert VALUES ('A3', 'C5', 'OTHER', 1, '88990017', '3333333', '2026-04-01', '2027-03-31', 'B', NULL, 0);`);
  subsidy.close();
  const registry = new Database(join(dir, 'registry.sqlite'));
  registry.exec(`CREATE TABLE r (atena TEXT, mynum TEXT, nm TEXT, kana TEXT, addr TEXT, dob TEXT, sex TEXT);
    INSERT INTO r VALUES ('A1', '123456789018', '試験　一郎　', 'シケン　イチロウ', '架空県みなと市1', '20200102', '1');
    INSERT INTO r VALUES ('A2', '123456789018', '試験　二郎', 'シケン　ジロウ', '架空県みなと市2', '2019-13-01', '1');
    INSERT INTO r VALUES ('A3', '123456789018', '試験　三郎', 'シケン　サブロウ', '架空県みなと市3', '20180101', '2');`);
  registry.close();
  const support = new Database(join(dir, 'support.sqlite'));
  support.exec(`CREATE TABLE s (atena TEXT, flag TEXT);
    INSERT INTO s VALUES ('A1', '1'); INSERT INTO s VALUES ('A1', '0'); INSERT INTO s VALUES ('A2', 'maybe');`);
  support.close();
  const sql = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const plan: ExtractionPlan = {
    sources: {
      subsidy: { client: 'sqlite', connection: { filename: join(dir, 'subsidy.sqlite') }, connect_timeout_seconds: 5, query_timeout_seconds: 5 },
      registry: { client: 'sqlite', connection: { filename: join(dir, 'registry.sqlite') }, connect_timeout_seconds: 5, query_timeout_seconds: 5 },
      support: { client: 'sqlite', connection: { filename: join(dir, 'support.sqlite') }, connect_timeout_seconds: 5, query_timeout_seconds: 5 },
    },
    parameters: { base_date: '2026-04-01' },
    programs: [{
      code: 'P',
      query: {
        source: 'subsidy',
        sqlFile: sql('p.sql', `SELECT atena AS resident_no, id AS certificate_id, hist AS history_no, futan AS insurer_number,
          jukyu AS recipient_number, vfrom AS valid_from, vto AS valid_to, inc AS income_segment, cap AS copay_cap_yen,
          shokan AS always_reimburse FROM cert WHERE prog = :program_code AND vfrom <= :base_date OR vfrom = '2026/04/01'`),
      },
    }],
    persons: {
      source: 'registry',
      sqlFile: sql('persons.sql', `SELECT atena AS resident_no, mynum AS my_number, nm AS name, kana AS name_kana,
        addr AS address, dob AS date_of_birth, sex AS sex_code FROM r`),
    },
    supportMeasures: { source: 'support', sqlFile: sql('support.sql', 'SELECT atena AS resident_no, flag AS is_not_disclosed FROM s'), allowEmpty: false },
  };
  return { dir, plan };
}

async function extract(plan: ExtractionPlan, dir: string): Promise<{ rows: JoinedRow[]; staging: StagingStore }> {
  const staging = new StagingStore(join(dir, `staging-${Math.random()}.sqlite`));
  await extractToStaging(plan, staging, noSecret);
  return { rows: [...staging.joined('P')], staging };
}

describe('extraction into the staging store', () => {
  it('joins the three systems by resident number, one row per certificate, trimming CHAR padding', async () => {
    const { dir, plan } = fixture();
    const { rows, staging } = await extract(plan, dir);
    staging.close();
    assert.deepEqual(rows.map((r) => r.certificate.certificateId), ['C1', 'C2', 'C3', 'C4']);
    const [c1, c2] = rows;
    assert.equal(c1!.certificate.residentNo, 'A1');
    assert.equal(c1!.person?.name, '試験　一郎', 'trailing ideographic space trimmed');
    assert.equal(c1!.person?.dateOfBirth, '2020-01-02', 'YYYYMMDD normalised');
    assert.equal(c1!.certificate.copayCapYen, 200);
    assert.equal(c1!.certificate.alwaysReimburse, false);
    assert.equal(c2!.person?.residentNo, 'A1', 'one person, several certificates');
    assert.equal(c2!.certificate.validFrom, '2026-04-01');
    assert.equal(c2!.certificate.validTo, '2027-03-31');
    assert.equal(c2!.certificate.alwaysReimburse, true);
  });

  it('protects a resident when any measure says so, and never reads an unreadable flag as false', async () => {
    const { dir, plan } = fixture();
    const { rows, staging } = await extract(plan, dir);
    staging.close();
    const byCert = new Map(rows.map((r) => [r.certificate.certificateId, r]));
    assert.equal(byCert.get('C1')!.isNotDisclosed, true);
    assert.equal(byCert.get('C3')!.isNotDisclosed, null, 'an unreadable flag is unknown');
    assert.equal(byCert.get('C4')!.isNotDisclosed, false, 'absent from the register: not protected');
  });

  it('names unreadable values by source, row and column, and a missing person as missing', async () => {
    const { dir, plan } = fixture();
    const { rows, staging } = await extract(plan, dir);
    staging.close();
    const c3 = rows.find((r) => r.certificate.certificateId === 'C3')!;
    const columns = c3.readProblems.map((p) => `${p.source}:${p.column}:${p.row}`).sort();
    assert.deepEqual(columns, ['registry:date_of_birth:2', 'subsidy:valid_to:3']);
    assert.match(c3.readProblems[0]!.detail.ja, /存在しない日付|日付ではありません/);
    const c4 = rows.find((r) => r.certificate.certificateId === 'C4')!;
    assert.equal(c4.person, null);
  });

  it('marks a resident number the registry holds twice as ambiguous instead of picking one', async () => {
    const { dir, plan } = fixture();
    const db = new Database(join(dir, 'registry.sqlite'));
    db.exec(`INSERT INTO r VALUES ('A1', '987654321000', '別人', 'ベツジン', '架空県', '20000101', '2')`);
    db.close();
    const { rows, staging } = await extract(plan, dir);
    staging.close();
    assert.equal(rows.find((r) => r.certificate.certificateId === 'C1')!.personDuplicated, true);
    assert.equal(rows.find((r) => r.certificate.certificateId === 'C3')!.personDuplicated, false);
  });

  it('refuses a query that writes, before running anything', async () => {
    const { dir, plan } = fixture();
    writeFileSync(plan.persons.sqlFile!, 'DELETE FROM r');
    await assert.rejects(extract(plan, dir), (error: unknown) => {
      assert.ok(error instanceof PmhBotError);
      assert.equal(error.code, 'QueryNotReadOnly');
      return true;
    });
    const db = new Database(join(dir, 'registry.sqlite'), { readonly: true });
    assert.equal((db.prepare('SELECT count(*) AS n FROM r').get() as { n: number }).n, 3);
    db.close();
  });

  it('names a missing result column and how to alias it', async () => {
    const { dir, plan } = fixture();
    writeFileSync(plan.supportMeasures.sqlFile!, 'SELECT atena AS resident_no FROM s');
    await assert.rejects(extract(plan, dir), (error: unknown) => {
      assert.ok(error instanceof PmhBotError);
      assert.equal(error.code, 'QueryColumnMissing');
      assert.match(error.describeIn('ja').hint, /AS is_not_disclosed/);
      return true;
    });
  });

  it('fails clearly for a missing SQLite source file and never creates an empty one', async () => {
    const { dir, plan } = fixture();
    const missingPath = join(dir, 'gone.sqlite');
    plan.sources.registry = { client: 'sqlite', connection: { filename: missingPath }, connect_timeout_seconds: 5, query_timeout_seconds: 5 };
    await assert.rejects(extract(plan, dir), (error: unknown) => {
      assert.ok(error instanceof PmhBotError);
      assert.equal(error.code, 'SourceUnreachable');
      assert.equal(error.kind, 'system');
      return true;
    });
    assert.equal(existsSync(missingPath), false);
  });
});

describe('a source that returns nothing', () => {
  it('refuses an empty support register, which would clear every non-disclosure flag', async () => {
    const { dir, plan } = fixture();
    writeFileSync(plan.supportMeasures.sqlFile!, 'SELECT atena AS resident_no, flag AS is_not_disclosed FROM s WHERE 1 = 0');
    await assert.rejects(extract(plan, dir), (error: unknown) => {
      assert.ok(error instanceof PmhBotError);
      assert.equal(error.code, 'SourceEmpty');
      assert.equal(error.kind, 'business');
      const { message, hint } = error.describeIn('ja');
      assert.match(message, /support（支援措置対象者）/);
      assert.match(hint, /不開示フラグ/);
      assert.match(hint, /allow_empty/);
      return true;
    });
  });

  it('accepts an empty support register only when the config says none is expected', async () => {
    const { dir, plan } = fixture();
    writeFileSync(plan.supportMeasures.sqlFile!, 'SELECT atena AS resident_no, flag AS is_not_disclosed FROM s WHERE 1 = 0');
    const { rows, staging } = await extract({ ...plan, supportMeasures: { ...plan.supportMeasures, allowEmpty: true } }, dir);
    staging.close();
    assert.ok(rows.every((r) => r.isNotDisclosed === false));
  });

  it('refuses an empty registry', async () => {
    const { dir, plan } = fixture();
    writeFileSync(plan.persons.sqlFile!, 'SELECT atena AS resident_no, mynum AS my_number, nm AS name, kana AS name_kana, addr AS address, dob AS date_of_birth, sex AS sex_code FROM r WHERE 1 = 0');
    await assert.rejects(extract(plan, dir), (error: unknown) => error instanceof PmhBotError && error.code === 'SourceEmpty');
  });
});

describe('certificate keys', () => {
  it('finds every copy of a certificate history entry, even under different resident numbers', async () => {
    const { dir, plan } = fixture();
    const db = new Database(join(dir, 'subsidy.sqlite'));
    db.exec(`INSERT INTO cert VALUES ('A3', 'C1', 'P', 1, '88990017', '1234567', '2026-04-01', '2027-03-31', 'A', NULL, 0)`);
    db.close();
    const staging = new StagingStore(join(dir, 'dup.sqlite'));
    await extractToStaging(plan, staging, noSecret);
    const duplicates = staging.duplicateKeys('P');
    assert.deepEqual([...duplicates], [certificateKey('C1', 1)]);
    const copies = [...staging.joined('P')].filter((r) => duplicates.has(certificateKey(r.certificate.certificateId, r.certificate.historyNo)));
    assert.deepEqual(copies.map((r) => r.certificate.residentNo).sort(), ['A1', 'A3'], 'both copies are found, not only adjacent ones');
    staging.close();
  });

  it('reports a missing history number instead of assuming 0', async () => {
    const { dir, plan } = fixture();
    const db = new Database(join(dir, 'subsidy.sqlite'));
    db.exec(`UPDATE cert SET hist = NULL WHERE id = 'C2'`);
    db.close();
    const { rows, staging } = await extract(plan, dir);
    staging.close();
    const c2 = rows.find((r) => r.certificate.certificateId === 'C2')!;
    assert.deepEqual(c2.readProblems.map((p) => p.column), ['history_no']);
    assert.match(c2.readProblems[0]!.detail.ja, /必須/);
  });
});
