// Inspection of the registration API for tests (/__sim/api/...): every request it answered,
// with the keys of the records it held, and counters. No login: it exists only on the simulator.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiState } from './api-state.ts';
import { sendJson } from './http.ts';

export function handleApiInspection(api: ApiState, req: IncomingMessage, res: ServerResponse, url: URL): void {
  req.resume();
  if (req.method !== 'GET') return sendJson(res, 405, { error: 'GET only' });
  if (url.pathname === '/__sim/api/requests') return sendJson(res, 200, api.entries());
  if (url.pathname === '/__sim/api/stats') return sendJson(res, 200, api.stats());
  return sendJson(res, 404, { error: 'not found' });
}
