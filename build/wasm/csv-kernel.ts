// The record kernel of CsvSelect (shared/formats/csv-select.ts, `pushKernel`), in AssemblyScript, compiled
// to WebAssembly with SIMD by build/wasm/compile.mjs into shared/formats/csv-kernel-wasm.ts.
//
// It reads what CsvSelect's two fast paths read — records on one line whose quoted fields close on that
// line, each closing quote followed by the delimiter or the line end — and stops at the first record that
// is anything else, for the JavaScript scanner to read from there. Per record it writes the record's line
// (from 0 in the part), its field count and, per selected slot, either an interned value's id or where the
// value lies in the part. Interned values (columns of few distinct values, as CsvSelect's `select` says)
// are found by their bytes in a hash table kept for the whole file, so a value seen before costs no string
// at all; each new one is listed for the caller to make its one string from.
//
// Memory: [slot map | intern flags | hash table | id table | arena | part | records | new ids], grown on demand.

const QUOTE: u8 = 34;
const LF: u8 = 10;
const CR: u8 = 13;

let delim: u8 = 44;
let crlf: bool = false;
/** Columns that may hold a slot, and slots. */
let width: i32 = 0;
let slots: i32 = 0;
let slotOfPtr: usize = 0;
let internPtr: usize = 0;
/** The slot read as a UTC time when it has the ISO shape (`parseTime`), -1: none. */
let timeSlot: i32 = -1;
/** Where the current record's output is (its time goes there). */
let recordOut: usize = 0;

let partPtr: usize = 0;
let partCap: usize = 0;
let partLen: usize = 0;
let outPtr: usize = 0;
/** Records the output holds. */
let outRecords: i32 = 0;
let newPtr: usize = 0;
let newCap: i32 = 0;
let newCount: i32 = 0;
/** Where the scan stopped (an offset in the part) and the line it had reached. */
let stopped: usize = 0;
let line: i32 = 0;

const TABLE_BITS: i32 = 18;
const TABLE_SIZE: i32 = 1 << TABLE_BITS;
/** Ids at most (the table stays at most half full), and the longest value interned (as CsvSelect's table). */
const MAX_IDS: i32 = TABLE_SIZE >> 1;
const MAX_LEN: usize = 256;
const ARENA_BYTES: usize = 16 << 20;
let tablePtr: usize = 0;
let idPtr: usize = 0;
let arenaPtr: usize = 0;
let arenaUsed: usize = 0;
let ids: i32 = 0;

let top: usize = 0;

function alloc(bytes: usize): usize {
  const p = (top + 15) & ~(<usize>15);
  const end = p + bytes;
  const need = (end + 0xffff) >>> 16;
  const have = <usize>memory.size();
  if (need > have && memory.grow(<i32>(need - have)) < 0) unreachable();
  top = end;
  return p;
}

/** Starts a file: `slotCount` slots over the first `columnWidth` columns; the slot map's address. */
export function init(slotCount: i32, columnWidth: i32): usize {
  top = __heap_base;
  slots = slotCount;
  width = columnWidth;
  slotOfPtr = alloc(<usize>columnWidth << 2);
  internPtr = alloc(<usize>slotCount);
  tablePtr = alloc(<usize>TABLE_SIZE << 3);
  memory.fill(tablePtr, 0, <usize>TABLE_SIZE << 3);
  idPtr = alloc(<usize>MAX_IDS << 3);
  arenaPtr = alloc(ARENA_BYTES);
  arenaUsed = 0;
  ids = 0;
  partCap = 0;
  outRecords = 4096;
  outPtr = alloc(<usize>outRecords * <usize>(4 + 2 * slots) << 2);
  timeSlot = -1;
  newCap = 4096;
  newPtr = alloc(<usize>newCap * 12);
  return slotOfPtr;
}

/** One byte per slot: 1 when the slot's values are interned. */
export function internFlags(): usize {
  return internPtr;
}

