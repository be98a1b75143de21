/**
 * The production path never loads the simulator, the tests or the demo: a real
 * `pmh-bot run` against the simulator, with every module the process resolves recorded.
 * (The dependency rules in .dependency-cruiser.cjs say the same of the source; this is
 * the process itself.) And it runs the compiled build: no TypeScript source, no tsx.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/pmh-bot.mjs');
const RECORDER = join(ROOT, 'test/helpers/record-loaded-modules.mjs');

function loadedBy(args: string[], list: string): Promise<{ code: number | null; modules: string[]; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(RECORDER).href, BIN, ...args], {
      env: { ...process.env, PMH_BOT_LANG: 'ja', PMH_BOT_LOADED_MODULES: list },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const modules = [...new Set(readFileSync(list, 'utf8').split('\n').filter(Boolean))];
      done({ code, modules, stderr });
    });
  });
}

/** The project's own modules, as paths from the repository's root. */
function projectModules(urls: string[]): string[] {
  const root = pathToFileURL(ROOT).href + '/';
  return urls.filter((url) => url.startsWith(root) && !url.includes('/node_modules/')).map((url) => url.slice(root.length));
}

/** The compiled modules a process ran, as their source paths (`build/bot/run.js` → `bot/run.ts`), after checking that nothing else ran. */
function compiledModules(urls: string[]): string[] {
  const own = projectModules(urls).filter((path) => path !== 'bin/pmh-bot.mjs');
  assert.deepEqual(own.filter((path) => !path.startsWith('build/')), [], 'only the compiled build runs');
  assert.ok(!urls.some((url) => url.includes('/node_modules/tsx/')), 'tsx is not loaded');
  return own.map((path) => path.replace(/^build\//, '').replace(/\.js$/, '.ts'));
}

describe('the production path', { timeout: 180_000 }, () => {
  let env: DemoEnv;

  before(async () => {
    env = await startDemoEnv({ recipients: 200 });
  });

  after(async () => {
    await env?.close();
  });

  it('pmh-bot run delivers to PMH without loading a module of sim/, test/ or demo/', async () => {
    const list = join(env.dir, 'loaded.txt');
    const result = await loadedBy(['run', '--config', env.configPath], list);
    assert.equal(result.code, 0, result.stderr);
    const own = compiledModules(result.modules);
    // The recorder saw the run: the pipeline and the screen channel were loaded.
    assert.ok(own.includes('bot/pipeline/run.ts'), `recorded: ${own.join(', ')}`);
    assert.ok(own.includes('flows/screen/deliver.ts'));
    const forbidden = own.filter((path) => /^(sim|test|demo)\//.test(path));
    assert.deepEqual(forbidden, []);
  });

  it('pmh-bot demo is the one command that loads the demo and the simulator', async () => {
    const list = join(env.dir, 'loaded-help.txt');
    const result = await loadedBy(['demo', '--help'], list);
    assert.equal(result.code, 0, result.stderr);
    const own = compiledModules(result.modules);
    assert.ok(own.includes('demo/main.ts'));
    assert.ok(own.some((path) => path.startsWith('sim/')));
  });
});
