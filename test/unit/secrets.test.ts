/**
 * Where secrets come from: the environment, the owner-only secrets file, the OS credential
 * store (real keyutils on Linux), and `pmh-bot secrets check`, which names the source of
 * each secret and never its value.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { deleteCredential, writeCredential } from '../../config/credential-store.ts';
import { loadConfig } from '../../config/load.ts';
import type { BotConfig } from '../../config/schema.ts';
import { parseSecretsFile } from '../../config/secrets-file.ts';
import { checkSecrets, configureSecrets, lookupSecret, readSecret, secretReferences } from '../../config/secrets.ts';
import { PmhBotError } from '../../core/errors.ts';
import { scrubText } from '../../core/log.ts';
import { pmhBot } from '../helpers/pmh-bot-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = loadConfig(join(ROOT, 'config/pmh-bot.example.yaml')).config;
const POSIX = process.platform !== 'win32';
const LINUX = process.platform === 'linux';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pmh-secrets-'));
}

function writeSecretsFile(dir: string, text: string, mode: number): string {
  const file = join(dir, 'secrets.env');
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

function withSecrets(secrets: Partial<BotConfig['secrets']>, extra: Partial<BotConfig> = {}): BotConfig {
  return { ...EXAMPLE, ...extra, secrets: { credential_store: false, ...secrets } };
}

function rejectsWith(fn: () => unknown, code: string): PmhBotError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PmhBotError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

/** Unique variable names: the process environment is shared by every test in this file. */
let seq = 0;
function varName(label: string): string {
  seq += 1;
  return `PMH_T_${label}_${process.pid}_${seq}`;
}

describe('the secrets file', () => {
  it('reads KEY=VALUE lines with comments, export, quotes and CRLF', () => {
    const values = parseSecretsFile('s.env', '\uFEFF# PMH\r\nPMH_PASSWORD=abc=def\r\n\r\nexport SMTP_PASSWORD = "with space"\nDB_PASSWORD=\'q\'\n  # indented comment\n');
    assert.deepEqual([...values.entries()], [['PMH_PASSWORD', 'abc=def'], ['SMTP_PASSWORD', 'with space'], ['DB_PASSWORD', 'q']]);
  });

  it('refuses a malformed line by its number, without showing its content', () => {
    const error = rejectsWith(() => parseSecretsFile('/x/secrets.env', 'A=1\nthis-is-my-password\n'), 'SecretsFileSyntax');
    assert.match(error.message, /Line 2 .*\/x\/secrets\.env/);
    assert.ok(!error.message.includes('this-is-my-password'));
  });

  it('refuses to start when group or others can read the file, naming the file and its mode', { skip: !POSIX && 'POSIX modes only' }, () => {
    const dir = tempDir();
    const file = writeSecretsFile(dir, 'PMH_PASSWORD=x-secret-1\n', 0o644);
    const error = rejectsWith(() => configureSecrets(withSecrets({ file })), 'SecretsFileTooOpen');
    assert.equal(error.kind, 'critical');
    assert.ok(error.message.includes(file), error.message);
    assert.match(error.message, /0644 \(rw-r--r--\)/);
    assert.match(error.describeIn('ja').hint, /chmod 600/);
    chmodSync(file, 0o640);
    rejectsWith(() => configureSecrets(withSecrets({ file })), 'SecretsFileTooOpen');
    chmodSync(file, 0o600);
    configureSecrets(withSecrets({ file }));
  });

  it('takes a relative path from the config file’s folder', () => {
    const dir = tempDir();
    const name = varName('REL');
    writeSecretsFile(dir, `${name}=rel-value-1\n`, 0o600);
    configureSecrets(withSecrets({ file: 'secrets.env' }), join(dir, 'pmh-bot.yaml'));
    assert.equal(readSecret(name, 'x'), 'rel-value-1');
  });

  it('names the secrets file in the error when a secret is in none of the places searched', () => {
    const dir = tempDir();
    const file = writeSecretsFile(dir, '# empty\n', 0o600);
    configureSecrets(withSecrets({ file }));
    const error = rejectsWith(() => readSecret(varName('NONE'), 'pmh.password_env'), 'SecretNotFound');
    assert.ok(error.message.includes(file));
    assert.equal(error.kind, 'critical');
  });

  it('registers every value of the file with the log scrubber as soon as it is read', () => {
    const dir = tempDir();
    const file = writeSecretsFile(dir, `${varName('UNUSED')}=never-read-Value-5\n`, 0o600);
    configureSecrets(withSecrets({ file }));
    assert.equal(scrubText('oops never-read-Value-5'), 'oops [SECRET]');
  });
});

