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
import { detectFormat, formatById } from '../formats/registry';
import type { FormatDefinition, FormatId, ParseContext, ParseSink } from '../formats/types';
import type { CloudscopeDb } from '../store/db';
import type { DataSourceRecord, ImportFileRecord, ImportRecord } from '../store/records';
import { FactAggregator } from './aggregate';
import { ProgressMeter } from './job';
import type { ImportRequest, ImportResult } from './protocol';
import { CancelledError, RpcError } from './rpc';
import type { Hasher } from './sha256';
import { openSources, type TextSource } from './source';

export const MAX_REJECTIONS_KEPT = 1000;
/** Facts held in memory before they are flushed as staging blocks (bounds memory on huge imports). */
const FLUSH_FACTS = 250_000;

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (p: import('./job').JobProgress) => void;
  createHasher(): Hasher;
  xlsxToCsv?: (bytes: Uint8Array) => Iterable<string>;
  now?: () => number;
  /** Block size for packed fact records. */
  blockSize?: number;
}

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
    sources.push(
      ...(await openSources(f, {
        createHasher: opts.createHasher,
        onBytes: (n) => {
          bytesDone += n;
        },
        signal,
        xlsxToCsv: opts.xlsxToCsv,
      })),
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
      sha256: s.sha256(),
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
  const knownKeys = new Set<number>();
  for (const imp of await db.imports.where('sourceId').equals(sourceId).toArray()) {
    if (imp.status === 'committed') for (const h of imp.sha256) knownSha.add(h);
  }
  for (const kb of await db.keyBlocks.where('sourceId').equals(sourceId).toArray()) {
    for (const h of kb.hashes) knownKeys.add(h);
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
  try {
    await db.transaction('rw', db.dataSources, db.imports, async () => {
      if (!(await db.dataSources.get(sourceId))) await db.dataSources.add(source);
      await db.imports.add(record);
    });

    const ctx: ParseContext = {
      timeZone: req.timeZone ?? 'UTC',
      fileName: '',
      mapping: req.mapping,
      files: detected.map((d) => ({ name: d.source.name, formatId: d.format.id, head: d.source.head })),
      scratch: new Map(),
    };
    const blockSize = opts.blockSize ?? 4096;
    let factsWritten = 0;
    const importKeys: number[] = [];

    /** Writes facts as staging blocks at once (bounded memory); returns their keys. */
    const flush = async (agg: FactAggregator): Promise<number[]> => {
      if (agg.size === 0) return [];
      const blocks = agg.toBlocks(importId, sourceId, blockSize);
      const keys = await db.factBlocks.bulkAdd(blocks, { allKeys: true });
      factsWritten += agg.size;
      return keys as number[];
    };

    // 4. parse every text, in pass order
    for (const { source: src, format } of detected) {
      checkCancel();
      const file = emptyFileRecord(src.name, src.size, format.id);
      const fileKeys: number[] = [];
      const seenInFile = new Set<number>();
      let pendingFlush: FactAggregator | null = null;
      let current = new FactAggregator();
      const skip = (reason: string) => {
        file.rowsRead++;
        file.rowsSkipped++;
        file.skipped[reason] = (file.skipped[reason] ?? 0) + 1;
      };
      const sink: ParseSink = {
        event(e: NetworkEvent) {
          if (!Number.isFinite(e.time)) {
            sink.reject(0, 'event without a readable time');
            return;
          }
          if (e.eventKey !== null) {
            const h = hashKey(e.eventKey);
            if (knownKeys.has(h) || seenInFile.has(h)) {
              file.rowsDuplicate++;
              skip('duplicate of an event already imported (overlapping partial export)');
              return;
            }
            seenInFile.add(h);
            fileKeys.push(h);
          }
          file.rowsRead++;
          file.rowsAccepted++;
          rowsDone++;
          if (file.firstEvent === null || e.time < file.firstEvent) file.firstEvent = e.time;
          if (file.lastEvent === null || e.time > file.lastEvent) file.lastEvent = e.time;
          current.add(e);
          if (current.size >= FLUSH_FACTS && !pendingFlush) {
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
      for await (const chunk of src.chunks) {
        checkCancel();
        parser.push(chunk, sink);
        if (pendingFlush) {
          fileBlocks.push(...(await flush(pendingFlush)));
          pendingFlush = null;
        }
        meter.report(rowsDone, bytesDone, bytesTotal, errors);
      }
      parser.end(sink);
      if (pendingFlush) fileBlocks.push(...(await flush(pendingFlush)));
      fileBlocks.push(...(await flush(current)));
      file.sha256 = src.sha256();
      if (knownSha.has(file.sha256)) {
        // The same bytes again: report what was read, add nothing.
        file.alreadyImported = true;
        await db.factBlocks.bulkDelete(fileBlocks);
        factsWritten = factsBefore;
      } else {
        knownSha.add(file.sha256);
        for (const h of fileKeys) {
          knownKeys.add(h);
          importKeys.push(h);
        }
        record.transactions += file.rowsAccepted;
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
    checkCancel();
    if (importKeys.length > 0) {
      await db.keyBlocks.add({ importId, sourceId, hashes: Float64Array.from(importKeys) });
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
