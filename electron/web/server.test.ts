import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedHost, isAllowedOrigin, type RunningServer, resolveStatic, startWebServer } from './server';

const root = mkdtempSync(join(tmpdir(), 'cloudscope-web-'));
let s: RunningServer;
beforeAll(async () => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
  s = await startWebServer({ root, port: 0 });
});
afterAll(async () => {
  await s.close();
  rmSync(root, { recursive: true, force: true });
});

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web-mode server', () => {
  it('listens on loopback and serves the app with a CSP', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
  });
  it('refuses foreign Host and Origin headers (DNS rebinding)', async () => {
    expect((await get('/', { Host: 'evil.example' })).status).toBe(403);
    expect((await get('/', { Origin: 'http://evil.example' })).status).toBe(403);
    expect(isAllowedHost(`localhost:${s.port}`, s.port)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:1', s.port)).toBe(false);
  });
  it('never serves outside its root', async () => {
    expect(resolveStatic(root, '/../../etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveStatic(root, '/%2e%2e/%2e%2e/etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
  });
});
