/**
 * The configuration schema: one zod schema is the documentation of every key, the types
 * the code uses, and the validation that stops a bad config at start-up.
 * Keys are snake_case because operators edit them in YAML; the parsed object keeps them.
 * Secrets are never values here: a `*_env` key names the environment variable to read.
 */
import cronParser from 'cron-parser';
import { z } from 'zod';

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names use letters, digits and _');

/**
 * An object whose keys all have defaults: left out of the YAML, it is read as `{}`, so each
 * default is written once, on its key (zod's prefault parses the empty object; a plain
 * default would skip the keys' own defaults and make us repeat them).
 */
function defaulted<T extends z.ZodObject>(schema: T) {
  return schema.prefault({} as z.input<T>);
}

/** The message of a key one delivery channel requires (zod-messages.ts says it in Japanese). */
function neededBy(transport: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? `needed by transport: ${transport}` : undefined) };
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written YYYY-MM-DD');

const sqliteConnection = z.strictObject({
  filename: z.string().min(1),
});

const networkConnection = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  database: z.string().min(1),
  user: z.string().min(1),
  password_env: envName.optional(),
});

const sourceCommon = {
  /** Seconds to wait for a connection. */
  connect_timeout_seconds: z.number().int().positive().default(30),
  /** Seconds a single query may run. */
  query_timeout_seconds: z.number().int().positive().default(600),
};

const canonicalName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _');

/** One column of an EUC export file, named by the canonical column it feeds (resident_no, ...). */
const fileColumnSchema = z.strictObject({
  name: canonicalName,
  /** CSV/TSV: the header label (with header: true) or the 1-based field number. Default: the name, or the position. */
  field: z.union([z.string().min(1), z.number().int().positive()]).optional(),
  /** Fixed-width: 1-based start, in bytes of the file's encoding. */
  start: z.number().int().positive().optional(),
  /** Fixed-width: length in bytes of the file's encoding (a full-width CP932 character is 2). */
  length: z.number().int().positive().optional(),
});

/** A file exported by a business system's EUC function. */
export const fileSourceSchema = z
  .strictObject({
    client: z.literal('file'),
    /** The export file (relative to the config file). */
    path: z.string().min(1),
    format: z.enum(['csv', 'tsv', 'fixed']),
    /** utf-8 (a BOM is skipped when present), utf-8-bom, or cp932 (Shift_JIS as Windows writes it). */
    encoding: z.enum(['utf-8', 'utf-8-bom', 'cp932']).default('utf-8'),
    /** The first line is a header row. */
    header: z.boolean().default(false),
    columns: z.array(fileColumnSchema).min(1),
  })
  .superRefine((source, ctx) => {
    source.columns.forEach((column, i) => {
      if (source.format === 'fixed' && (column.start === undefined || column.length === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['columns', i], message: 'fixed-width columns need start and length' });
      }
      if (source.format !== 'fixed' && (column.start !== undefined || column.length !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['columns', i], message: 'start and length are for fixed-width files only' });
      }
    });
  });

export const sourceSchema = z.discriminatedUnion('client', [
  fileSourceSchema,
  z.strictObject({
    /**
     * SQLite through Node's own node:sqlite. `better-sqlite3`, the driver before it, is read
     * as `sqlite`, so a config written for it keeps working unchanged.
     */
    client: z.enum(['sqlite', 'better-sqlite3']).transform((): 'sqlite' => 'sqlite'),
    connection: sqliteConnection,
    ...sourceCommon,
  }),
  z.strictObject({
    client: z.enum(['pg', 'mysql2', 'mssql', 'oracledb']),
    connection: networkConnection,
    pool_size: z.number().int().min(1).max(20).default(2),
    ...sourceCommon,
  }),
]);

const querySchema = z.strictObject({
  /** Name of an entry under `sources`. */
  source: z.string().min(1),
  /** Path of the SQL file (relative to the config file); none for a file source. */
  sql: z.string().min(1).optional(),
});

const codeMap = z.record(z.string(), z.string());

