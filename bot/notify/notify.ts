/**
 * Telling people how a run ended: a mail and/or a local command, as `notify:` in the config
 * says. A notification that fails is logged and returned, never thrown: it must not change
 * the outcome of the run it reports.
 */
import { asPmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { RunStatus } from '../state/ledger.ts';
import { runNoticeCommand } from './command.ts';
import type { NotifyConfig, NotifyResult } from './notify-types.ts';
import type { MissedRunNotice, Notice, RunNotice } from '../report/run-notice.ts';

/** `on: failure` counts a held run as a failure: both need an operator. */
export function shouldNotify(status: RunStatus, on: NotifyConfig['on']): boolean {
  if (on === 'never') return false;
  if (on === 'always') return true;
  return status === 'failed' || status === 'held';
}

export type { NotifyCommandConfig, NotifyConfig, NotifyMailConfig, NotifyResult } from './notify-types.ts';

async function guarded(channel: NotifyResult['channel'], send: () => Promise<NotifyResult>): Promise<NotifyResult> {
  try {
    return await send();
  } catch (error) {
    // The channels report their own failures; this only catches what they did not foresee.
    const failure = asPmhBotError(error);
    return { channel, ok: false, detail: failure.describeIn('ja').message, code: failure.code };
  }
}

export async function notifyRun(notice: RunNotice, config: NotifyConfig, log: Logger): Promise<NotifyResult[]> {
  if (!shouldNotify(notice.status, config.on)) return [];
  return send(notice, config, log);
}

/** A scheduled run that did not take place (missed_run_policy: alert) needs an operator, as a failure does. */
export async function notifyMissedRun(notice: MissedRunNotice, config: NotifyConfig, log: Logger): Promise<NotifyResult[]> {
  if (config.on === 'never') return [];
  return send(notice, config, log);
}

async function send(notice: Notice, config: NotifyConfig, log: Logger): Promise<NotifyResult[]> {
  const sends: Promise<NotifyResult>[] = [];
  const { mail, command } = config;
  // nodemailer is loaded only by a run that mails.
  if (mail) sends.push(guarded('mail', async () => (await import('./mail.ts')).sendNoticeMail(notice, mail)));
  if (command) sends.push(guarded('command', () => runNoticeCommand(notice, command)));
  const results = await Promise.all(sends);
  for (const result of results) {
    if (result.ok) log.info({ channel: result.channel, detail: result.detail, event: notice.event }, 'notification sent');
    else log.error({ channel: result.channel, code: result.code, detail: result.detail, event: notice.event }, 'notification failed (the run outcome is unchanged)');
  }
  return results;
}
