/**
 * SHA-256 in a worker of its own, so hashing an import file costs the engine
 * worker a postMessage per chunk (plain text chunks are transferred once decoded,
 * gzip and zip bytes copied) rather than the hash itself (~3 s of a 214 MB file
 * at the old in-thread rate). The digest is awaited after the parse, where the
 * in-thread digest was taken, so the "same file adds nothing" rule is as before.
 */
import { type AsyncHasher, Sha256 } from '../../../shared/engine/sha256';
import type { HashReply, HashRequest } from './hash-service';

/** Bytes a stream may have on their way to the hash worker before `update` asks the reader to wait. */
const MAX_IN_FLIGHT = 64 * 1024 * 1024;

/** The part of a Worker used here (a MessagePort in tests). */
export interface HashWorker {
  postMessage(message: HashRequest, transfer: Transferable[]): void;
  /** `message` events carry a `HashReply`; `error` events may carry a `message`. */
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (ev: Event) => void): void;
  terminate?(): void;
}

interface Stream {
  inFlight: number;
  /** Resolves a reader waiting for the hash worker to catch up. */
  drained: (() => void) | null;
  digest: { resolve(hex: string): void; reject(e: Error): void } | null;
}

/**
 * Returns a hasher factory over one lazily started hash worker. When workers cannot be started here, or the
 * hash worker has failed, new hashers hash in this thread instead.
 */
export function workerHashers(spawn: () => HashWorker, maxInFlight = MAX_IN_FLIGHT): () => AsyncHasher {
  let worker: HashWorker | null = null;
  let failed: Error | null = null;
  let nextId = 1;
  const streams = new Map<number, Stream>();

  const fail = (e: Error) => {
    failed = e;
    worker?.terminate?.();
    worker = null;
    for (const s of streams.values()) {
      s.digest?.reject(e);
      s.drained?.();
    }
    streams.clear();
  };
  const start = (): HashWorker | null => {
    if (failed) return null;
    if (worker) return worker;
    try {
      const w = spawn();
      w.addEventListener('message', (ev) => {
        const r = (ev as MessageEvent<HashReply>).data;
        const s = streams.get(r.id);
        if (!s) return;
        if ('done' in r) {
          s.inFlight -= r.done;
          if (s.drained && s.inFlight <= maxInFlight / 2) {
            const wake = s.drained;
            s.drained = null;
            wake();
          }
        } else {
          streams.delete(r.id);
          s.digest?.resolve(r.digest);
        }
      });
      w.addEventListener('error', (ev) => {
        fail(new Error(`The hash worker failed: ${(ev as ErrorEvent).message || 'unknown error'}`));
      });
      w.addEventListener('messageerror', () => fail(new Error('The hash worker could not read a message')));
      worker = w;
      return w;
    } catch (e) {
      failed = e instanceof Error ? e : new Error(String(e));
      return null;
    }
  };

  return () => {
    const w = start();
    if (!w) return new Sha256();
    const id = nextId++;
    const s: Stream = { inFlight: 0, drained: null, digest: null };
    streams.set(id, s);
    const post = (m: HashRequest, transfer: Transferable[] = []) => {
      if (failed) throw failed;
      w.postMessage(m, transfer);
    };
    return {
      update(bytes: Uint8Array, handOver = false): void | Promise<void> {
        const n = bytes.byteLength;
        if (n === 0) return;
        // Bytes handed over that span their whole buffer move to the worker as they are; others are copied
        // (copying cost 0.27 s of a 214 MB import in a profile of the engine worker).
        const whole = handOver && bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0;
        const sent = whole && bytes.buffer.byteLength === n ? bytes : bytes.slice();
        post({ id, bytes: sent }, [sent.buffer]);
        s.inFlight += n;
        if (s.inFlight <= maxInFlight) return;
        return new Promise<void>((resolve) => {
          s.drained = resolve;
        });
      },
      digest(): Promise<string> {
        return new Promise<string>((resolve, reject) => {
          if (failed) return reject(failed);
          s.digest = { resolve, reject };
          post({ id, end: true });
        });
      },
    };
  };
}
