/**
 * One POST to the registration API, and nothing more: the answer as PMH gave it, or a
 * transport failure that says whether the request can have reached PMH. It goes along the
 * browser's network settings (proxy, CA bundle: flows/pmh-http.ts), on node:http rather
 * than fetch because that distinction needs to know when the whole body was handed to the
 * network: a failure before that cannot have registered anything.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { RouteFailure, sendOnce, type PmhRoute, type RouteFailureKind } from '../pmh-http.ts';

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The request failed without an answer. `maybeSent`: the whole body had left, so PMH may have processed it. */
export class ApiTransportFailure extends Error {
  override readonly name = 'ApiTransportFailure';
  constructor(
    readonly maybeSent: boolean,
    readonly detail: string,
    /** Where it failed: the proxy, PMH's certificate, or the network. */
    readonly kind: RouteFailureKind = 'network',
  ) {
    super(detail);
  }
}

export async function postJson(route: PmhRoute, url: string, token: string, body: Buffer, timeoutMs: number): Promise<ApiAnswer> {
  try {
    return await sendOnce(route, url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json', Authorization: `Bearer ${token}` },
      body,
      timeoutMs,
    });
  } catch (error) {
    if (!(error instanceof RouteFailure)) throw error;
    throw new ApiTransportFailure(error.maybeSent, error.message, error.kind);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(headers: IncomingHttpHeaders, now: number = Date.now()): number | null {
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
