/**
 * The packed fact block, column by column, in the narrowest type that holds
 * the block's values exactly (`FactBlockRecord` says what each type means).
 * Blocks are most of what a case stores and most of what an import holds at
 * commit: at 10M Defender rows the Int32/Float64 layout took ~72 bytes a fact,
 * a third of it bytes columns full of NaN; this layout takes ~24 (measured in
 * bench/, figures in the record's comment).
 *
 * The wide layout (Int32 ids, Float64 numbers, absolute times) is what the
 * first stores and backups hold. It is a valid block too — every reader goes
 * through the accessors here or checks the column's type — so old cases and
 * backups read unchanged, and `packFactBlock` turns one into the narrow layout.
 */
import type { FactBlockRecord } from './records';

const HOUR = 3_600_000;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Indexes into the block's strings, -1 = unknown. */
export type IdColumn = Int8Array | Int16Array | Int32Array;
/** Transactions and blocked: unsigned integers while every value is one, else Float64. */
export type CountColumn = Uint8Array | Uint16Array | Uint32Array | Float64Array;
/** NaN = unknown; null = every value in the block is unknown. */
export type BytesColumn = Float32Array | Float64Array | null;
/** Int32Array: ms after the start of the fact's hour; Float64Array: UTC ms. */
export type TimeColumn = Int32Array | Float64Array;

/** A block in the first layout: Int32 ids, Float64 numbers, absolute times. */
type WideFactBlockHeader = Pick<
  FactBlockRecord,
  'seq' | 'importId' | 'sourceId' | 'count' | 'strings' | 'dictFrom' | 'hour'
>;

export interface WideFactBlock extends WideFactBlockHeader {
  device: Int32Array;
  deviceName: Int32Array;
  user: Int32Array;
  localIp: Int32Array;
  host: Int32Array;
  transactions: Float64Array;
  blocked: Float64Array;
  bytesUp: Float64Array;
  bytesDown: Float64Array;
  firstSeen: Float64Array;
  lastSeen: Float64Array;
}

export const ID_COLUMNS = ['device', 'deviceName', 'user', 'localIp', 'host'] as const;

/**
 * String ids in the narrowest signed type that holds the column's largest (-1 stays -1). The block interns
 * column by column, device first, so a block's few devices get 8-bit ids even when its hosts need 16.
 */
export function packIds(ids: Int32Array): IdColumn {
  let max = -1;
  for (let i = 0; i < ids.length; i++) if (ids[i] > max) max = ids[i];
  if (max > 0x7fff) return ids;
  const out = max <= 0x7f ? new Int8Array(ids.length) : new Int16Array(ids.length);
  out.set(ids);
  return out;
}

export function packCounts(values: Float64Array): CountColumn {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || Object.is(v, -0)) return values;
    if (v > max) max = v;
  }
  if (max > 0xffffffff) return values;
  const out = max <= 0xff ? new Uint8Array(values.length) : max <= 0xffff ? new Uint16Array(values.length) : null;
  if (out === null) return Uint32Array.from(values);
  out.set(values);
  return out;
}

export function packBytes(values: Float64Array): BytesColumn {
  let known = false;
  let f32 = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    known = true;
    if (Math.fround(v) !== v || Object.is(v, -0)) {
      f32 = false;
      break;
    }
  }
  if (!known) return null;
  return f32 ? Float32Array.from(values) : values;
}

/** Times as ms after each fact's hour when every one is a whole ms within Int32 of it, else as they are. */
export function packTimes(values: Float64Array, hour: Int32Array): TimeColumn {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const off = values[i] - hour[i] * HOUR;
    if (!Number.isInteger(off) || off < INT32_MIN || off > INT32_MAX || Object.is(values[i], -0)) {
      return values;
    }
    out[i] = off;
  }
  return out;
}

/** Bytes of fact `i`, NaN when unknown. */
export function bytesAt(col: BytesColumn, i: number): number {
  return col === null ? Number.NaN : col[i];
}

/** UTC ms of fact `i`. */
export function timeAt(col: TimeColumn, hour: Int32Array, i: number): number {
  return col instanceof Int32Array ? hour[i] * HOUR + col[i] : col[i];
}

