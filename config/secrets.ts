/**
 * Secrets come from environment variables named in the config, never from the config
 * itself. Every secret is checked at start-up, and each value is registered with the
 * log scrubber the moment it is read.
 */
import type { BotConfig } from './schema.ts';
import { pmhError } from '../core/errors.ts';
import { registerSecret } from '../core/log.ts';

export function readSecret(envName: string, configPath: string): string {
  const value = process.env[envName];
  if (value === undefined || value === '') {
    throw pmhError('SecretMissing', { env: envName, path: configPath });
  }
  registerSecret(value);
  return value;
}

/** Every secret the config refers to, with the key that names it. */
export function secretReferences(config: BotConfig): { env: string; path: string }[] {
  const refs = [{ env: config.pmh.password_env, path: 'pmh.password_env' }];
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.client !== 'better-sqlite3' && source.client !== 'file' && source.connection.password_env) {
      refs.push({ env: source.connection.password_env, path: `sources.${name}.connection.password_env` });
    }
  }
  return refs;
}

/** Fails at start-up, before anything is touched, when a secret is missing. */
export function checkSecrets(config: BotConfig): void {
  for (const ref of secretReferences(config)) readSecret(ref.env, ref.path);
}
