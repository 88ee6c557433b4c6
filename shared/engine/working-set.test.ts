// The working set's memory layout: columns sized once, exactly, when the fact count is known.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltinFormats } from '../formats/index';
import { openDb } from '../store/db';
import { ImportDictionary, intoDictionary, packFactBlock, type WideFactBlock } from '../store/fact-block';
import { runImport } from './import';
import { Sha256 } from './sha256';
import { factsOf, WorkingSet } from './working-set';

const SQUID = readFileSync('shared/formats/fixtures/squid/test-access-extensive.log');
const PLASO = readFileSync('shared/formats/fixtures/defender/plaso/advanced_hunting_test.csv');
let dbs = 0;

/** A block in the first, wide layout (stores written before blocks were packed narrow hold these). */
function block(sourceId: string, hosts: (string | null)[], hour0 = 490_000): WideFactBlock {
  const n = hosts.length;
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const id = (s: string | null) => {
    if (s === null) return -1;
    let i = ids.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      ids.set(s, i);
    }
    return i;
  };
  const col = (f: (i: number) => number) => Int32Array.from({ length: n }, (_, i) => f(i));
  const num = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  return {
    importId: 'imp',
    sourceId,
    count: n,
    hour: col((i) => hour0 + i),
    device: col(() => id('dev-1')),
    deviceName: col(() => -1),
    user: col((i) => (i % 2 ? id('alice') : -1)),
    localIp: col(() => id('10.0.0.1')),
    host: col((i) => id(hosts[i])),
    transactions: num((i) => i + 1),
    blocked: num(() => 0),
    bytesUp: num((i) => (i % 2 ? Number.NaN : 1000 * i)),
    bytesDown: num(() => Number.NaN),
    firstSeen: num((i) => (hour0 + i) * 3_600_000 + 1),
    lastSeen: num((i) => (hour0 + i) * 3_600_000 + 2),
    strings,
  };
}

function rows(ws: WorkingSet) {
  return Array.from({ length: ws.n }, (_, i) => [
    ws.str(ws.source[i]),
    ws.hour[i],
    ws.str(ws.device[i]),
    ws.str(ws.user[i]),
    ws.str(ws.host[i]),
    ws.transactions[i],
    ws.bytesUp[i],
    ws.lastSeen[i],
  ]);
}

beforeAll(() => registerBuiltinFormats());

