/**
 * The boundaries of .dependency-cruiser.cjs hold on the tree, and the check fails on a
 * planted wrong-way import (so a green check means something). Each plant is a real file
 * written into the folder it must not import from, checked, and removed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

function cruise(paths: string[]): { code: number | null; output: string } {
  const result = spawnSync(DEPCRUISE, [...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Writes the planted files, cruises them, removes them whatever happens. */
function withPlanted(files: Record<string, string>, check: (result: { code: number | null; output: string }) => void): void {
  const written: string[] = [];
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(ROOT, path)), { recursive: true });
      writeFileSync(join(ROOT, path), text);
      written.push(path);
    }
    check(cruise(written));
  } finally {
    for (const path of written) rmSync(join(ROOT, path), { force: true });
  }
}

describe('the dependency rules', () => {
  it('hold on the whole tree', () => {
    const result = cruise(['bin', 'core', 'config', 'extractors', 'bot', 'flows', 'demo', 'sim', 'test', 'scripts']);
    assert.equal(result.code, 0, result.output);
  });

  it('fail on a flow that imports the pipeline (extractors -> bot -> flows, never back)', () => {
    withPlanted({ 'flows/zz-planted-wrong-way.ts': "import '../bot/pipeline/run.ts';\n" }, (result) => {
      assert.notEqual(result.code, 0);
      assert.match(result.output, /lower-layers-never-call-bot/);
    });
  });

  it('fail on a room that imports a room above it', () => {
    withPlanted({ 'bot/records/zz-planted-upward.ts': "import '../pipeline/run.ts';\n" }, (result) => {
      assert.notEqual(result.code, 0);
      assert.match(result.output, /bot-records-imports-upward/);
    });
  });

  it('fail on production code that loads the simulator', () => {
    withPlanted({ 'bot/state/zz-planted-sim.ts': "import '../../sim/types.ts';\n" }, (result) => {
      assert.notEqual(result.code, 0);
      assert.match(result.output, /production-loads-no-sim-test-demo/);
    });
  });

  it('fail on two files that import each other', () => {
    withPlanted(
      {
        'core/zz-planted-a.ts': "import './zz-planted-b.ts';\nexport const a = 1;\n",
        'core/zz-planted-b.ts': "import './zz-planted-a.ts';\nexport const b = 2;\n",
      },
      (result) => {
        assert.notEqual(result.code, 0);
        assert.match(result.output, /no-circular/);
      },
    );
  });
});
