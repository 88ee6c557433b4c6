// The engine state's cache: warmed in the background after an import or a tag change, shared by concurrent callers,
// and dropped only for the reports whose sources' data changed.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../domain/settings';
import { registerBuiltinFormats } from '../formats/index';
import { type CloudscopeDb, openDb } from '../store/db';
import { runImport } from './import';
import type { Tables } from './query';
import { uploadFleetLog } from './risk-fixture';
import { runRisk } from './risk-report';
import { Sha256 } from './sha256';
import { EngineState, type ViewRequest } from './state';
import { dashboard } from './views';
import type { WorkingSet } from './working-set';

const FX = 'shared/formats/fixtures';
const DAY_MS = 86_400_000;
const DAY_S = 86_400;

async function importBytes(db: CloudscopeDb, bytes: Uint8Array, name: string, source: { id?: string; name?: string }) {
  registerBuiltinFormats();
  return runImport(
    db,
    {
      files: [{ name, size: bytes.byteLength, stream: new Blob([bytes as BlobPart]).stream() }],
      source: { ...source, kind: 'continuous' },
    },
    { createHasher: () => new Sha256() },
  );
}

async function importedState(name: string) {
  const db = await openDb(name, { indexedDB, IDBKeyRange });
  const r = await importBytes(db, readFileSync(`${FX}/squid/test-access-extensive.log`), 'access.log', {
    name: 'Proxy',
  });
  return { db, state: new EngineState(db), sourceId: r.sourceId };
}

/**
 * A Squid access log of `n` requests, one every `step` seconds from `start` (Unix s), by `tag`'s own clients,
 * users and sites, so two logs with different tags share no entity.
 */
function squidLog(tag: string, start: number, n: number, step = 3600): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `10.${tag.length}.${i % 7}.${i % 5}`;
    lines.push(
      `${start + i * step}.000    120 ${ip} TCP_TUNNEL/200 ${1000 + i * 37} CONNECT www.${tag}-${i % 9}.com:443 ${tag}-u${i % 4} HIER_DIRECT/192.0.2.1 -`,
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** The state's cache, read for what it holds (its keys name report and window). */
const cacheOf = (s: EngineState) =>
  (s as unknown as { cache: Map<string, { result: Promise<{ tables: Tables }>; waiting: boolean }> }).cache;
const keyOf = (reportId: string) => JSON.stringify([reportId, { from: null, to: null }]);
const all = (reportId: string): ViewRequest => ({ report: { id: reportId }, window: { preset: 'all' } });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

/** Until the cache holds the same computations twice in a row, all settled (warm-ups finished or stopped). */
async function settled(s: EngineState): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const seen = [...cacheOf(s).values()].map((e) => e.result);
    await Promise.all(seen.map((p) => p.catch(() => null)));
    await new Promise((r) => setTimeout(r, 20));
    const now = [...cacheOf(s).values()].map((e) => e.result);
    if (now.length === seen.length && now.every((p) => seen.includes(p))) return;
  }
  throw new Error('the cache kept changing');
}

/**
 * Six proxy clients at work on weekdays for three weeks (from `start`, Unix s), with what risk rates: one client
 * busy at night (day 16), one spiking to another site (day 18), one working nights from day 18 on.
 */
