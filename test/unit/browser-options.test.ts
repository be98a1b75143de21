/**
 * Browser options for LGWAN terminals: the proxy, the CA bundle, ignore_https_errors, the
 * command line's --headed / --slow-mo, and what a browser failure means for the run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errors as playwrightErrors } from 'playwright-core';
import { ConfigError, loadConfig, parseConfig } from '../../config/load.ts';
import type { BrowserConfig } from '../../config/schema.ts';
import { PmhBotError } from '../../core/errors.ts';
import { scrubText } from '../../core/log.ts';
import {
  browserOverrides,
  checkBrowserConfig,
  contextOptions,
  launchOptions,
  withBrowserOverrides,
} from '../../flows/browser.ts';
import { classifyNavigationStatus, classifyScreenFailure } from '../../flows/screen/classify.ts';
import { readCaBundle, spkiListFlag } from '../../flows/tls-trust.ts';
import { EXAMPLE_CONFIG } from '../helpers/demo-env.ts';
import { makeTestCertificates, opensslSpkiSha256, type TestCertificates } from '../helpers/tls-certificates.ts';
import { pmhBot } from '../helpers/pmh-bot-cli.ts';

const example = readFileSync(EXAMPLE_CONFIG, 'utf8');
const BASE: BrowserConfig = { channel: 'auto', headless: true, slow_mo_ms: 0 };

/** The example config with its relative SQL and layout paths pointing back at the repository. */
function relocated(text: string): string {
  return text
    .replaceAll('sql/demo/', `${join(EXAMPLE_CONFIG, '..', 'sql', 'demo')}/`)
    .replace('layout: layouts/', `layout: ${join(EXAMPLE_CONFIG, '..', 'layouts')}/`);
}

function withBrowserKeys(yaml: string): string {
  assert.ok(example.includes('  slow_mo_ms: 0\n'));
  return example.replace('  slow_mo_ms: 0\n', `  slow_mo_ms: 0\n${yaml}`);
}

function thrown(fn: () => unknown): PmhBotError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PmhBotError, `expected a PmhBotError, got ${String(error)}`);
    return error;
  }
  assert.fail('no error thrown');
}

let dir: string;
let certs: TestCertificates;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pmh-browser-options-'));
  certs = makeTestCertificates(dir);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('browser configuration keys', () => {
  it('keeps an existing config without the new keys valid, with certificate errors not ignored', () => {
    const config = parseConfig('x.yaml', example);
    assert.equal(config.browser.proxy, undefined);
    assert.equal(config.browser.ca_bundle, undefined);
    assert.equal(contextOptions(config.browser).ignoreHTTPSErrors, false);
    const noBrowser = parseConfig('x.yaml', example.replace(/^browser:\n(?: {2}.*\n|\s*\n)*/m, ''));
    assert.equal(noBrowser.browser.headless, true);
    assert.equal(contextOptions(noBrowser.browser).ignoreHTTPSErrors, false);
  });

  it('accepts a proxy with bypass list, user and password variable', () => {
    const config = parseConfig('x.yaml', withBrowserKeys(
      '  proxy:\n    server: http://proxy.lgwan.example:8080\n    bypass: .city.lgwan.example, 10.1.2.3\n    username: rpa\n    password_env: PMH_PROXY_PASSWORD\n  ignore_https_errors: true\n',
    ));
    assert.deepEqual(config.browser.proxy, {
      server: 'http://proxy.lgwan.example:8080',
      bypass: '.city.lgwan.example, 10.1.2.3',
      username: 'rpa',
      password_env: 'PMH_PROXY_PASSWORD',
    });
    assert.equal(contextOptions(config.browser).ignoreHTTPSErrors, true);
  });

  it('names browser.proxy.server when the proxy is not a URL', () => {
    const error = thrown(() => parseConfig('x.yaml', withBrowserKeys('  proxy:\n    server: proxy.lgwan.example\n')));
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems[0]!.path, 'browser.proxy.server');
  });

  it('refuses a proxy password variable without a user name, and a password written in the file', () => {
    const noUser = thrown(() => parseConfig('x.yaml', withBrowserKeys('  proxy:\n    server: http://p:8080\n    password_env: PMH_PROXY_PASSWORD\n')));
    assert.ok(noUser instanceof ConfigError);
    assert.equal(noUser.problems[0]!.path, 'browser.proxy.username');
    const literal = thrown(() => parseConfig('x.yaml', withBrowserKeys('  proxy:\n    server: http://p:8080\n    username: u\n    password: hunter22\n')));
    assert.ok(literal instanceof ConfigError);
    assert.match(literal.problems[0]!.ja, /password/);
  });

  it('resolves a relative ca_bundle from the config file\'s folder', () => {
    const configDir = join(dir, 'conf');
    mkdirSync(configDir, { recursive: true });
    const file = join(configDir, 'pmh-bot.yaml');
    writeFileSync(file, relocated(withBrowserKeys('  ca_bundle: certs/lgwan-ca.pem\n')));
    const { config } = loadConfig(file);
    assert.equal(config.browser.ca_bundle, join(configDir, 'certs', 'lgwan-ca.pem'));
  });
});

