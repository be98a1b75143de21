/**
 * `pmh-bot demo`: the embedded default, end to end. Creates the demo municipality's three
 * SQLite business systems, starts the PMH simulator on a free local port, and runs one
 * full cycle against it with the example configuration.
 */
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { BrowserConfig } from '../config/schema.ts';
import { withBrowserOverrides } from '../flows/browser.ts';
import { t } from '../core/i18n.ts';
import { startSimulator, type Simulator } from '../sim/server.ts';
import { generateDemoData } from '../test/generators/demo-data.ts';
import { tokyoDate } from '../core/clock.ts';
import { cliText } from '../bot/cli/cli-text.ts';
import { runCycle } from '../bot/pipeline/run.ts';
import { type RunSummary } from '../bot/pipeline/context.ts';

/** The demo simulator's password when the environment sets none. */
export const DEMO_PASSWORD = 'pmh-demo-password';

export interface DemoOptions {
  configPath: string;
  recipients: number;
  /** Keep the simulator running after the cycle, so its history can be browsed. */
  keepSimulator: boolean;
  /** Browser settings over the config's `browser:` (the command line's --headed, --slow-mo). */
  browser?: Partial<BrowserConfig>;
  out?: (line: string) => void;
}

export interface DemoResult {
  summary: RunSummary;
  simulator: Simulator;
  historyUrl: string;
  userId: string;
  passwordEnv: string;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = options.out ?? console.log;
  const loaded = loadConfig(options.configPath).config;
  const config = options.browser ? withBrowserOverrides(loaded, options.browser) : loaded;
  // The demo drives the simulator's screen: the example config sets both (and load.ts requires them for transport: screen).
  const envName = config.pmh.password_env ?? 'PMH_PASSWORD';
  const userId = config.pmh.user_id ?? 'pmh-demo';
  if (!process.env[envName]) {
    // Only the demo's own simulator accepts it; announced so an operator can log in and look.
    process.env[envName] = DEMO_PASSWORD;
    out(t(cliText.demoPassword, { env: envName, password: DEMO_PASSWORD }));
  }
  const demoDir = join(config.data_dir, 'demo');
  const baseDate = config.base_date ?? tokyoDate();
  const data = generateDemoData({ dir: demoDir, recipients: options.recipients, baseDate });
  const certificates = Object.values(data.currentCertificates).reduce((a, b) => a + b, 0);
  out(t(cliText.demoData, { dir: demoDir, recipients: data.recipients, certificates }));

  const simulator = await startSimulator({
    users: [{ userId, password: process.env[envName]! }],
    certificateTypes: config.programs.map((p) => ({ id: p.certificate_type_id, name: p.certificate_name })),
    storePath: join(demoDir, 'pmh-simulator.sqlite'),
  });
  out(t(cliText.demoSim, { url: simulator.url }));
  const summary = await runCycle({
    config: { ...config, pmh: { ...config.pmh, transport: 'screen', url: simulator.url, user_id: userId, password_env: envName, poll_interval_seconds: 1 } },
    trigger: 'demo',
  });
  if (!options.keepSimulator) await simulator.close();
  return { summary, simulator, historyUrl: `${simulator.url}/history`, userId, passwordEnv: envName };
}
