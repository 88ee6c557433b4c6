/**
 * A whole case in one file, and back. The file is a zip (fflate) holding a
 * manifest, every small table as JSON, and the packed fact and key blocks as
 * one entry per column of raw little-endian bytes (compact, exact: NaN "the
 * source cannot say" survives bit for bit, which JSON numbers would not).
 *
 * The manifest names the format and its version, the app and schema versions,
 * the case, when it was made, how many rows each table holds and the SHA-256
 * of every entry; the manifest's own hash sits beside it. A restore checks all
 * of that, and every record's shape, before it writes anything, then writes
 * the case in one transaction into an empty database: a damaged, truncated or
 * foreign file is refused with nothing written.
 */
import { strFromU8, strToU8, type UnzipFileInfo, unzipSync, type Zippable, zipSync } from 'fflate';
import * as v from 'valibot';
import { type Hasher, Sha256 } from '../engine/sha256';
import {
  type AuditRecord,
  type CloudscopeDb,
  DB_VERSION,
  DERIVED_KV_PREFIX,
  type KvRecord,
  type OverrideRecord,
  type TagRecord,
} from './db';
import {
  ImportDictionaries,
  ImportDictionary,
  intoDictionary,
  ownDictionary,
  packFactBlock,
  type WideFactBlock,
  widenFactBlock,
} from './fact-block';
import type { DataSourceRecord, FactBlockRecord, ImportRecord, KeyBlockRecord } from './records';

export const BACKUP_FORMAT = 'cloudscope-case-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const BACKUP_FILE_SUFFIX = '.cloudscope-case.zip';

const MANIFEST = 'manifest.json';
const MANIFEST_HASH = 'manifest.sha256';

const INT_COLUMNS = ['hour', 'device', 'deviceName', 'user', 'localIp', 'host'] as const;
const FLOAT_COLUMNS = ['transactions', 'blocked', 'bytesUp', 'bytesDown', 'firstSeen', 'lastSeen'] as const;
/** Key columns index the block's strings; -1 is unknown. */
const STRING_COLUMNS = ['device', 'deviceName', 'user', 'localIp', 'host'] as const;

const JSON_TABLES = ['dataSources', 'imports', 'tags', 'overrides', 'customApps', 'audit', 'kv'] as const;
type JsonTable = (typeof JSON_TABLES)[number];

const ENTRY_NAMES: readonly string[] = [
  ...JSON_TABLES.map((t) => `data/${t}.json`),
  'facts/blocks.json',
  ...INT_COLUMNS.map((c) => `facts/${c}.i32`),
  ...FLOAT_COLUMNS.map((c) => `facts/${c}.f64`),
  'keys/blocks.json',
  'keys/hashes.f64',
];

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  /** The Cloudscope that made the file; null when it did not say. */
  appVersion: string | null;
  /** The case database schema version the records follow. */
  dbVersion: number;
  caseName: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** Rows per table; `facts` and `keys` count rows inside the packed blocks. */
  tables: Record<string, number>;
  entries: Record<string, { size: number; sha256: string }>;
}

export interface BackupOptions {
  caseName: string;
  appVersion?: string | null;
  now?: number;
  /** SHA-256 for entry hashes: Node may inject its native hasher; ours by default. */
  createHasher?: () => Hasher;
}

export interface ReadOptions {
  createHasher?: () => Hasher;
}

/** Why a backup cannot be restored, in words the analyst can act on. */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

const NOT_A_BACKUP = 'This file is not a Cloudscope case backup';
const DAMAGED = 'This case backup is damaged';
const DAMAGED_HINT = 'The file changed after it was made (a bad copy or download). Nothing was restored.';

