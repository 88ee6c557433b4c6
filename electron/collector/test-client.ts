/**
 * A minimal HTTP client for the collector's tests (one connection per call,
 * so a closed collector shows up as a connection error, as it would for a sender).
 */
import { request } from 'node:http';

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Send the body without Content-Length (chunked). */
  chunked?: boolean;
}

export function call(port: number, path: string, o: CallOptions = {}): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, ...o.headers };
    if (o.body !== undefined && !o.chunked) headers['Content-Length'] = String(Buffer.byteLength(o.body));
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
