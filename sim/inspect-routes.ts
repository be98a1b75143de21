// JSON inspection API for tests (/__sim/...). No login: it exists only on the simulator.

import { readdir, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { SimContext } from './context.ts';
import { InvalidFaultsError, parseFaults } from './faults.ts';
import { readBody, sendJson, streamJsonArray } from './http.ts';
import type { RecordCursor, StoredUpload } from './store.ts';
import type { UploadSummary } from './types.ts';

const PAGE_SIZE = 1000;

export async function handleInspection(ctx: SimContext, req: IncomingMessage, res: ServerResponse, url: URL) {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (path === '/__sim/faults' && method === 'POST') return replaceFaults(ctx, req, res);
  req.resume();

  if (path === '/__sim/faults' && method === 'GET') return sendJson(res, 200, ctx.faults.current());
  if (path === '/__sim/stats' && method === 'GET') return sendJson(res, 200, ctx.stats.snapshot());

  if (path === '/__sim/uploads' && method === 'GET') {
    return sendJson(res, 200, ctx.store.listUploads(-1).reverse().map(summary));
  }
  const perUpload = /^\/__sim\/uploads\/([^/]+)\/(rows|errors)$/.exec(path);
  if (perUpload && method === 'GET') {
    const upload = ctx.store.getUpload(decodeURIComponent(perUpload[1] ?? ''));
    if (!upload) return sendJson(res, 404, { error: 'upload not found' });
    if (perUpload[2] === 'rows') {
      return streamJsonArray<number>(res, (after) => ctx.store.acceptedRowsPage(upload.seq, after ?? 0, PAGE_SIZE));
    }
    return streamJsonArray<number>(res, (after) => {
      const page = ctx.store.errorsPage(upload.seq, after ?? 0, PAGE_SIZE);
      return { items: page.items.map((e) => JSON.stringify(e)), next: page.next };
    });
  }
  if (path === '/__sim/records' && method === 'GET') {
    const type = url.searchParams.get('type');
    if (!type) return sendJson(res, 400, { error: 'query parameter "type" is required' });
    return streamJsonArray<RecordCursor>(res, (after) => ctx.store.recordsPage(type, after, PAGE_SIZE));
  }
  if (path === '/__sim/notice/reset' && method === 'POST') {
    ctx.portal.forgetNotices();
    return sendJson(res, 200, { reset: true });
  }
  if (path === '/__sim/reset' && method === 'POST') {
    ctx.queue.reset();
    ctx.faults.clear();
    ctx.stats.reset();
    ctx.portal.forgetNotices();
    ctx.pending.discardAll();
    ctx.store.reset();
    for (const name of await readdir(ctx.uploadDir)) await unlink(join(ctx.uploadDir, name)).catch(() => undefined);
    return sendJson(res, 200, { reset: true });
  }
  return sendJson(res, 404, { error: 'not found' });
}

/** POST /__sim/faults: the JSON body replaces the whole fault set ({} clears it). */
async function replaceFaults(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)).toString('utf8'));
  } catch (error) {
    return sendJson(res, 400, { error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` });
  }
  try {
    ctx.faults.replace(parseFaults(body));
  } catch (error) {
    if (!(error instanceof InvalidFaultsError)) throw error;
    return sendJson(res, 400, { error: `invalid faults: ${error.message}` });
  }
  return sendJson(res, 200, ctx.faults.current());
}

function summary(upload: StoredUpload): UploadSummary {
  const { seq: _seq, refusedFileName: _refusedFileName, files, ...rest } = upload;
  return { ...rest, files: files.map(({ path: _path, ...file }) => file) };
}
