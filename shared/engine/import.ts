/**
 * The import pipeline: bytes → text → format parser → NetworkEvent →
 * hourly facts → staging blocks → one final commit.
 *
 * Guarantees:
 * - atomic: blocks are written under a 'staging' import and become visible
 *   when one last transaction marks it 'committed'; failure or cancel deletes
 *   the staging rows, and a crash leaves staging that is swept at next open;
 * - idempotent: a file whose SHA-256 this source already has adds nothing, and
 *   Defender events whose key (DeviceId|Timestamp|ReportId) the source already
 *   has are dropped as overlap between partial exports;
 * - loss-free accounting: rowsRead = accepted + skipped + rejected per file.
 */
import type { NetworkEvent } from '../domain/event';
import { DefenderNormalizer } from '../formats/defender-common';
import { DefenderCsvParser } from '../formats/defender-csv';
import { type PartOptions, readDefenderCsvInParts, type ScanChannel } from '../formats/defender-parts';
import { detectFormat, formatById } from '../formats/registry';
import type { FormatDefinition, FormatId, FormatParser, ParseContext, ParseSink } from '../formats/types';
import type { CloudscopeDb } from '../store/db';
import { ImportDictionary } from '../store/fact-block';
import type { DataSourceRecord, ImportFileRecord, ImportRecord } from '../store/records';
import { deviceKeyOf, FactAggregator } from './aggregate';
import { ProgressMeter } from './job';
import type { ImportRequest, ImportResult } from './protocol';
import { CancelledError, RpcError } from './rpc';
import type { AsyncHasher } from './sha256';
import { blobStream, openSources, type TextSource, type XlsxToCsv } from './source';

export const MAX_REJECTIONS_KEPT = 1000;
/** Facts held in memory before they are flushed as staging blocks (bounds memory on huge imports). */
const FLUSH_FACTS = 250_000;
const HOUR = 3_600_000;
const DUPLICATE_EVENT = 'duplicate of an event already imported (overlapping partial export)';
const DUPLICATE_FACT = 'duplicate of a fact already imported (overlapping aggregated export)';
const FACT_OVER_RAW = 'device hour already imported as raw events (aggregated fact not added twice)';
const RAW_OVER_FACT = 'device hour already imported as aggregated facts (raw event not added twice)';

/**
 * A device hour, for keeping raw endpoint events and pre-aggregated facts of the
 * same device and hour apart: whichever reaches a data source first counts, the
 * other is skipped with a reason, so mixing both exports never counts twice.
 */
function coverageKey(device: string | null, hour: number): number {
  return hashKey(`${device}\u0001${hour}`);
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (p: import('./job').JobProgress) => void;
  /** SHA-256 of each file as given; may hash elsewhere while the parse goes on (the browser's hash worker). */
  createHasher(): AsyncHasher;
  xlsxToCsv?: XlsxToCsv;
  now?: () => number;
  /** Block size for packed fact records. */
  blockSize?: number;
  /** Facts held before they are written as staging blocks (default 250k; tests use fewer). */
  flushFacts?: number;
  /**
   * Scan workers for large Defender CSV files (formats/defender-parts.ts), made when the first such
   * file comes and closed when the import ends; without it every file is read on this thread.
   */
  scanWorkers?: () => ScanChannel[];
  /** Part sizes for scan workers (tests use small ones). */
  partOptions?: PartOptions;
  /** Files from this size are read with scan workers (default PARALLEL_MIN_BYTES; tests use 0). */
  parallelMinBytes?: number;
}

/** Files smaller than this are read on the importing thread (starting workers would cost more). */
export const PARALLEL_MIN_BYTES = 4 << 20;

