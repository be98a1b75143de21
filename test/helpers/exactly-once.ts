/**
 * What PMH (the simulator) ended up holding, checked from its inspection API rather than
 * from what the bot believes it sent: each record registered once, none missing.
 */
import assert from 'node:assert/strict';
import type { ApiRequestEntry } from '../../sim/server.ts';
import { simJson, type DemoEnv } from './demo-env.ts';

/** What the checks read: the simulator, and what the generated data says PMH should end up with. */
type Delivered = Pick<DemoEnv, 'simulator' | 'data' | 'config'>;

interface SimUpload {
  id: string;
  fileName: string;
  sha256: string;
  status: string;
  accepted: number | null;
  files?: { fileName: string; sha256: string }[];
}

export const expectedTotal = (env: Pick<DemoEnv, 'data'>): number => Object.values(env.data.expectedUploads).reduce((a, b) => a + b, 0);

/** Through the screen: no file content reached PMH twice, PMH accepted every expected record, every upload finished. */
export async function assertScreenDeliveredOnce(env: Delivered): Promise<SimUpload[]> {
  const received = await simJson<SimUpload[]>(env.simulator, '/__sim/uploads');
  const hashes = received.flatMap((u) => (u.files?.length ? u.files.map((f) => f.sha256) : [u.sha256]));
  assert.equal(new Set(hashes).size, hashes.length, `a file reached PMH twice: ${received.map((u) => `${u.id}:${u.fileName}`).join(', ')}`);
  assert.equal(received.reduce((n, u) => n + (u.accepted ?? 0), 0), expectedTotal(env), 'PMH accepted each record once');
  assert.ok(received.every((u) => u.status === '完了'), received.map((u) => u.status).join(','));
  return received;
}

/** Through the API: every record key PMH registered, counted over every processed request, appears once. */
export async function assertApiDeliveredOnce(env: Delivered): Promise<ApiRequestEntry[]> {
  const log = await simJson<ApiRequestEntry[]>(env.simulator, '/__sim/api/requests');
  const seen = new Map<string, number>();
  for (const entry of log.filter((e) => e.status === 200)) {
    for (const key of entry.keys) {
      const id = `${key.certificateTypeId}|${key.historyKey}|${key.isDeleted}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  const twice = [...seen.entries()].filter(([, n]) => n > 1).length;
  assert.equal(twice, 0, `${twice} records reached PMH more than once`);
  assert.equal(seen.size, expectedTotal(env), 'every record reached PMH');
  let held = 0;
  for (const program of env.config.programs) {
    held += (await simJson<unknown[]>(env.simulator, `/__sim/records?type=${program.certificate_type_id}`)).length;
  }
  assert.equal(held, expectedTotal(env), 'PMH holds every record');
  return log;
}
