// Import semantics over fake-indexeddb: atomic on failure and cancel, staging swept, idempotent.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { inThreadChannel, type ScanChannel } from '../formats/defender-parts';
import { registerBuiltinFormats } from '../formats/index';
import { registerFormats } from '../formats/registry';
import type { FormatDefinition } from '../formats/types';
import { openDb } from '../store/db';
import { widenFactBlock } from '../store/fact-block';
import { expectedRows, runImport } from './import';
import type { ImportRequest } from './protocol';
import { CancelledError } from './rpc';
import { Sha256 } from './sha256';
import { blobStream } from './source';

const SQUID = readFileSync('shared/formats/fixtures/squid/test-access-extensive.log');
const PLASO = readFileSync('shared/formats/fixtures/defender/plaso/advanced_hunting_test.csv');
let n = 0;
const newDb = () => openDb(`import-test-${n++}`, { indexedDB, IDBKeyRange });

function fileOf(name: string, bytes: Uint8Array, chunk = 1024): ImportRequest['files'][number] {
  let off = 0;
  return {
    name,
    size: bytes.byteLength,
    stream: new ReadableStream<Uint8Array>({
      pull(c) {
        if (off >= bytes.byteLength) return c.close();
        c.enqueue(bytes.subarray(off, off + chunk));
        off += chunk;
      },
    }),
  };
}
const opts = { createHasher: () => new Sha256() };

// A format that throws part-way: a parser bug must leave the store as it was.
const exploding: FormatDefinition = {
  id: 'test-exploding' as FormatDefinition['id'],
  label: 'exploding test format',
  usesLocalTime: false,
  missingFields: [],
  sniff: (head) => (head.startsWith('EXPLODE') ? 1 : 0),
  open: () => ({
    push(_text, sink) {
      sink.event({
        time: Date.UTC(2024, 0, 1),
        deviceId: 'd',
        deviceName: null,
        user: null,
        localIp: null,
        remoteIp: '1.2.3.4',
        remotePort: 443,
        host: 'example.com',
        url: null,
        bytesUp: null,
        bytesDown: null,
        action: 'allowed',
        process: null,
        eventKey: null,
      });
      throw new Error('parser bug');
    },
    end() {},
  }),
};

beforeAll(() => registerBuiltinFormats());

/** The channel, noting when it is closed. */
function counted(c: ScanChannel, onClose: () => void): ScanChannel {
  const close = c.close;
  c.close = () => {
    onClose();
    close();
  };
  return c;
}

async function counts(db: Awaited<ReturnType<typeof newDb>>) {
  return {
    imports: await db.imports.count(),
    blocks: await db.factBlocks.count(),
    sources: await db.dataSources.count(),
  };
}

