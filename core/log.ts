/**
 * Logging through pino, with personal data and secrets removed centrally: whatever a
 * caller passes, every line goes through `scrub` before it is written. Secrets are
 * registered once, when they are read (config/secrets.ts), not remembered by callers.
 *
 * Every destination is written synchronously, so nothing is lost when the process exits
 * (a scheduled run that ends with process.exit, a crash). A run logs to its own JSON file,
 * to the rolling daily file `<data_dir>/logs/pmh-bot-YYYY-MM-DD.log` (Asia/Tokyo date),
 * and, at a terminal, as readable lines on stderr.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import { prettyFactory } from 'pino-pretty';

const secrets = new Set<string>();

/** Registers a secret value: from now on it is replaced by [SECRET] wherever it appears. */
export function registerSecret(value: string): void {
  if (value.length < 4) return;
  secrets.add(value);
  // The same password inside a URL or a form body arrives percent-encoded.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

/** Keys whose values are personal data (基本5情報, My Number), in any casing style the code uses. */
const PERSONAL_KEY =
  /^(my_?number|kojin_?no|kojin_?bango|individual_?number|name|full_?name|kana|name_?kana|kana_?name|shimei(_?kana)?|address|jusho|date_?of_?birth|birth_?date|birthday|dob|seinengappi|sex|gender|seibetsu|basic_?five_?info)$/i;

/** Keys whose values are secrets, also as the end of a longer key (smtpPassword, totp_secret, accessToken). */
const SECRET_KEY = /(password|passwd|^pwd|secret|token|api_?key|private_?key|authorization|cookie|^totp|connection_?string)$/i;

function isSensitiveKey(key: string): boolean {
  return PERSONAL_KEY.test(key) || SECRET_KEY.test(key);
}

/** 12 digits standing alone, half- or full-width, optionally written 4-4-4 with spaces or hyphens. */
const MY_NUMBER_LIKE = /(?<![0-9０-９])[0-9０-９]{4}([ \-－]?)[0-9０-９]{4}\1[0-9０-９]{4}(?![0-9０-９])/g;
/** scheme://user:password@host → the password goes, scheme, user and host stay. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;
/** Authorization: Bearer xxx / Basic xxx, in headers and in free text. */
const AUTH_SCHEME = /\b(Bearer|Basic|Digest)\s+[A-Za-z0-9\-._~+/=]{4,}/g;
/** password=xxx in ODBC/ADO connection strings and query strings. */
const KEY_VALUE_SECRET = /\b(password|passwd|pwd)(\s*=\s*)("[^"]*"|'[^']*'|[^;&\s,]+)/gi;

export function scrubText(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[SECRET]');
  }
  return out
    .replace(URL_CREDENTIALS, '$1:[SECRET]@')
    .replace(AUTH_SCHEME, '$1 [SECRET]')
    .replace(KEY_VALUE_SECRET, '$1$2[SECRET]')
    .replace(MY_NUMBER_LIKE, '[MY_NUMBER]');
}

function scrubError(error: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name,
    message: scrubText(error.message),
    stack: error.stack ? scrubText(error.stack) : undefined,
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.cause !== undefined && depth < 8) out.cause = scrub(error.cause, depth + 1);
  return out;
}

export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return scrubError(value, depth);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) ? '[REDACTED]' : scrub(inner, depth + 1);
  }
  return out;
}

export type { Logger };

