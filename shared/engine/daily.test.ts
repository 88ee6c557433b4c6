// Daily rollups from the working set: sums, unknown bytes kept unknown, hours, distinct counts, filters.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/loader';
import { createMatcher } from '../catalog/matcher';
import { createScorer } from '../catalog/score';
import { type AppContext, byDayAndEntity, computeDaily, entityTotals, IntMap, narrowSums } from './daily';
import { computeTables } from './query';
import { FIXTURE_T0, type FixtureFact, fixtureApp, fixtureCatalog, fixtureWorkingSet } from './risk-fixture';

const DAY = 86_400_000;
const D0 = FIXTURE_T0 / DAY;
const catalog = loadCatalog(
  [
    fixtureCatalog([
      fixtureApp('teamwork', 'Teamwork', ['teams.example', 'teams-cdn.example']),
      fixtureApp('pki', 'PKI', ['ocsp.example-pki.com'], { category: 'Infrastructure', noise: true }),
    ]),
  ],
  [],
);
const ctx: AppContext = {
  matcher: createMatcher(catalog),
  scorer: createScorer(catalog.date, {}),
  tags: { teamwork: ['Sanctioned'] },
  overrides: { teamwork: { score: 8, note: 'reviewed' } },
};

const facts: FixtureFact[] = [
  {
    day: 0,
    hour: 9,
    device: 'd1',
    deviceName: 'PC-1',
    user: 'ann',
    ip: '10.0.0.1',
    host: 'teams.example',
    tx: 10,
    up: 100,
    down: 1000,
  },
  { day: 0, hour: 10, device: 'd1', deviceName: 'PC-1', user: 'ann', ip: '10.0.0.1', host: 'teams-cdn.example', tx: 5 },
  {
    day: 0,
    hour: 23,
    device: 'd1',
    deviceName: 'PC-1',
    user: 'ann',
    ip: '10.0.0.1',
    host: 'ocsp.example-pki.com',
    tx: 2,
    up: 50,
  },
  { day: 0, hour: 11, device: 'd2', user: 'bob', ip: '10.0.0.2', host: 'www.news.example.co.uk', tx: 3 },
  {
    day: 1,
    hour: 9,
    device: 'd1',
    deviceName: 'PC-1',
    user: 'bob',
    ip: '10.0.0.1',
    host: 'teams.example',
    tx: 7,
    up: 70,
  },
  { day: 1, hour: 9, device: 'd2', user: 'bob', ip: '10.0.0.2', host: 'teams.example', tx: 1, source: 'src-other' },
];