/** A validated backup, ready to be written into an empty case database. */
export interface CaseBackup {
  manifest: BackupManifest;
  dataSources: DataSourceRecord[];
  imports: ImportRecord[];
  factBlocks: FactBlockRecord[];
  keyBlocks: KeyBlockRecord[];
  tags: TagRecord[];
  overrides: OverrideRecord[];
  customApps: { id: string; app: unknown }[];
  audit: AuditRecord[];
  kv: KvRecord[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function sha256Hex(bytes: Uint8Array, createHasher: () => Hasher): string {
  const h = createHasher();
  h.update(bytes);
  return h.digest();
}

/** The columns of many blocks laid end to end, as little-endian bytes. */
function columnBytes(parts: readonly (Int32Array | Float64Array)[], width: 4 | 8): Uint8Array {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total * width);
  let off = 0;
  if (LITTLE_ENDIAN) {
    for (const p of parts) {
      out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off);
      off += p.byteLength;
    }
    return out;
  }
  const dv = new DataView(out.buffer);
  for (const p of parts) {
    for (let i = 0; i < p.length; i++, off += width) {
      if (width === 4) dv.setInt32(off, p[i], true);
      else dv.setFloat64(off, p[i], true);
    }
  }
  return out;
}

function readInt32(bytes: Uint8Array): Int32Array {
  if (LITTLE_ENDIAN) return new Int32Array(bytes.slice().buffer);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt32(i * 4, true);
  return out;
}

function readFloat64(bytes: Uint8Array): Float64Array {
  if (LITTLE_ENDIAN) return new Float64Array(bytes.slice().buffer);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(bytes.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(i * 8, true);
  return out;
}

function columnOf<T extends Int32Array | Float64Array>(b: { count: number }, col: T, what: string): T {
  if (col.length < b.count)
    throw new Error(`A stored ${what} block is shorter than its row count; the case is damaged`);
  return col.subarray(0, b.count) as T;
}

/** A name fit for a file: the case name without path or control characters, and the date. */
export function backupFileName(caseName: string, now = Date.now()): string {
  const safe = caseName
    .replace(/[\\/:*?"<>|\p{Cc}]+/gu, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 100);
  return `${safe || 'case'}-${new Date(now).toISOString().slice(0, 10)}${BACKUP_FILE_SUFFIX}`;
}

/**
 * Backs up the committed content of a case: one read transaction, so an
 * import committing meanwhile is either wholly in or wholly out; staging
 * blocks of an unfinished import are left out.
 */
export async function backupCase(db: CloudscopeDb, opts: BackupOptions): Promise<Uint8Array> {
  const now = opts.now ?? Date.now();
  const createHasher = opts.createHasher ?? (() => new Sha256());
  const read = await db.transaction('r', db.tables, async () => ({
    dataSources: await db.dataSources.toArray(),
    imports: await db.imports.toArray(),
    factBlocks: await db.factBlocks.toArray(),
    keyBlocks: await db.keyBlocks.toArray(),
    tags: await db.tags.toArray(),
    overrides: await db.overrides.toArray(),
    customApps: await db.customApps.toArray(),
    audit: await db.audit.toArray(),
    // Records derived from the rest (kept dashboards and risk bases) are computed again after a restore.
    kv: (await db.kv.toArray()).filter((r) => !r.key.startsWith(DERIVED_KV_PREFIX)),
  }));
  const imports = read.imports.filter((i) => i.status === 'committed');
  const committed = new Set(imports.map((i) => i.id));
  // The file keeps the first, wide layout (Int32 ids, Float64 numbers, absolute times), so backups made before
  // and after blocks were packed narrow are the same format; a restore packs them again.
  // Each block with strings of its own, as before import dictionaries: a block emptied by retention that only
  // kept its import's strings for the blocks after it is left out.
  const dictionaries = new ImportDictionaries((s) => s);
  const factBlocks = read.factBlocks
    .filter((b) => committed.has(b.importId))
    .map((b) => ownDictionary(b, dictionaries.of(b)))
    .filter((b) => b.count > 0)
    .map(widenFactBlock);
  const keyBlocks = read.keyBlocks.filter((b) => committed.has(b.importId));

  const entries = new Map<string, Uint8Array>();
  const json: Record<JsonTable, unknown[]> = { ...read, imports };
  for (const t of JSON_TABLES) entries.set(`data/${t}.json`, strToU8(JSON.stringify(json[t])));
  entries.set(
    'facts/blocks.json',
    strToU8(
      JSON.stringify(
        factBlocks.map((b) => ({
          seq: b.seq,
          importId: b.importId,
          sourceId: b.sourceId,
          count: b.count,
          strings: b.strings,
        })),
      ),
    ),
  );
  for (const c of INT_COLUMNS) {
    entries.set(
      `facts/${c}.i32`,
      columnBytes(
        factBlocks.map((b) => columnOf(b, b[c], 'fact')),
        4,
      ),
    );
  }
  for (const c of FLOAT_COLUMNS) {
    entries.set(
      `facts/${c}.f64`,
      columnBytes(
        factBlocks.map((b) => columnOf(b, b[c], 'fact')),
        8,
      ),
    );
  }
  entries.set(
    'keys/blocks.json',
    strToU8(
      JSON.stringify(
        keyBlocks.map((b) => ({
          seq: b.seq,
          importId: b.importId,
          sourceId: b.sourceId,
          count: b.hashes.length,
          ...(b.kind ? { kind: b.kind } : {}),
        })),
      ),
    ),
  );
  entries.set(
    'keys/hashes.f64',
    columnBytes(
      keyBlocks.map((b) => b.hashes),
      8,
    ),
  );

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    appVersion: opts.appVersion ?? null,
    dbVersion: DB_VERSION,
    caseName: opts.caseName,
    createdAt: new Date(now).toISOString(),
    tables: {
      dataSources: read.dataSources.length,
      imports: imports.length,
      factBlocks: factBlocks.length,
      facts: factBlocks.reduce((a, b) => a + b.count, 0),
      keyBlocks: keyBlocks.length,
      keys: keyBlocks.reduce((a, b) => a + b.hashes.length, 0),
      tags: read.tags.length,
      overrides: read.overrides.length,
      customApps: read.customApps.length,
      audit: read.audit.length,
      kv: read.kv.length,
    },
    entries: Object.fromEntries(
      [...entries].map(([name, bytes]) => [name, { size: bytes.byteLength, sha256: sha256Hex(bytes, createHasher) }]),
    ),
  };
  const manifestBytes = strToU8(`${JSON.stringify(manifest, null, 2)}\n`);
  // Zip times are DOS times: nothing before 1980 can be stored.
  const mtime = new Date(Math.max(now, Date.UTC(1980, 0, 2)));
  const zip: Zippable = {
    [MANIFEST]: [manifestBytes, { mtime }],
    [MANIFEST_HASH]: [strToU8(`${sha256Hex(manifestBytes, createHasher)}  ${MANIFEST}\n`), { mtime }],
  };
  // Columns are most of the bytes: level 1 deflates them ~2.5x faster than level 6 for ~4% more size (measured).
  for (const [name, bytes] of entries) zip[name] = [bytes, { mtime, level: name.endsWith('.json') ? 6 : 1 }];
  return zipSync(zip, { level: 6 });
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const time = v.number();
const optionalKey = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)));

