// Dashboards kept in the store: a reopened app (a new EngineState over the same database) answers a view it computed
// before without reading a fact, and computes again whatever changed since — data, retention, tags, settings, build.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Settings } from '../domain/settings';
import { registerBuiltinFormats } from '../formats/index';
import { type CloudscopeDb, openDb } from '../store/db';
import { runImport } from './import';
import type { DashboardView } from './protocol';
import { uploadFleetLog } from './risk-fixture';
import { Sha256 } from './sha256';
import { EngineState, type ViewRequest } from './state';
import { WorkingSet } from './working-set';

const FX = 'shared/formats/fixtures';
const STAMP = { stamp: 'build 1' };

async function importFile(db: CloudscopeDb, path: string | Uint8Array, name: string, sourceId?: string) {
  registerBuiltinFormats();
  const bytes = typeof path === 'string' ? readFileSync(path) : path;
  return runImport(
    db,
    {
      files: [{ name, size: bytes.byteLength, stream: new Blob([bytes as BlobPart]).stream() }],
      source: sourceId ? { id: sourceId, kind: 'continuous' } : { name: 'Proxy', kind: 'continuous' },
    },
    { createHasher: () => new Sha256() },
  );
}

let dbs = 0;
async function imported() {
  const db = await openDb(`stored-views-${dbs++}`, { indexedDB, IDBKeyRange });
  const r = await importFile(db, `${FX}/squid/test-access-extensive.log`, 'access.log');
  return { db, sourceId: r.sourceId };
}

const all = (reportId: string): ViewRequest => ({ report: { id: reportId }, window: { preset: 'all' } });

/** A session: a new state over the database (what reopening the app makes), with the given build stamp. */
async function session(db: CloudscopeDb, views: { stamp?: string } = STAMP) {
  const state = new EngineState(db, views);
  const reportId = (await state.reports()).find((r) => r.kind !== 'global')!.id;
  return { state, view: all(reportId) };
}

/**
 * The view's dashboard in a new session whose facts never come (every read of an import hangs): what it answers
 * within half a second was answered from the store, without the facts; null when it waits for them (it computes).
 */
async function reopened(db: CloudscopeDb, views: { stamp?: string } = STAMP, configure?: (s: EngineState) => void) {
  const { state, view } = await session(db, views);
  configure?.(state);
  const reads = vi.spyOn(WorkingSet.prototype, 'readImport').mockImplementation(() => new Promise(() => {}));
  const late = () => new Promise<null>((resolve) => setTimeout(() => resolve(null), 500));
  const kept = await Promise.race([state.dashboard(view), late()]);
  const first = await Promise.race([state.dashboardFirst(view), late()]);
  reads.mockRestore();
  return { kept, first };
}

/** The same view computed from the facts by a state that keeps nothing. */
async function computed(db: CloudscopeDb): Promise<DashboardView> {
  const { state, view } = await session(db, {});
  return state.dashboard(view);
}

