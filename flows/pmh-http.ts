/**
 * The bot's own HTTP to PMH (the registration API, and doctor's checks) on the network the
 * browser is set up for, so that a terminal that reaches PMH only through the LGWAN proxy
 * reaches it on every channel:
 *
 * - `browser.proxy`: https:// targets through a CONNECT tunnel, http:// targets as
 *   absolute-URI requests to the proxy; its user and password (from the environment) as
 *   Basic credentials; hosts on its bypass list reached directly. A socks5 proxy is the
 *   browser's only (config/load.ts says so at start-up for transport: api).
 * - `browser.ca_bundle`: trusted as the browser trusts it, a certificate the server sends
 *   whose public key is in the bundle (see tls-trust.ts), and beyond that as extra roots:
 *   Node.js reads its own list of CAs, never the Windows certificate store.
 * - `browser.ignore_https_errors`: any certificate, as the browser does.
 *
 * A connection is opened, tunnelled and its certificate checked before any request is
 * written on it: a server that is not trusted never sees a token or a record.
 */
import { X509Certificate } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { BrowserConfig } from '../config/schema.ts';
import { readSecret } from '../config/secrets.ts';
import { readCaBundle, spkiFingerprint } from './tls-trust.ts';

/** What failed on the way, for the operator's hint: the proxy, a certificate, or the network. */
export type RouteFailureKind = 'proxy' | 'certificate' | 'network';

/** The request could not be made, or got no whole answer. */
export class RouteFailure extends Error {
  override readonly name = 'RouteFailure';
  constructor(
    readonly kind: RouteFailureKind,
    /** Node's error code, or the proxy's HTTP status ("HTTP 407"). */
    readonly code: string,
    message: string,
    /** The whole request had been handed to the network: the server may have acted on it. */
    readonly maybeSent = false,
  ) {
    super(message);
  }
}

interface BypassRule {
  host: string;
  /** `.example` and `*.example`: every host under it. */
  subdomains: boolean;
  /** `<local>`: host names without a dot. */
  local: boolean;
  port: string | null;
}

export interface PmhRoute {
  proxy: { url: URL; authorization: string | null; bypass: BypassRule[] } | null;
  trust: { ca: string[] | null; pins: Set<string>; insecure: boolean };
}

/**
 * Chromium's bypass list, as far as a config can ask for it: host names, `.domain` or
 * `*.domain` for the hosts under it, IP addresses, `<local>`, each with an optional `:port`.
 */
function bypassRules(list: string | undefined): BypassRule[] {
  const rules: BypassRule[] = [];
  for (const raw of (list ?? '').split(/[,;]/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '<local>') {
      rules.push({ host: '', subdomains: false, local: true, port: null });
      continue;
    }
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const withPort = bracketed ? null : /^(.*?):(\d+)$/.exec(entry);
    const host = bracketed ? bracketed[1]! : withPort && !isIP(entry) ? withPort[1]! : entry;
    const port = bracketed ? (bracketed[2] ?? null) : withPort && !isIP(entry) ? withPort[2]! : null;
    const subdomains = host.startsWith('.') || host.startsWith('*.');
    rules.push({ host: host.replace(/^\*?\./, ''), subdomains, local: false, port });
  }
  return rules;
}

function bypassed(rules: BypassRule[], target: URL): boolean {
  const host = bareHost(target).toLowerCase();
  const port = String(defaultPort(target));
  return rules.some((rule) => {
    if (rule.port !== null && rule.port !== port) return false;
    if (rule.local) return !host.includes('.') && !host.includes(':');
    return rule.subdomains ? host.endsWith(`.${rule.host}`) : host === rule.host;
  });
}

/**
 * The route of `browser:`. Reads the CA bundle and the proxy password: a missing file or
 * secret is the same critical error, naming the same key, as for the browser.
 */