/** Reads `slot`'s values of the ISO shape as UTC times (-1: none), see `parseTime`. */
export function setTimeSlot(slot: i32): void {
  timeSlot = slot;
}

/** The delimiter, and CRLF line ends (1) or LF. */
export function setMode(d: i32, c: i32): void {
  delim = <u8>d;
  crlf = c != 0;
}

/** Room for a part of `len` bytes (and the padding the scan reads past it); its address. */
export function part(len: i32): usize {
  const need = <usize>len + 32;
  if (need > partCap) {
    partCap = need + (need >>> 2);
    partPtr = alloc(partCap);
  }
  partLen = <usize>len;
  // Line feeds after the part: every search stops there (the scan then sees it is past the end).
  memory.fill(partPtr + partLen, LF, 32);
  return partPtr;
}

export function output(): usize {
  return outPtr;
}
export function newIds(): usize {
  return newPtr;
}
export function newIdCount(): i32 {
  return newCount;
}
export function stopOffset(): i32 {
  return <i32>(stopped - partPtr);
}
export function lineAt(): i32 {
  return line;
}

// @ts-ignore: decorator
@inline
function findEither(p: usize, va: v128, vb: v128): usize {
  let v = v128.load(p);
  let m = i8x16.bitmask(v128.or(i8x16.eq(v, va), i8x16.eq(v, vb)));
  while (m == 0) {
    p += 16;
    v = v128.load(p);
    m = i8x16.bitmask(v128.or(i8x16.eq(v, va), i8x16.eq(v, vb)));
  }
  return p + <usize>ctz(m);
}

function hasHigh(a: usize, b: usize): bool {
  let p = a;
  while (p + 16 <= b) {
    if (i8x16.bitmask(v128.load(p)) != 0) return true;
    p += 16;
  }
  while (p < b) {
    if (load<u8>(p) >= 0x80) return true;
    p++;
  }
  return false;
}

/** The id of the bytes [a, b); -1 when the table is full (the caller cuts the value as written). */
function intern(a: usize, b: usize): i32 {
  const len = b - a;
  let h: u32 = 0x811c9dc5 ^ <u32>len;
  let p = a;
  while (p + 4 <= b) {
    h = (h ^ load<u32>(p)) * 0x01000193;
    h ^= h >>> 15;
    p += 4;
  }
  while (p < b) {
    h = (h ^ <u32>load<u8>(p)) * 0x01000193;
    p++;
  }
  h = (h ^ (h >>> 16)) * 0x85ebca6b;
  h ^= h >>> 13;
  if (h == 0) h = 1;
  let i = <i32>(h >>> (32 - TABLE_BITS));
  for (;;) {
    const e = tablePtr + (<usize>i << 3);
    const eh = load<u32>(e);
    if (eh == 0) break;
    if (eh == h) {
      const id = <i32>load<u32>(e, 4) - 1;
      const o = idPtr + (<usize>id << 3);
      if (<usize>load<u32>(o, 4) == len && memory.compare(arenaPtr + <usize>load<u32>(o), a, len) == 0) return id;
    }
    i = (i + 1) & (TABLE_SIZE - 1);
  }
  if (ids >= MAX_IDS || arenaUsed + len > ARENA_BYTES || newCount >= newCap) return -1;
  const id = ids++;
  const e = tablePtr + (<usize>i << 3);
  store<u32>(e, h);
  store<u32>(e, <u32>(id + 1), 4);
  memory.copy(arenaPtr + arenaUsed, a, len);
  const o = idPtr + (<usize>id << 3);
  store<u32>(o, <u32>arenaUsed);
  store<u32>(o, <u32>len, 4);
  arenaUsed += len;
  const n = newPtr + <usize>newCount * 12;
  store<i32>(n, id);
  store<u32>(n, <u32>(a - partPtr), 4);
  store<u32>(n, <u32>(b - partPtr), 8);
  newCount++;
  return id;
}

