/**
 * Doctor checks of the business systems: each database answers, and each extraction query
 * is read-only and planned by its database without a single row being fetched; each export
 * file exists and has the columns the extractor needs.
 *
 * Queries are planned, never run: PostgreSQL and MySQL/MariaDB `EXPLAIN`, SQLite
 * `EXPLAIN QUERY PLAN` (a prepare() plus the plan). SQL Server and Oracle are only
 * connected to: SQL Server's SHOWPLAN must be alone in its batch and needs the SHOWPLAN
 * permission a read-only EUC login rarely has, and Oracle's EXPLAIN PLAN writes into
 * PLAN_TABLE, a write the bot's read-only transaction refuses.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { BotConfig, DatabaseSourceConfig, FileSourceConfig } from '../../../config/schema.ts';
import { readSecret } from '../../../config/secrets.ts';
import { PmhBotError, pmhError } from '../../../core/errors.ts';
import { t, type Bilingual } from '../../../core/i18n.ts';
import { CERTIFICATE_COLUMNS, PERSON_COLUMNS, SUPPORT_COLUMNS, loadQuery } from '../../../extractors/extract.ts';
import { readFileSource } from '../../../extractors/file-source.ts';
import { openSqlSource, type SqlSource } from '../../../extractors/sql-source.ts';
import { tokyoDate } from '../../../core/clock.ts';
import type { CheckOutcome, CheckSpec } from './check.ts';

/** What each extraction reads from a source, as the pipeline's extraction plan (bot/pipeline/settings.ts) names it. */
interface QueryUse {
  source: string;
  /** Absolute path of the SQL file; none for an export file. */
  sqlFile: string | undefined;
  purpose: 'certificates' | 'persons' | 'support_measures';
  programCode?: string;
}

/** The columns the extractor requires of each kind of result. */
const REQUIRED_COLUMNS: Record<QueryUse['purpose'], readonly string[]> = {
  certificates: CERTIFICATE_COLUMNS,
  persons: PERSON_COLUMNS,
  support_measures: SUPPORT_COLUMNS,
};

const DEFAULT_PORTS: Record<DatabaseSourceConfig['client'], number | null> = {
  sqlite: null,
  pg: 5432,
  mysql2: 3306,
  mssql: 1433,
  oracledb: 1521,
};

function queryUses(config: BotConfig): QueryUse[] {
  return [
    ...config.programs.map((program) => ({
      source: program.source ?? config.extraction.certificates_source,
      sqlFile: program.sql,
      purpose: 'certificates' as const,
      programCode: program.code,
    })),
    { source: config.extraction.persons.source, sqlFile: config.extraction.persons.sql, purpose: 'persons' as const },
    { source: config.extraction.support_measures.source, sqlFile: config.extraction.support_measures.sql, purpose: 'support_measures' as const },
  ];
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).slice(0, 300);
}

function causeOf(error: unknown): unknown {
  return error instanceof PmhBotError && error.cause !== undefined ? error.cause : error;
}

/**
 * A connection failure told precisely: the database is stopped, refuses the login, has no
 * such database, or does not answer. Anything else stays as it was (SourceUnreachable).
 */
