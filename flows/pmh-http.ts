/**
 * The bot's own HTTP to PMH (the registration API, and doctor's checks) on the network the
 * browser is set up for, so that a terminal that reaches PMH only through the LGWAN proxy
 * reaches it on every channel. undici carries the request (its ProxyAgent the CONNECT
 * tunnel, and http:// targets as absolute-URI requests to the proxy); what is kept here is
 * what the browser's settings mean and undici does not know:
 *
 * - `browser.proxy`: its bypass list, as Chromium reads it; its user and password (from the
 *   environment) as Basic credentials. A socks5 proxy is the browser's only
 *   (config/load.ts says so at start-up for transport: api).
 * - `browser.ca_bundle` and `browser.ignore_https_errors`: trusted as the browser trusts
 *   them (tls-trust.ts), checked on each new connection before undici is handed it: a
 *   server that is not trusted never sees a token or a record.
 * - what a failure is for the operator, and whether the request can have reached PMH.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { buildConnector, Client, errors, ProxyAgent, request, type Dispatcher } from 'undici';
import type { BrowserConfig } from '../config/schema.ts';
import { readSecret } from '../config/secrets.ts';
import { distrust, serverTrust, type ServerTrust } from './tls-trust.ts';

/** What failed on the way, for the operator's hint: the proxy, a certificate, or the network. */
export type RouteFailureKind = 'proxy' | 'certificate' | 'network';

