/**
 * `transport: folder` end to end: generated SQLite sources → upload files → a drop folder
 * watched by a stand-in for the Agency's batch tool (a loop in this test that takes a file
 * once its marker is there, as the real tool does). Asserts on what the folder received:
 * the files byte for byte as written, their markers, nothing half-written, and what the
 * ledger and the snapshot make of a pickup, or of no pickup.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { Ledger } from '../../bot/state/ledger.ts';
import { replayRun } from '../../bot/pipeline/replay.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { ledgerPath, snapshotPath } from '../../bot/state/paths.ts';
import { Snapshot } from '../../bot/state/snapshot.ts';
import { loadConfig } from '../../config/load.ts';
import { ConfigError } from '../../config/config-error.ts';
import { asPmhBotError } from '../../core/errors.ts';
import { dropFile } from '../../flows/folder/drop-folder.ts';
import { startTransportEnv, type TransportEnv } from '../helpers/transport-env.ts';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function readLedger<T>(env: TransportEnv, read: (ledger: Ledger) => T): T {
  const ledger = new Ledger(ledgerPath(env.config));
  try {
    return read(ledger);
  } finally {
    ledger.close();
  }
}

function snapshotPopulation(env: TransportEnv): number {
  const snapshot = new Snapshot(snapshotPath(env.config));
  try {
    return snapshot.population(env.config.programs.map((p) => p.certificate_type_id));
  } finally {
    snapshot.close();
  }
}

/**
 * The batch tool's stand-in: takes `<name>` once `<name>.done` is there, as the real tool
 * does, moving it to an inbox (and removing the marker).
 */
function batchTool(dropDir: string): { inbox: string; taken: string[]; stop(): void } {
  const inbox = join(dropDir, '..', 'inbox');
  mkdirSync(inbox, { recursive: true });
  const taken: string[] = [];
  const timer = setInterval(() => {
    for (const name of readdirSync(dropDir)) {
      if (!name.endsWith('.done')) continue;
      const file = name.slice(0, -'.done'.length);
      if (!existsSync(join(dropDir, file))) continue;
      renameSync(join(dropDir, file), join(inbox, file));
      rmSync(join(dropDir, name));
      taken.push(file);
    }
  }, 50);
  return { inbox, taken, stop: () => clearInterval(timer) };
}