export function classifySourceFailure(name: string, config: DatabaseSourceConfig, error: unknown): PmhBotError {
  if (error instanceof PmhBotError && error.code !== 'SourceUnreachable') return error;
  const cause = causeOf(error);
  const code = String((cause as { code?: unknown } | null)?.code ?? '');
  const message = cause instanceof Error ? cause.message : String(cause);
  const detail = firstLine(cause);
  const client = config.client;
  const where = config.client === 'sqlite'
    ? { host: config.connection.filename, port: '-' }
    : { host: config.connection.host, port: config.connection.port ?? DEFAULT_PORTS[config.client] ?? '-' };
  const user = config.client === 'sqlite' ? '-' : config.connection.user;
  const database = config.client === 'sqlite' ? config.connection.filename : config.connection.database;
  const base = { source: name, client, detail };
  // Unknown database first: SQL Server reports it as a login failure (ELOGIN).
  if (code === '3D000' || code === 'ER_BAD_DB_ERROR' || /Cannot open database|ORA-12514|ORA-12505/i.test(message)) {
    return pmhError('SourceDatabaseMissing', { ...base, database }, cause);
  }
  if (['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ELOGIN'].includes(code) || /ORA-01017|password authentication failed/i.test(message)) {
    return pmhError('SourceAuthFailed', { ...base, user }, cause);
  }
  if (code === 'ECONNREFUSED' || /ECONNREFUSED|ORA-12541/.test(message)) {
    return pmhError('SourceConnectionRefused', { ...base, ...where }, cause);
  }
  if (code === 'ETIMEDOUT' || /no answer within|timeout|timed out|ETIMEDOUT|ORA-12170/i.test(message)) {
    return pmhError('SourceTimeout', { ...base, ...where, seconds: config.connect_timeout_seconds }, cause);
  }
  return error instanceof PmhBotError ? error : pmhError('SourceUnreachable', base, cause);
}

function sourceLabel(name: string, client: string): Bilingual {
  return { ja: `データソース ${name}（${client}）`, en: `source ${name} (${client})` };
}

function queryLabel(file: string, source: string): Bilingual {
  return { ja: `抽出 SQL ${basename(file)}（データソース ${source}）`, en: `extraction SQL ${basename(file)} (source ${source})` };
}

/** How the database plans a query without running it; null where the doctor only connects. */
function planningSql(client: DatabaseSourceConfig['client'], sql: string): string | null {
  switch (client) {
    // (FORMAT TEXT) makes the option list explicit, so SQL that starts with "(" is the statement.
    case 'pg':
      return `EXPLAIN (FORMAT TEXT) ${sql}`;
    case 'mysql2':
      return `EXPLAIN ${sql}`;
    case 'sqlite':
      return `EXPLAIN QUERY PLAN ${sql}`;
    case 'mssql':
    case 'oracledb':
      return null;
  }
}

function describeTarget(config: DatabaseSourceConfig): string {
  if (config.client === 'sqlite') return config.connection.filename;
  const { host, port, database, user } = config.connection;
  return `${user}@${host}:${port ?? DEFAULT_PORTS[config.client]}/${database}`;
}

/** Opens a database source as the extractor does (same knex config, same timeouts). */
async function openForCheck(name: string, config: DatabaseSourceConfig): Promise<SqlSource> {
  if (config.client === 'sqlite' && !existsSync(config.connection.filename)) {
    throw pmhError('FileNotFound', { path: `sources.${name}.connection.filename`, file: config.connection.filename });
  }
  try {
    return await openSqlSource(name, config, readSecret);
  } catch (error) {
    throw classifySourceFailure(name, config, error);
  }
}

async function checkQuery(use: QueryUse & { sqlFile: string }, config: DatabaseSourceConfig, source: SqlSource | null, baseDate: string): Promise<CheckOutcome> {
  const compiled = await loadQuery(use.sqlFile, { base_date: baseDate, program_code: use.programCode ?? '' });
  if (!source) {
    return { status: 'warn', detail: t({ ja: '読み取り専用であることは確認済み。データベースに接続できないため、SQL の解釈は確認していません', en: 'read-only; not planned because the database cannot be reached' }) };
  }
  const explain = planningSql(config.client, compiled.sql);
  if (explain === null) {
    return { status: 'ok', detail: t({ ja: '読み取り専用であることを確認（{client} では実行計画による確認はしません）', en: 'read-only (not planned on {client})' }, { client: config.client }) };
  }
  try {
    for await (const _ of source.rows(explain, compiled.bindings, use.sqlFile)) {
      // The plan's rows say nothing the operator needs; that the database produced them is the check.
    }
  } catch (error) {
    const cause = causeOf(error);
    throw pmhError('QueryNotPlannable', { source: use.source, client: config.client, file: use.sqlFile, detail: firstLine(cause) }, cause);
  }
  return { status: 'ok', detail: t({ ja: '読み取り専用、データベースが解釈できることを確認（基準日 {date}）', en: 'read-only, planned by the database (base date {date})' }, { date: baseDate }) };
}

