/**
 * The run lock, with real files and real processes: a live holder refuses, a killed
 * holder's lock is taken over, racing takers of a stale lock never both win.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config/load.ts';
import { PmhBotError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import {
  acquireRunLock, DEFAULT_LOCK_STALE_HOURS, lockFile, lockStaleHours, longestRunHours, RunLock, withRunLock, type Held, type LockInfo,
} from '../../bot/state/run-lock.ts';

const RUN_LOCK_URL = pathToFileURL(resolve(import.meta.dirname, '../../bot/state/run-lock.ts')).href;
const EXAMPLE_CONFIG = resolve(import.meta.dirname, '../../config/pmh-bot.example.yaml');

interface ChildResult {
  won: boolean;
  pid: number;
  held?: LockInfo;
}

/**
 * A node process that waits for a line on stdin ("go"), tries the lock, prints the result
 * as JSON, and holds what it got until stdin gives another line or closes.
 */
function lockChild(dataDir: string): { child: ChildProcessWithoutNullStreams; result: Promise<ChildResult>; ready: Promise<void> } {
  const script = `
    import { createInterface } from 'node:readline';
    import { acquireRunLock, RunLock } from ${JSON.stringify(RUN_LOCK_URL)};
    const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    console.log('ready');
    await lines.next();
    const lock = acquireRunLock(${JSON.stringify(dataDir)}, { command: 'test child' });
    const won = lock instanceof RunLock;
    console.log(JSON.stringify({ won, pid: process.pid, held: won ? undefined : lock.held }));
    await lines.next();
    if (won) lock.release();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = async (): Promise<string> => {
    const next = await out.next();
    if (next.done) throw new Error(`lock child ended early: ${stderr}`);
    return next.value;
  };
  const ready = line().then((first) => assert.equal(first, 'ready', stderr));
  const result = ready.then(async () => JSON.parse(await line()) as ChildResult);
  return { child, ready, result };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

describe('the run lock', () => {
  let root: string;
  let n = 0;
  const freshDir = (): string => join(root, `data-${(n += 1)}`);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'pmh-bot-lock-'));
  });

  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('is a file naming the holder, and release removes it', () => {
    const dir = freshDir();
    const lock = acquireRunLock(dir, { command: 'pmh-bot run' });
    assert.ok(lock instanceof RunLock);
    const info = JSON.parse(readFileSync(lockFile(dir), 'utf8')) as LockInfo;
    assert.equal(info.pid, process.pid);
    assert.equal(info.host, hostname());
    assert.equal(info.command, 'pmh-bot run');
    assert.ok(!Number.isNaN(Date.parse(info.startedAt)));
    assert.equal(lock.takenOver, null);
    assert.equal(lock.release(), true);
    assert.equal(existsSync(lockFile(dir)), false);
    assert.equal(lock.release(), false, 'a second release does nothing');
  });

  it('refuses while a live process holds it, naming its pid, host and start time', async () => {
    const dir = freshDir();
    const holder = lockChild(dir);
    try {
      await holder.ready;
      holder.child.stdin.write('go\n');
      const got = await holder.result;
      assert.equal(got.won, true);
      const refused = acquireRunLock(dir, { command: 'pmh-bot run' });
      assert.ok(!(refused instanceof RunLock));
      assert.equal((refused as Held).held.pid, got.pid);
      await assert.rejects(
        withRunLock(dir, { command: 'pmh-bot run' }, async () => 'ran'),
        (error: unknown) => {
          assert.ok(error instanceof PmhBotError);
          assert.equal(error.code, 'RunLocked');
          assert.equal(error.kind, 'critical');
          const { message } = error.describeIn('ja');
          assert.match(message, new RegExp(`プロセス ${got.pid}`));
          assert.match(message, new RegExp(hostname()));
          assert.match(message, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 開始/);
          return true;
        },
      );
      assert.equal(existsSync(lockFile(dir)), true, 'the refusal left the holder\'s lock alone');
    } finally {
      holder.child.stdin.end();
      await exited(holder.child);
    }
    assert.equal(existsSync(lockFile(dir)), false, 'the holder released it');
  });

  it('takes over the lock of a process that was killed, and logs the old holder', async () => {
    const dir = freshDir();
    const holder = lockChild(dir);
    await holder.ready;
    holder.child.stdin.write('go\n');
    const got = await holder.result;
    assert.equal(got.won, true);
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    assert.equal(existsSync(lockFile(dir)), true, 'a killed process cannot clean up');

    const logFile = join(dir, 'lock-test.log');
    const lock = acquireRunLock(dir, { command: 'pmh-bot run' }, { log: createLogger(logFile) });
    assert.ok(lock instanceof RunLock);
    assert.equal(lock.takenOver?.reason, 'process-gone');
    assert.equal(lock.takenOver?.info?.pid, got.pid);
    const logged = readFileSync(logFile, 'utf8');
    assert.match(logged, /stale run lock taken over/);
    assert.match(logged, new RegExp(`"pid":${got.pid}`));
    lock.release();
  });

  it('takes over a lock older than the stale limit even when its process is alive', () => {
    const dir = freshDir();
    const first = acquireRunLock(dir, { command: 'pmh-bot run' });
    assert.ok(first instanceof RunLock);
    const old: LockInfo = { ...first.info, startedAt: new Date(Date.now() - 13 * 3_600_000).toISOString(), token: 'old-one' };
    writeFileSync(lockFile(dir), JSON.stringify(old));
    const second = acquireRunLock(dir, { command: 'pmh-bot run' }, { staleAfterMs: DEFAULT_LOCK_STALE_HOURS * 3_600_000 });
    assert.ok(second instanceof RunLock);
    assert.equal(second.takenOver?.reason, 'too-old');
    assert.equal(second.takenOver?.info?.token, 'old-one');
    assert.equal(first.release(), false, 'the first holder no longer owns it');
    assert.equal(existsSync(lockFile(dir)), true, 'and did not delete the new holder\'s lock');
    assert.equal((JSON.parse(readFileSync(lockFile(dir), 'utf8')) as LockInfo).token, second.info.token);
    assert.equal(second.release(), true);
  });

  it('treats a half-written lock file as held while fresh and takes it over once old', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(lockFile(dir), '{"pid": 12');
    const fresh = acquireRunLock(dir, { command: 'pmh-bot run' });
    assert.ok(!(fresh instanceof RunLock), 'a lock file being written is not taken over');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lockFile(dir), old, old);
    const lock = acquireRunLock(dir, { command: 'pmh-bot run' });
    assert.ok(lock instanceof RunLock);
    assert.equal(lock.takenOver?.reason, 'unreadable');
    lock.release();
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    for (let round = 0; round < 2; round += 1) {
      const dir = freshDir();
      const dead: LockInfo = { pid: 2 ** 22 + 12345, host: hostname(), startedAt: new Date().toISOString(), command: 'pmh-bot run', token: 'dead' };
      mkdirSync(dir, { recursive: true });
      writeFileSync(lockFile(dir), JSON.stringify(dead));
      const racers = Array.from({ length: 5 }, () => lockChild(dir));
      try {
        await Promise.all(racers.map((r) => r.ready));
        for (const r of racers) r.child.stdin.write('go\n');
        const results = await Promise.all(racers.map((r) => r.result));
        const winners = results.filter((r) => r.won);
        assert.equal(winners.length, 1, JSON.stringify(results));
        for (const loser of results.filter((r) => !r.won)) assert.equal(loser.held?.pid, winners[0]!.pid);
        assert.equal((JSON.parse(readFileSync(lockFile(dir), 'utf8')) as LockInfo).pid, winners[0]!.pid);
      } finally {
        for (const r of racers) r.child.stdin.end();
        await Promise.all(racers.map((r) => exited(r.child)));
      }
      assert.equal(existsSync(lockFile(dir)), false);
    }
  });

  it('releases the lock when the process exits without releasing it', async () => {
    const dir = freshDir();
    const script = `
      import { acquireRunLock } from ${JSON.stringify(RUN_LOCK_URL)};
      acquireRunLock(${JSON.stringify(dir)}, { command: 'test child' });
      process.exit(3);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' });
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    assert.equal(code, 3);
    assert.equal(existsSync(lockFile(dir)), false);
  });

  it('becomes stale after 12 hours by default, later when a run may last longer, and refuses a limit shorter than a run', () => {
    const { config, file } = loadConfig(EXAMPLE_CONFIG);
    assert.equal(lockStaleHours(config, file), 12);
    const slow = { ...config, pmh: { ...config.pmh, result_timeout_seconds: 86400 } };
    assert.ok(longestRunHours(slow) > 24);
    assert.equal(lockStaleHours(slow, file), longestRunHours(slow) + 1);
    const tooShort = { ...slow, schedule: { ...slow.schedule, lock_stale_hours: 12 } };
    assert.throws(() => lockStaleHours(tooShort, file), (error: unknown) => {
      assert.ok(error instanceof PmhBotError);
      assert.equal(error.code, 'ConfigInvalid');
      assert.match(error.describeIn('ja').message, /schedule\.lock_stale_hours/);
      return true;
    });
    const explicit = { ...config, schedule: { ...config.schedule, lock_stale_hours: 30 } };
    assert.equal(lockStaleHours(explicit, file), 30);
  });
});
