// The desktop collector's IPC side, against a real Collector on a temp folder and loopback ports: no Electron.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveBatchInfo } from '../../shared/ipc/contract';
import type { Collector } from '../collector/collector';
import { bearer, call } from '../collector/test-client';
import { createLiveHandlers, forwardNewBatches, startDesktopCollector, stopCollector } from './live';

let dir: string;
let running: Collector[] = [];
let blockers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloudscope-live-'));
  running = [];
  blockers = [];
});
afterEach(async () => {
  await Promise.all(running.map((c) => c.close()));
  await Promise.all(blockers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function start(o: { httpPort?: number; syslogPort?: number | null } = {}) {
  const c = await startDesktopCollector({ dataDir: dir, httpPort: 0, syslogPort: 0, ...o });
  running.push(c);
  return { c, h: createLiveHandlers(Promise.resolve(c)) };
}

/** A port some other program holds. */
function occupiedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    blockers.push(s);
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
  });
}

const row = (i: number) =>
  JSON.stringify({
    Timestamp: new Date(Date.UTC(2026, 0, 9, 15, 0, i)).toISOString(),
    DeviceName: 'ws-05',
    ActionType: 'ConnectionSuccess',
    RemoteUrl: 'mega.nz',
    RemoteIP: '203.0.113.7',
    RemotePort: 443,
  });
const BODY = `${row(0)}\n${row(1)}\n`;

async function post(c: Collector, body: string) {
  const url = new URL(c.status().batchesUrl!);
  return call(Number(url.port), url.pathname, {
    method: 'POST',
    headers: { ...bearer(c.token), 'Content-Type': 'application/x-ndjson' },
    body,
  });
}

describe('desktop live collector over IPC handlers', () => {
  it('describes itself without the token', async () => {
    const { c, h } = await start();
    const s = await h['live.session']();
    expect(s).not.toBeNull();
    expect(s!.batchesUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/collector\/batches$/);
    expect(s!.tokenFile).toBe(join(dir, 'collector-token'));
    expect(s!.syslog).toEqual({ host: '127.0.0.1', port: c.status().syslog!.port });
    expect(s!.folder).toBeNull();
    const token = readFileSync(s!.tokenFile, 'utf8').trim();
    expect(token).toBe(c.token);
    for (const answer of [s, await h['live.status'](), await h['live.pending']()]) {
      expect(JSON.stringify(answer)).not.toContain(token);
    }
  });

  it('announces a POSTed batch, serves its bytes, and deletes it on ack', async () => {
    const { c, h } = await start();
    const announced: LiveBatchInfo[] = [];
    forwardNewBatches(c, (b) => announced.push(b));

    const r = await post(c, BODY);
    expect(r.status).toBe(202);
    const id = r.json<{ id: string }>().id;
    expect(announced).toEqual([
      expect.objectContaining({ id, size: Buffer.byteLength(BODY), events: 2, kind: 'http-ndjson' }),
    ]);
    expect(announced[0].contentType).toContain('ndjson');

    const pending = await h['live.pending']();
    expect(pending.map((b) => b.id)).toEqual([id]);
    const bytes = await h['live.read'](id);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes!)).toBe(BODY);
    expect(await h['live.status']()).toMatchObject({ eventsTotal: 2, batchesTotal: 1, spool: { batches: 1 } });

    await h['live.ack'](id);
    expect(await h['live.pending']()).toEqual([]);
    expect(await h['live.read'](id)).toBeNull();
    expect(existsSync(c.spool.dataPath(id))).toBe(false);
    expect((await h['live.status']())!.spool).toEqual({ batches: 0, bytes: 0 });
    // The same batch delivered again after its import is recognised, not spooled twice.
    expect((await post(c, BODY)).json()).toMatchObject({ duplicate: true, imported: true });
    expect(announced).toHaveLength(1);
    await expect(h['live.ack'](id)).resolves.toBeUndefined();
  });

  it('answers bad ids with null instead of throwing', async () => {
    const { h } = await start();
    for (const bad of ['nope', '../../collector-token', 'A'.repeat(64), 42 as unknown as string]) {
      expect(await h['live.read'](bad)).toBeNull();
      await expect(h['live.ack'](bad)).resolves.toBeUndefined();
    }
    expect(await h['live.read']('0'.repeat(64))).toBeNull();
  });

  it('announces syslog batches the same way', async () => {
    const { c } = await start();
    const got = new Promise<LiveBatchInfo>((resolve) => forwardNewBatches(c, resolve));
    const s = connect(c.status().syslog!.port, '127.0.0.1');
    s.end('1767970800.000    120 10.30.0.25 TCP_TUNNEL/200 5230 CONNECT mega.nz:443 erin HIER_DIRECT/203.0.113.7 -\n');
    expect(await got).toMatchObject({ kind: 'syslog', events: 1 });
  });

  it('keeps an unacknowledged batch across a restart', async () => {
    const first = await start();
    const id = (await post(first.c, BODY)).json<{ id: string }>().id;
    expect(await stopCollector(first.c)).toBe('closed');
    const second = await start();
    expect(second.c.token).toBe(first.c.token);
    expect((await second.h['live.pending']()).map((b) => b.id)).toEqual([id]);
    expect(new TextDecoder().decode((await second.h['live.read'](id))!)).toBe(BODY);
  });

  it('moves off ports another program holds, and says so in its errors', async () => {
    const httpTaken = await occupiedPort();
    const syslogTaken = await occupiedPort();
    const { c, h } = await start({ httpPort: httpTaken, syslogPort: syslogTaken });
    const s = (await h['live.session']())!;
    expect(new URL(s.batchesUrl).port).not.toBe(String(httpTaken));
    expect(s.syslog!.port).not.toBe(syslogTaken);
    const messages = (await h['live.status']())!.errors.recent.map((e) => e.message);
    expect(messages).toEqual([
      expect.stringContaining(`Port ${syslogTaken} is in use`),
      expect.stringContaining(`Port ${httpTaken} is in use`),
    ]);
    expect((await post(c, BODY)).status).toBe(202);
  });

  it('runs without syslog when asked', async () => {
    const { h } = await start({ syslogPort: null });
    expect((await h['live.session']())!.syslog).toBeNull();
  });

  it('answers as "not running" when the collector could not start', async () => {
    const h = createLiveHandlers(Promise.resolve(null));
    expect(await h['live.session']()).toBeNull();
    expect(await h['live.pending']()).toEqual([]);
    expect(await h['live.read']('0'.repeat(64))).toBeNull();
    await expect(h['live.ack']('0'.repeat(64))).resolves.toBeUndefined();
    expect(await h['live.status']()).toBeNull();
    expect(await stopCollector(null)).toBe('closed');
  });
});
