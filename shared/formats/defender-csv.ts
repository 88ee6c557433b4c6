/**
 * Defender for Endpoint Advanced Hunting CSV, as the portal's "Export" writes it
 * (union exports with rows of other tables included), and the Sentinel / Log
 * Analytics CSV export of the same table (`Timestamp [UTC]`, US display dates).
 * Header-driven: columns are found by name (with aliases) once, then read by index.
 */
import type { CsvKernel } from './csv-kernel';
import { CsvSelect, delimiterOfLine } from './csv-select';
import { emptyAdditionalKeys, readDoubledAdditional } from './defender-additional';
import { type PrepBatch, type PrepBatchReader, PrepBatchWriter } from './defender-batch';
import {
  DefenderNormalizer,
  type DefenderRow,
  emptyPrep,
  emptyRow,
  PrepKind,
  prepRow,
  readsAdditional,
  readsAdditionalKeys,
} from './defender-common';
import { type DefenderField, fieldForColumn, headerSaysUtc, slashDateOrder } from './defender-values';
import type { PartDecoder, PartText } from './part-text';
import { isUtcZone, timeSaysZone } from './time';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

type ColumnIndex = Record<DefenderField, number[]>;

function indexColumns(header: string[]): ColumnIndex {
  const idx: ColumnIndex = {
    time: [],
    timeGenerated: [],
    deviceId: [],
    deviceName: [],
    actionType: [],
    remoteUrl: [],
    remoteIp: [],
    remotePort: [],
    localIp: [],
    localPort: [],
    process: [],
    upn: [],
    accountName: [],
    accountDomain: [],
    reportId: [],
    additional: [],
    table: [],
  };
  for (let i = 0; i < header.length; i++) {
    const f = fieldForColumn(header[i]);
    if (f) idx[f].push(i);
  }
  return idx;
}

/** First column of a field, or -1. */
function first(a: number[]): number {
  return a.length > 0 ? a[0] : -1;
}

// Slots of the single-column fields in CsvSelect's values; typed-column unions follow them.
const S_TIME = 0;
const S_TIME_GEN = 1;
const S_DEV_ID = 2;
const S_DEV_NAME = 3;
const S_ACTION = 4;
const S_URL = 5;
const S_RIP = 6;
const S_RPORT = 7;
const S_LIP = 8;
const S_LPORT = 9;
const S_PROC = 10;
const S_UPN = 11;
const S_ACCT = 12;
const S_DOM = 13;
const S_TABLE = 14;
const SINGLE_SLOTS = 15;
/** Columns of a few thousand distinct values at most in an export (per device, user, app, action). */
const INTERNED_SLOTS = [S_DEV_ID, S_DEV_NAME, S_ACTION, S_URL, S_RIP, S_LIP, S_PROC, S_UPN, S_ACCT, S_DOM, S_TABLE];

/** Where the normaliser's fields sit in a file's header: all a scan worker needs to read a part of the file. */
export interface DefenderCsvLayout {
  headerLen: number;
  /** CsvSelect columns: the single fields by slot, then every ReportId column, then every AdditionalFields column. */
  columns: number[];
  reportSlots: number[];
  additionalSlots: number[];
  hasActionType: boolean;
  noTimeColumn: boolean;
  /** Zone for timestamps without one (Sentinel "[UTC]" headers force UTC). */
  timeZone: string;
  /** The field delimiter the header was read with (`,`; `;` or tab in an export a spreadsheet saved again). */
  delimiter: string;
  /** Whether slash dates read day first (told from the file's first rows, see `slashDateOrder`). */
  slashDayFirst: boolean;
}

