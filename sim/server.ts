// The PMH simulator: an imitation of the PMH municipal upload screen (the classic one, or
// the 連携ポータル with `screen: 'portal'`) plus the registration API and a JSON inspection
// API, on localhost, for the demo and the tests. It stands in for a system we do not own, so
// it shares no code with the bot.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleApi } from './api-routes.ts';
import { handleApiInspection } from './api-inspect.ts';
import { ApiState, DEFAULT_API_MAX_BYTES, DEFAULT_API_MAX_RECORDS } from './api-state.ts';
import type { SimContext } from './context.ts';
import type { SimCertificateType, SimScreen, SimUser } from './types.ts';
import { SIM_SCREENS } from './types.ts';
import { FaultState, parseFaults } from './faults.ts';
import type { SimFaults } from './faults.ts';
import { sendHtml } from './http.ts';
import { handleInspection } from './inspect-routes.ts';
import { maintenancePage, systemErrorPage } from './pages.ts';
import { PendingLogins } from './pending-logins.ts';
import { PendingUploads } from './pending-uploads.ts';
import { portalErrorPage, portalMaintenancePage } from './portal-pages.ts';
import { handlePortal } from './portal-routes.ts';
import { PortalState } from './portal-state.ts';
import { answeredByFault } from './response-faults.ts';
import type { FaultPages } from './response-faults.ts';
import { handleScreen } from './screen-routes.ts';
import { Sessions } from './sessions.ts';
import { StatsCounter } from './stats.ts';
import { SimStore } from './store.ts';
import { base32Decode } from './totp.ts';
import { UploadQueue } from './upload-queue.ts';

export type { SimCertificateType, SimScreen, SimUser } from './types.ts';

export interface SimOptions {
  host?: string;
  port?: number;
  /** Which screen answers: 'classic' (default) or 'portal' (the 連携ポータル; classic paths are then 404). */
  screen?: SimScreen;
  users: SimUser[];
  certificateTypes: SimCertificateType[];
  /** SQLite file for the simulator's state; ':memory:' (default) forgets everything on close. */
  storePath?: string;
  /** How long an upload stays 受付済 before 処理中, and the least time 処理中 lasts. */
  processingDelayMs?: number;
  /** Fault modes in force from the start (POST /__sim/faults replaces them). */
  faults?: SimFaults;
  /** Bearer tokens the registration API accepts; none: every API request is refused with 401. */
  apiTokens?: string[];
  /** Records one API request may hold (default 1000); more: 413. */
  apiMaxRecords?: number;
  /** Bytes one API request body may hold (default 16 MiB); more: 413. */
  apiMaxBytes?: number;
}

export interface Simulator {
  url: string;
  close(): Promise<void>;
}

export type { UploadFile, UploadMode, UploadStatus, UploadSummary, RowError } from './types.ts';
export type { ConfirmStyle, ExpiryPoint, SimFaults } from './faults.ts';
export type { SimStats } from './stats.ts';
export type { ApiRecordKey, ApiRequestEntry, ApiStats } from './api-state.ts';
export type { ApiRecordError, ApiResult } from './api-routes.ts';
export { API_PATH } from './api-routes.ts';

/** A simulated screen: its routes, and the pages the response faults show on it. */
interface Screen {
  handle(ctx: SimContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  pages: FaultPages;
}

const SCREENS: Record<SimScreen, Screen> = {
  classic: { handle: handleScreen, pages: { maintenance: maintenancePage, systemError: systemErrorPage } },
  portal: { handle: handlePortal, pages: { maintenance: portalMaintenancePage, systemError: portalErrorPage } },
};

export async function startSimulator(opts: SimOptions): Promise<Simulator> {
  const screenName = opts.screen ?? 'classic';
  if (!SIM_SCREENS.includes(screenName)) throw new Error(`unknown screen: ${String(screenName)} (classic or portal)`);
  const screen = SCREENS[screenName];
  for (const user of opts.users) {
    if (user.totpSecret !== undefined) base32Decode(user.totpSecret); // a bad secret fails at start-up
  }
  const faults = new FaultState();
  faults.replace(parseFaults(opts.faults ?? {}));
  const host = opts.host ?? '127.0.0.1';
  const storePath = opts.storePath ?? ':memory:';
  const inMemory = storePath === ':memory:';

  // Uploaded files sit next to a file store so that unfinished uploads survive a restart.
  const filesRoot = inMemory ? await mkdtemp(join(tmpdir(), 'pmh-sim-')) : `${storePath}.files`;
  const pendingDir = join(filesRoot, 'pending');
  const uploadDir = join(filesRoot, 'uploads');
  await rm(pendingDir, { recursive: true, force: true }); // unconfirmed files die with their sessions
  await mkdir(pendingDir, { recursive: true });
  await mkdir(uploadDir, { recursive: true });

  const store = new SimStore(storePath);
  const queue = new UploadQueue(store, opts.processingDelayMs ?? 800, faults);
  const shutdown = new AbortController();
  const ctx: SimContext = {
    store,
    sessions: new Sessions(),
    pendingLogins: new PendingLogins(),
    pending: new PendingUploads(),
    portal: new PortalState(),
    faults,
    stats: new StatsCounter(screenName === 'portal'),
    shutdown: shutdown.signal,
    queue,
    users: [...opts.users],
    certificateTypes: [...opts.certificateTypes],
    pendingDir,
    uploadDir,
  };
  queue.resume();
  const api = new ApiState(opts.apiTokens ?? [], opts.apiMaxRecords ?? DEFAULT_API_MAX_RECORDS, opts.apiMaxBytes ?? DEFAULT_API_MAX_BYTES);

  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const handling = handle(ctx, api, screen, req, res).finally(() => inFlight.delete(handling));
    inFlight.add(handling);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    close() {
      closing ??= (async () => {
        shutdown.abort();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
        await Promise.allSettled([...inFlight]);
        await queue.close();
        ctx.pending.discardAll();
        store.close();
        if (inMemory) await rm(filesRoot, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

async function handle(ctx: SimContext, api: ApiState, screen: Screen, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/__sim/api/')) {
      handleApiInspection(api, req, res, url);
      return;
    }
    if (url.pathname.startsWith('/__sim/')) {
      if (url.pathname === '/__sim/reset' && req.method === 'POST') api.reset();
      await handleInspection(ctx, req, res, url);
      return;
    }
    ctx.stats.request(url.pathname);
    if (url.pathname.startsWith('/api/')) {
      await handleApi(ctx, api, req, res, url);
      return;
    }
    if (!(await answeredByFault(ctx, req, res, url, screen.pages))) await screen.handle(ctx, req, res, url);
  } catch (error) {
    console.error('[pmh-sim] request failed:', error);
    if (!res.headersSent) {
      sendHtml(res, 500, screen.pages.systemError());
    } else {
      res.destroy();
    }
  }
}
