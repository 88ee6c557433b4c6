// computeTables against a plain reference (Sets and Maps, one fact at a time) on a shuffled, gappy working set.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/loader';
import { createMatcher } from '../catalog/matcher';
import { createScorer } from '../catalog/score';
import { computeTables, type DeviceRow, selectedFacts, tableSteps, topDevices } from './query';
import { FIXTURE_T0, type FixtureFact, fixtureApp, fixtureCatalog, fixtureWorkingSet } from './risk-fixture';
import { dashboard, timeline } from './views';
import type { WorkingSet } from './working-set';

const catalog = loadCatalog(
  [fixtureCatalog([fixtureApp('teamwork', 'Teamwork', ['teams.example', 'teams-cdn.example'])])],
  [],
);
const ctx = { matcher: createMatcher(catalog), scorer: createScorer(catalog.date, {}), tags: {}, overrides: {} };

/** A small deterministic generator, so the facts are the same on every run. */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomFacts(count: number): FixtureFact[] {
  const r = rng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const hosts = ['teams.example', 'teams-cdn.example', 'a.news.example', 'b.news.example', 'shop.example', '10.1.2.3'];
  return Array.from({ length: count }, () => ({
    day: Math.floor(r() * 10),
    hour: Math.floor(r() * 24),
    device: pick(['d1', 'd2', 'd3', 'd4']),
    deviceName: r() < 0.5 ? pick(['PC-1', 'PC-2']) : undefined,
    user: r() < 0.8 ? pick(['ann', 'bob', 'cy']) : undefined,
    ip: r() < 0.9 ? pick(['10.0.0.1', '10.0.0.2', '10.0.0.3']) : undefined,
    host: pick(hosts),
    tx: 1 + Math.floor(r() * 20),
    up: r() < 0.5 ? Math.floor(r() * 1000) : undefined,
    source: pick(['s1', 's2']),
  }));
}

/** Distinct partners per entity, the way the tables define them: unknown values never count. */
function reference(ws: WorkingSet, appOf: (host: string) => string, source: string) {
  const sets = new Map<string, Set<string>>();
  const add = (k: string, v: string | null) => {
    if (v === null) return;
    const s = sets.get(k) ?? new Set<string>();
    s.add(v);
    sets.set(k, s);
  };
  for (let i = 0; i < ws.n; i++) {
    if (ws.str(ws.source[i]) !== source) continue;
    const host = ws.str(ws.host[i]);
    const app = host === null ? null : appOf(host);
    const dev = ws.str(ws.device[i]);
    const user = ws.str(ws.user[i]);
    const ip = ws.str(ws.localIp[i]);
    if (app !== null) {
      add(`app:${app}:users`, user);
      add(`app:${app}:ips`, ip);
      add(`app:${app}:devices`, dev);
    }
    if (dev !== null) {
      add(`dev:${dev}:apps`, app);
      add(`dev:${dev}:users`, user);
      add(`dev:${dev}:ips`, ip);
    }
    if (user !== null) {
      add(`user:${user}:apps`, app);
      add(`user:${user}:devices`, dev);
      add(`user:${user}:ips`, ip);
    }
    if (ip !== null) {
      add(`ip:${ip}:apps`, app);
      add(`ip:${ip}:users`, user);
      add(`ip:${ip}:devices`, dev);
    }
  }
  return (k: string) => sets.get(k)?.size ?? 0;
}

