/**
 * Table exports of any size: CSV (the same safe cells as csv.ts) and JSON,
 * produced a chunk of rows at a time from an iterator, so a million-row table
 * never exists as one string. `csvStream`/`jsonStream` are pull-driven web
 * streams: the next rows are formatted only when the consumer (a file writer,
 * a download, a transfer out of the worker) asks for more, which is what keeps
 * memory flat whatever the row count.
 */
import { type Cell, csvRow } from './csv';

export interface StreamOptions {
  /** Prefix a UTF-8 BOM so Excel opens the file as UTF-8 (CSV only). */
  bom?: boolean;
  /** Rows formatted per chunk. */
  chunkRows?: number;
}

const DEFAULT_CHUNK_ROWS = 2048;

type Rows = Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>;

async function* batches(rows: Rows, size: number): AsyncGenerator<(readonly Cell[])[]> {
  let batch: (readonly Cell[])[] = [];
  for await (const r of rows as AsyncIterable<readonly Cell[]>) {
    batch.push(r);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** CSV text in chunks: the header line first, then `chunkRows` rows at a time, CRLF line ends (RFC 4180). */
export async function* csvChunks(
  header: readonly string[],
  rows: Rows,
  opts: StreamOptions = {},
): AsyncGenerator<string> {
  yield `${opts.bom ? '\uFEFF' : ''}${csvRow(header)}\r\n`;
  for await (const batch of batches(rows, opts.chunkRows ?? DEFAULT_CHUNK_ROWS)) {
    let s = '';
    for (const r of batch) s += `${csvRow(r)}\r\n`;
    yield s;
  }
}

/** A cell as a JSON value: numbers stay numbers (non-finite ones become null), unknown stays null. */
function jsonValue(v: Cell): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  return JSON.stringify(v);
}

/** A JSON array of objects keyed by the header, in chunks. */
export async function* jsonChunks(
  header: readonly string[],
  rows: Rows,
  opts: StreamOptions = {},
): AsyncGenerator<string> {
  const keys = header.map((h) => JSON.stringify(h));
  let first = true;
  yield '[';
  for await (const batch of batches(rows, opts.chunkRows ?? DEFAULT_CHUNK_ROWS)) {
    let s = '';
    for (const r of batch) {
      s += first ? '\n  {' : ',\n  {';
      first = false;
      for (let i = 0; i < keys.length; i++) s += `${i ? ', ' : ''}${keys[i]}: ${jsonValue(r[i])}`;
      s += '}';
    }
    yield s;
  }
  yield first ? ']\n' : '\n]\n';
}

/** The whole JSON table as one string, for small tables. */
export function toJsonTable(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const keys = header.map((h) => JSON.stringify(h));
  const out: string[] = [];
  for (const r of rows) out.push(`  {${keys.map((k, i) => `${k}: ${jsonValue(r[i])}`).join(', ')}}`);
  return out.length === 0 ? '[]\n' : `[\n${out.join(',\n')}\n]\n`;
}

function encoded(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(enc.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    // One chunk in flight: the next is formatted only when the consumer has taken this one.
    { highWaterMark: 1 },
  );
}

/** CSV as UTF-8 bytes, pulled a chunk at a time. */
export function csvStream(header: readonly string[], rows: Rows, opts: StreamOptions = {}): ReadableStream<Uint8Array> {
  return encoded(csvChunks(header, rows, opts));
}

/** A JSON array of objects as UTF-8 bytes, pulled a chunk at a time. */
export function jsonStream(
  header: readonly string[],
  rows: Rows,
  opts: StreamOptions = {},
): ReadableStream<Uint8Array> {
  return encoded(jsonChunks(header, rows, opts));
}
