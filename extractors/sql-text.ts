/**
 * SQL text handling for EUC queries: named parameters (`:base_date`) become driver
 * bindings, never text, and only a single read-only statement is accepted.
 * A small scanner skips string literals, quoted identifiers, comments and `::` casts,
 * so a colon or keyword inside them is never mistaken for SQL.
 */

export interface CompiledSql {
  /** The SQL with `?` placeholders, for knex.raw. */
  sql: string;
  bindings: unknown[];
  /** The parameter names in order of appearance (with repeats). */
  names: string[];
}

type Segment = { kind: 'code' | 'literal' | 'comment'; text: string };

/** Splits SQL into code, literal and comment segments. */
export function scanSql(sql: string): Segment[] {
  const segments: Segment[] = [];
  let code = '';
  let i = 0;
  const flushCode = (): void => {
    if (code) segments.push({ kind: 'code', text: code });
    code = '';
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      flushCode();
      segments.push({ kind: 'comment', text: sql.slice(i, stop) });
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      flushCode();
      segments.push({ kind: 'comment', text: sql.slice(i, stop) });
      i = stop;
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            j += 2;
            continue;
          }
          break;
        }
        j += 1;
      }
      flushCode();
      segments.push({ kind: 'literal', text: sql.slice(i, j + 1) });
      i = j + 1;
    } else {
      code += ch;
      i += 1;
    }
  }
  flushCode();
  return segments;
}

/**
 * Comments carry no meaning for the engine, and knex would count a `?` in them as a
 * binding: compiled SQL goes without them. A line comment's line break stays in the code.
 */
function commentReplacement(comment: string): string {
  return comment.startsWith('--') ? '' : ' ';
}

export function stripComments(sql: string): string {
  return scanSql(sql)
    .map((segment) => (segment.kind === 'comment' ? commentReplacement(segment.text) : segment.text))
    .join('');
}

const PARAM = /(^|[^:\w]):([A-Za-z_][A-Za-z0-9_]*)/g;

/** Replaces `:name` parameters with `?` and collects the values in order. */
export function compileNamedParameters(
  sql: string,
  params: Record<string, unknown>,
  onMissing: (name: string) => never,
): CompiledSql {
  const bindings: unknown[] = [];
  const names: string[] = [];
  const out = scanSql(sql)
    .map((segment) => {
      if (segment.kind === 'comment') return commentReplacement(segment.text);
      // knex takes every `?` as a positional binding; in code it is an operator (PostgreSQL jsonb).
      const escaped = segment.text.replace(/\?/g, '\\?');
      if (segment.kind !== 'code') return escaped;
      return escaped.replace(PARAM, (_whole, before: string, name: string) => {
        if (!(name in params)) onMissing(name);
        bindings.push(params[name]);
        names.push(name);
        return `${before}?`;
      });
    })
    .join('');
  return { sql: out, bindings, names };
}

const WRITE_KEYWORDS =
  /\b(insert|update|delete|merge|upsert|replace|create|alter|drop|truncate|grant|revoke|exec|execute|call|attach|detach|pragma|vacuum|into|lock|set|begin|commit|rollback|copy|load|handler|share|updlock|xlock|tablock|tablockx|holdlock|rowlock|paglock|nowait|nextval|setval|openquery|openrowset|opendatasource|dblink|dblink_exec|lo_import|lo_export|pg_advisory_lock|pg_advisory_xact_lock|pg_terminate_backend|pg_cancel_backend|dbms_\w+|utl_\w+|sp_\w+|xp_\w+)\b/i;

/**
 * Quoting the scanner cannot read the way every engine does (backslash escapes, E'' and
 * q'' strings, dollar quotes, MySQL's executable comments): such SQL is refused outright,
 * so no engine can see code where the guard saw a string or a comment.
 */
function whyAmbiguous(segments: Segment[]): string | null {
  for (const [i, segment] of segments.entries()) {
    const next = segments[i + 1];
    if (segment.kind === 'comment' && segment.text.startsWith('/*!')) return 'MySQL executable comment /*! */';
    if (segment.kind === 'literal') {
      if (segment.text.includes('\\')) return 'backslash inside a quoted string or name';
      if (segment.text.startsWith('[') && /['"`]/.test(segment.text)) return 'quote inside a [bracketed] name';
      // knex's Oracle dialect turns even an escaped ? into a bind variable.
      if (segment.text.includes('?')) return 'a half-width ? inside a quoted string (write CHR(63) or CHAR(63))';
    }
    if (segment.kind === 'code') {
      if (/\$[A-Za-z_0-9]*\$/.test(segment.text)) return 'dollar-quoted string';
      const prefixesString = next?.kind === 'literal' && next.text.startsWith("'");
      if (prefixesString && /(^|[^A-Za-z0-9_])[EeQqUuBbXx]$/.test(segment.text)) return "prefixed string literal (E'', q'', ...)";
    }
  }
  return null;
}

/** Returns why the SQL is not a single read-only statement, or null when it is. */
export function whyNotReadOnly(sql: string): string | null {
  const segments = scanSql(sql);
  const ambiguous = whyAmbiguous(segments);
  if (ambiguous) return ambiguous;
  const code = segments
    .filter((segment) => segment.kind !== 'comment')
    .map((segment) => (segment.kind === 'literal' ? "''" : segment.text))
    .join('')
    .trim()
    .replace(/;\s*$/, '');
  if (code === '') return 'empty';
  if (code.includes(';')) return 'several statements';
  const first = /^\(?\s*(\w+)/.exec(code)?.[1]?.toLowerCase();
  if (first !== 'select' && first !== 'with') return `starts with ${first ?? '?'}`;
  const write = WRITE_KEYWORDS.exec(code);
  if (write) return `contains ${write[1]!.toUpperCase()}`;
  return null;
}