describe('computeTables', () => {
  const ws = fixtureWorkingSet(randomFacts(600));
  const t = computeTables(ws, { ...ctx, sources: new Set(['s1']) });
  const appOfHost = new Map<string, string>();
  for (const a of t.apps) for (const d of a.domains) appOfHost.set(d, a.key);
  const count = reference(ws, (h) => appOfHost.get(h) ?? `unmapped:${h}`, 's1');

  it('counts distinct partners of every entity as a per-fact reference does', () => {
    expect(t.apps.length).toBeGreaterThan(2);
    for (const a of t.apps) {
      expect([a.users, a.ips, a.devices]).toEqual([
        count(`app:${a.key}:users`),
        count(`app:${a.key}:ips`),
        count(`app:${a.key}:devices`),
      ]);
    }
    for (const d of t.devices) {
      expect([d.apps, d.users, d.ips]).toEqual([
        count(`dev:${d.key}:apps`),
        count(`dev:${d.key}:users`),
        count(`dev:${d.key}:ips`),
      ]);
    }
    for (const u of t.users) {
      expect([u.apps, u.devices, u.ips]).toEqual([
        count(`user:${u.user}:apps`),
        count(`user:${u.user}:devices`),
        count(`user:${u.user}:ips`),
      ]);
    }
    for (const p of t.ips) {
      expect([p.apps, p.users, p.devices]).toEqual([
        count(`ip:${p.ip}:apps`),
        count(`ip:${p.ip}:users`),
        count(`ip:${p.ip}:devices`),
      ]);
    }
  });

  it('gives the same tables in steps, a step per so many facts and one before the rows', () => {
    const c = { ...ctx, sources: new Set(['s1']) };
    const facts = selectedFacts(ws, c).length;
    expect(facts).toBeGreaterThan(250);
    const steps = tableSteps(ws, c, false, 100);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    expect(pauses).toBe(Math.ceil(facts / 100));
    expect(step.value).toEqual(t);
  });

  it('asks for its step again at each yield: a computation that begins to wait for quiet moments steps shorter', () => {
    const c = { ...ctx, sources: new Set(['s1']) };
    const facts = selectedFacts(ws, c).length;
    let size = 100;
    const steps = tableSteps(ws, c, false, () => size);
    let step = steps.next();
    expect(step.done).toBe(false);
    size = 10;
    let pauses = 1;
    for (step = steps.next(); !step.done; step = steps.next()) pauses++;
    // A yield after the first 100 facts, then one every 10, then the one before the rows.
    expect(pauses).toBe(1 + Math.ceil((facts - 100) / 10));
    expect(step.value).toEqual(t);
  });

  it('sums only the chosen source, keeps unknown bytes unknown, and counts each device once', () => {
    let tx = 0;
    let up: number | null = null;
    const devices = new Set<number>();
    for (let i = 0; i < ws.n; i++) {
      if (ws.str(ws.source[i]) !== 's1') continue;
      tx += ws.transactions[i];
      if (!Number.isNaN(ws.bytesUp[i])) up = (up ?? 0) + ws.bytesUp[i];
      devices.add(ws.device[i]);
    }
    expect(t.summary.transactions).toBe(tx);
    expect(t.summary.upload).toBe(up);
    expect(t.summary.download).toBeNull();
    expect(t.summary.devices).toBe(devices.size);
    expect(t.devices.reduce((a, d) => a + d.transactions, 0)).toBe(tx);
  });

  it('answers for given rows only (a device page) and for a window', () => {
    const rows: number[] = [];
    for (let i = 0; i < ws.n; i++) if (ws.str(ws.device[i]) === 'd2' && ws.str(ws.source[i]) === 's1') rows.push(i);
    const own = computeTables(ws, { ...ctx, rows });
    expect(own.devices.map((d) => d.key)).toEqual(['d2']);
    expect(own.devices[0].transactions).toBe(t.devices.find((d) => d.key === 'd2')?.transactions);
    const day = 86_400_000;
    const windowed = computeTables(ws, { ...ctx, sources: new Set(['s1']), from: FIXTURE_T0, to: FIXTURE_T0 + day });
    let tx = 0;
    for (let i = 0; i < ws.n; i++)
      if (
        ws.str(ws.source[i]) === 's1' &&
        ws.hour[i] * 3_600_000 < FIXTURE_T0 + day &&
        ws.hour[i] * 3_600_000 >= FIXTURE_T0
      )
        tx += ws.transactions[i];
    expect(windowed.summary.transactions).toBe(tx);
    expect(windowed.summary.transactions).toBeLessThan(t.summary.transactions);
  });

  it('gives the dashboard’s first answer the same apps, users and summary with appsOnly, and no entity rows', () => {
    for (const c of [
      { ...ctx },
      { ...ctx, sources: new Set(['s2']) },
      { ...ctx, from: FIXTURE_T0, to: FIXTURE_T0 + 86_400_000 },
    ]) {
      const full = computeTables(ws, c);
      const quick = computeTables(ws, c, true);
      expect(quick.summary).toEqual(full.summary);
      const app = ({ devices: _d, ips: _i, ...a }: (typeof full.apps)[number]) => a;
      expect(quick.apps.map(app)).toEqual(full.apps.map(app));
      expect(quick.apps.some((a) => a.users > 0)).toBe(true);
      expect([quick.devices, quick.users, quick.ips]).toEqual([[], [], []]);
    }
  });

  it('gives the daily series of the window and sources, from the facts or from rows already selected', () => {
    const day = 86_400_000;
    for (const c of [
      { sources: new Set(['s1']) },
      { from: FIXTURE_T0 + day, to: FIXTURE_T0 + 5 * day + 7 * 3_600_000 },
      { sources: new Set(['s2']), from: FIXTURE_T0 + 2 * day },
    ]) {
      // Reference: fact by fact, a Map per day.
      const ref = new Map<number, { day: number; transactions: number; upload: number | null; download: null }>();
      const fromHour = c.from !== undefined ? Math.floor(c.from / 3_600_000) : -Infinity;
      const toHour = c.to !== undefined ? Math.ceil(c.to / 3_600_000) : Infinity;
      for (let i = 0; i < ws.n; i++) {
        if (c.sources && !c.sources.has(ws.str(ws.source[i]) ?? '')) continue;
        if (ws.hour[i] < fromHour || ws.hour[i] >= toHour) continue;
        const d = Math.floor(ws.hour[i] / 24) * day;
        const p = ref.get(d) ?? { day: d, transactions: 0, upload: null, download: null };
        p.transactions += ws.transactions[i];
        if (!Number.isNaN(ws.bytesUp[i])) p.upload = (p.upload ?? 0) + ws.bytesUp[i];
        ref.set(d, p);
      }
      const expected = [...ref.values()].sort((a, b) => a.day - b.day);
      expect(expected.length).toBeGreaterThan(2);
      expect(timeline(ws, c)).toEqual(expected);
      expect(timeline(ws, { ...c, rows: selectedFacts(ws, { ...ctx, ...c }) })).toEqual(expected);
    }
  });

  it('finds the dashboard’s riskiest devices without the whole device table, ties and all', () => {
    // Twenty devices, many alike (same transactions, traffic and names): the order must be the table's.
    const r = rng(11);
    const facts: FixtureFact[] = [];
    for (let k = 0; k < 20; k++)
      for (let j = 0; j < 1 + (k % 3); j++)
        facts.push({
          day: j,
          hour: 9,
          device: `dev-${(k * 7) % 20}`,
          deviceName: k % 4 === 0 ? undefined : `PC-${k % 5}`,
          user: j % 2 ? `u${k % 3}` : undefined,
          ip: `10.0.${j}.${k % 4}`,
          host: j % 2 ? 'teams.example' : 'shop.example',
          tx: 10,
          ...(k % 2 ? { up: 100 } : {}),
          source: 's1',
        });
    facts.push(...randomFacts(300).map((f) => ({ ...f, device: `dev-${20 + Math.floor(r() * 5)}` })));
    const fleet = fixtureWorkingSet(facts);
    const levels = ['High', 'Medium', 'Low', 'Informational'];
    const levelOf = new Map<string, string>();
    // Twelve alike devices High: the eight shown are chosen among equals by traffic, name and first seen.
    for (let k = 0; k < 25; k++) levelOf.set(`dev-${k}`, k < 12 ? 'High' : levels[Math.floor(r() * 4)]);
    const order: Record<string, number> = { High: 4, Medium: 3, Low: 2, Informational: 1 };
    const rated = (d: DeviceRow) => ({ ...d, riskLevel: levelOf.get(d.key) ?? null });
    // Some of the rows compared count several apps, users and addresses.
    let rich = false;
    for (const c of [
      { ...ctx },
      { ...ctx, sources: new Set(['s1']) },
      { ...ctx, from: FIXTURE_T0, to: FIXTURE_T0 + 86_400_000 },
    ]) {
      const full = computeTables(fleet, c);
      const expected = dashboard({ ...full, devices: full.devices.map(rated) }, []).riskiestDevices;
      expect(expected).toHaveLength(8);
      const top = topDevices(fleet, c, (key) => order[levelOf.get(key) ?? ''] ?? 0, 8).map(rated);
      expect(top).toEqual(expected);
      rich ||= top.some((d) => d.users > 0 && d.ips > 1 && d.apps > 1);
    }
    expect(rich).toBe(true);
  });
});
