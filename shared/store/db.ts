/**
 * The durable store: Dexie over IndexedDB (real in the browser worker,
 * fake-indexeddb in Node). Facts live in packed column blocks — one record
 * holds ~1,000+ facts as parallel arrays — because IndexedDB writes only a few
 * thousand records a second one per row (see TOOLCHAIN.md). Small tables hold
 * entities, provenance, tags and the audit log.
 *
 * Visibility is decided by the import's status: blocks are written while their
 * import is 'staging' and become visible when one final transaction marks it
 * 'committed'. Staging left by a crash is swept at open.
 */
import Dexie, { type EntityTable } from 'dexie';
import type { DataSourceRecord, FactBlockRecord, ImportRecord, KeyBlockRecord } from './records';

export interface AuditRecord {
  id?: number;
  when: number;
  who: string;
  action: string;
  target: string;
  old: string | null;
  new: string | null;
}

export interface TagRecord {
  appId: string;
  tags: string[];
}

export interface OverrideRecord {
  appId: string;
  score: number;
  note: string;
}

export interface KvRecord {
  key: string;
  value: unknown;
}

export const DB_VERSION = 1;

/**
 * Keys of `kv` records derived from the rest of the case (dashboards and risk bases kept for the next session): a
 * backup leaves them out, and a restored case computes them again.
 */
export const DERIVED_KV_PREFIX = 'derived.';

export type CloudscopeDb = Dexie & {
  dataSources: EntityTable<DataSourceRecord, 'id'>;
  imports: EntityTable<ImportRecord, 'id'>;
  factBlocks: EntityTable<FactBlockRecord, 'seq'>;
  keyBlocks: EntityTable<KeyBlockRecord, 'seq'>;
  tags: EntityTable<TagRecord, 'appId'>;
  overrides: EntityTable<OverrideRecord, 'appId'>;
  customApps: EntityTable<{ id: string; app: unknown }, 'id'>;
  audit: EntityTable<AuditRecord, 'id'>;
  kv: EntityTable<KvRecord, 'key'>;
};

export interface OpenOptions {
  /** Dexie's IndexedDB dependencies, for Node (fake-indexeddb). Browsers use the globals. */
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
}

/** Opens (creating or upgrading) the case database `name` and sweeps crash leftovers. */
export async function openDb(name: string, opts: OpenOptions = {}): Promise<CloudscopeDb> {
  const db = new Dexie(name, {
    ...(opts.indexedDB ? { indexedDB: opts.indexedDB } : {}),
    ...(opts.IDBKeyRange ? { IDBKeyRange: opts.IDBKeyRange } : {}),
  }) as CloudscopeDb;
  db.version(DB_VERSION).stores({
    dataSources: '&id, kind',
    imports: '&id, sourceId, sha256, status',
    factBlocks: '++seq, importId, sourceId',
    keyBlocks: '++seq, importId, sourceId',
    tags: '&appId',
    overrides: '&appId',
    customApps: '&id',
    audit: '++id, when',
    kv: '&key',
  });
  await db.open();
  (db as CloudscopeDb & { sweptAtOpen?: number }).sweptAtOpen = await sweepStaging(db);
  return db;
}

/** Removes blocks of imports that never committed (a crash or a closed window mid-import). */
export async function sweepStaging(db: CloudscopeDb): Promise<number> {
  const stale = await db.imports.where('status').equals('staging').primaryKeys();
  if (stale.length === 0) return 0;
  await db.transaction('rw', db.imports, db.factBlocks, db.keyBlocks, async () => {
    await db.factBlocks.where('importId').anyOf(stale).delete();
    await db.keyBlocks.where('importId').anyOf(stale).delete();
    await db.imports.bulkDelete(stale);
  });
  return stale.length;
}
