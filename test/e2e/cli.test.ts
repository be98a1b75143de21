/**
 * The command an operator or a scheduler runs: exit codes and the Japanese messages.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDemoEnv, TEST_PASSWORD, type DemoEnv } from '../helpers/demo-env.ts';
import { pmhBot } from '../helpers/pmh-bot-cli.ts';



describe('pmh-bot on the command line', () => {
  let env: DemoEnv;

  before(async () => {
    env = await startDemoEnv({ recipients: 300 });
  });

  after(async () => {
    await env?.close();
  });

  it('stops with exit code 4 and the bad key\'s path when the config is wrong, touching nothing', async () => {
    const bad = join(env.dir, 'bad.yaml');
    writeFileSync(bad, 'municipality:\n  code: "12"\n  name: x\n');
    const result = await pmhBot(['run', '--config', bad]);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /設定ファイルの内容が正しくありません/);
    assert.match(result.stderr, /municipality\.code（2 行目）/);
    assert.match(result.stderr, /対処:/);
  });

  it('stops with exit code 4 naming the environment variable when the password is not set', async () => {
    const result = await pmhBot(['run', '--config', env.configPath], { PMH_PASSWORD: '' });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /PMH_PASSWORD/);
  });

  it('exits 2 with a Japanese explanation when PMH refuses the login, and does not leak the password', async () => {
    const wrong = 'wrong-password-Xy7';
    const result = await pmhBot(['run', '--config', env.configPath], { PMH_PASSWORD: wrong });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stdout, /PMH にログインできません/);
    assert.match(result.stdout, /自動では再試行しません/);
    assert.ok(!result.stdout.includes(wrong) && !result.stderr.includes(wrong));
  });

  it('runs one cycle with exit code 0, and lists it with pmh-bot runs', async () => {
    const result = await pmhBot(['run', '--config', env.configPath], { PMH_PASSWORD: TEST_PASSWORD });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /結果: 成功/);
    assert.match(result.stdout, /受付番号 U\d+, 完了/);
    const listed = await pmhBot(['runs', '--config', env.configPath]);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /成功/);
    assert.match(listed.stdout, /失敗/, 'the refused login is in the list too');
  });

  it('refuses to approve a run that does not exist, with exit code 4', async () => {
    const result = await pmhBot(['approve', '20000101-000000-0000', '--config', env.configPath], { PMH_PASSWORD: TEST_PASSWORD });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /実行 ID 20000101-000000-0000 は実行台帳にありません/);
  });

  it('speaks English when asked', async () => {
    const bad = join(env.dir, 'bad.yaml');
    writeFileSync(bad, 'municipality: 1\n');
    const result = await pmhBot(['--lang', 'en', 'run', '--config', bad]);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /Configuration is invalid/);
  });
});
