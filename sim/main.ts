// Standalone start of the PMH simulator:
//   node --import tsx sim/main.ts [--host H] [--port N] [--store FILE] [--delay MS] [--type ID=NAME]...
//                                 [--faults JSON] [--screen classic|portal]
// Demo user: pmh-demo, password from PMH_SIM_PASSWORD (default demo-password); with
// PMH_SIM_TOTP_SECRET (base32) set, the user must also enter a one-time password.

import { parseArgs } from 'node:util';
import { startSimulator } from './server.ts';
import type { SimCertificateType, SimFaults, SimScreen, SimUser } from './server.ts';
import { SIM_SCREENS } from './types.ts';

const DEFAULT_TYPES: SimCertificateType[] = [{ id: 'DEMO01', name: '子ども医療費助成（デモ）' }];

function parseType(value: string): SimCertificateType {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) {
    throw new Error(`--type は ID=名称 の形式で指定してください / --type must be ID=NAME: ${value}`);
  }
  return { id: value.slice(0, eq), name: value.slice(eq + 1) };
}

function parseScreen(value: string | undefined): SimScreen | undefined {
  if (value === undefined) return undefined;
  const screen = SIM_SCREENS.find((s) => s === value);
  if (!screen) throw new Error(`--screen は ${SIM_SCREENS.join(' / ')} のいずれかです / --screen must be one of ${SIM_SCREENS.join(', ')}: ${value}`);
  return screen;
}

function parseInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer: ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      store: { type: 'string' },
      delay: { type: 'string' },
      type: { type: 'string', multiple: true },
      faults: { type: 'string' },
      screen: { type: 'string' },
    },
  });
  const types = (values.type ?? []).map(parseType);
  const port = parseInteger('port', values.port);
  const delay = parseInteger('delay', values.delay);
  const screen = parseScreen(values.screen);
  const faults = values.faults === undefined ? undefined : (JSON.parse(values.faults) as SimFaults);
  const user: SimUser = { userId: 'pmh-demo', password: process.env['PMH_SIM_PASSWORD'] ?? 'demo-password' };
  const totpSecret = process.env['PMH_SIM_TOTP_SECRET'];
  if (totpSecret) user.totpSecret = totpSecret;
  const sim = await startSimulator({
    users: [user],
    certificateTypes: types.length > 0 ? types : DEFAULT_TYPES,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(port === undefined ? {} : { port }),
    ...(values.store === undefined ? {} : { storePath: values.store }),
    ...(delay === undefined ? {} : { processingDelayMs: delay }),
    ...(faults === undefined ? {} : { faults }),
    ...(screen === undefined ? {} : { screen }),
  });
  console.log(`PMHシミュレーターを起動しました: ${sim.url}`);
  console.log(`PMH simulator listening on ${sim.url}`);
  if (screen === 'portal') console.log(`連携ポータル / portal screen: ${sim.url}/portal/`);
  console.log('ユーザーID / user: pmh-demo （パスワードは PMH_SIM_PASSWORD / password from PMH_SIM_PASSWORD）');

  const stop = (): void => {
    console.log('PMHシミュレーターを停止します / stopping the PMH simulator');
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
