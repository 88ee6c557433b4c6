// The engine state's cache: warmed in the background after an import or a tag change, shared by concurrent callers.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { registerBuiltinFormats } from '../formats/index';
import { openDb } from '../store/db';
import { runImport } from './import';
import { Sha256 } from './sha256';
import { EngineState, type ViewRequest } from './state';

const FX = 'shared/formats/fixtures';

async function importedState(name: string) {
  registerBuiltinFormats();
  const db = await openDb(name, { indexedDB, IDBKeyRange });
  const bytes = readFileSync(`${FX}/squid/test-access-extensive.log`);
  const r = await runImport(
    db,
    {
      files: [{ name: 'access.log', size: bytes.byteLength, stream: new Blob([bytes]).stream() }],
      source: { name: 'Proxy', kind: 'continuous' },
    },
    { createHasher: () => new Sha256() },
  );
  return { state: new EngineState(db), sourceId: r.sourceId };
}

/** The state's cache, read for what it holds (its keys name report and window). */
const cacheOf = (s: EngineState) => (s as unknown as { cache: Map<string, Promise<unknown>> }).cache;

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe('engine state cache', () => {
  it('warms the imported source’s report over all time, and the view then comes from that work', async () => {
    const { state, sourceId } = await importedState('state-prewarm');
    expect(cacheOf(state).size).toBe(0);
    state.prewarm(sourceId);
    await until(() => cacheOf(state).size === 1);
    const [key] = [...cacheOf(state).keys()];
    expect(key).toBe(JSON.stringify([`source:${sourceId}`, { from: null, to: null }]));
    const warmed = (await cacheOf(state).get(key)) as { tables: unknown };
    const v: ViewRequest = { report: { id: `source:${sourceId}` }, window: { preset: 'all' } };
    expect(await state.tables(v)).toBe(warmed.tables);
    const d = await state.dashboard(v);
    expect(d.summary.transactions).toBeGreaterThan(0);
  });

  it('shares one computation between concurrent callers and re-warms the last view after a tag change', async () => {
    const { state, sourceId } = await importedState('state-shared');
    const v: ViewRequest = { report: { id: `source:${sourceId}` }, window: { preset: 'all' } };
    const [a, b] = await Promise.all([state.tables(v), state.tables(v)]);
    expect(a).toBe(b);
    const app = a.apps.find((x) => x.appId !== null);
    expect(app).toBeDefined();
    await state.applyTags([app!.appId!], ['Sanctioned'], [], 'test');
    expect(cacheOf(state).size).toBe(0);
    state.prewarm();
    await until(() => cacheOf(state).size === 1);
    const again = await state.tables(v);
    expect(again).not.toBe(a);
    expect(again.apps.find((x) => x.appId === app!.appId)?.tags).toContain('Sanctioned');
  });

  it('drops a warm-up the data changed under, and the next view computes afresh', async () => {
    const { state, sourceId } = await importedState('state-invalidated');
    state.prewarm(sourceId);
    state.invalidateData();
    await new Promise((r) => setTimeout(r, 50));
    const v: ViewRequest = { report: { id: `source:${sourceId}` }, window: { preset: 'all' } };
    const t = await state.tables(v);
    expect(t.summary.transactions).toBeGreaterThan(0);
  });

  it('finishes a warm-up a view joined even when the data changes under it; stops one nobody joined', async () => {
    const { state, sourceId } = await importedState('state-joined');
    const v: ViewRequest = { report: { id: `source:${sourceId}` }, window: { preset: 'all' } };
    state.prewarm(sourceId);
    await until(() => cacheOf(state).size === 1);
    const warming = [...cacheOf(state).values()][0];
    const asked = state.tables(v);
    // The request reaches the cache after a few microtasks; the warm-up moves on only in macrotasks.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    state.invalidateData();
    expect((await asked).summary.transactions).toBeGreaterThan(0);
    await expect(warming).resolves.toMatchObject({ signals: expect.any(Array) });

    state.prewarm(sourceId);
    await until(() => cacheOf(state).size === 1);
    const unjoined = [...cacheOf(state).values()][0];
    state.invalidateData();
    await expect(unjoined).rejects.toThrow();
    expect(cacheOf(state).size).toBe(0);
  });
});