/**
 * Stores a value in the real keyutils store. In some containers the first keyutils call of a
 * process is refused while the kernel sets up the session keyring; one more try settles it.
 * Returns false where the store cannot be written at all (the test then says why it skipped).
 */
function storeInKeyutils(name: string, value: string): boolean {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeCredential(name, value, 'keyutils');
      return true;
    } catch {
      // try once more
    }
  }
  return false;
}

describe('the lookup order', () => {
  const stored: string[] = [];
  after(() => {
    for (const name of stored) deleteCredential(name, 'keyutils');
  });

  it('prefers the environment, then the secrets file, then the credential store', { skip: !LINUX && 'keyutils is Linux only' }, (t) => {
    const name = varName('ORDER');
    if (!storeInKeyutils(name, 'from-store-1')) return t.skip('keyutils refuses writes on this machine');
    stored.push(name);
    const config = withSecrets({ credential_store: true, linux_store: 'keyutils' });
    configureSecrets(config);
    assert.deepEqual(lookupSecret(name), { value: 'from-store-1', source: 'store' });
    assert.equal(scrubText(`x ${readSecret(name, 'p')}`), 'x [SECRET]', 'a value from the store is registered too');

    const dir = tempDir();
    const file = writeSecretsFile(dir, `${name}=from-file-1\n`, 0o600);
    configureSecrets({ ...config, secrets: { ...config.secrets, file } });
    assert.deepEqual(lookupSecret(name), { value: 'from-file-1', source: 'file' });

    process.env[name] = 'from-env-1';
    try {
      assert.deepEqual(lookupSecret(name), { value: 'from-env-1', source: 'env' });
    } finally {
      delete process.env[name];
    }
  });

  it('does not look in the credential store unless the config says so', { skip: !LINUX && 'keyutils is Linux only' }, (t) => {
    const name = varName('OPTIN');
    if (!storeInKeyutils(name, 'stored-but-off')) return t.skip('keyutils refuses writes on this machine');
    stored.push(name);
    configureSecrets(withSecrets({ credential_store: false, linux_store: 'keyutils' }));
    assert.equal(lookupSecret(name), null);
  });

  it('turns an unreachable credential store into a critical error naming the variable', { skip: !LINUX && 'D-Bus Secret Service is Linux only' }, () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    const dir = tempDir();
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(dir, 'no-bus')}`;
    try {
      configureSecrets(withSecrets({ credential_store: true, linux_store: 'secret-service' }));
      const name = varName('UNREACHABLE');
      const error = rejectsWith(() => readSecret(name, 'pmh.password_env'), 'CredentialStoreUnavailable');
      assert.equal(error.kind, 'critical');
      assert.ok(error.message.includes(name));
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});

describe('the secrets a config refers to', () => {
  it('are every *_env key, wherever it is', () => {
    const config = {
      ...EXAMPLE,
      pmh: { ...EXAMPLE.pmh, totp_secret_env: 'PMH_TOTP' },
      sources: {
        ...EXAMPLE.sources,
        jukyu: { client: 'pg', connection: { host: 'db', database: 'x', user: 'u', password_env: 'JUKYU_DB_PASSWORD' }, pool_size: 2, connect_timeout_seconds: 30, query_timeout_seconds: 600 },
      },
    } as BotConfig;
    const refs = secretReferences(config);
    assert.deepEqual(
      refs.map((r) => `${r.path}=${r.env}`).sort(),
      ['pmh.password_env=PMH_PASSWORD', 'pmh.totp_secret_env=PMH_TOTP', 'sources.jukyu.connection.password_env=JUKYU_DB_PASSWORD'],
    );
  });

  it('are all checked at start-up: the first missing one stops the bot', () => {
    configureSecrets(withSecrets({}));
    const name = varName('MISSING');
    const config = { ...EXAMPLE, secrets: { credential_store: false }, pmh: { ...EXAMPLE.pmh, password_env: name } } as BotConfig;
    const error = rejectsWith(() => checkSecrets(config), 'SecretMissing');
    assert.ok(error.message.includes(name));
  });
});


describe('pmh-bot secrets check', () => {
  const PMH_VALUE = 'Cli-Pmh-Value-31';
  const DB_VALUE = 'Cli-Db-Value-47';

  function writeConfig(dir: string, secrets: Record<string, unknown>): string {
    const config = {
      ...EXAMPLE,
      data_dir: join(dir, 'data'),
      sources: {
        ...EXAMPLE.sources,
        jukyu: { client: 'pg', connection: { host: '127.0.0.1', database: 'x', user: 'u', password_env: 'PMH_T_CLI_DB' }, pool_size: 2, connect_timeout_seconds: 30, query_timeout_seconds: 600 },
      },
      secrets,
    };
    const file = join(dir, 'pmh-bot.yaml');
    writeFileSync(file, stringify(config));
    return file;
  }

  it('lists each secret with where it was found, exits 4 when one is missing, and never prints a value', async () => {
    const dir = tempDir();
    writeSecretsFile(dir, `PMH_PASSWORD=${PMH_VALUE}\n`, 0o600);
    const configFile = writeConfig(dir, { file: 'secrets.env', credential_store: false });
    const result = await pmhBot(['secrets', 'check', '-c', configFile], { PMH_PASSWORD: undefined, PMH_T_CLI_DB: undefined });
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 4, output);
    assert.match(result.stdout, /pmh\.password_env\s+PMH_PASSWORD\s+秘密情報ファイル/);
    assert.match(result.stdout, /sources\.jukyu\.connection\.password_env\s+PMH_T_CLI_DB\s+未設定/);
    assert.match(result.stdout, /1 件の秘密情報が見つかりません: PMH_T_CLI_DB/);
    assert.ok(result.stdout.includes(join(dir, 'secrets.env')), 'names the secrets file');
    assert.ok(!output.includes(PMH_VALUE), 'the value is never printed');
  });

  it('exits 0 when every secret is found, the environment winning over the file', async () => {
    const dir = tempDir();
    writeSecretsFile(dir, `PMH_PASSWORD=${PMH_VALUE}\n`, 0o600);
    const configFile = writeConfig(dir, { file: 'secrets.env', credential_store: false });
    const result = await pmhBot(['secrets', 'check', '-c', configFile], { PMH_PASSWORD: 'env-wins-Value-8', PMH_T_CLI_DB: DB_VALUE });
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 0, output);
    assert.match(result.stdout, /pmh\.password_env\s+PMH_PASSWORD\s+環境変数/);
    assert.match(result.stdout, /PMH_T_CLI_DB\s+環境変数/);
    assert.match(result.stdout, /すべての秘密情報が見つかりました（2 件）/);
    for (const value of [PMH_VALUE, DB_VALUE, 'env-wins-Value-8']) assert.ok(!output.includes(value), `${value} printed`);
  });

  it('refuses a world-readable secrets file with exit 4, the file and chmod 600', { skip: !POSIX && 'POSIX modes only' }, async () => {
    const dir = tempDir();
    const file = writeSecretsFile(dir, `PMH_PASSWORD=${PMH_VALUE}\n`, 0o644);
    const configFile = writeConfig(dir, { file: 'secrets.env', credential_store: false });
    const result = await pmhBot(['secrets', 'check', '-c', configFile], { PMH_PASSWORD: undefined });
    assert.equal(result.code, 4, result.stdout + result.stderr);
    assert.ok(result.stderr.includes(file), result.stderr);
    assert.match(result.stderr, /SecretsFileTooOpen/);
    assert.match(result.stderr, /chmod 600/);
    assert.ok(!(result.stdout + result.stderr).includes(PMH_VALUE));
  });
});
