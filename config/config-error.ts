/** The error of a file an operator edits: it carries every problem found, not just the first. */
import { CriticalError } from '../core/errors.ts';

export interface ConfigProblem {
  path: string;
  line: number | null;
  ja: string;
  en: string;
}

export class ConfigError extends CriticalError {
  constructor(
    code: 'ConfigFileMissing' | 'ConfigSyntax' | 'ConfigInvalid' | 'FileNotFound',
    params: Record<string, string | number>,
    readonly problems: ConfigProblem[] = [],
  ) {
    super(code, params);
  }
}
