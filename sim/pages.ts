// HTML of the classic simulated PMH municipal screen. Plain server-rendered pages, Japanese text,
// every control reachable by role and label (the bot locates them that way).

import { alertBox, countCell, escapeHtml, formatJst, htmlDocument, statusBox } from './html.ts';
import type { PendingUpload } from './pending-uploads.ts';
import type { RowError, UploadMode, UploadSummary } from './types.ts';
import { MODE_LABEL, UPLOAD_STATUS } from './types.ts';

export const APP_TITLE = 'PMH 医療費助成 自治体向け画面';

export interface CertificateTypeOption {
  id: string;
  name: string;
}

const h = escapeHtml;

interface LayoutOptions {
  title: string;
  userId?: string;
  body: string;
}

function layout({ title, userId, body }: LayoutOptions): string {
  const user = userId
    ? `<div class="user"><span>ログイン中：${h(userId)}</span>` +
      `<form method="post" action="/logout"><button type="submit">ログアウト</button></form></div>`
    : '';
  return htmlDocument({ siteTitle: APP_TITLE, title, header: user, body });
}

function backToMenu(): string {
  return '<p><a href="/menu">メニューに戻る</a></p>';
}

export function loginPage(options: { alert?: string; status?: string; userId?: string } = {}): string {
  return layout({
    title: 'ログイン',
    body: `<h2>ログイン</h2>
${statusBox(options.status)}${alertBox(options.alert ? [options.alert] : [])}
<form method="post" action="/login">
<div class="field"><label for="userId">ユーザーID</label>
<input type="text" id="userId" name="userId" autocomplete="username" value="${h(options.userId ?? '')}"></div>
<div class="field"><label for="password">パスワード</label>
<input type="password" id="password" name="password" autocomplete="current-password"></div>
<div class="actions"><button type="submit">ログイン</button></div>
</form>`,
  });
}

export function otpPage(options: { alert?: string } = {}): string {
  return layout({
    title: 'ワンタイムパスワード',
    body: `<h2>ワンタイムパスワード</h2>
${alertBox(options.alert ? [options.alert] : [])}
<p>認証アプリに表示されている6桁のワンタイムパスワードを入力してください。</p>
<form method="post" action="/login/otp">
<div class="field"><label for="otp">ワンタイムパスワード</label>
<input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6"></div>
<div class="actions"><button type="submit">認証</button></div>
</form>`,
  });
}

export function maintenancePage(): string {
  return layout({
    title: 'システムメンテナンス中',
    body: `<h2>システムメンテナンス中</h2>
<div role="alert">ただいまシステムメンテナンス中です。</div>
<p>メンテナンス終了後に、もう一度アクセスしてください。</p>`,
  });
}

export function systemErrorPage(): string {
  return messagePage('システムエラー', 'システムエラーが発生しました。しばらくしてからもう一度お試しください。');
}

export function menuPage(userId: string): string {
  return layout({
    title: 'メニュー',
    userId,
    body: `<h2>メニュー</h2>
<nav aria-label="メニュー"><ul class="menu">
<li><a href="/upload">ファイルアップロード</a></li>
<li><a href="/history">アップロード履歴</a></li>
</ul></nav>`,
  });
}

export interface UploadFormState {
  alerts?: readonly string[];
  certificateTypeId?: string;
  mode?: string;
  /** Confirm in an in-page dialog instead of on a confirmation page. */
  modalConfirm?: boolean;
}

export function uploadPage(userId: string, types: readonly CertificateTypeOption[], state: UploadFormState = {}): string {
  const modal = state.modalConfirm === true;
  const options = types
    .map((type) => {
      const selected = type.id === state.certificateTypeId ? ' selected' : '';
      return `<option value="${h(type.id)}"${selected}>${h(`${type.id} ${type.name}`)}</option>`;
    })
    .join('\n');
  const radio = (mode: UploadMode): string =>
    `<input type="radio" id="mode-${mode}" name="mode" value="${mode}"${state.mode === mode ? ' checked' : ''}>` +
    `<label for="mode-${mode}">${MODE_LABEL[mode]}</label>`;
  return layout({
    title: 'ファイルアップロード',
    userId,
    body: `<h2>医療費助成対象者情報 ファイルアップロード</h2>
${alertBox(state.alerts ?? [])}
<form method="post" action="/upload" enctype="multipart/form-data"${modal ? ' id="upload-form"' : ''}>
<div class="field"><label for="certificateTypeId">受給者証種別</label>
<select id="certificateTypeId" name="certificateTypeId">
<option value="">選択してください</option>
${options}
</select></div>
<fieldset><legend>連携区分</legend>
${radio('diff')}
${radio('full')}
</fieldset>
<div class="field"><label for="file">アップロードファイル</label>
<input type="file" id="file" name="file" accept=".csv,text/csv" multiple></div>
<p class="note">CSV形式（UTF-8）のファイルを指定してください。複数のファイルをまとめて1件としてアップロードできます。</p>
${
  modal
    ? `<input type="hidden" name="confirmed" value="">
<div class="actions"><button type="button" id="open-confirm">確認画面へ</button></div>
</form>
${CONFIRM_DIALOG}`
    : `<div class="actions"><button type="submit">確認画面へ</button></div>
</form>`
}
${backToMenu()}`,
  });
}