export function routeOf(config: BrowserConfig): PmhRoute {
  let proxy: PmhRoute['proxy'] = null;
  if (config.proxy) {
    const { server, bypass, username, password_env } = config.proxy;
    const password = password_env ? readSecret(password_env, 'browser.proxy.password_env') : '';
    proxy = {
      url: new URL(server),
      authorization: username ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` : null,
      bypass: bypassRules(bypass),
    };
  }
  let ca: string[] | null = null;
  const pins = new Set<string>();
  if (config.ca_bundle) {
    const bundle = readCaBundle(config.ca_bundle);
    for (const certificate of bundle) pins.add(certificate.spkiSha256);
    ca = [...rootCertificates, ...bundle.map((certificate) => certificate.pem)];
  }
  return { proxy, trust: { ca, pins, insecure: config.ignore_https_errors === true } };
}

/** The host of a URL as sockets take it: an IPv6 address without its brackets. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function defaultPort(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

function explain(error: unknown): { code: string; message: string } {
  const failure = error as NodeJS.ErrnoException;
  const code = failure.code ?? '';
  return { code, message: code && !failure.message.includes(code) ? `${code}: ${failure.message}` : failure.message };
}

/** A TLS failure that is not a refused certificate (TLS spoken to a plain-HTTP port, no common protocol). */
const TLS_FAILURE = /^(?:EPROTO|ERR_SSL_\w+|ERR_TLS_\w+)$/;

const asProxy = (): RouteFailureKind => 'proxy';
const asNetwork = (): RouteFailureKind => 'network';
/** As the browser reads them: a handshake that fails is the certificate's side, a connection that fails is the network's. */
const asServerTls = (code: string): RouteFailureKind => (TLS_FAILURE.test(code) ? 'certificate' : 'network');

/** Waits for `event` on a new socket; its error (or the signal) rejects as a RouteFailure of the kind `kindOf` gives. */
function settle<T extends Socket>(socket: T, event: string, kindOf: (code: string) => RouteFailureKind, where: string, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off(event, onReady);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      const { code, message } = explain(error);
      reject(new RouteFailure(kindOf(code), code, `${where}: ${message}`));
    };
    const onAbort = (): void => onError(signal.reason as Error);
    socket.once(event, onReady);
    socket.once('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Every certificate the server's chain holds, leaf first. */
function chainOf(socket: TLSSocket): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  const seen = new Set<string>();
  let certificate: PeerCertificate | undefined = socket.getPeerCertificate(true);
  while (certificate?.raw && !seen.has(certificate.fingerprint256)) {
    seen.add(certificate.fingerprint256);
    chain.push(certificate);
    certificate = (certificate as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return chain;
}

/**
 * Throws a RouteFailure of `kind` (the proxy's, or the certificate's) unless the server's
 * certificate is trusted for `host`; nothing has been written yet.
 */
function verify(socket: TLSSocket, host: string, trust: PmhRoute['trust'], kind: RouteFailureKind, where: string): void {
  if (trust.insecure || socket.authorized) return;
  const reason = String(socket.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  const chain = chainOf(socket);
  const pinned = trust.pins.size > 0 && chain.some((certificate) => trust.pins.has(spkiFingerprint(new X509Certificate(certificate.raw))));
  const identity = pinned && chain[0] ? checkServerIdentity(host, chain[0]) : undefined;
  if (pinned && !identity) return;
  socket.destroy();
  // A certificate the bundle pins, for another host: the name is what is wrong.
  const code = identity ? String((identity as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID') : reason;
  throw new RouteFailure(kind, code, `${where}: ${identity ? `${code}: ${identity.message}` : reason}`);
}

/** TLS to the proxy or to PMH (over `socket`, a tunnel, when given), its certificate checked. */
async function tlsOver(socket: Socket | null, host: string, port: number, trust: PmhRoute['trust'], role: 'proxy' | 'server', where: string, signal: AbortSignal): Promise<TLSSocket> {
  const secure = tlsConnect({
    ...(socket ? { socket } : { host, port }),
    ...(isIP(host) ? {} : { servername: host }),
    ...(trust.ca ? { ca: trust.ca } : {}),
    // Checked by verify() before anything is written, with the bundle's public keys too.
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  // Closing TLS does not close a tunnel it runs over: the connection to the proxy would stay open.
  if (socket) secure.once('close', () => socket.destroy());
  await settle(secure, 'secureConnect', role === 'proxy' ? asProxy : asServerTls, where, signal);
  verify(secure, host, trust, role === 'proxy' ? 'proxy' : 'certificate', where);
  return secure;
}

/**
 * Reads the proxy's answer to CONNECT, up to its blank line, without letting the socket
 * flow: what follows belongs to the TLS handshake that is started on it next.
 */
function tunnelAnswer(socket: Socket, signal: AbortSignal, where: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const cleanup = (): void => {
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (code: string, message: string): void => {
      cleanup();
      socket.destroy();
      reject(new RouteFailure('proxy', code, `${where}: ${message}`));
    };
    const onReadable = (): void => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) {
          if (head.length > 16_384) return fail('EPROTO', 'the proxy\'s answer to CONNECT is not HTTP');
          continue;
        }
        cleanup();
        if (end + 4 < head.length) socket.unshift(head.subarray(end + 4));
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'))?.[1];
        if (!status) return fail('EPROTO', 'the proxy\'s answer to CONNECT is not HTTP');
        return resolve(Number(status));
      }
    };
    const onError = (error: Error): void => {
      const { code, message } = explain(error);
      fail(code, message);
    };
    const onEnd = (): void => fail('ECONNRESET', 'the proxy closed the connection');
    const onAbort = (): void => onError(signal.reason as Error);
    socket.on('readable', onReadable);
    socket.once('error', onError);
    socket.once('end', onEnd);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

const STATUS_TEXT: Record<number, string> = { 407: 'Proxy Authentication Required', 403: 'Forbidden', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** A socket to the proxy itself (TLS to an https:// proxy, checked like any server). */
async function toProxy(proxy: NonNullable<PmhRoute['proxy']>, trust: PmhRoute['trust'], signal: AbortSignal): Promise<Socket> {
  const host = bareHost(proxy.url);
  const port = defaultPort(proxy.url);
  const where = `the proxy ${proxy.url.host}`;
  if (proxy.url.protocol === 'https:') return tlsOver(null, host, port, trust, 'proxy', where, signal);
  if (proxy.url.protocol !== 'http:') throw new RouteFailure('proxy', 'EPROTONOSUPPORT', `${where}: ${proxy.url.protocol} proxies are for the browser only`);
  return settle(netConnect({ host, port }), 'connect', asProxy, where, signal);
}

interface Opened {
  socket: Socket;
  /** The request target: the path, or the absolute URI for a plain-HTTP proxy. */
  path: string;
  headers: OutgoingHttpHeaders;
}

/** A connection to `target` along `route`, ready for one request. */
async function open(route: PmhRoute, target: URL, signal: AbortSignal): Promise<Opened> {
  const host = bareHost(target);
  const port = defaultPort(target);
  const https = target.protocol === 'https:';
  const path = `${target.pathname}${target.search}`;
  const proxy = route.proxy && !bypassed(route.proxy.bypass, target) ? route.proxy : null;
  if (!proxy) {
    const where = target.host;
    if (https) return { socket: await tlsOver(null, host, port, route.trust, 'server', where, signal), path, headers: {} };
    return { socket: await settle(netConnect({ host, port }), 'connect', asNetwork, where, signal), path, headers: {} };
  }
  const socket = await toProxy(proxy, route.trust, signal);
  const credentials: OutgoingHttpHeaders = proxy.authorization ? { 'Proxy-Authorization': proxy.authorization } : {};
  if (!https) return { socket, path: target.href, headers: credentials };
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  socket.write(
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
      (proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '') +
      '\r\n',
  );
  const status = await tunnelAnswer(socket, signal, `the proxy ${proxy.url.host}`);
  if (status !== 200) {
    socket.destroy();
    const text = `HTTP ${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
    throw new RouteFailure('proxy', `HTTP ${status}`, `the proxy ${proxy.url.host} refused the tunnel to ${authority}: ${text}`);
  }
  return { socket: await tlsOver(socket, host, port, route.trust, 'server', target.host, signal), path, headers: {} };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpCall {
  method: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
  timeoutMs: number;
  /** A longer answer is not the server's (default 32 MB). */
  maxAnswerBytes?: number;
  /** Only the status and headers are wanted: the body is not read. */
  headOnly?: boolean;
}

/**
 * One request along `route`, redirects not followed. Rejects with a RouteFailure that says
 * what failed and whether the whole request had left (`maybeSent`).
 */
export async function sendOnce(route: PmhRoute, url: string, call: HttpCall): Promise<HttpAnswer> {
  const target = new URL(url);
  const controller = new AbortController();
  const seconds = Math.round(call.timeoutMs / 1000);
  const deadline = setTimeout(() => controller.abort(Object.assign(new Error(`no answer within ${seconds} s`), { code: 'ETIMEDOUT' })), call.timeoutMs);
  try {
    const opened = await open(route, target, controller.signal);
    return await exchange(opened, target, call, controller.signal);
  } finally {
    clearTimeout(deadline);
  }
}

function exchange(opened: Opened, target: URL, call: HttpCall, signal: AbortSignal): Promise<HttpAnswer> {
  const maxBytes = call.maxAnswerBytes ?? 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    let bodyLeft = false;
    let settled = false;
    const request = httpRequest({
      method: call.method,
      path: opened.path,
      headers: {
        Host: target.host,
        Connection: 'close',
        ...(call.body ? { 'Content-Length': String(call.body.length) } : {}),
        ...call.headers,
        ...opened.headers,
      },
      createConnection: () => opened.socket,
    });
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      opened.socket.destroy();
      const { code, message } = explain(error);
      // The connection was made before the request: once the body has left, PMH may have it.
      reject(new RouteFailure('network', code, message, bodyLeft));
    };
    const done = (answer: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      opened.socket.destroy();
      resolve(answer);
    };
    const onAbort = (): void => fail(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('finish', () => {
      bodyLeft = true;
    });
    request.on('error', fail);
    request.on('response', (response) => {
      const answer = { status: response.statusCode ?? 0, headers: response.headers };
      if (call.headOnly) {
        done({ ...answer, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) fail(new Error('the answer is too large'));
        else chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('aborted', () => fail(new Error('the answer was cut off')));
      response.on('end', () => done({ ...answer, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.end(call.body);
  });
}
