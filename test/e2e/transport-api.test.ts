/**
 * `transport: api` end to end: generated SQLite sources → JSON files → chunks POSTed to
 * the simulator's registration API over HTTP. Asserts on what the simulator registered
 * and logged (each request, each record key), not on what the bot believes it sent:
 * retries of 429 (honouring Retry-After) and 500, a wrong token that is never retried,
 * a 413 that names the setting to lower, rejected records mapped to their source keys,
 * and a SIGKILL between chunks after which a replay sends every record exactly once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import { stringify } from 'yaml';
import { Ledger } from '../../bot/state/ledger.ts';
import { replayRun } from '../../bot/pipeline/replay.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { ConfigError } from '../../config/config-error.ts';
import { loadConfig } from '../../config/load.ts';
import type { ApiRequestEntry, ApiStats } from '../../sim/server.ts';
import { simJson } from '../helpers/demo-env.ts';
import { assertApiDeliveredOnce as assertEachRecordOnce, expectedTotal } from '../helpers/exactly-once.ts';
import { API_TOKEN, API_TOKEN_ENV, startTransportEnv, type TransportEnv } from '../helpers/transport-env.ts';

const BIN = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');

function readLedger<T>(env: TransportEnv, read: (ledger: Ledger) => T): T {
  const ledger = new Ledger(ledgerPath(env.config));
  try {
    return read(ledger);
  } finally {
    ledger.close();
  }
}

async function setFaults(env: TransportEnv, faults: object): Promise<void> {
  const response = await fetch(`${env.simulator.url}/__sim/faults`, { method: 'POST', body: JSON.stringify(faults) });
  assert.equal(response.status, 200, await response.text());
}

describe('transport: api', { timeout: 900_000 }, () => {
  it('sends every record once, in chunks of chunk_size, records each chunk, and a second run has nothing to send', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 300, chunkSize: 40 });
    try {
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error, null, summary.error?.message);
      assert.equal(summary.counts.accepted, expectedTotal(env));
      assert.equal(summary.counts.rejected, 0);
      const log = await assertEachRecordOnce(env);
      const expectedRequests = summary.files.reduce((n, f) => n + Math.ceil(f.rows / 40), 0);
      assert.equal(log.length, expectedRequests);
      assert.ok(log.every((e) => e.status === 200 && (e.records ?? 0) <= 40));
      const chunks = readLedger(env, (l) => l.apiChunks(summary.runId));
      assert.equal(chunks.length, expectedRequests);
      assert.ok(chunks.every((c) => c.status === 'done' && c.httpStatus === 200), 'every chunk answered');
      assert.ok(readLedger(env, (l) => l.uploads(summary.runId)).every((u) => u.status === 'done' && u.rejected === 0));

      // The snapshot advanced: nothing changed, nothing is sent.
      const again = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(again.error, null, again.error?.message);
      assert.deepEqual(again.files, []);
      assert.equal((await simJson<ApiRequestEntry[]>(env.simulator, '/__sim/api/requests')).length, expectedRequests, 'no request on the second run');
    } finally {
      await env.close();
    }
  });

  it('retries a 429 after at least the Retry-After it was given, and succeeds', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 200 });
    try {
      await setFaults(env, { api: { status: 429, count: 1, retryAfterSeconds: 1 } });
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error, null, summary.error?.message);
      const log = await assertEachRecordOnce(env);
      assert.equal(log[0]!.status, 429);
      assert.ok(log.slice(1).every((e) => e.status === 200));
      const waits = readLedger(env, (l) => l.steps(summary.runId).filter((s) => s.name === 'api:retry-wait'));
      assert.equal(waits.length, 1);
      const detail = JSON.parse(waits[0]!.detail!) as { code: string; delayMs: number };
      assert.equal(detail.code, 'PmhApiRateLimited');
      assert.ok(detail.delayMs >= 1000, `waited ${detail.delayMs} ms, Retry-After asked 1000`);
      assert.ok(detail.delayMs <= 2000, 'capped at pmh.retry.max_delay_seconds');
    } finally {
      await env.close();
    }
  });

  it('retries 500s with backoff, and succeeds', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 200 });
    try {
      await setFaults(env, { api: { status: 500, count: 2 } });
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error, null, summary.error?.message);
      const log = await assertEachRecordOnce(env);
      assert.deepEqual(log.slice(0, 3).map((e) => e.status), [500, 500, 200]);
      const codes = readLedger(env, (l) => l.steps(summary.runId).filter((s) => s.name === 'api:retry-wait').map((s) => JSON.parse(s.detail!).code));
      assert.deepEqual(codes, ['PmhServerError', 'PmhServerError']);
    } finally {
      await env.close();
    }
  });

  it('a wrong token is a business error that is not retried: exactly one request, nothing registered', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 200 });
    try {
      process.env[API_TOKEN_ENV] = 'not-the-token';
      let summary: RunSummary;
      try {
        summary = await runCycle({ config: env.config, trigger: 'test' });
      } finally {
        process.env[API_TOKEN_ENV] = API_TOKEN;
      }
      assert.equal(summary.status, 'failed');
      assert.equal(summary.error?.code, 'PmhApiUnauthorized');
      assert.equal(summary.error?.kind, 'business');
      const stats = await simJson<ApiStats>(env.simulator, '/__sim/api/stats');
      assert.equal(stats.requests, 1, 'not retried');
      assert.equal(stats.unauthorized, 1);
      const chunks = readLedger(env, (l) => l.apiChunks(summary.runId));
      assert.deepEqual(chunks.map((c) => [c.status, c.httpStatus]), [['failed', 401]]);
      assert.doesNotMatch(JSON.stringify(readLedger(env, (l) => l.run(summary.runId))), /not-the-token/);

      // With the right token, a replay sends everything, once.
      const replay = await replayRun({ config: env.config, runId: summary.runId });
      assert.equal(replay.error, null, replay.error?.message);
      await assertEachRecordOnce(env);
    } finally {
      await env.close();
    }
  });

  it('a 413 stops with a message to lower pmh.api.chunk_size; after lowering it a replay sends the rest once', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 200, chunkSize: 50, apiMaxRecords: 20 });
    try {
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error?.code, 'PmhApiPayloadTooLarge');
      const { message, hint } = summary.error!.describeIn('ja');
      assert.match(message, /413/);
      assert.match(hint, /pmh\.api\.chunk_size（現在 50）/);
      assert.match(summary.error!.describeIn('en').hint, /Lower pmh\.api\.chunk_size/);
      assert.equal((await simJson<ApiStats>(env.simulator, '/__sim/api/stats')).tooLarge, 1, 'a 413 is not retried');

      const lowered = env.rewrite((config) => ({ ...config, pmh: { ...config.pmh, api: { ...config.pmh.api!, chunk_size: 20 } } }));
      const replay = await replayRun({ config: lowered, runId: summary.runId });
      assert.equal(replay.error, null, replay.error?.message);
      await assertEachRecordOnce(env);
    } finally {
      await env.close();
    }
  });

  it('maps the records PMH rejects to their source keys, and keeps them out of the snapshot', async () => {
    // This PMH does not know the HITORIOYA certificate type: it rejects every such record.
    const env = await startTransportEnv({ transport: 'api', recipients: 300, chunkSize: 25, simTypes: ['990001KODOMO', '990001IKUSEI', '990001SEISHIN'] });
    try {
      const summary = await runCycle({ config: env.config, trigger: 'test' });
      assert.equal(summary.error?.code, 'RecordsRejected');
      const rejectedCount = env.data.expectedUploads.HITORIOYA!;
      assert.equal(summary.counts.rejected, rejectedCount);
      assert.equal(summary.counts.accepted, expectedTotal(env) - rejectedCount);
      const rows = readLedger(env, (l) => l.rejected(summary.runId));
      assert.equal(rows.length, rejectedCount);
      const subsidy = new Database(env.data.files.subsidy, { readonly: true });
      try {
        const certificate = subsidy.prepare('SELECT atena_no, program_code FROM certificates WHERE cert_id = ?');
        for (const row of rows) {
          assert.equal(row.column, 'orgSpecificCertificateTypeId');
          assert.ok(row.historyKey && row.certificateId && row.residentNo, JSON.stringify({ ...row, message: '' }));
          // PMH's history key and the key map's line agree: the source keys are the record's own.
          assert.ok(row.historyKey.startsWith(`${row.certificateId}-`), 'line ↔ key map');
          const source = certificate.get(row.certificateId) as { atena_no: string; program_code: string };
          assert.equal(source.atena_no, row.residentNo);
          assert.equal(source.program_code, 'HITORIOYA');
        }
      } finally {
        subsidy.close();
      }
      // The next differential sends the rejected records again, and only them.
      const again = await runCycle({ config: env.config, trigger: 'test' });
      assert.deepEqual(again.files.map((f) => [f.certificateTypeId, f.rows]), [['990001HITORIOYA', rejectedCount]]);
    } finally {
      await env.close();
    }
  });
});

describe('transport: api, config checks at start-up', () => {
  it('names the key to fix: a CSV layout, full mode, a missing pmh.api section', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 20 });
    try {
      const path = join(env.dir, 'bad.yaml');
      const problemsOf = (config: object): string[] => {
        writeFileSync(path, stringify(config));
        try {
          loadConfig(path);
        } catch (error) {
          if (error instanceof ConfigError) return error.problems.map((p) => p.path);
          throw error;
        }
        return [];
      };
      const { layout: _layout, ...defaultOutput } = env.config.output;
      assert.deepEqual(problemsOf({ ...env.config, output: defaultOutput }), ['output.layout'], 'the default layout is CSV');
      assert.deepEqual(problemsOf({ ...env.config, pmh: { ...env.config.pmh, mode: 'full' } }), ['pmh.mode']);
      const { api: _api, ...withoutApi } = env.config.pmh;
      assert.deepEqual(problemsOf({ ...env.config, pmh: withoutApi }), ['pmh.api']);
      assert.deepEqual(problemsOf(env.config), []);
    } finally {
      await env.close();
    }
  });
});

interface Exit {
  code: number | null;
  output: string;
}

function bot(args: string[]): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PMH_BOT_LANG: 'ja' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<Exit>((done) => child.on('exit', (code) => done({ code, output })));
  return { child, exited };
}

async function until<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // The ledger may not exist yet, nor the simulator answer for a moment.
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

describe('transport: api, SIGKILL between chunks, then replay', { timeout: 900_000 }, () => {
  it('never resends an accepted chunk, asks before resending the unanswered one, and every record reaches PMH once', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 300, chunkSize: 20 });
    try {
      // Every request waits 3 s at PMH: the kill lands while one is in flight. A request whose
      // client died is not processed by the simulator: after confirmation, resending it is right.
      await setFaults(env, { apiSlow: { ms: 3000 } });
      const run = bot(['run', '-c', env.configPath]);
      const runId = await until('the run to start', () => readLedger(env, (l) => l.recentRuns(1)[0]?.id));
      await until('a chunk done and the next one in flight', () =>
        readLedger(env, (l) => {
          const chunks = l.apiChunks(runId);
          return chunks.some((c) => c.status === 'done') && chunks.some((c) => c.status === 'sending');
        }),
      );
      // The ledger marks a chunk as sending just before the request leaves: wait until PMH holds it.
      const heldAtPmh = async () => (await simJson<ApiStats>(env.simulator, '/__sim/api/stats')).held;
      await until('the chunk in flight to reach PMH', async () => (await heldAtPmh()) > 0, 120_000);
      run.child.kill('SIGKILL');
      assert.equal((await run.exited).code, null, 'killed by the signal');
      // PMH finishes holding the orphaned request (and logs it unprocessed) before the replay starts.
      await until('PMH to let go of the orphaned request', async () => (await heldAtPmh()) === 0, 120_000);
      await setFaults(env, {});
      const parentChunks = readLedger(env, (l) => l.apiChunks(runId));
      const doneInParent = parentChunks.filter((c) => c.status === 'done');
      const inFlight = parentChunks.filter((c) => c.status === 'sending');
      assert.equal(inFlight.length, 1);

      // Whether the unanswered chunk reached PMH cannot be looked up: the replay stops and asks.
      const first = await bot(['replay', runId, '-c', env.configPath]).exited;
      assert.equal(first.code, 2, first.output);
      assert.match(first.output, /ResubmitNeedsConfirmation/);
      assert.match(first.output, /--confirm-resubmit/);
      const stopped = readLedger(env, (l) => l.replaysOf(runId)[0]!);
      assert.equal(stopped.error_code, 'ResubmitNeedsConfirmation');

      const confirmed = await bot(['replay', stopped.id, '-c', env.configPath, '--confirm-resubmit']).exited;
      assert.equal(confirmed.code, 0, confirmed.output);

      const parent = readLedger(env, (l) => l.run(runId)!);
      assert.equal(parent.status, 'failed');
      assert.equal(parent.error_code, 'RunCrashed');
      const final = readLedger(env, (l) => l.replaysOf(stopped.id)[0]!);
      assert.equal(final.status, 'succeeded');
      assert.equal(final.accepted, expectedTotal(env), 'the replay counts what the crashed run got accepted too');
      const log = await assertEachRecordOnce(env);
      assert.ok(log.some((e) => e.status === 499), `the request in flight at the kill was abandoned at PMH: ${JSON.stringify(log.map((e) => [e.status, e.records]))}`);
      // The chunks PMH had answered were never sent again.
      const resent = readLedger(env, (l) => [...l.apiChunks(stopped.id), ...l.apiChunks(final.id)]);
      for (const done of doneInParent) {
        assert.ok(!resent.some((c) => c.fileName === done.fileName && c.firstIndex === done.firstIndex), `chunk ${done.fileName}#${done.firstIndex} resent`);
      }
      assert.ok(resent.some((c) => c.fileName === inFlight[0]!.fileName && c.firstIndex === inFlight[0]!.firstIndex && c.status === 'done'));
      assert.ok(readLedger(env, (l) => l.uploads(final.id)).every((u) => u.status === 'done'));
    } finally {
      await env.close();
    }
  });
});
