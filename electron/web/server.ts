/**
 * Web mode: serves the built renderer on loopback only, for browsers and for
 * the browser tests, with the same CSP as the desktop window. Requests whose
 * Host (or Origin) is not our own loopback address are refused, which defeats
 * DNS rebinding. Later pieces (the live collector) mount under /api/.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { CSP } from '../main/window';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export type ApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface WebServerOptions {
  root: string;
  port?: number;
  /** Extra request handlers (the collector's API); return true when handled. */
  api?: ApiHandler[];
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Host and Origin must name this very listener on loopback. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true; // same-origin GETs and non-browser clients send none
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && isAllowedHost(u.host, port);
  } catch {
    return false;
  }
}

/** Maps a URL path to a file under root, or null if it would escape root. */
export function resolveStatic(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rootAbs = resolve(root);
  const target = resolve(join(rootAbs, normalize(decoded === '/' ? '/index.html' : decoded)));
  return target === rootAbs || target.startsWith(rootAbs + sep) ? target : null;
}

export function startWebServer(opts: WebServerOptions): Promise<RunningServer> {
  let port = opts.port ?? 0;
  const server = createServer(async (req, res) => {
    const host = req.headers.host;
    if (!isAllowedHost(host, port) || !isAllowedOrigin(req.headers.origin, port)) {
      res
        .writeHead(403, { 'Content-Type': 'text/plain' })
        .end('Forbidden: Cloudscope answers on its loopback address only.');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    for (const h of opts.api ?? []) {
      if (await h(req, res, url)) return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const file = resolveStatic(opts.root, url.pathname);
    const s = file ? await stat(file).catch(() => null) : null;
    if (!file || !s?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': s.size,
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolvePromise({
        server,
        port,
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
