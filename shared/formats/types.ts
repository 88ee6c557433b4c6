/**
 * The contract between the import pipeline and each log format.
 *
 * A format sniffs the head of a file (decoded text) and, when chosen, opens a
 * stateful parser. The pipeline pushes decoded text chunks (any size, split
 * anywhere, even inside a line or a quoted CSV field) and the parser reports
 * every row it reads to the sink exactly once: as an event, a skip (a valid row
 * that is not an outbound transaction, with a reason) or a rejection (a row it
 * could not read, with its 1-based line number and a reason). Thus
 * rowsRead = accepted + skipped + rejected, where a row is a data line or a
 * JSON record; header, comment and blank lines are not rows.
 *
 * Parsers never throw on bad input; a thrown error means a bug and aborts the import.
 */
import type { NetworkEvent } from '../domain/event';

export type FormatId =
  | 'defender-csv'
  | 'defender-json'
  | 'defender-eventhub'
  | 'defender-xlsx'
  | 'zeek-tsv'
  | 'zeek-json'
  | 'squid'
  | 'w3c'
  | 'cef'
  | 'zscaler-nss'
  | 'panos'
  | 'fortigate'
  | 'sentinel-csl'
  | 'custom-csv'
  | 'facts-csv'
  | 'facts-json';

export interface ParseSink {
  event(e: NetworkEvent): void;
  /**
   * True when `event` copies what it needs and keeps no reference to the event: a parser may then
   * fill the same object again for a later event (the Defender normaliser does, to allocate nothing
   * per event on files of millions of rows). Absent or false: every event is the sink's to keep.
   */
  readonly transient?: boolean;
  skip(line: number, reason: string): void;
  reject(line: number, reason: string): void;
}

export interface ParseContext {
  /** IANA zone for formats that log local time without a zone; 'UTC' by default. */
  timeZone: string;
  /**
   * How dates like 05/10/2026 read (Defender CSV): as the file's first rows show (`auto`, the default: day first when
   * one has a first number over 12, else month first), or as the analyst says.
   */
  slashDates?: SlashDates;
  fileName: string;
  /** Column mapping for the custom CSV format (normalized field -> header name). */
  mapping?: CustomMapping;
  /** Every file of this import with its detected format and head, in the order they are parsed. */
  files: ReadonlyArray<{ name: string; formatId: FormatId; head: string }>;
  /**
   * Scratch space shared by all parsers of one import (they run one after the other),
   * e.g. Zeek ssl/http/dns answers keyed by uid or IP for the conn parser to join.
   */
  scratch: Map<string, unknown>;
  /**
   * Also give Defender events their readable `eventKey` (DeviceId|Timestamp|ReportId): the import asks for it
   * when the source holds de-dup keys stored before keys became hashes of their parts, to match those too.
   */
  readableEventKeys?: boolean;
}

export type SlashDates = 'auto' | 'day-first' | 'month-first';

export interface CustomMapping {
  /** normalized field name -> source column header */
  columns: Partial<Record<keyof NetworkEvent, string>>;
  delimiter?: string;
}

export interface FormatParser {
  /** Feed the next chunk of decoded text (BOM already removed). */
  push(text: string, sink: ParseSink): void;
  /** No more text: flush the last partial line and any buffered events. */
  end(sink: ParseSink): void;
  /**
   * Of a format whose files may or may not say the zone of their times (`usesLocalTime` false): whether the rows read
   * so far hold times without one, read in the context's zone (the import preview says so beside the zone).
   */
  readonly localTimes?: boolean;
  /** Of a format that reads dates like 05/10/2026: how the first rows' read (null or absent: none seen), see `slashDates`. */
  readonly slashDates?: 'day-first' | 'month-first' | null;
  /** Those dates read month first only because the first rows could not tell (no day over 12 yet) and nobody said. */
  readonly slashDatesUnsure?: boolean;
}

export interface FormatDefinition {
  id: FormatId;
  /** Human label shown in the import preview, e.g. "Defender for Endpoint — Advanced Hunting CSV". */
  label: string;
  /** Whether the format logs local time without a zone (the import then asks for a time zone). */
  usesLocalTime: boolean;
  /** Fields this format can never provide (shown as "n/a" in the preview). */
  missingFields: ReadonlyArray<keyof NetworkEvent>;
  /**
   * How well the head of a file (first ~64 KiB of decoded text, BOM removed)
   * matches this format: 0 = not this format, 1 = certain. Must never throw.
   */
  sniff(head: string): number;
  open(ctx: ParseContext): FormatParser;
  /**
   * Optional: files of one import are parsed in ascending order of this number
   * (stable), so enrichment streams (Zeek ssl/http/dns) can be read before conn.
   */
  passOrder?(head: string): number;
  /**
   * Rows are hourly facts aggregated elsewhere (each event carries `aggregate`),
   * not raw transactions: the import keeps them apart from raw endpoint events of
   * the same device and hour, so mixing both never counts anything twice.
   */
  aggregated?: boolean;
}