export const programSchema = z.strictObject({
  /** The program's code in the subsidy system, bound to :program_code. */
  code: z.string().min(1).max(30),
  /** 機関別受給者証種別ID: which certificate type of which municipality, as PMH registered it. */
  certificate_type_id: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9]+$/, 'half-width letters and digits only'),
  /** 受給者証名 as printed on the certificate. */
  certificate_name: z.string().min(1).max(100),
  /** The certificates query for this program (relative to the config file); none when its source is a file. */
  sql: z.string().min(1).optional(),
  /** Name of an entry under `sources`; defaults to extraction.certificates_source. */
  source: z.string().min(1).optional(),
  /** Programs whose rules forbid managing sex (自立支援医療 and the like) send 0. */
  sex_always_unknown: z.boolean(),
  /** Enforce the 7-digit 公費受給者番号 check digit (national programs). */
  recipient_number_check: z.boolean(),
  /** Registry sex code → PMH sex ("1" male, "2" female, "0" unknown). */
  sex_codes: z.record(z.string(), z.enum(['0', '1', '2'])).default({ '1': '1', '2': '2' }),
  /** Subsidy-system income segment code → the text PMH shows (所得区分). Unmapped codes pass as they are. */
  income_segments: codeMap.default({}),
});

const browserSchema = z.strictObject({
  /** chromium (an installed Chromium), chrome, msedge, or auto (find one). */
  channel: z.enum(['auto', 'chromium', 'chrome', 'msedge']).default('auto'),
  /** Path of the browser executable; wins over channel. */
  executable_path: z.string().min(1).optional(),
  headless: z.boolean().default(true),
  /** Milliseconds between actions, for an operator who wants to watch. */
  slow_mo_ms: z.number().int().min(0).max(5000).default(0),
  /** The forward proxy PMH is reached through on the LGWAN; none: the browser connects directly. */
  proxy: z
    .strictObject({
      /** http://host:port (or https://, socks5://). */
      server: z.url({ protocol: /^(https?|socks5)$/ }),
      /** Hosts reached without the proxy, comma-separated, e.g. ".lgwan.example, 10.1.2.3". */
      bypass: z.string().min(1).optional(),
      username: z.string().min(1).optional(),
      /** Name of the environment variable holding the proxy password (never the password itself). */
      password_env: envName.optional(),
    })
    .refine((proxy) => proxy.password_env === undefined || proxy.username !== undefined, {
      path: ['username'],
      message: 'password_env needs a username',
    })
    .optional(),
  /**
   * PEM file of the certificates the proxy or PMH presents that the terminal does not trust
   * (relative to the config file). Matched against the certificates the server sends.
   */
  ca_bundle: z.string().min(1).optional(),
  /** Accept any certificate (default false). A last resort: it also accepts an impostor's. */
  ignore_https_errors: z.boolean().optional(),
});

/** `transport: api`: the registration Web API (the Agency's method #1). */
const pmhApiSchema = z.strictObject({
  /** The registration endpoint (full URL), e.g. https://pmh.example/api/v1/recipients. */
  url: z.url({ protocol: /^https?$/ }),
  /** Environment variable holding the API's bearer token (never the token itself). */
  token_env: envName,
  /** Records per request; lower it when PMH answers 413 (too large). */
  chunk_size: z.number().int().min(1).max(100_000).default(500),
  /** Seconds to wait for PMH's answer to one request. */
  timeout_seconds: z.number().int().min(1).max(3600).default(120),
});

/** `transport: folder`: files dropped into a folder for the Agency's batch tool or a manual upload (methods #2, #3). */
const pmhFolderSchema = z.strictObject({
  /** The folder the batch tool reads (relative to the config file; a UNC path works on Windows). */
  path: z.string().min(1),
  /** Write `<file>.done` once the file is complete (what the batch tool waits for). */
  marker: z.boolean().default(true),
  /** Wait up to this long for the batch tool to take the file (it disappears); 0: do not wait. */
  wait_for_pickup_seconds: z.number().int().min(0).max(86_400).default(0),
});

