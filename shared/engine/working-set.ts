/**
 * The in-memory working set the worker (and the CLI) answers queries from:
 * every committed fact of the chosen sources, concatenated into columns with
 * one global string dictionary. The store is the durable copy; this is the
 * query engine. The engine fills it import by import, as views first need
 * them, and hands computations snapshots of it (`snapshot`).
 */

import type { CloudscopeDb } from '../store/db';
import {
  type IdColumn as BlockIds,
  type BytesColumn,
  type CountColumn,
  ImportDictionaries,
  type TimeColumn,
} from '../store/fact-block';
import type { FactBlockRecord } from '../store/records';
import { resized } from './typed';

export class StringPool {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The id of `s` if the pool has it, else -1 (never adds). */
  find(s: string): number {
    return this.ids.get(s) ?? -1;
  }
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

/**
 * String-id columns: 16-bit while every id fits (the pool has at most 32,768
 * strings; -1 stays -1), widened to 32-bit for good when the pool outgrows it.
 */
export type IdColumn = Int16Array | Int32Array;
/**
 * Counts and bytes: float32 while every value is exactly a float32 (integers up
 * to 2^24, NaN), widened to float64 for good at the first value that is not, so a
 * read gives back the stored number itself.
 */
export type NumColumn = Float32Array | Float64Array;

const ID16_LIMIT = 0x8000;
const HOUR = 3_600_000;
/** Fact blocks read from the store per request while loading (up to 4,096 facts each). */
const READ_BATCH = 64;

function fitsFloat32(a: CountColumn | BytesColumn, count: number): boolean {
  if (a === null || a instanceof Uint8Array || a instanceof Uint16Array || a instanceof Float32Array) return true;
  for (let i = 0; i < count; i++) {
    const v = a[i];
    if (Math.fround(v) !== v && !Number.isNaN(v)) return false;
  }
  return true;
}

/** Writes a block's local string ids as global ones (`map`; -1 stays -1) at `at`. */
function remapInto(dst: IdColumn, ids: BlockIds, map: ArrayLike<number>, at: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = ids[i];
    dst[at + i] = v < 0 ? -1 : map[v];
  }
}

/** A block's bytes at `at`: NaN throughout when the block has none. */
function bytesInto(dst: NumColumn, bytes: BytesColumn, at: number, count: number): void {
  if (bytes === null) dst.fill(Number.NaN, at, at + count);
  else dst.set(bytes.subarray(0, count), at);
}

/** A block's times as UTC ms at `at`: hour-relative ones (Int32Array) are added to their hour. */
function timesInto(dst: Float64Array, times: TimeColumn, hour: Int32Array, at: number, count: number): void {
  if (times instanceof Float64Array) {
    dst.set(times.subarray(0, count), at);
    return;
  }
  for (let i = 0; i < count; i++) dst[at + i] = hour[i] * HOUR + times[i];
}

export class WorkingSet {
  constructor(readonly pool = new StringPool()) {}

  n = 0;
  private cap = 0;
  /** A snapshot (see `snapshot`). */
  private readOnly = false;
  /** Pool ids of what each block's ids index: its own strings, or its import's dictionary (FactBlockRecord.dictFrom). */
  private readonly dictionaries = new ImportDictionaries((s) => this.pool.id(s));
  source: IdColumn = new Int16Array(0);
  /** Hours since the Unix epoch (UTC). */
  hour = new Int32Array(0);
  device: IdColumn = new Int16Array(0);
  deviceName: IdColumn = new Int16Array(0);
  user: IdColumn = new Int16Array(0);
  localIp: IdColumn = new Int16Array(0);
  host: IdColumn = new Int16Array(0);
  transactions: NumColumn = new Float32Array(0);
  blocked: NumColumn = new Float32Array(0);
  /** NaN when the source cannot say. */
  bytesUp: NumColumn = new Float32Array(0);
  bytesDown: NumColumn = new Float32Array(0);
  /** UTC ms. */
  firstSeen = new Float64Array(0);
  lastSeen = new Float64Array(0);

  /**
   * Sizes the columns for `total` facts in all, so a load whose fact count is known
   * allocates each column once, exactly (doubling would leave up to half unused).
   */
  reserve(total: number): void {
    if (total > this.cap) this.resize(total);
  }

  private ensure(extra: number): void {
    if (this.n + extra <= this.cap) return;
    this.resize(Math.max(1024, (this.n + extra) * 2));
  }

  /** A column of `a`'s kind (or `wider`) with room for `cap` facts, holding `a`'s facts so far. */
  private copy<T extends IdColumn | NumColumn | Int32Array | Float64Array>(
    a: T,
    cap: number,
    wider?: new (n: number) => T,
  ): T {
    return resized(a.subarray(0, this.n) as T, cap, wider);
  }

  private resize(cap: number): void {
    this.cap = cap;
    this.source = this.copy(this.source, cap);
    this.hour = this.copy(this.hour, cap);
    this.device = this.copy(this.device, cap);
    this.deviceName = this.copy(this.deviceName, cap);
    this.user = this.copy(this.user, cap);
    this.localIp = this.copy(this.localIp, cap);
    this.host = this.copy(this.host, cap);
    this.transactions = this.copy(this.transactions, cap);
    this.blocked = this.copy(this.blocked, cap);
    this.bytesUp = this.copy(this.bytesUp, cap);
    this.bytesDown = this.copy(this.bytesDown, cap);
    this.firstSeen = this.copy(this.firstSeen, cap);
    this.lastSeen = this.copy(this.lastSeen, cap);
  }