// The 'modal' confirmation: 確認画面へ opens this dialog instead of submitting; 登録する submits
// the form with confirmed=1, which registers at once. The script reads what the user chose.
const CONFIRM_DIALOG = `<dialog id="confirm-dialog" aria-modal="true" aria-labelledby="confirm-dialog-title">
<h2 id="confirm-dialog-title">アップロード内容の確認</h2>
<table>
<caption>アップロード内容</caption>
<tbody>
<tr><th scope="row">ファイル名</th><td id="confirm-files"></td></tr>
<tr><th scope="row">受給者証種別</th><td id="confirm-type"></td></tr>
<tr><th scope="row">連携区分</th><td id="confirm-mode"></td></tr>
</tbody>
</table>
<p>この内容で登録します。よろしいですか？</p>
<div class="actions"><button type="button" id="confirm-register">登録する</button>
<button type="button" class="secondary" id="confirm-cancel">キャンセル</button></div>
</dialog>
<script>
(() => {
  const form = document.getElementById('upload-form');
  const dialog = document.getElementById('confirm-dialog');
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  const open = () => {
    const files = document.getElementById('file').files;
    const list = document.getElementById('confirm-files');
    list.replaceChildren();
    [...files].forEach((file, i) => {
      if (i > 0) list.append(document.createElement('br'));
      list.append(file.name);
    });
    const select = form.elements.certificateTypeId;
    show('confirm-type', select.value ? select.selectedOptions[0].textContent : '');
    const mode = form.querySelector('input[name="mode"]:checked');
    show('confirm-mode', mode ? form.querySelector('label[for="' + mode.id + '"]').textContent : '');
    dialog.showModal();
  };
  document.getElementById('open-confirm').addEventListener('click', open);
  form.addEventListener('submit', (event) => { event.preventDefault(); open(); });
  document.getElementById('confirm-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('confirm-register').addEventListener('click', () => {
    form.elements.confirmed.value = '1';
    form.submit();
  });
})();
</script>`;

export interface ConfirmOptions {
  /** 受付番号 of an earlier upload with the same content (the duplicateWarning fault). */
  duplicateOf?: string;
  /** 登録する asks window.confirm first (the 'native' confirmation). */
  nativeConfirm?: boolean;
}

export const NATIVE_CONFIRM_MESSAGE = 'この内容で登録してよろしいですか？';

export function confirmPage(userId: string, pending: PendingUpload, typeLabel: string, options: ConfirmOptions = {}): string {
  const files = pending.files;
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const fileCount = files.length > 1 ? `\n<tr><th scope="row">ファイル数</th><td>${files.length} 件</td></tr>` : '';
  const duplicate = options.duplicateOf
    ? alertBox([`同一内容のファイルが既に登録されています（受付番号 ${options.duplicateOf}）。`])
    : '';
  const ask = options.nativeConfirm
    ? `
<script>
document.getElementById('confirm-form').addEventListener('submit', (event) => {
  if (!window.confirm(${JSON.stringify(NATIVE_CONFIRM_MESSAGE)})) event.preventDefault();
});
</script>`
    : '';
  return layout({
    title: 'アップロード内容の確認',
    userId,
    body: `<h2>アップロード内容の確認</h2>
${duplicate}<table>
<caption>アップロード内容</caption>
<tbody>
<tr><th scope="row">ファイル名</th><td>${files.map((f) => h(f.fileName)).join('<br>')}</td></tr>${fileCount}
<tr><th scope="row">受給者証種別</th><td>${h(typeLabel)}</td></tr>
<tr><th scope="row">連携区分</th><td>${MODE_LABEL[pending.mode]}</td></tr>
<tr><th scope="row">ファイルサイズ</th><td>${bytes} バイト</td></tr>
</tbody>
</table>
<p>この内容で登録します。よろしいですか？</p>
<form method="post" action="/upload/confirm/${h(pending.token)}"${options.nativeConfirm ? ' id="confirm-form"' : ''}>
<div class="actions"><button type="submit">登録する</button>
<a class="button-link secondary" href="/upload">戻る</a></div>
</form>${ask}`,
  });
}

