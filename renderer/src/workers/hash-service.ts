/**
 * What the hash worker does, apart from the worker itself so it can be tested
 * over a plain MessageChannel: SHA-256 of several byte streams at once, each
 * fed in the order the engine worker reads it.
 */
import { Sha256 } from '../../../shared/engine/sha256';

/** Bytes of stream `id` (transferred), then `end` for its digest. */
export type HashRequest = { id: number; bytes: Uint8Array } | { id: number; end: true };

/** One `done` per chunk hashed (for back-pressure), one `digest` per `end`. */
export type HashReply = { id: number; done: number } | { id: number; digest: string };

export interface HashPort {
  addEventListener(type: 'message', listener: (ev: MessageEvent<HashRequest>) => void): void;
  postMessage(reply: HashReply): void;
}

export function serveHashes(port: HashPort): void {
  const open = new Map<number, Sha256>();
  port.addEventListener('message', (ev) => {
    const m = ev.data;
    let h = open.get(m.id);
    if (!h) {
      h = new Sha256();
      open.set(m.id, h);
    }
    if ('bytes' in m) {
      h.update(m.bytes);
      port.postMessage({ id: m.id, done: m.bytes.byteLength });
    } else {
      open.delete(m.id);
      port.postMessage({ id: m.id, digest: h.digest() });
    }
  });
}
