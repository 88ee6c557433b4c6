/**
 * A bounded burst on loopback with the collector killed and restarted
 * mid-burst (twice). Senders re-send whatever got no 2xx answer; an engine
 * pulls, imports and acknowledges all along. Every batch must be imported,
 * every event counted once, and a batch served again only when the kill cut
 * off its acknowledgement (the engine's SHA-256 check then makes it a no-op).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Collector } from './collector';
import { sha256Hex } from './spool';
import { bearer, call } from './test-client';

const BATCHES = 240;
const EVENTS_PER_BATCH = 40;
const SENDERS = 8;

const dataDir = mkdtempSync(join(tmpdir(), 'cloudscope-load-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function body(batch: number): string {
  const lines: string[] = [];
  for (let i = 0; i < EVENTS_PER_BATCH; i++) {
    lines.push(
      JSON.stringify({
        Timestamp: new Date(Date.UTC(2026, 0, 5) + batch * 1000 + i).toISOString(),
        DeviceName: `ws-${batch % 17}`,
        ActionType: 'ConnectionSuccess',
        RemoteUrl: 'www.dropbox.com',
        RemoteIP: '162.125.1.18',
        RemotePort: 443,
        ReportId: batch * EVENTS_PER_BATCH + i,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('collector under load with restarts', () => {
  it('loses nothing and counts nothing twice', async () => {
    const bodies = Array.from({ length: BATCHES }, (_, i) => body(i));
    const expectedIds = new Set(bodies.map((b) => sha256Hex(Buffer.from(b))));
    expect(expectedIds.size).toBe(BATCHES);

    let collector = await Collector.start({ dataDir, spool: { maxBatches: 16 } });
    const { port } = await collector.listenHttp(0);
    const auth = bearer(collector.token);
    let up = true;

    const answered = new Map<number, number>(); // batch -> status of its 2xx answer
    let created = 0;
    let duplicates = 0;
    let failedSends = 0;
    let refusedBusy = 0;
    const queue = bodies.map((_, i) => i);

    async function sender(): Promise<void> {
      for (;;) {
        const i = queue.shift();
        if (i === undefined) {
          if (answered.size === BATCHES) return;
          await sleep(5);
          continue;
        }
        const r = await call(port, '/api/collector/batches', {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-ndjson', ...auth },
          body: bodies[i],
        }).catch(() => null); // connection refused or cut: not acknowledged, so send it again
        if (r === null) failedSends++;
        else if (r.status === 202 || r.status === 200) {
          expect(r.json<{ id: string }>().id).toBe(sha256Hex(Buffer.from(bodies[i])));
          if (r.status === 202) created++;
          else duplicates++;
          answered.set(i, r.status);
          continue;
        } else {
          expect(r.status).toBe(429);
          refusedBusy++;
        }
        queue.push(i);
        await sleep(10);
      }
    }

    const imported = new Map<string, number>(); // id -> events
    const redelivered = new Set<string>();
    const ackLost = new Set<string>();
    let engineErrors = 0;
    let engineDone = false;
    async function engine(): Promise<void> {
      // A network error means the collector went away mid-pull: pull again once it is back.
      const get = (path: string, method = 'GET') => call(port, path, { method, headers: auth }).catch(() => null);
      while (!engineDone) {
        const p = up ? await get('/api/collector/pending?limit=16') : null;
        if (!p) {
          if (up) engineErrors++;
          await sleep(5);
          continue;
        }
        const { batches } = p.json<{ batches: { id: string; events: number }[] }>();
        for (const b of batches) {
          const bytes = await get(`/api/collector/batches/${b.id}`);
          if (!bytes) break;
          expect(bytes.status).toBe(200);
          expect(sha256Hex(bytes.body)).toBe(b.id);
          const events = bytes.body.toString('utf8').trim().split('\n').length;
          expect(events).toBe(b.events);
          // The engine's import is idempotent by SHA-256: a batch it already committed adds nothing.
          if (imported.has(b.id)) redelivered.add(b.id);
          else imported.set(b.id, events);
          const ack = await get(`/api/collector/batches/${b.id}/ack`, 'POST');
          if (!ack) {
            ackLost.add(b.id); // the batch may stay pending and come back
            break;
          }
          expect(ack.status).toBe(200);
        }
        if (batches.length === 0) await sleep(5);
      }
    }

    const restarts: { atAnswered: number; reloaded: number }[] = [];
    async function killer(): Promise<void> {
      for (const fraction of [0.3, 0.65]) {
        while (answered.size < BATCHES * fraction) await sleep(2);
        up = false;
        await collector.close(); // connections cut mid-request, in-flight writes finish
        await sleep(30);
        collector = await Collector.start({ dataDir, spool: { maxBatches: 16 } });
        await collector.listenHttp(port);
        restarts.push({ atAnswered: answered.size, reloaded: collector.spool.openReport.batches });
        up = true;
      }
    }

    const engineRun = engine();
    await Promise.all([killer(), ...Array.from({ length: SENDERS }, sender)]);
    while (imported.size < BATCHES) await sleep(5);
    engineDone = true;
    await engineRun;

    expect(restarts).toHaveLength(2);
    expect(restarts[0].atAnswered).toBeLessThan(BATCHES);
    // The kills did land mid-burst: some sends or pulls failed and were retried.
    expect(failedSends + engineErrors).toBeGreaterThan(0);
    // Nothing lost: every batch imported, every event counted.
    expect(new Set(imported.keys())).toEqual(expectedIds);
    expect([...imported.values()].reduce((a, b) => a + b, 0)).toBe(BATCHES * EVENTS_PER_BATCH);
    // Nothing twice: the collector serves a batch again only when its ack was cut off by a kill.
    for (const id of redelivered) expect(ackLost.has(id)).toBe(true);
    expect(created).toBeLessThanOrEqual(BATCHES);
    expect(created + duplicates).toBe(BATCHES);
    expect(answered.size).toBe(BATCHES);
    // The spool filled up at times: senders were told to wait (429) rather than queued without bound.
    expect(refusedBusy).toBeGreaterThan(0);
    // The spool is empty again: only the acknowledgement journal remains.
    expect(collector.spool.usage()).toMatchObject({ batches: 0, bytes: 0 });
    expect(readdirSync(join(dataDir, 'collector-spool'))).toEqual(['acked.log']);
    await collector.close();
  }, 60_000);
});
