/**
 * Logging through pino, with personal data and secrets removed centrally: whatever a
 * caller passes, every line goes through `scrub` before it is written. Secrets are
 * registered once, when they are read (config/secrets.ts), not remembered by callers.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';

const secrets = new Set<string>();

export function registerSecret(value: string): void {
  if (value.length >= 4) secrets.add(value);
}

/** Keys whose values are personal data or secrets, in any casing style the code uses. */
const SENSITIVE_KEY =
  /^(my_?number|kojin_?no|name|name_?kana|shimei(_kana)?|address|jusho|date_?of_?birth|birth_?date|seinengappi|basic_?five_?info|password|passwd|secret|token|totp|authorization|cookie|connection_?string)$/i;

const MY_NUMBER_LIKE = /(?<!\d)\d{12}(?!\d)/g;

export function scrubText(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[SECRET]');
  return out.replace(MY_NUMBER_LIKE, '[MY_NUMBER]');
}

export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: scrubText(value.message), stack: value.stack ? scrubText(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) ? '[REDACTED]' : scrub(inner, depth + 1);
  }
  return out;
}

export type { Logger };

/** A logger writing JSON lines to `file` (synchronously, so nothing is lost at exit). */
export function createLogger(file: string | null, bindings: Record<string, unknown> = {}): Logger {
  const destination = file
    ? (mkdirSync(dirname(file), { recursive: true }), pino.destination({ dest: file, sync: true, mkdir: true }))
    : pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: process.env.PMH_BOT_LOG_LEVEL ?? 'info',
      base: bindings,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => scrub(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
