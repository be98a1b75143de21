/**
 * The bot's own HTTP to PMH (the registration API, doctor's checks) on the network an
 * LGWAN terminal has: PMH reached only through the forward proxy (a CONNECT tunnel, with
 * and without credentials, and its bypass list), a certificate the terminal does not trust
 * (browser.ca_bundle, as a CA or as the server's own certificate; ignore_https_errors), and
 * what each failure is, with whether anything can have reached PMH. Real TLS servers,
 * a real proxy; the end of the file runs a whole `transport: api` cycle and `doctor`
 * through them to the simulator.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDoctor } from '../../bot/ops/doctor/doctor.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import type { BrowserConfig } from '../../config/schema.ts';
import { RouteFailure, routeOf, sendOnce, type HttpAnswer } from '../../flows/pmh-http.ts';
import type { ApiRequestEntry } from '../../sim/server.ts';
import { simJson } from '../helpers/demo-env.ts';
import { close, listen, port, PROXY_PASSWORD, PROXY_USER, startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.ts';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certificates.ts';
import { startTransportEnv } from '../helpers/transport-env.ts';

/** A host name that resolves nowhere: PMH is reachable only through the proxy. */
const FAKE_HOST = 'pmh.lgwan.test';
const PASSWORD_ENV = 'PMH_BOT_E2E_API_PROXY_PASSWORD';
const TOKEN = 'Bearer api-network-token-Zr55';
const BASE: BrowserConfig = { channel: 'auto', headless: true, slow_mo_ms: 0 };

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** A PMH stand-in that records each request it received in full and answers 200 with JSON. */
function recordingHandler(received: Received[]): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"accepted":1,"rejected":0,"errors":[]}');
    });
  };
}

async function post(config: BrowserConfig, url: string, timeoutMs = 10_000): Promise<HttpAnswer> {
  return sendOnce(routeOf(config), url, { method: 'POST', headers: { Authorization: TOKEN }, body: Buffer.from('[{"record":1}]'), timeoutMs });
}

async function failure(promise: Promise<unknown>): Promise<RouteFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RouteFailure) return error;
    throw error;
  }
  assert.fail('expected the request to fail');
}

