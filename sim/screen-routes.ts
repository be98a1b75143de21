// The screen: login, menu, upload, confirmation, history and error list.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { SimContext } from './context.ts';
import { certificateTypeLabel } from './context.ts';
import { sendErrorsCsv } from './errors-csv.ts';
import { cookieHeader, parseCookies, readUrlEncoded, redirect, sendHtml } from './http.ts';
import { NotMultipartError, readUploadForm } from './multipart.ts';
import type { UploadForm } from './multipart.ts';
import { confirmPage, errorsPage, historyPage, loginPage, menuPage, messagePage, uploadPage } from './pages.ts';
import type { Session } from './sessions.ts';
import { SESSION_COOKIE } from './sessions.ts';
import type { UploadMode } from './types.ts';

const FLASH_COOKIE = 'PMHFLASH';
const HISTORY_LIMIT = 100;
const ERRORS_SHOWN = 1000;

export async function handleScreen(ctx: SimContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  const cookies = parseCookies(req);
  const session = ctx.sessions.get(cookies.get(SESSION_COOKIE));

  if (path === '/login') {
    if (method === 'GET') return showLogin(res, cookies);
    if (method === 'POST') return login(ctx, req, res, session);
  }
  if (path === '/logout' && method === 'POST') return logout(ctx, req, res, session);
  if (!session) {
    req.resume();
    return redirect(res, '/login');
  }
  if (path === '/' && method === 'GET') return redirect(res, '/menu');
  if (path === '/menu' && method === 'GET') return sendHtml(res, 200, menuPage(session.userId));
  if (path === '/upload') {
    if (method === 'GET') return sendHtml(res, 200, uploadPage(session.userId, ctx.certificateTypes));
    if (method === 'POST') return postUpload(ctx, req, res, session);
  }
  const confirm = /^\/upload\/confirm\/([0-9a-f]+)$/.exec(path);
  if (confirm) {
    const token = confirm[1] ?? '';
    if (method === 'GET') return showConfirm(ctx, res, session, token);
    if (method === 'POST') return registerUpload(ctx, req, res, session, token);
  }
  if (path === '/history' && method === 'GET') return showHistory(ctx, res, session, url);
  const errors = /^\/history\/([^/]+)\/(errors|errors\.csv)$/.exec(path);
  if (errors && method === 'GET') {
    const upload = ctx.store.getUpload(decodeURIComponent(errors[1] ?? ''));
    if (!upload) return notFound(res, session);
    if (errors[2] === 'errors.csv') return sendErrorsCsv(res, ctx.store, upload);
    const shown = ctx.store.errorsPage(upload.seq, 0, ERRORS_SHOWN).items;
    return sendHtml(res, 200, errorsPage(session.userId, upload, shown, ctx.store.countErrors(upload.seq)));
  }
  req.resume();
  return notFound(res, session);
}

function notFound(res: ServerResponse, session: Session): void {
  sendHtml(res, 404, messagePage('ページが見つかりません', '指定されたページは存在しません。', session.userId));
}

function showLogin(res: ServerResponse, cookies: Map<string, string>): void {
  if (cookies.get(FLASH_COOKIE) === 'logout') {
    sendHtml(res, 200, loginPage({ status: 'ログアウトしました。' }), [cookieHeader(FLASH_COOKIE, '', { clear: true })]);
    return;
  }
  sendHtml(res, 200, loginPage());
}

