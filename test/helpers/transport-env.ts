/**
 * The demo municipality of demo-env.ts, set up for one delivery channel: the simulator is
 * restarted (same store) with a registration API token, and the config file is written
 * for `transport: screen | api | folder` and loaded through the real loader, so the
 * channel's config checks run too.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_LAYOUT_PATH } from '../../bot/output/layout-file.ts';
import { loadConfig } from '../../config/load.ts';
import type { BotConfig } from '../../config/schema.ts';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { startDemoEnv, TEST_PASSWORD, type DemoEnv, type DemoEnvOptions } from './demo-env.ts';

export const API_TOKEN = 'test-api-token-Wd40';
export const API_TOKEN_ENV = 'PMH_API_TOKEN';

export interface TransportEnvOptions extends DemoEnvOptions {
  transport: 'screen' | 'api' | 'folder';
  mode?: 'full' | 'diff';
  /** Records per API request. */
  chunkSize?: number;
  /** The simulator's own limit of records per API request. */
  apiMaxRecords?: number;
  /** Certificate types the simulated PMH knows (default: every program's). */
  simTypes?: string[];
  folder?: { marker?: boolean; wait_for_pickup_seconds?: number };
}

export interface TransportEnv extends DemoEnv {
  /** The drop folder (transport: folder). */
  dropDir: string;
  /** Rewrites the config file with a change (for child processes) and returns the loaded config. */
  rewrite(change: (config: BotConfig) => BotConfig): BotConfig;
}

/** A copy of the default layout with format: json, as the operator guide tells operators to make. */
export function writeJsonLayout(dir: string): string {
  const path = join(dir, 'pmh-v1-json.yaml');
  const text = readFileSync(DEFAULT_LAYOUT_PATH, 'utf8');
  if (!/^format: csv$/m.test(text)) throw new Error('the default layout no longer says format: csv');
  const json = text.replace(/^format: csv$/m, 'format: json').replace(/^(file_name: ".*)\.csv"$/m, '$1.json"');
  if (!/\.json"$/m.test(json)) throw new Error('the default layout\'s file_name no longer ends in .csv');
  writeFileSync(path, json);
  return path;
}

export async function startTransportEnv(options: TransportEnvOptions): Promise<TransportEnv> {
  const demo = await startDemoEnv(options);
  await demo.simulator.close();
  let simulator: Simulator;
  try {
    simulator = await startSimulator({
      users: [{ userId: demo.config.pmh.user_id!, password: TEST_PASSWORD, ...(options.totpSecret ? { totpSecret: options.totpSecret } : {}) }],
      certificateTypes: demo.config.programs
        .filter((p) => !options.simTypes || options.simTypes.includes(p.certificate_type_id))
        .map((p) => ({ id: p.certificate_type_id, name: p.certificate_name })),
      storePath: join(demo.dir, 'sim.sqlite'),
      processingDelayMs: options.processingDelayMs ?? 100,
      apiTokens: [API_TOKEN],
      ...(options.apiMaxRecords ? { apiMaxRecords: options.apiMaxRecords } : {}),
    });
  } catch (error) {
    await demo.close();
    throw error;
  }
  process.env[API_TOKEN_ENV] = API_TOKEN;
  const dropDir = join(demo.dir, 'drop');
  mkdirSync(dropDir, { recursive: true });
  const base: BotConfig = {
    ...demo.config,
    ...(options.transport === 'api' ? { output: { ...demo.config.output, layout: writeJsonLayout(demo.dir) } } : {}),
    pmh: {
      ...demo.config.pmh,
      url: simulator.url,
      transport: options.transport,
      mode: options.mode ?? (options.transport === 'api' ? 'diff' : demo.config.pmh.mode),
      retry: { max_attempts: 3, initial_delay_seconds: 0.2, max_delay_seconds: 2, multiplier: 2 },
      ...(options.transport === 'api'
        ? { api: { url: `${simulator.url}/api/v1/recipients`, token_env: API_TOKEN_ENV, chunk_size: options.chunkSize ?? 500, timeout_seconds: 30 } }
        : {}),
      ...(options.transport === 'folder'
        ? { folder: { path: dropDir, marker: options.folder?.marker ?? true, wait_for_pickup_seconds: options.folder?.wait_for_pickup_seconds ?? 0 } }
        : {}),
      // Checked for real: the config is written as YAML and read back through the loader.
    } as BotConfig['pmh'],
  };
  const write = (config: BotConfig): BotConfig => {
    writeFileSync(demo.configPath, stringify(config));
    return loadConfig(demo.configPath).config;
  };
  const env: TransportEnv = {
    ...demo,
    simulator,
    dropDir,
    config: write(base),
    rewrite(change) {
      env.config = write(change(env.config));
      return env.config;
    },
    async close() {
      await simulator.close();
      await demo.close();
    },
  };
  return env;
}
