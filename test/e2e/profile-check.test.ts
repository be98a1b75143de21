/**
 * `pmh-bot profile check`, the rehearsal a vendor runs against PMH's test environment:
 * against both simulator screens it finds every control of the profile, keeps a screenshot
 * of each step, stops at the final submit without pressing it (the simulator registers
 * nothing), and deletes the dry run's file. A profile naming a control the screen lacks
 * exits 2 with the key and line.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { PORTAL_PROFILE, simJson, startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';
import { pmhBot, type Finished } from '../helpers/pmh-bot-cli.ts';

function profileCheck(configPath: string): Promise<Finished> {
  return pmhBot(['profile', 'check', '--config', configPath]);
}

/** The rehearsal folders under the data folder, newest last. */
function rehearsals(env: DemoEnv): string[] {
  const root = join(env.config.data_dir, 'rehearsals');
  return existsSync(root) ? readdirSync(root).sort().map((name) => join(root, name)) : [];
}

async function nothingRegistered(env: DemoEnv): Promise<void> {
  assert.deepEqual(await simJson<unknown[]>(env.simulator, '/__sim/uploads'), [], 'the simulator holds no upload');
  assert.equal((await simJson<{ registrations: number }>(env.simulator, '/__sim/stats')).registrations, 0);
}

/** The rehearsal's step lines: `✓` taken, `-` skipped. */
function stepLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^ {2}[✓-] /.test(line));
}

function assertRehearsed(result: Finished, env: DemoEnv, expectedSteps: number): void {
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /最後の送信（.*）は見つけましたが、押していません。PMH には何も登録していません。/);
  assert.match(result.stdout, /プロファイルのすべての手順で、部品が見つかりました。/);
  const steps = stepLines(result.stdout);
  assert.equal(steps.length, expectedSteps, result.stdout);
  for (const line of steps.filter((l) => l.startsWith('  ✓') && !/goto \//.test(l))) assert.match(line, /見つけた部品: \w+ "/, line);
  const dir = rehearsals(env).at(-1)!;
  const shots = readdirSync(join(dir, 'evidence')).filter((f) => f.endsWith('.png'));
  // One per step, plus the flow's own evidence of the login and of the filled form.
  assert.equal(shots.filter((f) => !/-(login|confirm-\w+)\.png$/.test(f)).length, expectedSteps, shots.join(' '));
  assert.ok(!existsSync(join(dir, 'dry-run')), 'the dry run (personal data) is deleted');
  assert.ok(!result.stdout.includes(process.env.PMH_PASSWORD!), 'the password is never printed');
}

describe('pmh-bot profile check', { timeout: 600_000 }, () => {
  describe('on the classic screen with the shipped profile', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 300 })));
    after(async () => env.close());

    it('finds every control, stops at the final submit without pressing it', async () => {
      const result = await profileCheck(env.configPath);
      // login 4, upload 6 (goto, type, mode, files, next, heading) + the submit, history 2, logout 1
      assertRehearsed(result, env, 14);
      assert.match(result.stdout, /✓ confirm\.submit_button（\d+ 行目）click button "登録する" → 見つけた部品: button "登録する"（押していません）/);
      await nothingRegistered(env);
    });
  });

  describe('on the second screen with its own profile', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 300, screen: 'portal' })));
    after(async () => env.close());

    it('finds every control, follows the menus, acknowledges the day\'s notice, and stops at the form\'s own button', async () => {
      const first = await profileCheck(env.configPath);
      // login 4, after login 2, upload 5 + the submit, history 3, logout 1
      assertRehearsed(first, env, 16);
      assert.match(first.stdout, /✓ after_login\[0\]（\d+ 行目）click button "確認して進む"/);
      assert.match(first.stdout, /✓ confirm\.submit（\d+ 行目）click button "送信する" → 見つけた部品: button "送信する"（押していません）/);
      assert.match(first.stdout, /select label "助成制度" → option "子ども医療費受給者証"/);
      // The second sign-in of the day has no notice: the conditional step is skipped.
      const second = await profileCheck(env.configPath);
      assertRehearsed(second, env, 16);
      assert.match(second.stdout, /- after_login\[0\]（\d+ 行目）click button "確認して進む" → 表示されていないため飛ばしました/);
      await nothingRegistered(env);
    });

    it('a profile naming a control the screen does not have stops with the key and line, exit 2', async () => {
      const wrong = join(env.dir, 'portal-wrong.yaml');
      writeFileSync(wrong, readFileSync(PORTAL_PROFILE, 'utf8').replace('{ role: button, name: 再表示 }', '{ role: link, name: 再表示 }'));
      const configPath = join(env.dir, 'pmh-bot-wrong.yaml');
      writeFileSync(configPath, stringify({ ...env.config, pmh: { ...env.config.pmh, screen_profile: wrong } }));
      const line = readFileSync(wrong, 'utf8').split('\n').findIndex((l) => l.includes('{ role: link, name: 再表示 }')) + 1;
      const result = await profileCheck(configPath);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      const output = result.stdout + result.stderr;
      assert.match(output, /ScreenProfileMismatch/);
      assert.match(output, new RegExp(`history\\.refresh\\[0\\]（portal-wrong\\.yaml の ${line} 行目）`));
      assert.match(output, /「再表示」/, 'the button the page offered');
      assert.match(result.stdout, /最後の送信（.*）は見つけましたが、押していません/, 'the upload phases were walked before');
      await nothingRegistered(env);
    });
  });
});