function fleetLog(start: number): Uint8Array {
  const lines: string[] = [];
  const line = (t: number, ip: string, host: string, user: string) =>
    lines.push(`${t}.000    120 ${ip} TCP_TUNNEL/200 4000 CONNECT ${host}:443 ${user} HIER_DIRECT/192.0.2.1 -`);
  for (let day = 0; day < 21; day++)
    for (let k = 1; k <= 6; k++) {
      const ip = `10.9.0.${k}`;
      if (day % 7 < 5)
        for (let h = 8; h < 18; h++)
          for (let j = 0; j < 10; j++) line(start + day * DAY_S + h * 3600 + j * 60, ip, 'www.worky.com', `u${k}`);
      if (k === 5 && day === 16)
        for (let h = 1; h < 4; h++)
          for (let j = 0; j < 30; j++) line(start + day * DAY_S + h * 3600 + j * 60, ip, 'www.worky.com', `u${k}`);
      if (k === 3 && day === 18)
        for (let j = 0; j < 1500; j++) line(start + day * DAY_S + 12 * 3600 + j, ip, 'www.other-site.com', `u${k}`);
    }
  // A night-shift client from day 18 on: after it, those hours are no longer ones the fleet rarely works.
  for (let day = 18; day < 21; day++)
    for (let h = 1; h < 4; h++)
      for (let j = 0; j < 300; j++) line(start + day * DAY_S + h * 3600 + j * 10, '10.9.0.7', 'www.worky.com', 'u7');
  lines.sort();
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/**
 * A state over `bytes` imported as one source, with what the threshold tests read of it: the computations that
 * computed its risk bases (`owners`) and how a state rates the source's devices and raises its signals (`rated`).
 */
async function ratedSource(dbName: string, bytes: Uint8Array, file: string) {
  const db = await openDb(dbName, { indexedDB, IDBKeyRange });
  const r = await importBytes(db, bytes, file, { name: 'Fleet' });
  const state = new EngineState(db);
  const owners = () =>
    [...(state as unknown as { bases: Map<string, { owner: unknown }> }).bases.values()].map((e) => e.owner);
  const v = all(`source:${r.sourceId}`);
  const rated = async (s: EngineState) => ({
    devices: (await s.tables(v)).devices.map((d) => [d.key, d.riskLevel, d.reasons]),
    signals: await s.signals(v),
  });
  return { db, r, state, owners, rated };
}

/** Whether two lists hold the same computations (promises), by identity: toEqual finds any two promises equal. */
function sameOwners(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe('engine state cache', () => {
  it('serves every window to the end of the data from one risk base, the dashboard before the whole tables, as runRisk rates', async () => {
    const db = await openDb('state-risk-base', { indexedDB, IDBKeyRange });
    const start = Date.UTC(2026, 8, 7) / 1000;
    const r = await importBytes(db, fleetLog(start), 'access.log', { name: 'Fleet' });
    const state = new EngineState(db);
    const id = `source:${r.sourceId}`;
    const bases = () => (state as unknown as { bases: Map<string, unknown> }).bases;
    const ws = await (state as unknown as { load(): Promise<WorkingSet> }).load();
    const t0 = start * 1000;
    const windows: ViewRequest['window'][] = [
      { preset: 'all' },
      { preset: '7d' },
      // Past the last event: the same rollups as all time.
      { preset: 'custom', from: t0 + 12 * DAY_MS, to: t0 + 30 * DAY_MS },
      // Ending before the data does: rollups of their own.
      { preset: 'custom', from: t0 + 10 * DAY_MS, to: t0 + 17 * DAY_MS },
    ];
    const levels = new Set<string>();
    const night = new Map<string, string | null>();
    for (const [i, window] of windows.entries()) {
      const v: ViewRequest = { report: { id }, window };
      const dash = await state.dashboard(v);
      expect(bases().size).toBe(i < 3 ? 1 : 2);
      const tables = await state.tables(v);
      // The dashboard answered before the whole tables is the one they give.
      expect(dash.riskiestDevices).toEqual(dashboard(tables, []).riskiestDevices);
      expect(dash.riskiestDevices.length).toBeGreaterThan(0);
      // Rated as runRisk rates the window, over rollups that end with the window.
      const win =
        window.preset === 'custom'
          ? { from: window.from, to: window.to }
          : (dash.window as { from: number | null; to: number | null });
      const run = runRisk(ws, {
        matcher: (state as unknown as { matcher: never }).matcher,
        scorer: (state as unknown as { scorerOf(): never }).scorerOf(),
        tags: {},
        overrides: {},
        report: { name: 'Fleet', raisesSignals: true, sourceIds: [r.sourceId] },
        ...win,
        thresholds: DEFAULT_SETTINGS.thresholds,
        signalSeverity: DEFAULT_SETTINGS.signalSeverity,
      });
      for (const d of tables.devices) {
        expect([d.riskLevel, d.reasons]).toEqual([run.devices.get(d.key)!.level, run.devices.get(d.key)!.reasons]);
        levels.add(`${window.preset}:${d.riskLevel}`);
      }
      night.set(JSON.stringify(window), tables.devices.find((d) => d.key === '10.9.0.5')!.riskLevel);
      expect(await state.signals(v)).toEqual(run.signals);
    }
    // Something to rate: the night and the spike in the whole window, not in the one that ends first.
    expect(levels).toContain('all:High');
    expect([...levels].filter((l) => l.startsWith('all:')).length).toBeGreaterThan(1);
    // The night of day 16 is rare for the fleet up to day 17 only: the window that ends there has rollups of its own.
    expect([...night.values()]).toEqual(['Medium', 'Medium', 'Medium', 'High']);
  });

  it('computes a view’s whole tables after its dashboard only in a quiet moment, or at once when asked for', async () => {
    const { state, sourceId } = await importedState('state-tail');
    const v = all(`source:${sourceId}`);
    const d = await state.dashboard(v);
    expect(d.riskPending).toBe(false);
    let whole = false;
    void cacheOf(state)
      .get(keyOf(`source:${sourceId}`))!
      .result.then(() => {
        whole = true;
      });
    // Another window meanwhile: answered, the first view's tables still waiting.
    await state.dashboard({ report: v.report, window: { preset: '7d' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(whole).toBe(false);
    // Asked for: computed now, and the dashboard's riskiest devices are the whole table's.
    const tables = await state.tables(v);
    expect(whole).toBe(true);
    expect(d.riskiestDevices.map((x) => x.key)).toEqual(dashboard(tables, []).riskiestDevices.map((x) => x.key));
    // A table asked for first (no dashboard before it) is computed at once, not after a quiet moment (1 s).
    const asked = Date.now();
    await state.tables({ report: v.report, window: { preset: '30d' } });
    expect(Date.now() - asked).toBeLessThan(700);
  });

  it("lets other work in while a view's user risk is computed, once its dashboard is answered", async () => {
    // More user-days than one stage of a base judges (16,384): 1,100 users (each at an address of its own) on 16 days.
    const start = Date.UTC(2026, 9, 1) / 1000;
    const lines: string[] = [];
    for (let day = 0; day < 16; day++)
      for (let u = 0; u < 1100; u++)
        lines.push(
          `${start + day * 86_400 + 36_000 + u}.000    120 10.1.${u >> 8}.${u & 255} TCP_TUNNEL/200 1000 CONNECT www.site-${u % 13}.com:443 user${u} HIER_DIRECT/192.0.2.1 -`,
        );
    const db = await openDb('state-users-paced', { indexedDB, IDBKeyRange });
    const r = await importBytes(db, new TextEncoder().encode(`${lines.join('\n')}\n`), 'fleet.log', { name: 'Proxy' });
    const state = new EngineState(db);
    const v = all(`source:${r.sourceId}`);
    expect((await state.dashboard(v)).riskPending).toBe(false);
    const bases = [...(state as unknown as { bases: Map<string, { result: Promise<unknown> }> }).bases.values()];
    expect(bases).toHaveLength(1);
    let served = false;
    setTimeout(() => {
      served = true;
    }, 0);
    await bases[0].result;
    expect(served).toBe(true);
    expect((await state.tables(v)).users).toHaveLength(1100);
  });

  it('names a device in its signals by pseudonym when anonymization is on', async () => {
    // One device uploads 200 MB to WeTransfer (bytes from an inspection's AdditionalFields), tagged Unsanctioned.
    const head =
      'Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,ReportId,AdditionalFields';
    const row = (day: number, id: number, extra: string) =>
      `2026-10-${String(day).padStart(2, '0')}T10:00:00.0000000Z,d-secret,pc-secret.contoso.com,HttpConnectionInspected,52.1.2.3,443,,10.0.0.5,${50000 + id},Tcp,${id},"${extra.replaceAll('"', '""')}"`;
    const lines = [head];
    for (let day = 1; day <= 20; day++)
      lines.push(row(day, day, '{"direction":"Out","host":"wetransfer.com","orig_bytes":"1000"}'));
    lines.push(row(21, 99, '{"direction":"Out","host":"wetransfer.com","orig_bytes":"200000000"}'));
    const db = await openDb('state-anon-signals', { indexedDB, IDBKeyRange });
    await importBytes(db, new TextEncoder().encode(`${lines.join('\n')}\n`), 'hunt.csv', {
      name: 'Endpoints',
    });
    const state = new EngineState(db);
    await state.applyTags(['wetransfer'], ['Unsanctioned'], [], 'test');
    // Defender data: the endpoint report ("Win10 Endpoint Users").
    const v = all('endpoint');
    const exfil = <T extends { type: string }>(list: T[]) =>
      list.filter((x) => x.type === 'Data exfiltration to unsanctioned apps');
    const plain = exfil(await state.signals(v));
    expect(plain).toHaveLength(1);
    expect(plain[0].entity).toBe('pc-secret.contoso.com');
    state.configure({ anonymize: true });
    const [anon] = exfil(await state.signals(v));
    expect(anon.entity).toMatch(/^Device-[0-9A-F]{6}$/);
    expect(anon.description.startsWith(`${anon.entity} uploaded`)).toBe(true);
    expect(JSON.stringify(anon)).not.toContain('secret');
    // The dashboard's signals too; and the base's rows were not changed: off again, the name is back.
    expect(JSON.stringify((await state.dashboard(v)).signals)).not.toContain('secret');
    state.configure({ anonymize: false });
    expect(exfil(await state.signals(v))).toEqual(plain);
  });

  it('after a tag change, judges the risk bases computed before again instead of computing them: as a fresh state rates', async () => {
    const db = await openDb('state-rejudge', { indexedDB, IDBKeyRange });
    const r = await importBytes(db, fleetLog(Date.UTC(2026, 8, 7) / 1000), 'access.log', { name: 'Fleet' });
    const state = new EngineState(db);
    const bases = () => (state as unknown as { bases: Map<string, { owner: unknown }> }).bases;
    const windows: ViewRequest['window'][] = [{ preset: 'all' }, { preset: '7d' }];
    const views = windows.map((window) => ({ report: { id: `source:${r.sourceId}` }, window }));
    const rated = async (s: EngineState) =>
      Promise.all(
        views.map(async (v) => ({
          devices: (await s.tables(v)).devices.map((d) => [d.key, d.riskLevel, d.reasons]),
          signals: await s.signals(v),
        })),
      );
    const before = await rated(state);
    const entries = [...bases().values()];
    expect(entries).toHaveLength(1);
    // The spike to www.other-site.com (unseen in the fleet) is a first use; sanctioned, it is none; unsanctioned, it
    // is named so. Each tag change is judged on the bases computed before the first.
    expect(JSON.stringify(before)).toContain('first use of other-site.com (unidentified)');
    for (const [tag, text] of [
      ['Sanctioned', null],
      ['Unsanctioned', 'first use of other-site.com (unidentified, unsanctioned)'],
    ] as const) {
      await state.applyTags(['?other-site.com'], [tag], [], 'test');
      const after = await rated(state);
      if (text) expect(JSON.stringify(after)).toContain(text);
      else expect(JSON.stringify(after)).not.toContain('first use of other-site.com');
      expect(after).toEqual(await rated(new EngineState(db)));
      // Not computed again: the one base there is comes from the same computation.
      // By identity (toEqual finds any two promises equal).
      expect(
        sameOwners(
          [...bases().values()].map((e) => e.owner),
          [entries[0].owner],
        ),
      ).toBe(true);
    }
  });

  it('keeps risk bases through a score override and a weight change, judged again: as a fresh state rates', async () => {
    const { state, sourceId } = await importedState('state-rescore');
    const bases = () => (state as unknown as { bases: Map<string, { owner: unknown }> }).bases;
    const v = all(`source:${sourceId}`);
    const rated = async (s: EngineState) => {
      const t = await s.tables(v);
      return {
        apps: t.apps.map((a) => [a.key, a.score]),
        devices: t.devices.map((d) => [d.key, d.riskLevel, d.reasons]),
        signals: await s.signals(v),
      };
    };
    const before = await rated(state);
    const [owner] = [...bases().values()].map((e) => e.owner);
    const app = (await state.tables(v)).apps.find((a) => a.appId !== null && a.score !== null && a.score > 5);
    await state.setOverride(app!.appId!, { score: 1, note: 'test' }, 'test');
    const weights = { groupWeights: { general: 0, security: 3, compliance: 1, legal: 1 } } as const;
    state.configure(weights);
    const after = await rated(state);
    expect(after.apps).not.toEqual(before.apps);
    const fresh = new EngineState(await openDb('state-rescore', { indexedDB, IDBKeyRange }));
    fresh.configure(weights);
    expect(after).toEqual(await rated(fresh));
    // Not computed again: the one base there is comes from the same computation.
    expect(
      sameOwners(
        [...bases().values()].map((e) => e.owner),
        [owner],
      ),
    ).toBe(true);
  });

  it('keeps risk bases through a threshold or severity change, judged again: as a fresh state rates', async () => {
    const { db, state, owners, rated } = await ratedSource(
      'state-rejudge-thresholds',
      fleetLog(Date.UTC(2026, 8, 7) / 1000),
      'access.log',
    );
    const before = await rated(state);
    expect(before.signals.map((x) => x.type)).not.toContain('New high-volume app');
    const [owner] = owners();
    // other-site.com, new on day 18 with 1,500 transactions (6 MB), is a high-volume app past 1 MB.
    const judged = {
      thresholds: { ...DEFAULT_SETTINGS.thresholds, highVolumeBytes: 1024 * 1024, popularUsers: 1, riskyScore: 6 },
      signalSeverity: 'High' as const,
    };
    state.configure(judged);
    const after = await rated(state);
    expect(after.signals.filter((x) => x.type === 'New high-volume app').map((x) => [x.app, x.severity])).toEqual([
      ['other-site.com', 'High'],
    ]);
    const fresh = new EngineState(db);
    fresh.configure(judged);
    expect(after).toEqual(await rated(fresh));
    // Not computed again: the one base there is comes from the same computation.
    expect(sameOwners(owners(), [owner])).toBe(true);

    // A higher upload threshold judges the same bases (they keep the uploads past a share of their own).
    const higher = { ...judged, thresholds: { ...judged.thresholds, highUploadBytes: 500 * 1024 * 1024 } };
    state.configure(higher);
    const raised = await rated(state);
    expect(sameOwners(owners(), [owner])).toBe(true);
    const fresh1 = new EngineState(db);
    fresh1.configure(higher);
    expect(raised).toEqual(await rated(fresh1));

    // A lower one than the bases were computed with, far below their floor: this proxy logs no upload byte counts,
    // so the bases left no upload out and judge it as a computation with it does.
    const upload = { ...judged, thresholds: { ...judged.thresholds, highUploadBytes: 2048 } };
    state.configure(upload);
    const uploaded = await rated(state);
    expect(sameOwners(owners(), [owner])).toBe(true);
    const fresh2 = new EngineState(db);
    fresh2.configure(upload);
    expect(uploaded).toEqual(await rated(fresh2));
  });

  it('computes risk bases again for a lower upload threshold only when they left out uploads it judges', async () => {
    const { db, r, state, owners, rated } = await ratedSource(
      'state-upload-floor',
      uploadFleetLog(Date.UTC(2026, 8, 7) / 1000),
      'proxy.log',
    );
    expect(r.files[0].format).toBe('w3c');
    const asFresh = async (settings: Partial<Settings>) => {
      const fresh = new EngineState(db);
      fresh.configure(settings);
      return rated(fresh);
    };
    const before = await rated(state);
    expect(before.devices.find((d) => d[0] === '10.9.0.2')?.[2]).toEqual([expect.stringContaining('60 MB to')]);
    const [owner] = owners();
    // 1 MB: below the floor (50 MB), but past the largest upload the bases left out (200 KB) by a quarter of it.
    const mb = { thresholds: { ...DEFAULT_SETTINGS.thresholds, highUploadBytes: 1024 * 1024 } };
    state.configure(mb);
    const atMb = await rated(state);
    expect(sameOwners(owners(), [owner])).toBe(true);
    // Judged again with it, they serve it even while their users' are still being judged (a view asking then joins).
    const [entry] = (state as unknown as { bases: Map<string, { uploadFloor: number }> }).bases.values();
    expect(entry.uploadFloor).toBe(mb.thresholds.highUploadBytes);
    expect(atMb).toEqual(await asFresh(mb));
    expect(atMb).not.toEqual(before);
    // 100 KB: the first weeks' 200 KB a day are uploads past it, which the bases left out: computed again.
    const kb = { thresholds: { ...DEFAULT_SETTINGS.thresholds, highUploadBytes: 100 * 1024 } };
    state.configure(kb);
    const atKb = await rated(state);
    expect(owners()).not.toContain(owner);
    expect(atKb).toEqual(await asFresh(kb));
  });

  it('answers a view after a tag, override, weight or threshold change by judging its earlier tables again, as a fresh state computes it', async () => {
    const db = await openDb('state-rejudge-views', { indexedDB, IDBKeyRange });
    const r = await importBytes(db, fleetLog(Date.UTC(2026, 8, 7) / 1000), 'access.log', { name: 'Fleet' });
    const state = new EngineState(db);
    const views: ViewRequest[] = [
      all(`source:${r.sourceId}`),
      { report: { id: `source:${r.sourceId}` }, window: { preset: '7d' } },
    ];
    const seen = async (s: EngineState) =>
      Promise.all(
        views.map(async (v) => ({
          dashboard: await s.dashboard(v),
          tables: await s.tables(v),
          signals: await s.signals(v),
        })),
      );
    const freshly = async (configure: Partial<Settings>) => {
      const f = new EngineState(db);
      f.configure(configure);
      return seen(f);
    };
    await seen(state);
    expect(state.viewsRejudged).toBe(0);
    const settings: Partial<Settings> = {};
    const changes: [string, () => Promise<void>][] = [
      ['tag', async () => void (await state.applyTags(['?other-site.com'], ['Unsanctioned'], [], 'test'))],
      [
        'weights',
        async () => {
          settings.groupWeights = { general: 0, security: 3, compliance: 1, legal: 1 };
          state.configure(settings);
        },
      ],
      [
        'threshold',
        async () => {
          settings.thresholds = { ...DEFAULT_SETTINGS.thresholds, highVolumeBytes: 1024 * 1024, popularUsers: 1 };
          settings.signalSeverity = 'High';
          state.configure(settings);
        },
      ],
    ];
    for (const [what, change] of changes) {
      const before = state.viewsRejudged;
      await change();
      const after = await seen(state);
      // Both views judged again (a warm-up may have judged another report's too).
      expect(state.viewsRejudged - before, what).toBeGreaterThanOrEqual(views.length);
      expect(after, what).toEqual(await freshly(settings));
    }
    const judged = state.viewsRejudged;
    // The last change shows: the new app is a high-volume one at 1 MB, raised High.
    expect(JSON.stringify(await state.signals(views[0]))).toContain('New high-volume app');
    // Anonymized views are computed (pseudonyms are no earlier table's); back to names, the plain ones are judged.
    state.configure({ ...settings, anonymize: true });
    await seen(state);
    expect(state.viewsRejudged).toBe(judged);
    state.configure({ ...settings, anonymize: false });
    expect(await seen(state)).toEqual(await freshly(settings));
    expect(state.viewsRejudged).toBeGreaterThan(judged);
    // After the data changed, nothing earlier serves.
    const beforeData = state.viewsRejudged;
    state.invalidateData();
    await state.applyTags(['?other-site.com'], [], ['Unsanctioned'], 'test');
    expect(await seen(state)).toEqual(await freshly(settings));
    expect(state.viewsRejudged).toBe(beforeData);
  });

  it('judges again the first tables of a dashboard answered before a tag change, its whole tables not computed yet', async () => {
    const db = await openDb('state-rejudge-first', { indexedDB, IDBKeyRange });
    const r = await importBytes(db, fleetLog(Date.UTC(2026, 8, 7) / 1000), 'access.log', { name: 'Fleet' });
    const state = new EngineState(db);
    const view = all(`source:${r.sourceId}`);
    const first = await state.dashboardFirst(view);
    expect(first.riskPending).toBe(true);
    await state.dashboard(view);
    // At once: the view's whole tables wait for a quiet moment.
    await state.applyTags(['?other-site.com'], ['Unsanctioned'], [], 'test');
    const again = await state.dashboardFirst(view);
    expect(state.viewsRejudged).toBe(1);
    const fresh = new EngineState(db);
    expect(again).toEqual(await fresh.dashboardFirst(view));
    expect(JSON.stringify(again)).toContain('Unsanctioned');
    expect(await state.dashboard(view)).toEqual(await fresh.dashboard(view));
    expect(await state.tables(view)).toEqual(await fresh.tables(view));
  });

  it('keeps risk bases being computed through a tag change: they finish, and are judged with the new tags', async () => {
    const db = await openDb('state-rejudge-running', { indexedDB, IDBKeyRange });
    await importBytes(db, fleetLog(Date.UTC(2026, 8, 7) / 1000), 'access.log', { name: 'Fleet' });
    const state = new EngineState(db);
    type Entry = { owner: unknown; value: unknown };
    const bases = () => (state as unknown as { bases: Map<string, Entry> }).bases;
    const running = () => [...bases().values()].find((e) => !e.value);
    // At start every warm-up waits for a quiet moment; catch one between the stages of its risk bases, and keep it
    // sleeping there (a report list asked for is not a quiet moment).
    state.prewarm();
    for (let i = 0; i < 2000 && !running(); i++) await new Promise((res) => setTimeout(res, 0));
    const entry = running();
    expect(entry).toBeDefined();
    await state.reports();
    await state.applyTags(['?other-site.com'], ['Unsanctioned'], [], 'test');
    // No view joins it: it finishes on its own in the next quiet moment, and is kept.
    await until(() => [...bases().values()].some((e) => e.owner === entry!.owner && e.value));
    const key = [...bases().keys()].find((k) => bases().get(k)!.owner === entry!.owner)!;
    const v: ViewRequest = { report: { id: JSON.parse(key)[0] }, window: { preset: 'all' } };
    const rated = async (s: EngineState) => ({
      devices: (await s.tables(v)).devices.map((d) => [d.key, d.riskLevel, d.reasons]),
      signals: await s.signals(v),
    });
    const seen = await rated(state);
    expect(JSON.stringify(seen)).toContain('first use of other-site.com (unidentified, unsanctioned)');
    expect(seen).toEqual(await rated(new EngineState(db)));
    // The view's bases are those the warm-up computed, not computed again.
    expect(bases().get(key)?.owner).toBe(entry!.owner);
  });

  it('keeps its cache through a theme or block-list setting change, and drops it for one results depend on', async () => {
    const { state, sourceId } = await importedState('state-settings');
    const v = all(`source:${sourceId}`);
    const tables = await state.tables(v);
    state.configure({ theme: 'dark', blockUnsanctionedApps: false, warnBypassHours: 4 });
    expect(await state.tables(v)).toBe(tables);
    state.configure({ thresholds: { ...DEFAULT_SETTINGS.thresholds, riskyScore: 6 } });
    expect(await state.tables(v)).not.toBe(tables);
    const again = await state.tables(v);
    state.configure({ anonymize: true });
    expect((await state.tables(v)).users.map((u) => u.user)).not.toEqual(again.users.map((u) => u.user));
  });

  it('warms the imported source’s report over all time first, and the view then comes from that work', async () => {
    const { state, sourceId } = await importedState('state-prewarm');
    expect(cacheOf(state).size).toBe(0);
    state.prewarm(sourceId);
    await until(() => cacheOf(state).size >= 1);
    const [first] = [...cacheOf(state).keys()];
    expect(first).toBe(keyOf(`source:${sourceId}`));
    const warmed = await cacheOf(state).get(first)!.result;
    const v = all(`source:${sourceId}`);
    expect(await state.tables(v)).toBe(warmed.tables);
    const d = await state.dashboard(v);
    expect(d.summary.transactions).toBeGreaterThan(0);
    // Global comes next (here the same source's data, as its own report).
    await until(() => cacheOf(state).has(keyOf('global')));
    expect((await state.tables(all('global'))).summary).toEqual((await state.tables(v)).summary);
  });

  it('at start, before any view, warms only in quiet moments: the first view computes its own dashboard first', async () => {
    const { state, sourceId } = await importedState('state-start');
    // What the engine service does when the UI sends its settings at start.
    state.prewarm();
    await until(() => cacheOf(state).size >= 1);
    const v = all(`source:${sourceId}`);
    const entries = () => cacheOf(state) as unknown as Map<string, { view: boolean; waiting: boolean }>;
    expect([...entries().values()].every((e) => e.waiting)).toBe(true);
    const d = await state.dashboardFirst(v);
    expect(d.summary.transactions).toBeGreaterThan(0);
    expect(entries().get(keyOf(`source:${sourceId}`))?.view).toBe(true);
    expect(await state.tables(v)).toEqual(
      await new EngineState(await openDb('state-start', { indexedDB, IDBKeyRange })).tables(v),
    );
  });

  it('shares one computation between concurrent callers and re-warms the last view, then the others, after a tag change', async () => {
    const { state, sourceId } = await importedState('state-shared');
    const v = all(`source:${sourceId}`);
    const [a, b] = await Promise.all([state.tables(v), state.tables(v)]);
    expect(a).toBe(b);
    const app = a.apps.find((x) => x.appId !== null);
    expect(app).toBeDefined();
    await state.applyTags([app!.appId!], ['Sanctioned'], [], 'test');
    expect(cacheOf(state).size).toBe(0);
    state.prewarm();
    // The last view first (its risk bases, computed before, are judged again rather than computed: it is quick).
    await until(() => cacheOf(state).size >= 1);
    expect([...cacheOf(state).keys()][0]).toBe(keyOf(`source:${sourceId}`));
    const again = await state.tables(v);
    expect(again).not.toBe(a);
    expect(again.apps.find((x) => x.appId === app!.appId)?.tags).toContain('Sanctioned');
    // The other reports follow once the analyst is idle, so switching report after tagging is warm too.
    await until(() => cacheOf(state).has(keyOf('global')));
  });

  it('after a tag change, lets a view of another report go first: the re-warm of the last view waits for quiet', async () => {
    const db = await openDb('state-overtaken', { indexedDB, IDBKeyRange });
    const { sourceId } = await importBytes(db, uploadFleetLog(Date.UTC(2026, 8, 7) / 1000), 'proxy.log', {
      name: 'Uploads',
    });
    const state = new EngineState(db);
    const v = all(`source:${sourceId}`);
    const before = await state.tables(v);
    const app = before.apps.find((x) => x.appId !== null);
    // An upload threshold judging uploads the risk bases left out drops them as well, so the re-warm has them to
    // compute (a tag change alone, or another threshold, keeps them, judged again in a moment).
    state.configure({ thresholds: { ...DEFAULT_SETTINGS.thresholds, highUploadBytes: 100 * 1024 } });
    await state.applyTags([app!.appId!], ['Unsanctioned'], [], 'test');
    state.prewarm();
    await until(() => cacheOf(state).has(keyOf(`source:${sourceId}`)));
    const warming = cacheOf(state).get(keyOf(`source:${sourceId}`))!.result;
    let settled = false;
    warming.then(
      () => {
        settled = true;
      },
      () => {},
    );
    // The analyst switches to Global at once: its dashboard comes first, and the re-warm of the source's report
    // (what the UI showed last) goes on only once the analyst has been idle for a while (a second).
    const d = await state.dashboard(all('global'));
    expect(d.summary.transactions).toBeGreaterThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    // Then it finishes, with the tag.
    const warmed = await warming;
    expect(warmed.tables.apps.find((x) => x.appId === app!.appId)?.tags).toContain('Unsanctioned');
    expect(await state.tables(v)).toBe(warmed.tables);
  });

  it('drops a warm-up the data changed under, and the next view computes afresh', async () => {
    const { state, sourceId } = await importedState('state-invalidated');
    state.prewarm(sourceId);
    state.invalidateData();
    await new Promise((r) => setTimeout(r, 50));
    const t = await state.tables(all(`source:${sourceId}`));
    expect(t.summary.transactions).toBeGreaterThan(0);
  });

  it('finishes a warm-up a view joined even when the data changes under it; stops one nobody joined', async () => {
    const { state, sourceId } = await importedState('state-joined');
    const v = all(`source:${sourceId}`);
    const own = keyOf(`source:${sourceId}`);
    state.prewarm(sourceId);
    // Begun (a view asking for a warm-up still waiting to begin would take its place instead of joining it).
    await until(() => cacheOf(state).get(own)?.waiting === false);
    const warming = cacheOf(state).get(own)!.result;
    const asked = state.tables(v);
    // The request reaches the cache after a few microtasks; the warm-up moves on only in macrotasks.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    state.invalidateData([sourceId]);
    expect((await asked).summary.transactions).toBeGreaterThan(0);
    await expect(warming).resolves.toMatchObject({ signals: expect.any(Array) });

    state.prewarm(sourceId);
    await until(() => cacheOf(state).get(own)?.result !== undefined && cacheOf(state).get(own)?.result !== warming);
    const unjoined = cacheOf(state).get(own)!.result;
    state.invalidateData([sourceId]);
    await expect(unjoined).rejects.toThrow();
    expect(cacheOf(state).has(own)).toBe(false);
  });
});

describe('engine state cache across imports', () => {
  const t0 = Date.UTC(2026, 2, 1) / 1000;

  it('keeps a report cached when another source’s import commits, equal to a fresh computation', async () => {
    const db = await openDb('state-other-source', { indexedDB, IDBKeyRange });
    const a = await importBytes(db, squidLog('alpha', t0, 200), 'a.log', { name: 'Proxy A' });
    const state = new EngineState(db);
    const va = all(`source:${a.sourceId}`);
    const before = await state.tables(va);
    const dashBefore = await state.dashboard(va);
    const globalBefore = await state.tables(all('global'));
    const bases = () => (state as unknown as { bases: Map<string, unknown> }).bases;
    const baseKey = JSON.stringify([`source:${a.sourceId}`, null]);
    const base = bases().get(baseKey);
    expect(base).toBeDefined();

    const b = await importBytes(db, squidLog('bravo', t0 + 30 * DAY_S, 300), 'b.log', { name: 'Proxy B' });
    // As the engine service does after an import: the facts read so far stay, the new import's are read when needed.
    state.invalidateData([b.sourceId], { factsKept: true });
    // Same object: not recomputed.
    expect(await state.tables(va)).toBe(before);
    const fresh = new EngineState(db);
    expect(await state.dashboard(va)).toEqual(await fresh.dashboard(va));
    expect(await state.dashboard(va)).toEqual(dashBefore);
    expect(await state.signals(va)).toEqual(await fresh.signals(va));
    // The device page reads the new working set by name, next to the cached row.
    const device = before.devices[0];
    expect((await state.device(va, device.key))?.device).toBe(device);
    expect(await state.device(va, device.key)).toEqual(await fresh.device(va, device.key));
    // Its risk bases too: another window of it uses them as they are (the tags read again are the same).
    await state.tables({ report: va.report, window: { preset: '7d' } });
    expect(bases().get(baseKey)).toBe(base);

    // Global covers both sources now: a different report than the one cached, computed afresh.
    const globalAfter = await state.tables(all('global'));
    expect(globalAfter).not.toBe(globalBefore);
    expect(globalAfter.summary.transactions).toBe(500);
    expect(globalAfter).toEqual(await fresh.tables(all('global')));
  });

  it('never serves a report stale after its own source changes (import, retention, rename, delete)', async () => {
    const db = await openDb('state-own-source', { indexedDB, IDBKeyRange });
    const a = await importBytes(db, squidLog('alpha', t0, 200), 'a.log', { name: 'Proxy A' });
    const b = await importBytes(db, squidLog('bravo', t0 + 30 * DAY_S, 100), 'b.log', { name: 'Proxy B' });
    const state = new EngineState(db);
    const va = all(`source:${a.sourceId}`);
    const vb = all(`source:${b.sourceId}`);
    const a1 = await state.tables(va);
    const b1 = await state.tables(vb);
    expect(a1.summary.transactions).toBe(200);

    // More data into A: A and Global recomputed, B kept.
    await importBytes(db, squidLog('alpha', t0 + 10 * DAY_S, 50), 'a2.log', { id: a.sourceId });
    state.invalidateData([a.sourceId], { factsKept: true });
    const a2 = await state.tables(va);
    expect(a2.summary.transactions).toBe(250);
    expect(a2).toEqual(await new EngineState(db).tables(va));
    expect((await state.dashboard(va)).summary.transactions).toBe(250);
    expect(await state.tables(vb)).toBe(b1);
    expect((await state.tables(all('global'))).summary.transactions).toBe(350);

    // Retention 7 days before the last event (B's): every fact of A goes, none of B's.
    await state.tables(all('global'));
    expect(await state.applyRetention(7)).toBe(250);
    expect((await state.tables(va)).summary.transactions).toBe(0);
    expect((await state.tables(all('global'))).summary.transactions).toBe(100);
    expect(await state.tables(vb)).toBe(b1);

    // A rename changes the report's name (signals carry it); a delete removes the source from Global.
    const b2 = await state.signals(vb);
    await state.renameSource(b.sourceId, 'Proxy B2');
    expect(await state.signals(vb)).not.toBe(b2);
    await state.tables(all('global'));
    await state.deleteSource(b.sourceId);
    expect((await state.tables(all('global'))).summary.transactions).toBe(0);
  });

  it('warms every report the import changed, the imported one first, and a newer import restarts the queue', async () => {
    const db = await openDb('state-warm-all', { indexedDB, IDBKeyRange });
    const a = await importBytes(db, squidLog('alpha', t0, 200), 'a.log', { name: 'Proxy A' });
    const state = new EngineState(db);
    const va = all(`source:${a.sourceId}`);
    const a1 = await state.tables(va);

    const b = await importBytes(db, squidLog('bravo', t0, 100), 'b.log', { name: 'Proxy B' });
    state.invalidateData([b.sourceId]);
    state.prewarm(b.sourceId);
    // Restarted before it got far: a third import (into B again) replaces the queue.
    await until(() => cacheOf(state).has(keyOf(`source:${b.sourceId}`)));
    await importBytes(db, squidLog('bravo', t0 + DAY_S / 2, 20, 1800), 'b2.log', { id: b.sourceId });
    state.invalidateData([b.sourceId]);
    state.prewarm(b.sourceId);
    await until(() => cacheOf(state).has(keyOf(`source:${b.sourceId}`)) && cacheOf(state).has(keyOf('global')));
    await settled(state);
    // The queue took the imported report first; A was never dropped.
    expect([...cacheOf(state).keys()].indexOf(keyOf(`source:${b.sourceId}`))).toBeLessThan(
      [...cacheOf(state).keys()].indexOf(keyOf('global')),
    );
    const warmB = await cacheOf(state).get(keyOf(`source:${b.sourceId}`))!.result;
    const warmGlobal = await cacheOf(state).get(keyOf('global'))!.result;
    expect(await state.tables(all(`source:${b.sourceId}`))).toBe(warmB.tables);
    expect(await state.tables(all('global'))).toBe(warmGlobal.tables);
    expect(await state.tables(va)).toBe(a1);
    const fresh = new EngineState(db);
    expect(warmB.tables).toEqual(await fresh.tables(all(`source:${b.sourceId}`)));
    expect(warmGlobal.tables.summary.transactions).toBe(320);
    expect(warmGlobal.tables).toEqual(await fresh.tables(all('global')));
  });

  it('warms the reports after the imported one only while no view is asked for', async () => {
    const db = await openDb('state-warm-idle', { indexedDB, IDBKeyRange });
    const a = await importBytes(db, squidLog('alpha', t0, 100), 'a.log', { name: 'Proxy A' });
    const state = new EngineState(db);
    state.prewarm(a.sourceId);
    await until(() => cacheOf(state).has(keyOf('global')));
    let done = false;
    void cacheOf(state)
      .get(keyOf('global'))!
      .result.then(() => {
        done = true;
      });
    // The analyst keeps the engine busy (a request every 50 ms, for longer than the quiet period): Global waits.
    for (let i = 0; i < 30; i++) {
      await state.reports();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(done).toBe(false);
    await until(() => done);

    // A view that asks for such a warm-up has it answered at once, busy engine or not.
    const other = new EngineState(db);
    let busy = true;
    const pings = (async () => {
      while (busy) {
        await other.reports();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    other.prewarm(a.sourceId);
    await until(() => cacheOf(other).has(keyOf('global')));
    const warming = cacheOf(other).get(keyOf('global'))!.result;
    await new Promise((r) => setTimeout(r, 100));
    const asked = Date.now();
    const t = await other.tables(all('global'));
    // Woken when joined, not left asleep until the quiet period it was waiting for (1 s) is over.
    expect(Date.now() - asked).toBeLessThan(700);
    busy = false;
    await pings;
    // The warm-up had not begun: the view took its place (computed as a view, the dashboard first) and it stopped.
    await expect(warming).rejects.toThrow();
    expect(await other.tables(all('global'))).toBe(t);
    expect(t.summary.transactions).toBe(100);
  });

  it('stops warming after the data changes again, without leaving a stale result behind', async () => {
    const db = await openDb('state-warm-cancel', { indexedDB, IDBKeyRange });
    const a = await importBytes(db, squidLog('alpha', t0, 200), 'a.log', { name: 'Proxy A' });
    const state = new EngineState(db);
    state.prewarm(a.sourceId);
    await until(() => cacheOf(state).size >= 1);
    await importBytes(db, squidLog('alpha', t0 + DAY_S, 40, 600), 'a2.log', { id: a.sourceId });
    state.invalidateData([a.sourceId]);
    await settled(state);
    // Nothing computed on the old data is served: every view counts the new facts.
    expect((await state.tables(all(`source:${a.sourceId}`))).summary.transactions).toBe(240);
    expect((await state.tables(all('global'))).summary.transactions).toBe(240);
  });
});

describe('facts read from the store', () => {
  const t0 = Date.UTC(2026, 2, 1) / 1000;
  const file = (name: string, bytes: Uint8Array) => ({
    name,
    size: bytes.byteLength,
    stream: new Blob([bytes as BlobPart]).stream(),
  });
  /** One import of `files` into a new source, in blocks of 3 facts (so strings recur across blocks). */
  const importFiles = (db: CloudscopeDb, files: [string, Uint8Array][], name: string) => {
    registerBuiltinFormats();
    return runImport(
      db,
      { files: files.map(([n, b]) => file(n, b)), source: { name, kind: 'continuous' } },
      { createHasher: () => new Sha256(), blockSize: 3 },
    );
  };

  it('stores each of an import’s strings once, and a duplicate file in the import leaves none behind', async () => {
    const a = squidLog('alpha', t0, 120);
    const b = squidLog('bravo', t0 + 3 * DAY_S, 60);
    const db = await openDb('state-dictionary', { indexedDB, IDBKeyRange });
    const r = await importFiles(
      db,
      [
        ['a.log', a],
        ['a-again.log', a],
        ['b.log', b],
      ],
      'Proxies',
    );
    expect(r.files.map((f) => f.alreadyImported ?? false)).toEqual([false, true, false]);
    const blocks = await db.factBlocks.where('importId').equals(r.importId!).toArray();
    expect(blocks.length).toBeGreaterThan(10);
    let size = 0;
    for (const blk of blocks) {
      expect(blk.dictFrom).toBe(size);
      size += blk.strings.length;
    }
    const strings = blocks.flatMap((blk) => blk.strings);
    expect(new Set(strings).size).toBe(strings.length);

    // The same data imported without the duplicate gives the same report.
    const other = await openDb('state-dictionary-ref', { indexedDB, IDBKeyRange });
    const ref = await importFiles(
      other,
      [
        ['a.log', a],
        ['b.log', b],
      ],
      'Proxies',
    );
    const tables = await new EngineState(db).tables(all(`source:${r.sourceId}`));
    expect(tables.summary.transactions).toBe(180);
    expect(tables).toEqual(await new EngineState(other).tables(all(`source:${ref.sourceId}`)));
  });

  it('keeps, emptied, a block retention clears when later blocks need its strings', async () => {
    const db = await openDb('state-dictionary-retention', { indexedDB, IDBKeyRange });
    // One request an hour for 20 days: the first blocks name every client, user and site the later ones use.
    const r = await importFiles(db, [['a.log', squidLog('alpha', t0, 480)]], 'Proxy');
    const state = new EngineState(db);
    const view = all(`source:${r.sourceId}`);
    const before = await state.tables(view);
    const first = (await db.factBlocks.where('importId').equals(r.importId!).first())!;
    expect(first.strings.length).toBeGreaterThan(0);
    expect(await state.applyRetention(5)).toBeGreaterThan(300);
    const kept = (await db.factBlocks.get(first.seq!))!;
    expect([kept.count, kept.strings]).toEqual([0, first.strings]);
    const after = await state.tables(view);
    expect(after.summary.transactions).toBeLessThan(180);
    expect(after.summary.transactions).toBeGreaterThan(100);
    // Every entity still has its name: the ones left are among those seen before.
    const names = (t: Tables) => t.users.map((u) => u.user).sort();
    expect(names(after).length).toBeGreaterThan(0);
    for (const n of names(after)) expect(names(before)).toContain(n);
    expect(after).toEqual(await new EngineState(db).tables(view));
  });

  it('answers a report from its own sources’ facts, without waiting for (or failing on) another’s', async () => {
    const db = await openDb('state-own-facts', { indexedDB, IDBKeyRange });
    const a = await importFiles(db, [['a.log', squidLog('alpha', t0, 100)]], 'Proxy A');
    const b = await importFiles(db, [['b.log', squidLog('bravo', t0, 100)]], 'Proxy B');
    const va = all(`source:${a.sourceId}`);
    const expected = await new EngineState(db).tables(va);
    // B's first block gone: the blocks after it name strings the store no longer holds.
    const firstOfB = await db.factBlocks.where('importId').equals(b.importId!).primaryKeys();
    await db.factBlocks.delete(firstOfB[0]);
    const state = new EngineState(db);
    expect(await state.tables(va)).toEqual(expected);
    await expect(state.tables(all(`source:${b.sourceId}`))).rejects.toThrow(/a block before it is missing/);
    // A failed read is tried again at the next ask, not remembered; A's report is still served.
    await expect(state.tables(all('global'))).rejects.toThrow(/a block before it is missing/);
    expect(await state.dashboard(va)).toEqual(await new EngineState(db).dashboard(va));
  });
});
