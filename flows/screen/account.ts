/** The account and timings the screen flow uses, from the screen transport's settings. */
import { readSecret } from '../../config/secrets.ts';
import { pmhError } from '../../core/errors.ts';
import type { ChannelSettings } from '../delivery.ts';
import type { ScreenAccount, ScreenTimings } from './screen-session.ts';
import { decodeBase32 } from './totp.ts';

function totpKeyOf(pmh: ChannelSettings<'screen'>): Buffer | null {
  const env = pmh.totp_secret_env;
  if (!env) return null;
  const key = decodeBase32(readSecret(env, 'pmh.totp_secret_env'));
  if (!key) {
    throw pmhError('ConfigInvalid', { file: `環境変数 ${env}`, path: 'pmh.totp_secret_env', detail: 'Base32 のシークレットではありません / not a base32 secret' });
  }
  return key;
}

export function screenAccountOf(pmh: ChannelSettings<'screen'>): ScreenAccount {
  return { baseUrl: pmh.url, userId: pmh.user_id, password: readSecret(pmh.password_env, 'pmh.password_env'), totpKey: totpKeyOf(pmh) };
}

export function screenTimingsOf(pmh: ChannelSettings<'screen'>): ScreenTimings {
  return {
    pollIntervalMs: pmh.poll_interval_seconds * 1000,
    resultTimeoutMs: pmh.result_timeout_seconds * 1000,
    actionTimeoutMs: pmh.action_timeout_seconds * 1000,
  };
}
