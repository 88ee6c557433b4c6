import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBatchBody } from './batch-body';
import { Collector, type CollectorOptions } from './collector';
import { Spool, sha256Hex } from './spool';
import { CollectorStats } from './stats';
import { bearer, call } from './test-client';
import { bearerMatches, loadOrCreateToken } from './token';

let dir: string;
let running: Collector[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloudscope-collector-'));
  running = [];
});
afterEach(async () => {
  await Promise.all(running.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(o: Partial<CollectorOptions> = {}) {
  const c = await Collector.start({ dataDir: dir, ...o });
  running.push(c);
  const http = await c.listenHttp(0);
  return { c, port: http.port, auth: bearer(c.token) };
}

function defenderRow(i: number): string {
  return JSON.stringify({
    Timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, i)).toISOString(),
    DeviceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    DeviceName: 'ws-01.contoso.local',
    ActionType: 'ConnectionSuccess',
    RemoteIP: '162.125.1.18',
    RemotePort: 443,
    RemoteUrl: 'www.dropbox.com',
    LocalIP: '10.0.0.5',
    LocalPort: 50000 + i,
    Protocol: 'Tcp',
    InitiatingProcessFileName: 'chrome.exe',
    InitiatingProcessAccountName: 'alice',
    ReportId: 1000 + i,
  });
}
const ndjson = (n: number, from = 0) => `${Array.from({ length: n }, (_, i) => defenderRow(from + i)).join('\n')}\n`;
const NDJSON = { 'Content-Type': 'application/x-ndjson' };

describe('collector token', () => {
  it('is 32 random bytes in hex, in a 0600 file, and the same after a restart', async () => {
    const a = await loadOrCreateToken(dir);
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    if (process.platform !== 'win32') expect(statSync(a.path).mode & 0o777).toBe(0o600);
    const b = await loadOrCreateToken(dir);
    expect(b.token).toBe(a.token);
    const other = mkdtempSync(join(tmpdir(), 'cloudscope-collector-'));
    expect((await loadOrCreateToken(other)).token).not.toBe(a.token);
    rmSync(other, { recursive: true, force: true });
  });
  it('refuses a token file that does not hold a token', async () => {
    writeFileSync(join(dir, 'collector-token'), 'not a token');
    await expect(loadOrCreateToken(dir)).rejects.toThrow(/does not hold a collector token/);
  });
  it('compares bearer tokens strictly', () => {
    const t = 'ab'.repeat(32);
    expect(bearerMatches(`Bearer ${t}`, t)).toBe(true);
    expect(bearerMatches(`Bearer ${t.toUpperCase()}`, t)).toBe(true);
    expect(bearerMatches(`Bearer ${'cd'.repeat(32)}`, t)).toBe(false);
    expect(bearerMatches(`Basic ${t}`, t)).toBe(false);
    expect(bearerMatches(`Bearer ${t.slice(1)}`, t)).toBe(false);
    expect(bearerMatches(undefined, t)).toBe(false);
  });
});

describe('batch bodies', () => {
  it('counts NDJSON events and streaming-API records, and says why a body is refused', () => {
    expect(checkBatchBody('application/x-ndjson; charset=utf-8', Buffer.from('{"a":1}\n\n{"b":2}'))).toMatchObject({
      ok: true,
      events: 2,
    });
    expect(checkBatchBody('application/json', Buffer.from('{"records":[{"a":1},{"b":2},{"c":3}]}'))).toMatchObject({
      ok: true,
      kind: 'http-json',
      events: 3,
    });
    expect(checkBatchBody('application/x-ndjson', Buffer.from('{"a":1}\n[1]\n'))).toMatchObject({
      ok: false,
      status: 400,
      message: 'Line 2 is not a JSON object.',
    });
    expect(checkBatchBody('application/x-ndjson', Buffer.from('{"a":1}\nnope\n'))).toMatchObject({ status: 400 });
    expect(checkBatchBody('application/json', Buffer.from('[{"a":1}]'))).toMatchObject({ status: 400 });
    expect(checkBatchBody('application/json', Buffer.from('{"records":[]}'))).toMatchObject({ status: 400 });
    expect(checkBatchBody('text/plain', Buffer.from('{"a":1}'))).toMatchObject({ status: 415 });
    expect(checkBatchBody('application/json; charset=latin1', Buffer.from('{"records":[{}]}'))).toMatchObject({
      status: 415,
    });
    expect(checkBatchBody('application/x-ndjson', Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ status: 400 });
  });
});

describe('collector HTTP API', () => {
  it('listens on loopback only and refuses requests without the token (401)', async () => {
    const { c, port } = await start();
    expect(c.status().batchesUrl).toBe(`http://127.0.0.1:${port}/api/collector/batches`);
    const none = await call(port, '/api/collector/batches', { method: 'POST', headers: NDJSON, body: ndjson(1) });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    const wrong = await call(port, '/api/collector/pending', { headers: bearer('00'.repeat(32)) });
    expect(wrong.status).toBe(401);
    expect(c.spool.usage().batches).toBe(0);
    expect(c.status().refused.unauthorized).toBe(2);
  });

  it('refuses a foreign Host or Origin even with the token (403: DNS rebinding, cross-site pages)', async () => {
    const { port, auth } = await start();
    const post = (headers: Record<string, string>) =>
      call(port, '/api/collector/batches', {
        method: 'POST',
        headers: { ...NDJSON, ...auth, ...headers },
        body: ndjson(1),
      });
    expect((await post({ Host: `evil.example:${port}` })).status).toBe(403);
    expect((await post({ Host: `127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await post({ Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ Origin: `http://localhost:${port}` })).status).toBe(202);
  });

  it('stores a batch before answering 202, and answers a repeated delivery 200 duplicate', async () => {
    const { c, port, auth } = await start();
    const body = ndjson(5);
    const first = await call(port, '/api/collector/batches', { method: 'POST', headers: { ...NDJSON, ...auth }, body });
    expect(first.status).toBe(202);
    const id = sha256Hex(Buffer.from(body));
    expect(first.json()).toMatchObject({ id, duplicate: false, events: 5 });
    // On disk by the time the answer arrived:
    expect(readFileSync(join(dir, 'collector-spool', `${id}.data`), 'utf8')).toBe(body);
    const again = await call(port, '/api/collector/batches', { method: 'POST', headers: { ...NDJSON, ...auth }, body });
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ id, duplicate: true });
    expect(c.spool.usage().batches).toBe(1);
    const st = c.status();
    expect(st.eventsTotal).toBe(5);
    expect(st.eventsPerSecond).toBeGreaterThan(0);
    expect(st.lastBatchAt).not.toBeNull();
    expect(st.refused.duplicate).toBe(1);
  });

  it('takes the streaming-API JSON shape and refuses other media types (415) and bad bodies (400)', async () => {
    const { port, auth } = await start();
    const doc = JSON.stringify({ records: [{ category: 'AdvancedHunting-DeviceNetworkEvents', properties: {} }] });
    const ok = await call(port, '/api/collector/batches', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: doc,
    });
    expect(ok.status).toBe(202);
    expect(ok.json()).toMatchObject({ events: 1 });
    const text = await call(port, '/api/collector/batches', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', ...auth },
      body: 'x',
    });
    expect(text.status).toBe(415);
    const bad = await call(port, '/api/collector/batches', {
      method: 'POST',
      headers: { ...NDJSON, ...auth },
      body: '{"a":1}\n{oops\n',
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'Line 2 is not JSON: send one JSON object per line.' });
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const { c, port, auth } = await start({ http: { maxBodyBytes: 1000 } });
    const big = ndjson(20);
    expect(big.length).toBeGreaterThan(1000);
    const declared = await call(port, '/api/collector/batches', {
      method: 'POST',
      headers: { ...NDJSON, ...auth },
      body: big,
    });
    expect(declared.status).toBe(413);
    const streamed = await call(port, '/api/collector/batches', {
      method: 'POST',
      headers: { ...NDJSON, ...auth },
      body: big,
      chunked: true,
    });
    expect(streamed.status).toBe(413);
    expect(c.spool.usage().batches).toBe(0);
    expect(c.status().refused.tooLarge).toBe(2);
  });

  it('answers 429 with Retry-After when the spool is full, and takes batches again once one is acknowledged', async () => {
    const { c, port, auth } = await start({ spool: { maxBatches: 2 } });
    const post = (n: number) =>
      call(port, '/api/collector/batches', { method: 'POST', headers: { ...NDJSON, ...auth }, body: ndjson(1, n) });
    expect((await post(1)).status).toBe(202);
    const second = await post(2);
    expect(second.status).toBe(202);
    const full = await post(3);
    expect(full.status).toBe(429);
    expect(full.headers['retry-after']).toBe('5');
    const ack = await call(port, `/api/collector/batches/${second.json().id}/ack`, { method: 'POST', headers: auth });
    expect(ack.status).toBe(200);
    expect((await post(3)).status).toBe(202);
    expect(c.status().refused.busy).toBe(1);
  });

  it('answers 429 when the spool has no room in bytes', async () => {
    const { port, auth } = await start({ spool: { maxBytes: 800 } });
    const post = (n: number) =>
      call(port, '/api/collector/batches', { method: 'POST', headers: { ...NDJSON, ...auth }, body: ndjson(2, n) });
    expect((await post(0)).status).toBe(202);
    expect((await post(10)).status).toBe(429);
  });

  it('answers 429 when too many uploads are being read at once', async () => {
    const { port, auth } = await start({ http: { maxConcurrentUploads: 1 } });
    const body = ndjson(3);
    // A sender that has sent headers and half its body holds the only upload slot.
    const slow = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/collector/batches',
      agent: false,
      headers: { ...NDJSON, ...auth, 'Content-Length': String(body.length) },
    });
    const slowAnswer = new Promise<number>((resolve, reject) => {
      slow.on('response', (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    slow.write(body.slice(0, 100));
    await new Promise((r) => setTimeout(r, 100));
    const second = await call(port, '/api/collector/batches', {
      method: 'POST',
      headers: { ...NDJSON, ...auth },
      body: ndjson(1, 50),
    });
    expect(second.status).toBe(429);
    slow.end(body.slice(100));
    expect(await slowAnswer).toBe(202);
  });

  it('lets the engine list, fetch and acknowledge batches; an ack deletes the files', async () => {
    const { c, port, auth } = await start();
    const bodies = [ndjson(2, 0), ndjson(3, 10)];
    const ids: string[] = [];
    for (const body of bodies) {
      const r = await call(port, '/api/collector/batches', { method: 'POST', headers: { ...NDJSON, ...auth }, body });
      ids.push(r.json<{ id: string }>().id);
    }
    const pending = await call(port, '/api/collector/pending', { headers: auth });
    expect(pending.status).toBe(200);
    const list = pending.json<{
      batches: { id: string; size: number; events: number; kind: string }[];
      total: number;
    }>();
    expect(list.total).toBe(2);
    expect(list.batches.map((b) => b.id)).toEqual(ids);
    expect(list.batches.map((b) => b.events)).toEqual([2, 3]);
    expect(list.batches[0]).toMatchObject({ size: Buffer.byteLength(bodies[0]), kind: 'http-ndjson' });

    const bytes = await call(port, `/api/collector/batches/${ids[1]}`, { headers: auth });
    expect(bytes.status).toBe(200);
    expect(bytes.headers['content-type']).toBe('application/x-ndjson');
    expect(bytes.body.toString('utf8')).toBe(bodies[1]);
    expect(decodeURIComponent(String(bytes.headers['x-cloudscope-batch-name']))).toMatch(/^live-.*\.ndjson$/);

    const ack = await call(port, `/api/collector/batches/${ids[1]}/ack`, { method: 'POST', headers: auth });
    expect(ack.json()).toEqual({ id: ids[1], acked: true, deleted: true });
    expect(existsSync(join(dir, 'collector-spool', `${ids[1]}.data`))).toBe(false);
    expect(existsSync(join(dir, 'collector-spool', `${ids[1]}.json`))).toBe(false);
    expect((await call(port, `/api/collector/batches/${ids[1]}`, { headers: auth })).status).toBe(404);
    const again = await call(port, `/api/collector/batches/${ids[1]}/ack`, { method: 'POST', headers: auth });
    expect(again.json()).toEqual({ id: ids[1], acked: true, deleted: false });
    // The sender repeating an imported batch is a no-op too.
    const resent = await call(port, '/api/collector/batches', {
      method: 'POST',
      headers: { ...NDJSON, ...auth },
      body: bodies[1],
    });
    expect(resent.status).toBe(200);
    expect(resent.json()).toMatchObject({ duplicate: true, imported: true });
    expect(c.spool.list().map((b) => b.id)).toEqual([ids[0]]);
    expect(
      (await call(port, `/api/collector/batches/${'0'.repeat(64)}/ack`, { method: 'POST', headers: auth })).status,
    ).toBe(404);
    expect((await call(port, '/api/collector/batches/not-an-id', { headers: auth })).status).toBe(400);
    expect((await call(port, '/api/collector/batches', { headers: auth })).status).toBe(405);
  });

  it('keeps the spool across a restart', async () => {
    const first = await start();
    const body = ndjson(4);
    const r = await call(first.port, '/api/collector/batches', {
      method: 'POST',
      headers: { ...NDJSON, ...first.auth },
      body,
    });
    const id = r.json<{ id: string }>().id;
    await first.c.close();
    const second = await start();
    expect(second.c.token).toBe(first.c.token);
    expect(second.c.spool.list()).toMatchObject([{ id, events: 4, kind: 'http-ndjson' }]);
    const bytes = await call(second.port, `/api/collector/batches/${id}`, { headers: second.auth });
    expect(bytes.body.toString('utf8')).toBe(body);
  });

  it('announces new and imported batches over server-sent events', async () => {
    const { port, auth } = await start();
    const seen: string[] = [];
    let buffer = '';
    const gotBoth = new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/collector/events',
          agent: false,
          headers: { ...auth, Host: `127.0.0.1:${port}` },
        },
        (res) => {
          expect(res.headers['content-type']).toContain('text/event-stream');
          res.setEncoding('utf8');
          res.on('data', (t: string) => {
            buffer += t;
            for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
              const ev = buffer.slice(0, i);
              buffer = buffer.slice(i + 2);
              const name = /^event: (\w+)$/m.exec(ev)?.[1];
              if (name) seen.push(name);
              if (name === 'hello') {
                void call(port, '/api/collector/batches', {
                  method: 'POST',
                  headers: { ...NDJSON, ...auth },
                  body: ndjson(1),
                }).then((r) =>
                  call(port, `/api/collector/batches/${r.json<{ id: string }>().id}/ack`, {
                    method: 'POST',
                    headers: auth,
                  }),
                );
              }
              if (name === 'ack') {
                req.destroy();
                resolve();
              }
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    await gotBoth;
    expect(seen).toEqual(['hello', 'batch', 'ack']);
  });

  it('reports its status to the token holder', async () => {
    const { port, auth } = await start();
    expect((await call(port, '/api/collector/status')).status).toBe(401);
    const s = await call(port, '/api/collector/status', { headers: auth });
    expect(s.status).toBe(200);
    expect(s.json()).toMatchObject({
      eventsPerSecond: 0,
      lastBatchAt: null,
      spool: { batches: 0, bytes: 0 },
      tokenFile: join(dir, 'collector-token'),
      batchesUrl: `http://127.0.0.1:${port}/api/collector/batches`,
    });
  });
});

describe('spool durability', () => {
  it('sweeps what a crash left half-written and finishes an interrupted ack', async () => {
    const spoolDir = join(dir, 'spool');
    const s1 = await Spool.open(spoolDir);
    const a = await s1.put(Buffer.from('{"a":1}\n'), { kind: 'http-ndjson', contentType: 'x', name: 'a', events: 1 });
    const b = await s1.put(Buffer.from('{"b":1}\n'), { kind: 'http-ndjson', contentType: 'x', name: 'b', events: 1 });
    await s1.close();
    // A crash mid-write leaves a temp file, or metadata whose data never landed;
    // a crash mid-ack leaves a journalled id whose files still exist.
    writeFileSync(join(spoolDir, `${'c'.repeat(64)}.123.tmp`), 'partial');
    writeFileSync(join(spoolDir, `${'d'.repeat(64)}.json`), '{}');
    writeFileSync(join(spoolDir, 'acked.log'), `${b.meta.id}\n`);
    const s2 = await Spool.open(spoolDir);
    expect(s2.openReport).toEqual({ batches: 1, swept: 2, completedAcks: 1 });
    expect(s2.list().map((m) => m.id)).toEqual([a.meta.id]);
    expect(readdirSync(spoolDir).sort()).toEqual([`${a.meta.id}.data`, `${a.meta.id}.json`, 'acked.log'].sort());
    expect(s2.isAcked(b.meta.id)).toBe(true);
  });

  it('keeps the acknowledged-id journal bounded', async () => {
    const s = await Spool.open(join(dir, 'spool'), { ackedMemory: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await s.put(Buffer.from(`{"i":${i}}\n`), {
        kind: 'http-ndjson',
        contentType: 'x',
        name: 'n',
        events: 1,
      });
      ids.push(r.meta.id);
      await s.ack(r.meta.id);
    }
    const lines = readFileSync(join(dir, 'spool', 'acked.log'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines.at(-1)).toBe(ids[9]);
    expect(s.isAcked(ids[9])).toBe(true);
    expect(s.isAcked(ids[0])).toBe(false);
  });

  it('copies a file range into the spool without holding it in memory, counting lines', async () => {
    const s = await Spool.open(join(dir, 'spool'));
    const src = join(dir, 'access.log');
    writeFileSync(src, 'line one\n\nline two\nline three');
    const whole = await s.putFileRange(src, 0, statSync(src).size, {
      kind: 'folder',
      contentType: 't',
      name: 'access.log',
    });
    expect(whole.meta).toMatchObject({ events: 3, size: statSync(src).size, id: sha256Hex(readFileSync(src)) });
    const tail = await s.putFileRange(src, 10, statSync(src).size, { kind: 'folder', contentType: 't', name: 'tail' });
    expect(readFileSync(s.dataPath(tail.meta.id), 'utf8')).toBe('line two\nline three');
    expect(tail.meta.events).toBe(2);
    const dup = await s.putFileRange(src, 0, statSync(src).size, { kind: 'folder', contentType: 't', name: 'again' });
    expect(dup.duplicate).toBe(true);
    expect(readdirSync(join(dir, 'spool')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('collector stats', () => {
  it('computes events per second over the last ten seconds', () => {
    let now = 1_000_000;
    const s = new CollectorStats(() => now);
    s.batch(50);
    now += 1000;
    s.batch(50);
    expect(s.snapshot().eventsPerSecond).toBe(10);
    now += 9500;
    expect(s.snapshot().eventsPerSecond).toBe(5);
    now += 60_000;
    expect(s.snapshot()).toMatchObject({
      eventsPerSecond: 0,
      eventsTotal: 100,
      batchesTotal: 2,
      lastBatchAt: 1_001_000,
    });
    for (let i = 0; i < 30; i++) s.error('http', `e${i}`);
    expect(s.snapshot().errors.count).toBe(30);
    expect(s.snapshot().errors.recent).toHaveLength(20);
  });
});
