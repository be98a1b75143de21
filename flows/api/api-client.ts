/**
 * One POST to the registration API, and nothing more: the answer as PMH gave it, or a
 * transport failure that says whether the request can have reached PMH. node:http is
 * used rather than fetch because that distinction needs to know when the whole body
 * was handed to the network: a failure before that cannot have registered anything.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Errors that say the connection was never made: nothing was sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** The request failed without an answer. `maybeSent`: the whole body had left, so PMH may have processed it. */
export class ApiTransportFailure extends Error {
  override readonly name = 'ApiTransportFailure';
  constructor(
    readonly maybeSent: boolean,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** PMH's answers are small (counts and per-record errors); a bigger one is not PMH's. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

export function postJson(url: string, token: string, body: Buffer, timeoutMs: number): Promise<ApiAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let bodyLeft = false;
    let settled = false;
    const fail = (error: Error & { code?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      const code = error.code ?? '';
      reject(new ApiTransportFailure(bodyLeft && !NOT_CONNECTED.has(code), code ? `${code}: ${error.message}` : error.message));
    };
    const request = send(target, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(body.length),
        Accept: 'application/json',
        Authorization: `Bearer ${token}`,
      },
    });
    const deadline = setTimeout(() => request.destroy(new Error(`PMH did not answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    request.on('finish', () => {
      bodyLeft = true;
    });
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) request.destroy(new Error('the answer is too large'));
        else chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('aborted', () => fail(new Error('the answer was cut off')));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end(body);
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
