/**
 * YAML files an operator edits (the config, the layout): parsed with line numbers, so
 * every problem can be reported with the path of the key and the line it is on.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error.ts';
import { describeIssue, formatPath } from './zod-messages.ts';

export interface YamlDocument {
  data: unknown;
  /** The line of the key at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number | null;
}

/** Reads a file an operator edits; a missing or unreadable one throws ConfigFileMissing. */
export function readEditedFile(path: string): { file: string; source: string } {
  const file = resolve(path);
  try {
    return { file, source: readFileSync(file, 'utf8') };
  } catch (error) {
    throw new ConfigError('ConfigFileMissing', { file, detail: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
}

/** Parses the text; a syntax error throws ConfigSyntax with the line. */
export function parseYaml(file: string, source: string): YamlDocument & { issueProblems(issues: z.core.$ZodIssue[]): ConfigProblem[] } {
  const counter = new LineCounter();
  const doc = parseDocument(source, { lineCounter: counter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? 0;
    throw new ConfigError('ConfigSyntax', { file, line, detail: syntax.message.split('\n')[0] ?? '' });
  }
  const lineOf = (path: readonly PropertyKey[]): number | null => {
    // Walk up until a node exists (a missing key points at its parent).
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return counter.linePos(node.range[0]).line;
    }
    return null;
  };
  return {
    data: doc.toJS() ?? {},
    lineOf,
    issueProblems: (issues) =>
      issues.map((issue) => ({
        path: formatPath(issue.path),
        line: lineOf(issue.path),
        ...describeIssue(issue, doc.hasIn(issue.path as unknown[])),
      })),
  };
}

/** Throws ConfigInvalid for the first problem (with its line), carrying all of them. */
export function throwInvalid(file: string, problems: ConfigProblem[]): never {
  const first = problems[0];
  const where = first?.line ? `${first.path}（${first.line} 行目）` : (first?.path ?? '(ルート)');
  throw new ConfigError('ConfigInvalid', { file, path: where, detail: first?.ja ?? '' }, problems);
}
