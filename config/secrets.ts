/**
 * Secrets are never values in the config: a `*_env` key names a variable, looked up in
 * the environment, then in the secrets file, then in the OS credential store (config
 * `secrets:`). Every secret is checked at start-up, and each value is registered with the
 * log scrubber the moment it is read.
 *
 * Config loading happens before secrets are read: call `configureSecrets(config, file)`
 * once after loadConfig. Until then only the environment is consulted.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { BotConfig } from './schema.ts';
import { readCredential, type LinuxStore } from './credential-store.ts';
import { readSecretsFile } from './secrets-file.ts';
import { PmhBotError, pmhError } from '../core/errors.ts';
import type { Bilingual } from '../core/i18n.ts';
import { registerSecret } from '../core/log.ts';

export type SecretSource = 'env' | 'file' | 'store';

/** How an operator reads each source (secrets check, error messages). */
export const SECRET_SOURCE_TEXT: Record<SecretSource | 'missing', Bilingual> = {
  env: { ja: '環境変数', en: 'environment' },
  file: { ja: '秘密情報ファイル', en: 'secrets file' },
  store: { ja: '資格情報ストア', en: 'credential store' },
  missing: { ja: '未設定', en: 'not set' },
};

interface Configured {
  /** Absolute path of the secrets file, or null. */
  file: string | null;
  fileValues: Map<string, string>;
  credentialStore: boolean;
  linuxStore: LinuxStore | undefined;
  /** Values already read from the store: one native call per variable and process. */
  storeCache: Map<string, string>;
}

let configured: Configured | null = null;

/** The secrets file's absolute path: relative paths are taken from the config file's folder. */
export function secretsFilePath(config: BotConfig, configFile?: string): string | null {
  const file = config.secrets?.file;
  if (!file) return null;
  if (isAbsolute(file)) return file;
  return resolve(configFile ? dirname(configFile) : process.cwd(), file);
}

/**
 * Sets where readSecret looks, from the config's `secrets:` section. Reads the secrets
 * file now (refusing one that others can read) and registers all its values with the
 * log scrubber. Calling it again replaces the previous setting.
 */
export function configureSecrets(config: BotConfig, configFile?: string): void {
  const file = secretsFilePath(config, configFile);
  const fileValues = file ? readSecretsFile(file) : new Map<string, string>();
  for (const value of fileValues.values()) registerSecret(value);
  configured = {
    file,
    fileValues,
    credentialStore: config.secrets?.credential_store ?? false,
    linuxStore: config.secrets?.linux_store,
    storeCache: new Map(),
  };
}

/** Where the configured lookup found `envName`, with the value; null if nowhere. */
export function lookupSecret(envName: string): { value: string; source: SecretSource } | null {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'env' };
  if (!configured) return null;
  const fromFile = configured.fileValues.get(envName);
  if (fromFile !== undefined && fromFile !== '') return { value: fromFile, source: 'file' };
  if (configured.credentialStore) {
    const cached = configured.storeCache.get(envName);
    const fromStore = cached ?? readCredential(envName, configured.linuxStore);
    if (fromStore !== null) {
      configured.storeCache.set(envName, fromStore);
      return { value: fromStore, source: 'store' };
    }
  }
  return null;
}

function searchedPlaces(): string {
  const places = [`${SECRET_SOURCE_TEXT.env.ja} / ${SECRET_SOURCE_TEXT.env.en}`];
  if (configured?.file) places.push(`${SECRET_SOURCE_TEXT.file.ja} ${configured.file}`);
  if (configured?.credentialStore) places.push(`${SECRET_SOURCE_TEXT.store.ja} / ${SECRET_SOURCE_TEXT.store.en}`);
  return places.join(', ');
}

export function readSecret(envName: string, configPath: string): string {
  const found = lookupSecret(envName);
  if (!found) {
    if (configured && (configured.file || configured.credentialStore)) {
      throw pmhError('SecretNotFound', { env: envName, path: configPath, searched: searchedPlaces() });
    }
    throw pmhError('SecretMissing', { env: envName, path: configPath });
  }
  registerSecret(found.value);
  return found.value;
}

/**
 * Every secret the config refers to, with the key that names it: every `*_env` key,
 * wherever it is (pmh, sources, notify, ...), so a new secret key is checked without
 * anyone remembering to list it here.
 */
export function secretReferences(config: BotConfig): { env: string; path: string }[] {
  const refs: { env: string; path: string }[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        const here = path ? `${path}.${key}` : key;
        if (key.endsWith('_env') && typeof inner === 'string' && inner !== '') refs.push({ env: inner, path: here });
        else walk(inner, here);
      }
    }
  };
  walk(config, '');
  return refs;
}

export interface SecretStatus {
  path: string;
  env: string;
  source: SecretSource | null;
  /** Why the lookup failed, when a source could not be read (the credential store). */
  problem: PmhBotError | null;
}

/** For `pmh-bot secrets check`: where each secret was found. Never returns a value. */
export function secretStatuses(config: BotConfig): SecretStatus[] {
  return secretReferences(config).map(({ env, path }) => {
    try {
      const found = lookupSecret(env);
      if (found) registerSecret(found.value);
      return { path, env, source: found?.source ?? null, problem: null };
    } catch (error) {
      if (error instanceof PmhBotError) return { path, env, source: null, problem: error };
      throw error;
    }
  });
}

/** Fails at start-up, before anything is touched, when a secret is missing. */
export function checkSecrets(config: BotConfig): void {
  if (!configured) configureSecrets(config);
  for (const ref of secretReferences(config)) readSecret(ref.env, ref.path);
}

/** The configured secrets file, for messages (null: none). */
export function configuredSecretsFile(): string | null {
  return configured?.file ?? null;
}