describe('runImport', () => {
  it('commits facts and provenance', async () => {
    const db = await newDb();
    const r = await runImport(db, { files: [fileOf('a.log', SQUID)], source: { kind: 'continuous' } }, opts);
    expect(r.transactions).toBeGreaterThan(0);
    const imp = await db.imports.get(r.importId!);
    expect(imp?.status).toBe('committed');
    expect(imp?.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await counts(db)).blocks).toBeGreaterThan(0);
  });

  it('reads a file handed over as a Blob (in slices) as it reads the same bytes as a stream', async () => {
    const facts = async (db: Awaited<ReturnType<typeof newDb>>) =>
      (await db.factBlocks.toArray()).map(widenFactBlock).map(({ importId: _i, sourceId: _s, ...b }) => b);
    const viaStream = await newDb();
    const a = await runImport(viaStream, { files: [fileOf('a.log', SQUID)], source: { kind: 'continuous' } }, opts);
    const viaBlob = await newDb();
    const b = await runImport(
      viaBlob,
      { files: [{ name: 'a.log', size: SQUID.byteLength, blob: new Blob([SQUID]) }], source: { kind: 'continuous' } },
      opts,
    );
    expect(b.files).toEqual(a.files);
    expect(b.transactions).toBe(a.transactions);
    expect(await facts(viaBlob)).toEqual(await facts(viaStream));
    // Slices smaller than the file, a last one shorter: every byte once, in order.
    const chunks: number[] = [];
    const reader = blobStream(new Blob([SQUID]), 1000).getReader();
    const got: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value.byteLength);
      got.push(r.value);
    }
    expect(chunks.length).toBe(Math.ceil(SQUID.byteLength / 1000));
    expect(Buffer.concat(got).equals(SQUID)).toBe(true);
  });

  it('adds nothing when the same content is imported again', async () => {
    const db = await newDb();
    await runImport(db, { files: [fileOf('a.log', SQUID)], source: { name: 'proxy', kind: 'continuous' } }, opts);
    const before = await counts(db);
    const again = await runImport(
      db,
      { files: [fileOf('a-copy.log', SQUID, 333)], source: { name: 'proxy', kind: 'continuous' } },
      opts,
    );
    expect(again.files[0].alreadyImported).toBe(true);
    expect(again.transactions).toBe(0);
    const after = await counts(db);
    expect(after.blocks).toBe(before.blocks);
    expect(after.sources).toBe(1);
  });

  it('rolls back completely when a parser fails', async () => {
    registerFormats([exploding]);
    const db = await newDb();
    await runImport(db, { files: [fileOf('a.log', SQUID)], source: { name: 'p', kind: 'continuous' } }, opts);
    const before = await counts(db);
    const bad = fileOf('bad.csv', new TextEncoder().encode('EXPLODE\n1,2,3\n'));
    await expect(
      runImport(
        db,
        { files: [fileOf('b.log', SQUID.subarray(0, 4000)), bad], source: { name: 'p', kind: 'continuous' } },
        opts,
      ),
    ).rejects.toThrow('parser bug');
    expect(await counts(db)).toEqual(before);
  });

  it('leaves the store exactly as before when cancelled', async () => {
    const db = await newDb();
    const ac = new AbortController();
    const big = new Uint8Array(SQUID.byteLength * 20);
    for (let i = 0; i < 20; i++) big.set(SQUID, i * SQUID.byteLength);
    const p = runImport(
      db,
      { files: [fileOf('big.log', big, 512)], source: { kind: 'continuous' } },
      {
        ...opts,
        signal: ac.signal,
        onProgress: (pr) => {
          if (pr.rowsDone > 100) ac.abort();
        },
      },
    );
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(await counts(db)).toEqual({ imports: 0, blocks: 0, sources: 0 });
  });

  it('writes staging blocks as it reads, and lands whole or, cancelled after some writes, not at all', async () => {
    // Every line its own host: one fact each, so 3,000 lines are 3,000 facts, written 200 at a time.
    const t0 = 1_790_812_800;
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `${t0 + i * 7}.000 100 10.0.0.${i % 200} TCP_MISS/200 ${1000 + i} GET http://h${i}.example.com/ u${i % 9} HIER_DIRECT/192.0.2.1 text/html`,
    );
    const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const stored = async (db: Awaited<ReturnType<typeof newDb>>) =>
      (await db.factBlocks.toArray())
        .map(widenFactBlock)
        .flatMap((b) => Array.from(b.transactions))
        .reduce((a, n) => a + n, 0);
    const whole = await newDb();
    const one = await runImport(whole, { files: [fileOf('a.log', bytes, 700)], source: { kind: 'continuous' } }, opts);
    const inSteps = await newDb();
    const many = await runImport(
      inSteps,
      { files: [fileOf('a.log', bytes, 700)], source: { kind: 'continuous' } },
      { ...opts, flushFacts: 200, blockSize: 64 },
    );
    expect(many.facts).toBe(3000);
    expect(many.facts).toBe(one.facts);
    expect(many.transactions).toBe(one.transactions);
    expect(await stored(inSteps)).toBe(3000);
    expect(await stored(whole)).toBe(3000);
    const blocks = (await counts(inSteps)).blocks;
    expect(blocks).toBeGreaterThan(3000 / 64);
    // The same file again: every block it staged (all of its writes) is taken back.
    const again = await runImport(
      inSteps,
      { files: [fileOf('a.log', bytes, 700)], source: { kind: 'continuous' } },
      { ...opts, flushFacts: 200, blockSize: 64 },
    );
    expect(again.files[0].alreadyImported).toBe(true);
    expect((await counts(inSteps)).blocks).toBe(blocks);
    expect(await stored(inSteps)).toBe(3000);

    // Cancelled as its third write starts: the rollback clears every block written.
    const cancelled = await newDb();
    const ac = new AbortController();
    const bulkAdd = cancelled.factBlocks.bulkAdd.bind(cancelled.factBlocks);
    let writes = 0;
    cancelled.factBlocks.bulkAdd = ((...args: Parameters<typeof bulkAdd>) => {
      if (++writes === 3) ac.abort();
      return bulkAdd(...args);
    }) as typeof bulkAdd;
    const p = runImport(
      cancelled,
      { files: [fileOf('a.log', bytes, 700)], source: { kind: 'continuous' } },
      { ...opts, flushFacts: 200, blockSize: 64, signal: ac.signal },
    );
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(writes).toBe(3);
    expect(await counts(cancelled)).toEqual({ imports: 0, blocks: 0, sources: 0 });
  });

  it('reads a Defender export with scan workers into the same facts and provenance as without', async () => {
    // The sample twice in one file: its second copy is all duplicates (the event key set is exercised too).
    const text = new Uint8Array(PLASO.byteLength * 2);
    text.set(PLASO);
    text.set(PLASO.subarray(PLASO.indexOf(10) + 1), PLASO.byteLength);
    const doubled = text.subarray(0, PLASO.byteLength * 2 - PLASO.indexOf(10) - 1);
    const run = async (channels: ScanChannel[] | null) => {
      const db = await newDb();
      const closed: boolean[] = [];
      const r = await runImport(
        db,
        { files: [fileOf('hunt.csv', doubled, 4096)], source: { kind: 'continuous' } },
        channels === null
          ? opts
          : {
              ...opts,
              parallelMinBytes: 0,
              partOptions: { partBytes: 3000, firstBytes: 2000 },
              scanWorkers: () => channels.map((c) => counted(c, () => closed.push(true))),
            },
      );
      const facts = (await db.factBlocks.toArray()).map(widenFactBlock).map(({ importId: _i, ...b }) => b);
      return { file: r.files[0], facts, transactions: r.transactions, closed: closed.length };
    };
    const one = await run(null);
    const parts = await run([inThreadChannel(), inThreadChannel()]);
    expect(one.file.rowsDuplicate).toBeGreaterThan(0);
    expect(parts.file).toEqual(one.file);
    expect(parts.transactions).toBe(one.transactions);
    expect(parts.facts.map((f) => ({ ...f, sourceId: '' }))).toEqual(one.facts.map((f) => ({ ...f, sourceId: '' })));
    expect(parts.closed).toBe(2);
  });

  it('leaves the store as before and stops the scan workers when cancelled', async () => {
    const db = await newDb();
    const ac = new AbortController();
    let closed = 0;
    const channel = counted(inThreadChannel(), () => closed++);
    const post = channel.post;
    let parts = 0;
    // Cancelled while parts are on their way (the third part sent).
    channel.post = (msg, transfer) => {
      if (msg.t === 'part' && ++parts === 3) ac.abort();
      post(msg, transfer);
    };
    const p = runImport(
      db,
      { files: [fileOf('hunt.csv', PLASO, 2048)], source: { kind: 'continuous' } },
      {
        ...opts,
        signal: ac.signal,
        parallelMinBytes: 0,
        partOptions: { partBytes: 2000, firstBytes: 2000 },
        scanWorkers: () => [channel],
      },
    );
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(parts).toBeGreaterThanOrEqual(3);
    expect(await counts(db)).toEqual({ imports: 0, blocks: 0, sources: 0 });
    expect(closed).toBe(1);
  });

  it('sweeps staging left by a crash when the store opens', async () => {
    const name = `crash-${n++}`;
    const db = await openDb(name, { indexedDB, IDBKeyRange });
    await db.imports.add({
      id: 'imp-crashed',
      sourceId: 's',
      status: 'staging',
      sha256: [],
      files: [],
      timeZone: 'UTC',
      startedAt: 0,
      finishedAt: null,
      durationMs: null,
      facts: 0,
      transactions: 0,
      firstEvent: null,
      lastEvent: null,
    });
    await db.factBlocks.add({
      importId: 'imp-crashed',
      sourceId: 's',
      count: 0,
      strings: [],
      hour: new Int32Array(0),
      device: new Int32Array(0),
      deviceName: new Int32Array(0),
      user: new Int32Array(0),
      localIp: new Int32Array(0),
      host: new Int32Array(0),
      transactions: new Float64Array(0),
      blocked: new Float64Array(0),
      bytesUp: new Float64Array(0),
      bytesDown: new Float64Array(0),
      firstSeen: new Float64Array(0),
      lastSeen: new Float64Array(0),
    });
    db.close();
    const reopened = await openDb(name, { indexedDB, IDBKeyRange });
    expect(await reopened.imports.count()).toBe(0);
    expect(await reopened.factBlocks.count()).toBe(0);
  });
});

describe('expectedRows', () => {
  const head = (rowBytes: number, rows: number) => `${'h'.repeat(99)}\n${`${'x'.repeat(rowBytes - 1)}\n`.repeat(rows)}`;
  it("sizes a file's key table from its head's row length, a tenth more, at most 4M", () => {
    // A full-schema export (~700 bytes a row) and a projected one (~210): the same size, a third of the rows.
    expect(expectedRows(350e6, head(700, 90))).toBeCloseTo((350e6 / ((99 + 1 + 700 * 90) / 91)) * 1.1, -3);
    expect(expectedRows(350e6, head(210, 300)) / expectedRows(350e6, head(700, 90))).toBeGreaterThan(3);
    expect(expectedRows(10e9, head(210, 300))).toBe(4_000_000);
    // Rows under 64 bytes count as 64; a head without a line end as 256 bytes a row.
    expect(expectedRows(64e6, head(20, 1000))).toBeCloseTo(1.1e6, -3);
    expect(expectedRows(256e6, 'no line end')).toBeCloseTo(1.1e6, -3);
  });
});
