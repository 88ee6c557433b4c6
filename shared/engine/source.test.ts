// Sources with a hasher that works elsewhere: the digest comes later, and plain-text chunks are handed over
// (detached) once decoded. The text and the digest must be what in-thread hashing gives.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltinFormats } from '../formats/index';
import { openDb } from '../store/db';
import { runImport } from './import';
import { type AsyncHasher, Sha256 } from './sha256';
import { HEAD_CHARS, openSources } from './source';

// A plain Uint8Array: Buffer's slice() shares memory, and Node will not transfer a Buffer's pool.
const SQUID = new Uint8Array(readFileSync('shared/formats/fixtures/squid/test-access-extensive.log'));
const TEXT = new TextDecoder().decode(SQUID);

/** Chunks that each own their whole buffer, as a transferred stream delivers them. */
function streamOf(bytes: Uint8Array, chunk = 1000): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (off >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(off, off + chunk));
      off += chunk;
    },
  });
}

/** Hashes a detached copy of what is handed over (as a worker would receive it) and answers a tick later. */
function detachingHasher(log: boolean[]): AsyncHasher {
  const h = new Sha256();
  return {
    update(bytes, handOver = false) {
      log.push(handOver);
      h.update(handOver ? structuredClone(bytes, { transfer: [bytes.buffer] }) : bytes);
      if (handOver) expect(bytes.byteLength).toBe(0);
    },
    digest: () => new Promise((resolve) => setTimeout(() => resolve(h.digest()), 5)),
  };
}

async function readAll(bytes: Uint8Array, name: string, chunk?: number) {
  const log: boolean[] = [];
  const sources = await openSources(
    { name, size: bytes.byteLength, stream: streamOf(bytes, chunk) },
    { createHasher: () => detachingHasher(log), onBytes: () => {} },
  );
  const texts: string[] = [];
  for (const s of sources) {
    let text = '';
    for await (const c of s.chunks) text += c;
    texts.push(text);
  }
  return { texts, digest: await sources[0].sha256(), log };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(() => registerBuiltinFormats());

describe('openSources with a hasher working elsewhere', () => {
  it('hands plain-text chunks over only once they are decoded', async () => {
    const { texts, digest, log } = await readAll(SQUID, 'access.log');
    expect(texts).toEqual([TEXT]);
    expect(digest).toBe(sha(SQUID));
    expect(log.length).toBe(Math.ceil(SQUID.byteLength / 1000));
    expect(log.every((h) => h)).toBe(true);
  });

  it('reads a large first chunk whole, as text and as bytes, though only its head is decoded to tell the format', async () => {
    // ~1.5 MB in one chunk, with 2-, 3- and 4-byte characters that the cut after the head may split.
    const text = `é€😀 ${'x'.repeat(57)}\n`.repeat(24_000);
    const big = new TextEncoder().encode(text);
    const asText = await readAll(big, 'big.log', big.byteLength);
    expect(asText.texts).toEqual([text]);
    expect(asText.digest).toBe(sha(big));

    const log: boolean[] = [];
    const [src] = await openSources(
      { name: 'big.log', size: big.byteLength, stream: streamOf(big, big.byteLength) },
      { createHasher: () => detachingHasher(log), onBytes: () => {} },
    );
    expect(src.head).toBe(text.slice(0, HEAD_CHARS));
    const parts: Uint8Array[] = [];
    for await (const b of src.raw?.() ?? []) parts.push(b.slice());
    const raw = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let off = 0;
    for (const p of parts) {
      raw.set(p, off);
      off += p.byteLength;
    }
    expect(raw).toEqual(big);
    expect(await src.sha256()).toBe(sha(big));
  });

  it('asks for the digest as soon as the last byte is read, before the reader is done with the text', async () => {
    const log: boolean[] = [];
    let asked = 0;
    // Larger than what telling the format reads.
    const big = new Uint8Array(SQUID.byteLength * 40);
    for (let i = 0; i < 40; i++) big.set(SQUID, i * SQUID.byteLength);
    const [src] = await openSources(
      { name: 'access.log', size: big.byteLength, stream: streamOf(big, 4096) },
      {
        createHasher: () => {
          const h = detachingHasher(log);
          return {
            update: h.update,
            digest: () => {
              asked++;
              return h.digest();
            },
          };
        },
        onBytes: () => {},
      },
    );
    const it = src.chunks[Symbol.asyncIterator]();
    await it.next();
    expect(asked).toBe(0);
    let text = '';
    for (let r = await it.next(); !r.done; r = await it.next()) text += r.value;
    // Read to the end (its text not yet handed on as facts): the hasher was asked once, and only once.
    expect(asked).toBe(1);
    expect(await src.sha256()).toBe(sha(big));
    expect(asked).toBe(1);
    expect(text.length).toBeGreaterThan(0);
  });

  it('keeps gzip and zip bytes (still needed after hashing) and hashes them as given', async () => {
    const gz = new Uint8Array(gzipSync(SQUID));
    const fromGz = await readAll(gz, 'access.log.gz');
    expect(fromGz.texts).toEqual([TEXT]);
    expect(fromGz.digest).toBe(sha(gz));
    expect(fromGz.log.some((h) => h)).toBe(false);

    const zip = zipSync({ 'a.log': SQUID });
    const fromZip = await readAll(zip, 'logs.zip');
    expect(fromZip.texts).toEqual([TEXT]);
    expect(fromZip.digest).toBe(sha(zip));
    expect(fromZip.log.some((h) => h)).toBe(false);
  });

  it('still adds nothing when the same file is imported again', async () => {
    const db = await openDb('source-test-reimport', { indexedDB, IDBKeyRange });
    const opts = { createHasher: () => detachingHasher([]) };
    const file = () => ({ name: 'a.log', size: SQUID.byteLength, stream: streamOf(SQUID) });
    const first = await runImport(db, { files: [file()], source: { kind: 'continuous' } }, opts);
    expect(first.files[0].sha256).toBe(sha(SQUID));
    expect(first.facts).toBeGreaterThan(0);
    const blocks = await db.factBlocks.count();
    const again = await runImport(db, { files: [file()], source: { kind: 'continuous' } }, opts);
    expect(again.files[0].alreadyImported).toBe(true);
    expect(again.facts).toBe(0);
    expect(again.transactions).toBe(0);
    expect(await db.factBlocks.count()).toBe(blocks);
    db.close();
  });
});