describe('transport: folder', { timeout: 900_000 }, () => {
  it('places every file as written, atomically, with its marker; without waiting the snapshot does not advance', async () => {
    const env = await startTransportEnv({ transport: 'folder', recipients: 300, mode: 'full' });
    try {
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error, null, summary.error?.message);
      const names = readdirSync(env.dropDir).sort();
      const expected = summary.files.flatMap((f) => [f.fileName, `${f.fileName}.done`]).sort();
      assert.deepEqual(names, expected, 'the files and their markers, no temporary file, no key map');
      for (const file of summary.files) {
        const dropped = join(env.dropDir, file.fileName);
        assert.equal(sha256(dropped), file.sha256, 'byte for byte the file the bot wrote');
        assert.equal(sha256(dropped), sha256(file.path));
        assert.equal(statSync(`${dropped}.done`).size, 0);
        assert.ok(statSync(`${dropped}.done`).mtimeMs >= statSync(dropped).mtimeMs, 'the marker comes after the file');
      }
      const uploads = readLedger(env, (l) => l.uploads(summary.runId));
      assert.ok(uploads.every((u) => u.status === 'delivered' && u.accepted === null), JSON.stringify(uploads.map((u) => u.status)));
      assert.equal(summary.counts.accepted, null, 'PMH\'s answer is unknown');
      assert.equal(snapshotPopulation(env), 0, 'not advanced on delivery');
    } finally {
      await env.close();
    }
  });

  it('waits for the batch tool to take the files, then advances the snapshot for the next differential', async () => {
    const env = await startTransportEnv({ transport: 'folder', recipients: 300, mode: 'diff', folder: { wait_for_pickup_seconds: 60 } });
    const tool = batchTool(env.dropDir);
    try {
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error, null, summary.error?.message);
      assert.deepEqual(tool.taken.sort(), summary.files.map((f) => f.fileName).sort());
      for (const file of summary.files) assert.equal(sha256(join(tool.inbox, file.fileName)), file.sha256);
      assert.deepEqual(readdirSync(env.dropDir), [], 'the tool took everything');
      assert.ok(readLedger(env, (l) => l.uploads(summary.runId)).every((u) => u.status === 'picked_up'));
      const total = Object.values(env.data.expectedUploads).reduce((a, b) => a + b, 0);
      assert.equal(snapshotPopulation(env), total, 'advanced on pickup');
      const again = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(again.error, null, again.error?.message);
      assert.deepEqual(again.files, [], 'nothing changed: nothing placed');
    } finally {
      tool.stop();
      await env.close();
    }
  });

  it('a file nobody takes is a system error; the replay does not place it again and advances once it is taken', async () => {
    const env = await startTransportEnv({ transport: 'folder', recipients: 300, mode: 'diff', folder: { wait_for_pickup_seconds: 1 } });
    let tool: ReturnType<typeof batchTool> | null = null;
    try {
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error?.code, 'DropFolderNotPickedUp');
      assert.equal(summary.error?.kind, 'system');
      assert.match(summary.error!.describeIn('ja').hint, /pmh-bot replay/);
      const first = summary.files[0]!;
      assert.deepEqual(readdirSync(env.dropDir).sort(), [first.fileName, `${first.fileName}.done`], 'left in place; the others not placed yet');
      assert.equal(snapshotPopulation(env), 0);

      // The tool takes the first file late; the replay must see that and not place it again.
      const inbox = join(env.dir, 'late');
      mkdirSync(inbox);
      renameSync(join(env.dropDir, first.fileName), join(inbox, first.fileName));
      rmSync(join(env.dropDir, `${first.fileName}.done`));
      tool = batchTool(env.dropDir);
      const replay = await replayRun({ config: env.config, runId: summary.runId });
      assert.equal(replay.error, null, replay.error?.message);
      assert.ok(!tool.taken.includes(first.fileName), 'not placed again');
      assert.deepEqual(tool.taken.sort(), summary.files.slice(1).map((f) => f.fileName).sort());
      assert.ok(readLedger(env, (l) => l.uploads(replay.runId)).every((u) => u.status === 'picked_up'));
      assert.equal(snapshotPopulation(env), Object.values(env.data.expectedUploads).reduce((a, b) => a + b, 0));
    } finally {
      tool?.stop();
      await env.close();
    }
  });

  it('never overwrites a different file of the same name, reuses an identical one, and reports a missing folder as a system error', async () => {
    const env = await startTransportEnv({ transport: 'folder', recipients: 50, mode: 'full' });
    try {
      const source = join(env.dir, 'pmh_TEST_001.csv');
      writeFileSync(source, 'a,b\r\n1,2\r\n');
      const hash = sha256(source);
      writeFileSync(join(env.dropDir, 'pmh_TEST_001.csv'), 'something else\r\n');
      await assert.rejects(dropFile(source, { folder: env.dropDir, marker: true, sha256: hash, runId: 'R1' }), (error: unknown) => {
        const failure = asPmhBotError(error);
        return failure.code === 'DropFolderOccupied' && failure.kind === 'business';
      });
      assert.equal(readFileSync(join(env.dropDir, 'pmh_TEST_001.csv'), 'utf8'), 'something else\r\n', 'not overwritten');
      assert.ok(!existsSync(join(env.dropDir, 'pmh_TEST_001.csv.done')));

      writeFileSync(join(env.dropDir, 'pmh_TEST_001.csv'), readFileSync(source));
      const reused = await dropFile(source, { folder: env.dropDir, marker: true, sha256: hash, runId: 'R1' });
      assert.equal(reused.copied, false);
      assert.ok(existsSync(join(env.dropDir, 'pmh_TEST_001.csv.done')));

      await assert.rejects(dropFile(source, { folder: join(env.dir, 'no-such-folder'), marker: true, sha256: hash, runId: 'R1' }), (error: unknown) => {
        const failure = asPmhBotError(error);
        return failure.code === 'DropFolderUnavailable' && failure.kind === 'system';
      });
    } finally {
      await env.close();
    }
  });

  it('refuses a differential without a pickup wait at start-up, naming the key', async () => {
    const env = await startTransportEnv({ transport: 'folder', recipients: 50, mode: 'full' });
    try {
      const path = join(env.dir, 'bad.yaml');
      writeFileSync(path, stringify({ ...env.config, pmh: { ...env.config.pmh, mode: 'diff', folder: { ...env.config.pmh.folder!, wait_for_pickup_seconds: 0 } } }));
      assert.throws(() => loadConfig(path), (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.path === 'pmh.folder.wait_for_pickup_seconds'));
      const { folder: _folder, ...withoutFolder } = env.config.pmh;
      writeFileSync(path, stringify({ ...env.config, pmh: withoutFolder }));
      assert.throws(() => loadConfig(path), (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.path === 'pmh.folder'));
    } finally {
      await env.close();
    }
  });
});
