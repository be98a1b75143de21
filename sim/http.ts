// Small helpers over node:http for the screen and the inspection API.

import type { IncomingMessage, ServerResponse } from 'node:http';

export function parseCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}

export function cookieHeader(name: string, value: string, options: { clear?: boolean; maxAgeSeconds?: number } = {}): string {
  const base = `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax`;
  if (options.clear) return `${base}; Max-Age=0`;
  return options.maxAgeSeconds === undefined ? base : `${base}; Max-Age=${options.maxAgeSeconds}`;
}

export function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
  res.writeHead(303, { Location: location, 'Content-Length': '0' });
  res.end();
}

const htmlRewrites = new WeakMap<ServerResponse, (html: string) => string>();

/** Every page later sent on `res` goes through `rewrite` first (the renameLabels fault). */
export function rewriteHtml(res: ServerResponse, rewrite: (html: string) => string): void {
  htmlRewrites.set(res, rewrite);
}

export function sendHtml(res: ServerResponse, status: number, html: string, cookies: string[] = []): void {
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
  const rewrite = htmlRewrites.get(res);
  const body = Buffer.from(rewrite ? rewrite(html) : html, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(body);
}

/** Reads a small request body. */
export async function readBody(req: IncomingMessage, limitBytes = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a small application/x-www-form-urlencoded body. */
export async function readUrlEncoded(req: IncomingMessage, limitBytes = 64 * 1024): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(req, limitBytes)).toString('utf8'));
}

/** Writes, waiting for the socket to drain when its buffer is full. */
export async function write(res: ServerResponse, chunk: string | Buffer): Promise<void> {
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams a JSON array whose elements are already JSON text, page by page, so neither the
 * store nor this process ever holds the whole result.
 */
export async function streamJsonArray<Cursor>(
  res: ServerResponse,
  fetchPage: (after: Cursor | null) => { items: string[]; next: Cursor | null },
): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  let first = true;
  let cursor: Cursor | null = null;
  await write(res, '[');
  do {
    if (res.destroyed) return;
    const page = fetchPage(cursor);
    if (page.items.length > 0) {
      await write(res, (first ? '' : ',') + page.items.join(','));
      first = false;
    }
    cursor = page.next;
  } while (cursor !== null);
  res.end(']');
}
