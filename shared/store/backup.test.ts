// A case backed up to one file and restored into a new case gives the same answers; a bad file is refused whole.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../engine/import';
import type { ImportRequest } from '../engine/protocol';
import type { AppRow } from '../engine/query';
import { Sha256 } from '../engine/sha256';
import { EngineState, type ViewRequest } from '../engine/state';
import { registerBuiltinFormats } from '../formats/index';
import {
  BACKUP_FILE_SUFFIX,
  BACKUP_FORMAT_VERSION,
  BackupError,
  type BackupManifest,
  backupCase,
  backupFileName,
  readBackup,
  restoreCase,
} from './backup';
import { type CloudscopeDb, DERIVED_KV_PREFIX, openDb } from './db';
import { bytesAt, widenFactBlock } from './fact-block';

const FX = 'shared/formats/fixtures';
const deps = { indexedDB, IDBKeyRange };
let n = 0;
const newDb = (): Promise<CloudscopeDb> => openDb(`backup-test-${n++}`, deps);

function file(path: string): ImportRequest['files'][number] {
  const bytes = readFileSync(path);
  return { name: path.split('/').pop()!, size: bytes.byteLength, stream: new Blob([bytes]).stream() };
}

const importOpts = { createHasher: () => new Sha256() };

/** Everything a case holds, table by table, as stored. */
async function dump(db: CloudscopeDb) {
  return {
    dataSources: await db.dataSources.toArray(),
    imports: await db.imports.toArray(),
    factBlocks: await db.factBlocks.toArray(),
    keyBlocks: await db.keyBlocks.toArray(),
    tags: await db.tags.toArray(),
    overrides: await db.overrides.toArray(),
    customApps: await db.customApps.toArray(),
    audit: await db.audit.toArray(),
    // Dashboards and risk bases kept for the next session are derived, never backed up (checked below).
    kv: (await db.kv.toArray()).filter((r) => !r.key.startsWith(DERIVED_KV_PREFIX)),
  };
}

async function isEmpty(db: CloudscopeDb): Promise<boolean> {
  for (const t of db.tables) if ((await t.count()) > 0) return false;
  return true;
}

/** Rewrites one entry of a backup (and, unless told not to, the manifest's hashes to match), then re-zips. */
function tamper(
  bytes: Uint8Array,
  edit: (files: Record<string, Uint8Array>, manifest: BackupManifest) => void,
  rehash = true,
): Uint8Array {
  const files = unzipSync(bytes);
  const manifest = JSON.parse(strFromU8(files['manifest.json'])) as BackupManifest;
  edit(files, manifest);
  if (rehash) {
    for (const name of Object.keys(manifest.entries)) {
      const b = files[name];
      manifest.entries[name] = { size: b.byteLength, sha256: createHash('sha256').update(b).digest('hex') };
    }
    files['manifest.json'] = strToU8(JSON.stringify(manifest));
    files['manifest.sha256'] = strToU8(
      `${createHash('sha256').update(files['manifest.json']).digest('hex')}  manifest.json\n`,
    );
  }
  return zipSync(files);
}

let source: CloudscopeDb;
let backup: Uint8Array;
let endpointId = '';
let proxyId = '';
let customHost = '';
const NOW = Date.UTC(2026, 4, 1, 12);

