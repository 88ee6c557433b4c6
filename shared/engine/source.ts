/**
 * From bytes to text: hashing the bytes as given, unpacking .gz (streamed) and
 * .zip (read whole: a zip's directory sits at its end), converting .xlsx
 * workbooks to CSV, decoding UTF-8 / UTF-16 with or without BOM, and peeking
 * at the head of each text so the format can be detected before parsing.
 */
import { unzipSync } from 'fflate';
import { pulledStream } from './pulled-stream';
import type { AsyncHasher } from './sha256';

export const HEAD_CHARS = 64 * 1024;
/** Bytes that always decode to HEAD_CHARS characters or more (UTF-8 takes at most 4 bytes per character). */
const HEAD_BYTES = HEAD_CHARS * 4;

export interface ByteInput {
  name: string;
  size: number | null;
  stream: ReadableStream<Uint8Array>;
}

/** One text to parse: a plain file, a decompressed .gz, or one entry of a .zip. */
export interface TextSource {
  name: string;
  /** Size in bytes of the file as given (the archive for zip entries), for progress. */
  size: number | null;
  /** Head of the decoded text, BOM removed; also the first part of `chunks`. */
  head: string;
  /** The whole text, head included, in chunks. */
  chunks: AsyncIterable<string>;
  /** SHA-256 of the bytes as given; call it once the text has been read to its end. */
  sha256(): Promise<string>;
  /** True when the bytes were an .xlsx workbook converted to CSV. */
  xlsx: boolean;
  /**
   * For UTF-8 text: the same text as bytes from its start (BOM included), to read in place of
   * `chunks` (one or the other, once). Scan workers read parts of it (formats/defender-parts.ts).
   */
  raw?: () => AsyncIterable<Uint8Array>;
}

/** An .xlsx workbook as CSV text chunks. */
export type XlsxToCsv = (bytes: Uint8Array) => Iterable<string> | Promise<Iterable<string>>;

export interface SourceOptions {
  createHasher(): AsyncHasher;
  /** Called with the number of raw bytes read, for progress. */
  onBytes(n: number): void;
  signal?: AbortSignal;
  /** Converts an .xlsx workbook to CSV text chunks (formats/xlsx-csv.ts; a promise when it loads that first). */
  xlsxToCsv?: XlsxToCsv;
}

async function* iterate(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException('Cancelled', 'AbortError');
      const { done, value } = await reader.read();
      if (done) return;
      if (value && value.byteLength > 0) yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}
function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** UTF-16 as its BOM says, else null (UTF-8). */
function utf16Of(first: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (first.length >= 2 && first[0] === 0xff && first[1] === 0xfe) return 'utf-16le';
  if (first.length >= 2 && first[0] === 0xfe && first[1] === 0xff) return 'utf-16be';
  return null;
}

function decoderFor(first: Uint8Array): TextDecoder {
  // ignoreBOM false (the default) strips a UTF-8 BOM.
  return new TextDecoder(utf16Of(first) ?? 'utf-8');
}

async function* decode(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  for await (const b of bytes) {
    decoder ??= decoderFor(b);
    const s = decoder.decode(b, { stream: true });
    if (s.length > 0) yield s;
  }
  if (decoder) {
    const tail = decoder.decode();
    if (tail.length > 0) yield tail;
  }
}

