/**
 * Loading the configuration: read the YAML, validate it against the schema, resolve
 * relative paths from the config file's folder, and check that every named file exists.
 * Anything wrong stops the bot here, before it touches a database or PMH.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseYaml, readEditedFile, throwInvalid } from './yaml-document.ts';
import { configSchema, type BotConfig } from './schema.ts';

export interface LoadedConfig {
  /** Absolute path of the config file. */
  file: string;
  config: BotConfig;
}

export { ConfigError } from './config-error.ts';

export function parseConfig(file: string, source: string): BotConfig {
  const yaml = parseYaml(file, source);
  const result = configSchema.safeParse(yaml.data);
  if (result.success) return result.data;
  throwInvalid(file, yaml.issueProblems(result.error.issues));
}

/** Resolves every relative path in the config against the config file's folder. */
function resolvePaths(config: BotConfig, base: string): BotConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const absOptional = (p: string | undefined): string | undefined => (p === undefined ? undefined : abs(p));
  const sources = Object.fromEntries(
    Object.entries(config.sources).map(([name, source]) => [
      name,
      source.client === 'sqlite'
        ? { ...source, connection: { ...source.connection, filename: abs(source.connection.filename) } }
        : source.client === 'file'
          ? { ...source, path: abs(source.path) }
          : source,
    ]),
  );
  return {
    ...config,
    data_dir: abs(config.data_dir),
    sources,
    extraction: {
      ...config.extraction,
      persons: { ...config.extraction.persons, sql: absOptional(config.extraction.persons.sql) },
      support_measures: { ...config.extraction.support_measures, sql: absOptional(config.extraction.support_measures.sql) },
    },
    programs: config.programs.map((program) => ({ ...program, sql: absOptional(program.sql) })),
    output: { ...config.output, layout: absOptional(config.output.layout) },
    pmh: {
      ...config.pmh,
      screen_profile: absOptional(config.pmh.screen_profile),
      ...(config.pmh.folder ? { folder: { ...config.pmh.folder, path: abs(config.pmh.folder.path) } } : {}),
    },
    secrets: { ...config.secrets, file: absOptional(config.secrets.file) },
    browser: {
      ...config.browser,
      ...(config.browser.executable_path ? { executable_path: abs(config.browser.executable_path) } : {}),
      ...(config.browser.ca_bundle ? { ca_bundle: abs(config.browser.ca_bundle) } : {}),
    },
  };
}

/** Cross-key rules the schema alone cannot state: named sources exist, files exist. */
function checkReferences(config: BotConfig, file: string): void {
  const problems: { path: string; ja: string; en: string }[] = [];
  const sourceNames = Object.keys(config.sources);
  const needSource = (name: string, path: string): void => {
    if (!config.sources[name]) {
      problems.push({
        path,
        ja: `sources に「${name}」がありません（定義済み: ${sourceNames.join(', ')}）`,
        en: `no source named "${name}" (defined: ${sourceNames.join(', ')})`,
      });
    }
  };
  const needFile = (p: string, path: string): void => {
    if (!existsSync(p)) problems.push({ path, ja: `ファイル ${p} がありません`, en: `file ${p} does not exist` });
  };
  /** A database source needs a SQL file that exists; a file source takes none. */
  const needQuery = (sourceName: string, sql: string | undefined, path: string, sourcePath: string): void => {
    needSource(sourceName, sourcePath);
    const source = config.sources[sourceName];
    if (!source) {
      if (sql !== undefined) needFile(sql, path);
      return;
    }
    if (source.client === 'file') {
      if (sql !== undefined) {
        problems.push({ path, ja: `データソース「${sourceName}」はファイルのため SQL は指定できません`, en: `source "${sourceName}" is a file: no SQL` });
      }
    } else if (sql === undefined) {
      problems.push({ path, ja: `データソース「${sourceName}」に対して実行する SQL ファイルを指定してください`, en: `a SQL file is required for source "${sourceName}"` });
    } else {
      needFile(sql, path);
    }
  };
  needSource(config.extraction.certificates_source, 'extraction.certificates_source');
  needQuery(config.extraction.persons.source, config.extraction.persons.sql, 'extraction.persons.sql', 'extraction.persons.source');
  needQuery(config.extraction.support_measures.source, config.extraction.support_measures.sql, 'extraction.support_measures.sql', 'extraction.support_measures.source');
  const codes = new Set<string>();
  const types = new Set<string>();
  config.programs.forEach((program, i) => {
    const source = program.source ?? config.extraction.certificates_source;
    needQuery(source, program.sql, `programs[${i}].sql`, program.source ? `programs[${i}].source` : 'extraction.certificates_source');
    if (codes.has(program.code)) problems.push({ path: `programs[${i}].code`, ja: `code「${program.code}」が重複しています`, en: `duplicate code "${program.code}"` });
    if (types.has(program.certificate_type_id)) {
      problems.push({ path: `programs[${i}].certificate_type_id`, ja: '受給者証種別IDが重複しています', en: 'duplicate certificate_type_id' });
    }
    codes.add(program.code);
    types.add(program.certificate_type_id);
  });
  if (config.browser.executable_path) needFile(config.browser.executable_path, 'browser.executable_path');
  if (config.output.layout) needFile(config.output.layout, 'output.layout');
  if (config.pmh.screen_profile) needFile(config.pmh.screen_profile, 'pmh.screen_profile');
  problems.push(...transportProblems(config));
  // One source can be named by several programs: say each problem once.
  const unique = problems.filter((p, i) => problems.findIndex((q) => q.path === p.path && q.ja === p.ja) === i);
  problems.splice(0, problems.length, ...unique);
  if (problems.length) throwInvalid(file, problems.map((p) => ({ ...p, line: null })));
}