export function defenderCsvLayout(header: string[], ctxTimeZone: string, delimiter = ','): DefenderCsvLayout {
  const h = header.slice();
  if (h.length > 0 && h[0].charCodeAt(0) === 0xfeff) h[0] = h[0].slice(1);
  const idx = indexColumns(h);
  const iTime = first(idx.time);
  const iTimeGen = first(idx.timeGenerated);
  const iAction = first(idx.actionType);
  const columns = [
    iTime,
    iTimeGen,
    first(idx.deviceId),
    first(idx.deviceName),
    iAction,
    first(idx.remoteUrl),
    first(idx.remoteIp),
    first(idx.remotePort),
    first(idx.localIp),
    first(idx.localPort),
    first(idx.process),
    first(idx.upn),
    first(idx.accountName),
    first(idx.accountDomain),
    first(idx.table),
  ];
  const timeCol = iTime >= 0 ? h[iTime] : iTimeGen >= 0 ? h[iTimeGen] : '';
  return {
    headerLen: h.length,
    columns: [...columns, ...idx.reportId, ...idx.additional],
    reportSlots: idx.reportId.map((_, k) => SINGLE_SLOTS + k),
    additionalSlots: idx.additional.map((_, k) => SINGLE_SLOTS + idx.reportId.length + k),
    hasActionType: iAction >= 0,
    noTimeColumn: iTime < 0 && iTimeGen < 0,
    timeZone: headerSaysUtc(timeCol) ? 'UTC' : ctxTimeZone || 'UTC',
    delimiter,
    slashDayFirst: false,
  };
}

/**
 * Records of a Defender CSV as DefenderRows. Reads with CsvSelect, not PapaParse:
 * only the ~17 columns the normaliser reads are cut into strings (measured on
 * 0.5M-row exports: see csv-select.ts).
 */
class DefenderCsvRows {
  readonly csv: CsvSelect;
  readonly row: DefenderRow = emptyRow();
  /** The AdditionalFields keys of the current row, when read from the cell as written. */
  private readonly keys = emptyAdditionalKeys();
  private layout: DefenderCsvLayout | null = null;

  /** `delimiter` 'auto': told from the header line (see CsvSelect). */
  constructor(delimiter: string) {
    this.csv = new CsvSelect(delimiter);
  }

  configure(layout: DefenderCsvLayout): void {
    this.layout = layout;
    this.csv.select(layout.columns, layout.additionalSlots, INTERNED_SLOTS);
    this.row.hasActionType = layout.hasActionType;
    this.row.slashDayFirst = layout.slashDayFirst;
  }

  /** Fills `row` from the current record; the reason when the record is rejected instead. */
  read(): string | null {
    const csv = this.csv;
    const layout = this.layout as DefenderCsvLayout;
    if (csv.fieldCount !== layout.headerLen) return `${csv.fieldCount} fields, the header has ${layout.headerLen}`;
    if (layout.noTimeColumn) return 'no Timestamp column in the header';
    const v = csv.values;
    const r = this.row;
    r.time = v[S_TIME];
    r.timeMs = csv.timeMs;
    r.timeGenerated = v[S_TIME_GEN];
    r.deviceId = v[S_DEV_ID];
    r.deviceName = v[S_DEV_NAME];
    r.actionType = v[S_ACTION];
    r.remoteUrl = v[S_URL];
    r.remoteIp = v[S_RIP];
    r.remotePort = v[S_RPORT];
    r.localIp = v[S_LIP];
    r.localPort = v[S_LPORT];
    r.process = v[S_PROC];
    r.upn = v[S_UPN];
    r.accountName = v[S_ACCT];
    r.accountDomain = v[S_DOM];
    r.table = v[S_TABLE];
    r.reportId = firstFilled(v, layout.reportSlots);
    r.additional = this.additional(v, r.actionType, layout.additionalSlots);
    return null;
  }

  /**
   * AdditionalFields, `""` escapes resolved only when the normaliser may parse it
   * (most rows are plain connections that only look for "lock" in it); of an inspection
   * or DNS row, the keys the normaliser reads when the cell has the plain shape.
   */
  private additional(v: string[], action: string, slots: number[]): unknown {
    const hasActionType = this.row.hasActionType;
    for (let i = 0; i < slots.length; i++) {
      const s = v[slots[i]];
      if (s.length === 0) continue;
      if (!readsAdditional(action, hasActionType)) {
        if (s.indexOf('lock') < 0 && s.indexOf('LOCK') < 0) return s;
      } else if (
        this.csv.escaped(slots[i]) &&
        readsAdditionalKeys(action, hasActionType) &&
        readDoubledAdditional(s, this.keys)
      )
        return this.keys;
      return this.csv.unescaped(slots[i]);
    }
    return '';
  }
}