beforeAll(async () => {
  registerBuiltinFormats();
  source = await newDb();
  const r1 = await runImport(
    source,
    { files: [file(`${FX}/defender/plaso/advanced_hunting_test.csv`)], source: { kind: 'continuous' } },
    importOpts,
  );
  const r2 = await runImport(
    source,
    { files: [file(`${FX}/squid/test-access-extensive.log`)], source: { name: 'Proxy', kind: 'continuous' } },
    importOpts,
  );
  endpointId = r1.sourceId;
  proxyId = r2.sourceId;
  // A state that keeps dashboards and risk bases in the store, as the app's does: those are left out of a backup.
  const state = new EngineState(source, { stamp: 'test build' });
  const apps = (await state.tables({ report: { id: 'global' }, window: { preset: 'all' } })).apps;
  await state.flushStoredViews();
  expect(await source.kv.get(`${DERIVED_KV_PREFIX}bases`)).toBeDefined();
  const identified = apps.find((a) => a.appId)!;
  const unidentified = apps.find((a) => !a.appId && a.domains.length > 0)!;
  customHost = unidentified.domains[0];
  await state.applyTags([identified.appId!], ['Unsanctioned', 'Needs review'], [], 'analyst');
  await source.overrides.put({ appId: identified.appId!, score: 2, note: 'seen in phishing' });
  await source.customApps.put({
    id: 'custom-intranet',
    app: { id: 'custom-intranet', name: 'Intranet', domains: [customHost], ips: [], category: 'Other', notes: '' },
  });
  await source.kv.put({ key: 'layout', value: { columns: ['app', 'score'], pinned: null } });
  backup = await backupCase(source, { caseName: 'Acme incident', appVersion: '0.1.0', now: NOW });
});

const views = (): ViewRequest[] => [
  { report: { id: 'global' }, window: { preset: 'all' } },
  { report: { id: 'endpoint' }, window: { preset: 'all' } },
  { report: { id: `source:${proxyId}` }, window: { preset: 'all' } },
];