const ManifestSchema = v.looseObject({
  format: v.literal(BACKUP_FORMAT),
  formatVersion: v.pipe(v.number(), v.integer()),
  appVersion: v.nullable(v.string()),
  dbVersion: v.pipe(v.number(), v.integer(), v.minValue(1)),
  caseName: v.string(),
  createdAt: v.string(),
  tables: v.record(v.string(), count),
  entries: v.record(v.string(), v.object({ size: count, sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)) })),
});

const DataSourceSchema = v.looseObject({
  id: v.string(),
  name: v.string(),
  kind: v.picklist(['continuous', 'snapshot']),
  endpoint: v.boolean(),
  createdAt: time,
});

const ImportSchema = v.looseObject({
  id: v.string(),
  sourceId: v.string(),
  status: v.literal('committed'),
  sha256: v.array(v.string()),
  files: v.array(v.looseObject({ file: v.string(), sha256: v.string(), format: v.string() })),
  timeZone: v.string(),
  startedAt: time,
  finishedAt: v.nullable(time),
  durationMs: v.nullable(v.number()),
  facts: count,
  transactions: v.number(),
  firstEvent: v.nullable(time),
  lastEvent: v.nullable(time),
});

const TagSchema = v.object({ appId: v.string(), tags: v.array(v.string()) });
const OverrideSchema = v.looseObject({ appId: v.string(), score: v.number(), note: v.string() });
const CustomAppSchema = v.object({ id: v.string(), app: v.looseObject({}) });
const AuditSchema = v.object({
  id: optionalKey,
  when: time,
  who: v.string(),
  action: v.string(),
  target: v.string(),
  old: v.nullable(v.string()),
  new: v.nullable(v.string()),
});
const KvSchema = v.object({ key: v.string(), value: v.unknown() });
const FactMetaSchema = v.object({
  seq: optionalKey,
  importId: v.string(),
  sourceId: v.string(),
  count,
  strings: v.array(v.string()),
});
const KeyMetaSchema = v.object({
  seq: optionalKey,
  importId: v.string(),
  sourceId: v.string(),
  count,
  kind: v.optional(v.picklist(['events', 'raw-coverage', 'fact-coverage'])),
});

