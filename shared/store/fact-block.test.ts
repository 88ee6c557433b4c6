// Packed fact blocks: each column in the narrowest type that gives every value back exactly, unknown bytes never 0.
import { describe, expect, it } from 'vitest';
import {
  blockBytes,
  bytesAt,
  ImportDictionaries,
  ImportDictionary,
  intoDictionary,
  ownDictionary,
  packFactBlock,
  packIds,
  selectFacts,
  timeAt,
  type WideFactBlock,
  widenFactBlock,
} from './fact-block';

const HOUR = 3_600_000;
const H0 = 490_000;

/** A wide block of `n` facts; `over` replaces whole columns. */
function wide(n: number, over: Partial<WideFactBlock> = {}): WideFactBlock {
  const hour = Int32Array.from({ length: n }, (_, i) => H0 + (i % 3));
  return {
    importId: 'imp',
    sourceId: 'src',
    count: n,
    strings: ['dev', 'alice', '10.0.0.1', 'a.com', 'b.com'],
    hour,
    device: new Int32Array(n),
    deviceName: new Int32Array(n).fill(-1),
    user: Int32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1)),
    localIp: new Int32Array(n).fill(2),
    host: Int32Array.from({ length: n }, (_, i) => 3 + (i % 2)),
    transactions: Float64Array.from({ length: n }, (_, i) => i + 1),
    blocked: new Float64Array(n),
    bytesUp: new Float64Array(n).fill(Number.NaN),
    bytesDown: new Float64Array(n).fill(Number.NaN),
    firstSeen: Float64Array.from(hour, (h, i) => h * HOUR + i),
    lastSeen: Float64Array.from(hour, (h) => h * HOUR + HOUR - 1),
    ...over,
  };
}

/** Every fact of a block as plain values, whatever its layout. */
function facts(b: ReturnType<typeof packFactBlock> | WideFactBlock) {
  return Array.from({ length: b.count }, (_, i) => ({
    hour: b.hour[i],
    ids: [b.device[i], b.deviceName[i], b.user[i], b.localIp[i], b.host[i]],
    transactions: b.transactions[i],
    blocked: b.blocked[i],
    up: bytesAt(b.bytesUp, i),
    down: bytesAt(b.bytesDown, i),
    first: timeAt(b.firstSeen, b.hour, i),
    last: timeAt(b.lastSeen, b.hour, i),
  }));
}

function roundTrip(b: WideFactBlock) {
  const packed = packFactBlock(b);
  expect(facts(packed)).toEqual(facts(b));
  expect(widenFactBlock(packed)).toEqual(b);
  return packed;
}

describe('packed fact blocks', () => {
  it('packs an endpoint block (no bytes, small counts, whole-ms times) to about a quarter of its wide size', () => {
    const b = wide(100);
    const packed = roundTrip(b);
    expect(packed.bytesUp).toBeNull();
    expect(packed.bytesDown).toBeNull();
    expect(packed.transactions).toBeInstanceOf(Uint8Array);
    expect(packed.blocked).toBeInstanceOf(Uint8Array);
    expect(packed.device).toBeInstanceOf(Int8Array);
    expect(packed.firstSeen).toBeInstanceOf(Int32Array);
    expect(packed.firstSeen[1]).toBe(1);
    // hour 4, five 8-bit ids 5, two 8-bit counts 2, two 32-bit times 8: 19 bytes a fact, against 72.
    expect(blockBytes(packed)).toBe(100 * 19);
    expect(blockBytes(widenFactBlock(packed))).toBe(100 * 72);
  });

  it('keeps unknown bytes unknown beside known ones, and known zeros zero', () => {
    const up = Float64Array.from({ length: 6 }, (_, i) => (i % 2 ? Number.NaN : i * 1000));
    const down = Float64Array.from([Number.NaN, 0, Number.NaN, 0, 0, Number.NaN]);
    const packed = roundTrip(wide(6, { bytesUp: up, bytesDown: down }));
    expect(packed.bytesUp).toBeInstanceOf(Float32Array);
    expect(bytesAt(packed.bytesUp, 0)).toBe(0);
    expect(bytesAt(packed.bytesUp, 1)).toBeNaN();
    expect(bytesAt(packed.bytesDown, 1)).toBe(0);
    expect(bytesAt(packed.bytesDown, 2)).toBeNaN();
  });

  it('keeps bytes float32 cannot hold exactly in float64', () => {
    const up = Float64Array.from([16_777_217, Number.NaN, 5_000_000_001]);
    const down = Float64Array.from([0.1, 1, 2]);
    const packed = roundTrip(wide(3, { bytesUp: up, bytesDown: down }));
    expect(packed.bytesUp).toBeInstanceOf(Float64Array);
    expect(packed.bytesDown).toBeInstanceOf(Float64Array);
  });

  it('widens counts as far as their values need: 8, 16, 32 bits, else float64', () => {
    const col = (v: number[]) => packFactBlock(wide(v.length, { transactions: Float64Array.from(v) })).transactions;
    expect(col([1, 255])).toBeInstanceOf(Uint8Array);
    expect(col([1, 256])).toBeInstanceOf(Uint16Array);
    expect(col([1, 65_536])).toBeInstanceOf(Uint32Array);
    expect(col([1, 2 ** 32])).toBeInstanceOf(Float64Array);
    expect(col([1, 2.5])).toBeInstanceOf(Float64Array);
    expect(col([1, -1])).toBeInstanceOf(Float64Array);
    roundTrip(wide(3, { transactions: Float64Array.from([4_000_000_000, 2 ** 40, 0.5]) }));
    roundTrip(wide(2, { blocked: Float64Array.from([70_000, 3]) }));
  });

  it('stores times relative to the hour only when every one is a whole ms within 32 bits of it', () => {
    const hour = Int32Array.from([H0, H0]);
    const early = roundTrip(wide(2, { hour, firstSeen: Float64Array.from([(H0 - 24) * HOUR, H0 * HOUR]) }));
    expect(early.firstSeen).toBeInstanceOf(Int32Array);
    expect(early.firstSeen[0]).toBe(-24 * HOUR);
    const fraction = roundTrip(wide(2, { hour, firstSeen: Float64Array.from([H0 * HOUR + 0.25, H0 * HOUR]) }));
    expect(fraction.firstSeen).toBeInstanceOf(Float64Array);
    const far = roundTrip(wide(2, { hour, lastSeen: Float64Array.from([(H0 + 1000) * HOUR, H0 * HOUR]) }));
    expect(far.lastSeen).toBeInstanceOf(Float64Array);
    expect(far.firstSeen).toBeInstanceOf(Int32Array);
  });

  it('gives string ids the narrowest type their largest needs, -1 kept', () => {
    expect(packIds(Int32Array.from([-1, 127]))).toBeInstanceOf(Int8Array);
    expect(packIds(Int32Array.from([-1, 128]))).toBeInstanceOf(Int16Array);
    expect(packIds(Int32Array.from([-1, 32_767]))).toBeInstanceOf(Int16Array);
    expect(packIds(Int32Array.from([-1, 32_768]))).toBeInstanceOf(Int32Array);
    expect([...packIds(Int32Array.from([-1, 300, 0]))]).toEqual([-1, 300, 0]);
    const strings = Array.from({ length: 40_000 }, (_, i) => `h${i}`);
    const host = Int32Array.from({ length: 40_000 }, (_, i) => 39_999 - i);
    const packed = roundTrip({ ...wide(40_000), strings, host });
    expect(packed.host).toBeInstanceOf(Int32Array);
    expect(packed.device).toBeInstanceOf(Int8Array);
  });

  it('reads a wide block through the same accessors, and packing it again changes nothing', () => {
    const b = wide(5, { bytesUp: Float64Array.from([1, Number.NaN, 3, 4, 5]) });
    const packed = packFactBlock(b);
    expect(packFactBlock(packed)).toEqual(packed);
    expect(widenFactBlock(b)).toEqual(b);
  });

  it('selects facts in either layout without changing a kept value (retention)', () => {
    const b = wide(7, { bytesDown: Float64Array.from([1, Number.NaN, 3, 4, 5, 6, 7]) });
    const keep = Uint8Array.from([1, 0, 1, 1, 0, 0, 1]);
    const expected = facts(b).filter((_, i) => keep[i]);
    const packed = packFactBlock(b);
    const fromPacked = selectFacts(packed, keep);
    expect(fromPacked.count).toBe(4);
    expect(facts(fromPacked)).toEqual(expected);
    expect(fromPacked.bytesUp).toBeNull();
    expect(fromPacked.firstSeen).toBeInstanceOf(Int32Array);
    expect(facts(selectFacts(b, keep))).toEqual(expected);
  });
});