describe('computeDaily', () => {
  const daily = computeDaily(fixtureWorkingSet(facts), ctx);

  it('derives apps through the matcher, with score, tags and noise', () => {
    expect(daily.apps.map((a) => [a.key, a.name, a.score, a.noData, a.sanction, a.noise])).toEqual([
      ['teamwork', 'Teamwork', 8, false, 'Sanctioned', false],
      ['pki', 'PKI', 0, true, null, true],
      ['?example.co.uk', 'example.co.uk', null, false, null, false],
    ]);
    expect([daily.firstDay, daily.lastDay]).toEqual([D0, D0 + 1]);
  });

  it("judges an app as its table row does: an overridden score is data, not 'no risk data'", () => {
    const rows = computeTables(fixtureWorkingSet(facts), ctx).apps;
    for (const a of daily.apps) {
      const row = rows.find((r) => r.key === a.key);
      expect([a.key, row?.score, row?.noData]).toEqual([a.key, a.score, a.noData]);
    }
    // Without its override, Teamwork (no known attribute) has no risk data in both.
    const plain = { ...ctx, overrides: {} };
    expect(computeDaily(fixtureWorkingSet(facts), plain).apps[0]).toMatchObject({ key: 'teamwork', noData: true });
    expect(computeTables(fixtureWorkingSet(facts), plain).apps.find((r) => r.key === 'teamwork')?.noData).toBe(true);
  });

  it('rolls each (device, app, day) up, keeping bytes unknown where no fact knew them', () => {
    const r = daily.device;
    const rows = Array.from({ length: r.rows.n }, (_, i) => [
      r.labels[r.rows.entity[i]],
      daily.apps[r.rows.app[i]].name,
      r.rows.day[i] - D0,
      r.rows.transactions[i],
      r.rows.up[i],
      r.rows.hours[i],
    ]);
    expect(rows).toEqual([
      ['PC-1', 'Teamwork', 0, 15, 100, (1 << 9) | (1 << 10)],
      ['PC-1', 'PKI', 0, 2, 50, 1 << 23],
      ['d2', 'example.co.uk', 0, 3, Number.NaN, 1 << 11],
      ['PC-1', 'Teamwork', 1, 7, 70, 1 << 9],
      ['d2', 'Teamwork', 1, 1, Number.NaN, 1 << 9],
    ]);
  });

  it('keeps per-(entity, day) totals and hours without infrastructure noise', () => {
    const d = daily.device.days;
    const pc1day0 = 0;
    expect(daily.device.keys[d.entity[pc1day0]]).toBe('d1');
    expect([d.transactions[pc1day0], d.up[pc1day0], d.down[pc1day0], d.apps[pc1day0]]).toEqual([15, 100, 1000, 1]);
    expect(d.hourTx[pc1day0 * 24 + 9]).toBe(10);
    expect(d.hourTx[pc1day0 * 24 + 10]).toBe(5);
    expect(d.hourTx[pc1day0 * 24 + 23]).toBe(0);
    expect(entityTotals(daily.user).get('bob')).toEqual({ transactions: 11, up: 70, down: Number.NaN, days: 2 });
    expect(entityTotals(daily.user, D0 + 1).get('ann')).toBeUndefined();
  });

  it('counts distinct devices, users and IPs per (app, day)', () => {
    const a = daily.app;
    const row = (name: string, day: number) => {
      for (let i = 0; i < a.n; i++) if (daily.apps[a.app[i]].name === name && a.day[i] === D0 + day) return i;
      throw new Error(`no row ${name} ${day}`);
    };
    const t1 = row('Teamwork', 1);
    expect([a.transactions[t1], a.devices[t1], a.users[t1], a.ips[t1], a.up[t1]]).toEqual([8, 2, 1, 2, 70]);
    const t0 = row('Teamwork', 0);
    expect([a.transactions[t0], a.devices[t0], a.users[t0], a.ips[t0]]).toEqual([15, 1, 1, 1]);
  });

  it('filters by data source and window', () => {
    const one = computeDaily(fixtureWorkingSet(facts), { ...ctx, sources: new Set(['src-other']) });
    expect(one.device.rows.n).toBe(1);
    const day1 = computeDaily(fixtureWorkingSet(facts), { ...ctx, from: FIXTURE_T0 + DAY });
    expect(day1.firstDay).toBe(D0 + 1);
    expect(day1.device.days.n).toBe(2);
    const none = computeDaily(fixtureWorkingSet(facts), { ...ctx, from: FIXTURE_T0 + 5 * DAY });
    expect([none.firstDay, none.device.keys.length, none.app.n]).toEqual([null, 0, 0]);
  });
});

describe('computeDaily on stray timestamps', () => {
  it('keeps days decades apart distinct instead of failing', () => {
    const daily = computeDaily(
      fixtureWorkingSet([
        { day: -20_000, hour: 0, device: 'd1', host: 'teams.example', tx: 1 },
        { day: 0, hour: 9, device: 'd1', host: 'teams.example', tx: 2 },
        { day: 0, hour: 9, device: 'd2', host: 'teams.example', tx: 4 },
      ]),
      ctx,
    );
    expect(daily.lastDay! - daily.firstDay!).toBe(20_000);
    expect(Array.from(daily.device.rows.transactions)).toEqual([1, 2, 4]);
    expect(Array.from(daily.app.devices)).toEqual([1, 2]);
  });
});

describe('computeDaily row order', () => {
  it('numbers entities, days and rows in the order of their first fact, whatever the grouping', () => {
    const daily = computeDaily(
      fixtureWorkingSet([
        { day: 2, hour: 9, device: 'd2', host: 'teams.example', tx: 1 },
        { day: 0, hour: 9, device: 'd1', host: 'www.news.example.co.uk', tx: 2 },
        { day: 2, hour: 10, device: 'd1', host: 'teams.example', tx: 3 },
        { day: 0, hour: 11, device: 'd2', host: 'teams.example', tx: 4 },
        { day: 2, hour: 11, device: 'd2', host: 'teams.example', tx: 5 },
        { day: 0, hour: 12, device: 'd1', host: 'teams.example', tx: 6 },
      ]),
      ctx,
    );
    const d = daily.device;
    expect(d.keys).toEqual(['d2', 'd1']);
    const days = Array.from(d.days.day, (x, i) => [d.keys[d.days.entity[i]], x - D0, d.days.transactions[i]]);
    expect(days).toEqual([
      ['d2', 2, 6],
      ['d1', 0, 8],
      ['d1', 2, 3],
      ['d2', 0, 4],
    ]);
    const rows = Array.from(d.rows.day, (x, i) => [d.keys[d.rows.entity[i]], x - D0, d.rows.transactions[i]]);
    expect(rows).toEqual([
      ['d2', 2, 6],
      ['d1', 0, 2],
      ['d1', 2, 3],
      ['d2', 0, 4],
      ['d1', 0, 6],
    ]);
    expect(Array.from(d.days.hourTx.subarray(0, 24)).filter((x) => x > 0)).toEqual([1, 5]);
  });
});

