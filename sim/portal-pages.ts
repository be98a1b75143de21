// HTML of the simulated "連携ポータル" screen: a second, differently built PMH screen. Every
// page after sign-in lives under the session's random path prefix and is reached only by
// the links and buttons of the page before it. Same stylesheet as the classic screen; every
// control is a real <label for>, <button> or <a href>.

import { alertBox, countCell, escapeHtml, formatJst, htmlDocument, statusBox } from './html.ts';
import type { PendingUpload } from './pending-uploads.ts';
import type { RowError, UploadMode, UploadStatus, UploadSummary } from './types.ts';
import { UPLOAD_STATUS } from './types.ts';

export const PORTAL_TITLE = '医療費助成 連携ポータル';
export const SIGN_IN_PATH = '/portal/';
export const SIGN_OUT_PATH = '/portal/signout';

const h = escapeHtml;

/** The signed-in user and the path prefix of their session's pages. */
export interface PortalVisitor {
  userId: string;
  /** "/portal/s/<token>" */
  base: string;
}

/** Where each page of a session lives, below its base. */
export const portalPath = {
  notice: (v: PortalVisitor) => `${v.base}/notice`,
  home: (v: PortalVisitor) => `${v.base}/home`,
  exchange: (v: PortalVisitor) => `${v.base}/exchange`,
  send: (v: PortalVisitor) => `${v.base}/exchange/send`,
  confirm: (v: PortalVisitor, token: string) => `${v.base}/exchange/send/confirm/${token}`,
  receipt: (v: PortalVisitor, id: string) => `${v.base}/exchange/send/receipt/${encodeURIComponent(id)}`,
  status: (v: PortalVisitor) => `${v.base}/exchange/status`,
  errors: (v: PortalVisitor, id: string) => `${v.base}/exchange/status/${encodeURIComponent(id)}/errors`,
  errorsCsv: (v: PortalVisitor, id: string) => `${v.base}/exchange/status/${encodeURIComponent(id)}/errors.csv`,
};

export const PORTAL_MODE_LABEL: Record<UploadMode, string> = { diff: '差分', full: '全件' };

export const PORTAL_STATUS_LABEL: Record<UploadStatus, string> = {
  [UPLOAD_STATUS.received]: '受付済み',
  [UPLOAD_STATUS.processing]: '処理中',
  [UPLOAD_STATUS.done]: '処理完了',
  [UPLOAD_STATUS.doneWithErrors]: '処理完了（エラーあり）',
  [UPLOAD_STATUS.refused]: '受付不可',
};

const PORTAL_STYLE = `
header.site nav a,header.site .user a{color:#fff}
header.site nav a{font-size:15px;font-weight:bold}
`;

function layout(title: string, body: string, visitor?: PortalVisitor): string {
  const header = visitor
    ? `<nav aria-label="メインメニュー"><a href="${h(portalPath.exchange(visitor))}">データ連携</a></nav>` +
      `<div class="user"><span>利用者：${h(visitor.userId)}</span><a href="${SIGN_OUT_PATH}">ログオフ</a></div>`
    : '';
  return htmlDocument({ siteTitle: PORTAL_TITLE, title, header, body, extraStyle: PORTAL_STYLE });
}

/** A button that opens `action` with GET (a link that looks and acts like a button). */
function getButton(action: string, label: string): string {
  return `<form method="get" action="${h(action)}"><button type="submit">${h(label)}</button></form>`;
}

/** An onclick that lets the click through only when window.confirm is accepted (`message` is one of ours: no quotes). */
function askFirst(message: string): string {
  return ` onclick="return confirm('${h(message)}');"`;
}

export function signInPage(options: { alert?: string; status?: string; userId?: string } = {}): string {
  return layout(
    'サインイン',
    `<h2>サインイン</h2>
${statusBox(options.status)}${alertBox(options.alert ? [options.alert] : [])}
<form method="post" action="/portal/signin">
<div class="field"><label for="userId">利用者ID</label>
<input type="text" id="userId" name="userId" autocomplete="username" value="${h(options.userId ?? '')}"></div>
<div class="field"><label for="password">パスワード</label>
<input type="password" id="password" name="password" autocomplete="current-password"></div>
<div class="actions"><button type="submit">サインイン</button></div>
</form>`,
  );
}

export function verifyPage(options: { alert?: string } = {}): string {
  return layout(
    '追加認証',
    `<h2>追加認証</h2>
${alertBox(options.alert ? [options.alert] : [])}
<p>認証アプリに表示されている6桁のコードを入力してください。</p>
<form method="post" action="/portal/verify">
<div class="field"><label for="code">確認コード</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"></div>
<div class="actions"><button type="submit">確認</button></div>
</form>`,
  );
}