/** The fields both layouts share, as they are (the store key `seq` only when the block has one). */
function blockHeader(b: FactBlockRecord | WideFactBlock): WideFactBlockHeader {
  return {
    ...(b.seq !== undefined ? { seq: b.seq } : {}),
    importId: b.importId,
    sourceId: b.sourceId,
    count: b.count,
    strings: b.strings,
    ...(b.dictFrom !== undefined ? { dictFrom: b.dictFrom } : {}),
    hour: b.hour,
  };
}

/** A block in the narrow layout: the same facts, each value read back exactly (columns already narrow are shared). */
export function packFactBlock(b: FactBlockRecord | WideFactBlock): FactBlockRecord {
  const wide = widenFactBlock(b);
  return {
    ...blockHeader(b),
    device: packIds(wide.device),
    deviceName: packIds(wide.deviceName),
    user: packIds(wide.user),
    localIp: packIds(wide.localIp),
    host: packIds(wide.host),
    transactions: packCounts(wide.transactions),
    blocked: packCounts(wide.blocked),
    bytesUp: packBytes(wide.bytesUp),
    bytesDown: packBytes(wide.bytesDown),
    firstSeen: packTimes(wide.firstSeen, wide.hour),
    lastSeen: packTimes(wide.lastSeen, wide.hour),
  };
}

function wideBytes(col: BytesColumn, count: number): Float64Array {
  if (col === null) return new Float64Array(count).fill(Number.NaN);
  return col instanceof Float64Array ? col : Float64Array.from(col);
}

function wideTimes(col: TimeColumn, hour: Int32Array): Float64Array {
  if (col instanceof Float64Array) return col;
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) out[i] = hour[i] * HOUR + col[i];
  return out;
}

const wideIds = (col: IdColumn): Int32Array => (col instanceof Int32Array ? col : Int32Array.from(col));
const wideCounts = (col: CountColumn): Float64Array => (col instanceof Float64Array ? col : Float64Array.from(col));

/** A block in the wide layout (the backup file's columns); columns already wide are shared, not copied. */
export function widenFactBlock(b: FactBlockRecord | WideFactBlock): WideFactBlock {
  return {
    ...blockHeader(b),
    device: wideIds(b.device),
    deviceName: wideIds(b.deviceName),
    user: wideIds(b.user),
    localIp: wideIds(b.localIp),
    host: wideIds(b.host),
    transactions: wideCounts(b.transactions),
    blocked: wideCounts(b.blocked),
    bytesUp: wideBytes(b.bytesUp, b.count),
    bytesDown: wideBytes(b.bytesDown, b.count),
    firstSeen: wideTimes(b.firstSeen, b.hour),
    lastSeen: wideTimes(b.lastSeen, b.hour),
  };
}

/** The facts of `b` whose `keep` flag is set, in the same layout (retention). */
export function selectFacts(b: FactBlockRecord, keep: Uint8Array): FactBlockRecord {
  let n = 0;
  for (let i = 0; i < b.count; i++) if (keep[i]) n++;
  const pick = <T extends Exclude<BytesColumn, null> | IdColumn | CountColumn | TimeColumn>(col: T): T => {
    const out = new (col.constructor as new (len: number) => T)(n);
    let j = 0;
    for (let i = 0; i < b.count; i++) if (keep[i]) out[j++] = col[i];
    return out;
  };
  return {
    ...b,
    count: n,
    hour: pick(b.hour),
    device: pick(b.device),
    deviceName: pick(b.deviceName),
    user: pick(b.user),
    localIp: pick(b.localIp),
    host: pick(b.host),
    transactions: pick(b.transactions),
    blocked: pick(b.blocked),
    bytesUp: b.bytesUp === null ? null : pick(b.bytesUp),
    bytesDown: b.bytesDown === null ? null : pick(b.bytesDown),
    firstSeen: pick(b.firstSeen),
    lastSeen: pick(b.lastSeen),
  };
}

/** Bytes the block's columns take (its typed arrays' byteLength), for measurements. */
export function blockBytes(b: FactBlockRecord): number {
  let sum = b.hour.byteLength;
  for (const c of ID_COLUMNS) sum += b[c].byteLength;
  sum += b.transactions.byteLength + b.blocked.byteLength + b.firstSeen.byteLength + b.lastSeen.byteLength;
  return sum + (b.bytesUp?.byteLength ?? 0) + (b.bytesDown?.byteLength ?? 0);
}