describe('the CA bundle', () => {
  it('yields the SHA-256 of each certificate\'s public key, as openssl computes it', () => {
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, `# LGWAN proxy\n${readFileSync(certs.caFile, 'utf8')}\n${readFileSync(certs.serverFile, 'utf8')}`);
    const certificates = readCaBundle(bundle);
    assert.deepEqual(certificates.map((c) => c.spkiSha256), [opensslSpkiSha256(certs.caFile), opensslSpkiSha256(certs.serverFile)]);
    assert.match(certificates[0]!.subject, /pmh-bot test LGWAN CA/);
    assert.equal(spkiListFlag(certificates), `--ignore-certificate-errors-spki-list=${certificates[0]!.spkiSha256},${certificates[1]!.spkiSha256}`);
  });

  it('puts the bundle\'s keys on the browser\'s command line', () => {
    const options = launchOptions({ ...BASE, ca_bundle: certs.caFile });
    assert.ok(options.args?.includes(`--ignore-certificate-errors-spki-list=${opensslSpkiSha256(certs.caFile)}`), String(options.args));
    assert.ok(!launchOptions(BASE).args?.some((arg) => arg.startsWith('--ignore-certificate-errors-spki-list')));
  });

  for (const [what, write] of [
    ['a missing file', (_file: string) => undefined],
    ['a file with no certificate', (file: string) => writeFileSync(file, 'not a certificate\n')],
    ['a damaged certificate', (file: string) => writeFileSync(file, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')],
  ] as const) {
    it(`stops at start-up with a critical error naming browser.ca_bundle for ${what}`, () => {
      const file = join(dir, `bad-${what.replaceAll(' ', '-')}.pem`);
      write(file);
      for (const error of [thrown(() => checkBrowserConfig({ ...BASE, ca_bundle: file })), thrown(() => launchOptions({ ...BASE, ca_bundle: file }))]) {
        assert.equal(error.code, 'CaBundleInvalid');
        assert.equal(error.kind, 'critical');
        const { message, hint } = error.describeIn('ja');
        assert.match(message, /browser\.ca_bundle/);
        assert.ok(message.includes(file));
        assert.match(hint, /PEM/);
      }
    });
  }
});

describe('the proxy at launch', () => {
  const ENV = 'PMH_BOT_TEST_PROXY_PASSWORD';

  it('passes server and bypass list, and no credentials when none are configured', () => {
    const options = launchOptions({ ...BASE, proxy: { server: 'http://proxy.lgwan.example:8080', bypass: '.lgwan.example' } });
    assert.deepEqual(options.proxy, { server: 'http://proxy.lgwan.example:8080', bypass: '.lgwan.example' });
    assert.equal(launchOptions(BASE).proxy, undefined);
  });

  it('reads the proxy password from the environment and keeps it out of logs', () => {
    const password = 'proxy-secret-Rw52';
    process.env[ENV] = password;
    try {
      const options = launchOptions({ ...BASE, proxy: { server: 'http://p:8080', username: 'rpa', password_env: ENV } });
      assert.deepEqual(options.proxy, { server: 'http://p:8080', username: 'rpa', password });
      assert.equal(scrubText(`proxy auth with ${password}`), 'proxy auth with [SECRET]');
    } finally {
      delete process.env[ENV];
    }
  });

  it('stops with a critical error naming browser.proxy.password_env when the variable is not set', () => {
    delete process.env[ENV];
    const config: BrowserConfig = { ...BASE, proxy: { server: 'http://p:8080', username: 'rpa', password_env: ENV } };
    for (const error of [thrown(() => launchOptions(config)), thrown(() => checkBrowserConfig(config))]) {
      assert.equal(error.code, 'SecretMissing');
      assert.equal(error.kind, 'critical');
      assert.match(error.describeIn('ja').message, /browser\.proxy\.password_env/);
    }
  });
});

describe('--headed and --slow-mo', () => {
  it('turn into browser.headless=false and browser.slow_mo_ms over the config, keeping its other keys', () => {
    const config = parseConfig('x.yaml', withBrowserKeys('  proxy:\n    server: http://p:8080\n'));
    const overridden = withBrowserOverrides(config, browserOverrides({ headed: true, slowMo: '250' }));
    assert.equal(overridden.browser.headless, false);
    assert.equal(overridden.browser.slow_mo_ms, 250);
    assert.equal(overridden.browser.proxy?.server, 'http://p:8080');
    assert.equal(overridden.pmh, config.pmh);
    assert.equal(config.browser.headless, true, 'the loaded config is not changed');
    const options = launchOptions(overridden.browser);
    assert.equal(options.headless, false);
    assert.equal(options.slowMo, 250);
  });

  it('change nothing when not given', () => {
    assert.deepEqual(browserOverrides({}), {});
    assert.deepEqual(browserOverrides({ headed: false }), {});
  });

  for (const value of ['abc', '-1', '1.5', '5001', '']) {
    it(`refuses --slow-mo ${JSON.stringify(value)} with a critical error`, () => {
      const error = thrown(() => browserOverrides({ slowMo: value }));
      assert.equal(error.code, 'BrowserOptionInvalid');
      assert.equal(error.kind, 'critical');
      assert.match(error.describeIn('ja').message, /--slow-mo/);
    });
  }


  for (const command of [['run'], ['demo'], ['approve', '20000101-000000-0000']]) {
    it(`are options of pmh-bot ${command[0]}, and a bad --slow-mo stops it with exit code 4 before anything runs`, { timeout: 120_000 }, async () => {
      const help = await pmhBot([...command.slice(0, 1), '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /--headed/);
      assert.match(help.stdout, /--slow-mo <ms>/);
      const bad = await pmhBot([...command, '--config', EXAMPLE_CONFIG, '--headed', '--slow-mo', 'fast']);
      assert.equal(bad.code, 4, bad.stdout + bad.stderr);
      assert.match(bad.stderr, /オプション --slow-mo の値「fast」は使えません/);
    });
  }
});

describe('what a browser failure means', () => {
  const url = 'https://pmh.lgwan.example/';
  // Messages as Playwright 1.65 with Chromium 156 reports them (the e2e test produces them live).
  const table: [string, string, 'business' | 'system' | 'critical'][] = [
    ['page.goto: net::ERR_CERT_AUTHORITY_INVALID at https://localhost:40935/', 'PmhCertificateError', 'critical'],
    ['page.goto: net::ERR_CERT_DATE_INVALID at https://pmh.lgwan.example/', 'PmhCertificateError', 'critical'],
    ['page.goto: net::ERR_CERT_COMMON_NAME_INVALID at https://10.1.2.3/', 'PmhCertificateError', 'critical'],
    ['page.goto: net::ERR_SSL_PROTOCOL_ERROR at https://127.0.0.1:36001/', 'PmhCertificateError', 'critical'],
    ['page.goto: net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH at https://pmh.lgwan.example/', 'PmhCertificateError', 'critical'],
    ['page.goto: net::ERR_PROXY_CONNECTION_FAILED at http://pmh.lgwan.test:35627/', 'PmhProxyFailed', 'system'],
    ['page.goto: net::ERR_TUNNEL_CONNECTION_FAILED at https://pmh.lgwan.test:35627/', 'PmhProxyFailed', 'system'],
    ['page.goto: net::ERR_PROXY_AUTH_UNSUPPORTED at http://pmh.lgwan.test/', 'PmhProxyFailed', 'system'],
    ['page.goto: net::ERR_INVALID_AUTH_CREDENTIALS at http://pmh.lgwan.test:35627/', 'PmhProxyFailed', 'system'],
    ['HTTP 407 Proxy Authentication Required', 'PmhProxyFailed', 'system'],
    ['page.goto: net::ERR_NAME_NOT_RESOLVED at http://pmh.lgwan.test:35627/', 'PmhUnreachable', 'system'],
    ['page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/', 'PmhUnreachable', 'system'],
    ['page.goto: Target page, context or browser has been closed', 'BrowserFailed', 'system'],
    ['browser.newContext: Browser closed.', 'BrowserFailed', 'system'],
  ];
  for (const [message, code, kind] of table) {
    it(`${message.replace(/ at .*/, '')} → ${code} (${kind})`, () => {
      const error = classifyScreenFailure(new Error(`${message}\nCall log:\n  - navigating to "${url}"`), 'login', url);
      assert.equal(error.code, code);
      assert.equal(error.kind, kind);
      assert.ok(!error.describeIn('ja').message.includes('Call log'), 'only the first line is shown');
    });
  }

  it('tells the operator to set browser.ca_bundle or check the clock for a certificate error, and not to retry', () => {
    const { hint } = classifyScreenFailure(new Error('page.goto: net::ERR_CERT_AUTHORITY_INVALID at https://x/'), 'login', url).describeIn('ja');
    assert.match(hint, /browser\.ca_bundle/);
    assert.match(hint, /時計/);
    assert.match(hint, /再実行しても解決しません/);
  });

  it('points at browser.proxy and the password variable for a proxy failure', () => {
    const { hint } = classifyScreenFailure(new Error('page.goto: net::ERR_PROXY_CONNECTION_FAILED at http://x/'), 'login', url).describeIn('ja');
    assert.match(hint, /browser\.proxy/);
    assert.match(hint, /password_env/);
  });

  it('mentions DNS and the LGWAN when the host name does not resolve', () => {
    const error = classifyScreenFailure(new Error('page.goto: net::ERR_NAME_NOT_RESOLVED at http://pmh.lgwan.test/'), 'login', url);
    assert.match(error.describeIn('ja').message, /DNS/);
    assert.match(error.describeIn('ja').message + error.describeIn('ja').hint, /LGWAN/);
  });

  it('reads a Playwright timeout as a changed screen, naming the element', () => {
    const timeout = new playwrightErrors.TimeoutError("locator.click: Timeout 5000ms exceeded.\nCall log:\n  - waiting for getByRole('button', { name: 'ログイン' })");
    const error = classifyScreenFailure(timeout, 'login', url);
    assert.equal(error.code, 'ScreenChanged');
    assert.equal(error.params.element, "getByRole('button', { name: 'ログイン' })");
  });

  it('reads a 407 answer to a navigation as the proxy refusing the credentials, and other statuses as nothing', () => {
    const error = classifyNavigationStatus(407, url);
    assert.equal(error?.code, 'PmhProxyFailed');
    assert.equal(classifyNavigationStatus(200, url), null);
    assert.equal(classifyNavigationStatus(503, url), null);
  });
});