describe('import dictionaries', () => {
  /** Blocks with strings of their own, as backups hold them: the same strings in a different order each. */
  const own = [
    wide(4, { strings: ['dev', 'alice', '10.0.0.1', 'a.com', 'b.com'] }),
    wide(3, {
      strings: ['b.com', 'c.com', '10.0.0.1', 'dev', 'bob'],
      device: new Int32Array(3).fill(3),
      user: Int32Array.from([4, -1, 4]),
      host: Int32Array.from([0, 1, 0]),
    }),
  ];
  const names = (b: WideFactBlock | ReturnType<typeof packFactBlock>, strings: readonly string[]) =>
    Array.from({ length: b.count }, (_, i) => [b.device[i], b.user[i], b.localIp[i], b.host[i]]).map((ids) =>
      ids.map((id) => (id < 0 ? null : strings[id])),
    );

  it('stores each of an import’s strings once, in the first block that uses it, and reads back the same names', () => {
    const dict = new ImportDictionary();
    const shared = own.map((b) => packFactBlock(intoDictionary(b, dict)));
    expect(shared.map((b) => [b.dictFrom, b.strings])).toEqual([
      [0, ['dev', 'alice', '10.0.0.1', 'a.com', 'b.com']],
      [5, ['bob', 'c.com']],
    ]);
    const follow = new ImportDictionaries((s) => s);
    shared.forEach((b, i) => {
      expect(names(b, follow.of(b))).toEqual(names(own[i], own[i].strings));
    });
    // And back to strings of their own (a backup), the ids renumbered to the strings each block uses.
    const back = new ImportDictionaries((s) => s);
    const again = shared.map((b) => ownDictionary(b, back.of(b)));
    again.forEach((b, i) => {
      expect(b.dictFrom).toBeUndefined();
      expect(names(b, b.strings)).toEqual(names(own[i], own[i].strings));
    });
    expect(again[1].strings).toEqual(['dev', 'bob', '10.0.0.1', 'b.com', 'c.com']);
  });

  it('takes back the strings of blocks that were deleted, and refuses a block whose dictionary has a gap', () => {
    const dict = new ImportDictionary();
    intoDictionary(own[0], dict);
    const mark = dict.mark();
    intoDictionary(own[1], dict);
    expect(dict.size).toBe(7);
    dict.rollback(mark);
    expect(dict.size).toBe(5);
    expect(dict.id('bob')).toBe(5);
    expect(dict.take()).toEqual({ strings: ['bob'], dictFrom: 5 });

    const fresh = new ImportDictionary();
    const [, second] = own.map((b) => intoDictionary(b, fresh));
    expect(() => new ImportDictionaries((s) => s).of(second)).toThrow(/at 5, not 0: a block before it is missing/);
  });
});
