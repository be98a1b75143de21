/**
 * The notification mail: a plain-text Japanese summary of a run sent through the
 * municipality's SMTP server (usually one inside LGWAN). The report is named, not attached:
 * the mail leaves the terminal, the report stays on it.
 */
import { createTransport } from 'nodemailer';
import { readSecret } from '../../config/secrets.ts';
import { asPmhBotError, pmhError } from '../../core/errors.ts';
import { scrubText } from '../../core/log.ts';
import type { NotifyMailConfig, NotifyResult } from './notify-types.ts';
import { COUNT_TEXT, formatCount, say } from '../report/report-text.ts';
import { noticeLabel, type MissedRunNotice, type Notice, type RunNotice } from '../report/run-notice.ts';

/**
 * [PMH連携] 失敗: みなと市 2026-04-01 (run 20260401-101500-ab12);
 * [PMH連携] 定期実行なし: みなと市 2026-04-01 06:30 の定期実行
 */
export function mailSubject(notice: Notice): string {
  if (notice.event === 'missed-run') return `[PMH連携] ${notice.statusLabel}: ${notice.municipality.name} ${noticeLabel(notice)}`;
  const date = notice.baseDate ?? notice.startedAtLocal.slice(0, 10);
  return `[PMH連携] ${notice.statusLabel}: ${notice.municipality.name} ${date} (run ${notice.runId})`;
}

export function mailBody(notice: Notice): string {
  return notice.event === 'missed-run' ? missedRunBody(notice) : runBody(notice);
}

const MAIL_FOOTER = ['-- ', 'このメールは pmh-bot が自動で送信しています。個人情報（宛名番号・氏名・個人番号など）は含みません。'];

function missedRunBody(notice: MissedRunNotice): string {
  const e = notice.error;
  const lines = [
    'PMH 連携（医療費助成 受給者情報のアップロード）の定期実行が行われませんでした。',
    '',
    `結果: ${notice.statusLabel}`,
    `自治体: ${notice.municipality.name}（${notice.municipality.code}）`,
    `予定時刻: ${notice.scheduledAtLocal}（日本時間）`,
    '',
    `エラー [${e.code}] ${e.title}（${e.kindLabel}）`,
    `  内容: ${e.message}`,
    `  対処: ${e.hint}`,
    '',
    ...MAIL_FOOTER,
  ];
  return `${scrubText(lines.join('\n'))}\n`;
}

function runBody(notice: RunNotice): string {
  const lines: string[] = [
    'PMH 連携（医療費助成 受給者情報のアップロード）の実行結果をお知らせします。',
    '',
    `結果: ${notice.statusLabel}`,
    `自治体: ${notice.municipality.name}（${notice.municipality.code}）`,
    `実行 ID: ${notice.runId}`,
    `契機: ${notice.triggerLabel}`,
    `基準日: ${notice.baseDate ?? '-'}`,
    `連携区分: ${notice.modeLabel}`,
    `開始: ${notice.startedAtLocal}（日本時間）`,
    `終了: ${notice.endedAtLocal ?? '-'}（日本時間）`,
    `所要時間: ${notice.duration}`,
    '',
    '件数:',
    ...COUNT_TEXT.map(({ key, label }) => `  ${say(label, 'ja')}: ${formatCount(notice.counts[key])}`),
  ];
  if (notice.error) {
    const e = notice.error;
    lines.push('', `エラー [${e.code}] ${e.title}（${e.kindLabel}）`, `  内容: ${e.message}`, `  対処: ${e.hint}`);
  }
  // The hint is printed with the error just above.
  const steps = notice.nextSteps.filter((step) => step !== notice.error?.hint);
  if (steps.length) lines.push('', '次に行うこと:', ...steps.map((step) => `  - ${step}`));
  if (notice.uploads.length) {
    lines.push('', 'アップロード:');
    for (const u of notice.uploads) {
      const result = u.accepted === null && u.rejected === null ? '' : ` 正常 ${formatCount(u.accepted)} 件 / エラー ${formatCount(u.rejected)} 件`;
      lines.push(`  ${u.certificateTypeId} ${u.fileName}（${formatCount(u.rows)} 件）受付番号 ${u.uploadId ?? '-'} ${u.statusLabel}${result}`);
    }
  }
  lines.push(
    '',
    `実行レポート（RPA 端末上）: ${notice.reportPath ?? '未作成（pmh-bot report ' + notice.runId + ' で作成できます）'}`,
    '',
    ...MAIL_FOOTER,
    '保留・エラーになったレコードは、RPA 端末の実行レポートで確認してください。',
  );
  // Everything above comes from the ledger and the catalog; scrubbed anyway, as a log line would be.
  return `${scrubText(lines.join('\n'))}\n`;
}

/** The SMTP transport `notify.mail` describes (its password read from the environment). */
function mailTransport(mail: NotifyMailConfig) {
  const timeoutMs = mail.timeout_seconds * 1000;
  const pass = mail.password_env ? readSecret(mail.password_env, 'notify.mail.password_env') : undefined;
  return createTransport({
    host: mail.host,
    port: mail.port,
    secure: mail.secure,
    requireTLS: mail.starttls === 'required',
    ignoreTLS: mail.starttls === 'never',
    auth: mail.user ? { user: mail.user, pass } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
}

export async function sendNoticeMail(notice: Notice, mail: NotifyMailConfig): Promise<NotifyResult> {
  const fail = (error: unknown): NotifyResult => {
    const cause = asPmhBotError(error);
    // A missing password is its own catalog error; anything else is the mail server's.
    const failure = cause.code === 'SecretMissing' || cause.code === 'NotifyMailFailed'
      ? cause
      : pmhError('NotifyMailFailed', { host: mail.host, port: mail.port, runId: noticeLabel(notice), detail: scrubText(cause.describeIn('ja').message) }, error);
    return { channel: 'mail', ok: false, detail: failure.describeIn('ja').message, code: failure.code };
  };
  let transport;
  try {
    transport = mailTransport(mail);
  } catch (error) {
    return fail(error);
  }
  try {
    const info = await transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mailSubject(notice),
      text: mailBody(notice),
    });
    const refused = (info.rejected ?? []).map(String);
    if (refused.length) {
      return fail(pmhError('NotifyMailFailed', {
        host: mail.host, port: mail.port, runId: noticeLabel(notice), detail: `受け付けられなかった宛先: ${refused.join(', ')}`,
      }));
    }
    return { channel: 'mail', ok: true, detail: `${mail.to.join(', ')} に送信しました（${info.messageId}）` };
  } catch (error) {
    return fail(error);
  } finally {
    transport.close();
  }
}

/**
 * What doctor asks of the mail server, sending nothing: it answers, speaks TLS as
 * notify.mail says, and takes the user and password. Throws NotifyMailUnavailable (or
 * SecretMissing for the password) otherwise.
 */
export async function verifyMailServer(mail: NotifyMailConfig): Promise<void> {
  const transport = mailTransport(mail);
  try {
    await transport.verify();
  } catch (error) {
    throw pmhError('NotifyMailUnavailable', { host: mail.host, port: mail.port, detail: scrubText(asPmhBotError(error).describeIn('ja').message) }, error);
  } finally {
    transport.close();
  }
}
