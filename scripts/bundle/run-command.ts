/**
 * Running npm, tar and the build from the bundle script: output shown only when it fails.
 */
import { spawnSync } from 'node:child_process';
import { BundleError } from './bundle-error.ts';

/**
 * The environment without what `npm run` adds (npm_config_*, npm_package_*, npm_lifecycle_*):
 * an npm started from the bundle script reads only its own arguments and the user's npmrc,
 * never the settings of the `npm run bundle` that started it.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

export function run(command: string, args: string[], options: { cwd: string; what: string; hint: string }): string {
  const result = spawnSync(command, args, { cwd: options.cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new BundleError(
      `${options.what} failed (${command} ${args.join(' ')} in ${options.cwd}: ${result.error?.message ?? `exit code ${result.status}`})${output ? `\n${output}` : ''}`,
      options.hint,
    );
  }
  return result.stdout;
}