/** The reader of a whole file (and, with scan workers, of the pieces between their parts). */
export class DefenderCsvParser implements FormatParser {
  private readonly rows = new DefenderCsvRows('auto');
  private norm: DefenderNormalizer | null = null;
  private layoutSeen: DefenderCsvLayout | null = null;
  private sink: ParseSink | null = null;
  private readonly onHeader = (fields: string[]) => this.header(fields);
  private readonly onRecord = () => this.record(this.sink as ParseSink);
  /** The text pushed while the header was read: its first rows, when the import gave no head. */
  private firstText = '';
  /** Whether the file's first rows hold times without a zone (read in the import's), see FormatParser. */
  localTimes = false;
  /** How the file's slash dates read, when its first rows hold some (null: none), see FormatParser. */
  slashDates: 'day-first' | 'month-first' | null = null;
  /** They read month first because the first rows could not tell, see FormatParser. */
  slashDatesUnsure = false;

  constructor(private readonly ctx: ParseContext) {}

  push(text: string, sink: ParseSink): void {
    this.sink = sink;
    if (this.layoutSeen === null) this.firstText = text;
    this.rows.csv.push(text, this.onHeader, this.onRecord);
  }

  end(sink: ParseSink): void {
    this.sink = sink;
    this.rows.csv.end(this.onHeader, this.onRecord);
    this.norm?.end(sink);
  }

  /** The header's layout once the header has been read (for scan workers), else null. */
  get layout(): DefenderCsvLayout | null {
    return this.layoutSeen;
  }

  /** Whether records end at CRLF, once known. */
  get crlf(): boolean | null {
    return this.rows.csv.crlfLineEnds;
  }

  /** Whether the text pushed so far ends at a record boundary (a scan worker's part may start here). */
  get atRecordBoundary(): boolean {
    return !this.rows.csv.partial;
  }

  /**
   * Rows a scan worker read from the part that follows the text pushed so far: each goes to the
   * normaliser as if read here, line numbers continuing this reader's.
   */
  takePart(batch: PrepBatch, reader: PrepBatchReader, sink: ParseSink): void {
    const norm = this.norm as DefenderNormalizer;
    reader.read(batch, this.rows.csv.linesRead, (p) => norm.take(p, sink));
    this.rows.csv.skipLines(batch.lines);
  }

  private header(fields: string[]): void {
    const layout = defenderCsvLayout(fields, this.ctx.timeZone, this.rows.csv.delimiter);
    const head = this.ctx.files.find((f) => f.name === this.ctx.fileName)?.head || this.firstText;
    this.firstText = '';
    const times = headTimes(head, layout);
    const told = this.ctx.slashDates ?? 'auto';
    const seen = slashDateOrder(times);
    layout.slashDayFirst = told === 'auto' ? seen === 'day-first' : told === 'day-first';
    this.slashDates = seen === null ? null : layout.slashDayFirst ? 'day-first' : 'month-first';
    this.slashDatesUnsure = told === 'auto' && seen === 'unsure';
    // Sentinel's "[UTC]" headers say the zone for every row.
    const timeColumn = fields[layout.columns[S_TIME]] ?? fields[layout.columns[S_TIME_GEN]] ?? '';
    this.localTimes = !headerSaysUtc(timeColumn) && times.some((t) => !timeSaysZone(t));
    this.layoutSeen = layout;
    this.rows.configure(layout);
    this.norm = new DefenderNormalizer(this.ctx, { timeZone: layout.timeZone });
  }

  private record(sink: ParseSink): void {
    const csv = this.rows.csv;
    const reason = this.rows.read();
    if (reason !== null) sink.reject(csv.line, reason);
    else (this.norm as DefenderNormalizer).row(this.rows.row, csv.line, sink);
  }
}

/**
 * A scan worker's reader: parts of a file that start and end at record boundaries after the
 * header, read into batches of prepared rows (the normaliser's stateless half) for the thread
 * that holds the normaliser.
 */
export class DefenderCsvPartReader {
  private readonly rows: DefenderCsvRows;
  private readonly prep = emptyPrep();
  private readonly writer = new PrepBatchWriter();

  /** `kernel`: parts given with their bytes (`read`) are read with it (see csv-kernel.ts). */
  constructor(
    private readonly layout: DefenderCsvLayout,
    private readonly crlf: boolean,
    kernel: CsvKernel | null = null,
  ) {
    this.rows = new DefenderCsvRows(layout.delimiter);
    this.rows.configure(layout);
    // Times the kernel reads are UTC ones (a file in another zone has them read as before, by prepRow).
    this.rows.csv.useKernel(kernel, isUtcZone(layout.timeZone) ? S_TIME : -1);
  }