function damaged(detail: string): BackupError {
  return new BackupError(`${DAMAGED}: ${detail}`, DAMAGED_HINT);
}

function parseJson(name: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(strFromU8(bytes));
  } catch {
    throw damaged(`${name} is not valid JSON`);
  }
}

function rows<S extends v.GenericSchema>(name: string, value: unknown, schema: S): v.InferOutput<S>[] {
  const r = v.safeParse(v.array(schema), value);
  if (!r.success) {
    const issue = r.issues[0];
    const path = v.getDotPath(issue);
    throw damaged(`${name}: ${path ? `${path}: ` : ''}${issue.message}`);
  }
  return r.output;
}

function unique<T>(name: string, list: readonly T[], key: (x: T) => unknown): void {
  const seen = new Set<unknown>();
  for (const x of list) {
    const k = key(x);
    if (k === undefined) continue;
    if (seen.has(k)) throw damaged(`${name} holds ${JSON.stringify(k)} twice`);
    seen.add(k);
  }
}

function unzipChecked(bytes: Uint8Array, filter: (f: UnzipFileInfo) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter });
  } catch {
    throw new BackupError(
      NOT_A_BACKUP,
      'Choose a file made with "Back up case". A damaged or cut-off copy looks like this too.',
    );
  }
}

/**
 * Reads and fully validates a backup without touching any database: the
 * manifest, its hash, every entry's size and SHA-256, every record's shape,
 * the table counts and the links between tables. Throws BackupError.
 */
export function readBackup(bytes: Uint8Array, opts: ReadOptions = {}): CaseBackup {
  const createHasher = opts.createHasher ?? (() => new Sha256());
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 22) throw new BackupError(NOT_A_BACKUP);
  const names: string[] = [];
  const head = unzipChecked(bytes, (f) => {
    names.push(f.name);
    return f.name === MANIFEST || f.name === MANIFEST_HASH;
  });
  if (!head[MANIFEST]) throw new BackupError(NOT_A_BACKUP, 'The file has no Cloudscope manifest.');
  const raw = parseJson(MANIFEST, head[MANIFEST]) as { format?: unknown; formatVersion?: unknown } | null;
  if (!raw || typeof raw !== 'object' || raw.format !== BACKUP_FORMAT) {
    throw new BackupError(NOT_A_BACKUP, 'The file has no Cloudscope manifest.');
  }
  const expectedHash = head[MANIFEST_HASH] ? strFromU8(head[MANIFEST_HASH]).trim().split(/\s+/)[0] : '';
  if (expectedHash !== sha256Hex(head[MANIFEST], createHasher)) throw damaged('the manifest does not match its hash');
  if (raw.formatVersion !== BACKUP_FORMAT_VERSION) {
    const newer = typeof raw.formatVersion === 'number' && raw.formatVersion > BACKUP_FORMAT_VERSION;
    throw new BackupError(
      `This case backup uses format version ${String(raw.formatVersion)}; this Cloudscope reads version ${BACKUP_FORMAT_VERSION}`,
      newer ? 'It was made by a newer Cloudscope: update Cloudscope to restore it.' : undefined,
    );
  }
  const m = v.safeParse(ManifestSchema, raw);
  if (!m.success) throw damaged(`manifest: ${v.getDotPath(m.issues[0]) ?? ''} ${m.issues[0].message}`.trim());
  const manifest = m.output as BackupManifest;
  if (manifest.dbVersion > DB_VERSION) {
    throw new BackupError(
      `This case backup holds schema version ${manifest.dbVersion}; this Cloudscope knows up to ${DB_VERSION}`,
      'It was made by a newer Cloudscope: update Cloudscope to restore it.',
    );
  }
  const listed = Object.keys(manifest.entries);
  const wanted = new Set(ENTRY_NAMES);
  if (listed.length !== wanted.size || listed.some((n) => !wanted.has(n))) {
    throw damaged('the manifest does not list the entries of this format');
  }
  for (const n of names) {
    if (n !== MANIFEST && n !== MANIFEST_HASH && !wanted.has(n)) throw damaged(`unexpected entry ${n}`);
  }
  if (new Set(names).size !== names.length) throw damaged('an entry appears twice');

  const sizeMismatch: string[] = [];
  const files = unzipChecked(bytes, (f) => {
    const e = manifest.entries[f.name];
    if (!e) return false;
    if (f.originalSize !== e.size) {
      sizeMismatch.push(f.name);
      return false;
    }
    return true;
  });
  if (sizeMismatch.length > 0) throw damaged(`${sizeMismatch[0]} has the wrong size`);
  for (const name of ENTRY_NAMES) {
    const b = files[name];
    if (!b) throw damaged(`${name} is missing`);
    const e = manifest.entries[name];
    if (b.byteLength !== e.size || sha256Hex(b, createHasher) !== e.sha256)
      throw damaged(`${name} does not match its hash`);
  }
  return decode(manifest, files);
}

