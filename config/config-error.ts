/** The error of a file an operator edits: it carries every problem found, not just the first. */
import type { ErrorParamsOf } from '../core/error-catalog.ts';
import { CriticalError, type ErrorArguments } from '../core/errors.ts';

export interface ConfigProblem {
  path: string;
  line: number | null;
  ja: string;
  en: string;
}

type ConfigErrorCode = 'ConfigFileMissing' | 'ConfigSyntax' | 'ConfigInvalid' | 'FileNotFound';

/** A code with the values its texts need, and the problems found (one tuple per code). */
type ConfigErrorArguments = {
  [C in ConfigErrorCode]: [code: C, params: ErrorParamsOf<C>, problems?: ConfigProblem[]];
}[ConfigErrorCode];

export class ConfigError extends CriticalError {
  readonly problems: ConfigProblem[];

  constructor(...[code, params, problems = []]: ConfigErrorArguments) {
    // The pair was checked as one tuple above; taken apart, TypeScript no longer sees
    // that they belong together, hence the assertion.
    super(...([code, params] as ErrorArguments<ConfigErrorCode>));
    this.problems = problems;
  }
}