/** Keys every delivery channel shares. */
const pmhCommon = {
  /** Required with transport: api; kept (unused) with the others, so switching channels is one line. */
  api: pmhApiSchema.optional(),
  /** Required with transport: folder; kept (unused) with the others. */
  folder: pmhFolderSchema.optional(),
  /** Base URL of the PMH municipal screen (required with transport: screen). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** The PMH user ID of the screen (required with transport: screen). */
  user_id: z.string().min(1).optional(),
  /** Environment variable holding the screen password (required with transport: screen). */
  password_env: envName.optional(),
  /** full: every record every day (全件連携); diff: only what changed since PMH last accepted (差分連携). */
  mode: z.enum(['full', 'diff']).default('full'),
  poll_interval_seconds: z.number().min(0.2).max(300).default(2),
  result_timeout_seconds: z.number().int().min(10).max(86400).default(1800),
  /** Seconds for one screen action (a click, a page load). */
  action_timeout_seconds: z.number().int().min(5).max(600).default(60),
  /** The screen profile file (relative to the config file); default: config/screens/pmh-simulator.yaml. */
  screen_profile: z.string().min(1).optional(),
  /** Environment variable holding the TOTP secret (base32), when PMH asks for a one-time password. */
  totp_secret_env: envName.optional(),
  /** Retries of system failures (network, 5xx, maintenance, timeouts): attempts in all, with exponential backoff. */
  retry: defaulted(
    z.strictObject({
      max_attempts: z.number().int().min(1).max(10).default(3),
      initial_delay_seconds: z.number().min(0).max(3600).default(30),
      max_delay_seconds: z.number().min(0).max(3600).default(600),
      multiplier: z.number().min(1).max(10).default(2),
    }),
  ),
  /** After this many consecutive failed attempts (across runs), PMH is not called until the cool-down is over. */
  circuit_breaker: defaulted(
    z.strictObject({
      failure_threshold: z.number().int().min(1).max(100).default(5),
      cooldown_minutes: z.number().min(0).max(1440).default(30),
    }),
  ),
  /** Keep the Playwright trace of successful deliveries too (a failed attempt's trace is always kept). */
  keep_trace: z.boolean().default(false),
};

/**
 * How the files reach PMH, one form per channel: each form requires the keys its channel
 * needs. `transport` may be left out: the screen is the default.
 */
const pmhSchema = z.preprocess(
  (value) => (value && typeof value === 'object' && !Array.isArray(value) && !('transport' in value) ? { ...value, transport: 'screen' } : value),
  z.discriminatedUnion('transport', [
    /** Playwright on the PMH municipal screen (the Agency's method #4). */
    z.strictObject({
      ...pmhCommon,
      transport: z.literal('screen'),
      url: z.url({ protocol: /^https?$/, ...neededBy('screen') }),
      user_id: z.string(neededBy('screen')).min(1),
      password_env: z.string(neededBy('screen')).pipe(envName),
    }),
    /** The registration Web API (method #1). */
    z.strictObject({ ...pmhCommon, transport: z.literal('api'), api: z.strictObject(pmhApiSchema.shape, neededBy('api')) }),
    /** A drop folder for the Agency's batch tool or a manual upload (methods #2, #3). */
    z.strictObject({ ...pmhCommon, transport: z.literal('folder'), folder: z.strictObject(pmhFolderSchema.shape, neededBy('folder')) }),
  ]),
);

const outputSchema = z.strictObject({
  /**
   * The layout file of the upload files: columns, header labels, encoding, line endings,
   * file names, splitting (relative to the config file). Default: config/layouts/pmh-v1.yaml.
   */
  layout: z.string().min(1).optional(),
});

