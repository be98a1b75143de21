/**
 * Running one measured part of the benchmark in its own process, so that its peak
 * resident memory is its own: every child prints one JSON line last on stdout, with
 * `maxRssKb` from process.resourceUsage() taken just before it exits.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const BENCH_DIR = import.meta.dirname;
export const REPO_ROOT = resolve(BENCH_DIR, '..', '..');

export interface ChildResult<T> {
  /** The child's own report (its last stdout line, parsed). */
  report: T & { maxRssKb: number; cpuSeconds: number };
  /** Wall-clock seconds from spawn to exit, node start-up included. */
  wallSeconds: number;
}

export interface ChildOptions {
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeFlags?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Runs `test/bench/<script>` with tsx and `input` as its one argument (JSON); rejects when it fails. */
export function runChild<T>(script: string, input: unknown, options: ChildOptions = {}): Promise<ChildResult<T>> {
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), '--import', 'tsx', resolve(BENCH_DIR, script), JSON.stringify(input)],
    { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) {
        reject(new Error(`${script} exited with ${code}\n${stderr}`));
        return;
      }
      try {
        resolvePromise({ report: JSON.parse(last) as T & { maxRssKb: number; cpuSeconds: number }, wallSeconds });
      } catch {
        reject(new Error(`${script} printed no JSON report\n${stdout.slice(-2000)}\n${stderr}`));
      }
    });
  });
}

/** What a child prints last: its report and its peak resident memory. */
export function report(value: object): void {
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  process.stdout.write(`${JSON.stringify({ ...value, maxRssKb: usage.maxRSS, cpuSeconds })}\n`);
}

export interface TimedCommand {
  seconds: number;
  /** Peak resident memory of the command, from /usr/bin/time. */
  maxRssKb: number;
}

/** Runs a command under /usr/bin/time (GNU) for its elapsed time and peak memory. */
export function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<TimedCommand> {
  const child = spawn('/usr/bin/time', ['-f', 'BENCH_TIME %e %M', command, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /BENCH_TIME ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !match) {
        reject(new Error(`${command} failed (${code}): ${stderr}`));
        return;
      }
      resolvePromise({ seconds: Number(match[1]), maxRssKb: Number(match[2]) });
    });
  });
}
