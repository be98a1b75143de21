/** Printing the screen rehearsal (`pmh-bot profile check`) for the vendor at the terminal. */
import { basename, relative } from 'node:path';
import { t } from '../../core/i18n.ts';
import type { ProfileCheck } from '../pipeline/rehearse.ts';
import { printError } from './print-run.ts';

const text = {
  title: { ja: '画面プロファイルの確認（リハーサル）: {file}', en: 'Screen profile rehearsal: {file}' },
  file: { ja: '  使ったファイル: 種別 {type} の全件ファイル（{rows} 件、試し抽出。確認後に削除しました）', en: '  File used: a full file of type {type} ({rows} rows, from a dry run; deleted afterwards)' },
  phase: { ja: '■ {phase}', en: '■ {phase}' },
  step: { ja: '  {mark} {key}（{line} 行目）{what}{found}', en: '  {mark} {key} (line {line}) {what}{found}' },
  found: { ja: ' → 見つけた部品: {control}', en: ' → found: {control}' },
  skipped: { ja: ' → 表示されていないため飛ばしました', en: ' → not shown: skipped' },
  notPressed: { ja: '（押していません）', en: ' (not pressed)' },
  submitNotPressed: {
    ja: '最後の送信（{key}、{line} 行目: {control}）は見つけましたが、押していません。PMH には何も登録していません。',
    en: 'The final submit ({key}, line {line}: {control}) was found and NOT pressed. Nothing was registered at PMH.',
  },
  stoppedBefore: { ja: '最後の送信までたどり着く前に止まりました。PMH には何も登録していません。', en: 'Stopped before reaching the final submit. Nothing was registered at PMH.' },
  screenshots: { ja: 'スクリーンショット（手順ごと）: {dir}', en: 'Screenshots (one per step): {dir}' },
  ok: { ja: 'プロファイルのすべての手順で、部品が見つかりました。', en: 'Every step of the profile found its control.' },
} as const;

const PHASES: Record<string, { ja: string; en: string }> = {
  login: { ja: 'ログイン', en: 'Log in' },
  history: { ja: 'アップロード履歴（結果の読み取り）', en: 'Upload history (where results are read)' },
  logout: { ja: 'ログアウト', en: 'Log out' },
};

function phaseName(phase: string): string {
  if (phase.startsWith('upload:')) return t({ ja: 'アップロード（種別 {type}）', en: 'Upload (type {type})' }, { type: phase.slice('upload:'.length) });
  return PHASES[phase] ? t(PHASES[phase]) : phase;
}

export function printRehearsal(check: ProfileCheck, out: (line: string) => void = console.log): void {
  out(t(text.title, { file: basename(check.profileFile) }));
  out(t(text.file, { type: check.certificateTypeId, rows: check.rows }));
  let phase = '';
  for (const step of check.steps) {
    if (step.phase !== phase) {
      phase = step.phase;
      out(t(text.phase, { phase: phaseName(phase) }));
    }
    const found =
      step.outcome === 'skipped' ? t(text.skipped) : step.control ? t(text.found, { control: step.control }) + (step.outcome === 'found, not pressed' ? t(text.notPressed) : '') : '';
    out(t(text.step, { mark: step.outcome === 'skipped' ? '-' : '✓', key: step.key, line: step.line ?? '?', what: step.what, found }));
  }
  out('');
  if (check.submit) {
    out(t(text.submitNotPressed, { key: check.submit.key, line: check.submit.line ?? '?', control: check.submit.control ?? check.submit.what }));
  } else {
    out(t(text.stoppedBefore));
  }
  if (!check.error) out(t(text.ok));
  const rel = relative(process.cwd(), check.evidenceDir);
  out(t(text.screenshots, { dir: rel.startsWith('..') ? check.evidenceDir : rel }));
  if (check.error) {
    out('');
    printError(check.error, out);
  }
}