async function login(ctx: SimContext, req: IncomingMessage, res: ServerResponse, previous: Session | undefined) {
  const form = await readUrlEncoded(req);
  const userId = form.get('userId') ?? '';
  const password = form.get('password') ?? '';
  const user = ctx.users.find((u) => u.userId === userId && sameSecret(u.password, password));
  if (!user) {
    sendHtml(res, 401, loginPage({ alert: 'ユーザーIDまたはパスワードが正しくありません。', userId }));
    return;
  }
  if (previous) endSession(ctx, previous);
  const session = ctx.sessions.create(user.userId);
  redirect(res, '/menu', [cookieHeader(SESSION_COOKIE, session.id)]);
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function logout(ctx: SimContext, req: IncomingMessage, res: ServerResponse, session: Session | undefined): void {
  req.resume();
  if (session) endSession(ctx, session);
  redirect(res, '/login', [
    cookieHeader(SESSION_COOKIE, '', { clear: true }),
    cookieHeader(FLASH_COOKIE, session ? 'logout' : '', { clear: !session }),
  ]);
}

function endSession(ctx: SimContext, session: Session): void {
  ctx.pending.discardSession(session.id);
  ctx.sessions.destroy(session.id);
}

async function postUpload(ctx: SimContext, req: IncomingMessage, res: ServerResponse, session: Session) {
  let form: UploadForm;
  try {
    form = await readUploadForm(req, ctx.pendingDir, 'file');
  } catch (error) {
    if (!(error instanceof NotMultipartError)) throw error;
    sendHtml(
      res,
      400,
      uploadPage(session.userId, ctx.certificateTypes, { alerts: ['フォームの送信形式が正しくありません。'] }),
    );
    return;
  }
  const certificateTypeId = form.fields.get('certificateTypeId') ?? '';
  const mode = form.fields.get('mode') ?? '';
  const alerts: string[] = [];
  if (certificateTypeId === '') alerts.push('受給者証種別を選択してください。');
  else if (!ctx.certificateTypes.some((t) => t.id === certificateTypeId)) alerts.push('選択された受給者証種別は登録されていません。');
  if (mode === '') alerts.push('連携区分（差分連携または全件連携）を選択してください。');
  else if (!isUploadMode(mode)) alerts.push('連携区分の値が正しくありません。');
  if (!form.file) alerts.push('アップロードファイルを選択してください。');

  if (alerts.length > 0 || !form.file || !isUploadMode(mode)) {
    if (form.file) await unlink(form.file.path).catch(() => undefined);
    sendHtml(res, 400, uploadPage(session.userId, ctx.certificateTypes, { alerts, certificateTypeId, mode }));
    return;
  }
  const pending = ctx.pending.add({
    sessionId: session.id,
    fileName: form.file.fileName,
    filePath: form.file.path,
    bytes: form.file.bytes,
    sha256: form.file.sha256,
    certificateTypeId,
    mode,
  });
  redirect(res, `/upload/confirm/${pending.token}`);
}

function isUploadMode(value: string): value is UploadMode {
  return value === 'diff' || value === 'full';
}

function confirmationGone(res: ServerResponse, session: Session): void {
  sendHtml(
    res,
    404,
    messagePage(
      'アップロード内容の確認',
      '確認対象のアップロードが見つかりません。もう一度ファイルを選択してください。',
      session.userId,
    ),
  );
}

function showConfirm(ctx: SimContext, res: ServerResponse, session: Session, token: string): void {
  const pending = ctx.pending.get(token, session.id);
  if (!pending) return confirmationGone(res, session);
  sendHtml(res, 200, confirmPage(session.userId, pending, certificateTypeLabel(ctx, pending.certificateTypeId)));
}

async function registerUpload(ctx: SimContext, req: IncomingMessage, res: ServerResponse, session: Session, token: string) {
  req.resume();
  const pending = ctx.pending.take(token, session.id);
  if (!pending) return confirmationGone(res, session);
  const filePath = join(ctx.uploadDir, `${randomBytes(12).toString('hex')}.csv`);
  await rename(pending.filePath, filePath);
  const upload = ctx.store.createUpload({
    fileName: pending.fileName,
    sha256: pending.sha256,
    bytes: pending.bytes,
    certificateTypeId: pending.certificateTypeId,
    mode: pending.mode,
    filePath,
    uploadedBy: session.userId,
    receivedAt: new Date().toISOString(),
  });
  ctx.queue.enqueue(upload.id);
  redirect(res, `/history?registered=${encodeURIComponent(upload.id)}`);
}

function showHistory(ctx: SimContext, res: ServerResponse, session: Session, url: URL): void {
  const registered = url.searchParams.get('registered');
  const registeredId = registered && ctx.store.getUpload(registered) ? registered : undefined;
  const uploads = ctx.store.listUploads(HISTORY_LIMIT);
  const html = historyPage(session.userId, uploads, (id) => certificateTypeLabel(ctx, id), {
    limit: HISTORY_LIMIT,
    ...(registeredId ? { registeredId } : {}),
  });
  sendHtml(res, 200, html);
}