/** The format (csv | json) of the layout file the config names; the default layout is CSV. */
function layoutFormat(layoutPath: string | undefined): string | null {
  if (layoutPath === undefined) return 'csv';
  if (!existsSync(layoutPath)) return null; // reported as a missing file
  const { file, source } = readEditedFile(layoutPath);
  const data = parseYaml(file, source).data as { format?: unknown } | null;
  return typeof data?.format === 'string' ? data.format : null;
}

/** The chosen delivery channel has its section, and what it needs from the rest of the config. */
function transportProblems(config: BotConfig): { path: string; ja: string; en: string }[] {
  const problems: { path: string; ja: string; en: string }[] = [];
  const { transport } = config.pmh;
  // The keys each channel needs are the schema's (one form per transport); these rules span several keys.
  if (transport === 'api') {
    const format = layoutFormat(config.output.layout);
    if (format !== null && format !== 'json') {
      problems.push({
        path: 'output.layout',
        ja: 'transport: api は登録 API の JSON を送ります。format: json のレイアウトファイルを output.layout に指定してください（同梱の config/layouts/pmh-v1-json.yaml が使えます）',
        en: 'transport: api sends the registration API\'s JSON: name a layout file with format: json in output.layout (the shipped config/layouts/pmh-v1-json.yaml will do)',
      });
    }
    if (config.browser.proxy?.server.startsWith('socks5:')) {
      problems.push({
        path: 'browser.proxy.server',
        ja: 'transport: api は登録 API へ HTTP(S) プロキシ（http:// または https://）経由で接続します。socks5 プロキシは画面（ブラウザー）専用です',
        en: 'transport: api reaches the registration API through an HTTP(S) proxy (http:// or https://); a socks5 proxy serves the screen (the browser) only',
      });
    }
    if (config.pmh.mode !== 'diff') {
      problems.push({
        path: 'pmh.mode',
        ja: 'transport: api では mode: diff（差分連携）を指定してください。登録 API はレコードの追加・更新・削除（isDeleted）で登録し、ファイル全体の置き換え（全件連携）はできません',
        en: 'transport: api needs mode: diff: the registration API adds, updates and deletes (isDeleted) records one by one and cannot replace a whole type (full)',
      });
    }
  }
  if (transport === 'folder') {
    if (config.pmh.mode === 'diff' && config.pmh.folder.wait_for_pickup_seconds === 0) {
      problems.push({
        path: 'pmh.folder.wait_for_pickup_seconds',
        ja: '差分連携（mode: diff）でフォルダー連携を使うときは、取り込みを待つ秒数（1 以上）を指定してください。取り込みを確認できないと、次回の差分の基準が進みません',
        en: 'with mode: diff the folder channel must wait for the pickup (1 or more seconds): without it the base of the next differential never advances',
      });
    }
  }
  return problems;
}

export function loadConfig(path: string): LoadedConfig {
  const { file, source } = readEditedFile(path);
  const config = resolvePaths(parseConfig(file, source), dirname(file));
  checkReferences(config, file);
  return { file, config };
}