describe('IntMap', () => {
  it('keeps composite keys past 2^32 apart, overwrites, and grows without losing any', () => {
    const m = new IntMap(2);
    const keys: number[] = [];
    for (let i = 0; i < 5000; i++) keys.push(i * 2 ** 33 + (i % 7), i * 1_000_003, 2 ** 52 - i);
    for (const [v, k] of keys.entries()) m.set(k, v);
    expect(m.size).toBe(new Set(keys).size);
    const last = new Map<number, number>();
    for (const [v, k] of keys.entries()) last.set(k, v);
    for (const [k, v] of last) expect(m.get(k)).toBe(v);
    expect(m.get(2 ** 33 + 2)).toBe(-1);
    m.set(0, 42);
    expect(m.get(0)).toBe(42);
  });
});

describe('narrow rollup columns', () => {
  it('keeps sums in float32 only when every value reads back the same', () => {
    const exact = narrowSums(Float64Array.from([0, 3, 2 ** 24, Number.NaN, 0.5]));
    expect(exact).toBeInstanceOf(Float32Array);
    expect(Array.from(exact)).toEqual([0, 3, 2 ** 24, Number.NaN, 0.5]);
    for (const v of [2 ** 24 + 1, 0.1, 5e9 + 1]) {
      const wide = Float64Array.from([1, v]);
      expect(narrowSums(wide)).toBe(wide);
    }
  });

  it('holds ids in 16 bits and whole counts in float32 when they fit, bytes past 2^24 in float64', () => {
    const daily = computeDaily(fixtureWorkingSet(facts), ctx);
    expect(daily.device.rows.entity).toBeInstanceOf(Uint16Array);
    expect(daily.device.rows.app).toBeInstanceOf(Uint16Array);
    expect(daily.device.rows.transactions).toBeInstanceOf(Float32Array);
    const big = computeDaily(
      fixtureWorkingSet([{ day: 0, hour: 9, device: 'd1', host: 'teams.example', tx: 1, up: 2 ** 24 + 1 }]),
      ctx,
    );
    expect(big.device.rows.up).toBeInstanceOf(Float64Array);
    expect(big.device.rows.up[0]).toBe(2 ** 24 + 1);
  });
});

describe('byDayAndEntity', () => {
  it('orders facts by day, entity and arrival, and numbers each (day, entity) pair, in one sort or in two alike', () => {
    let seed = 5;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const n = 3000;
    const entities = 37;
    const days = 11;
    // A fifth of the facts have no entity (-1): not in `facts`.
    const entityOf = Int32Array.from({ length: n }, () => (rnd(5) === 0 ? -1 : rnd(entities)));
    const dayRank = Int32Array.from({ length: n }, () => rnd(days));
    const facts = Int32Array.from(Array.from({ length: n }, (_, k) => k).filter((k) => entityOf[k] >= 0));
    const expected = [...facts].sort((a, b) => dayRank[a] - dayRank[b] || entityOf[a] - entityOf[b] || a - b);
    const one = byDayAndEntity(facts, entityOf, dayRank, entities, days);
    const two = byDayAndEntity(facts, entityOf, dayRank, entities, days, 0);
    for (const { order, group } of [one, two]) {
      expect([...order]).toEqual(expected);
      for (let q = 1; q < order.length; q++) {
        const [a, b] = [order[q - 1], order[q]];
        const samePair = entityOf[a] === entityOf[b] && dayRank[a] === dayRank[b];
        expect(group[a] === group[b]).toBe(samePair);
      }
    }
    // The two-sort path numbers pairs 0, 1, 2 … in order (no product that may not fit 32 bits).
    expect(two.group[two.order[0]]).toBe(0);
    expect(two.group[two.order[two.order.length - 1]]).toBe(
      new Set(facts.map((k) => dayRank[k] * entities + entityOf[k])).size - 1,
    );
  });
});
