/**
 * One POST to the registration API, and nothing more: the answer as PMH gave it, or a
 * RouteFailure that says whether the request can have reached PMH. It goes along the
 * browser's network settings (proxy, CA bundle: flows/pmh-http.ts), which tells a failure
 * before the connection to PMH opened (it cannot have registered anything) from one after.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { sendOnce, type HttpAnswer, type PmhRoute } from '../pmh-http.ts';

export function postJson(route: PmhRoute, url: string, token: string, body: Buffer, timeoutMs: number): Promise<HttpAnswer> {
  return sendOnce(route, url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json', Authorization: `Bearer ${token}` },
    body,
    timeoutMs,
  });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(headers: IncomingHttpHeaders, now: number = Date.now()): number | null {
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