  private widenIds(): void {
    if (this.source instanceof Int32Array) return;
    const cap = this.cap;
    this.source = this.copy<IdColumn>(this.source, cap, Int32Array);
    this.device = this.copy<IdColumn>(this.device, cap, Int32Array);
    this.deviceName = this.copy<IdColumn>(this.deviceName, cap, Int32Array);
    this.user = this.copy<IdColumn>(this.user, cap, Int32Array);
    this.localIp = this.copy<IdColumn>(this.localIp, cap, Int32Array);
    this.host = this.copy<IdColumn>(this.host, cap, Int32Array);
  }

  /** The column, widened to float64 if the block has a value float32 cannot hold. */
  private fit(col: NumColumn, values: CountColumn | BytesColumn, count: number): NumColumn {
    if (col instanceof Float64Array || fitsFloat32(values, count)) return col;
    return this.copy<NumColumn>(col, this.cap, Float64Array);
  }

  /** Appends one stored block (an import's blocks in store order), re-mapping its string ids into the global pool. */
  addBlock(b: FactBlockRecord): void {
    if (this.readOnly) throw new Error('a working set snapshot is read-only');
    this.ensure(b.count);
    const map = this.dictionaries.of(b);
    const src = this.pool.id(b.sourceId);
    if (this.pool.strings.length > ID16_LIMIT) this.widenIds();
    this.transactions = this.fit(this.transactions, b.transactions, b.count);
    this.blocked = this.fit(this.blocked, b.blocked, b.count);
    this.bytesUp = this.fit(this.bytesUp, b.bytesUp, b.count);
    this.bytesDown = this.fit(this.bytesDown, b.bytesDown, b.count);
    // Blocks come narrow (packFactBlock) or in the first, wide layout: bytes may be absent, times hour-relative.
    // Column by column: a typed-array copy where the values stay as they are, one tight loop where they change.
    const at = this.n;
    const count = b.count;
    this.source.fill(src, at, at + count);
    this.hour.set(b.hour.subarray(0, count), at);
    remapInto(this.device, b.device, map, at, count);
    remapInto(this.deviceName, b.deviceName, map, at, count);
    remapInto(this.user, b.user, map, at, count);
    remapInto(this.localIp, b.localIp, map, at, count);
    remapInto(this.host, b.host, map, at, count);
    this.transactions.set(b.transactions.subarray(0, count), at);
    this.blocked.set(b.blocked.subarray(0, count), at);
    bytesInto(this.bytesUp, b.bytesUp, at, count);
    bytesInto(this.bytesDown, b.bytesDown, at, count);
    timesInto(this.firstSeen, b.firstSeen, b.hour, at, count);
    timesInto(this.lastSeen, b.lastSeen, b.hour, at, count);
    this.n += b.count;
  }

  str(id: number): string | null {
    return id < 0 ? null : this.pool.strings[id];
  }

  /**
   * Appends the facts of one import, its blocks in store order, a batch of blocks per store request — the next
   * batch asked for before this one is added, so the store reads it while this thread adds. (4.16M facts, 1,017
   * blocks, in Chromium's worker: 1.06–1.25 s against 1.11–1.39 s one request after another, `report-compute-chromium
   * --store-read`; the store's own reading is most of it.)
   */
  async readImport(db: CloudscopeDb, importId: string): Promise<void> {
    const keys = await db.factBlocks.where('importId').equals(importId).primaryKeys();
    const batch = (k: number) => db.factBlocks.bulkGet(keys.slice(k, k + READ_BATCH));
    let next = batch(0);
    for (let k = 0; k < keys.length; k += READ_BATCH) {
      const blocks = await next;
      if (k + READ_BATCH < keys.length) {
        next = batch(k + READ_BATCH);
        // (A batch this read gives up on, when adding one throws, must not reject unseen.)
        next.catch(() => {});
      }
      for (const b of blocks) if (b) this.addBlock(b);
    }
  }

  /**
   * The facts read so far, as they are: later appends to this set leave the snapshot unchanged (they write past
   * its end, or into new columns when these fill), so a computation that began on it sees the same facts
   * throughout. Shares the string pool, which only grows. Read-only: appending to a snapshot is not allowed.
   */
  snapshot(): WorkingSet {
    const s = new WorkingSet(this.pool);
    s.n = this.n;
    s.cap = this.n;
    s.source = this.source;
    s.hour = this.hour;
    s.device = this.device;
    s.deviceName = this.deviceName;
    s.user = this.user;
    s.localIp = this.localIp;
    s.host = this.host;
    s.transactions = this.transactions;
    s.blocked = this.blocked;
    s.bytesUp = this.bytesUp;
    s.bytesDown = this.bytesDown;
    s.firstSeen = this.firstSeen;
    s.lastSeen = this.lastSeen;
    s.readOnly = true;
    return s;
  }

  /** Loads the committed facts of the given imports (all committed imports when omitted). */
  static async load(db: CloudscopeDb, importIds?: readonly string[]): Promise<WorkingSet> {
    const ids = importIds ?? (await db.imports.where('status').equals('committed').primaryKeys());
    const ws = new WorkingSet();
    ws.reserve(await factsOf(db, ids));
    for (const id of ids) await ws.readImport(db, id);
    return ws;
  }
}

/** Facts the given imports committed, by their records (a short count only means a later grow). */
export async function factsOf(db: CloudscopeDb, importIds: readonly string[]): Promise<number> {
  let n = 0;
  for (const imp of await db.imports.bulkGet([...importIds])) n += imp?.facts ?? 0;
  return n;
}