/** The pino options every logger shares: scrubbing of the object, the message, the bindings. */
function loggerOptions(bindings: Record<string, unknown>): pino.LoggerOptions {
  return {
    level: logLevel(),
    base: scrub(bindings) as Record<string, unknown>,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Errors are already turned into scrubbed plain objects; pino's serializer would relabel them 'Object'.
    serializers: { err: (value: unknown) => value },
    formatters: {
      log: (object) => scrub(object) as Record<string, unknown>,
      bindings: (object) => scrub(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const cleaned: unknown[] = args.map((arg, i) => (typeof arg === 'string' ? scrubText(arg) : i === 0 ? arg : scrub(arg)));
        // pino takes a bare Error's message as the line's message, past the formatters.
        if (cleaned[0] instanceof Error) {
          const error = cleaned[0];
          cleaned[0] = { err: error };
          if (typeof cleaned[1] !== 'string') cleaned.splice(1, 0, scrubText(error.message));
        }
        method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
  };
}

function logLevel(): pino.Level {
  const level = process.env.PMH_BOT_LOG_LEVEL;
  return level && level in pino.levels.values ? (level as pino.Level) : 'info';
}

/** A logger writing JSON lines to `file` (synchronously, so nothing is lost at exit). */
export function createLogger(file: string | null, bindings: Record<string, unknown> = {}): Logger {
  const destination = file ? openRunFile(file) : pino.destination({ dest: 2, sync: true });
  return pino(loggerOptions(bindings), destination);
}

// ---------------------------------------------------------------------------------------
// Destinations

type SyncDestination = DestinationStream & { flushSync?: () => void; end?: () => void };

/** Every destination opened by this module, for flushLogs(). */
const open = new Set<SyncDestination>();
/** What each run logger owns, for closeLogger(). */
const owned = new WeakMap<Logger, SyncDestination[]>();

function openRunFile(file: string): SyncDestination {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const destination = pino.destination({ dest: file, sync: true, mkdir: true, mode: 0o600 }) as SyncDestination;
  open.add(destination);
  return destination;
}

export const DAILY_LOG_PREFIX = 'pmh-bot-';
const DAILY_LOG_NAME = /^pmh-bot-(\d{4}-\d{2}-\d{2})\.log$/;

/** The folder of the daily logs under a data directory. */
export function dailyLogDir(dataDir: string): string {
  return join(dataDir, 'logs');
}

/** YYYY-MM-DD in Asia/Tokyo (Japan keeps no daylight saving time). */
function tokyoDay(at: Date): string {
  return new Date(at.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}

function dayMinus(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/**
 * Removes the daily logs older than `keepDays` days before `today` (so at most `keepDays`
 * files remain, today's included). Returns the files removed.
 */
export function pruneDailyLogs(dir: string, keepDays: number, today: Date = new Date()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const oldestKept = dayMinus(tokyoDay(today), keepDays - 1);
  const removed: string[] = [];
  for (const name of names) {
    const day = DAILY_LOG_NAME.exec(name)?.[1];
    if (day && day < oldestKept) {
      rmSync(join(dir, name), { force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}

/**
 * Appends to `<dir>/pmh-bot-YYYY-MM-DD.log`, choosing the date at each write, so a run
 * that goes past midnight continues in the new day's file. Opening a new day's file
 * removes the files past retention. Several processes may append to the same file.
 */
class DailyFile implements SyncDestination {
  private day: string | null = null;
  private fd: number | null = null;

  constructor(
    readonly dir: string,
    readonly keepDays: number,
    private readonly clock: () => Date,
  ) {}

  write(line: string): void {
    const now = this.clock();
    const day = tokyoDay(now);
    if (day !== this.day || this.fd === null) this.openDay(day, now);
    writeSync(this.fd!, line);
  }

  private openDay(day: string, now: Date): void {
    this.close();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.fd = openSync(join(this.dir, `${DAILY_LOG_PREFIX}${day}.log`), 'a', 0o600);
    this.day = day;
    pruneDailyLogs(this.dir, this.keepDays, now);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.day = null;
  }

  end(): void {
    this.close();
  }
}

/** One daily writer per folder, shared by every logger of the process. */
const dailyFiles = new Map<string, DailyFile>();

function dailyFile(dir: string, keepDays: number, clock: () => Date): DailyFile {
  const existing = dailyFiles.get(dir);
  if (existing && existing.keepDays === keepDays) return existing;
  existing?.close();
  const created = new DailyFile(dir, keepDays, clock);
  dailyFiles.set(dir, created);
  open.add(created);
  return created;
}

/** Human-readable lines on stderr, written synchronously. */
function prettyStderr(): SyncDestination {
  const format = prettyFactory({
    colorize: Boolean(process.stderr.isTTY),
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss',
    ignore: 'pid,hostname',
  });
  return {
    write(line: string): void {
      writeSync(2, format(line));
    },
  };
}

export interface RunLoggerOptions {
  /** The run's own JSON log (`<run folder>/run.log`); null for a logger outside a run. */
  runFile?: string | null;
  /** Folder of the rolling daily logs; see dailyLogDir(). Null: no daily log. */
  dailyDir?: string | null;
  /** Daily log files to keep (config log.daily_retention_days). */
  dailyRetentionDays?: number;
  bindings?: Record<string, unknown>;
  /** Readable lines on stderr too; default: when stderr is a terminal. */
  pretty?: boolean;
  /** For tests: the clock that dates the daily file. */
  clock?: () => Date;
}

/** A logger writing to the run's file, the daily file and (at a terminal) stderr, all scrubbed. */
export function createRunLogger(options: RunLoggerOptions): Logger {
  const level = logLevel();
  const streams: StreamEntry[] = [];
  const mine: SyncDestination[] = [];
  if (options.runFile) {
    const file = openRunFile(options.runFile);
    mine.push(file);
    streams.push({ level, stream: file });
  }
  if (options.dailyDir) {
    streams.push({ level, stream: dailyFile(options.dailyDir, options.dailyRetentionDays ?? 90, options.clock ?? (() => new Date())) });
  }
  if (options.pretty ?? Boolean(process.stderr.isTTY)) streams.push({ level, stream: prettyStderr() });
  const logger = pino(loggerOptions(options.bindings ?? {}), pino.multistream(streams));
  owned.set(logger, mine);
  return logger;
}

/** Writes out whatever any destination still holds. Every destination is synchronous; this is belt and braces before exit. */
export function flushLogs(): void {
  for (const destination of open) {
    try {
      destination.flushSync?.();
    } catch {
      // A destination already closed has nothing left to write.
    }
  }
}

/** Flushes and closes the run file a run logger opened (the shared daily file stays open). */
export function closeLogger(logger: Logger): void {
  for (const destination of owned.get(logger) ?? []) {
    try {
      destination.flushSync?.();
      destination.end?.();
    } catch {
      // Already closed.
    }
    open.delete(destination);
  }
  owned.delete(logger);
}