/** 53-bit hash of a source event key (two FNV-1a lanes), compact enough to keep per source. */
export function hashKey(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

/**
 * A set of 53-bit key hashes in one Float64Array (open addressing, at most 70%
 * full). An import keeps one key per Defender event: 10M keys take ~790 MB as a
 * Set<number> (every hash is a boxed heap number) and ~130 MB here (measured
 * in bench/).
 */
class KeySet {
  /** hash + 1 per slot; 0 = empty. */
  private slots: Float64Array;
  size = 0;

  /** Sized for `expected` keys without growing (growing rehashes every key: measured 0.2-0.5 s on 1M events). */
  constructor(expected = 0) {
    let n = 1024;
    while (n * 0.7 < expected) n *= 2;
    this.slots = new Float64Array(n);
  }

  has(h: number): boolean {
    const slots = this.slots;
    const mask = slots.length - 1;
    const v = h + 1;
    for (let i = (h >>> 0) & mask; slots[i] !== 0; i = (i + 1) & mask) if (slots[i] === v) return true;
    return false;
  }

  add(h: number): void {
    this.addIfAbsent(h);
  }

  /** Adds the key; whether it was new (one probe where `has` then `add` take two). */
  addIfAbsent(h: number): boolean {
    const slots = this.slots;
    const mask = slots.length - 1;
    const v = h + 1;
    let i = (h >>> 0) & mask;
    for (; slots[i] !== 0; i = (i + 1) & mask) if (slots[i] === v) return false;
    slots[i] = v;
    if (++this.size > slots.length * 0.7) this.grow();
    return true;
  }

  addAll(other: KeySet): void {
    const o = other.slots;
    for (let i = 0; i < o.length; i++) if (o[i] !== 0) this.add(o[i] - 1);
  }

  /** Every key, in no particular order. */
  toArray(): Float64Array {
    const out = new Float64Array(this.size);
    let n = 0;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) out[n++] = slots[i] - 1;
    return out;
  }

  /** Empties the set and lets its table go, though the set itself may still be referenced. */
  release(): void {
    this.slots = new Float64Array(1024);
    this.size = 0;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.size = 0;
    // Indexed, not for…of: iterating a Float64Array boxes every number (~70 MB of garbage on 0.5M events).
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.add(old[i] - 1);
  }
}

/**
 * Rows a text of `size` bytes holds, judged from its head's lines (at least 64 bytes a row), with a tenth more,
 * at most 4M: what a file's key table is sized for. A fixed 256 bytes a row sized a full-schema export's table (~700
 * bytes a row) three times too large: 32 MB for a 0.5M-row file (bench/RESULTS.md: peak RSS a little lower this way,
 * time within noise).
 */
export function expectedRows(size: number, head: string): number {
  let lines = 0;
  for (let i = head.indexOf('\n'); i >= 0; i = head.indexOf('\n', i + 1)) lines++;
  const perRow = lines > 1 ? Math.max(64, head.length / lines) : 256;
  return Math.min((size / perRow) * 1.1, 4_000_000);
}

function newId(prefix: string): string {
  const rnd = Math.random().toString(36).slice(2, 10);
  return `${prefix}-${Date.now().toString(36)}-${rnd}`;
}

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string; inner?: { name?: string } })?.name ?? '';
  const inner = (e as { inner?: { name?: string } })?.inner?.name ?? '';
  return name === 'QuotaExceededError' || inner === 'QuotaExceededError';
}

const ENDPOINT_FORMATS: ReadonlySet<FormatId> = new Set([
  'defender-csv',
  'defender-json',
  'defender-eventhub',
  'defender-xlsx',
  'facts-csv',
  'facts-json',
]);

