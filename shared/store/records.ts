/**
 * What is stored, record by record. Typed arrays and plain arrays only, so
 * records survive structured clone into IndexedDB and back.
 */
import type { FormatId } from '../formats/types';
import type { BytesColumn, CountColumn, IdColumn, TimeColumn } from './fact-block';

export type DataSourceKind = 'continuous' | 'snapshot';

export interface DataSourceRecord {
  id: string;
  name: string;
  kind: DataSourceKind;
  /** Endpoint telemetry (Defender) is reported as "Win10 Endpoint Users" and left out of the Global report. */
  endpoint: boolean;
  createdAt: number;
}

export interface Rejection {
  line: number;
  reason: string;
}

/** Provenance of one file in an import. */
export interface ImportFileRecord {
  file: string;
  size: number;
  sha256: string;
  /** The detected (or forced) format; 'unknown' when no parser recognised the content. */
  format: FormatId | 'unknown';
  /** Why the file could not be read at all (unknown format); absent when it was parsed. */
  error?: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsSkipped: number;
  skipped: Record<string, number>;
  rowsRejected: number;
  /** The first 1,000 rejections; all are counted in rowsRejected. */
  rejections: Rejection[];
  /** Accepted rows dropped as already imported (same event key in an earlier partial export). */
  rowsDuplicate: number;
  firstEvent: number | null;
  lastEvent: number | null;
  /** True when this exact file (by SHA-256) was imported before into this source: nothing was added. */
  alreadyImported: boolean;
  /**
   * The zone the file's times were read in when they carry none (a format that logs local time, or a file of one
   * that may say it or not, see FormatParser.localTimes); absent when they say their zone.
   */
  timeZone?: string;
  /** How the file's dates like 05/10/2026 read, when it had some (a Defender CSV, see ParseContext.slashDates). */
  slashDates?: 'day-first' | 'month-first';
  /** Read month first only because the file's first rows could not tell. */
  slashDatesUnsure?: boolean;
}

export interface ImportRecord {
  id: string;
  sourceId: string;
  status: 'staging' | 'committed';
  /** SHA-256 of each file, indexed for the "same file again adds nothing" rule. */
  sha256: string[];
  files: ImportFileRecord[];
  timeZone: string;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  facts: number;
  transactions: number;
  firstEvent: number | null;
  lastEvent: number | null;
}

/**
 * A block of hourly facts as parallel columns. The key columns hold string ids
 * (-1 = unknown): into the block's own `strings`, or — blocks with `dictFrom`,
 * what imports write now — into its import's dictionary, which the import's
 * blocks build in store order, each adding the strings it is the first to use
 * (so a loader hashes each of an import's strings once, not once per block,
 * and the store holds them once). Each column
 * is stored in the narrowest type that holds the block's values exactly
 * (`packFactBlock` in fact-block.ts): a Defender fact takes ~24 bytes instead
 * of 72. The first stores wrote Int32 ids, Float64 numbers and absolute times;
 * those blocks are valid too, so read times and bytes with `timeAt`/`bytesAt`.
 */
export interface FactBlockRecord {
  seq?: number;
  importId: string;
  sourceId: string;
  count: number;
  /** Without `dictFrom`, the block's strings; with it, the strings this block adds to its import's dictionary. */
  strings: string[];
  /**
   * The import dictionary's size before this block (the id of `strings[0]`): the block's ids are the import's.
   * Absent in blocks with a dictionary of their own (older stores, backups, restores).
   */
  dictFrom?: number;
  /** Hours since the Unix epoch (UTC). */
  hour: Int32Array;
  device: IdColumn;
  deviceName: IdColumn;
  user: IdColumn;
  localIp: IdColumn;
  /** Hostname, or the remote IP when no name is known. */
  host: IdColumn;
  transactions: CountColumn;
  blocked: CountColumn;
  /** NaN means "the source cannot say" (never 0); null: nothing in the block says. */
  bytesUp: BytesColumn;
  bytesDown: BytesColumn;
  /** Int32Array: ms after the start of the fact's hour; Float64Array: UTC ms. */
  firstSeen: TimeColumn;
  lastSeen: TimeColumn;
}

/** Compact 53-bit hashes of source event keys (Defender DeviceId|Timestamp|ReportId), per source. */
export interface KeyBlockRecord {
  seq?: number;
  importId: string;
  sourceId: string;
  hashes: Float64Array;
  /**
   * What the hashes stand for: event keys, or the device hours (device|hour) an
   * import covered with raw endpoint events or with pre-aggregated facts, so one
   * is never added on top of the other. Event keys are `events` since Defender
   * keys became hashes of their parts; absent = stored by an earlier version,
   * whose Defender keys hashed the readable DeviceId|Timestamp|ReportId.
   */
  kind?: 'events' | 'raw-coverage' | 'fact-coverage';
}
