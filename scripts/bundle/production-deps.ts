/**
 * The production dependencies for a target, installed by npm itself from package.json and
 * package-lock.json in a scratch folder: npm's own platform selection (--os, --cpu, --libc)
 * picks each package's binaries for the target, and nothing is compiled or run
 * (--ignore-scripts). No links are made (--no-bin-links): the bot runs no package's command.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lockfile } from './platform-check.ts';
import { run } from './run-command.ts';
import type { BundleTarget } from './targets.ts';

export function installProductionDependencies(repoRoot: string, appDir: string, target: BundleTarget): Lockfile {
  copyFileSync(join(repoRoot, 'package.json'), join(appDir, 'package.json'));
  copyFileSync(join(repoRoot, 'package-lock.json'), join(appDir, 'package-lock.json'));
  const args = [
    'ci',
    '--omit=dev',
    `--os=${target.os}`,
    `--cpu=${target.cpu}`,
    ...(target.libc ? [`--libc=${target.libc}`] : []),
    '--ignore-scripts',
    '--no-bin-links',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
  ];
  run('npm', args, {
    cwd: appDir,
    what: `Installing the production dependencies for ${target.name}`,
    hint: 'npm ci needs package-lock.json to match package.json (run npm install and commit the lock) and this machine to reach the npm registry.',
  });
  return JSON.parse(readFileSync(join(appDir, 'package-lock.json'), 'utf8')) as Lockfile;
}