describe('the bot\'s own HTTP to PMH on an LGWAN network', { timeout: 120_000 }, () => {
  let dir: string;
  let certs: TestCertificates;
  let fullChain: https.Server;
  let leafOnly: https.Server;
  let plain: http.Server;
  let proxy: ForwardProxy;
  const received: Received[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pmh-api-network-'));
    certs = makeTestCertificates(dir, [FAKE_HOST]);
    fullChain = await listen(https.createServer({ key: certs.serverKey, cert: certs.chain }, recordingHandler(received)));
    leafOnly = await listen(https.createServer({ key: certs.serverKey, cert: certs.serverCert }, recordingHandler(received)));
    plain = await listen(http.createServer(recordingHandler(received)));
    proxy = await startForwardProxy(plain, fullChain);
  });

  after(async () => {
    for (const server of [fullChain, leafOnly, plain, proxy.server]) await close(server).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    delete process.env[PASSWORD_ENV];
  });

  const at = (server: http.Server, host = '127.0.0.1'): string => `https://${host}:${port(server)}/api/v1/recipients`;

  it('refuses a certificate the terminal does not trust before sending anything (certificate)', async () => {
    const before = received.length;
    for (const server of [fullChain, leafOnly]) {
      const error = await failure(post(BASE, at(server)));
      assert.equal(error.kind, 'certificate');
      assert.match(error.code, /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
      assert.equal(error.maybeSent, false);
    }
    const unrelated = await failure(post({ ...BASE, ca_bundle: certs.otherCaFile }, at(fullChain)));
    assert.equal(unrelated.kind, 'certificate');
    assert.equal(received.length, before, 'the untrusted server received no request, so no token and no record');
  });

  it('trusts browser.ca_bundle: the CA, or the server\'s own certificate; sends the request in full', async () => {
    const before = received.length;
    assert.equal((await post({ ...BASE, ca_bundle: certs.caFile }, at(fullChain))).status, 200);
    // A server that sends only its own certificate, the CA not in the bundle: matched by its public key, as Chromium does.
    assert.equal((await post({ ...BASE, ca_bundle: certs.serverFile }, at(leafOnly))).status, 200);
    const got = received.slice(before);
    assert.equal(got.length, 2);
    for (const request of got) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/api/v1/recipients');
      assert.equal(request.authorization, TOKEN);
      assert.equal(request.body, '[{"record":1}]');
    }
  });

  it('still checks the host name of a certificate the bundle pins, and accepts anything with ignore_https_errors', async () => {
    // The proxy takes every tunnel to the same server, whose certificate does not hold this name.
    const elsewhere = `https://other.lgwan.test:${port(fullChain)}/`;
    const viaProxy: BrowserConfig = { ...BASE, proxy: { server: proxy.url } };
    const mismatch = await failure(post({ ...viaProxy, ca_bundle: certs.serverFile }, elsewhere));
    assert.equal(mismatch.kind, 'certificate');
    assert.equal(mismatch.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal((await post({ ...viaProxy, ignore_https_errors: true }, elsewhere)).status, 200);
  });

  it('reaches a host only the proxy knows through a CONNECT tunnel, and not without it', async () => {
    const url = at(fullChain, FAKE_HOST);
    const direct = await failure(post({ ...BASE, ca_bundle: certs.caFile }, url));
    assert.equal(direct.kind, 'network');
    assert.match(direct.code, /^(ENOTFOUND|EAI_AGAIN)$/);
    const seen = proxy.seen.length;
    const answer = await post({ ...BASE, ca_bundle: certs.caFile, proxy: { server: proxy.url } }, url);
    assert.equal(answer.status, 200);
    assert.deepEqual(proxy.seen.slice(seen), [`${FAKE_HOST}:${port(fullChain)}`]);
    // The tunnel carries TLS end to end: PMH's certificate is still checked.
    const untrusted = await failure(post({ ...BASE, proxy: { server: proxy.url } }, url));
    assert.equal(untrusted.kind, 'certificate');
  });

  it('sends the proxy user and the password from the environment; a wrong password is the proxy\'s 407, nothing sent', async () => {
    proxy.requireAuth = true;
    const config: BrowserConfig = { ...BASE, ca_bundle: certs.caFile, proxy: { server: proxy.url, username: PROXY_USER, password_env: PASSWORD_ENV } };
    try {
      process.env[PASSWORD_ENV] = PROXY_PASSWORD;
      const before = proxy.authorizations.length;
      assert.equal((await post(config, at(fullChain, FAKE_HOST))).status, 200);
      assert.deepEqual(proxy.authorizations.slice(before), [`Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`]);

      const sent = received.length;
      process.env[PASSWORD_ENV] = 'wrong-password-Tq11';
      const refused = await failure(post(config, at(fullChain, FAKE_HOST)));
      assert.equal(refused.kind, 'proxy');
      assert.equal(refused.code, 'HTTP 407');
      assert.match(refused.message, /407 Proxy Authentication Required/);
      assert.equal(refused.maybeSent, false);
      const anonymous = await failure(post({ ...config, proxy: { server: proxy.url } }, at(fullChain, FAKE_HOST)));
      assert.equal(anonymous.code, 'HTTP 407');
      assert.equal(received.length, sent, 'nothing reached PMH');
    } finally {
      proxy.requireAuth = false;
    }
  });

  it('sends plain-HTTP requests to the proxy as absolute URIs, and goes direct to the hosts on the bypass list', async () => {
    const url = `http://${FAKE_HOST}:${port(plain)}/api/v1/recipients?probe=1`;
    const seen = proxy.seen.length;
    assert.equal((await post({ ...BASE, proxy: { server: proxy.url } }, url)).status, 200);
    assert.deepEqual(proxy.seen.slice(seen), [url]);

    const direct = at(fullChain);
    for (const bypass of ['127.0.0.1', `127.0.0.1:${port(fullChain)}`, '.lgwan.test, 127.0.0.1']) {
      const before = proxy.seen.length;
      assert.equal((await post({ ...BASE, ca_bundle: certs.caFile, proxy: { server: proxy.url, bypass } }, direct)).status, 200, bypass);
      assert.equal(proxy.seen.length, before, `bypass "${bypass}": the proxy was not asked`);
    }
    // A bypass entry for another port, or for another domain, does not apply.
    for (const bypass of ['127.0.0.1:1', '.example.test', '<local>']) {
      const before = proxy.seen.length;
      assert.equal((await post({ ...BASE, ca_bundle: certs.caFile, proxy: { server: proxy.url, bypass } }, direct)).status, 200, bypass);
      assert.equal(proxy.seen.length, before + 1, `bypass "${bypass}": the request went through the proxy`);
    }
    // A name without the leading dot is that host only, not the hosts under it.
    const exactOnly = proxy.seen.length;
    const underIt = `https://${FAKE_HOST}:${port(fullChain)}/`;
    assert.equal((await post({ ...BASE, ca_bundle: certs.caFile, proxy: { server: proxy.url, bypass: 'lgwan.test' } }, underIt)).status, 200);
    assert.equal(proxy.seen.length, exactOnly + 1, 'bypass "lgwan.test": pmh.lgwan.test still went through the proxy');
    const before = proxy.seen.length;
    const onSubdomain = `https://${FAKE_HOST}:${port(fullChain)}/`;
    const error = await failure(post({ ...BASE, ca_bundle: certs.caFile, proxy: { server: proxy.url, bypass: '*.lgwan.test' } }, onSubdomain));
    assert.equal(error.kind, 'network', 'bypassed, the name is looked up directly and does not resolve');
    assert.equal(proxy.seen.length, before);
  });

  it('reads a stopped proxy as the proxy\'s failure, with nothing sent', async () => {
    const stopped = await startForwardProxy(plain, fullChain);
    await close(stopped.server);
    const error = await failure(post({ ...BASE, ca_bundle: certs.caFile, proxy: { server: stopped.url } }, at(fullChain, FAKE_HOST)));
    assert.equal(error.kind, 'proxy');
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(error.maybeSent, false);
  });

  it('says whether the request can have reached PMH: a closed port no, a server that read it all and hung up yes', async () => {
    const closedPort = port(plain) === 1 ? 2 : 1;
    const refused = await failure(post(BASE, `http://127.0.0.1:${closedPort}/`));
    assert.equal(refused.kind, 'network');
    assert.equal(refused.maybeSent, false);

    const hangUp = await listen(http.createServer((req) => {
      req.resume();
      req.on('end', () => req.socket.destroy());
    }));
    const silent = await listen(http.createServer((req) => {
      req.resume();
    }));
    try {
      const cut = await failure(post(BASE, `http://127.0.0.1:${port(hangUp)}/`));
      assert.equal(cut.kind, 'network');
      assert.equal(cut.maybeSent, true);
      const timedOut = await failure(post(BASE, `http://127.0.0.1:${port(silent)}/`, 1500));
      assert.equal(timedOut.code, 'ETIMEDOUT');
      assert.equal(timedOut.maybeSent, true);
    } finally {
      await close(hangUp);
      await close(silent);
    }
  });
});