  /** Arrays of a batch the normaliser's thread has read, to fill again. */
  recycle(batch: PrepBatch): void {
    this.writer.recycle(batch);
  }

  /**
   * The part's rows. `aligned` false: the part does not end at a record boundary (a line break
   * inside a quoted field); the caller then reads the part itself, and only takes the batch's strings.
   */
  read(part: PartText | { bytes: Uint8Array; decode: PartDecoder }): { batch: PrepBatch; aligned: boolean } {
    const csv = this.rows.csv;
    const rows = this.rows;
    const prep = this.prep;
    const tz = this.layout.timeZone;
    const writer = this.writer;
    csv.startPart(this.crlf);
    let chars = 0;
    if ('bytes' in part) chars = part.bytes.length;
    else for (const t of part.texts) chars += t.length;
    writer.begin(Math.ceil(chars / 120));
    const onRecord = () => {
      const reason = rows.read();
      if (reason !== null) {
        prep.kind = PrepKind.Reject;
        prep.line = csv.line;
        prep.reason = reason;
      } else prepRow(rows.row, csv.line, tz, prep);
      writer.add(prep);
    };
    if ('bytes' in part) csv.pushKernel(part.bytes, part.decode, onRecord);
    else csv.pushPart(part, onRecord);
    return { batch: writer.finish(csv.linesRead), aligned: !csv.partial };
  }
}

function firstFilled(v: string[], slots: number[]): string {
  for (let i = 0; i < slots.length; i++) {
    const s = v[slots[i]];
    if (s.length > 0) return s;
  }
  return '';
}

/** The timestamps of the records in a file's head (what sniffing read; a record it cuts short is left out). */
function headTimes(head: string, layout: DefenderCsvLayout): string[] {
  const times: string[] = [];
  const c = new CsvSelect('auto');
  const columns = [layout.columns[S_TIME], layout.columns[S_TIME_GEN]];
  c.push(
    head,
    () => c.select(columns),
    () => {
      for (const v of c.values) if (v.length > 0) times.push(v);
    },
  );
  return times;
}

/** Header cells of the first line of `head` (split at its delimiter, see CsvSelect), unquoted (enough for sniffing). */
function headerCells(head: string): string[] {
  let s = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  s = s.replace(/^(?:\r?\n|#TYPE [^\n]*\n)+/, '');
  const nl = s.indexOf('\n');
  if (nl >= 0) s = s.slice(0, nl);
  if (s.length > 20_000) return [];
  return s.split(delimiterOfLine(s)).map((c) => {
    const t = c.trim();
    return t.length >= 2 && t.charCodeAt(0) === 34 && t.charCodeAt(t.length - 1) === 34 ? t.slice(1, -1) : t;
  });
}

/** Scores a header line by the DeviceNetworkEvents columns it names. */
export function sniffDefenderHeader(head: string): number {
  const seen = new Set<string>();
  for (const c of headerCells(head)) {
    const f = fieldForColumn(c);
    if (f) seen.add(f);
  }
  const hasTime = seen.has('time') || seen.has('timeGenerated');
  const hasDevice = seen.has('deviceId') || seen.has('deviceName');
  const hasRemote = seen.has('remoteIp') || seen.has('remoteUrl');
  if (!hasTime || !hasDevice) return 0;
  if (seen.has('actionType') && hasRemote) return 0.95;
  if (hasRemote) return seen.has('localIp') || seen.has('remotePort') || seen.has('process') ? 0.7 : 0.5;
  return seen.has('actionType') ? 0.3 : 0;
}

export const defenderCsvFormat: FormatDefinition = {
  id: 'defender-csv',
  label: 'Defender for Endpoint — Advanced Hunting CSV (also Sentinel export)',
  usesLocalTime: false,
  missingFields: [],
  sniff(head: string): number {
    try {
      return sniffDefenderHeader(head);
    } catch {
      return 0;
    }
  },
  open(ctx: ParseContext): FormatParser {
    return new DefenderCsvParser(ctx);
  },
};