describe('WorkingSet', () => {
  it('allocates each column exactly once for a reserved fact count', () => {
    const ws = new WorkingSet();
    ws.reserve(5);
    const hour = ws.hour;
    ws.addBlock(block('src-a', ['a.com', 'b.com', null]));
    ws.addBlock(block('src-b', ['b.com', 'c.com'], 490_100));
    expect(ws.n).toBe(5);
    expect(ws.hour).toBe(hour);
    for (const c of [ws.source, ws.hour, ws.device, ws.host, ws.transactions, ws.bytesUp, ws.lastSeen]) {
      expect(c.length).toBe(5);
    }
    expect(rows(ws)[3]).toEqual(['src-b', 490_100, 'dev-1', null, 'b.com', 1, 0, 490_100 * 3_600_000 + 2]);
    expect(ws.str(ws.host[2])).toBeNull();
  });

  it('keeps every value when more facts arrive than were reserved', () => {
    const reserved = new WorkingSet();
    reserved.reserve(2);
    const grown = new WorkingSet();
    for (const ws of [reserved, grown]) {
      ws.addBlock(block('src-a', ['a.com', 'b.com']));
      ws.addBlock(block('src-a', ['c.com', 'a.com', 'd.com'], 490_050));
    }
    expect(reserved.n).toBe(5);
    expect(rows(reserved)).toEqual(rows(grown));
    expect(Number.isNaN(reserved.bytesUp[1])).toBe(true);
    expect(reserved.pool.strings).toEqual(grown.pool.strings);
  });

  it('keeps ids in 16 bits and counts in float32 while they fit, and widens without changing a value', () => {
    const ws = new WorkingSet();
    ws.addBlock(block('src-a', ['a.com', 'b.com', 'c.com']));
    expect(ws.host).toBeInstanceOf(Int16Array);
    expect(ws.transactions).toBeInstanceOf(Float32Array);
    expect(ws.bytesUp).toBeInstanceOf(Float32Array);
    expect(ws.firstSeen).toBeInstanceOf(Float64Array);
    const big = block('src-a', ['d.com', 'e.com']);
    big.bytesUp[0] = 5_000_000_001;
    big.bytesDown[1] = 0.1;
    ws.addBlock(big);
    expect(ws.bytesUp).toBeInstanceOf(Float64Array);
    expect(ws.bytesDown).toBeInstanceOf(Float64Array);
    expect(ws.transactions).toBeInstanceOf(Float32Array);
    expect([...ws.bytesUp.subarray(0, 5)]).toEqual([0, Number.NaN, 2000, 5_000_000_001, Number.NaN]);
    expect(ws.bytesDown[4]).toBe(0.1);
    expect(Number.isNaN(ws.bytesDown[0])).toBe(true);
    // 40,000 distinct hosts: ids past 32,767 need the 32-bit columns.
    const many = Array.from({ length: 40_000 }, (_, i) => `h${i}.example`);
    ws.addBlock(block('src-b', many));
    expect(ws.host).toBeInstanceOf(Int32Array);
    expect(ws.source).toBeInstanceOf(Int32Array);
    expect(ws.str(ws.host[ws.n - 1])).toBe('h39999.example');
    expect(ws.str(ws.source[ws.n - 1])).toBe('src-b');
    expect(ws.str(ws.host[1])).toBe('b.com');
    expect(ws.str(ws.user[1])).toBe('alice');
    expect(ws.user[0]).toBe(-1);
    expect(ws.transactions[ws.n - 1]).toBe(40_000);
  });

  it('loads packed blocks and blocks in the first, wide layout to the same values', () => {
    const wideOnly = new WorkingSet();
    const packed = new WorkingSet();
    const mixed = new WorkingSet();
    const blocks = [
      block('src-a', ['a.com', null, 'b.com']),
      { ...block('src-a', ['c.com', 'a.com'], 490_050), firstSeen: Float64Array.from([490_050 * 3_600_000 + 0.5, 1]) },
      block('src-b', ['d.com']),
    ];
    blocks.forEach((b, i) => {
      wideOnly.addBlock(b);
      packed.addBlock(packFactBlock(b));
      mixed.addBlock(i % 2 ? b : packFactBlock(b));
    });
    expect(packFactBlock(blocks[0]).bytesDown).toBeNull();
    expect(packFactBlock(blocks[0]).lastSeen).toBeInstanceOf(Int32Array);
    const columns = (ws: WorkingSet) =>
      [
        ws.source,
        ws.hour,
        ws.device,
        ws.deviceName,
        ws.user,
        ws.localIp,
        ws.host,
        ws.transactions,
        ws.blocked,
        ws.bytesUp,
        ws.bytesDown,
        ws.firstSeen,
        ws.lastSeen,
      ].map((c) => [...c.subarray(0, ws.n)]);
    expect(columns(packed)).toEqual(columns(wideOnly));
    expect(columns(mixed)).toEqual(columns(wideOnly));
    expect(Number.isNaN(packed.bytesDown[0])).toBe(true);
    expect(packed.firstSeen[3]).toBe(490_050 * 3_600_000 + 0.5);
    expect(packed.lastSeen[5]).toBe(490_000 * 3_600_000 + 2);
  });

  it('loads committed imports at their exact fact count', async () => {
    const db = await openDb(`working-set-test-${dbs++}`, { indexedDB, IDBKeyRange });
    const file = (name: string, bytes: Uint8Array) => ({
      name,
      size: bytes.byteLength,
      stream: new Blob([new Uint8Array(bytes)]).stream(),
    });
    const opts = { createHasher: () => new Sha256(), blockSize: 4 };
    const a = await runImport(db, { files: [file('a.log', SQUID)], source: { kind: 'continuous' } }, opts);
    const b = await runImport(db, { files: [file('b.csv', PLASO)], source: { kind: 'continuous' } }, opts);
    const ids = [a.importId, b.importId].filter((id): id is string => id !== null);
    expect(ids).toHaveLength(2);
    expect(a.facts).toBeGreaterThan(4);
    expect(await factsOf(db, ids)).toBe(a.facts + b.facts);
    const ws = await WorkingSet.load(db);
    expect(ws.n).toBe(a.facts + b.facts);
    expect(ws.hour.length).toBe(ws.n);
    expect(ws.firstSeen.length).toBe(ws.n);
    const one = await WorkingSet.load(db, [ids[1]]);
    expect(one.n).toBe(b.facts);
    expect(one.host.length).toBe(b.facts);
    expect(rows(ws).slice(a.facts)).toEqual(rows(one));
    db.close();
  });

  it('reads an import of many store requests (the next asked for while one is added) in store order', async () => {
    const db = await openDb(`working-set-test-${dbs++}`, { indexedDB, IDBKeyRange });
    // 300 facts in blocks of 2: 150 blocks, three requests of 64 and the rest, each block adding names of its own.
    const lines = Array.from(
      { length: 300 },
      (_, i) =>
        `${1_790_000_000 + i * 3_600}.000 ${100 + i} 10.0.${i % 7}.${i % 11} TCP_MISS/200 ${500 + i} GET https://h${i}.example.com/x alice${i % 5} DIRECT/203.0.113.${i % 200} text/html`,
    );
    const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const file = { name: 'many.log', size: bytes.byteLength, stream: new Blob([bytes]).stream() };
    const opts = { createHasher: () => new Sha256(), blockSize: 2 };
    const r = await runImport(db, { files: [file], source: { kind: 'continuous' } }, opts);
    expect(r.facts).toBe(300);
    const blocks = await db.factBlocks.where('importId').equals(r.importId!).sortBy('seq');
    expect(blocks.length).toBe(150);
    const expected = new WorkingSet();
    for (const b of blocks) expected.addBlock(b);
    const ws = new WorkingSet();
    await ws.readImport(db, r.importId!);
    expect(ws.n).toBe(300);
    expect(rows(ws)).toEqual(rows(expected));
    expect(new Set(rows(ws).map((x) => x[4])).size).toBe(300);
    db.close();
  });

  it('reads blocks that index their import dictionary as it reads blocks with strings of their own', () => {
    const own = [
      block('src-a', ['a.com', 'b.com', null]),
      block('src-a', ['c.com', 'a.com'], 490_050),
      block('src-b', ['b.com', 'd.com']),
    ];
    const dicts = new Map<string, ImportDictionary>();
    const shared = own.map((b) => {
      const importId = `imp-${b.sourceId}`;
      if (!dicts.has(importId)) dicts.set(importId, new ImportDictionary());
      return packFactBlock(intoDictionary({ ...b, importId }, dicts.get(importId)!));
    });
    expect(shared[1].strings).toEqual(['c.com']);
    const a = new WorkingSet();
    const b = new WorkingSet();
    for (const x of own) a.addBlock(x);
    for (const x of shared) b.addBlock(x);
    expect(rows(b)).toEqual(rows(a));
    // A block whose import dictionary misses the blocks before it is refused, not read with the wrong names.
    expect(() => new WorkingSet().addBlock(shared[1])).toThrow(/a block before it is missing/);
  });

  it('keeps a snapshot as it was while the set it came from grows', () => {
    const ws = new WorkingSet();
    ws.reserve(4);
    ws.addBlock(block('src-a', ['a.com', 'b.com']));
    const snap = ws.snapshot();
    const before = rows(snap);
    // Into the same columns (reserved room), then past the reserved size and past 2^15 strings (16-bit ids widen).
    ws.addBlock(block('src-a', ['c.com', 'a.com'], 490_050));
    expect(rows(snap)).toEqual(before);
    const many = Array.from({ length: 33_000 }, (_, i) => `h${i}.example`);
    ws.addBlock(block('src-b', many));
    expect(ws.n).toBe(33_004);
    expect(ws.host).toBeInstanceOf(Int32Array);
    expect(snap.n).toBe(2);
    expect(rows(snap)).toEqual(before);
    expect(rows(ws).slice(0, 2)).toEqual(before);
    expect(() => snap.addBlock(block('src-a', ['x.com']))).toThrow(/read-only/);
  });
});
