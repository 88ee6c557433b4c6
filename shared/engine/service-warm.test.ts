// What an import leaves cached and warms, through the engine's request handlers over fake-indexeddb.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImportRequest } from './protocol';
import { createEngine } from './service';
import { EngineState, type ViewRequest } from './state';

const noSignal = { signal: new AbortController().signal, progress: () => {} };

/** A Squid access log of `n` hourly requests by `tag`'s own clients, users and sites. */
function squid(tag: string, n: number, start = Date.UTC(2026, 4, 1) / 1000): ImportRequest['files'][number] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      `${start + i * 3600}.000    120 10.9.${i % 6}.${i % 3} TCP_TUNNEL/200 ${500 + i} CONNECT www.${tag}-${i % 5}.com:443 ${tag}-u${i % 3} HIER_DIRECT/192.0.2.1 -`,
    );
  }
  const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
  return { name: `${tag}.log`, size: bytes.byteLength, stream: new Blob([bytes]).stream() };
}

const all = (id: string): ViewRequest => ({ report: { id }, window: { preset: 'all' } });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('imports and the report cache', () => {
  it('serves a report from its cache after another source’s import, and afresh after its own', async () => {
    const e = await createEngine({ dbName: 'service-warm-cache', indexedDB, IDBKeyRange });
    const h = e.handlers;
    const a = await h['import.run'](
      { files: [squid('alpha', 40)], source: { name: 'A', kind: 'continuous' } },
      noSignal,
    );
    const d1 = await h['query.dashboard'](all(`source:${a.sourceId}`), noSignal);
    await h['import.run']({ files: [squid('bravo', 30)], source: { name: 'B', kind: 'continuous' } }, noSignal);
    const d2 = await h['query.dashboard'](all(`source:${a.sourceId}`), noSignal);
    // The very summary object of the cached tables: nothing was recomputed for A.
    expect(d2.summary).toBe(d1.summary);
    expect((await h['query.dashboard'](all('global'), noSignal)).summary.transactions).toBe(70);

    await h['import.run'](
      { files: [squid('alpha', 10, Date.UTC(2026, 5, 1) / 1000)], source: { id: a.sourceId, kind: 'continuous' } },
      noSignal,
    );
    const d3 = await h['query.dashboard'](all(`source:${a.sourceId}`), noSignal);
    expect(d3.summary).not.toBe(d1.summary);
    expect(d3.summary.transactions).toBe(50);
    e.close();
  });

  it('shows a cold dashboard’s tables before its risk and signals, a computed one whole', async () => {
    const e = await createEngine({ dbName: 'service-warm-first', indexedDB, IDBKeyRange });
    const h = e.handlers;
    const a = await h['import.run'](
      { files: [squid('alpha', 40)], source: { name: 'A', kind: 'continuous' }, warm: 'view' },
      noSignal,
    );
    // A window nothing warmed: computed now, the tables first.
    const v: ViewRequest = { report: { id: `source:${a.sourceId}` }, window: { preset: '7d' } };
    const first = await h['query.dashboardFirst'](v, noSignal);
    expect(first.riskPending).toBe(true);
    expect(first.riskiestDevices).toEqual([]);
    expect(first.signals).toEqual([]);
    const whole = await h['query.dashboard'](v, noSignal);
    expect(whole.riskPending).toBe(false);
    expect(whole.riskiestDevices.length).toBeGreaterThan(0);
    // The first answer's apps and summary are the whole computation's.
    expect(first.summary).toEqual(whole.summary);
    const show = (d: typeof first) => ({
      traffic: d.topByTraffic.map((x) => [x.name, x.traffic, x.transactions]),
      users: d.topByUsers.map((x) => [x.name, x.users]),
      transactions: d.topByTransactions.map((x) => [x.name, x.transactions]),
      categories: d.categories,
      bands: d.scoreBands,
      timeline: d.timeline,
    });
    expect(show(first)).toEqual(show(whole));
    expect(whole.topByUsers[0].users).toBeGreaterThan(0);
    const again = await h['query.dashboardFirst'](v, noSignal);
    expect(again.riskPending).toBe(false);
    expect(again.riskiestDevices).toEqual(whole.riskiestDevices);
    e.close();
  });

  it('warms every report after a file import, only the view on screen after a live batch', async () => {
    const warm = vi.spyOn(EngineState.prototype, 'prewarm');
    const e = await createEngine({ dbName: 'service-warm-flag', indexedDB, IDBKeyRange });
    const h = e.handlers;
    const a = await h['import.run'](
      { files: [squid('alpha', 20)], source: { name: 'A', kind: 'continuous' } },
      noSignal,
    );
    expect(warm).toHaveBeenLastCalledWith(a.sourceId);
    await h['import.run'](
      { files: [squid('live', 5)], source: { name: 'Live collector', kind: 'continuous' }, warm: 'view' },
      noSignal,
    );
    expect(warm).toHaveBeenCalledTimes(2);
    expect(warm).toHaveBeenLastCalledWith(undefined, true);
    e.close();
  });
});
