// The "連携ポータル" screen (startSimulator({ screen: 'portal' })): sign-in with an optional
// 追加認証, a once-a-day notice, Home, the データ連携 menu, file sending, processing status
// and error details. Every page after sign-in lives under /portal/s/<token>/, the token
// being the session's own, so a page is reached only by clicking through. Uploads go to the
// same store and queue as the classic screen's.

import { unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import iconv from 'iconv-lite';
import type { SimContext } from './context.ts';
import { sendErrorsCsv } from './errors-csv.ts';
import type { ErrorsCsvFormat } from './errors-csv.ts';
import type { ExpiryPoint } from './faults.ts';
import { clearFlash, flashKey, setFlash } from './flash.ts';
import { cookieHeader, parseCookies, readUrlEncoded, redirect, sendHtml } from './http.ts';
import { MAX_FILES, NotMultipartError, readUploadForm } from './multipart.ts';
import type { UploadForm } from './multipart.ts';
import { PENDING_LOGIN_COOKIE, PENDING_LOGIN_SECONDS } from './pending-logins.ts';
import {
  errorDetailPage,
  exchangeMenuPage,
  homePage,
  noticePage,
  notFoundPage,
  portalPath,
  receiptPage,
  SEND_KIND_VALUE,
  sendConfirmPage,
  sendFormPage,
  SIGN_IN_PATH,
  signInPage,
  statusPage,
  verifyPage,
} from './portal-pages.ts';
import type { PortalVisitor, SubsidyChoice } from './portal-pages.ts';
import { registerUpload } from './register-upload.ts';
import type { Session } from './sessions.ts';
import { SESSION_COOKIE } from './sessions.ts';
import { endSession, findUser, openSession } from './sign-in.ts';
import { verifyTotp } from './totp.ts';
import type { UploadMode } from './types.ts';

const FLASH_TEXT: Record<string, string> = {
  signout: 'ログオフしました。',
  expired: '一定時間操作がなかったため、ログオフしました。再度サインインしてください。',
};
const HISTORY_LIMIT = 100;
const ERRORS_SHOWN = 1000;
const FILE_FIELD = 'sendFile';

/** The portal's error CSV: what a Japanese office's Excel opens without asking. */
const PORTAL_ERRORS_CSV: ErrorsCsvFormat = {
  header: ['送信ファイル名', '行', '履歴番号', 'エラー項目', 'エラーメッセージ'],
  contentType: 'text/csv; charset=Shift_JIS',
  fileName: (uploadId) => `error_${uploadId}.csv`,
  encode: (text) => iconv.encode(text, 'cp932'),
  byteOrderMark: '',
};

export async function handlePortal(ctx: SimContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  const cookies = parseCookies(req);
  const session = ctx.sessions.get(cookies.get(SESSION_COOKIE));

  if ((path === '/' || path === '/portal') && method === 'GET') return redirect(res, SIGN_IN_PATH);
  if (path === SIGN_IN_PATH && method === 'GET') return showSignIn(res, cookies);
  if (path === '/portal/signin' && method === 'POST') return signIn(ctx, req, res, session);
  if (path === '/portal/verify') {
    if (method === 'GET') return showVerify(ctx, req, res, cookies);
    if (method === 'POST') return verify(ctx, req, res, cookies, session);
  }
  if (path === '/portal/signout' && method === 'GET') return signOut(ctx, res, session);

  const inside = /^\/portal\/s\/([^/]+)(\/.*)?$/.exec(path);
  if (!inside) {
    req.resume();
    return sendHtml(res, 404, notFoundPage());
  }
  if (!session) {
    req.resume();
    return redirect(res, SIGN_IN_PATH);
  }
  const token = ctx.portal.pathTokenOf(session.id);
  const visitor: PortalVisitor | undefined = token === undefined ? undefined : { userId: session.userId, base: `/portal/s/${token}` };
  if (!visitor || inside[1] !== token) {
    req.resume();
    return sendHtml(res, 404, notFoundPage(visitor));
  }
  return routeSessionPage(ctx, req, res, session, visitor, inside[2] ?? '');
}

/** A page under /portal/s/<token>; `page` is the rest of the path. */
async function routeSessionPage(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  session: Session,
  visitor: PortalVisitor,
  page: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  /** True when the session expired here (the fault): the response is already sent. */
  const expiresAt = (points: readonly ExpiryPoint[]): boolean => {
    if (!ctx.faults.takeSessionExpiryAt(points)) return false;
    req.resume();
    endSession(ctx, session);
    redirect(res, SIGN_IN_PATH, [cookieHeader(SESSION_COOKIE, '', { clear: true }), setFlash('expired')]);
    return true;
  };

  if (page === '/notice') {
    if (method === 'GET') {
      ctx.stats.count('noticesShown');
      return sendHtml(res, 200, noticePage(visitor));
    }
    if (method === 'POST') {
      req.resume();
      ctx.portal.acknowledgeNotice(session.userId);
      return redirect(res, portalPath.home(visitor));
    }
  }
  if (page === '/home' && method === 'GET') {
    if (expiresAt(['/menu'])) return;
    return sendHtml(res, 200, homePage(visitor));
  }
  if (page === '/exchange' && method === 'GET') {
    if (expiresAt(['/menu'])) return;
    return sendHtml(res, 200, exchangeMenuPage(visitor));
  }
  if (page === '/exchange/send') {
    const confirmationPage = ctx.faults.chosenConfirmStyle() !== null;
    if (method === 'GET') {
      if (expiresAt(['/upload'])) return;
      return sendHtml(res, 200, sendFormPage(visitor, subsidyChoices(ctx), { confirmationPage }));
    }
    if (method === 'POST') {
      // Without a confirmation page this POST is the one that registers.
      if (expiresAt(confirmationPage ? ['/upload'] : ['/upload', '/upload/confirm'])) return;
      return postSendForm(ctx, req, res, session, visitor, confirmationPage);
    }
  }
  const confirm = /^\/exchange\/send\/confirm\/([0-9a-f]+)$/.exec(page);
  if (confirm) {
    const token = confirm[1] ?? '';
    if (method === 'GET') return showSendConfirm(ctx, req, res, session, visitor, token);
    if (method === 'POST') {
      if (expiresAt(['/upload/confirm'])) return;
      return registerConfirmed(ctx, req, res, session, visitor, token);
    }
  }
  const receipt = /^\/exchange\/send\/receipt\/([^/]+)$/.exec(page);
  if (receipt && method === 'GET') {
    const upload = ctx.store.getUpload(decodeURIComponent(receipt[1] ?? ''));
    if (upload) return sendHtml(res, 200, receiptPage(visitor, upload.id));
  }
  if (page === '/exchange/status' && method === 'GET') {
    if (expiresAt(['/history'])) return;
    const uploads = ctx.store.listUploads(HISTORY_LIMIT);
    return sendHtml(res, 200, statusPage(visitor, uploads, (id) => subsidyName(ctx, id), HISTORY_LIMIT));
  }
  const errors = /^\/exchange\/status\/([^/]+)\/(errors|errors\.csv)$/.exec(page);
  if (errors && method === 'GET') {
    if (expiresAt(['/history'])) return;
    const upload = ctx.store.getUpload(decodeURIComponent(errors[1] ?? ''));
    if (upload) {
      if (errors[2] === 'errors.csv') return sendErrorsCsv(res, ctx.store, upload, PORTAL_ERRORS_CSV);
      const shown = ctx.store.errorsPage(upload.seq, 0, ERRORS_SHOWN).items;
      return sendHtml(res, 200, errorDetailPage(visitor, upload, shown, ctx.store.countErrors(upload.seq)));
    }
  }
  req.resume();
  return sendHtml(res, 404, notFoundPage(visitor));
}

// ---------------------------------------------------------------- signing in and out

function showSignIn(res: ServerResponse, cookies: Map<string, string>): void {
  const flash = FLASH_TEXT[flashKey(cookies)];
  if (flash) return sendHtml(res, 200, signInPage({ status: flash }), [clearFlash()]);
  sendHtml(res, 200, signInPage());
}

async function signIn(ctx: SimContext, req: IncomingMessage, res: ServerResponse, previous: Session | undefined) {
  const form = await readUrlEncoded(req);
  const userId = form.get('userId') ?? '';
  const user = findUser(ctx, userId, form.get('password') ?? '');
  if (!user) {
    ctx.stats.count('failedLogins');
    return sendHtml(res, 401, signInPage({ alert: '利用者IDまたはパスワードに誤りがあります。', userId }));
  }
  if (user.totpSecret !== undefined) {
    const token = ctx.pendingLogins.create(user.userId);
    return redirect(res, '/portal/verify', [cookieHeader(PENDING_LOGIN_COOKIE, token, { maxAgeSeconds: PENDING_LOGIN_SECONDS })]);
  }
  enter(ctx, res, user.userId, previous);
}

function showVerify(ctx: SimContext, req: IncomingMessage, res: ServerResponse, cookies: Map<string, string>): void {
  req.resume();
  if (!ctx.pendingLogins.userOf(cookies.get(PENDING_LOGIN_COOKIE))) return redirect(res, SIGN_IN_PATH);
  sendHtml(res, 200, verifyPage());
}

async function verify(
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
  if (token === undefined || !user?.totpSecret) return redirect(res, SIGN_IN_PATH);
  if (!verifyTotp(user.totpSecret, (form.get('code') ?? '').trim())) {
    ctx.stats.count('otpFailures');
    return sendHtml(res, 401, verifyPage({ alert: '確認コードが正しくありません。' }));
  }
  ctx.pendingLogins.finish(token);
  enter(ctx, res, user.userId, previous, [cookieHeader(PENDING_LOGIN_COOKIE, '', { clear: true })]);
}

/** Opens the session under a new path token; today's notice first if the user has not seen it. */
function enter(ctx: SimContext, res: ServerResponse, userId: string, previous: Session | undefined, cookies: string[] = []) {
  const session = openSession(ctx, userId, previous);
  const visitor = { userId, base: `/portal/s/${ctx.portal.issuePathToken(session.id)}` };
  const next = ctx.portal.noticeDue(userId) ? portalPath.notice(visitor) : portalPath.home(visitor);
  redirect(res, next, [...cookies, cookieHeader(SESSION_COOKIE, session.id)]);
}

function signOut(ctx: SimContext, res: ServerResponse, session: Session | undefined): void {
  if (session) endSession(ctx, session);
  redirect(res, SIGN_IN_PATH, [cookieHeader(SESSION_COOKIE, '', { clear: true }), session ? setFlash('signout') : clearFlash()]);
}

// ---------------------------------------------------------------- sending files

/** The form offers each certificate type by name under an opaque value (sel-1, sel-2... in the order given). */
function subsidyChoices(ctx: SimContext): SubsidyChoice[] {
  return ctx.certificateTypes.map((type, i) => ({ value: `sel-${i + 1}`, name: type.name }));
}

function certificateTypeOfChoice(ctx: SimContext, value: string): string | undefined {
  const n = /^sel-(\d+)$/.exec(value)?.[1];
  return n === undefined ? undefined : ctx.certificateTypes[Number(n) - 1]?.id;
}

function modeOfSendKind(value: string): UploadMode | undefined {
  return (Object.keys(SEND_KIND_VALUE) as UploadMode[]).find((mode) => SEND_KIND_VALUE[mode] === value);
}

function subsidyName(ctx: SimContext, certificateTypeId: string): string {
  return ctx.certificateTypes.find((t) => t.id === certificateTypeId)?.name ?? certificateTypeId;
}

async function postSendForm(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  session: Session,
  visitor: PortalVisitor,
  confirmationPage: boolean,
) {
  ctx.stats.count('uploadPosts');
  let form: UploadForm;
  try {
    form = await readUploadForm(req, ctx.pendingDir, FILE_FIELD);
  } catch (error) {
    if (!(error instanceof NotMultipartError)) throw error;
    form = { fields: new Map(), files: [], tooManyFiles: false }; // nothing usable was sent
  }
  const subsidy = form.fields.get('subsidy') ?? '';
  const sendKind = form.fields.get('sendKind') ?? '';
  const certificateTypeId = certificateTypeOfChoice(ctx, subsidy);
  const mode = modeOfSendKind(sendKind);
  const alerts: string[] = [];
  if (certificateTypeId === undefined) alerts.push('助成制度を選択してください。');
  if (mode === undefined) alerts.push('送信区分を選択してください。');
  if (form.files.length === 0) alerts.push('送信ファイルを選択してください。');
  if (form.tooManyFiles) alerts.push(`一度に送信できるファイルは${MAX_FILES}件までです。`);

  if (alerts.length > 0 || certificateTypeId === undefined || mode === undefined) {
    await Promise.all(form.files.map((file) => unlink(file.path).catch(() => undefined)));
    const state = { alerts, subsidy, sendKind, confirmationPage };
    return sendHtml(res, 400, sendFormPage(visitor, subsidyChoices(ctx), state));
  }
  if (!confirmationPage) {
    ctx.pending.discardSession(session.id);
    const id = await registerUpload(ctx, session.userId, { files: form.files, certificateTypeId, mode });
    return redirect(res, portalPath.receipt(visitor, id));
  }
  const pending = ctx.pending.add({ sessionId: session.id, files: form.files, certificateTypeId, mode });
  redirect(res, portalPath.confirm(visitor, pending.token));
}

function showSendConfirm(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  session: Session,
  visitor: PortalVisitor,
  token: string,
): void {
  req.resume();
  const pending = ctx.pending.get(token, session.id);
  if (!pending) return sendHtml(res, 404, notFoundPage(visitor));
  const duplicateOf = ctx.faults.warnsOfDuplicates()
    ? ctx.store.findUploadWithContent(pending.certificateTypeId, pending.files.map((f) => f.sha256))
    : undefined;
  const html = sendConfirmPage(visitor, pending, subsidyName(ctx, pending.certificateTypeId), {
    ...(duplicateOf ? { duplicateOf } : {}),
    nativeConfirm: ctx.faults.chosenConfirmStyle() === 'native',
  });
  sendHtml(res, 200, html);
}

async function registerConfirmed(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  session: Session,
  visitor: PortalVisitor,
  token: string,
) {
  req.resume();
  const pending = ctx.pending.take(token, session.id);
  if (!pending) return sendHtml(res, 404, notFoundPage(visitor));
  const id = await registerUpload(ctx, session.userId, pending);
  redirect(res, portalPath.receipt(visitor, id));
}
