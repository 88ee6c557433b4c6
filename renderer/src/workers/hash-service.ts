/**
 * What the hash worker does, apart from the worker itself so it can be tested
 * over a plain MessageChannel: SHA-256 of several byte streams at once, each
 * fed in the order the engine worker reads it.
 *
 * A stream of up to `wholeBytes` (256 MiB) is kept and hashed at its end by
 * WebCrypto (native, SHA instructions where the CPU has them: ~5x our JS, which
 * measured ~1 s of CPU per 214 MB file on the 2-core bench machine, taken from the
 * scan workers). WebCrypto has no streaming digest, so a longer stream, or one
 * where WebCrypto is missing (not a secure context), is hashed as it comes in JS.
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

/** Streams up to this size are hashed whole by WebCrypto at their end. */
export const WHOLE_BYTES = 256 * 1024 * 1024;

interface Open {
  /** Chunks kept for WebCrypto, or null once hashing in JS. */
  parts: Uint8Array[] | null;
  size: number;
  js: Sha256 | null;
}

function hex(buf: ArrayBuffer): string {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

export function serveHashes(port: HashPort, wholeBytes = WHOLE_BYTES): void {
  const subtle = globalThis.crypto?.subtle;
  const open = new Map<number, Open>();
  const toJs = (o: Open) => {
    o.js = new Sha256();
    for (const p of o.parts ?? []) o.js.update(p);
    o.parts = null;
  };
  port.addEventListener('message', (ev) => {
    const m = ev.data;
    let o = open.get(m.id);
    if (!o) {
      o = { parts: subtle ? [] : null, size: 0, js: subtle ? null : new Sha256() };
      open.set(m.id, o);
    }
    if ('bytes' in m) {
      o.size += m.bytes.byteLength;
      if (o.parts !== null && o.size > wholeBytes) toJs(o);
      if (o.parts !== null) o.parts.push(m.bytes);
      else o.js?.update(m.bytes);
      port.postMessage({ id: m.id, done: m.bytes.byteLength });
      return;
    }
    open.delete(m.id);
    const done = o;
    if (done.parts === null || !subtle) {
      port.postMessage({ id: m.id, digest: (done.js as Sha256).digest() });
      return;
    }
    const all = new Uint8Array(done.size);
    let off = 0;
    for (const p of done.parts) {
      all.set(p, off);
      off += p.byteLength;
    }
    done.parts = null;
    subtle.digest('SHA-256', all).then(
      (d) => port.postMessage({ id: m.id, digest: hex(d) }),
      () => {
        // WebCrypto refused (never seen): the bytes are still here.
        const h = new Sha256();
        h.update(all);
        port.postMessage({ id: m.id, digest: h.digest() });
      },
    );
  });
}