describe('case backup and restore', () => {
  it('writes a zip with a manifest: format, versions, case, time, counts and a hash per entry', () => {
    const files = unzipSync(backup);
    const manifest = JSON.parse(strFromU8(files['manifest.json'])) as BackupManifest;
    expect(manifest).toMatchObject({
      format: 'cloudscope-case-backup',
      formatVersion: BACKUP_FORMAT_VERSION,
      appVersion: '0.1.0',
      dbVersion: 1,
      caseName: 'Acme incident',
      createdAt: '2026-05-01T12:00:00.000Z',
    });
    expect(manifest.tables).toMatchObject({ dataSources: 2, imports: 2, tags: 1, overrides: 1, customApps: 1, kv: 1 });
    expect(manifest.tables.audit).toBe(1);
    expect(manifest.tables.facts).toBeGreaterThan(0);
    for (const [name, e] of Object.entries(manifest.entries)) {
      expect(createHash('sha256').update(files[name]).digest('hex'), name).toBe(e.sha256);
      expect(files[name].byteLength).toBe(e.size);
    }
    // Columns are raw little-endian bytes: 4 per Int32 row, 8 per Float64 row, not JSON numbers.
    expect(files['facts/hour.i32'].byteLength).toBe(manifest.tables.facts * 4);
    expect(files['facts/bytesUp.f64'].byteLength).toBe(manifest.tables.facts * 8);
    const hours = new Int32Array(files['facts/hour.i32'].slice().buffer);
    expect(hours[0]).toBeGreaterThan(400_000); // hours since 1970 for 2016+ data
  });

  it('restores into a new case with identical tables, signals, provenance, tags, audit log and bytes', async () => {
    const target = await newDb();
    const manifest = await restoreCase(backup, target);
    expect(manifest.caseName).toBe('Acme incident');
    const [a, b] = [await dump(source), await dump(target)];
    expect(b).toEqual(a);
    const derived = async (db: CloudscopeDb) =>
      (await db.kv.toCollection().primaryKeys()).filter((k) => String(k).startsWith(DERIVED_KV_PREFIX));
    expect(await derived(source)).not.toEqual([]);
    expect(await derived(target)).toEqual([]);
    // Unknown bytes (NaN) survive bit for bit: endpoint facts carry no byte counts.
    const endpointBlock = b.factBlocks.find((x) => x.sourceId === endpointId)!;
    expect(Number.isNaN(bytesAt(endpointBlock.bytesUp, 0))).toBe(true);
    const sa = new EngineState(source);
    const sb = new EngineState(target);
    for (const v of views()) {
      const ta = await sa.tables(v);
      expect(ta.summary.transactions, v.report.id).toBeGreaterThan(0);
      expect(await sb.tables(v), v.report.id).toEqual(ta);
      expect(await sb.signals(v)).toEqual(await sa.signals(v));
    }
    const apps = (await sb.tables(views()[0])).apps;
    expect(apps.find((x: AppRow) => x.tags.includes('Needs review'))).toBeTruthy();
    expect(apps.find((x: AppRow) => x.appId === 'custom-intranet')?.domains).toContain(customHost);
  });

  it('backs up a case stored in the first, wide block layout to the very same file, and restores it packed', async () => {
    // Cases and backups made before blocks were packed narrow hold Int32 ids, Float64 numbers and absolute times.
    const old = await newDb();
    const d = await dump(source);
    await old.dataSources.bulkAdd(d.dataSources);
    await old.imports.bulkAdd(d.imports);
    await old.factBlocks.bulkAdd(d.factBlocks.map(widenFactBlock));
    await old.keyBlocks.bulkAdd(d.keyBlocks);
    await old.tags.bulkAdd(d.tags);
    await old.overrides.bulkAdd(d.overrides);
    await old.customApps.bulkAdd(d.customApps);
    await old.audit.bulkAdd(d.audit);
    await old.kv.bulkAdd(d.kv);
    const stored = (await old.factBlocks.toArray()).find((x) => x.sourceId === endpointId)!;
    expect(stored.bytesUp).toBeInstanceOf(Float64Array);
    expect(stored.firstSeen).toBeInstanceOf(Float64Array);
    expect(d.factBlocks.find((x) => x.sourceId === endpointId)!.firstSeen).toBeInstanceOf(Int32Array);

    const oldBackup = await backupCase(old, { caseName: 'Acme incident', appVersion: '0.1.0', now: NOW });
    expect(oldBackup).toEqual(backup);
    const sa = new EngineState(source);
    const so = new EngineState(old);
    for (const v of views()) expect(await so.tables(v), v.report.id).toEqual(await sa.tables(v));
    const target = await newDb();
    await restoreCase(oldBackup, target);
    expect((await dump(target)).factBlocks).toEqual(d.factBlocks);
  });

  it('re-importing a file the backup already holds adds nothing in the restored case', async () => {
    const target = await newDb();
    await restoreCase(backup, target);
    const r = await runImport(
      target,
      { files: [file(`${FX}/squid/test-access-extensive.log`)], source: { id: proxyId, kind: 'continuous' } },
      importOpts,
    );
    expect(r.files[0].alreadyImported).toBe(true);
    expect(r.facts).toBe(0);
  });

  it('never restores over a case that holds data', async () => {
    const other = await newDb();
    await other.kv.put({ key: 'x', value: 1 });
    await expect(restoreCase(backup, other)).rejects.toThrow(/new, empty case/);
    expect(await other.kv.count()).toBe(1);
    expect(await other.dataSources.count()).toBe(0);
  });

  it('leaves staging blocks of an unfinished import out', async () => {
    const db = await newDb();
    await restoreCase(backup, db);
    await db.imports.put({
      id: 'staging-1',
      sourceId: proxyId,
      status: 'staging',
      sha256: [],
      files: [],
      timeZone: 'UTC',
      startedAt: NOW,
      finishedAt: null,
      durationMs: null,
      facts: 0,
      transactions: 0,
      firstEvent: null,
      lastEvent: null,
    });
    const block = (await db.factBlocks.toArray())[0];
    await db.factBlocks.add({ ...block, seq: undefined, importId: 'staging-1' });
    const again = readBackup(await backupCase(db, { caseName: 'again' }));
    expect(again.imports.map((i) => i.id)).not.toContain('staging-1');
    expect(again.factBlocks.length).toBe((await db.factBlocks.count()) - 1);
  });

  it('refuses a file with any flipped byte in its content, and writes nothing', async () => {
    const target = await newDb();
    const files = unzipSync(backup);
    for (const name of ['facts/transactions.f64', 'data/audit.json', 'manifest.json']) {
      const bad = { ...files, [name]: files[name].slice() };
      bad[name][Math.floor(bad[name].length / 2)] ^= 0x01;
      await expect(restoreCase(zipSync(bad), target), name).rejects.toThrow(BackupError);
    }
    expect(await isEmpty(target)).toBe(true);
  });

  it('never restores altered content from a flipped byte anywhere in the file', () => {
    const clean = readBackup(backup);
    // Every 97th byte: flips in zip bookkeeping that carries no data (times, attributes) may pass; content may not change.
    let refused = 0;
    for (let i = 0; i < backup.length; i += 97) {
      const bad = backup.slice();
      bad[i] ^= 0x20;
      try {
        const r = readBackup(bad);
        expect(r, `byte ${i}`).toEqual(clean);
      } catch (e) {
        expect(e, `byte ${i}`).toBeInstanceOf(BackupError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(backup.length / 97 / 2);
  });

  it('refuses a truncated file', async () => {
    const target = await newDb();
    for (const len of [backup.length - 1, Math.floor(backup.length / 2), 100, 0]) {
      await expect(restoreCase(backup.subarray(0, len), target), `${len} bytes`).rejects.toThrow(BackupError);
    }
    expect(await isEmpty(target)).toBe(true);
  });

  it('refuses another format version, naming it, even when every hash matches', () => {
    const newer = tamper(backup, (_f, m) => {
      m.formatVersion = 2;
    });
    expect(() => readBackup(newer)).toThrow(/format version 2; this Cloudscope reads version 1/);
    try {
      readBackup(newer);
    } catch (e) {
      expect((e as BackupError).hint).toMatch(/newer Cloudscope/);
    }
    const newerSchema = tamper(backup, (_f, m) => {
      m.dbVersion = 99;
    });
    expect(() => readBackup(newerSchema)).toThrow(/schema version 99/);
  });

  it('refuses foreign files: not a zip, a zip of something else, an extra entry', () => {
    expect(() => readBackup(strToU8('App,Tag\nDropbox,Unsanctioned\n'))).toThrow(/not a Cloudscope case backup/);
    expect(() => readBackup(zipSync({ 'readme.txt': strToU8('hello') }))).toThrow(/not a Cloudscope case backup/);
    const other = zipSync({ 'manifest.json': strToU8(JSON.stringify({ format: 'something-else', version: 1 })) });
    expect(() => readBackup(other)).toThrow(/not a Cloudscope case backup/);
    const extra = zipSync({ ...unzipSync(backup), 'payload.exe': strToU8('MZ') });
    expect(() => readBackup(extra)).toThrow(/unexpected entry payload.exe/);
  });

  it('refuses well-hashed content that breaks the format: bad records, wrong counts, dangling links', () => {
    const badShape = tamper(backup, (f) => {
      const sources = JSON.parse(strFromU8(f['data/dataSources.json']));
      sources[0].kind = 'weekly';
      f['data/dataSources.json'] = strToU8(JSON.stringify(sources));
    });
    expect(() => readBackup(badShape)).toThrow(/dataSources: 0\.kind/);
    const wrongCount = tamper(backup, (_f, m) => {
      m.tables.audit = 5;
    });
    expect(() => readBackup(wrongCount)).toThrow(/counts 5 audit, the file holds 1/);
    const dangling = tamper(backup, (f, m) => {
      f['data/dataSources.json'] = strToU8('[]');
      m.tables.dataSources = 0;
    });
    expect(() => readBackup(dangling)).toThrow(/has no data source/);
    const outside = tamper(backup, (f) => {
      const col = new Int32Array(f['facts/host.i32'].slice().buffer);
      col[0] = 1_000_000;
      f['facts/host.i32'] = new Uint8Array(col.buffer);
    });
    expect(() => readBackup(outside)).toThrow(/host points outside its block/);
    const short = tamper(backup, (f) => {
      f['facts/hour.i32'] = f['facts/hour.i32'].slice(4);
    });
    expect(() => readBackup(short)).toThrow(/facts\/hour.i32 does not hold/);
  });

  it('names the file after the case, safely', () => {
    expect(backupFileName('Acme: incident / 42', NOW)).toBe(`Acme_ incident _ 42-2026-05-01${BACKUP_FILE_SUFFIX}`);
    expect(backupFileName('..', NOW)).toBe(`case-2026-05-01${BACKUP_FILE_SUFFIX}`);
  });
});
