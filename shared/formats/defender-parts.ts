/**
 * A Defender CSV read by several threads. The thread that imports keeps the
 * normaliser (its buffer, merge rules and DNS answers need the rows in file
 * order); scan workers do the rest of the reading of most of the file: decoding,
 * cutting fields and `prepRow`, which is most of the work (bench/RESULTS.md).
 *
 * The bytes are cut into parts at line ends. The importing thread reads the
 * first part itself (the header comes from it) and, of every later part, the
 * text up to its first line end and from its last one: the pieces that join one
 * part to the next. The text in between goes to a worker, which reads it as
 * records from its start and sends back prepared rows (defender-batch.ts).
 * A line end may sit inside a quoted field, so the worker's result is used only
 * when it holds: the importing thread is at a record boundary when the part
 * starts, and the worker's scan ends at one. Otherwise the importing thread
 * reads that part itself, so the result is always what one thread would read,
 * row for row, line numbers included.
 */

import type { CsvKernel } from './csv-kernel';
import { batchBuffers, type PrepBatch, PrepBatchReader } from './defender-batch';
import { type DefenderCsvLayout, type DefenderCsvParser, DefenderCsvPartReader } from './defender-csv';
import { type PartDecoder, utf8PartDecoder } from './part-text';
import type { ParseSink } from './types';

/**
 * `bytes` is a whole part buffer, the part's text being `bytes[from, to)`; it comes back with the reply
 * and is used again for a later part, as the batch's arrays are (`recycle`): the threads hand the same
 * few buffers back and forth instead of allocating ~2 bytes per byte read (garbage collection measured
 * at ~10% of the browser import before).
 */
export type ScanRequest =
  | { t: 'layout'; layout: DefenderCsvLayout; crlf: boolean }
  | { t: 'part'; seq: number; bytes: Uint8Array; from: number; to: number }
  | { t: 'recycle'; batch: PrepBatch };

export type ScanReply =
  | { t: 'ready'; seq: -1 }
  | { t: 'part'; seq: number; bytes: Uint8Array; batch: PrepBatch; aligned: boolean }
  | { t: 'error'; seq: number; bytes: Uint8Array; message: string };

type PartReply = Exclude<ScanReply, { t: 'ready' }>;

/** How long a worker may take to answer the layout before its share is read by the importing thread. */
const READY_TIMEOUT_MS = 15_000;

/** One scan worker as the importing thread sees it (a Node worker thread, a browser Worker, or this thread). */
export interface ScanChannel {
  post(msg: ScanRequest, transfer: ArrayBuffer[]): void;
  /** Set by the reader before the first post. */
  onReply: ((msg: ScanReply) => void) | null;
  /** Set by the reader: the worker is gone, its parts will not be answered. */
  onError: ((e: Error) => void) | null;
  close(): void;
}

/** A channel over a worker's post and stop functions; the reader sets its callbacks. */
export function channelOf(post: ScanChannel['post'], close: () => void): ScanChannel {
  return { onReply: null, onError: null, post, close };
}

/** The worker's side: answers part requests (what a scan worker's message handler calls). */
export function scanHandler(
  decode: PartDecoder = utf8PartDecoder(),
  kernel: (() => CsvKernel) | null = null,
): (msg: ScanRequest) => { reply: ScanReply; transfer: ArrayBuffer[] } | null {
  let reader: DefenderCsvPartReader | null = null;
  let k: CsvKernel | null = null;
  return (msg) => {
    if (msg.t === 'layout') {
      if (kernel !== null && k === null) k = kernel();
      reader = new DefenderCsvPartReader(msg.layout, msg.crlf, k);
      return { reply: { t: 'ready', seq: -1 }, transfer: [] };
    }
    if (msg.t === 'recycle') {
      reader?.recycle(msg.batch);
      return null;
    }
    try {
      if (!reader) throw new Error('a part came before the layout');
      const bytes = msg.bytes.subarray(msg.from, msg.to);
      const { batch, aligned } = reader.read(k === null ? decode(bytes) : { bytes, decode });
      return {
        reply: { t: 'part', seq: msg.seq, bytes: msg.bytes, batch, aligned },
        transfer: [msg.bytes.buffer as ArrayBuffer, ...batchBuffers(batch)],
      };
    } catch (e) {
      return {
        reply: { t: 'error', seq: msg.seq, bytes: msg.bytes, message: e instanceof Error ? e.message : String(e) },
        transfer: [msg.bytes.buffer as ArrayBuffer],
      };
    }
  };
}

