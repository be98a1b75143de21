/**
 * The catalogs' `{name}` placeholders are their parameters: an error or a record problem
 * made without one of its values would show the operator a literal `{name}`. The types
 * make that a compile error; these tests check the texts the types are read from, and
 * that the compiler really refuses a missing, misspelt or stray value.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { errorCatalog, type ErrorCode, type ErrorParamName, type ErrorParamsOf } from '../../core/error-catalog.ts';
import { pmhError } from '../../core/errors.ts';
import { t, type FillValue, type Lang } from '../../core/i18n.ts';
import { recordProblem, recordProblemCatalog, type RecordProblemCode } from '../../bot/records/record-problem.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PLACEHOLDER = /\{(\w+)\}/g;
const LANGS: Lang[] = ['ja', 'en'];
const PARTS = ['title', 'message', 'hint'] as const;

function namesIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))].sort();
}

/** Braces that are not a `{name}` placeholder: the types and fill() would read them differently. */
function strayBraces(text: string): boolean {
  return /[{}]/.test(text.replace(PLACEHOLDER, ''));
}

/** A value per name, recognisable in the filled text. */
function valuesFor(names: string[]): Record<string, FillValue> {
  return Object.fromEntries(names.map((name) => [name, `<${name}>`]));
}

const codes = Object.keys(errorCatalog) as ErrorCode[];

describe('the error catalog', () => {
  it('writes every placeholder as {name}, with no other brace the types would misread', () => {
    for (const code of codes) {
      for (const part of PARTS) {
        for (const lang of LANGS) assert.ok(!strayBraces(errorCatalog[code][part][lang]), `${code}.${part}.${lang}`);
      }
    }
  });

  it('names the same values in Japanese and English, so the operator and the vendor read the same facts', () => {
    for (const code of codes) {
      for (const part of PARTS) {
        assert.deepEqual(namesIn(errorCatalog[code][part].ja), namesIn(errorCatalog[code][part].en), `${code}.${part}`);
      }
    }
  });

  it('leaves no placeholder unfilled in any text when an error is made with the values its texts name', () => {
    for (const code of codes) {
      const names = namesIn(PARTS.flatMap((part) => LANGS.map((lang) => errorCatalog[code][part][lang])).join(' '));
      // The names are read at run time here (hence the cast); the compile-time checks follow.
      const error = pmhError(code, valuesFor(names) as ErrorParamsOf<typeof code>);
      for (const lang of LANGS) {
        const described = error.describeIn(lang);
        for (const part of PARTS) assert.doesNotMatch(described[part], PLACEHOLDER, `${code}.${part}.${lang}: ${described[part]}`);
        for (const name of names) {
          assert.ok(PARTS.some((part) => described[part].includes(`<${name}>`)), `${code}: {${name}} is filled in ${lang}`);
        }
      }
      assert.doesNotMatch(error.message, PLACEHOLDER, code);
    }
  });

  it('shows the operator a literal {name} when a value is missing, which is why a missing value must not compile', () => {
    // @ts-expect-error runId is missing: the message and the hint would read {runId}.
    const missing = pmhError('RunCrashed', { pid: 1, host: 'pc-1' });
    assert.match(missing.describeIn('ja').hint, /pmh-bot replay \{runId\}/);
    // @ts-expect-error runID is not runId: misspelt, the placeholder stays.
    assert.match(pmhError('RunNotFound', { runID: 'r1' }).describeIn('ja').message, /\{runId\}/);
    // @ts-expect-error a value no text of the code names is refused too.
    pmhError('RunNotFound', { runId: 'r1', detail: 'unused' });
    // @ts-expect-error a code without placeholders takes no value.
    pmhError('PmhOtpNotConfigured', { detail: 'unused' });
    assert.equal(pmhError('RunNotFound', { runId: 'r1' }).describeIn('ja').message, '実行 ID r1 は実行台帳にありません。');
  });
});