function decode(manifest: BackupManifest, files: Record<string, Uint8Array>): CaseBackup {
  const data = (t: JsonTable) => parseJson(`data/${t}.json`, files[`data/${t}.json`]);
  const dataSources = rows('dataSources', data('dataSources'), DataSourceSchema) as DataSourceRecord[];
  const imports = rows('imports', data('imports'), ImportSchema) as unknown as ImportRecord[];
  const tags = rows('tags', data('tags'), TagSchema);
  const overrides = rows('overrides', data('overrides'), OverrideSchema);
  const customApps = rows('customApps', data('customApps'), CustomAppSchema);
  const audit = rows('audit', data('audit'), AuditSchema) as AuditRecord[];
  const kv = rows('kv', data('kv'), KvSchema) as KvRecord[];
  const factMeta = rows(
    'facts/blocks.json',
    parseJson('facts/blocks.json', files['facts/blocks.json']),
    FactMetaSchema,
  );
  const keyMeta = rows('keys/blocks.json', parseJson('keys/blocks.json', files['keys/blocks.json']), KeyMetaSchema);

  unique('dataSources', dataSources, (r) => r.id);
  unique('imports', imports, (r) => r.id);
  unique('tags', tags, (r) => r.appId);
  unique('overrides', overrides, (r) => r.appId);
  unique('customApps', customApps, (r) => r.id);
  unique('audit', audit, (r) => r.id);
  unique('kv', kv, (r) => r.key);
  unique('facts/blocks.json', factMeta, (r) => r.seq);
  unique('keys/blocks.json', keyMeta, (r) => r.seq);

  const sourceIds = new Set(dataSources.map((s) => s.id));
  const importSource = new Map(imports.map((i) => [i.id, i.sourceId]));
  for (const i of imports) if (!sourceIds.has(i.sourceId)) throw damaged(`import ${i.id} has no data source`);
  for (const b of [...factMeta, ...keyMeta]) {
    if (importSource.get(b.importId) !== b.sourceId) throw damaged(`a block of import ${b.importId} has no import`);
  }

  const facts = factMeta.reduce((a, b) => a + b.count, 0);
  const keys = keyMeta.reduce((a, b) => a + b.count, 0);
  const counts: Record<string, number> = {
    dataSources: dataSources.length,
    imports: imports.length,
    factBlocks: factMeta.length,
    facts,
    keyBlocks: keyMeta.length,
    keys,
    tags: tags.length,
    overrides: overrides.length,
    customApps: customApps.length,
    audit: audit.length,
    kv: kv.length,
  };
  for (const [t, n] of Object.entries(counts)) {
    if (manifest.tables[t] !== n) throw damaged(`the manifest counts ${manifest.tables[t]} ${t}, the file holds ${n}`);
  }

  const ints: Record<string, Int32Array> = {};
  for (const c of INT_COLUMNS) {
    const b = files[`facts/${c}.i32`];
    if (b.byteLength !== facts * 4) throw damaged(`facts/${c}.i32 does not hold ${facts} rows`);
    ints[c] = readInt32(b);
  }
  const floats: Record<string, Float64Array> = {};
  for (const c of FLOAT_COLUMNS) {
    const b = files[`facts/${c}.f64`];
    if (b.byteLength !== facts * 8) throw damaged(`facts/${c}.f64 does not hold ${facts} rows`);
    floats[c] = readFloat64(b);
  }
  const hashBytes = files['keys/hashes.f64'];
  if (hashBytes.byteLength !== keys * 8) throw damaged(`keys/hashes.f64 does not hold ${keys} keys`);
  const hashes = readFloat64(hashBytes);

  let off = 0;
  // Restored blocks index their import's dictionary again, as an import writes them.
  const dictionaries = new Map<string, ImportDictionary>();
  const factBlocks: FactBlockRecord[] = factMeta.map((meta) => {
    const end = off + meta.count;
    // slice, not subarray: each record must own its buffer, or IndexedDB would store the whole column per block.
    const block: WideFactBlock = {
      ...(meta.seq !== undefined ? { seq: meta.seq } : {}),
      importId: meta.importId,
      sourceId: meta.sourceId,
      count: meta.count,
      strings: meta.strings,
      ...Object.fromEntries(INT_COLUMNS.map((c) => [c, ints[c].slice(off, end)])),
      ...Object.fromEntries(FLOAT_COLUMNS.map((c) => [c, floats[c].slice(off, end)])),
    } as WideFactBlock;
    for (const c of STRING_COLUMNS) {
      const col = block[c];
      for (let i = 0; i < col.length; i++) {
        if (col[i] < -1 || col[i] >= meta.strings.length) throw damaged(`a fact's ${c} points outside its block`);
      }
    }
    off = end;
    let dict = dictionaries.get(meta.importId);
    if (!dict) {
      dict = new ImportDictionary();
      dictionaries.set(meta.importId, dict);
    }
    return packFactBlock(intoDictionary(block, dict));
  });
  off = 0;
  const keyBlocks: KeyBlockRecord[] = keyMeta.map((meta) => {
    const block: KeyBlockRecord = {
      ...(meta.seq !== undefined ? { seq: meta.seq } : {}),
      importId: meta.importId,
      sourceId: meta.sourceId,
      hashes: hashes.slice(off, off + meta.count),
      ...(meta.kind ? { kind: meta.kind } : {}),
    };
    off += meta.count;
    return block;
  });

  return { manifest, dataSources, imports, factBlocks, keyBlocks, tags, overrides, customApps, audit, kv };
}

