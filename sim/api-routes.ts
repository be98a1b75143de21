// The simulated registration API (医療費助成対象者情報登録API): POST /api/v1/recipients with
// a JSON array of records and a bearer token. Records are checked one by one and the accepted
// ones are registered at once, with the differential semantics of the screen's 差分連携:
// upsert by certificate type + My Number + history key, isDeleted = true deletes.
// Accepted records are stored exactly like a screen upload's (one upload per request), so
// /__sim/records and /__sim/uploads show them too.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiRecordKey, ApiState } from './api-state.ts';
import { checkApiRecord } from './api-records.ts';
import type { SimContext } from './context.ts';
import { sendJson } from './http.ts';
import { rowPosition } from './store.ts';
import { UPLOAD_STATUS } from './types.ts';

export const API_PATH = '/api/v1/recipients';

/** One refused record in a 200 answer. */
export interface ApiRecordError {
  /** 0-based position of the record in the request's array. */
  index: number;
  historyKey: string | null;
  field: string;
  message: string;
}

export interface ApiResult {
  requestId: string;
  accepted: number;
  rejected: number;
  errors: ApiRecordError[];
}

interface Body {
  bytes: number;
  /** null when the body went past the byte limit (the rest was read and dropped). */
  data: Buffer | null;
}

/** Reads the whole body, keeping at most `limit` bytes: the client is always let finish sending before it is answered. */
async function readLimited(req: IncomingMessage, limit: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let over = false;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > limit) over = true;
    if (!over) chunks.push(chunk as Buffer);
  }
  return { bytes, data: over ? null : Buffer.concat(chunks) };
}

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match ? match[1]! : null;
}

function apiError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, status, { error: code, message });
}

export async function handleApi(ctx: SimContext, api: ApiState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname !== API_PATH) {
    req.resume();
    return apiError(res, 404, 'not_found', 'そのような API はありません。');
  }
  if (req.method !== 'POST') {
    req.resume();
    return apiError(res, 405, 'method_not_allowed', 'POST で送信してください。', { Allow: 'POST' });
  }
  const body = await readLimited(req, api.maxBytes);
  const base = { bytes: body.bytes, records: null, accepted: null, rejected: null, uploadId: null, keys: [] };

  const fault = ctx.faults.takeApiFault();
  if (fault) {
    api.record({ ...base, status: fault.status, authorization: 'skipped' });
    const headers: Record<string, string> = fault.retryAfterSeconds !== null && fault.status !== 500 ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
    if (fault.status === 429) return apiError(res, 429, 'too_many_requests', 'リクエストが多すぎます。しばらく待ってから再送してください。', headers);
    if (fault.status === 503) return apiError(res, 503, 'service_unavailable', 'ただいまサービスを停止しています。', headers);
    return apiError(res, 500, 'internal_error', 'サーバー内部でエラーが発生しました。');
  }

  const token = bearerToken(req);
  if (token === null || !api.tokens.includes(token)) {
    api.record({ ...base, status: 401, authorization: token === null ? 'missing' : 'wrong' });
    return apiError(res, 401, 'unauthorized', 'アクセストークンが正しくありません。', { 'WWW-Authenticate': 'Bearer realm="pmh"' });
  }
  if (body.data === null) {
    api.record({ ...base, status: 413, authorization: 'ok' });
    return apiError(res, 413, 'payload_too_large', `リクエストが大きすぎます（上限 ${api.maxBytes} バイト）。`);
  }
  let records: unknown;
  try {
    records = JSON.parse(body.data.toString('utf8'));
  } catch {
    api.record({ ...base, status: 400, authorization: 'ok' });
    return apiError(res, 400, 'bad_request', 'リクエスト本文を JSON として読み取れません。');
  }
  if (!Array.isArray(records) || records.length === 0) {
    api.record({ ...base, status: 400, authorization: 'ok' });
    return apiError(res, 400, 'bad_request', 'リクエスト本文はレコードの JSON 配列（1 件以上）で指定してください。');
  }
  if (records.length > api.maxRecords) {
    api.record({ ...base, status: 413, authorization: 'ok', records: records.length });
    return apiError(res, 413, 'payload_too_large', `1 回のリクエストは ${api.maxRecords} 件までです（${records.length} 件）。`);
  }

  const delayMs = ctx.faults.takeApiDelay();
  if (delayMs > 0) {
    let gone = false;
    const onClose = (): void => {
      gone = !res.writableEnded;
    };
    res.once('close', onClose);
    const release = api.hold();
    try {
      await sleep(delayMs, undefined, { signal: ctx.shutdown });
    } catch {
      res.destroy(); // the simulator is closing
      return;
    } finally {
      release();
    }
    res.off('close', onClose);
    if (gone || res.destroyed) {
      // Like a server that checks the connection before committing: nothing is registered.
      api.record({ ...base, status: 499, authorization: 'ok', records: records.length });
      return;
    }
  }
  const { result, keys, uploadId } = register(ctx, records, body);
  const entry = api.record({ ...base, status: 200, authorization: 'ok', records: records.length, accepted: result.accepted, rejected: result.rejected, uploadId, keys });
  sendJson(res, 200, { ...result, requestId: `R${String(entry.id).padStart(6, '0')}` });
}

