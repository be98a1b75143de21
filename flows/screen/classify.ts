/**
 * What a Playwright failure means for the run. Unknown failures on the screen are system
 * errors (retryable); a business error is only ever raised on purpose by the flow.
 * The order matters: a certificate error is never worth retrying (critical), a proxy
 * failure points the operator at browser.proxy, anything else on the network is PMH being
 * unreachable.
 */
import { errors as playwrightErrors } from 'playwright-core';
import { PmhBotError, pmhError } from '../../core/errors.ts';
import { t } from '../../core/i18n.ts';

/** Chromium's certificate and TLS errors, and Node's, for the same cases. */
const CERTIFICATE_FAILURE =
  /\bERR_(?:CERT_|SSL_|BAD_SSL_|CERTIFICATE_|PROXY_CERTIFICATE_)\w*|\b(?:UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)\b/;

/**
 * The proxy could not be reached, refused the tunnel, or wants credentials. A proxy that
 * asks for credentials none were configured for ends in ERR_INVALID_AUTH_CREDENTIALS (PMH
 * itself logs in by form, never by HTTP authentication).
 */
const PROXY_FAILURE =
  /\bERR_(?:PROXY_CONNECTION_FAILED|TUNNEL_CONNECTION_FAILED|PROXY_AUTH\w*|MANDATORY_PROXY_CONFIGURATION_FAILED|INVALID_AUTH_CREDENTIALS|PROXY_HTTP_1_1_REQUIRED|SOCKS_CONNECTION_FAILED)\b|\b407 Proxy Authentication Required\b|\b(?:HTTP|status)[ :]*407\b/i;

const NAME_NOT_RESOLVED = /\bERR_NAME_(?:NOT_RESOLVED|RESOLUTION_FAILED)\b|\bENOTFOUND\b|\bEAI_AGAIN\b/;

const NETWORK_FAILURE = /net::ERR_|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ERR_CONNECTION/i;

export function classifyScreenFailure(error: unknown, step: string, url: string): PmhBotError {
  if (error instanceof PmhBotError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  if (CERTIFICATE_FAILURE.test(message)) {
    return pmhError('PmhCertificateError', { url, detail: firstLine }, error);
  }
  if (PROXY_FAILURE.test(message)) {
    return pmhError('PmhProxyFailed', { url, detail: firstLine }, error);
  }
  if (NAME_NOT_RESOLVED.test(message)) {
    const dns = t({ ja: 'ホスト名を DNS で解決できません（LGWAN の DNS 設定、または browser.proxy が必要か確認してください）', en: 'the host name does not resolve in DNS (check the LGWAN DNS settings, or whether browser.proxy is needed)' });
    return pmhError('PmhUnreachable', { url, detail: `${dns}: ${firstLine}` }, error);
  }
  if (NETWORK_FAILURE.test(message)) {
    return pmhError('PmhUnreachable', { url, detail: firstLine }, error);
  }
  if (error instanceof playwrightErrors.TimeoutError) {
    const element = /(getBy\w+\([^)]*\)|locator\([^)]*\))/.exec(message)?.[1] ?? '?';
    return pmhError('ScreenChanged', { step, element, detail: firstLine }, error);
  }
  return pmhError('BrowserFailed', { step, detail: firstLine }, error);
}

/**
 * A navigation answered by the proxy instead of PMH. A proxy that refuses the configured
 * credentials answers 407 and the page loads as if it were PMH's; the flow calls this with
 * each main-frame navigation's status.
 */
export function classifyNavigationStatus(status: number, url: string): PmhBotError | null {
  if (status === 407) return pmhError('PmhProxyFailed', { url, detail: 'HTTP 407 Proxy Authentication Required' });
  return null;
}