describe('the record problem catalog', () => {
  const problemCodes = Object.keys(recordProblemCatalog) as RecordProblemCode[];

  it('writes every placeholder as {name} and names the same values in both languages', () => {
    for (const code of problemCodes) {
      for (const lang of LANGS) assert.ok(!strayBraces(recordProblemCatalog[code][lang]), `${code}.${lang}`);
      assert.deepEqual(namesIn(recordProblemCatalog[code].ja), namesIn(recordProblemCatalog[code].en), code);
    }
  });

  it('leaves no placeholder unfilled when a problem is given the values its reason names ({label} from the field)', () => {
    for (const code of problemCodes) {
      const names = namesIn(`${recordProblemCatalog[code].ja} ${recordProblemCatalog[code].en}`).filter((name) => name !== 'label');
      // Names read at run time stand for the compile-time ones (any code's, hence the cast).
      const problem = recordProblem(code, 'myNumber', valuesFor(names) as never);
      for (const lang of LANGS) assert.doesNotMatch(problem.reason[lang], PLACEHOLDER, `${code}.${lang}: ${problem.reason[lang]}`);
    }
    // @ts-expect-error limit is missing: the reason would read {limit}.
    assert.match(recordProblem('TooLong', 'basicFiveInfo.name', { length: 40 }).reason.ja, /\{limit\}/);
  });
});

describe('t() on a text written in place', () => {
  it('fills the placeholders, and a missing value does not compile', () => {
    assert.match(t({ ja: '{n} 件', en: '{n} rows' }, { n: 3 }), /^3 (件|rows)$/);
    // @ts-expect-error n is missing.
    assert.match(t({ ja: '{n} 件', en: '{n} rows' }), /\{n\}/);
  });
});

// Type-level: the parameter names are read from the texts, in either language.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const paramNames: [
  Equal<ErrorParamName<'ConfigSyntax'>, 'file' | 'line' | 'detail'>,
  Equal<ErrorParamName<'MassChangeGuard'>, 'before' | 'deleted' | 'changed' | 'ratio' | 'limit' | 'population' | 'runId'>,
  Equal<ErrorParamName<'PmhOtpNotConfigured'>, never>,
] = [true, true, true];
void paramNames;

/**
 * Compiles a file of calls with the project's compiler options, the way `npm test`'s
 * type-check would, and returns the lines the compiler refused.
 */
function refusedLines(source: string): Map<number, string> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, join(ROOT, 'tsconfig.json'));
  // Outside the project (its include would compile the refused calls), as an ES module.
  const dir = mkdtempSync(join(tmpdir(), 'pmh-bot-typing-'));
  const file = join(dir, 'probe.mts');
  try {
    writeFileSync(file, source);
    // The DOM library is the project's for the screen flow; these files need none of it.
    const program = ts.createProgram([file], { ...options, noEmit: true, lib: ['lib.es2022.d.ts', 'lib.es2024.string.d.ts'] });
    const refused = new Map<number, string>();
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      assert.equal(diagnostic.file?.fileName, file, ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start!);
      refused.set(line + 1, ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    }
    return refused;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the compiler', () => {
  it('refuses an error, a record problem or a text whose values miss, misspell or add a placeholder name', { timeout: 120_000 }, () => {
    const from = (path: string): string => JSON.stringify(join(ROOT, path));
    const refused = refusedLines(
      [
        `import { BusinessError, pmhError } from ${from('core/errors.ts')};`,
        `import { t } from ${from('core/i18n.ts')};`,
        `import { recordProblem } from ${from('bot/records/record-problem.ts')};`,
        `pmhError('RunCrashed', { runId: 'r1', pid: 1, host: 'pc-1' });`,
        `pmhError('RunCrashed', { pid: 1, host: 'pc-1' });`,
        `pmhError('RunNotFound', { runID: 'r1' });`,
        `pmhError('RunNotFound', { runId: 'r1', detail: 'x' });`,
        `pmhError('PmhOtpNotConfigured', {});`,
        `new BusinessError('RunNotFound', {});`,
        `recordProblem('TooLong', 'x', { length: 1 });`,
        `t({ ja: '{n} 件', en: '{n} rows' });`,
        `recordProblem('TooLong', 'x', { length: 1, limit: 2 }); t({ ja: '{n} 件', en: '{n} rows' }, { n: 1 });`,
      ].join('\n'),
    );
    assert.deepEqual([...refused.keys()].sort((a, b) => a - b), [5, 6, 7, 9, 10, 11], [...refused.values()].join('\n'));
    assert.match(refused.get(5)!, /'runId' is missing/);
    assert.match(refused.get(6)!, /'runID' does not exist.*Did you mean to write 'runId'/s);
    assert.match(refused.get(7)!, /'detail' does not exist/);
    assert.match(refused.get(10)!, /'limit' is missing/);
  });
});