export async function runImport(db: CloudscopeDb, req: ImportRequest, opts: ImportOptions): Promise<ImportResult> {
  const now = opts.now ?? (() => Date.now());
  const started = now();
  const signal = opts.signal;
  const checkCancel = () => {
    if (signal?.aborted) throw new CancelledError();
  };
  const bytesTotal = req.files.every((f) => f.size !== null) ? req.files.reduce((a, f) => a + (f.size ?? 0), 0) : null;
  let bytesDone = 0;
  let rowsDone = 0;
  let errors = 0;
  const importId = newId('imp');
  const meter = new ProgressMeter(importId, 'Import', (p) => opts.onProgress?.(p));

  // 1. open every input and peek at its head, so formats are known before any parsing
  const sources: TextSource[] = [];
  for (const f of req.files) {
    checkCancel();
    const stream = f.stream ?? (f.blob ? blobStream(f.blob) : null);
    if (stream === null) throw new Error(`No bytes were given for ${f.name}.`);
    sources.push(
      ...(await openSources(
        { name: f.name, size: f.size, stream },
        {
          createHasher: opts.createHasher,
          onBytes: (n) => {
            bytesDone += n;
          },
          signal,
          xlsxToCsv: opts.xlsxToCsv,
        },
      )),
    );
  }
  const forced = req.formatId ? formatById(req.formatId) : undefined;
  if (req.formatId && !forced) throw new RpcError(`Unknown format id "${req.formatId}"`);
  const detected: { source: TextSource; format: FormatDefinition }[] = [];
  const unreadable: ImportFileRecord[] = [];
  for (const s of sources) {
    const d = forced ? { format: forced, scores: [] } : detectFormat(s.head);
    if (d.format) {
      // A workbook converted to CSV keeps its own provenance label.
      const workbook = s.xlsx && d.format.id === 'defender-csv' ? formatById('defender-xlsx') : undefined;
      detected.push({ source: s, format: workbook ?? d.format });
      continue;
    }
    // Unknown format: reported with the formats tried, hashed for provenance, nothing imported.
    for await (const _ of s.chunks) checkCancel();
    const tried = d.scores.map((x) => x.label).join(', ');
    unreadable.push({
      ...emptyFileRecord(s.name, s.size, 'unknown'),
      sha256: await s.sha256(),
      error: `Unknown format: no parser recognised the content (tried ${tried}). If it is a CSV with a header, import it with a custom column mapping.`,
    });
  }
  if (detected.length === 0) {
    throw new RpcError(
      sources.length === 0
        ? 'Nothing to import: no files were given.'
        : (unreadable[0]?.error ?? 'Nothing could be read.'),
      'Check that the files are telemetry exports in a supported format.',
    );
  }
  const order = (f: FormatDefinition, head: string) => f.passOrder?.(head) ?? 0;
  detected.sort((a, b) => order(a.format, a.source.head) - order(b.format, b.source.head));

  // 2. the data source
  const firstFormat = detected[0]?.format;
  let source: DataSourceRecord | undefined = req.source.id ? await db.dataSources.get(req.source.id) : undefined;
  if (req.source.id && !source) throw new RpcError(`Data source ${req.source.id} no longer exists`);
  if (!source) {
    const name = req.source.name ?? firstFormat?.label ?? 'Imported telemetry';
    source = (await db.dataSources.where('kind').equals(req.source.kind).toArray()).find((s) => s.name === name);
    if (!source) {
      source = {
        id: newId('src'),
        name,
        kind: req.source.kind,
        endpoint: firstFormat ? ENDPOINT_FORMATS.has(firstFormat.id) : false,
        createdAt: started,
      };
    }
  }
  const sourceId = source.id;
  const knownSha = new Set<string>();
  const knownKeys = new KeySet();
  const rawCoverage = new Set<number>();
  const factCoverage = new Set<number>();
  for (const imp of await db.imports.where('sourceId').equals(sourceId).toArray()) {
    if (imp.status === 'committed') for (const h of imp.sha256) knownSha.add(h);
  }
  // Event keys stored by an earlier version hashed Defender's readable key; while a source holds any, its events
  // are also looked up that way, so an overlapping export imported after an upgrade still adds nothing twice.
  let legacyKeys = false;
  for (const kb of await db.keyBlocks.where('sourceId').equals(sourceId).toArray()) {
    const into = kb.kind === 'raw-coverage' ? rawCoverage : kb.kind === 'fact-coverage' ? factCoverage : knownKeys;
    if (kb.kind === undefined) legacyKeys = true;
    const hs = kb.hashes;
    for (let i = 0; i < hs.length; i++) into.add(hs[i]);
  }

  // 3. staging record
  const record: ImportRecord = {
    id: importId,
    sourceId,
    status: 'staging',
    sha256: [],
    files: [],
    timeZone: req.timeZone ?? 'UTC',
    startedAt: started,
    finishedAt: null,
    durationMs: null,
    facts: 0,
    transactions: 0,
    firstEvent: null,
    lastEvent: null,
  };
  let closeChannels = () => {};
  try {
    await db.transaction('rw', db.dataSources, db.imports, async () => {
      if (!(await db.dataSources.get(sourceId))) await db.dataSources.add(source);
      await db.imports.add(record);
    });

    const ctx: ParseContext = {
      timeZone: req.timeZone ?? 'UTC',
      slashDates: req.slashDates,
      fileName: '',
      mapping: req.mapping,
      files: detected.map((d) => ({ name: d.source.name, formatId: d.format.id, head: d.source.head })),
      scratch: new Map(),
      readableEventKeys: legacyKeys,
    };
    const blockSize = opts.blockSize ?? 4096;
    const flushFacts = opts.flushFacts ?? FLUSH_FACTS;
    // The import's strings, stored once across its blocks (each block carries those it is the first to use).
    const dictionary = new ImportDictionary();
    let factsWritten = 0;
    const importKeys: Float64Array[] = [];
    const importRawCoverage: number[] = [];
    const importFactCoverage: number[] = [];

    /** Writes facts as staging blocks at once (bounded memory), noting the device hours they cover; returns their keys. */
    const flush = async (agg: FactAggregator, coverage: Set<number> | null): Promise<number[]> => {
      if (agg.size === 0) return [];
      if (coverage) agg.forEachDeviceHour((device, hour) => coverage.add(coverageKey(device, hour)));
      const blocks = agg.toBlocks(importId, sourceId, blockSize, dictionary);
      const keys = await db.factBlocks.bulkAdd(blocks, { allKeys: true });
      factsWritten += agg.size;
      return keys as number[];
    };

    // 4. parse every text, in pass order
    let channels: ScanChannel[] | null = null;
    closeChannels = () => {
      for (const c of channels ?? []) c.close();
      channels = null;
    };
    /** The import's scan workers, started for its first large Defender CSV. */
    const scanChannels = (make: () => ScanChannel[]): ScanChannel[] => {
      if (channels === null) channels = make();
      return channels;
    };
    for (const [fileIndex, { source: src, format }] of detected.entries()) {
      checkCancel();
      const file = emptyFileRecord(src.name, src.size, format.id);
      // Raw Defender exports key every event: one per row, as many as the head's row length says, at most 4M ahead
      // (a 64 MB table; a bigger file grows it as before). Other formats key nothing.
      const keyed = ENDPOINT_FORMATS.has(format.id) && format.aggregated !== true && src.size !== null;
      const seenInFile = new KeySet(keyed ? expectedRows(src.size ?? 0, src.head) : 0);
      let pendingFlush: FactAggregator | null = null;
      let current = new FactAggregator();
      const aggregated = format.aggregated === true;
      const endpoint = ENDPOINT_FORMATS.has(format.id);
      // Device hours this file covers (endpoint telemetry only), and those the other kind already covers.
      const fileCoverage = endpoint ? new Set<number>() : null;
      const otherCoverage = !endpoint ? null : aggregated ? rawCoverage : factCoverage;
      let lastDevice: string | null = null;
      let lastHour = Number.NaN;
      let lastCovered = false;
      let fileTransactions = 0;
      const skip = (reason: string) => {
        file.rowsRead++;
        file.rowsSkipped++;
        file.skipped[reason] = (file.skipped[reason] ?? 0) + 1;
      };
      const sink: ParseSink = {
        // Every event is counted, keyed and aggregated here and not kept: parsers may fill it again.
        transient: true,
        event(e: NetworkEvent) {
          if (!Number.isFinite(e.time)) {
            sink.reject(0, 'event without a readable time');
            return;
          }
          const w = e.aggregate;
          // Without a coverage check that may still refuse the event, its key is noted at once (one probe).
          const covering = otherCoverage !== null && otherCoverage.size > 0;
          let h = e.eventHash ?? -1;
          if (h < 0 && e.eventKey !== null) h = hashKey(e.eventKey);
          const legacyDuplicate =
            legacyKeys && e.eventHash != null && e.eventKey !== null && knownKeys.has(hashKey(e.eventKey));
          if (
            legacyDuplicate ||
            (h >= 0 && (knownKeys.has(h) || (covering ? seenInFile.has(h) : !seenInFile.addIfAbsent(h))))
          ) {
            file.rowsDuplicate++;
            skip(w ? DUPLICATE_FACT : DUPLICATE_EVENT);
            return;
          }
          if (covering) {
            const device = deviceKeyOf(e);
            const hour = Math.floor(e.time / HOUR);
            if (device !== lastDevice || hour !== lastHour) {
              lastDevice = device;
              lastHour = hour;
              lastCovered = otherCoverage.has(coverageKey(device, hour));
            }
            if (lastCovered) {
              skip(aggregated ? FACT_OVER_RAW : RAW_OVER_FACT);
              return;
            }
          }
          if (h >= 0 && covering) seenInFile.add(h);
          file.rowsRead++;
          file.rowsAccepted++;
          rowsDone++;
          fileTransactions += w ? w.count : 1;
          const first = w ? w.firstSeen : e.time;
          const last = w ? w.lastSeen : e.time;
          if (file.firstEvent === null || first < file.firstEvent) file.firstEvent = first;
          if (file.lastEvent === null || last > file.lastEvent) file.lastEvent = last;
          current.add(e);
          if (current.size >= flushFacts && !pendingFlush) {
            pendingFlush = current;
            current = new FactAggregator();
          }
        },
        skip(_line, reason) {
          skip(reason);
          rowsDone++;
        },
        reject(line, reason) {
          file.rowsRead++;
          file.rowsRejected++;
          errors++;
          rowsDone++;
          if (file.rejections.length < MAX_REJECTIONS_KEPT) file.rejections.push({ line, reason });
        },
      };
      ctx.fileName = src.name;
      const parser = format.open(ctx);
      const fileBlocks: number[] = [];
      const factsBefore = factsWritten;
      const dictionaryBefore = dictionary.mark();
      // A large Defender CSV whose bytes can be read as they are goes to the scan workers (started once).
      const steps: AsyncIterable<unknown> =
        parser instanceof DefenderCsvParser &&
        src.raw &&
        opts.scanWorkers &&
        !DefenderNormalizer.keepsReadableKeys(ctx) &&
        (src.size === null || src.size >= (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES))
          ? readDefenderCsvInParts(src.raw(), parser, sink, scanChannels(opts.scanWorkers), opts.partOptions)
          : pushChunks(src.chunks, parser, sink);
      for await (const _ of steps) {
        checkCancel();
        if (pendingFlush) {
          fileBlocks.push(...(await flush(pendingFlush, fileCoverage)));
          pendingFlush = null;
        }
        meter.report(rowsDone, bytesDone, bytesTotal, errors);
      }
      parser.end(sink);
      if (format.usesLocalTime || parser.localTimes) file.timeZone = ctx.timeZone;
      if (parser.slashDates) file.slashDates = parser.slashDates;
      if (parser.slashDatesUnsure) file.slashDatesUnsure = true;
      if (pendingFlush) fileBlocks.push(...(await flush(pendingFlush, fileCoverage)));
      fileBlocks.push(...(await flush(current, fileCoverage)));
      file.sha256 = await src.sha256();
      if (knownSha.has(file.sha256)) {
        // The same bytes again: report what was read, add nothing.
        file.alreadyImported = true;
        await db.factBlocks.bulkDelete(fileBlocks);
        dictionary.rollback(dictionaryBefore);
        factsWritten = factsBefore;
      } else {
        knownSha.add(file.sha256);
        if (seenInFile.size > 0) {
          // Only the files still to come need this file's keys in the known set.
          if (fileIndex < detected.length - 1) knownKeys.addAll(seenInFile);
          importKeys.push(seenInFile.toArray());
        }
        // The file's table (128 MB at 8.8M keys) is garbage now, before its copy is written and committed.
        seenInFile.release();
        if (fileCoverage) {
          const [known, out] = aggregated ? [factCoverage, importFactCoverage] : [rawCoverage, importRawCoverage];
          for (const c of fileCoverage) {
            if (!known.has(c)) out.push(c);
            known.add(c);
          }
        }
        record.transactions += fileTransactions;
        if (file.firstEvent !== null && (record.firstEvent === null || file.firstEvent < record.firstEvent)) {
          record.firstEvent = file.firstEvent;
        }
        if (file.lastEvent !== null && (record.lastEvent === null || file.lastEvent > record.lastEvent)) {
          record.lastEvent = file.lastEvent;
        }
      }
      record.files.push(file);
      record.sha256.push(file.sha256);
    }
    record.files.push(...unreadable);
    closeChannels();
    checkCancel();
    if (importKeys.length > 0) {
      const hashes = importKeys.length === 1 ? importKeys[0] : concat(importKeys);
      await db.keyBlocks.add({ importId, sourceId, hashes, kind: 'events' });
      // The store holds its own copy now; ours (8 bytes a key, 70 MB for 8.8M events) can go before the commit.
      importKeys.length = 0;
    }
    if (importRawCoverage.length > 0) {
      await db.keyBlocks.add({
        importId,
        sourceId,
        hashes: Float64Array.from(importRawCoverage),
        kind: 'raw-coverage',
      });
    }
    if (importFactCoverage.length > 0) {
      await db.keyBlocks.add({
        importId,
        sourceId,
        hashes: Float64Array.from(importFactCoverage),
        kind: 'fact-coverage',
      });
    }

    // 5. the one commit that makes it all visible
    const finished = now();
    record.status = 'committed';
    record.facts = factsWritten;
    record.finishedAt = finished;
    record.durationMs = finished - started;
    await db.transaction('rw', db.imports, async () => {
      await db.imports.put(record);
    });
    meter.finish('completed', rowsDone, bytesDone, bytesTotal, errors);
    return {
      importId,
      sourceId,
      files: record.files,
      facts: factsWritten,
      transactions: record.transactions,
      durationMs: record.durationMs,
    };
  } catch (e) {
    closeChannels();
    await rollback(db, importId, sourceId).catch(() => {});
    meter.finish(signal?.aborted ? 'cancelled' : 'failed', rowsDone, bytesDone, bytesTotal, errors);
    if (signal?.aborted) throw new CancelledError();
    if (isQuotaError(e)) {
      throw new RpcError(
        'Disk full or storage quota exceeded: the import was rolled back and the store is as before.',
        'Free disk space or delete old data sources, then import again.',
      );
    }
    throw e;
  }
}

/** Feeds text chunks to a parser, yielding after each. */
async function* pushChunks(chunks: AsyncIterable<string>, parser: FormatParser, sink: ParseSink): AsyncGenerator<void> {
  for await (const chunk of chunks) {
    parser.push(chunk, sink);
    yield;
  }
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function emptyFileRecord(name: string, size: number | null, format: FormatId | 'unknown'): ImportFileRecord {
  return {
    file: name,
    size: size ?? 0,
    sha256: '',
    format,
    rowsRead: 0,
    rowsAccepted: 0,
    rowsSkipped: 0,
    skipped: {},
    rowsRejected: 0,
    rejections: [],
    rowsDuplicate: 0,
    firstEvent: null,
    lastEvent: null,
    alreadyImported: false,
  };
}

async function rollback(db: CloudscopeDb, importId: string, sourceId: string): Promise<void> {
  await db.transaction('rw', db.imports, db.factBlocks, db.keyBlocks, db.dataSources, async () => {
    await db.factBlocks.where('importId').equals(importId).delete();
    await db.keyBlocks.where('importId').equals(importId).delete();
    await db.imports.delete(importId);
    if ((await db.imports.where('sourceId').equals(sourceId).count()) === 0) await db.dataSources.delete(sourceId);
  });
}
