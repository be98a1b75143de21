/**
 * Real Chromium on the network an LGWAN terminal has: PMH reached only through a forward
 * proxy (with and without credentials), a certificate the terminal does not trust, and
 * what each failure is classified as.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { BrowserConfig } from '../../config/schema.ts';
import { PmhBotError } from '../../core/errors.ts';
import { contextOptions, tolerateDeadObjects, launchBrowser } from '../../flows/browser.ts';
import { classifyNavigationStatus, classifyScreenFailure } from '../../flows/screen/classify.ts';
import { close, listen, port, PROXY_PASSWORD, PROXY_USER, startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.ts';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certificates.ts';

const TIMEOUT = { timeout: 180_000 };
const BASE: BrowserConfig = { channel: 'auto', headless: true, slow_mo_ms: 0 };
/** A host name that resolves nowhere: the page is reachable only through the proxy. */
const FAKE_HOST = 'pmh.lgwan.test';
const PASSWORD_ENV = 'PMH_BOT_E2E_PROXY_PASSWORD';

/** The PMH stand-in: one page with a title, on plain HTTP. */
function pageServer(): Promise<http.Server> {
  return listen(http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>PMH ログイン</title><h1>PMH</h1>');
  }));
}

/** Opens `url` in a new context of the flow's options; returns the page or the failure as the flow classifies it. */
async function open(browser: Browser, config: BrowserConfig, url: string): Promise<{ page: Page; status: number | null } | PmhBotError> {
  const context = await browser.newContext(contextOptions(config));
  const page = await context.newPage();
  try {
    const response = await page.goto(url, { timeout: 60_000 });
    return { page, status: response?.status() ?? null };
  } catch (error) {
    await context.close();
    return classifyScreenFailure(error, 'login', url);
  }
}

function loaded(result: Awaited<ReturnType<typeof open>>): { page: Page; status: number | null } {
  if (result instanceof PmhBotError) assert.fail(`expected the page to load, got ${result.code}: ${result.message}`);
  return result;
}

function failed(result: Awaited<ReturnType<typeof open>>): PmhBotError {
  if (result instanceof PmhBotError) return result;
  assert.fail(`expected a failure, the page loaded with status ${result.status}`);
}

