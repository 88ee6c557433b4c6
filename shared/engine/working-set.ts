/**
 * The in-memory working set the worker (and the CLI) answers queries from:
 * every committed fact of the chosen sources, concatenated into columns with
 * one global string dictionary. The store is the durable copy; this is the
 * query engine. Rebuilt after each import commit.
 */

import type { CloudscopeDb } from '../store/db';
import type { BytesColumn, CountColumn } from '../store/fact-block';
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

function fitsFloat32(a: CountColumn | BytesColumn, count: number): boolean {
  if (a === null || a instanceof Uint8Array || a instanceof Uint16Array || a instanceof Float32Array) return true;
  for (let i = 0; i < count; i++) {
    const v = a[i];
    if (Math.fround(v) !== v && !Number.isNaN(v)) return false;
  }
  return true;
}

export class WorkingSet {
  n = 0;
  private cap = 0;
  readonly pool = new StringPool();
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

  /** Appends one stored block, re-mapping its local string ids into the global pool. */
  addBlock(b: FactBlockRecord): void {
    this.ensure(b.count);
    const map = new Int32Array(b.strings.length);
    for (let i = 0; i < b.strings.length; i++) map[i] = this.pool.id(b.strings[i]);
    const src = this.pool.id(b.sourceId);
    if (this.pool.strings.length > ID16_LIMIT) this.widenIds();
    this.transactions = this.fit(this.transactions, b.transactions, b.count);
    this.blocked = this.fit(this.blocked, b.blocked, b.count);
    this.bytesUp = this.fit(this.bytesUp, b.bytesUp, b.count);
    this.bytesDown = this.fit(this.bytesDown, b.bytesDown, b.count);
    const remap = (v: number) => (v < 0 ? -1 : map[v]);
    // Blocks come narrow (packFactBlock) or in the first, wide layout: bytes may be absent, times hour-relative.
    const { bytesUp, bytesDown, firstSeen, lastSeen } = b;
    const firstRel = firstSeen instanceof Int32Array;
    const lastRel = lastSeen instanceof Int32Array;
    for (let i = 0; i < b.count; i++) {
      const j = this.n + i;
      const hourMs = b.hour[i] * HOUR;
      this.source[j] = src;
      this.hour[j] = b.hour[i];
      this.device[j] = remap(b.device[i]);
      this.deviceName[j] = remap(b.deviceName[i]);
      this.user[j] = remap(b.user[i]);
      this.localIp[j] = remap(b.localIp[i]);
      this.host[j] = remap(b.host[i]);
      this.transactions[j] = b.transactions[i];
      this.blocked[j] = b.blocked[i];
      this.bytesUp[j] = bytesUp === null ? Number.NaN : bytesUp[i];
      this.bytesDown[j] = bytesDown === null ? Number.NaN : bytesDown[i];
      this.firstSeen[j] = firstRel ? hourMs + firstSeen[i] : firstSeen[i];
      this.lastSeen[j] = lastRel ? hourMs + lastSeen[i] : lastSeen[i];
    }
    this.n += b.count;
  }

  str(id: number): string | null {
    return id < 0 ? null : this.pool.strings[id];
  }

  /** Loads the committed facts of the given imports (all committed imports when omitted). */
  static async load(db: CloudscopeDb, importIds?: readonly string[]): Promise<WorkingSet> {
    const ids = importIds ?? (await db.imports.where('status').equals('committed').primaryKeys());
    const ws = new WorkingSet();
    ws.reserve(await factsOf(db, ids));
    for (const id of ids) {
      await db.factBlocks
        .where('importId')
        .equals(id)
        .each((b) => ws.addBlock(b));
    }
    return ws;
  }
}

/** Facts the given imports committed, by their records (a short count only means a later grow). */
export async function factsOf(db: CloudscopeDb, importIds: readonly string[]): Promise<number> {
  let n = 0;
  for (const imp of await db.imports.bulkGet([...importIds])) n += imp?.facts ?? 0;
  return n;
}
