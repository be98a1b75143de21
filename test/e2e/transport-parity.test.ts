/**
 * One config key switches the channel, the data pipeline stays the same: the same
 * generated municipality delivered through the screen (real Chromium), the registration
 * API and a drop folder must reach the same result. Compared on what the simulator holds
 * and what the folder received, by digest, so a difference never prints personal data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { simJson } from '../helpers/demo-env.ts';
import { startTransportEnv, type TransportEnv } from '../helpers/transport-env.ts';

type SimRecord = Record<string, unknown>;

const RECIPIENTS = 500;

/** Records of a type by history key, each as a digest of its canonical JSON. */
async function heldRecords(env: TransportEnv, type: string): Promise<Map<string, string>> {
  const records = await simJson<SimRecord[]>(env.simulator, `/__sim/records?type=${type}`);
  const canonical = (record: SimRecord): string => JSON.stringify(Object.keys(record).sort().map((k) => [k, record[k]]));
  return new Map(records.map((r) => [String(r.historyKey), createHash('sha256').update(canonical(r)).digest('hex')]));
}

describe('the same data through every channel', { timeout: 900_000 }, () => {
  const envs: Partial<Record<'screen' | 'api' | 'folder', TransportEnv>> = {};
  const runs: Partial<Record<'screen' | 'api' | 'folder', RunSummary>> = {};

  before(async () => {
    // All in diff mode, the API's only mode: a first differential sends every record as an addition.
    envs.screen = await startTransportEnv({ transport: 'screen', recipients: RECIPIENTS, mode: 'diff' });
    envs.api = await startTransportEnv({ transport: 'api', recipients: RECIPIENTS, chunkSize: 100 });
    envs.folder = await startTransportEnv({ transport: 'folder', recipients: RECIPIENTS, mode: 'full' });
    for (const channel of ['screen', 'api', 'folder'] as const) {
      runs[channel] = await runCycle({ config: envs[channel]!.config, trigger: 'test' });
    }
  });

  after(async () => {
    for (const env of Object.values(envs)) await env?.close();
  });

  it('each channel succeeds', () => {
    for (const channel of ['screen', 'api', 'folder'] as const) {
      assert.equal(runs[channel]!.error, null, `${channel}: ${runs[channel]!.error?.message}`);
      assert.equal(runs[channel]!.status, 'succeeded');
    }
  });

  it('PMH holds, type by type, exactly the same records through the API as through the screen', async () => {
    for (const program of envs.screen!.config.programs) {
      const type = program.certificate_type_id;
      const viaScreen = await heldRecords(envs.screen!, type);
      const viaApi = await heldRecords(envs.api!, type);
      assert.equal(viaScreen.size, envs.screen!.data.expectedUploads[program.code], `${type} via the screen`);
      assert.equal(viaApi.size, viaScreen.size, `${type}: record count`);
      const differing = [...viaScreen].filter(([key, digest]) => viaApi.get(key) !== digest).length;
      assert.equal(differing, 0, `${type}: ${differing} records differ between the channels`);
    }
    assert.equal(runs.api!.counts.accepted, runs.screen!.counts.accepted);
  });

  it('the folder receives, byte for byte, the CSV files the screen uploaded', async () => {
    const uploads = await simJson<{ certificateTypeId: string; sha256: string }[]>(envs.screen!.simulator, '/__sim/uploads');
    const folderFiles = runs.folder!.files;
    assert.equal(folderFiles.length, uploads.length);
    for (const file of folderFiles) {
      const dropped = createHash('sha256').update(readFileSync(join(envs.folder!.dropDir, file.fileName))).digest('hex');
      const uploaded = uploads.find((u) => u.certificateTypeId === file.certificateTypeId);
      assert.ok(uploaded, `the screen uploaded ${file.certificateTypeId}`);
      assert.equal(dropped, uploaded.sha256, `${file.certificateTypeId}: the folder's file is the screen's upload`);
    }
  });
});