/** The request could not be made, or got no whole answer. */
export class RouteFailure extends Error {
  override readonly name = 'RouteFailure';
  constructor(
    readonly kind: RouteFailureKind,
    /** Node's or undici's error code, or the proxy's HTTP status ("HTTP 407"). */
    readonly code: string,
    message: string,
    /** A connection to the server (or the proxy that forwards the request) was open when it failed: PMH may have the request. */
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
  trust: ServerTrust;
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
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
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
  return { proxy, trust: serverTrust(config.ca_bundle, config.ignore_https_errors === true) };
}

/**
 * How far a request got, which says whose failure a failure is: the proxy's, the server's
 * (its connection or its certificate), or one after the request started to leave.
 */
interface Progress {
  stage: 'proxy' | 'server' | 'sending';
}

/**
 * How a connection that did not open reaches undici. undici takes a connect error coded
 * UND_ERR_SOCKET (a proxy hanging up on CONNECT gives one) as worth connecting again at
 * once, and would loop until the deadline; failureOf() reads the cause.
 */
class NotOpened extends Error {
  readonly code = 'PMH_NOT_OPENED';
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * undici's connector, with the certificate of a TLS connection checked as the browser
 * checks it before undici is handed the socket and writes anything on it. `carriesRequest`:
 * the connection the request goes out on, not a CONNECT tunnel's way to the proxy.
 */
function checking(connector: buildConnector.connector, trust: ServerTrust, progress: Progress, carriesRequest: boolean): buildConnector.connector {
  return (options, callback) => {
    const fail = (error: Error): void => callback(carriesRequest ? new NotOpened(error) : error, null);
    // RFC 6066 allows no IP address as a server name (Node warns); ProxyAgent gives one for a proxy named by its address.
    const named = isIP(options.hostname) ? { ...options, servername: '' } : options;
    connector(named, (error, socket) => {
      if (error) return fail(error);
      // An http:// target tunnelled through an https:// proxy comes back on the proxy's TLS, checked already.
      const refusal = options.protocol === 'https:' && socket instanceof TLSSocket ? distrust(socket, options.hostname, trust) : null;
      if (refusal) {
        socket.destroy();
        const proxy = progress.stage === 'proxy';
        return fail(new RouteFailure(proxy ? 'proxy' : 'certificate', refusal.code, `${proxy ? 'the proxy ' : ''}${options.host}: ${refusal.message}`));
      }
      if (carriesRequest) progress.stage = 'sending';
      callback(null, socket);
    });
  };
}

const STATUS_TEXT: Record<number, string> = { 407: 'Proxy Authentication Required', 403: 'Forbidden', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/**
 * The client ProxyAgent asks for its CONNECT tunnels. undici reads a refused tunnel only as
 * "Proxy response (407) !== 200"; here it is the proxy's failure with its status, and an
 * accepted one moves the request on to the server's handshake.
 */
class TunnelClient extends Client {
  private readonly proxyHost: string;

  constructor(origin: URL, options: Client.Options, private readonly progress: Progress) {
    super(origin, options);
    this.proxyHost = origin.host;
  }

  // ProxyAgent asks for the promise form only.
  override async connect(options: Parameters<Client['connect']>[0]): Promise<Dispatcher.ConnectData> {
    const tunnel = await super.connect(options);
    const status = tunnel.statusCode;
    if (status !== 200) {
      tunnel.socket.destroy();
      const text = `HTTP ${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
      throw new RouteFailure('proxy', `HTTP ${status}`, `the proxy ${this.proxyHost} refused the tunnel to ${options.path}: ${text}`);
    }
    this.progress.stage = 'server';
    return tunnel;
  }
}

function connectorOf(connect: Client.Options['connect']): buildConnector.connector {
  return typeof connect === 'function' ? connect : buildConnector(connect ?? {});
}

/**
 * A dispatcher for one request to `target`, along the route: its connection (and tunnel)
 * serve this request only, so that `progress` is this request's own.
 */
function dispatcherFor(route: PmhRoute, target: URL, progress: Progress, call: HttpCall): Dispatcher {
  // The certificate is checked by checking(), with the bundle's public keys too; sendOnce's
  // deadline covers the whole request, connecting included.
  const tls = { ...(route.trust.ca ? { ca: route.trust.ca } : {}), rejectUnauthorized: false, timeout: 0 };
  // ProxyAgent's Agent types a factory's options as a bare object: they are a Client's.
  const factory = (origin: string | URL, options: object): Client =>
    new Client(origin, {
      headersTimeout: 0,
      bodyTimeout: 0,
      maxResponseSize: call.maxAnswerBytes ?? 32 * 1024 * 1024,
      connect: checking(connectorOf((options as Client.Options).connect), route.trust, progress, true),
    });
  const proxy = route.proxy && !bypassed(route.proxy.bypass, target) ? route.proxy : null;
  if (!proxy) return factory(target.origin, { connect: tls });
  progress.stage = 'proxy';
  if (proxy.url.protocol !== 'http:' && proxy.url.protocol !== 'https:') {
    throw new RouteFailure('proxy', 'EPROTONOSUPPORT', `the proxy ${proxy.url.host}: ${proxy.url.protocol} proxies are for the browser only`);
  }
  return new ProxyAgent({
    uri: proxy.url.href,
    ...(proxy.authorization ? { token: proxy.authorization } : {}),
    proxyTls: tls,
    requestTls: tls,
    // http:// targets as absolute-URI requests, as the browser sends them to a proxy.
    proxyTunnel: false,
    factory,
    clientFactory: (origin, options) => new TunnelClient(origin, { ...options, connect: checking(connectorOf((options as Client.Options).connect), route.trust, progress, false) }, progress),
  });
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpCall {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
  /** A longer answer is not the server's (default 32 MB). */
  maxAnswerBytes?: number;
  /** Only the status and headers are wanted: the body is not read. */
  headOnly?: boolean;
}

/** undici lists every repeated header as an array; node:http, as the callers read headers, joins all but set-cookie. */
function nodeHeaders(headers: Record<string, string | string[] | undefined>): IncomingHttpHeaders {
  const shaped: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    shaped[name] = name === 'set-cookie' ? [value].flat() : [value].flat().join(', ');
  }
  return shaped;
}

function explain(error: unknown): { code: string; message: string } {
  const failure = error as NodeJS.ErrnoException;
  const code = failure.code ?? '';
  return { code, message: code && !failure.message.includes(code) ? `${code}: ${failure.message}` : failure.message };
}

/** A TLS failure that is not a refused certificate (TLS spoken to a plain-HTTP port, no common protocol). */
const TLS_FAILURE = /^(?:EPROTO|ERR_SSL_\w+|ERR_TLS_\w+)$/;

/** What a failure at `progress.stage` is, as the browser would read it. */
function failureOf(error: unknown, progress: Progress, route: PmhRoute, target: URL): RouteFailure {
  let cause = error;
  // undici also wraps a proxy's certificate for another name, which checking() has already read.
  while (cause instanceof NotOpened || cause instanceof errors.SecureProxyConnectionError) cause = cause.cause;
  if (cause instanceof RouteFailure) return cause;
  // undici's absolute-URI proxying reads the proxy's 407 as an invalid argument; the proxy forwarded nothing.
  if (cause instanceof errors.InvalidArgumentError && /\(407\)/.test(cause.message)) {
    return new RouteFailure('proxy', 'HTTP 407', `the proxy ${route.proxy?.url.host} refused the request to ${target.host}: HTTP 407 ${STATUS_TEXT[407]}`);
  }
  const { code, message } = explain(cause);
  switch (progress.stage) {
    case 'proxy':
      return new RouteFailure('proxy', code, `the proxy ${route.proxy?.url.host}: ${message}`);
    case 'server':
      return new RouteFailure(TLS_FAILURE.test(code) ? 'certificate' : 'network', code, `${target.host}: ${message}`);
    case 'sending':
      return new RouteFailure('network', code, message, true);
  }
}

/**
 * One request along `route`, redirects not followed. Rejects with a RouteFailure that says
 * what failed and whether the request can have reached PMH (`maybeSent`).
 */
export async function sendOnce(route: PmhRoute, url: string, call: HttpCall): Promise<HttpAnswer> {
  const target = new URL(url);
  const progress: Progress = { stage: 'server' };
  const dispatcher = dispatcherFor(route, target, progress, call);
  // undici lets a signal abort a request only once it has a connection; closing the
  // dispatcher also ends a connection or a tunnel still being opened.
  let expired: Error | null = null;
  const deadline = setTimeout(() => {
    expired = Object.assign(new Error(`no answer within ${Math.round(call.timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' });
    dispatcher.destroy().catch(() => undefined);
  }, call.timeoutMs);
  try {
    const answer = await request(target, { dispatcher, method: call.method, headers: call.headers ?? {}, body: call.body ?? null, reset: true });
    const headers = nodeHeaders(answer.headers);
    if (!call.headOnly) return { status: answer.statusCode, headers, body: await answer.body.text() };
    // undici reads a body left unread as an aborted request, and says so as an error.
    answer.body.on('error', () => undefined).destroy();
    return { status: answer.statusCode, headers, body: '' };
  } catch (error) {
    throw failureOf(expired ?? error, progress, route, target);
  } finally {
    clearTimeout(deadline);
    await dispatcher.destroy();
  }
}