/** Computes the view in a session and writes what it keeps. */
async function computeAndKeep(db: CloudscopeDb) {
  const { state, view } = await session(db);
  const d = await state.dashboard(view);
  await vi.waitFor(async () => {
    await state.flushStoredViews();
    const keys = ((await db.kv.get('derived.dashboards'))?.value ?? []) as string[];
    const kept = await Promise.all(keys.map(async (k) => (await db.kv.get(`derived.dashboards:${k}`))?.value));
    expect(kept.some((v) => JSON.stringify(v) === JSON.stringify(d))).toBe(true);
  });
  return { state, view, d };
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** Drops the results kept in the store under `prefix` (every kind with 'derived.'). */
async function forgetKept(db: CloudscopeDb, prefix: string) {
  const keys = await db.kv.toCollection().primaryKeys();
  await db.kv.bulkDelete(keys.filter((k) => String(k).startsWith(prefix)));
}

/** Drops the whole views kept in the store (what a view never computed before looks like). */
const forgetComputed = (db: CloudscopeDb) => forgetKept(db, 'derived.computed');

describe('stored dashboards', () => {
  it('answer a reopened app without its facts, equal to a computation', async () => {
    const { db } = await imported();
    const { d } = await computeAndKeep(db);
    expect(d.riskPending).toBe(false);
    const again = await reopened(db);
    expect(again.kept).toEqual(d);
    expect(again.first).toEqual(d);
    expect(d).toEqual(await computed(db));
  });

  it('are not kept without a stamp, nor served to another build', async () => {
    const { db } = await imported();
    const { state, view } = await session(db, {});
    await state.dashboard(view);
    await state.flushStoredViews();
    expect(await db.kv.get('derived.dashboards')).toBeUndefined();
    await computeAndKeep(db);
    expect((await reopened(db)).kept).not.toBeNull();
    expect((await reopened(db, { stamp: 'build 2' })).kept).toBeNull();
  });

  it('are computed again after an import into the report', async () => {
    const { db, sourceId } = await imported();
    const { d } = await computeAndKeep(db);
    await importFile(db, `${FX}/squid/test-access.log`, 'more.log', sourceId);
    expect((await reopened(db)).kept).toBeNull();
    const after = await computeAndKeep(db);
    expect(after.d.summary.transactions).toBeGreaterThan(d.summary.transactions);
    expect((await reopened(db)).kept).toEqual(after.d);
  });

  it('are computed again after a tag, a setting or retention changed what they show', async () => {
    const { db, sourceId } = await imported();
    const { state, d } = await computeAndKeep(db);
    const app = d.topByTransactions[0];
    await state.applyTags([app.key], ['Unsanctioned'], [], 'test');
    expect((await reopened(db)).kept).toBeNull();
    const tagged = await computeAndKeep(db);
    expect(tagged.d).not.toEqual(d);
    expect((await reopened(db)).kept).toEqual(tagged.d);

    // A setting the results depend on: the session's settings are part of the fingerprint.
    const risky = (s: EngineState) => s.configure({ thresholds: { ...settingsOf(s).thresholds, riskyScore: 9 } });
    expect((await reopened(db, STAMP, risky)).kept).toBeNull();

    // Retention changes facts in place, their import records unchanged (a log of 2006 beside one of 2026).
    await importFile(db, `${FX}/squid/test-access.log`, 'old.log', sourceId);
    const both = await computeAndKeep(db);
    expect((await reopened(db)).kept).toEqual(both.d);
    expect(await both.state.applyRetention(1)).toBeGreaterThan(0);
    expect((await reopened(db)).kept).toBeNull();
    const retained = await computeAndKeep(db);
    expect(retained.d.summary.transactions).toBeLessThan(both.d.summary.transactions);
    expect(retained.d).toEqual(await computed(db));
  });

  it('are never kept or served while views are anonymized (pseudonyms last one session)', async () => {
    const { db } = await imported();
    await computeAndKeep(db);
    const anonymized = (s: EngineState) => s.configure({ anonymize: true });
    expect((await reopened(db, STAMP, anonymized)).kept).toBeNull();
    const { state, view } = await session(db);
    anonymized(state);
    await state.dashboard(view);
    await new Promise((r) => setTimeout(r, 600));
    await state.flushStoredViews();
    const stored = (await db.kv.get('derived.dashboards'))?.value as unknown[];
    expect(stored).toHaveLength(1);
  });

  it('keep the risk bases too: read back and judged with the tags as they are, equal to a computation', async () => {
    const { db } = await imported();
    const tables = async (stamp: { stamp?: string }) => {
      // A view this session computes (its whole result not kept), over the report's kept bases.
      await forgetComputed(db);
      const { state, view } = await session(db, stamp);
      const t = await state.tables(view);
      await state.flushStoredViews();
      return { t, count: state.basesCount, state };
    };
    const first = await tables(STAMP);
    expect(first.count).toEqual({ computed: 1, read: 0 });
    const again = await tables(STAMP);
    expect(again.count).toEqual({ computed: 0, read: 1 });
    expect(again.t).toEqual((await tables({})).t);

    // A tag: the bases read back are judged with it, as a computation judges them.
    const app = again.t.apps.find((a) => a.appId !== null)!;
    await again.state.applyTags([app.key], ['Unsanctioned'], [], 'test');
    const tagged = await tables(STAMP);
    expect(tagged.count).toEqual({ computed: 0, read: 1 });
    expect(tagged.t).toEqual((await tables({})).t);
    expect(tagged.t.apps.find((a) => a.key === app.key)?.tags).toContain('Unsanctioned');

    // Other thresholds and the signals' severity are applied when bases are judged: read back and judged with them.
    await forgetComputed(db);
    const judging = await session(db);
    const judged = {
      thresholds: { ...settingsOf(judging.state).thresholds, popularUsers: 1, riskyScore: 9 },
      signalSeverity: 'High' as const,
    };
    judging.state.configure(judged);
    const judgedTables = await judging.state.tables(judging.view);
    expect(judging.state.basesCount).toEqual({ computed: 0, read: 1 });
    const plain = await session(db, {});
    plain.state.configure(judged);
    expect(judgedTables).toEqual(await plain.state.tables(plain.view));

    // Any upload threshold too, however far below theirs, where they left no upload out (this proxy logs no upload
    // byte counts); another build computes its own.
    await forgetComputed(db);
    const { state, view } = await session(db);
    const low = { thresholds: { ...settingsOf(state).thresholds, highUploadBytes: 12_345 } };
    state.configure(low);
    const lowTables = await state.tables(view);
    expect(state.basesCount).toEqual({ computed: 0, read: 1 });
    const lowPlain = await session(db, {});
    lowPlain.state.configure(low);
    expect(lowTables).toEqual(await lowPlain.state.tables(lowPlain.view));
    expect((await tables({ stamp: 'build 2' })).count).toEqual({ computed: 1, read: 0 });
  });

  it('keep the risk bases for other upload thresholds: read back where they serve them, else computed and kept in their place', async () => {
    const db = await openDb(`stored-views-${dbs++}`, { indexedDB, IDBKeyRange });
    await importFile(db, uploadFleetLog(Date.UTC(2026, 8, 7) / 1000), 'proxy.log');
    const judgedAs = async (highUploadBytes: number) => {
      await forgetComputed(db);
      const { state, view } = await session(db);
      state.configure({ thresholds: { ...settingsOf(state).thresholds, highUploadBytes } });
      const t = await state.tables(view);
      await state.flushStoredViews();
      const plain = await session(db, {});
      plain.state.configure({ thresholds: { ...settingsOf(plain.state).thresholds, highUploadBytes } });
      expect(t).toEqual(await plain.state.tables(plain.view));
      return state.basesCount;
    };
    const MB = 1024 * 1024;
    expect(await judgedAs(100 * MB)).toEqual({ computed: 1, read: 0 });
    // Higher, and lower down to what they left out (200 KB a day before a baseline): read back and judged.
    expect(await judgedAs(400 * MB)).toEqual({ computed: 0, read: 1 });
    expect(await judgedAs(1 * MB)).toEqual({ computed: 0, read: 1 });
    // Lower still: the uploads they left out count, so computed again, and kept in place of the first ones ...
    expect(await judgedAs(100 * 1024)).toEqual({ computed: 1, read: 0 });
    expect(await judgedAs(100 * 1024)).toEqual({ computed: 0, read: 1 });
    // ... which serve every higher threshold.
    expect(await judgedAs(100 * MB)).toEqual({ computed: 0, read: 1 });
  });

  it('compute the bases again when what the store holds is not of their shape', async () => {
    const { db } = await imported();
    const { state, view } = await session(db);
    await state.tables(view);
    await state.flushStoredViews();
    // As a JSON round trip would leave them: typed arrays turned into plain objects.
    const [key] = (await db.kv.get('derived.bases'))!.value as string[];
    const kept = (await db.kv.get(`derived.bases:${key}`))!.value;
    await db.kv.put({ key: `derived.bases:${key}`, value: JSON.parse(JSON.stringify(kept)) });
    await forgetComputed(db);
    const again = await session(db);
    expect(await again.state.tables(again.view)).toEqual(await state.tables(view));
    expect(again.state.basesCount).toEqual({ computed: 1, read: 0 });
  });

  it('write risk bases only once their data has stayed the same a moment (a live source changes it every batch)', async () => {
    const { db, sourceId } = await imported();
    const { state, view } = await session(db);
    await state.tables(view);
    // A batch comes before the bases were written: they describe data that is gone, and are never written.
    await importFile(db, `${FX}/squid/test-access.log`, 'batch.log', sourceId);
    state.invalidateData([sourceId], { factsKept: true });
    await state.flushStoredViews();
    expect(await db.kv.get('derived.bases')).toBeUndefined();
    // Those of the new data are.
    await state.tables(view);
    await state.flushStoredViews();
    expect((await db.kv.get('derived.bases'))?.value).toHaveLength(1);
  });

  it('are written a moment after they are computed when the data has not changed for a while, later when it has', async () => {
    const { db, sourceId } = await imported();
    const { state, view } = await session(db);
    const kept = async (index: string) => (((await db.kv.get(index))?.value ?? []) as string[]).length;
    // The data has not changed in this session: the view, its dashboard and bases are written about a second after.
    const computedAt = Date.now();
    await state.tables(view);
    await vi.waitFor(async () => expect(await kept('derived.computed')).toBe(1), { timeout: 4000, interval: 50 });
    expect(await kept('derived.bases')).toBe(1);
    expect(Date.now() - computedAt).toBeLessThan(4000);
    // Right after a batch of a live source, a view of the new data waits for the data to stay the same 5 s.
    await importFile(db, `${FX}/squid/test-access.log`, 'batch.log', sourceId);
    state.invalidateData([sourceId], { factsKept: true });
    await state.tables(view);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await kept('derived.computed')).toBe(1);
    await state.flushStoredViews();
    expect(await kept('derived.computed')).toBe(2);
  });

  it('judge a view an earlier session kept again after a tag or a setting change, as a computation gives it', async () => {
    const { db, sourceId } = await imported();
    const { state, view } = await session(db);
    const before = await state.tables(view);
    await state.flushStoredViews();
    // A later session: an app tagged, a threshold changed; nothing of this session computed the view yet.
    const again = await session(db);
    const app = before.apps.find((a) => a.appId !== null)!;
    await again.state.applyTags([app.key], ['Unsanctioned'], [], 'test');
    again.state.configure({ thresholds: { ...settingsOf(again.state).thresholds, riskyScore: 9 } });
    const judged = await again.state.tables(again.view);
    expect(again.state.viewsRejudged).toBe(1);
    expect(judged.apps.find((a) => a.key === app.key)?.tags).toContain('Unsanctioned');
    const fresh = await session(db, {});
    fresh.state.configure({ thresholds: { ...settingsOf(fresh.state).thresholds, riskyScore: 9 } });
    expect(judged).toEqual(await fresh.state.tables(fresh.view));
    expect(await again.state.signals(again.view)).toEqual(await fresh.state.signals(fresh.view));
    expect(await again.state.dashboard(again.view)).toEqual(await fresh.state.dashboard(fresh.view));
    // Not for other data: the source grew since.
    await importFile(db, `${FX}/squid/test-access.log`, 'more.log', sourceId);
    const more = await session(db);
    await more.state.tables(more.view);
    expect(more.state.viewsRejudged).toBe(0);
  });

  it('keep whole views too: a reopened app has its tables without the facts, equal to a computation', async () => {
    const { db, sourceId } = await imported();
    const { state, view } = await session(db);
    const t = await state.tables(view);
    await state.flushStoredViews();
    const again = await session(db);
    const reads = vi.spyOn(WorkingSet.prototype, 'readImport').mockImplementation(() => new Promise(() => {}));
    const late = new Promise<null>((resolve) => setTimeout(() => resolve(null), 500));
    expect(await Promise.race([again.state.tables(again.view), late])).toEqual(t);
    expect(await Promise.race([again.state.signals(again.view), late])).toEqual(await state.signals(view));
    reads.mockRestore();
    expect(t).toEqual(await (await session(db, {})).state.tables(view));
    // Not after the data changed.
    await importFile(db, `${FX}/squid/test-access.log`, 'more.log', sourceId);
    const after = await session(db);
    const hung = vi.spyOn(WorkingSet.prototype, 'readImport').mockImplementation(() => new Promise(() => {}));
    const later = new Promise<null>((resolve) => setTimeout(() => resolve(null), 500));
    expect(await Promise.race([after.state.tables(after.view), later])).toBeNull();
    hung.mockRestore();
  });

  it("keep bases computed while another source's data changed (only their own report's data must stay the same)", async () => {
    const { db, sourceId } = await imported();
    const bytes = readFileSync(`${FX}/squid/test-access.log`);
    const other = await runImport(
      db,
      {
        files: [{ name: 'other.log', size: bytes.byteLength, stream: new Blob([bytes as BlobPart]).stream() }],
        source: { name: 'Other proxy', kind: 'continuous' },
      },
      { createHasher: () => new Sha256() },
    );
    expect(other.sourceId).not.toBe(sourceId);
    const view = all(`source:${sourceId}`);
    /** The bases kept in the store after a view's computation during which `changed`'s data changed. */
    const keptAfter = async (changed: string) => {
      // Nothing kept: the session computes the view and its bases.
      await forgetKept(db, 'derived.');
      const { state } = await session(db);
      // The dashboard is answered once the devices' and signals' bases are in; the users' are computed after.
      await state.dashboard(view);
      const [entry] = [...(state as unknown as { bases: Map<string, { result: Promise<unknown> }> }).bases.values()];
      state.invalidateData([changed], { factsKept: true });
      await entry.result;
      await state.flushStoredViews();
      return ((await db.kv.get('derived.bases'))?.value as string[] | undefined) ?? [];
    };
    // Their own source's data changed meanwhile: not kept (the facts may not be those the fingerprint names).
    expect(await keptAfter(sourceId)).toHaveLength(0);
    // Another source's (an import into it): kept, and read back by the next session.
    expect(await keptAfter(other.sourceId)).toHaveLength(1);
    const next = (await session(db)).state;
    await next.tables(view);
    expect(next.basesCount).toEqual({ computed: 0, read: 1 });
  });

  it('keep a record read back over those kept after it: the least recently used goes first', async () => {
    const { db } = await imported();
    const { state } = await session(db);
    const kept = state as unknown as {
      writeKept(index: string, limit: number, key: string, value: unknown): Promise<void>;
      keptRecord(index: string, key: string, valid: (v: unknown) => v is number): Promise<number | null>;
    };
    const isNumber = (v: unknown): v is number => typeof v === 'number';
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      await kept.writeKept('test.kept', 3, k, v);
    expect(await kept.keptRecord('test.kept', 'a', isNumber)).toBe(1);
    await state.flushStoredViews();
    await kept.writeKept('test.kept', 3, 'd', 4);
    // "a" was kept first but read back since: "b" goes.
    expect(await kept.keptRecord('test.kept', 'b', isNumber)).toBeNull();
    expect(await kept.keptRecord('test.kept', 'a', isNumber)).toBe(1);
    expect(await kept.keptRecord('test.kept', 'd', isNumber)).toBe(4);
  });

  it("give an entity page's head in a reopened app without the facts, its page once they are in", async () => {
    const { db } = await imported();
    const { state, view } = await session(db);
    const t = await state.tables(view);
    await state.flushStoredViews();
    const device = t.devices[0];
    const user = t.users[0];
    const ip = t.ips[0];
    expect(device && user && ip).toBeTruthy();
    const again = await session(db);
    const reads = vi.spyOn(WorkingSet.prototype, 'readImport').mockImplementation(() => new Promise(() => {}));
    const late = () => new Promise<null>((resolve) => setTimeout(() => resolve(null), 500));
    const s = again.state;
    const v = again.view;
    expect(await Promise.race([s.entity(v, 'device', device.key), late()])).toEqual({ kind: 'device', row: device });
    expect(await Promise.race([s.entity(v, 'user', user.user), late()])).toEqual({ kind: 'user', row: user });
    expect(await Promise.race([s.entity(v, 'ip', ip.ip), late()])).toEqual({ kind: 'ip', row: ip });
    expect(await Promise.race([s.entity(v, 'device', 'no such device'), late()])).toBeNull();
    // The page itself needs the facts: it waits for them.
    expect(await Promise.race([s.device(v, device.key), late()])).toBeNull();
    reads.mockRestore();
    // (A session whose reads hung keeps waiting: the page is asked of another, whose facts come.)
    const third = await session(db);
    const page = await third.state.device(third.view, device.key);
    expect(page?.device).toEqual(device);
    expect(page?.timeline.length).toBeGreaterThan(0);
  });
});

/** The state's settings as configured (read through a private field: tests only). */
function settingsOf(s: EngineState): Settings {
  return (s as unknown as { settings: Settings }).settings;
}