// @ts-ignore: decorator
@inline
function digits2(p: usize): i32 {
  const a = <i32>load<u8>(p) - 48;
  const b = <i32>load<u8>(p, 1) - 48;
  if (<u32>a > 9 || <u32>b > 9) return -1;
  return a * 10 + b;
}

/**
 * [a, b) as `yyyy-mm-ddThh:mm:ss[.fff…][Z]` (T, t or a space; z or Z) in UTC: milliseconds since 1970, the
 * fraction cut to milliseconds, as the JavaScript reader's fast path (defender-values.ts `fastIso`) reads it
 * in a UTC file; -1 for anything else, which the JavaScript reader then reads as before (a date it cannot
 * have, a year before 1970, a leap second, an offset).
 */
function parseTime(a: usize, b: usize): i64 {
  const n = b - a;
  if (n < 19 || load<u8>(a, 4) != 45 || load<u8>(a, 7) != 45 || load<u8>(a, 13) != 58 || load<u8>(a, 16) != 58)
    return -1;
  const t = load<u8>(a, 10);
  if (t != 84 && t != 32 && t != 116) return -1;
  const y1 = digits2(a);
  const y2 = digits2(a + 2);
  const mo = digits2(a + 5);
  const d = digits2(a + 8);
  const h = digits2(a + 11);
  const mi = digits2(a + 14);
  const sec = digits2(a + 17);
  if ((y1 | y2 | mo | d | h | mi | sec) < 0) return -1;
  let p = a + 19;
  let ms: i32 = 0;
  if (p < b && load<u8>(p) == 46) {
    p++;
    const start = p;
    let scale: i32 = 100;
    while (p < b) {
      const c = <i32>load<u8>(p) - 48;
      if (<u32>c > 9) break;
      ms += c * scale;
      scale /= 10;
      p++;
    }
    if (p == start) return -1;
  }
  if (p < b) {
    const z = load<u8>(p);
    if (!((z == 90 || z == 122) && p == b - 1)) return -1;
  }
  const y = y1 * 100 + y2;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return -1;
  const leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const dim: i32 = mo == 2 ? (leap ? 29 : 28) : mo == 4 || mo == 6 || mo == 9 || mo == 11 ? 30 : 31;
  if (d > dim) return -1;
  // Days from 1970-01-01 (the civil-from-days inverse, Hinnant).
  const yy: i64 = <i64>(mo <= 2 ? y - 1 : y);
  const era: i64 = yy / 400;
  const yoe: i64 = yy - era * 400;
  const mp: i64 = <i64>((mo + 9) % 12);
  const doy: i64 = (153 * mp + 2) / 5 + <i64>(d - 1);
  const doe: i64 = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const days: i64 = era * 146097 + doe - 719468;
  return days * 86_400_000 + <i64>h * 3_600_000 + <i64>mi * 60_000 + <i64>sec * 1000 + <i64>ms;
}

/** Flags on a value's end offset: it holds `""` escapes; it holds a non-ASCII byte. */
const ESC: u32 = 1 << 30;
const HIGH: u32 = 1 << 29;

function value(o: usize, slot: i32, a: usize, b: usize, escaped: bool): void {
  if (b == a) return;
  if (slot == timeSlot && !escaped) {
    const ms = parseTime(a, b);
    if (ms >= 0) {
      store<i64>(recordOut, ms, 8);
      store<i32>(o, 0);
      store<i32>(o, -2, 4);
      return;
    }
  }
  if (!escaped && b - a <= MAX_LEN && load<u8>(internPtr + <usize>slot) != 0) {
    const id = intern(a, b);
    if (id >= 0) {
      store<i32>(o, id);
      store<i32>(o, -1, 4);
      return;
    }
  }
  let y = <u32>(b - partPtr);
  if (escaped) y |= ESC;
  if (hasHigh(a, b)) y |= HIGH;
  store<u32>(o, <u32>(a - partPtr));
  store<u32>(o, y, 4);
}