/** Reads the head of a text iterator and returns a source whose chunks replay it. */
async function withHead(
  name: string,
  size: number | null,
  text: AsyncIterator<string>,
  sha256: () => Promise<string>,
  xlsx: boolean,
  raw?: () => AsyncIterable<Uint8Array>,
): Promise<TextSource> {
  const first: string[] = [];
  let len = 0;
  let done = false;
  while (len < HEAD_CHARS) {
    const r = await text.next();
    if (r.done) {
      done = true;
      break;
    }
    first.push(r.value);
    len += r.value.length;
  }
  const joined = first.join('');
  const head = (joined.charCodeAt(0) === 0xfeff ? joined.slice(1) : joined).slice(0, HEAD_CHARS);
  const bomless = joined.charCodeAt(0) === 0xfeff ? joined.slice(1) : joined;
  async function* chunks(): AsyncGenerator<string> {
    if (bomless.length > 0) yield bomless;
    if (done) return;
    for (;;) {
      const r = await text.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { name, size, head, chunks: chunks(), sha256, xlsx, raw };
}

/**
 * Bytes that can be read twice from their start: as they pass to the decoder (which reads just the head
 * when the reader takes `raw`), copies are kept; `raw` replays them, then goes on with the stream.
 * Copies, because a worker hasher may take the passing chunks' buffers.
 */
function replayable(bytes: AsyncIterable<Uint8Array>): {
  bytes: AsyncIterable<Uint8Array>;
  raw: () => AsyncIterable<Uint8Array>;
  /** Stops keeping copies (the head has been read). */
  stop: () => void;
  utf16: () => boolean;
} {
  const it = bytes[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let recording = true;
  let passedOn = false;
  let replayed = false;
  // The rest of a chunk cut after its head: the head is all the decoder needs to tell the format, and a reader of
  // `raw` would decode the rest again (analyze reads 4 MB chunks: ~50 ms of decoding and copying saved).
  let rest: Uint8Array | null = null;
  async function* first(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (replayed) throw new Error('this text is being read as bytes');
      let b: Uint8Array;
      if (rest !== null) {
        b = rest;
        rest = null;
      } else {
        const r = await it.next();
        if (r.done) return;
        b = r.value;
      }
      if (recording && b.byteLength > HEAD_BYTES) {
        rest = b.subarray(HEAD_BYTES);
        b = b.subarray(0, HEAD_BYTES);
      }
      if (recording) seen.push(b.slice());
      else passedOn = true;
      yield b;
    }
  }
  async function* raw(): AsyncGenerator<Uint8Array> {
    if (passedOn || replayed) throw new Error('this text is already being read');
    replayed = true;
    while (seen.length > 0) yield seen.shift() as Uint8Array;
    if (rest !== null) {
      const b = rest;
      rest = null;
      yield b;
    }
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return {
    bytes: first(),
    raw,
    stop: () => {
      recording = false;
    },
    utf16: () => seen.length > 0 && utf16Of(seen[0]) !== null,
  };
}

/**
 * Opens one input as one or more text sources. Raw bytes are hashed as they
 * are read; for a zip the whole archive is read (and hashed) first.
 */
export async function openSources(input: ByteInput, opts: SourceOptions): Promise<TextSource[]> {
  const hasher = opts.createHasher();
  let digest: Promise<string> | null = null;
  const sha256 = () => {
    digest ??= Promise.resolve(hasher.digest());
    return digest;
  };
  const raw = iterate(input.stream, opts.signal);
  const firstResult = await raw.next();
  const first = firstResult.done ? new Uint8Array(0) : firstResult.value;
  /**
   * The raw bytes, counted and hashed. With `handOver` (plain text: the reader decodes each chunk before it
   * asks for the next and keeps nothing) a chunk is hashed only once it has been decoded, so the hasher may
   * take it (a worker hasher transfers it instead of copying it).
   */
  async function* counted(handOver: boolean): AsyncGenerator<Uint8Array> {
    const chunks = async function* () {
      if (first.byteLength > 0) yield first;
      yield* raw;
    };
    for await (const b of chunks()) {
      opts.onBytes(b.byteLength);
      if (!handOver) {
        const full = hasher.update(b);
        if (full) await full;
      }
      yield b;
      if (handOver) {
        const full = hasher.update(b, true);
        if (full) await full;
      }
    }
    // Every byte is with the hasher: its digest (a worker's, over the whole file) is taken now, while the
    // reader still parses what it holds and writes its last facts, rather than after. A failure is told to
    // whoever asks for it (and not reported as unhandled before then).
    sha256().catch(() => {});
  }

  if (isZip(first)) {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const b of counted(false)) {
      parts.push(b);
      total += b.byteLength;
    }
    const all = new Uint8Array(total);
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.byteLength;
    }
    const entries = unzipSync(all);
    const names = Object.keys(entries);
    if (names.some((n) => n === 'xl/workbook.xml') && opts.xlsxToCsv) {
      const csv = await opts.xlsxToCsv(all);
      return [await withHead(input.name, input.size, toAsync(csv)[Symbol.asyncIterator](), sha256, true)];
    }
    const out: TextSource[] = [];
    for (const n of names.sort()) {
      if (n.endsWith('/') || n.startsWith('__MACOSX/') || entries[n].byteLength === 0) continue;
      let bytes: AsyncIterable<Uint8Array> = toAsync([entries[n]]);
      if (isGzip(entries[n])) bytes = gunzip(bytes);
      out.push(await withHead(`${input.name}/${n}`, input.size, decode(bytes)[Symbol.asyncIterator](), sha256, false));
    }
    return out;
  }

  const bytes = isGzip(first) ? gunzip(counted(false)) : counted(true);
  const twice = replayable(bytes);
  const text = decode(twice.bytes)[Symbol.asyncIterator]();
  const src = await withHead(input.name, input.size, text, sha256, false, twice.raw);
  twice.stop();
  // Only UTF-8 text is read as bytes (decoderFor takes UTF-16 from a BOM).
  if (twice.utf16()) src.raw = undefined;
  return [src];
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const i of items) yield i;
}

/** Streams gzip decompression (DecompressionStream exists in Node 18+ and every browser we target). */
function gunzip(bytes: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const it = bytes[Symbol.asyncIterator]();
  const rs = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
  return iterate(
    rs.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>),
  );
}

/** Bytes of a Blob in 4 MiB slices, read when asked for. */
export function blobStream(blob: Blob, chunk = 4 << 20): ReadableStream<Uint8Array> {
  return pulledStream(
    async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
    chunk,
  );
}