function hasErrorList(upload: UploadSummary): boolean {
  return upload.status === UPLOAD_STATUS.refused || (upload.rejected ?? 0) > 0;
}

export function historyPage(
  userId: string,
  uploads: readonly UploadSummary[],
  typeLabel: (id: string) => string,
  options: { registeredId?: string; limit: number },
): string {
  const rows = uploads
    .map(
      (u) => `<tr data-upload-id="${h(u.id)}">
<td>${h(u.id)}</td><td>${u.files.map((f) => h(f.fileName)).join('<br>')}</td><td>${h(typeLabel(u.certificateTypeId))}</td><td>${MODE_LABEL[u.mode]}</td>
<td>${h(formatJst(u.receivedAt))}</td><td>${h(u.status)}</td>
<td class="number">${countCell(u.total)}</td><td class="number">${countCell(u.accepted)}</td><td class="number">${countCell(u.rejected)}</td>
<td>${hasErrorList(u) ? `<a href="/history/${encodeURIComponent(u.id)}/errors">エラー一覧</a>` : ''}</td>
</tr>`,
    )
    .join('\n');
  const registered = options.registeredId ? `受付番号 ${options.registeredId} で受け付けました。` : undefined;
  return layout({
    title: 'アップロード履歴',
    userId,
    body: `<h2>アップロード履歴</h2>
${statusBox(registered)}
<p><a href="/history">最新の情報に更新</a></p>
<table>
<caption>アップロード履歴</caption>
<thead><tr>
<th scope="col">受付番号</th><th scope="col">ファイル名</th><th scope="col">受給者証種別</th><th scope="col">連携区分</th>
<th scope="col">受付日時</th><th scope="col">状態</th><th scope="col">総件数</th><th scope="col">正常件数</th>
<th scope="col">エラー件数</th><th scope="col">詳細</th>
</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${uploads.length === 0 ? '<p>アップロード履歴はありません。</p>' : `<p class="note">新しい順に最大${options.limit}件を表示しています。</p>`}
${backToMenu()}`,
  });
}

export function errorsPage(
  userId: string,
  upload: UploadSummary,
  errors: readonly RowError[],
  totalErrors: number,
): string {
  const heading = `<h2>エラー一覧（受付番号 ${h(upload.id)}）</h2>`;
  const download = `<p><a href="/history/${encodeURIComponent(upload.id)}/errors.csv">エラー一覧をダウンロード</a></p>`;
  const back = '<p><a href="/history">履歴一覧に戻る</a></p>';
  let body: string;
  if (upload.status === UPLOAD_STATUS.refused) {
    body = `<p>このファイルは受け付けられませんでした。ファイルを修正して、もう一度アップロードしてください。</p>
<div role="alert">${h(upload.refusalReason ?? '')}</div>`;
  } else if (upload.status === UPLOAD_STATUS.received || upload.status === UPLOAD_STATUS.processing) {
    body = `<p>このアップロードはまだ処理が完了していません（状態：${h(upload.status)}）。</p>`;
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
        ? `<p class="note">全${totalErrors}件のうち先頭${errors.length}件を表示しています。すべてのエラーはダウンロードして確認してください。</p>`
        : `<p>エラー件数：${totalErrors}件</p>`;
    body = `${shown}
<table>
<caption>エラー一覧</caption>
<thead><tr><th scope="col">ファイル名</th><th scope="col">行番号</th><th scope="col">履歴キー</th><th scope="col">項目</th><th scope="col">エラー内容</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  }
  return layout({ title: `エラー一覧（受付番号 ${upload.id}）`, userId, body: `${heading}\n${body}\n${download}\n${back}` });
}

export function messagePage(title: string, message: string, userId?: string): string {
  const link = userId ? backToMenu() : '<p><a href="/login">ログイン画面へ</a></p>';
  return layout({ title, userId, body: `<h2>${h(title)}</h2>\n<div role="alert">${h(message)}</div>\n${link}` });
}
