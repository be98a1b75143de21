/** Printing doctor's checklist for the operator at the terminal. */
import type { PmhBotError } from '../../core/errors.ts';
import { t, type Bilingual } from '../../core/i18n.ts';
import { scrubText } from '../../core/log.ts';
import type { DoctorReport } from '../ops/doctor/doctor.ts';
import { cliText } from './cli-text.ts';
import { printError } from './print-run.ts';

const MARK = { ok: '✔', warn: '⚠', fail: '✖' } as const;

const doctorText = {
  heading: { ja: '事前点検（設定: {file}）', en: 'Preflight check (config: {file})' },
  warningTitle: { ja: '注意 [{code}] {title}', en: 'Warning [{code}] {title}' },
  allGood: { ja: '結果: 問題はありません', en: 'Result: no problem found' },
  warnings: { ja: '結果: 問題はありません（注意 {warn} 件）', en: 'Result: no problem found ({warn} warnings)' },
  failures: { ja: '結果: 問題 {fail} 件、注意 {warn} 件。「対処」に従って直してから、もう一度 pmh-bot doctor を実行してください', en: 'Result: {fail} failed, {warn} warnings. Fix what failed as described, then run pmh-bot doctor again' },
} as const satisfies Record<string, Bilingual>;

/** A warning that comes with a catalog entry: what was found and what to do, under 注意 rather than エラー. */
function printWarning(error: PmhBotError, out: (line: string) => void): void {
  const { title, message, hint } = error.describe();
  out(t(doctorText.warningTitle, { code: error.code, title }));
  out(t(cliText.errorMessage, { message }));
  out(t(cliText.errorHint, { hint }));
}

/** The checklist for the terminal: one line per check, and for each failure its message and hint. */
export function printDoctorReport(report: DoctorReport, out: (line: string) => void = console.log): void {
  // Secrets are registered as they are read: no line can carry one, whatever a driver said.
  const say = (line: string): void => out(scrubText(line));
  say(t(doctorText.heading, { file: report.file }));
  for (const check of report.checks) {
    say(`${MARK[check.status]} ${t(check.label)}${check.detail ? `: ${check.detail}` : ''}`);
    if (check.status === 'fail' && check.error) printError(check.error, (line) => say(`    ${line}`));
    if (check.status === 'warn' && check.error) printWarning(check.error, (line) => say(`    ${line}`));
  }
  const fail = report.checks.filter((check) => check.status === 'fail').length;
  const warn = report.checks.filter((check) => check.status === 'warn').length;
  say(t(fail ? doctorText.failures : warn ? doctorText.warnings : doctorText.allGood, { fail, warn }));
}
