// Web mode hosts the collector on its own loopback port; the page gets the token from the session route only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, call } from '../collector/test-client';
import { startWebCollector, type WebCollector, webDataDir } from './collector-api';
import { type RunningServer, startWebServer } from './server';

const root = mkdtempSync(join(tmpdir(), 'cloudscope-webcol-root-'));
const dataDir = mkdtempSync(join(tmpdir(), 'cloudscope-webcol-data-'));
let live: WebCollector;
let s: RunningServer;
beforeAll(async () => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
  live = await startWebCollector({ dataDir, syslog: { port: 0 } });
  s = await startWebServer({ root, port: 0, api: live.api });
  live.collector.setBatchesUrl(`${s.url}api/collector/batches`);
});
afterAll(async () => {
  await live.collector.close();
  await s.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('web-mode collector', () => {
  it('takes the data folder from CLOUDSCOPE_DATA_DIR, else ~/.cloudscope', () => {
    expect(webDataDir({ CLOUDSCOPE_DATA_DIR: '/srv/cs' })).toBe('/srv/cs');
    expect(webDataDir({})).toMatch(/\.cloudscope$/);
  });

  it('hands the token to a same-origin fetch from the page it served', async () => {
    const r = await call(s.port, '/api/collector/session', { headers: { 'Sec-Fetch-Site': 'same-origin' } });
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.json()).toMatchObject({
      token: live.collector.token,
      batchesUrl: `http://127.0.0.1:${s.port}/api/collector/batches`,
      tokenFile: join(dataDir, 'collector-token'),
      syslog: { host: '127.0.0.1' },
    });
  });

  it('refuses the session to navigations, cross-site requests and rebound host names', async () => {
    const session = (headers: Record<string, string>) => call(s.port, '/api/collector/session', { headers });
    // Typed into the address bar or followed from a link: the token is never rendered as a page.
    expect((await session({ 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate' })).status).toBe(403);
    expect((await session({ 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await session({ 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await session({ Origin: 'http://evil.example' })).status).toBe(403);
    expect((await session({ Host: `rebind.evil.example:${s.port}` })).status).toBe(403);
    expect((await call(s.port, '/api/collector/session', { method: 'POST' })).status).toBe(405);
  });

  it('takes batches and serves the pull API on the web port, with the token', async () => {
    const body = '{"Timestamp":"2026-01-05T10:00:00Z","DeviceName":"ws-01","RemoteUrl":"www.dropbox.com"}\n';
    const headers = { 'Content-Type': 'application/x-ndjson' };
    expect((await call(s.port, '/api/collector/batches', { method: 'POST', headers, body })).status).toBe(401);
    const auth = bearer(live.collector.token);
    const r = await call(s.port, '/api/collector/batches', { method: 'POST', headers: { ...headers, ...auth }, body });
    expect(r.status).toBe(202);
    const pending = await call(s.port, '/api/collector/pending', { headers: auth });
    expect(pending.json<{ batches: { id: string }[] }>().batches.map((b) => b.id)).toEqual([r.json().id]);
    const status = await call(s.port, '/api/collector/status', { headers: auth });
    expect(status.json()).toMatchObject({ batchesUrl: `${s.url}api/collector/batches`, eventsTotal: 1 });
    // The app itself is still served beside the API.
    expect((await call(s.port, '/')).status).toBe(200);
  });
});
