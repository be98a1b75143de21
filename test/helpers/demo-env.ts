/**
 * A throw-away demo municipality for tests: generated SQLite sources, a config file that
 * points at them, and a running PMH simulator, all under one temporary folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import type { BotConfig } from '../../config/schema.ts';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { generateDemoData, type DemoData } from '../generators/demo-data.ts';

export const EXAMPLE_CONFIG = resolve(import.meta.dirname, '../../config/pmh-bot.example.yaml');
export const TEST_PASSWORD = 'test-password-Zq81';
export const BASE_DATE = '2026-04-01';

export interface DemoEnv {
  dir: string;
  config: BotConfig;
  configPath: string;
  data: DemoData;
  simulator: Simulator;
  close(): Promise<void>;
}

export interface DemoEnvOptions {
  recipients?: number;
  processingDelayMs?: number;
  /** The simulator asks this user for a one-time password (base32 secret). */
  totpSecret?: string;
  /** Which of the simulator's screens (default: classic); portal also sets the config's screen profile to config/screens/pmh-portal.yaml. */
  screen?: 'classic' | 'portal';
}

export const PORTAL_PROFILE = resolve(import.meta.dirname, '../../config/screens/pmh-portal.yaml');

export async function startDemoEnv(options: DemoEnvOptions = {}): Promise<DemoEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'pmh-bot-test-'));
  const data = generateDemoData({ dir: join(dir, 'sources'), recipients: options.recipients ?? 2000, baseDate: BASE_DATE });
  const example = loadConfig(EXAMPLE_CONFIG).config;
  const simulator = await startSimulator({
    users: [{ userId: example.pmh.user_id!, password: TEST_PASSWORD, ...(options.totpSecret ? { totpSecret: options.totpSecret } : {}) }],
    certificateTypes: example.programs.map((p) => ({ id: p.certificate_type_id, name: p.certificate_name })),
    storePath: join(dir, 'sim.sqlite'),
    processingDelayMs: options.processingDelayMs ?? 100,
    ...(options.screen ? { screen: options.screen } : {}),
  });
  const config: BotConfig = {
    ...example,
    data_dir: join(dir, 'data'),
    base_date: BASE_DATE,
    sources: {
      subsidy: { client: 'sqlite', connection: { filename: data.files.subsidy }, connect_timeout_seconds: 10, query_timeout_seconds: 60 },
      registry: { client: 'sqlite', connection: { filename: data.files.registry }, connect_timeout_seconds: 10, query_timeout_seconds: 60 },
      support: { client: 'sqlite', connection: { filename: data.files.support }, connect_timeout_seconds: 10, query_timeout_seconds: 60 },
    },
    pmh: {
      ...example.pmh,
      url: simulator.url,
      poll_interval_seconds: 0.3,
      result_timeout_seconds: 60,
      action_timeout_seconds: 20,
      ...(options.screen === 'portal' ? { screen_profile: PORTAL_PROFILE } : {}),
    },
  };
  const configPath = join(dir, 'pmh-bot.yaml');
  writeFileSync(configPath, stringify(config));
  process.env.PMH_PASSWORD = TEST_PASSWORD;
  return {
    dir,
    config,
    configPath,
    data,
    simulator,
    async close() {
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The simulator's inspection API. */
export async function simJson<T>(sim: Simulator, path: string): Promise<T> {
  const response = await fetch(`${sim.url}${path}`);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
