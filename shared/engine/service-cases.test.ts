// Cases through the engine's handlers over fake-indexeddb: one engine, one case open at a time, backups in between.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_FILE_SUFFIX } from '../store/backup';
import { caseDbName, DEFAULT_CASE_ID, DEFAULT_CASE_NAME } from '../store/cases';
import type { ImportRequest } from './protocol';
import type { AppRow } from './query';
import { createEngine, type Engine } from './service';
import type { ViewRequest } from './state';

const FX = 'shared/formats/fixtures';
const ctx = { signal: new AbortController().signal, progress: () => {} };
const deps = { indexedDB, IDBKeyRange };
const SQUID = `${FX}/squid/test-access-extensive.log`;
const DEFENDER = `${FX}/defender/plaso/advanced_hunting_test.csv`;
const global: ViewRequest = { report: { id: 'global' }, window: { preset: 'all' } };
const allApps = { ...global, table: { entity: 'apps' as const, offset: 0, limit: 10_000, hideNoise: false } };

function file(path: string): ImportRequest['files'][number] {
  const bytes = readFileSync(path);
  return { name: path.split('/').pop()!, size: bytes.byteLength, stream: new Blob([bytes]).stream() };
}

/** A file whose bytes arrive only when `release` is called: an import that is still running. */
function heldFile(path: string): { file: ImportRequest['files'][number]; release(): void } {
  const bytes = readFileSync(path);
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent === 1) await gate;
      if (sent >= 2) return c.close();
      c.enqueue(sent === 0 ? bytes.subarray(0, 200) : bytes.subarray(200));
      sent++;
    },
  });
  return { file: { name: 'held.log', size: bytes.byteLength, stream }, release };
}

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name!);
}

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ ...deps, appVersion: '0.1.0-test' });
  await engine.handlers['import.run']({ files: [file(DEFENDER)], source: { kind: 'continuous' } }, ctx);
  await engine.handlers['import.run']({ files: [file(SQUID)], source: { name: 'Proxy', kind: 'continuous' } }, ctx);
});

