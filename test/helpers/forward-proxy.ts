/**
 * A forward HTTP proxy as an LGWAN has one, for network tests: absolute-URI requests are
 * forwarded to one server whatever the host name says, and CONNECT tunnels (HTTPS) either
 * go to another server or are refused. It can ask for Basic credentials.
 */
import http from 'node:http';
import { connect, type AddressInfo, type Server } from 'node:net';

export const PROXY_USER = 'rpa-user';
export const PROXY_PASSWORD = 'proxy-pass-Kd93';

export interface ForwardProxy {
  server: http.Server;
  url: string;
  /** Absolute URIs, and CONNECT authorities (host:port), the proxy was asked for. */
  seen: string[];
  /** Proxy-Authorization headers received. */
  authorizations: (string | undefined)[];
  requireAuth: boolean;
}

export async function listen<T extends Server>(server: T): Promise<T> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

export function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
}

/**
 * `forward` takes the plain requests; `tunnel`, when given, every CONNECT (refused with
 * 403 otherwise). Credentials are checked on both when `requireAuth` is set.
 */
export async function startForwardProxy(forward: Server, tunnel?: Server): Promise<ForwardProxy> {
  const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
  const proxy: ForwardProxy = { server: http.createServer(), url: '', seen: [], authorizations: [], requireAuth: false };
  const refused = (authorization: string | undefined): boolean => proxy.requireAuth && authorization !== expected;
  proxy.server.on('request', (req, res) => {
    proxy.seen.push(req.url ?? '');
    proxy.authorizations.push(req.headers['proxy-authorization']);
    if (refused(req.headers['proxy-authorization'])) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="LGWAN proxy"', 'content-type': 'text/plain' });
      res.end('proxy authentication required');
      return;
    }
    const absolute = new URL(req.url ?? '/');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: '127.0.0.1', port: port(forward), path: absolute.pathname + absolute.search, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  proxy.server.on('connect', (req, socket, head) => {
    proxy.seen.push(req.url ?? '');
    proxy.authorizations.push(req.headers['proxy-authorization']);
    socket.on('error', () => undefined);
    if (!tunnel) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    if (refused(req.headers['proxy-authorization'])) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="LGWAN proxy"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(port(tunnel), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    // A tunnel ends as a whole, as a real proxy's does: a paused half would never see its end.
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  await listen(proxy.server);
  proxy.url = `http://127.0.0.1:${port(proxy.server)}`;
  return proxy;
}