/** A channel that scans on this thread, later (tests; and the same results as a worker, by construction). */
export function inThreadChannel(decode?: PartDecoder, kernel: (() => CsvKernel) | null = null): ScanChannel {
  const handle = scanHandler(decode, kernel);
  const ch = channelOf(
    (msg) => {
      setTimeout(() => {
        const r = handle(msg);
        if (r) ch.onReply?.(r.reply);
      }, 0);
    },
    () => {},
  );
  return ch;
}

export interface PartOptions {
  /** Bytes per part (default 2 MiB). */
  partBytes?: number;
  /** Bytes the importing thread reads itself before any part (the header is in them; default 64 KiB). */
  firstBytes?: number;
  /**
   * Parts a worker holds at most, sent and not yet answered (default 2; 4 with one worker: it must have work
   * for as long as this thread is busy scanning a part itself, as its replies are only seen between parts).
   */
  depth?: number;
  /** Parts read ahead beyond what the workers hold, for this thread to scan while it would wait (default 4). */
  spare?: number;
  /** How this thread's own scans decode a part (default UTF-8; see part-text.ts). */
  partDecoder?: PartDecoder;
  /** The record kernel this thread's own scans use with it (a one-character-per-byte `partDecoder`; see csv-kernel.ts). */
  kernel?: () => CsvKernel;
  /** How long a worker may take to answer the layout (default 15 s). */
  readyTimeoutMs?: number;
  /**
   * Counts parts whose rows came from a worker, parts sent but then read here (a cut inside a quoted field),
   * and parts this thread scanned ahead while its next part was still with a worker.
   */
  stats?: { fromWorkers: number; readHere: number; scannedHere?: number };
}

/** Line feed that ends a record candidate: any LF, or in a CRLF file an LF after a CR. */
function isBoundary(b: Uint8Array, i: number, crlf: boolean): boolean {
  return !crlf || (i > 0 && b[i - 1] === 13);
}
function firstBoundary(b: Uint8Array, crlf: boolean): number {
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) if (isBoundary(b, i, crlf)) return i;
  return -1;
}
function lastBoundary(b: Uint8Array, crlf: boolean): number {
  for (let i = b.lastIndexOf(10); i >= 0; i = i > 0 ? b.lastIndexOf(10, i - 1) : -1)
    if (isBoundary(b, i, crlf)) return i;
  return -1;
}

/** A part in file order: read here whole, or its head here, its body by a worker (or ahead by this thread), its tail here. */
interface Pending {
  /** The part's buffer (a worker it is sent to takes it, and gives it back with its reply). */
  bytes: Uint8Array;
  /** Where the body is: from after the first record boundary to after the last; -1 when there is none. */
  from: number;
  to: number;
  /** Who reads the body: UNSENT (nobody yet: read here whole when its turn comes), a channel, or HERE. */
  channel: number;
  /** The part's number when sent to a worker (unanswered while `waiting` has it). */
  seq: number;
  reply: Promise<PartReply> | null;
  /** Copies of the text before and after the body, read here (the buffer itself goes to the worker). */
  head: Uint8Array;
  tail: Uint8Array;
}

const UNSENT = -1;

/** A turn of the event loop, so that replies from the workers come in. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Reads UTF-8 bytes of a Defender CSV into `parser` (its normaliser gets every row in file order),
 * with the channels' help. Yields after each part taken, so the caller can flush, report progress
 * and cancel. The caller ends the parser.
 *
 * Parts go to the workers in file order as they have room (`depth` each). When the normaliser's next
 * part is still with a worker, this thread scans the last part nobody has taken yet itself rather
 * than wait: on 2 cores one worker scans more slowly than this thread takes its rows (it waited
 * ~0.55 s of a 1.6 s import of the 0.5M-row bench file); with workers ahead it scans nothing.
 */