export const NOTICE_TEXT = '本日 18:00 から 18:30 まで、定期保守のため処理状況照会が遅くなることがあります。';

export function noticePage(visitor: PortalVisitor): string {
  return layout(
    '本日のお知らせ',
    `<h2>本日のお知らせ</h2>
<p>${h(NOTICE_TEXT)}</p>
<form method="post" action="${h(portalPath.notice(visitor))}">
<div class="actions"><button type="submit">確認して進む</button></div>
</form>`,
    visitor,
  );
}

export function homePage(visitor: PortalVisitor): string {
  return layout('ホーム', '<h2>ホーム</h2>\n<p>上部のメニューから業務を選んでください。</p>', visitor);
}

export function exchangeMenuPage(visitor: PortalVisitor): string {
  return layout(
    'データ連携メニュー',
    `<h2>データ連携メニュー</h2>
<nav aria-label="データ連携メニュー"><ul class="menu">
<li><a href="${h(portalPath.send(visitor))}">ファイル送信</a></li>
<li><a href="${h(portalPath.status(visitor))}">処理状況照会</a></li>
</ul></nav>`,
    visitor,
  );
}

/** One 助成制度 as the form offers it: the name shown, an opaque value sent. */
export interface SubsidyChoice {
  value: string;
  name: string;
}

export const SEND_KIND_VALUE: Record<UploadMode, string> = { diff: '1', full: '2' };

export interface SendFormState {
  alerts?: readonly string[];
  /** The option values chosen before, kept when the form comes back with errors. */
  subsidy?: string;
  sendKind?: string;
  /** 次へ to a confirmation page instead of 送信する with a window.confirm. */
  confirmationPage: boolean;
}

export const SEND_CONFIRM_MESSAGE = 'ファイルを送信します。よろしいですか？';
export const CONFIRM_PAGE_MESSAGE = 'この内容で送信します。よろしいですか？';

export function sendFormPage(visitor: PortalVisitor, choices: readonly SubsidyChoice[], state: SendFormState): string {
  const option = (value: string, label: string, chosen: string | undefined): string =>
    `<option value="${h(value)}"${value === chosen ? ' selected' : ''}>${h(label)}</option>`;
  const subsidies = choices.map((c) => option(c.value, c.name, state.subsidy)).join('\n');
  const kinds = (['diff', 'full'] as const).map((m) => option(SEND_KIND_VALUE[m], PORTAL_MODE_LABEL[m], state.sendKind)).join('\n');
  const button = state.confirmationPage
    ? '<button type="submit">次へ</button>'
    : `<button type="submit"${askFirst(SEND_CONFIRM_MESSAGE)}>送信する</button>`;
  return layout(
    'ファイル送信',
    `<h2>ファイル送信</h2>
${alertBox(state.alerts ?? [])}
<form method="post" action="${h(portalPath.send(visitor))}" enctype="multipart/form-data">
<div class="field"><label for="subsidy">助成制度</label>
<select id="subsidy" name="subsidy">
<option value="">（選択してください）</option>
${subsidies}
</select></div>
<div class="field"><label for="sendKind">送信区分</label>
<select id="sendKind" name="sendKind">
<option value="">（選択してください）</option>
${kinds}
</select></div>
<div class="field"><label for="sendFile">送信ファイル</label>
<input type="file" id="sendFile" name="sendFile" multiple></div>
<div class="actions">${button}</div>
</form>`,
    visitor,
  );
}

export interface SendConfirmOptions {
  /** 受付ID of an earlier upload with the same content (the duplicateWarning fault). */
  duplicateOf?: string;
  /** 送信する asks window.confirm first (the 'native' confirmation). */
  nativeConfirm: boolean;
}

export function sendConfirmPage(
  visitor: PortalVisitor,
  pending: PendingUpload,
  subsidyName: string,
  options: SendConfirmOptions,
): string {
  const duplicate = options.duplicateOf ? alertBox([`同じ内容のファイルが受付済みです（受付ID ${options.duplicateOf}）`]) : '';
  const ask = options.nativeConfirm ? askFirst(CONFIRM_PAGE_MESSAGE) : '';
  return layout(
    '送信内容の確認',
    `<h2>送信内容の確認</h2>
${duplicate}<table>
<caption>送信内容</caption>
<tbody>
<tr><th scope="row">送信ファイル</th><td>${pending.files.map((f) => h(f.fileName)).join('<br>')}</td></tr>
<tr><th scope="row">助成制度</th><td>${h(subsidyName)}</td></tr>
<tr><th scope="row">送信区分</th><td>${PORTAL_MODE_LABEL[pending.mode]}</td></tr>
</tbody>
</table>
<form method="post" action="${h(portalPath.confirm(visitor, pending.token))}">
<div class="actions"><button type="submit"${ask}>送信する</button>
<a class="button-link secondary" href="${h(portalPath.send(visitor))}">戻る</a></div>
</form>`,
    visitor,
  );
}

