/**
 * The start-up check of `browser:`, apart from flows/browser.ts so that a run can make it
 * without loading Playwright (about 90 MB) before the browser is needed.
 */
import type { BrowserConfig } from '../config/schema.ts';
import { readSecret } from '../config/secrets.ts';
import { readCaBundle } from './tls-trust.ts';

/** Checks at start-up what launching would find wrong in the config (the CA bundle, the proxy password). */
export function checkBrowserConfig(config: BrowserConfig): void {
  if (config.ca_bundle) readCaBundle(config.ca_bundle);
  if (config.proxy?.password_env) readSecret(config.proxy.password_env, 'browser.proxy.password_env');
}