/** An export file: there, readable, and its header (or field count) fits the columns the extractor needs. */
async function checkFileSource(name: string, config: FileSourceConfig, uses: QueryUse[]): Promise<CheckOutcome> {
  try {
    await access(config.path, constants.R_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw pmhError('ExportFileMissing', { source: name, file: config.path }, error);
    throw pmhError('ExportFileInvalid', { source: name, file: config.path, detail: 'the file cannot be read (permission denied)' }, error);
  }
  const configured = new Set(config.columns.map((column) => column.name));
  for (const use of uses) {
    const missing = REQUIRED_COLUMNS[use.purpose].find((column) => !configured.has(column));
    if (missing) throw pmhError('QueryColumnMissing', { file: config.path, column: missing });
  }
  // Reading the first record makes the reader match the header labels and count the
  // fields; the record itself (personal data) is dropped unseen.
  let records = 0;
  for await (const _ of readFileSource(name, config)) {
    records += 1;
    break;
  }
  return {
    status: 'ok',
    detail: records
      ? t({ ja: '{file}（見出し・列を確認）', en: '{file} (header and columns fit)' }, { file: config.path })
      : t({ ja: '{file}（データ行がありません）', en: '{file} (no data rows)' }, { file: config.path }),
  };
}

/**
 * The checks of every configured source and every SQL file the config uses. A source's
 * queries are planned on the connection its own check opened; a source that cannot be
 * reached leaves its queries checked for read-only only (a warning, not a second failure).
 */
export function sourceChecks(config: BotConfig): CheckSpec[] {
  const uses = queryUses(config);
  const baseDate = config.base_date ?? tokyoDate();
  const specs: CheckSpec[] = [];
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.client === 'file') {
      specs.push({
        id: `source:${name}`,
        label: sourceLabel(name, 'file'),
        seconds: 120,
        run: () => checkFileSource(name, source, uses.filter((use) => use.source === name)),
      });
      continue;
    }
    let opened: Promise<SqlSource | null> | undefined;
    const open = (): Promise<SqlSource | null> => (opened ??= openForCheck(name, source));
    const seen = new Set<string>();
    const queries = uses.filter((use): use is QueryUse & { sqlFile: string } => {
      if (use.source !== name || !use.sqlFile) return false;
      // A file bound to several program codes is planned once per code: the binding differs, the SQL does not.
      if (seen.has(use.sqlFile)) return false;
      seen.add(use.sqlFile);
      return true;
    });
    let pending = queries.length;
    const release = async (): Promise<void> => {
      pending -= 1;
      if (pending <= 0) await (await open().catch(() => null))?.close().catch(() => undefined);
    };
    const queryTimeout = Math.min(source.query_timeout_seconds, 120) + source.connect_timeout_seconds;
    specs.push({
      id: `source:${name}`,
      label: sourceLabel(name, source.client),
      seconds: source.connect_timeout_seconds + 10,
      run: async () => {
        await open();
        if (queries.length === 0) await release();
        return { status: 'ok', detail: describeTarget(source) };
      },
    });
    for (const use of queries) {
      specs.push({
        id: `query:${name}:${use.sqlFile}`,
        label: queryLabel(use.sqlFile, name),
        seconds: queryTimeout,
        run: async () => {
          try {
            const connection = await open().catch(() => null);
            return await checkQuery(use, source, connection, baseDate);
          } finally {
            await release();
          }
        },
      });
    }
  }
  return specs;
}
