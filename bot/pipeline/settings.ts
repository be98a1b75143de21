/** What a run takes from the configuration: its log, layout, screen profile and extraction plan. */
import { join } from 'node:path';
import type { BotConfig } from '../../config/schema.ts';
import { createRunLogger, dailyLogDir, type Logger } from '../../core/log.ts';
import type { ExtractionPlan } from '../../extractors/extract.ts';
import { throwInvalid } from '../../config/yaml-document.ts';
import { DEFAULT_SCREEN_PROFILE_PATH, loadScreenProfile, typeLabelProblems, type ScreenProfile } from '../../flows/screen/profile.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, type Layout } from '../output/layout-file.ts';

/** The run's JSON log in its folder, plus the rolling daily log of the data directory. */
export function runLogger(config: BotConfig, runDir: string, bindings: Record<string, unknown>): Logger {
  return createRunLogger({
    runFile: join(runDir, 'run.log'),
    dailyDir: dailyLogDir(config.data_dir),
    dailyRetentionDays: config.log.daily_retention_days,
    bindings,
  });
}

/**
 * The screen profile the config names, or the simulator's; a bad profile stops the run
 * before anything, and so does one that chooses types by label without a label for each
 * configured type.
 */
export function screenProfileOf(config: BotConfig): ScreenProfile {
  const profile = loadScreenProfile(config.pmh.screen_profile ?? DEFAULT_SCREEN_PROFILE_PATH);
  const unlabelled = typeLabelProblems(profile, config.programs.map((p) => p.certificate_type_id));
  if (unlabelled.length > 0) {
    throwInvalid(
      profile.file,
      unlabelled.map((key) => ({
        path: key,
        line: profile.lineOf('upload.certificate_types'),
        ja: '受給者証種別を画面の表示名（{type_label}）で選ぶ手順があるため、設定の programs にあるこの種別の label が必要です',
        en: 'a step chooses the certificate type by its label ({type_label}): this type of the config\'s programs needs its label',
      })),
    );
  }
  return profile;
}

/** The layout the config names, or the default one; a bad layout stops the run before anything. */
export function layoutOf(config: BotConfig): Layout {
  return loadLayout(config.output.layout ?? DEFAULT_LAYOUT_PATH);
}

export function extractionPlan(config: BotConfig, baseDate: string): ExtractionPlan {
  return {
    sources: config.sources,
    parameters: { base_date: baseDate },
    programs: config.programs.map((program) => ({
      code: program.code,
      query: { source: program.source ?? config.extraction.certificates_source, sqlFile: program.sql },
    })),
    persons: { source: config.extraction.persons.source, sqlFile: config.extraction.persons.sql },
    supportMeasures: {
      source: config.extraction.support_measures.source,
      sqlFile: config.extraction.support_measures.sql,
      allowEmpty: config.extraction.support_measures.allow_empty,
    },
  };
}