describe('through the LGWAN forward proxy', () => {
  let pages: http.Server;
  let proxy: ForwardProxy;
  let pageUrl: string;
  const browsers: Browser[] = [];

  async function launch(config: BrowserConfig): Promise<Browser> {
    const browser = await launchBrowser(config);
    browsers.push(browser);
    return browser;
  }

  before(async () => {
    pages = await pageServer();
    proxy = await startForwardProxy(pages);
    pageUrl = `http://${FAKE_HOST}:${port(pages)}/`;
  });

  // One browser per test at most is alive: the machine is shared.
  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close().catch(() => undefined);
  });

  after(async () => {
    await close(pages);
    await close(proxy.server).catch(() => undefined);
    delete process.env[PASSWORD_ENV];
  });

  it('cannot reach the page without the proxy: the name does not resolve (PmhUnreachable, DNS)', TIMEOUT, async () => {
    const error = failed(await open(await launch(BASE), BASE, pageUrl));
    assert.equal(error.code, 'PmhUnreachable');
    assert.equal(error.kind, 'system');
    assert.match(error.message, /ERR_NAME_NOT_RESOLVED/);
    assert.match(error.describeIn('ja').message, /DNS/);
  });

  it('loads the page through browser.proxy, and the proxy sees the request', TIMEOUT, async () => {
    const config: BrowserConfig = { ...BASE, proxy: { server: proxy.url } };
    const before = proxy.seen.length;
    const { page, status } = loaded(await open(await launch(config), config, pageUrl));
    assert.equal(status, 200);
    assert.equal(await page.title(), 'PMH ログイン');
    assert.ok(proxy.seen.slice(before).includes(pageUrl), `proxy saw ${JSON.stringify(proxy.seen)}`);
    await page.context().close();
  });

  it('sends the user and the password from the environment when the proxy asks for them', TIMEOUT, async () => {
    process.env[PASSWORD_ENV] = PROXY_PASSWORD;
    proxy.requireAuth = true;
    try {
      const config: BrowserConfig = { ...BASE, proxy: { server: proxy.url, username: PROXY_USER, password_env: PASSWORD_ENV } };
      const before = proxy.authorizations.length;
      const { page, status } = loaded(await open(await launch(config), config, pageUrl));
      assert.equal(status, 200);
      assert.equal(await page.title(), 'PMH ログイン');
      const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
      assert.ok(proxy.authorizations.slice(before).includes(expected), 'the proxy received the credentials');
      await page.context().close();
    } finally {
      proxy.requireAuth = false;
    }
  });

  it('reads the proxy refusing a wrong password (407) as PmhProxyFailed', TIMEOUT, async () => {
    process.env[PASSWORD_ENV] = 'wrong-password-Tq11';
    proxy.requireAuth = true;
    try {
      const config: BrowserConfig = { ...BASE, proxy: { server: proxy.url, username: PROXY_USER, password_env: PASSWORD_ENV } };
      const { page, status } = loaded(await open(await launch(config), config, pageUrl));
      assert.equal(status, 407, 'Chromium shows the proxy\'s 407 page as if it were the site');
      const error = classifyNavigationStatus(status!, pageUrl);
      assert.equal(error?.code, 'PmhProxyFailed');
      assert.equal(error?.kind, 'system');
      await page.context().close();
    } finally {
      proxy.requireAuth = false;
    }
  });

  it('classifies a proxy that wants credentials none were configured for as PmhProxyFailed', TIMEOUT, async () => {
    proxy.requireAuth = true;
    try {
      const config: BrowserConfig = { ...BASE, proxy: { server: proxy.url } };
      const error = failed(await open(await launch(config), config, pageUrl));
      assert.equal(error.code, 'PmhProxyFailed');
      assert.match(error.message, /ERR_INVALID_AUTH_CREDENTIALS/);
    } finally {
      proxy.requireAuth = false;
    }
  });

  it('classifies a proxy that refuses the HTTPS tunnel as PmhProxyFailed', TIMEOUT, async () => {
    const config: BrowserConfig = { ...BASE, proxy: { server: proxy.url } };
    const error = failed(await open(await launch(config), config, `https://${FAKE_HOST}:${port(pages)}/`));
    assert.equal(error.code, 'PmhProxyFailed');
    assert.match(error.message, /ERR_TUNNEL_CONNECTION_FAILED/);
  });

  it('classifies a stopped proxy as PmhProxyFailed (system: retried later)', TIMEOUT, async () => {
    const config: BrowserConfig = { ...BASE, proxy: { server: proxy.url } };
    const browser = await launch(config);
    loaded(await open(browser, config, pageUrl));
    await close(proxy.server);
    const error = failed(await open(browser, config, `${pageUrl}?after-stop`));
    assert.equal(error.code, 'PmhProxyFailed');
    assert.equal(error.kind, 'system');
    assert.match(error.message, /ERR_PROXY_CONNECTION_FAILED/);
    assert.match(error.describeIn('ja').hint, /browser\.proxy/);
  });
});

describe('a certificate the terminal does not trust', () => {
  let dir: string;
  let certs: TestCertificates;
  let fullChain: https.Server;
  let leafOnly: https.Server;
  let plain: http.Server;
  const browsers: Browser[] = [];

  async function launch(config: BrowserConfig): Promise<Browser> {
    const browser = await launchBrowser(config);
    browsers.push(browser);
    return browser;
  }

  function httpsServer(cert: string): Promise<https.Server> {
    return listen(https.createServer({ key: certs.serverKey, cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>PMH over TLS</title>');
    }));
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pmh-browser-tls-'));
    certs = makeTestCertificates(dir);
    fullChain = await httpsServer(certs.chain);
    leafOnly = await httpsServer(certs.serverCert);
    plain = await pageServer();
  });

  // One browser per test at most is alive: the machine is shared.
  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close().catch(() => undefined);
  });

  after(async () => {
    for (const server of [fullChain, leafOnly, plain]) await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (server: http.Server): string => `https://localhost:${port(server)}/`;

  it('refuses the page without ca_bundle, as PmhCertificateError (critical: never retried)', TIMEOUT, async () => {
    const error = failed(await open(await launch(BASE), BASE, url(fullChain)));
    assert.equal(error.code, 'PmhCertificateError');
    assert.equal(error.kind, 'critical');
    assert.match(error.message, /ERR_CERT_AUTHORITY_INVALID/);
    assert.match(error.describeIn('ja').hint, /browser\.ca_bundle/);
  });

  it('refuses the page with a bundle of an unrelated CA', TIMEOUT, async () => {
    const config: BrowserConfig = { ...BASE, ca_bundle: certs.otherCaFile };
    const error = failed(await open(await launch(config), config, url(fullChain)));
    assert.equal(error.code, 'PmhCertificateError');
  });

  it('loads the page with ca_bundle holding the CA the server sends in its chain', TIMEOUT, async () => {
    const config: BrowserConfig = { ...BASE, ca_bundle: certs.caFile };
    const { page, status } = loaded(await open(await launch(config), config, url(fullChain)));
    assert.equal(status, 200);
    assert.equal(await page.title(), 'PMH over TLS');
  });

  it('loads the page of a server that sends only its own certificate when the bundle holds that certificate', TIMEOUT, async () => {
    const config: BrowserConfig = { ...BASE, ca_bundle: certs.serverFile };
    const { page, status } = loaded(await open(await launch(config), config, url(leafOnly)));
    assert.equal(status, 200);
    assert.equal(await page.title(), 'PMH over TLS');
  });

  it('loads the page with ignore_https_errors: true', TIMEOUT, async () => {
    const config: BrowserConfig = { ...BASE, ignore_https_errors: true };
    const { page, status } = loaded(await open(await launch(config), config, url(leafOnly)));
    assert.equal(status, 200);
    assert.equal(await page.title(), 'PMH over TLS');
  });

  it('classifies HTTPS to a server that speaks plain HTTP as PmhCertificateError', TIMEOUT, async () => {
    const error = failed(await open(await launch(BASE), BASE, url(plain)));
    assert.equal(error.code, 'PmhCertificateError');
    assert.match(error.message, /ERR_SSL_PROTOCOL_ERROR/);
  });
});

