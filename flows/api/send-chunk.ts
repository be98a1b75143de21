/**
 * Sending one chunk of records to the registration API, unattended: the one layer that
 * retries, as for the screen. A 429, a 5xx or a connection that never opened says PMH
 * registered nothing: retried with exponential backoff (at least as long as Retry-After
 * asks, never longer than the policy's longest wait), through the same circuit breaker as
 * the screen. A request whose body left without an answer may have been registered: it is
 * never resent here (PmhApiNoAnswer). 401/403, 413 and other refusals are not retried.
 * The flow knows nothing of files, ledgers or records: it moves a JSON body and reads
 * PMH's answer.
 */
import { pmhError, type PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { withRetry, type CircuitBreaker, type RetryPolicy } from '../retry.ts';
import { RouteFailure, type PmhRoute } from '../pmh-http.ts';
import { postJson, retryAfterMs } from './api-client.ts';

export interface ApiEndpoint {
  url: string;
  token: string;
  timeoutMs: number;
  /** The proxy and trust of `browser:`, which the API goes along too. */
  route: PmhRoute;
}

/** One record PMH refused, by its 0-based index in the chunk. */
export interface ApiRecordError {
  index: number;
  historyKey: string | null;
  field: string;
  message: string;
}

export interface ApiChunkAnswer {
  accepted: number;
  rejected: number;
  errors: ApiRecordError[];
  /** PMH's identifier of the request, when it gives one. */
  requestId: string | null;
}

export interface ApiChunk {
  /** JSON array text. */
  body: Buffer;
  records: number;
  /** For messages: the file and the 1-based record numbers within it. */
  fileName: string;
  first: number;
  last: number;
}

export interface ApiSendOptions {
  endpoint: ApiEndpoint;
  retry: RetryPolicy;
  breaker?: CircuitBreaker;
  /** For the hints: the run to replay, the chunk size to lower. */
  runId: string;
  chunkSize: number;
  log: Logger;
  /** Called just before each attempt: from then on the chunk may exist at PMH. */
  onSending?: () => void;
  /** Called when PMH answered that it registered nothing (before a retry, or before giving up). */
  onNotRegistered?: (status: number | null) => void;
  /** Called before waiting to retry. */
  onRetry?: (attempt: number, error: PmhBotError, delayMs: number) => void;
}

/** The answer's shape, checked: a 200 PMH cannot be read is treated as no answer. */
function readAnswer(body: string, chunk: ApiChunk): ApiChunkAnswer | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const answer = value as { accepted?: unknown; rejected?: unknown; errors?: unknown; requestId?: unknown } | null;
  if (!answer || typeof answer.accepted !== 'number' || typeof answer.rejected !== 'number') return null;
  const errors: ApiRecordError[] = [];
  for (const item of Array.isArray(answer.errors) ? answer.errors : []) {
    const error = item as { index?: unknown; historyKey?: unknown; field?: unknown; message?: unknown };
    const index = typeof error.index === 'number' && Number.isInteger(error.index) && error.index >= 0 && error.index < chunk.records ? error.index : -1;
    errors.push({
      index,
      historyKey: typeof error.historyKey === 'string' && error.historyKey !== '' ? error.historyKey : null,
      field: typeof error.field === 'string' ? error.field : '',
      message: typeof error.message === 'string' ? error.message : '',
    });
  }
  return { accepted: answer.accepted, rejected: answer.rejected, errors, requestId: typeof answer.requestId === 'string' ? answer.requestId : null };
}

function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 300);
    if (typeof parsed.error === 'string') return parsed.error.slice(0, 300);
  } catch {
    // not JSON: the status says enough
  }
  return body.slice(0, 120).replace(/\s+/g, ' ');
}

/** One attempt: PMH's per-record answer, or the error its answer (or silence) stands for. */
async function attempt(options: ApiSendOptions, chunk: ApiChunk): Promise<ApiChunkAnswer> {
  const { endpoint } = options;
  const where = { fileName: chunk.fileName, first: chunk.first, last: chunk.last, runId: options.runId };
  let answer;
  try {
    answer = await postJson(endpoint.route, endpoint.url, endpoint.token, chunk.body, endpoint.timeoutMs);
  } catch (error) {
    if (!(error instanceof RouteFailure)) throw error;
    if (error.maybeSent) throw pmhError('PmhApiNoAnswer', { ...where, detail: error.message });
    options.onNotRegistered?.(null);
    // Nothing reached PMH. A certificate is not trusted (critical: never retried), the proxy
    // failed (its settings named), or PMH is unreachable.
    if (error.kind === 'certificate') throw pmhError('PmhCertificateError', { url: endpoint.url, detail: error.message });
    if (error.kind === 'proxy') throw pmhError('PmhProxyFailed', { url: endpoint.url, detail: error.message });
    throw pmhError('PmhApiUnreachable', { url: endpoint.url, detail: error.message });
  }
  const { status } = answer;
  if (status === 200) {
    const read = readAnswer(answer.body, chunk);
    if (!read) throw pmhError('PmhApiNoAnswer', { ...where, detail: 'HTTP 200 の応答を読み取れません / unreadable HTTP 200 answer' });
    return read;
  }
  options.onNotRegistered?.(status);
  if (status === 401 || status === 403) throw pmhError('PmhApiUnauthorized', { url: endpoint.url, status, fileName: chunk.fileName, runId: options.runId });
  if (status === 413) {
    throw pmhError('PmhApiPayloadTooLarge', { ...where, records: chunk.records, bytes: chunk.body.length, chunkSize: options.chunkSize });
  }
  if (status === 429) {
    const wait = retryAfterMs(answer.headers);
    throw Object.assign(pmhError('PmhApiRateLimited', { ...where, url: endpoint.url, retryAfter: wait === null ? '-' : Math.round(wait / 1000) }), { retryAfterMs: wait });
  }
  if (status >= 500) {
    throw Object.assign(pmhError('PmhServerError', { step: `api:${chunk.fileName}#${chunk.first}`, status, url: endpoint.url }), { retryAfterMs: retryAfterMs(answer.headers) });
  }
  throw pmhError('PmhApiRequestRefused', { ...where, status, detail: detailOf(answer.body) });
}

/** Sends one chunk, retrying what PMH did not register; resolves to PMH's per-record answer. */
export async function sendChunk(options: ApiSendOptions, chunk: ApiChunk): Promise<ApiChunkAnswer> {
  const loop = { policy: options.retry, breaker: options.breaker, log: options.log, what: 'API request', onRetry: options.onRetry };
  return withRetry(loop, () => {
    options.onSending?.();
    return attempt(options, chunk);
  });
}
