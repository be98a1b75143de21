/**
 * What a notification says about a run: a small JSON-serialisable summary built from the
 * ledger. It carries counts, the error and where the report is; never personal data and
 * never a system key of a person (not even resident numbers): it leaves the terminal.
 */
import { existsSync } from 'node:fs';
import type { BotConfig } from '../../config/schema.ts';
import { pmhError, type PmhBotError } from '../../core/errors.ts';
import type { Bilingual } from '../../core/i18n.ts';
import { scrubText } from '../../core/log.ts';
import { tokyoDateTime } from '../../core/clock.ts';
import type { Ledger, RunCounts, RunStatus } from '../state/ledger.ts';
import { reportPathOf } from './run-report.ts';
import {
  HELD_ADVICE, KIND_ADVICE, KIND_TEXT, RUN_STATUS_TEXT, RUNNING_ADVICE, SUCCESS_ADVICE,
  approveCommand, errorTitle, formatDuration, modeLabel, say, triggerLabel, uploadStatusLabel,
} from './report-text.ts';

export interface RunNoticeError {
  code: string;
  kind: string;
  /** 業務エラー / システムエラー / 設定・環境のエラー */
  kindLabel: string;
  title: string;
  message: string;
  hint: string;
  /** What to do about any error of this kind. */
  advice: string;
}

export interface RunNoticeUpload {
  certificateTypeId: string;
  fileName: string;
  rows: number;
  /** PMH's 受付番号; null when the file never reached PMH. */
  uploadId: string | null;
  status: string;
  statusLabel: string;
  accepted: number | null;
  rejected: number | null;
}

export interface RunNotice {
  /** What the notice is about: a run that took place (a missed one is `MissedRunNotice`). */
  event: 'run';
  municipality: { code: string; name: string };
  runId: string;
  status: RunStatus;
  /** 成功 / 失敗 / 承認待ち / 実行中 */
  statusLabel: string;
  trigger: string;
  triggerLabel: string;
  baseDate: string | null;
  mode: 'full' | 'diff' | null;
  /** 全件 / 差分 */
  modeLabel: string;
  /** ISO 8601 (UTC). */
  startedAt: string;
  endedAt: string | null;
  /** The same in Asia/Tokyo, as an operator reads them. */
  startedAtLocal: string;
  endedAtLocal: string | null;
  durationSeconds: number | null;
  duration: string;
  counts: RunCounts;
  error: RunNoticeError | null;
  /** What the operator should do next, in Japanese. */
  nextSteps: string[];
  /** The HTML run report on the terminal, when it has been written. */
  reportPath: string | null;
  uploads: RunNoticeUpload[];
}

function nextSteps(status: RunStatus, runId: string, error: RunNoticeError | null): string[] {
  if (status === 'succeeded') return SUCCESS_ADVICE.map((advice) => say(advice, 'ja'));
  if (status === 'held') return [say(HELD_ADVICE, 'ja'), approveCommand(runId)];
  if (status === 'running') return [say(RUNNING_ADVICE, 'ja')];
  return error ? [error.hint, error.advice].filter(Boolean) : [];
}

function textOf(table: Record<string, Bilingual>, key: string | null): string | null {
  const text = key ? table[key] : undefined;
  return text ? say(text, 'ja') : null;
}

export function buildRunNotice(ledger: Ledger, runId: string, config: BotConfig): RunNotice {
  const run = ledger.run(runId);
  if (!run) throw pmhError('RunNotFound', { runId });
  const error: RunNoticeError | null = run.error_code
    ? {
        code: run.error_code,
        kind: run.error_kind ?? '',
        kindLabel: textOf(KIND_TEXT, run.error_kind) ?? run.error_kind ?? '',
        title: errorTitle(run.error_code, 'ja'),
        // Catalog messages name values, never people; scrubbed anyway, as a log line would be.
        message: scrubText(run.error_message ?? ''),
        hint: scrubText(run.error_hint ?? ''),
        advice: textOf(KIND_ADVICE, run.error_kind) ?? '',
      }
    : null;
  const report = reportPathOf(run.run_dir);
  return {
    event: 'run',
    municipality: { code: config.municipality.code, name: config.municipality.name },
    runId: run.id,
    status: run.status,
    statusLabel: say(RUN_STATUS_TEXT[run.status], 'ja'),
    trigger: run.trigger,
    triggerLabel: triggerLabel(run.trigger, 'ja'),
    baseDate: run.base_date,
    mode: run.mode,
    modeLabel: modeLabel(run.mode, 'ja'),
    startedAt: run.started_at,
    endedAt: run.ended_at,
    startedAtLocal: tokyoDateTime(run.started_at),
    endedAtLocal: run.ended_at ? tokyoDateTime(run.ended_at) : null,
    durationSeconds: run.ended_at ? Math.max(0, Math.round((Date.parse(run.ended_at) - Date.parse(run.started_at)) / 1000)) : null,
    duration: formatDuration(run.started_at, run.ended_at, 'ja'),
    counts: {
      extracted: run.extracted, quarantined: run.quarantined, uploaded: run.uploaded, deleted: run.deleted,
      accepted: run.accepted, rejected: run.rejected,
    },
    error,
    nextSteps: nextSteps(run.status, run.id, error),
    reportPath: existsSync(report) ? report : null,
    uploads: ledger.uploads(runId).map((u) => ({
      certificateTypeId: u.certificateTypeId,
      fileName: u.fileName,
      rows: u.rows,
      uploadId: u.pmhUploadId,
      status: u.status,
      statusLabel: uploadStatusLabel(u.status, 'ja'),
      accepted: u.accepted,
      rejected: u.rejected,
    })),
  };
}

/**
 * A scheduled run that did not take place and was not made up for
 * (`schedule.missed_run_policy: alert`): there is no run, so no counts and no report.
 */
export interface MissedRunNotice {
  event: 'missed-run';
  municipality: { code: string; name: string };
  status: 'missed';
  /** 定期実行なし */
  statusLabel: string;
  /** When the run was due: ISO 8601 (UTC), and in Asia/Tokyo. */
  scheduledAt: string;
  scheduledAtLocal: string;
  error: RunNoticeError;
  nextSteps: string[];
}

export function buildMissedRunNotice(config: BotConfig, missed: PmhBotError, scheduledAt: Date): MissedRunNotice {
  const ja = missed.describeIn('ja');
  const error: RunNoticeError = {
    code: missed.code,
    kind: missed.kind,
    kindLabel: textOf(KIND_TEXT, missed.kind) ?? missed.kind,
    title: errorTitle(missed.code, 'ja'),
    message: scrubText(ja.message),
    hint: scrubText(ja.hint),
    advice: textOf(KIND_ADVICE, missed.kind) ?? '',
  };
  return {
    event: 'missed-run',
    municipality: { code: config.municipality.code, name: config.municipality.name },
    status: 'missed',
    statusLabel: '定期実行なし',
    scheduledAt: scheduledAt.toISOString(),
    scheduledAtLocal: tokyoDateTime(scheduledAt.toISOString()),
    error,
    nextSteps: [error.hint],
  };
}

/** Either notice; a command reads `event` to tell them apart. */
export type Notice = RunNotice | MissedRunNotice;

/** How a notice is named in a failure message: its run, or when the missed run was due. */
export function noticeLabel(notice: Notice): string {
  return notice.event === 'run' ? notice.runId : `${notice.scheduledAtLocal} の定期実行`;
}
