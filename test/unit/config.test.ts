import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../config/load.ts';
import { checkSecrets } from '../../config/secrets.ts';
import { PmhBotError } from '../../core/errors.ts';
import { EXAMPLE_CONFIG } from '../helpers/demo-env.ts';
import { readFileSync } from 'node:fs';

const example = readFileSync(EXAMPLE_CONFIG, 'utf8');

/** The example config with its relative SQL and layout paths pointing back at the repository. */
function relocated(text: string): string {
  return text
    .replaceAll('sql/demo/', `${join(EXAMPLE_CONFIG, '..', 'sql', 'demo')}/`)
    .replace('layout: layouts/', `layout: ${join(EXAMPLE_CONFIG, '..', 'layouts')}/`);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('no error thrown');
}

describe('configuration', () => {
  it('accepts the example configuration and resolves its paths from the file\'s folder', () => {
    const { config } = loadConfig(EXAMPLE_CONFIG);
    assert.equal(config.programs.length, 4);
    assert.ok(config.programs.some((p) => p.sex_always_unknown), 'a 自立支援医療 program');
    assert.match(config.programs[0]!.sql ?? '', /config[/\\]sql[/\\]demo[/\\]kodomo\.sql$/);
    assert.match(config.data_dir, /[/\\]data$/);
    assert.match(config.output.layout ?? '', /layouts[\/\\]pmh-v1\.yaml$/);
    assert.equal(config.pmh.password_env, 'PMH_PASSWORD');
  });

  it('names the path and line of a bad value, with a Japanese explanation and hint', () => {
    const bad = example.replace('poll_interval_seconds: 2', 'poll_interval_seconds: "soon"');
    const error = configError(() => parseConfig('pmh-bot.yaml', bad));
    assert.equal(error.code, 'ConfigInvalid');
    assert.equal(error.kind, 'critical');
    const { message, hint } = error.describeIn('ja');
    assert.match(message, /pmh\.poll_interval_seconds/);
    const line = example.split('\n').findIndex((l) => l.includes('poll_interval_seconds: 2')) + 1;
    assert.match(message, new RegExp(`${line} 行目`));
    assert.match(message, /値の種類が違います/);
    assert.match(hint, /修正/);
  });

  it('reads a SQLite source written for better-sqlite3 as client sqlite, so older configs keep working', () => {
    const older = example.replaceAll('    client: sqlite\n', '    client: better-sqlite3\n');
    assert.equal(older.split('client: better-sqlite3').length, 4, 'the fixture edit applied to the three sources');
    const dir = mkdtempSync(join(tmpdir(), 'pmh-config-'));
    writeFileSync(join(dir, 'pmh-bot.yaml'), relocated(older));
    const { sources } = loadConfig(join(dir, 'pmh-bot.yaml')).config;
    assert.deepEqual(Object.values(sources).map((source) => source.client), ['sqlite', 'sqlite', 'sqlite']);
    const subsidy = sources.subsidy!;
    assert.equal(subsidy.client === 'sqlite' && subsidy.connection.filename, join(dir, '..', 'data', 'demo', 'subsidy.sqlite'));
    const misspelt = configError(() => parseConfig('pmh-bot.yaml', older.replace('client: better-sqlite3', 'client: sqlite3')));
    assert.deepEqual(misspelt.problems.map((p) => p.path), ['sources.subsidy.client']);
  });

  it('reports a misspelt key instead of ignoring it', () => {
    const bad = example.replace('  headless: true', '  headles: true');
    const error = configError(() => parseConfig('x.yaml', bad));
    assert.equal(error.problems[0]!.path, 'browser');
    assert.match(error.problems[0]!.ja, /不明なキー headles/);
  });

  it('reports every problem, with array indices in the path', () => {
    const bad = example
      .replace('certificate_type_id: "990001IKUSEI"', 'certificate_type_id: "990001-IKUSEI"')
      .replace('code: "990001"', 'code: "99"');
    const error = configError(() => parseConfig('x.yaml', bad));
    const paths = error.problems.map((p) => p.path);
    assert.ok(paths.includes('municipality.code'), paths.join());
    assert.ok(paths.includes('programs[2].certificate_type_id'), paths.join());
    assert.match(error.problems.find((p) => p.path === 'municipality.code')!.ja, /半角数字 6 桁/);
  });

  it('refuses a password written in the config instead of an environment variable name', () => {
    const bad = example.replace('password_env: PMH_PASSWORD', 'password: hunter2');
    const error = configError(() => parseConfig('x.yaml', bad));
    assert.ok(error.problems.some((p) => p.path === 'pmh' && /password/.test(p.ja)));
  });

  it('the screen needs its URL, user and password variable; the other channels do not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmh-config-'));
    const file = join(dir, 'pmh-bot.yaml');
    writeFileSync(file, relocated(example.replace('password_env: PMH_PASSWORD', '# no password_env')));
    const error = configError(() => loadConfig(file));
    assert.ok(error.problems.some((p) => p.path === 'pmh.password_env' && /transport: screen/.test(p.ja)), JSON.stringify(error.problems));
  });

  it('stops on YAML syntax errors with the line', () => {
    const error = configError(() => parseConfig('x.yaml', 'municipality:\n  code: "1\n  name: x\n'));
    assert.equal(error.code, 'ConfigSyntax');
  });

  it('checks that named sources and SQL files exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmh-config-'));
    const text = example
      .replace('certificates_source: subsidy', 'certificates_source: subsidi')
      .replaceAll('sql/demo/', `${join(dir, 'nowhere')}/`);
    const path = join(dir, 'pmh-bot.yaml');
    writeFileSync(path, text);
    const error = configError(() => loadConfig(path));
    const paths = error.problems.map((p) => p.path);
    assert.ok(paths.includes('extraction.certificates_source'));
    assert.ok(paths.includes('programs[0].sql'));
  });

  it('takes an EUC export file as a source, which needs columns and no SQL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmh-config-'));
    const withFile = example
      .replace('  support:                     # 支援措置台帳 / support-measure register\n    client: sqlite\n    connection:\n      filename: ../data/demo/support.sqlite',
        '  support:\n    client: file\n    path: exports/shien.csv\n    format: csv\n    encoding: cp932\n    header: true\n    columns:\n      - { name: resident_no, field: 宛名番号 }\n      - { name: is_not_disclosed, field: 不開示 }');
    assert.notEqual(withFile, example, 'the fixture edit applied');
    const path = join(dir, 'pmh-bot.yaml');
    writeFileSync(path, relocated(withFile));
    const error = configError(() => loadConfig(path));
    assert.deepEqual(error.problems.map((p) => p.path), ['extraction.support_measures.sql']);
    assert.match(error.problems[0]!.ja, /ファイルのため SQL は指定できません/);

    const fixed = withFile.replace(/  support_measures:\n    source: support\n    sql: sql\/demo\/support-measures.sql/, '  support_measures:\n    source: support');
    writeFileSync(path, relocated(fixed));
    const { config } = loadConfig(path);
    const support = config.sources.support!;
    assert.equal(support.client, 'file');
    assert.equal(support.client === 'file' && support.path, join(dir, 'exports', 'shien.csv'));
  });

  it('requires start and length for fixed-width columns', () => {
    const bad = example.replace('    client: sqlite\n    connection:\n      filename: ../data/demo/support.sqlite',
      '    client: file\n    path: x.txt\n    format: fixed\n    columns:\n      - { name: resident_no, start: 1 }');
    const error = configError(() => parseConfig('x.yaml', bad));
    assert.ok(error.problems.some((p) => p.path === 'sources.support.columns[0]'), error.problems.map((p) => p.path).join());
  });

  it('says which file is missing when there is no config', () => {
    const error = configError(() => loadConfig('/nonexistent/pmh-bot.yaml'));
    assert.equal(error.code, 'ConfigFileMissing');
    assert.match(error.describeIn('ja').hint, /--config/);
  });

  it('stops at start-up when a referenced secret is not set, naming the variable, never a value', () => {
    const { config } = loadConfig(EXAMPLE_CONFIG);
    const saved = process.env.PMH_PASSWORD;
    delete process.env.PMH_PASSWORD;
    try {
      assert.throws(() => checkSecrets(config), (error: unknown) => {
        assert.ok(error instanceof PmhBotError);
        assert.equal(error.code, 'SecretMissing');
        assert.match(error.describeIn('ja').message, /PMH_PASSWORD/);
        return true;
      });
    } finally {
      if (saved !== undefined) process.env.PMH_PASSWORD = saved;
    }
  });
  it('checks each delivery channel\'s own keys in the schema, naming the key and the transport that needs it', () => {
    const noUrl = configError(() => parseConfig('x.yaml', example.replace(/^  url: .*$/m, '')));
    assert.equal(noUrl.problems[0]!.path, 'pmh.url');
    assert.match(noUrl.problems[0]!.ja, /必須の項目がありません（transport: screen のとき必要です）/);
    const apiWithoutSection = configError(() => parseConfig('x.yaml', example.replace('transport: screen', 'transport: api')));
    assert.equal(apiWithoutSection.problems[0]!.path, 'pmh.api');
    assert.match(apiWithoutSection.problems[0]!.en, /transport: api needs it/);
    const folderWithoutSection = configError(() => parseConfig('x.yaml', example.replace('transport: screen', 'transport: folder')));
    assert.equal(folderWithoutSection.problems[0]!.path, 'pmh.folder');
    const unknownTransport = configError(() => parseConfig('x.yaml', example.replace('transport: screen', 'transport: fax')));
    assert.equal(unknownTransport.problems[0]!.path, 'pmh.transport');
    assert.match(unknownTransport.problems[0]!.ja, /transport の値を確認してください/);
  });

  it('takes the screen when transport is left out, and every default of a left-out section from its keys', () => {
    const config = parseConfig('x.yaml', example.replace(/^  transport: screen$/m, ''));
    assert.equal(config.pmh.transport, 'screen');
    const bare = parseConfig('x.yaml', example.replace(/^(browser|schedule|notify|retention|log|guard|validation):[\s\S]*?(?=^\S)/gm, ''));
    assert.deepEqual(bare.browser, { channel: 'auto', headless: true, slow_mo_ms: 0 });
    assert.deepEqual(bare.schedule, { cron: '30 6 * * 1-5', missed_run_policy: 'run-once', missed_run_window_hours: 12 });
    assert.deepEqual(bare.guard, { max_change_ratio: 0.05, max_population_drop_ratio: 0.05 });
    assert.deepEqual(bare.notify, { on: 'failure' });
    assert.deepEqual(bare.retention, { run_artifacts_days: 30 });
    assert.deepEqual(bare.log, { daily_retention_days: 90 });
    assert.deepEqual(bare.validation, { max_invalid_ratio: 0.01 });
    assert.deepEqual(bare.pmh.retry, { max_attempts: 3, initial_delay_seconds: 30, max_delay_seconds: 600, multiplier: 2 });
  });
});