export const configSchema = z.strictObject({
  municipality: z.strictObject({
    /** 地方公共団体コード (6 digits with check digit). */
    code: z.string().regex(/^\d{6}$/, '6 half-width digits'),
    name: z.string().min(1),
  }),
  /** Folder for the run ledger, run folders and evidence (relative to the config file). */
  data_dir: z.string().min(1),
  /** The date the data is taken at; default: today in Asia/Tokyo. */
  base_date: isoDate.optional(),
  sources: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _'), sourceSchema)
    .refine((sources) => Object.keys(sources).length > 0, 'at least one source'),
  extraction: z.strictObject({
    /** Default source of the programs' certificate queries. */
    certificates_source: z.string().min(1),
    /** 基本5情報 and My Number by resident number. */
    persons: querySchema,
    /** Residents under a support measure (不開示フラグ). */
    support_measures: querySchema.extend({
      /**
       * An empty register is refused by default: sent as it is, it would clear every
       * non-disclosure flag. Set true only where no resident is under a measure.
       */
      allow_empty: z.boolean().default(false),
    }),
  }),
  programs: z.array(programSchema).min(1),
  validation: defaulted(
    z.strictObject({
      /** Stop the run (upload nothing) when more than this share of records is invalid. */
      max_invalid_ratio: z.number().min(0).max(1).default(0.01),
    }),
  ),
  output: defaulted(outputSchema),
  /** The mass-change guard: a run that would change too much stops before upload until approved. */
  guard: defaulted(
    z.strictObject({
      /** Stop when deletions + changes exceed this share of what PMH holds (default 5%). */
      max_change_ratio: z.number().min(0).max(1).default(0.05),
      /** Stop when the population falls by more than this share. */
      max_population_drop_ratio: z.number().min(0).max(1).default(0.05),
    }),
  ),
  pmh: pmhSchema,
  browser: defaulted(browserSchema),
  /** `pmh-bot daemon`: when runs start (always Asia/Tokyo) and what happens to a run the machine missed. */
  schedule: defaulted(
    z.strictObject({
      /** Cron rule in Asia/Tokyo: 5 fields (minute first) or 6 (seconds first). Default: weekdays at 06:30. */
      cron: z
        .string()
        .min(1)
        .refine((rule) => {
          try {
            cronParser.parseExpression(rule, { tz: 'Asia/Tokyo' });
            return rule.trim().split(/\s+/).length >= 5;
          } catch {
            return false;
          }
        }, 'a cron rule such as "30 6 * * 1-5" (minute hour day month weekday) or with seconds first')
        .default('30 6 * * 1-5'),
      /** run-once: a run the machine missed (off, asleep, daemon stopped) runs once when it can; alert: only tell. */
      missed_run_policy: z.enum(['run-once', 'alert']).default('run-once'),
      /** How far back a missed run still counts (hours). */
      missed_run_window_hours: z.number().min(1).max(168).default(12),
      /**
       * A run lock older than this (hours) is taken over even if its process seems alive.
       * Default: 12, or the result timeout plus 2 hours when that is longer; it must exceed the longest run.
       */
      lock_stale_hours: z.number().min(1).max(240).optional(),
    }),
  ),
  /** Where `*_env` secrets are looked up: the environment first, then this file, then the OS credential store. */
  secrets: defaulted(
    z.strictObject({
      /** KEY=VALUE lines (# comments), readable by its owner only (relative to the config file). */
      file: z.string().min(1).optional(),
      /** Also look in the OS credential store (service pmh-bot, account = the variable name). */
      credential_store: z.boolean().default(false),
      /** Linux only: which store (default: the library's choice). keyutils suits a service account without a desktop session. */
      linux_store: z.enum(['secret-service', 'keyutils']).optional(),
    }),
  ),
  /** How long personal data stays on disk: run artifacts are deleted by `pmh-bot purge`. */
  retention: defaulted(
    z.strictObject({
      /** Upload files, key maps, screenshots, HTML, traces, error lists, run logs: days after the run started. */
      run_artifacts_days: z.number().int().min(1).max(3650).default(30),
    }),
  ),
  log: defaulted(
    z.strictObject({
      /** Daily log files (<data_dir>/logs/pmh-bot-YYYY-MM-DD.log) kept; older ones are removed. */
      daily_retention_days: z.number().int().min(1).max(3650).default(90),
    }),
  ),
  /** Telling people how a run ended: by mail and/or a local command. Never carries personal data. */
  notify: defaulted(
    z.strictObject({
      /** failure: failed or held runs (default); always: every run; never: none. */
      on: z.enum(['failure', 'always', 'never']).default('failure'),
      mail: z
        .strictObject({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535).default(25),
          /** SMTPS (TLS from the first byte, usually port 465). */
          secure: z.boolean().default(false),
          /** auto: STARTTLS when the server offers it; required: refuse to send without it; never: plain. */
          starttls: z.enum(['auto', 'required', 'never']).default('auto'),
          user: z.string().min(1).optional(),
          /** Name of the environment variable holding the SMTP password (needs user). */
          password_env: envName.optional(),
          from: z.email(),
          to: z.array(z.email()).min(1),
          timeout_seconds: z.number().int().min(1).max(600).default(30),
        })
        .refine((mail) => !mail.password_env || mail.user, { path: ['user'], message: 'password_env needs user' })
        .optional(),
      /** A local program run with the run's summary (JSON) on standard input; no shell. */
      command: z
        .strictObject({
          path: z.string().min(1),
          args: z.array(z.string()).default([]),
          timeout_seconds: z.number().int().min(1).max(3600).default(60),
        })
        .optional(),
    }),
  ),
});

export type BotConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type FileSourceConfig = z.infer<typeof fileSourceSchema>;
export type DatabaseSourceConfig = Exclude<SourceConfig, FileSourceConfig>;
export type ProgramConfig = z.infer<typeof programSchema>;
export type BrowserConfig = z.infer<typeof browserSchema>;
export type PmhConfig = z.infer<typeof pmhSchema>;
export type OutputConfig = z.infer<typeof outputSchema>;
