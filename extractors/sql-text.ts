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
      if (segment.kind !== 'code') return segment.text;
      // `?` in code would be taken as a knex positional binding: escape it.
      const escaped = segment.text.replace(/\?/g, '\\?');
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
  /\b(insert|update|delete|merge|upsert|replace|create|alter|drop|truncate|grant|revoke|exec|execute|call|attach|detach|pragma|vacuum|into|lock|set|begin|commit|rollback|copy)\b/i;

/** Returns why the SQL is not a single read-only statement, or null when it is. */
export function whyNotReadOnly(sql: string): string | null {
  const code = scanSql(sql)
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
