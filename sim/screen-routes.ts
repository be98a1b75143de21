// The classic screen: login (with a one-time password for users who have one), menu, upload,
// confirmation, history and error list.

import { unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from './context.ts';
import { certificateTypeLabel } from './context.ts';
import { sendErrorsCsv } from './errors-csv.ts';
import { clearFlash, flashKey, setFlash } from './flash.ts';
import { cookieHeader, parseCookies, readUrlEncoded, redirect, sendHtml } from './http.ts';
import { MAX_FILES, NotMultipartError, readUploadForm } from './multipart.ts';
import type { UploadForm } from './multipart.ts';
import { confirmPage, errorsPage, historyPage, loginPage, menuPage, messagePage, otpPage, uploadPage } from './pages.ts';
import { PENDING_LOGIN_COOKIE, PENDING_LOGIN_SECONDS } from './pending-logins.ts';
import { isUploadMode, registerUpload } from './register-upload.ts';
import type { Session } from './sessions.ts';
import { SESSION_COOKIE } from './sessions.ts';
import { endSession, findUser, openSession } from './sign-in.ts';
import { verifyTotp } from './totp.ts';

const FLASH_TEXT: Record<string, string> = {
  logout: 'ログアウトしました。',
  expired: 'セッションの有効期限が切れました。再度ログインしてください。',
};
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
  if (path === '/login/otp') {
    if (method === 'GET') return showOtp(ctx, req, res, cookies);
    if (method === 'POST') return checkOtp(ctx, req, res, cookies, session);
  }
  if (path === '/logout' && method === 'POST') return logout(ctx, req, res, session);
  if (!session) {
    req.resume();
    return redirect(res, '/login');
  }
  if (ctx.faults.takeSessionExpiry(path)) {
    req.resume();
    endSession(ctx, session);
    return redirect(res, '/login', [cookieHeader(SESSION_COOKIE, '', { clear: true }), setFlash('expired')]);
  }
  if (path === '/' && method === 'GET') return redirect(res, '/menu');
  if (path === '/menu' && method === 'GET') return sendHtml(res, 200, menuPage(session.userId));
  if (path === '/upload') {
    if (method === 'GET') return sendHtml(res, 200, uploadPage(session.userId, ctx.certificateTypes, uploadFormState(ctx)));
    if (method === 'POST') return postUpload(ctx, req, res, session);
  }
  const confirm = /^\/upload\/confirm\/([0-9a-f]+)$/.exec(path);
  if (confirm) {
    const token = confirm[1] ?? '';
    if (method === 'GET') return showConfirm(ctx, res, session, token);
    if (method === 'POST') return confirmUpload(ctx, req, res, session, token);
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
  const flash = FLASH_TEXT[flashKey(cookies)];
  if (flash) {
    sendHtml(res, 200, loginPage({ status: flash }), [clearFlash()]);
    return;
  }
  sendHtml(res, 200, loginPage());
}

async function login(ctx: SimContext, req: IncomingMessage, res: ServerResponse, previous: Session | undefined) {
  const form = await readUrlEncoded(req);
  const userId = form.get('userId') ?? '';
  const password = form.get('password') ?? '';
  const user = findUser(ctx, userId, password);
  if (!user) {
    ctx.stats.count('failedLogins');
    sendHtml(res, 401, loginPage({ alert: 'ユーザーIDまたはパスワードが正しくありません。', userId }));
    return;
  }
  if (user.totpSecret !== undefined) {
    const token = ctx.pendingLogins.create(user.userId);
    redirect(res, '/login/otp', [cookieHeader(PENDING_LOGIN_COOKIE, token, { maxAgeSeconds: PENDING_LOGIN_SECONDS })]);
    return;
  }
  startSession(ctx, res, user.userId, previous);
}

function startSession(ctx: SimContext, res: ServerResponse, userId: string, previous: Session | undefined, cookies: string[] = []) {
  const session = openSession(ctx, userId, previous);
  redirect(res, '/menu', [...cookies, cookieHeader(SESSION_COOKIE, session.id)]);
}

function showOtp(ctx: SimContext, req: IncomingMessage, res: ServerResponse, cookies: Map<string, string>): void {
  req.resume();
  if (!ctx.pendingLogins.userOf(cookies.get(PENDING_LOGIN_COOKIE))) return redirect(res, '/login');
  sendHtml(res, 200, otpPage());
}

async function checkOtp(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  cookies: Map<string, string>,
  previous: Session | undefined,
) {
  const form = await readUrlEncoded(req);
  const token = cookies.get(PENDING_LOGIN_COOKIE);
  const userId = ctx.pendingLogins.userOf(token);
  const user = ctx.users.find((u) => u.userId === userId);
  if (token === undefined || !user?.totpSecret) return redirect(res, '/login');
  if (!verifyTotp(user.totpSecret, (form.get('otp') ?? '').trim())) {
    ctx.stats.count('otpFailures');
    sendHtml(res, 401, otpPage({ alert: 'ワンタイムパスワードが正しくありません。' }));
    return;
  }
  ctx.pendingLogins.finish(token);
  startSession(ctx, res, user.userId, previous, [cookieHeader(PENDING_LOGIN_COOKIE, '', { clear: true })]);
}

function logout(ctx: SimContext, req: IncomingMessage, res: ServerResponse, session: Session | undefined): void {
  req.resume();
  if (session) endSession(ctx, session);
  redirect(res, '/login', [cookieHeader(SESSION_COOKIE, '', { clear: true }), session ? setFlash('logout') : clearFlash()]);
}

function uploadFormState(ctx: SimContext) {
  return { modalConfirm: ctx.faults.confirmStyle() === 'modal' };
}

async function postUpload(ctx: SimContext, req: IncomingMessage, res: ServerResponse, session: Session) {
  ctx.stats.count('uploadPosts');
  let form: UploadForm;
  try {
    form = await readUploadForm(req, ctx.pendingDir, 'file');
  } catch (error) {
    if (!(error instanceof NotMultipartError)) throw error;
    sendHtml(
      res,
      400,
      uploadPage(session.userId, ctx.certificateTypes, {
        ...uploadFormState(ctx),
        alerts: ['フォームの送信形式が正しくありません。'],
      }),
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
  if (form.files.length === 0) alerts.push('アップロードファイルを選択してください。');
  if (form.tooManyFiles) alerts.push(`一度にアップロードできるファイルは${MAX_FILES}件までです。`);

  if (alerts.length > 0 || !isUploadMode(mode)) {
    await Promise.all(form.files.map((file) => unlink(file.path).catch(() => undefined)));
    const state = { ...uploadFormState(ctx), alerts, certificateTypeId, mode };
    sendHtml(res, 400, uploadPage(session.userId, ctx.certificateTypes, state));
    return;
  }
  if (ctx.faults.confirmStyle() === 'modal' && form.fields.get('confirmed') === '1') {
    ctx.pending.discardSession(session.id);
    const id = await registerUpload(ctx, session.userId, { files: form.files, certificateTypeId, mode });
    return redirect(res, `/history?registered=${encodeURIComponent(id)}`);
  }
  const pending = ctx.pending.add({
    sessionId: session.id,
    files: form.files,
    certificateTypeId,
    mode,
  });
  redirect(res, `/upload/confirm/${pending.token}`);
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
  const duplicateOf = ctx.faults.warnsOfDuplicates()
    ? ctx.store.findUploadWithContent(pending.certificateTypeId, pending.files.map((f) => f.sha256))
    : undefined;
  const html = confirmPage(session.userId, pending, certificateTypeLabel(ctx, pending.certificateTypeId), {
    ...(duplicateOf ? { duplicateOf } : {}),
    nativeConfirm: ctx.faults.confirmStyle() === 'native',
  });
  sendHtml(res, 200, html);
}

async function confirmUpload(ctx: SimContext, req: IncomingMessage, res: ServerResponse, session: Session, token: string) {
  req.resume();
  const pending = ctx.pending.take(token, session.id);
  if (!pending) return confirmationGone(res, session);
  const id = await registerUpload(ctx, session.userId, pending);
  redirect(res, `/history?registered=${encodeURIComponent(id)}`);
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
