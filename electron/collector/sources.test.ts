// The syslog and watched-folder sources, against a real spool on disk.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Collector } from './collector';
import { lineKind } from './syslog';

let dir: string;
let running: Collector[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloudscope-sources-'));
  running = [];
});
afterEach(async () => {
  await Promise.all(running.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

const CEF =
  '<134>Jan 05 10:00:00 fw01 CEF:0|Fortinet|Fortigate|v7.4.3|00013|traffic:forward accept|3|src=10.0.0.5 dst=162.125.1.18 dpt=443 act=accept';
const SQUID =
  '1767607200.123    120 10.0.0.5 TCP_TUNNEL/200 5230 CONNECT www.dropbox.com:443 alice HIER_DIRECT/162.125.1.18 -';
const FORTI =
  '<189>date=2026-01-05 time=10:00:00 devname="fw01" devid="FGT60F" logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.5 dstip=162.125.1.18 dstport=443 action="accept" sentbyte=100 rcvdbyte=200';

describe('syslog over TCP', () => {
  it('sorts lines by kind', () => {
    expect(lineKind(CEF)).toBe('cef');
    expect(lineKind(SQUID)).toBe('squid');
    expect(lineKind(`<13>Jan 05 10:00:00 proxy squid[12]: ${SQUID}`)).toBe('squid');
    expect(lineKind(FORTI)).toBe('fortigate');
    expect(lineKind('hello')).toBe('other');
  });

  it('spools newline-framed lines as one batch per format, split anywhere in the stream', async () => {
    const c = await Collector.start({ dataDir: dir, syslog: { port: 0, flushMs: 50 } });
    running.push(c);
    const port = c.status().syslog!.port;
    expect(c.status().syslog!.host).toBe('127.0.0.1');
    const s = await open(port);
    const text = `${CEF}\r\n${SQUID}\n\n${CEF}\n${FORTI}\n${SQUID}`;
    // Written in small pieces, splitting lines mid-way.
    for (let i = 0; i < text.length; i += 37) s.write(text.slice(i, i + 37));
    s.end();
    await until(() => c.spool.usage().batches === 3);
    const byName = new Map(c.spool.list().map((m) => [m.name.split('-')[1], m]));
    expect(byName.get('cef')).toMatchObject({ kind: 'syslog', events: 2 });
    expect(byName.get('squid')).toMatchObject({ events: 2 });
    expect(byName.get('fortigate')).toMatchObject({ events: 1 });
    expect(readFileSync(c.spool.dataPath(byName.get('squid')!.id), 'utf8')).toBe(`${SQUID}\n${SQUID}\n`);
    expect(readFileSync(c.spool.dataPath(byName.get('cef')!.id), 'utf8')).toBe(`${CEF}\n${CEF}\n`);
    expect(c.status().eventsTotal).toBe(5);
  });

  it('drops an over-long line with an error and keeps the rest', async () => {
    const c = await Collector.start({ dataDir: dir, syslog: { port: 0, flushMs: 20, maxLineBytes: 300 } });
    running.push(c);
    const s = await open(c.status().syslog!.port);
    s.write(`${'x'.repeat(200)}`);
    s.write(`${'x'.repeat(200)}`);
    s.write(`${'y'.repeat(200)}\n${SQUID}\n`);
    s.end();
    await until(() => c.spool.usage().batches === 1);
    expect(c.spool.list()[0].events).toBe(1);
    expect(c.status().errors.recent[0].message).toMatch(/longer than 300 bytes was dropped/);
  });

  it('stops reading a sender while the spool is full and loses nothing once there is room', async () => {
    const c = await Collector.start({
      dataDir: dir,
      spool: { maxBatches: 1 },
      syslog: { port: 0, flushMs: 20, flushBytes: 256 * 1024 },
    });
    running.push(c);
    const s = await open(c.status().syslog!.port);
    const lines = Array.from({ length: 60_000 }, (_, i) => SQUID.replace('1767607200', String(1767607200 + i)));
    s.write(`${lines.join('\n')}\n`);
    await until(() => c.spool.usage().batches === 1);
    // Full: the rest stays with the sender (TCP backpressure), not in a growing queue here.
    await new Promise((r) => setTimeout(r, 150));
    expect(c.spool.usage().batches).toBe(1);
    expect(s.writableLength).toBeGreaterThan(0);
    const got: string[] = [];
    let batches = 0;
    while (got.length < lines.length) {
      await until(() => c.spool.usage().batches === 1);
      const [m] = c.spool.list();
      got.push(...readFileSync(c.spool.dataPath(m.id), 'utf8').trim().split('\n'));
      await c.spool.ack(m.id);
      batches++;
    }
    s.end();
    expect(got).toEqual(lines);
    expect(batches).toBeGreaterThan(10);
  });

  it('accepts loopback only', async () => {
    await expect(Collector.start({ dataDir: dir, host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(/loopback only/);
  });
});

describe('watched folder', () => {
  it('spools a file once it has settled, then only what is appended, and not again after a restart', async () => {
    const watched = join(dir, 'incoming');
    mkdirSync(watched);
    const opts = { dataDir: join(dir, 'data'), folder: { path: watched, settleMs: 60, pollMs: 20 } };
    const c = await Collector.start(opts);
    running.push(c);
    expect(c.status().folder!.path).toBe(watched);
    writeFileSync(join(watched, 'access.log.1'), `${SQUID}\n${SQUID}\n`);
    writeFileSync(join(watched, 'access.log.2.part'), `${SQUID}\n`); // still being copied: ignored
    writeFileSync(join(watched, '.hidden'), `${SQUID}\n`);
    await until(() => c.spool.usage().batches === 1);
    const [first] = c.spool.list();
    expect(first).toMatchObject({ kind: 'folder', name: 'access.log.1', events: 2 });

    appendFileSync(join(watched, 'access.log.1'), `${SQUID.replace('TCP_TUNNEL', 'TCP_MISS')}\n`);
    await until(() => c.spool.usage().batches === 2);
    const second = c.spool.list()[1];
    expect(second.events).toBe(1);
    expect(readFileSync(c.spool.dataPath(second.id), 'utf8')).toBe(`${SQUID.replace('TCP_TUNNEL', 'TCP_MISS')}\n`);
    expect(second.name).toMatch(/^access\.log\.1 \(bytes \d+–\d+\)$/);
    await c.close();

    const again = await Collector.start(opts);
    running.push(again);
    await again.folderWatcher!.scan();
    await new Promise((r) => setTimeout(r, 150));
    await again.folderWatcher!.scan();
    expect(again.spool.list().map((m) => m.id)).toEqual([first.id, second.id]);
    writeFileSync(join(watched, 'access.log.2'), `${SQUID}\n${SQUID}\n${SQUID}\n`);
    await until(() => again.spool.usage().batches === 3);
    expect(again.spool.list()[2]).toMatchObject({ name: 'access.log.2', events: 3 });
  });

  it('follows a rotation: the renamed file yields only its new lines, the new file all of its own', async () => {
    const watched = join(dir, 'rotating');
    mkdirSync(watched);
    const c = await Collector.start({
      dataDir: join(dir, 'data'),
      folder: { path: watched, settleMs: 60, pollMs: 20 },
    });
    running.push(c);
    const line = (n: number) => SQUID.replace('1767607200', String(1767607200 + n));
    writeFileSync(join(watched, 'access.log'), `${line(1)}\n${line(2)}\n`);
    await until(() => c.spool.usage().batches === 1);
    appendFileSync(join(watched, 'access.log'), `${line(3)}\n`);
    renameSync(join(watched, 'access.log'), join(watched, 'access.log.1'));
    writeFileSync(join(watched, 'access.log'), `${line(4)}\n`);
    await until(() => c.spool.usage().batches === 3);
    const texts = c.spool.list().map((m) => readFileSync(c.spool.dataPath(m.id), 'utf8'));
    expect(texts[0]).toBe(`${line(1)}\n${line(2)}\n`);
    expect(texts.slice(1).sort()).toEqual([`${line(3)}\n`, `${line(4)}\n`].sort());
    await new Promise((r) => setTimeout(r, 200));
    expect(c.spool.usage().batches).toBe(3);
  });

  it('refuses a watched path that is not a folder', async () => {
    await expect(Collector.start({ dataDir: dir, folder: { path: join(dir, 'missing') } })).rejects.toThrow(
      /is not a folder/,
    );
  });
});