describe('failures that are not the network', () => {
  let pages: http.Server;
  let browser: Browser;

  before(async () => {
    pages = await pageServer();
    browser = await launchBrowser(BASE);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await close(pages);
  });

  it('reads a missing element as ScreenChanged and a closed browser as BrowserFailed', TIMEOUT, async () => {
    const url = `http://127.0.0.1:${port(pages)}/`;
    const { page } = loaded(await open(browser, BASE, url));
    const missing = await page.getByRole('button', { name: 'ログイン' }).click({ timeout: 1_000 }).then(() => null, (error: unknown) => error);
    const changed = classifyScreenFailure(missing, 'login', url);
    assert.equal(changed.code, 'ScreenChanged');
    assert.match(String(changed.params.element), /getByRole\('button', \{ name: 'ログイン' \}\)/);
    await browser.close();
    const closed = await page.goto(url).then(() => null, (error: unknown) => error);
    const crashed = classifyScreenFailure(closed, 'login', url);
    assert.equal(crashed.code, 'BrowserFailed');
    assert.equal(crashed.kind, 'system');
  });

  it('tolerates a message about an object Playwright has let go of (as when the browser dies), and nothing else', TIMEOUT, async () => {
    const own = await launchBrowser(BASE);
    try {
      const dropped: string[] = [];
      assert.equal(tolerateDeadObjects(own, (message) => dropped.push(message)), true, 'the guard is in place on this Playwright');
      const context = await own.newContext(contextOptions(BASE));
      const page = await context.newPage();
      type Channel = { _guid: string };
      const connection = (own as unknown as { _connection: { dispatch(message: object): void } })._connection;
      // What a dying browser sent: a response event naming a response the client no longer has.
      const orphan = { guid: (context as unknown as Channel)._guid, method: 'response', params: { response: { guid: 'response@0dead' }, page: { guid: (page as unknown as Channel)._guid } } };
      assert.doesNotThrow(() => connection.dispatch(orphan));
      assert.doesNotThrow(() => connection.dispatch({ guid: 'page@0dead', method: 'close', params: {} }));
      assert.deepEqual(dropped, ['Object with guid response@0dead was not bound in the connection', 'Cannot find object to "close": page@0dead']);
      // A command answered with such an object fails for its caller, who would otherwise wait forever.
      const callbacks = (connection as unknown as { _callbacks: Map<number, object> })._callbacks;
      const answer = new Promise((resolve, reject) => callbacks.set(987654321, { resolve, reject, type: 'Frame', method: 'goto' }));
      assert.doesNotThrow(() => connection.dispatch({ id: 987654321, result: { response: { guid: 'response@1dead' } } }));
      await assert.rejects(answer, /Object with guid response@1dead was not bound in the connection/);
      // Anything else is thrown as before.
      assert.throws(() => connection.dispatch({ id: 987654322, result: {} }), /Cannot find command to respond: 987654322/);
      const url = `http://127.0.0.1:${port(pages)}/`;
      assert.equal((await page.goto(url))?.status(), 200, 'the browser goes on working');
    } finally {
      await own.close();
    }
  });
});
