// The engine's hasher over the hash worker's own code, across a real MessageChannel (transfer included).
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../shared/engine/sha256';
import { type HashReply, type HashRequest, serveHashes } from './hash-service';
import { type HashWorker, workerHashers } from './worker-hasher';

function reference(bytes: Uint8Array): string {
  const h = new Sha256();
  h.update(bytes);
  return h.digest();
}

function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 17 + (i >> 7)) & 255;
  return b;
}

/** A hash worker served over a MessageChannel; counts the chunks it received. */
function channelWorker(wholeBytes?: number): { spawn: () => HashWorker; received: number[]; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const received: number[] = [];
  port2.addEventListener('message', (ev: MessageEvent<HashRequest>) => {
    if ('bytes' in ev.data) received.push(ev.data.bytes.byteLength);
  });
  serveHashes(
    {
      addEventListener: (type, listener) => port2.addEventListener(type, listener),
      postMessage: (reply: HashReply) => port2.postMessage(reply),
    },
    wholeBytes,
  );
  port2.start();
  const worker: HashWorker = {
    postMessage: (m, transfer) => port1.postMessage(m, transfer),
    addEventListener: (type, listener) => port1.addEventListener(type, listener),
    terminate: () => port1.close(),
  };
  port1.start();
  return {
    spawn: () => worker,
    received,
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

describe('workerHashers', () => {
  it('hashes several streams at once, interleaved, as the reference does', async () => {
    const ch = channelWorker();
    const create = workerHashers(ch.spawn);
    const files = [bytesOf(0, 1), bytesOf(1, 2), bytesOf(100_003, 3), bytesOf(64 * 1024, 4)];
    const hashers = files.map(() => create());
    for (let off = 0; off < 100_003; off += 4099) {
      files.forEach((f, i) => {
        const part = f.subarray(off, off + 4099);
        if (part.byteLength > 0) hashers[i].update(part);
      });
    }
    const digests = await Promise.all(hashers.map((h) => h.digest()));
    expect(digests).toEqual(files.map(reference));
    ch.close();
  });

  it('hashes short streams whole (WebCrypto) and long ones as they come, with the same digests', async () => {
    // 50,000 bytes kept whole at most: the 100,003-byte file switches to the JS hasher on its way.
    const ch = channelWorker(50_000);
    const create = workerHashers(ch.spawn);
    const files = [bytesOf(10, 9), bytesOf(49_999, 10), bytesOf(50_001, 11), bytesOf(100_003, 12)];
    const hashers = files.map(() => create());
    for (let off = 0; off < 100_003; off += 7001) {
      files.forEach((f, i) => {
        const part = f.subarray(off, off + 7001);
        if (part.byteLength > 0) hashers[i].update(part);
      });
    }
    expect(await Promise.all(hashers.map((h) => h.digest()))).toEqual(files.map(reference));
    expect(reference(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    ch.close();
  });

  it('copies bytes the caller keeps and moves whole buffers handed over', async () => {
    const ch = channelWorker();
    const h = workerHashers(ch.spawn)();
    const data = bytesOf(3 * 65536 + 7, 5);
    const expected = reference(data);
    const kept = data.slice(0, 65536);
    h.update(kept);
    const view = data.slice(65536, 3 * 65536);
    // A view that spans only part of its buffer is copied even when handed over.
    h.update(view.subarray(0, 65536), true);
    const whole = data.slice(2 * 65536);
    h.update(whole, true);
    expect(kept.byteLength).toBe(65536);
    expect(view.byteLength).toBe(2 * 65536);
    expect(whole.byteLength).toBe(0);
    expect(await h.digest()).toBe(expected);
    expect(ch.received).toEqual([65536, 65536, 65536 + 7]);
    ch.close();
  });

  it('makes the reader wait while too many bytes are on their way, and lets it go on once hashed', async () => {
    const ch = channelWorker();
    const h = workerHashers(ch.spawn, 100_000)();
    const data = bytesOf(300_000, 6);
    expect(h.update(data.subarray(0, 60_000))).toBeUndefined();
    const wait = h.update(data.subarray(60_000, 120_000));
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    h.update(data.subarray(120_000));
    expect(await h.digest()).toBe(reference(data));
    ch.close();
  });

  it('hashes in this thread when no worker can be started', () => {
    const h = workerHashers(() => {
      throw new ReferenceError('Worker is not defined');
    })();
    const data = bytesOf(1000, 7);
    h.update(data);
    expect(h.digest()).toBe(reference(data));
  });

  it('fails the digest when the hash worker fails, and hashes in this thread afterwards', async () => {
    let onError: ((ev: Event) => void) | null = null;
    const broken: HashWorker = {
      postMessage: () => {},
      addEventListener: (type, listener) => {
        if (type === 'error') onError = listener;
      },
    };
    const create = workerHashers(() => broken);
    const h = create();
    h.update(bytesOf(10, 8));
    const digest = h.digest();
    onError!(Object.assign(new Event('error'), { message: 'out of memory' }));
    await expect(digest).rejects.toThrow('The hash worker failed: out of memory');
    const next = create();
    next.update(bytesOf(10, 8));
    expect(next.digest()).toBe(reference(bytesOf(10, 8)));
  });
});