describe('cases in the engine', () => {
  it('opens the default investigation, in the pre-cases database, when no case was chosen', async () => {
    const { cases, currentId } = await engine.handlers['cases.list']({}, ctx);
    expect(currentId).toBe(DEFAULT_CASE_ID);
    expect(cases.map((c) => c.name)).toEqual([DEFAULT_CASE_NAME]);
    expect(cases[0].openedAt).not.toBeNull();
    expect((await engine.handlers['engine.status']({}, ctx)).dbName).toBe('cloudscope');
    expect((await engine.handlers['cases.current']({}, ctx))?.name).toBe(DEFAULT_CASE_NAME);
  });

  it('switches cases under the same handlers, each with its own data, keeping the settings', async () => {
    const h = engine.handlers;
    const off = (await h['query.table'](allApps, ctx)).rows as AppRow[];
    h['engine.configure']({ settings: { unknownCountsAgainst: true } }, ctx);
    const on = (await h['query.table'](allApps, ctx)).rows as AppRow[];
    const changed = on.find((a) => a.score !== null && a.score !== off.find((b) => b.key === a.key)?.score)!;
    expect(changed).toBeTruthy();

    const second = await h['cases.create']({ name: 'Second' }, ctx);
    expect((await h['cases.list']({}, ctx)).currentId).toBe(DEFAULT_CASE_ID);
    const opened = await h['cases.open']({ id: second.id }, ctx);
    expect(opened).toMatchObject({ id: second.id, name: 'Second' });
    expect(engine.db.name).toBe(caseDbName(second.id));
    expect((await h['engine.status']({}, ctx)).dataSources).toBe(0);
    expect((await h['reports.list']({}, ctx)).map((r) => r.name)).toEqual(['Global']);
    await h['import.run']({ files: [file(SQUID)], source: { name: 'Branch proxy', kind: 'continuous' } }, ctx);
    expect((await h['reports.list']({}, ctx)).map((r) => r.name)).toEqual(['Global', 'Branch proxy']);

    await h['cases.open']({ id: DEFAULT_CASE_ID }, ctx);
    expect(engine.db.name).toBe('cloudscope');
    expect((await h['reports.list']({}, ctx)).map((r) => r.name)).toEqual(['Global', 'Win10 Endpoint Users', 'Proxy']);
    const back = (await h['query.table'](allApps, ctx)).rows as AppRow[];
    expect(back.find((a) => a.key === changed.key)?.score).toBe(changed.score);
    expect((await h['cases.list']({}, ctx)).cases.map((c) => c.name)).toEqual([DEFAULT_CASE_NAME, 'Second']);
  });

  it('renames a case (the open one too) and deletes any case but the open one', async () => {
    const h = engine.handlers;
    expect((await h['cases.rename']({ id: DEFAULT_CASE_ID, name: 'Acme incident' }, ctx)).name).toBe('Acme incident');
    expect((await h['cases.current']({}, ctx))?.name).toBe('Acme incident');
    await expect(h['cases.delete']({ id: DEFAULT_CASE_ID }, ctx)).rejects.toThrow(/This case is open/);
    const doomed = await h['cases.create']({ name: 'Doomed' }, ctx);
    await h['cases.open']({ id: doomed.id }, ctx);
    await h['cases.open']({ id: DEFAULT_CASE_ID }, ctx);
    expect(await databaseNames()).toContain(caseDbName(doomed.id));
    await h['cases.delete']({ id: doomed.id }, ctx);
    expect(await databaseNames()).not.toContain(caseDbName(doomed.id));
    expect((await h['cases.list']({}, ctx)).cases.map((c) => c.name)).not.toContain('Doomed');
    await expect(h['cases.open']({ id: doomed.id }, ctx)).rejects.toThrow(/No such case/);
    expect(engine.db.name).toBe('cloudscope');
  });

  it('backs up the open case and restores it as a new case that answers the same', async () => {
    const h = engine.handlers;
    const apps = (await h['query.table'](allApps, ctx)).rows as AppRow[];
    await h['tags.apply']({ appIds: [apps.find((a) => a.appId)!.appId!], add: ['Sanctioned'], remove: [] }, ctx);
    const before = {
      apps: await h['query.table'](allApps, ctx),
      devices: await h['query.table']({ ...global, table: { entity: 'devices', offset: 0, limit: 10_000 } }, ctx),
      dashboard: await h['query.dashboard'](global, ctx),
      sources: await h['sources.list']({}, ctx),
      audit: await engine.db.audit.toArray(),
    };
    const file = await h['cases.backup']({}, ctx);
    expect(file.name).toMatch(
      new RegExp(`^Acme incident-\\d{4}-\\d\\d-\\d\\d${BACKUP_FILE_SUFFIX.replace(/\./g, '\\.')}$`),
    );
    const restored = await h['cases.restore']({ bytes: file.bytes }, ctx);
    expect(restored.name).toBe('Acme incident (restored)');
    expect(restored.openedAt).toBeNull();
    expect(engine.db.name).toBe('cloudscope'); // restoring does not open it
    const named = await h['cases.restore']({ bytes: file.bytes, name: 'Copy for legal' }, ctx);
    expect(named.name).toBe('Copy for legal');

    await h['cases.open']({ id: restored.id }, ctx);
    expect(await h['query.table'](allApps, ctx)).toEqual(before.apps);
    expect(await h['query.table']({ ...global, table: { entity: 'devices', offset: 0, limit: 10_000 } }, ctx)).toEqual(
      before.devices,
    );
    expect(await h['query.dashboard'](global, ctx)).toEqual(before.dashboard);
    expect(await h['sources.list']({}, ctx)).toEqual(before.sources);
    expect(await engine.db.audit.toArray()).toEqual(before.audit);
    await h['cases.open']({ id: DEFAULT_CASE_ID }, ctx);
  });

  it('refuses a damaged backup without creating a case or a database', async () => {
    const h = engine.handlers;
    const { bytes } = await h['cases.backup']({}, ctx);
    const bad = bytes.slice(0, bytes.length - 10);
    const casesBefore = (await h['cases.list']({}, ctx)).cases;
    const dbsBefore = await databaseNames();
    await expect(h['cases.restore']({ bytes: bad }, ctx)).rejects.toMatchObject({ name: 'BackupError' });
    await expect(h['cases.restore']({ bytes: new Uint8Array([1, 2, 3]) }, ctx)).rejects.toThrow(/not a Cloudscope/);
    expect((await h['cases.list']({}, ctx)).cases).toEqual(casesBefore);
    expect((await databaseNames()).sort()).toEqual(dbsBefore.sort());
  });

  it('does not switch cases under a running import', async () => {
    const h = engine.handlers;
    const other = await h['cases.create']({ name: 'Later' }, ctx);
    const held = heldFile(SQUID);
    const running = h['import.run']({ files: [held.file], source: { name: 'Held', kind: 'continuous' } }, ctx);
    await new Promise((r) => setTimeout(r, 50));
    await expect(h['cases.open']({ id: other.id }, ctx)).rejects.toThrow(/busy/);
    held.release();
    await running;
    expect((await h['cases.open']({ id: other.id }, ctx)).name).toBe('Later');
    await h['cases.open']({ id: DEFAULT_CASE_ID }, ctx);
  });

  it('reopens the case opened last when the engine starts again', async () => {
    const h = engine.handlers;
    const last = (await h['cases.list']({}, ctx)).cases.find((c) => c.name === 'Second')!;
    await h['cases.open']({ id: last.id }, ctx);
    engine.close();
    const again = await createEngine(deps);
    expect((await again.handlers['cases.current']({}, ctx))?.id).toBe(last.id);
    expect((await again.handlers['reports.list']({}, ctx)).map((r) => r.name)).toEqual(['Global', 'Branch proxy']);
    again.close();
    const chosen = await createEngine({ ...deps, caseId: DEFAULT_CASE_ID });
    expect(chosen.db.name).toBe('cloudscope');
    engine = chosen;
  });
});