/**
 * Writes a validated backup into an empty case database in one transaction:
 * either the whole case lands or nothing does. Refuses a database that holds
 * anything, so a restore never overwrites a case.
 */
export async function writeBackup(backup: CaseBackup, db: CloudscopeDb): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    for (const t of db.tables) {
      if ((await t.count()) > 0) throw new BackupError('A backup is restored only into a new, empty case');
    }
    await db.dataSources.bulkAdd(backup.dataSources);
    await db.imports.bulkAdd(backup.imports);
    await db.factBlocks.bulkAdd(backup.factBlocks);
    await db.keyBlocks.bulkAdd(backup.keyBlocks);
    await db.tags.bulkAdd(backup.tags);
    await db.overrides.bulkAdd(backup.overrides);
    await db.customApps.bulkAdd(backup.customApps);
    await db.audit.bulkAdd(backup.audit);
    await db.kv.bulkAdd(backup.kv);
  });
}

/** Validates `bytes` as a whole, then restores it into the empty case database `db`. */
export async function restoreCase(
  bytes: Uint8Array,
  db: CloudscopeDb,
  opts: ReadOptions = {},
): Promise<BackupManifest> {
  const backup = readBackup(bytes, opts);
  await writeBackup(backup, db);
  return backup.manifest;
}
