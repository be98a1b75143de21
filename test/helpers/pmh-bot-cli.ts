/** Running the `pmh-bot` command (the compiled build, through bin/pmh-bot.mjs) as an operator or a scheduler would. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pmh-bot <args>` in Japanese; `env` adds variables (undefined removes one). */
export function pmhBot(args: string[], env: Record<string, string | undefined> = {}): Promise<Finished> {
  return new Promise((done, fail) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, PMH_BOT_LANG: 'ja', ...env };
    for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