/**
 * Reads records of the part from offset `from` (a record start; `startLine` its line) until the part ends,
 * the output is full, or a record the kernel does not read (`stopOffset` says where, `lineAt` its line).
 * Returns the records written. Each: line, field count, the time slot's value as an i64 of milliseconds, then
 * per slot two i32: (id, -1) for an interned value, (0, -2) for a time read into the record's i64, else
 * (start, end | flags); (0, 0) when empty or past the record's last field.
 */
export function scan(from: i32, startLine: i32): i32 {
  const base = partPtr;
  const end = base + partLen;
  const vd = i8x16.splat(<i8>delim);
  const vl = i8x16.splat(<i8>LF);
  const vq = i8x16.splat(<i8>QUOTE);
  const d = delim;
  const stride = <usize>(4 + 2 * slots) << 2;
  let out = outPtr;
  let records = 0;
  newCount = 0;
  line = startLine;
  let pos = base + <usize>from;
  while (pos < end && records < outRecords) {
    const c0 = load<u8>(pos);
    if (c0 == LF) {
      pos++;
      line++;
      continue;
    }
    if (c0 == CR && pos + 1 < end && load<u8>(pos + 1) == LF) {
      pos += 2;
      line++;
      continue;
    }
    recordOut = out;
    for (let k = 0; k < slots; k++) store<u64>(out + 16 + (<usize>k << 3), 0);
    let p = pos;
    let col = 0;
    let recordEnd: usize = 0;
    let ok = true;
    for (;;) {
      const slot = col < width ? load<i32>(slotOfPtr + (<usize>col << 2)) : -1;
      if (load<u8>(p) == QUOTE) {
        let q = p + 1;
        let escaped = false;
        let close: usize = 0;
        for (;;) {
          const e = findEither(q, vq, vl);
          if (e >= end || load<u8>(e) == LF) break;
          if (load<u8>(e + 1) == QUOTE) {
            escaped = true;
            q = e + 2;
            continue;
          }
          close = e;
          break;
        }
        if (close == 0) {
          ok = false;
          break;
        }
        const after = close + 1;
        const a = load<u8>(after);
        let last = false;
        if (a == d && after < end) {
          // the next field
        } else if (!crlf && a == LF && after < end) {
          last = true;
        } else if (crlf && a == CR && after + 1 < end && load<u8>(after + 1) == LF) {
          last = true;
        } else {
          ok = false;
          break;
        }
        if (slot >= 0) {
          // A CR ending the last field is dropped (as CsvStream does).
          let ve = close;
          if (last && ve > p + 1 && load<u8>(ve - 1) == CR) ve--;
          value(out + 16 + (<usize>slot << 3), slot, p + 1, ve, escaped);
        }
        col++;
        if (last) {
          recordEnd = crlf ? after + 1 : after;
          break;
        }
        p = after + 1;
        continue;
      }
      const e = findEither(p, vd, vl);
      if (e >= end) {
        ok = false;
        break;
      }
      let fe = e;
      const last = load<u8>(e) == LF;
      if (last) {
        if (crlf) {
          // A bare LF inside a record of a CRLF file: the general path's.
          if (e == p || load<u8>(e - 1) != CR) {
            ok = false;
            break;
          }
          fe = e - 1;
        }
        if (fe > p && load<u8>(fe - 1) == CR) fe--;
      }
      if (slot >= 0) value(out + 16 + (<usize>slot << 3), slot, p, fe, false);
      col++;
      if (last) {
        recordEnd = e;
        break;
      }
      p = e + 1;
    }
    // A lone field may be a blank line (`""`): the general path decides.
    if (!ok || col == 1) break;
    store<i32>(out, line);
    store<i32>(out, col, 4);
    out += stride;
    records++;
    line++;
    pos = recordEnd + 1;
  }
  stopped = pos;
  return records;
}