export async function* readDefenderCsvInParts(
  bytes: AsyncIterable<Uint8Array>,
  parser: DefenderCsvParser,
  sink: ParseSink,
  channels: ScanChannel[],
  opts: PartOptions = {},
): AsyncGenerator<void> {
  const partBytes = opts.partBytes ?? 2 << 20;
  const firstBytes = opts.firstBytes ?? 64 << 10;
  const perChannel = Math.max(1, opts.depth ?? (channels.length === 1 ? 4 : 2));
  /** Parts read ahead of the normaliser: what the workers hold, and a few for this thread to scan while it waits. */
  const ahead = perChannel * Math.max(1, channels.length) + Math.max(0, opts.spare ?? 4);
  const decoder = new TextDecoder('utf-8');
  /** This thread's own scanner, as a channel index (its reader is the last one). */
  const HERE = channels.length;
  const readers = [...channels.map(() => new PrepBatchReader()), new PrepBatchReader()];
  let scanHere: ReturnType<typeof scanHandler> | null = null;
  const inFlight = channels.map(() => 0);
  const waiting = new Map<number, { channel: number; resolve: (r: PartReply) => void; reject: (e: Error) => void }>();
  let failed: Error | null = null;
  const queue: Pending[] = [];
  /**
   * Channels that answered the layout. A worker that fails before (say, its script cannot load
   * here) is left out: its parts are read here instead, nothing lost.
   */
  const live: number[] = [];
  /** Sends parts nobody has taken yet, in file order, to workers with room. */
  const pump = () => {
    for (const p of queue) {
      if (failed) return;
      if (p.channel !== UNSENT || p.from < 0) continue;
      let c = -1;
      for (const i of live) if (inFlight[i] < perChannel && (c < 0 || inFlight[i] < inFlight[c])) c = i;
      if (c < 0) return;
      send(p, c);
    }
  };
  const ready = channels.map(
    (ch, i) =>
      new Promise<void>((resolve) => {
        let answered = false;
        // A worker that neither answers nor fails (never seen) must not hold the import up.
        const timer = setTimeout(() => {
          answered = true;
          resolve();
        }, opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
        ch.onReply = (r) => {
          if (r.t === 'ready') {
            if (answered) return;
            answered = true;
            clearTimeout(timer);
            live.push(i);
            resolve();
            return;
          }
          const w = waiting.get(r.seq);
          waiting.delete(r.seq);
          if (w) inFlight[w.channel]--;
          w?.resolve(r);
          pump();
        };
        ch.onError = (e) => {
          if (!answered) {
            answered = true;
            clearTimeout(timer);
            resolve();
            return;
          }
          // Parts it holds are lost with it: the import fails (and is rolled back).
          failed ??= e;
          for (const w of waiting.values()) w.reject(e);
          waiting.clear();
        };
      }),
  );
  let seq = 0;
  let layoutSent = false;
  let readyWait: Promise<unknown> | null = null;
  let crlf = false;

  const pushBytes = (b: Uint8Array) => {
    if (b.byteLength > 0) parser.push(decoder.decode(b, { stream: true }), sink);
  };
  /** Part buffers back from the workers, to fill again. */
  const free: Uint8Array[] = [];
  const send = (p: Pending, channel: number) => {
    const s = seq++;
    const reply = new Promise<PartReply>((resolve, reject) => waiting.set(s, { channel, resolve, reject }));
    // Awaited in order later; a failure before then must not count as unhandled.
    reply.catch(() => {});
    // The head and tail are read here: copies, as the buffer goes to the worker.
    p.head = p.bytes.slice(0, p.from);
    p.tail = p.bytes.slice(p.to);
    p.channel = channel;
    p.seq = s;
    p.reply = reply;
    inFlight[channel]++;
    channels[channel].post({ t: 'part', seq: s, bytes: p.bytes, from: p.from, to: p.to }, [
      p.bytes.buffer as ArrayBuffer,
    ]);
  };
  /** Scans the last part nobody has taken yet on this thread, now; false when there is none to spare. */
  const scanAhead = (): boolean => {
    let p: Pending | undefined;
    let unsent = 0;
    for (let i = queue.length - 1; i >= 0; i--) {
      if (queue[i].channel !== UNSENT || queue[i].from < 0) continue;
      p ??= queue[i];
      unsent++;
    }
    // One part stays unsent per worker, for it to start on as soon as it answers.
    if (!p || !scanHere || unsent <= live.length) return false;
    const r = scanHere({ t: 'part', seq: -1, bytes: p.bytes, from: p.from, to: p.to });
    if (!r || r.reply.t === 'ready') return false;
    if (r.reply.t === 'part') {
      // Its string ids continue the parts scanned here before, which may come later in the file: the
      // reader takes the strings now, in the order they were numbered, rather than when the rows are read.
      readers[HERE].strings(r.reply.batch);
      r.reply.batch.strings = [];
    }
    p.head = p.bytes.subarray(0, p.from);
    p.tail = p.bytes.subarray(p.to);
    p.channel = HERE;
    p.reply = Promise.resolve(r.reply);
    if (opts.stats) opts.stats.scannedHere = (opts.stats.scannedHere ?? 0) + 1;
    return true;
  };
  const take = async (p: Pending) => {
    if (p.channel === UNSENT) {
      pushBytes(p.bytes);
      if (p.bytes.byteLength === partBytes) free.push(p.bytes);
      return;
    }
    pushBytes(p.head);
    // Rather than wait for its worker, scan a later part here (then let replies in).
    while (waiting.has(p.seq) && scanAhead()) await nextTask();
    const r = await (p.reply as Promise<PartReply>);
    if (r.t === 'part' && r.aligned && parser.atRecordBoundary) {
      parser.takePart(r.batch, readers[p.channel], sink);
      if (opts.stats && p.channel !== HERE) opts.stats.fromWorkers++;
    } else {
      if (r.t === 'part') readers[p.channel].strings(r.batch);
      pushBytes(r.bytes.subarray(p.from, p.to));
      if (opts.stats && p.channel !== HERE) opts.stats.readHere++;
    }
    pushBytes(p.tail);
    if (r.t === 'part') {
      if (p.channel === HERE) scanHere?.({ t: 'recycle', batch: r.batch });
      else channels[p.channel].post({ t: 'recycle', batch: r.batch }, batchBuffers(r.batch));
    }
    if (r.bytes.byteLength === partBytes) free.push(r.bytes);
  };
  /** One part's bytes: read here until the layout is known, else queued for a worker (or this thread). */
  const dispatch = (b: Uint8Array): Pending | null => {
    if (!layoutSent) {
      pushBytes(b);
      const layout = parser.layout;
      const c = parser.crlf;
      if (layout === null || c === null || channels.length === 0) return null;
      crlf = c;
      for (const ch of channels) ch.post({ t: 'layout', layout, crlf }, []);
      scanHere = scanHandler(opts.partDecoder, opts.kernel ?? null);
      scanHere({ t: 'layout', layout, crlf });
      layoutSent = true;
      readyWait = Promise.all(ready);
      return null;
    }
    if (failed) throw failed;
    const f = firstBoundary(b, crlf);
    const l = f < 0 ? -1 : lastBoundary(b, crlf);
    const body = f >= 0 && l > f;
    const none = b.subarray(0, 0);
    return {
      bytes: b,
      from: body ? f + 1 : -1,
      to: body ? l + 1 : -1,
      channel: UNSENT,
      seq: -1,
      reply: null,
      head: none,
      tail: none,
    };
  };

  let buf: Uint8Array = new Uint8Array(firstBytes);
  let fill = 0;
  let want = firstBytes;
  for await (const chunk of bytes) {
    let off = 0;
    while (off < chunk.byteLength) {
      const n = Math.min(want - fill, chunk.byteLength - off);
      buf.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill < want) break;
      const p = dispatch(buf);
      if (readyWait) {
        await readyWait;
        readyWait = null;
      }
      want = partBytes;
      buf = free.pop() ?? new Uint8Array(want);
      fill = 0;
      if (p) {
        queue.push(p);
        pump();
      }
      while (queue.length > ahead) {
        await take(queue.shift() as Pending);
        yield;
      }
      if (!p) yield;
    }
  }
  if (fill > 0) {
    const p = dispatch(buf.subarray(0, fill));
    if (p) {
      queue.push(p);
      pump();
    }
  }
  while (queue.length > 0) {
    await take(queue.shift() as Pending);
    yield;
  }
  const rest = decoder.decode();
  if (rest.length > 0) parser.push(rest, sink);
}