/**
 * An import's string dictionary as its blocks are written: ids in order of first use, each block carrying the
 * strings it adds (`take`). A file found to be a duplicate takes its strings back (`mark`, `rollback`) with its
 * blocks, so the dictionary stays exactly what the stored blocks build.
 */
export class ImportDictionary {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  /** Strings added since the last `take`. */
  private added = 0;

  get size(): number {
    return this.strings.length;
  }

  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.push(s) - 1;
      this.ids.set(s, i);
      this.added++;
    }
    return i;
  }

  /** The strings added since the last call, and the id of the first of them: one block's `strings` and `dictFrom`. */
  take(): { strings: string[]; dictFrom: number } {
    const dictFrom = this.strings.length - this.added;
    this.added = 0;
    return { strings: this.strings.slice(dictFrom), dictFrom };
  }

  mark(): number {
    return this.strings.length;
  }

  /** Forgets every string added since `mark` (their blocks were deleted). */
  rollback(mark: number): void {
    for (let i = mark; i < this.strings.length; i++) this.ids.delete(this.strings[i]);
    this.strings.length = mark;
    this.added = 0;
  }
}

/**
 * Follows each import's dictionary through its blocks (read in store order): `of(b)` is what `b`'s ids index, each
 * string as `make` turns it (a string itself, a pool id), from the block's own strings or its import's dictionary
 * so far. Throws on a block whose import dictionary has a gap (a block it builds on is missing), which a store
 * never holds.
 */
export class ImportDictionaries<T> {
  private readonly dicts = new Map<string, T[]>();

  constructor(private readonly make: (s: string) => T) {}

  of(b: FactBlockRecord): T[] {
    if (b.dictFrom === undefined) return b.strings.map(this.make);
    let dict = this.dicts.get(b.importId);
    if (!dict) {
      dict = [];
      this.dicts.set(b.importId, dict);
    }
    if (b.dictFrom !== dict.length) {
      throw new Error(
        `fact block ${b.seq ?? '?'} of import ${b.importId} adds to its dictionary at ${b.dictFrom}, not ${dict.length}: a block before it is missing`,
      );
    }
    for (const s of b.strings) dict.push(this.make(s));
    return dict;
  }
}

/**
 * `b`'s id columns as ids in `dict`, each id read as a string of `from` (what the block's ids index): columns in
 * ID_COLUMNS order, so strings new to `dict` are numbered in the order the block first uses them.
 */
function renumbered(b: FactBlockRecord | WideFactBlock, from: readonly string[], dict: ImportDictionary) {
  const renumber = (col: IdColumn): Int32Array => {
    const out = new Int32Array(b.count);
    for (let i = 0; i < b.count; i++) out[i] = col[i] < 0 ? -1 : dict.id(from[col[i]]);
    return out;
  };
  return {
    device: renumber(b.device),
    deviceName: renumber(b.deviceName),
    user: renumber(b.user),
    localIp: renumber(b.localIp),
    host: renumber(b.host),
  };
}

/**
 * The block with a dictionary of its own (`strings` and ids renumbered to the strings it uses), from the
 * import dictionary `all` its ids index: what a backup file holds.
 */
export function ownDictionary(b: FactBlockRecord, all: readonly string[]): FactBlockRecord {
  if (b.dictFrom === undefined) return b;
  const own = new ImportDictionary();
  const ids = renumbered(b, all, own);
  const { dictFrom: _from, ...rest } = b;
  return {
    ...rest,
    device: packIds(ids.device),
    deviceName: packIds(ids.deviceName),
    user: packIds(ids.user),
    localIp: packIds(ids.localIp),
    host: packIds(ids.host),
    strings: own.take().strings,
  };
}

/** A block with strings of its own as its import writes it: ids in `dict`, carrying the strings it adds there. */
export function intoDictionary<B extends FactBlockRecord | WideFactBlock>(b: B, dict: ImportDictionary): B {
  if (b.dictFrom !== undefined) throw new Error('the block already indexes its import dictionary');
  const ids = renumbered(b, b.strings, dict);
  const { strings, dictFrom } = dict.take();
  return { ...b, ...ids, strings, dictFrom };
}