export function receiptPage(visitor: PortalVisitor, uploadId: string): string {
  return layout('送信完了', `<h2>送信完了</h2>\n${statusBox(`受付ID：${uploadId} で受け付けました。`)}`, visitor);
}

function hasErrorDetail(upload: UploadSummary): boolean {
  return upload.status === UPLOAD_STATUS.refused || (upload.rejected ?? 0) > 0;
}

export function statusPage(
  visitor: PortalVisitor,
  uploads: readonly UploadSummary[],
  subsidyName: (certificateTypeId: string) => string,
  limit: number,
): string {
  const rows = uploads
    .map(
      (u) => `<tr data-upload-id="${h(u.id)}">
<td>${h(u.id)}</td><td>${u.files.map((f) => h(f.fileName)).join('<br>')}</td><td>${h(subsidyName(u.certificateTypeId))}</td><td>${PORTAL_MODE_LABEL[u.mode]}</td>
<td>${h(formatJst(u.receivedAt))}</td><td>${PORTAL_STATUS_LABEL[u.status]}</td>
<td class="number">${countCell(u.total)}</td><td class="number">${countCell(u.accepted)}</td><td class="number">${countCell(u.rejected)}</td>
<td>${hasErrorDetail(u) ? getButton(portalPath.errors(visitor, u.id), 'エラー内容') : ''}</td>
</tr>`,
    )
    .join('\n');
  return layout(
    '処理状況照会',
    `<h2>処理状況照会</h2>
${getButton(portalPath.status(visitor), '再表示')}
<table>
<caption>送信履歴</caption>
<thead><tr>
<th scope="col">受付ID</th><th scope="col">送信ファイル</th><th scope="col">助成制度</th><th scope="col">送信区分</th>
<th scope="col">受付日時</th><th scope="col">処理状況</th><th scope="col">件数</th><th scope="col">正常件数</th>
<th scope="col">エラー件数</th><th scope="col">操作</th>
</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${uploads.length === 0 ? '<p>送信履歴はありません。</p>' : `<p class="note">新しい順に最大${limit}件を表示しています。</p>`}`,
    visitor,
  );
}

export function errorDetailPage(
  visitor: PortalVisitor,
  upload: UploadSummary,
  errors: readonly RowError[],
  totalErrors: number,
): string {
  let body: string;
  if (upload.status === UPLOAD_STATUS.refused) {
    body = alertBox([upload.refusalReason ?? '']);
  } else if (upload.status === UPLOAD_STATUS.received || upload.status === UPLOAD_STATUS.processing) {
    body = `<p>処理が完了していません（処理状況：${PORTAL_STATUS_LABEL[upload.status]}）。</p>`;
  } else if (totalErrors === 0) {
    body = '<p>エラーはありません。</p>';
  } else {
    const rows = errors
      .map(
        (e) =>
          `<tr><td>${h(e.fileName)}</td><td class="number">${e.line}</td><td>${h(e.historyKey)}</td><td>${h(e.column)}</td><td>${h(e.message)}</td></tr>`,
      )
      .join('\n');
    const shown =
      errors.length < totalErrors
        ? `<p class="note">全${totalErrors}件のうち先頭${errors.length}件を表示しています。すべてのエラーはCSVで確認してください。</p>`
        : `<p>エラー件数：${totalErrors}件</p>`;
    body = `${shown}
<table>
<caption>エラー明細</caption>
<thead><tr><th scope="col">送信ファイル名</th><th scope="col">行</th><th scope="col">履歴番号</th><th scope="col">エラー項目</th><th scope="col">エラーメッセージ</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  }
  const title = `エラー内容（受付ID ${upload.id}）`;
  return layout(title, `<h2>${h(title)}</h2>\n${body}\n${getButton(portalPath.errorsCsv(visitor, upload.id), 'CSV出力')}`, visitor);
}

export function notFoundPage(visitor?: PortalVisitor): string {
  const back = visitor ? '' : `\n<p><a href="${SIGN_IN_PATH}">サインイン画面へ</a></p>`;
  return layout(
    'ページが見つかりません',
    `<h2>ページが見つかりません</h2>\n<div role="alert">指定されたページは存在しません。</div>${back}`,
    visitor,
  );
}

export function portalMaintenancePage(): string {
  return layout('メンテナンス中', '<h2>メンテナンス中</h2>\n<div role="alert">現在メンテナンスのためご利用いただけません。</div>');
}

export function portalErrorPage(): string {
  return layout(
    'エラーが発生しました',
    '<h2>エラーが発生しました</h2>\n<div role="alert">しばらくしてから、もう一度お試しください。</div>',
  );
}