describe('transport: api and doctor through the LGWAN proxy to an HTTPS PMH', { timeout: 600_000 }, () => {
  it('registers every record through the proxy\'s tunnel, trusting ca_bundle; with a wrong proxy password or without the bundle nothing is sent', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 300, chunkSize: 100 });
    const certs = makeTestCertificates(env.dir, [FAKE_HOST]);
    // PMH's HTTPS front: TLS ends here and the requests go on to the simulator.
    const simulatorPort = Number(new URL(env.simulator.url).port);
    const front = await listen(https.createServer({ key: certs.serverKey, cert: certs.chain }, (req, res) => {
      const upstream = http.request({ host: '127.0.0.1', port: simulatorPort, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }));
    const proxy = await startForwardProxy(front, front);
    proxy.requireAuth = true;
    process.env[PASSWORD_ENV] = PROXY_PASSWORD;
    try {
      const apiPath = new URL(env.config.pmh.api!.url).pathname;
      const behindProxy = (caBundle: string | null) =>
        env.rewrite((config) => ({
          ...config,
          pmh: { ...config.pmh, url: `https://${FAKE_HOST}:${port(front)}`, api: { ...config.pmh.api!, url: `https://${FAKE_HOST}:${port(front)}${apiPath}` } },
          browser: {
            channel: config.browser.channel,
            headless: config.browser.headless,
            slow_mo_ms: config.browser.slow_mo_ms,
            proxy: { server: proxy.url, username: PROXY_USER, password_env: PASSWORD_ENV },
            ...(caBundle ? { ca_bundle: caBundle } : {}),
          },
        }));

      process.env[PASSWORD_ENV] = 'wrong-password-Tq11';
      const refused = await runCycle({ config: behindProxy(certs.caFile), trigger: 'test' });
      assert.equal(refused.error?.code, 'PmhProxyFailed', refused.error?.message);
      assert.match(refused.error?.describeIn('ja').hint ?? '', /browser\.proxy/);
      process.env[PASSWORD_ENV] = PROXY_PASSWORD;

      const untrusted = await runCycle({ config: behindProxy(null), trigger: 'test' });
      assert.equal(untrusted.error?.code, 'PmhCertificateError', untrusted.error?.message);
      assert.equal((await simJson<ApiRequestEntry[]>(env.simulator, '/__sim/api/requests')).length, 0, 'nothing reached PMH');

      const config = behindProxy(certs.caFile);
      const doctor = await runDoctor(env.configPath);
      const pmhCheck = doctor.checks.find((check) => check.id === 'pmh');
      const clockCheck = doctor.checks.find((check) => check.id === 'clock');
      assert.equal(pmhCheck?.status, 'ok', JSON.stringify(pmhCheck));
      assert.equal(clockCheck?.status, 'ok', JSON.stringify(clockCheck));

      const tunnels = proxy.seen.length;
      const summary = await runCycle({ config, trigger: 'test' });
      assert.equal(summary.error, null, summary.error?.message);
      const expected = Object.values(env.data.expectedUploads).reduce((a, b) => a + b, 0);
      assert.equal(summary.counts.accepted, expected);
      const log = await simJson<ApiRequestEntry[]>(env.simulator, '/__sim/api/requests');
      assert.ok(log.length > 0 && log.every((entry) => entry.status === 200));
      assert.equal(log.reduce((n, entry) => n + (entry.records ?? 0), 0), expected, 'every record reached PMH once');
      assert.ok(proxy.seen.slice(tunnels).every((target) => target === `${FAKE_HOST}:${port(front)}`), JSON.stringify(proxy.seen));
      assert.equal(proxy.seen.length - tunnels, log.length, 'one tunnel per request');
    } finally {
      delete process.env[PASSWORD_ENV];
      await close(proxy.server);
      await close(front);
      await env.close();
    }
  });

  it('stops at start-up for a socks5 proxy with transport: api, naming browser.proxy.server', async () => {
    const env = await startTransportEnv({ transport: 'api', recipients: 5 });
    try {
      assert.throws(
        () => env.rewrite((config) => ({ ...config, browser: { ...config.browser, proxy: { server: 'socks5://127.0.0.1:1080' } } })),
        (error: Error) => /browser\.proxy\.server/.test(error.message) && /socks5/.test(error.message),
      );
    } finally {
      await env.close();
    }
  });
});