/** Checks every record and registers the accepted ones, all in one transaction. */
function register(ctx: SimContext, records: unknown[], body: Body): { result: Omit<ApiResult, 'requestId'>; keys: ApiRecordKey[]; uploadId: string } {
  const { store } = ctx;
  const knownTypes = new Set(ctx.certificateTypes.map((t) => t.id));
  const firstType = records.map((r) => (r as { orgSpecificCertificateTypeId?: unknown } | null)?.orgSpecificCertificateTypeId).find((t) => typeof t === 'string');
  return store.transaction(() => {
    const now = new Date().toISOString();
    const upload = store.createUpload({
      files: [{ fileName: `api-request.json`, sha256: createHash('sha256').update(body.data!).digest('hex'), bytes: body.bytes, path: '' }],
      certificateTypeId: typeof firstType === 'string' ? firstType : '',
      mode: 'diff',
      uploadedBy: 'api',
      receivedAt: now,
    });
    const errors: ApiRecordError[] = [];
    const keys: ApiRecordKey[] = [];
    let accepted = 0;
    records.forEach((value, index) => {
      const line = index + 1;
      const verdict = checkApiRecord(value, knownTypes);
      const problems = [...verdict.problems];
      if (verdict.key) {
        const first = store.claimKey(upload.seq, verdict.key, 0, line);
        if (first !== null) {
          problems.push({
            column: 'historyKey',
            message: `配列の ${first.line - 1} 番目（0 から数えます）のレコードと orgSpecificCertificateTypeId・myNumber・historyKey の組み合わせが重複しています（同じリクエスト内では2件目以降を受け付けません）。`,
          });
        } else if (verdict.isDeleted && !store.recordExists(verdict.key)) {
          problems.push({ column: 'isDeleted', message: '削除対象の履歴が存在しません。' });
        }
      }
      const historyKey = verdict.key?.historyKey ?? null;
      if (problems.length === 0 && verdict.key && verdict.record) {
        store.insertAcceptedRow(upload.seq, rowPosition(0, line), verdict.key, verdict.isDeleted, verdict.record);
        accepted++;
      } else {
        for (const problem of problems) {
          errors.push({ index, historyKey, field: problem.column, message: problem.message });
          store.insertError(upload.seq, { fileName: 'api-request.json', line, historyKey: historyKey ?? '', column: problem.column, message: problem.message });
        }
      }
      if (verdict.key) {
        keys.push({ index, ...verdict.key, isDeleted: verdict.isDeleted, accepted: problems.length === 0 });
      }
    });
    const rejected = records.length - accepted;
    store.applyUpload(upload);
    store.finishUpload(upload.seq, {
      status: rejected > 0 ? UPLOAD_STATUS.doneWithErrors : UPLOAD_STATUS.done,
      finishedAt: now,
      total: records.length,
      accepted,
      rejected,
      refusalReason: null,
      refusedFileName: null,
    });
    return { result: { accepted, rejected, errors }, keys, uploadId: upload.id };
  });
}
