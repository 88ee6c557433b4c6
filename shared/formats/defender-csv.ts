/**
 * Defender for Endpoint Advanced Hunting CSV, as the portal's "Export" writes it
 * (union exports with rows of other tables included), and the Sentinel / Log
 * Analytics CSV export of the same table (`Timestamp [UTC]`, US display dates).
 * Header-driven: columns are found by name (with aliases) once, then read by index.
 */
import { type CsvRecord, CsvStream } from './csv-stream';
import { DefenderNormalizer, type DefenderRow, emptyRow } from './defender-common';
import { type DefenderField, fieldForColumn, headerSaysUtc } from './defender-values';
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

class DefenderCsvParser implements FormatParser {
  private readonly csv = new CsvStream(',');
  private readonly row: DefenderRow = emptyRow();
  private headerLen = 0;
  private norm: DefenderNormalizer | null = null;
  private noTimeColumn = false;
  // Single-column fields, resolved once from the header.
  private iTime = -1;
  private iTimeGen = -1;
  private iDevId = -1;
  private iDevName = -1;
  private iAction = -1;
  private iUrl = -1;
  private iRip = -1;
  private iRport = -1;
  private iLip = -1;
  private iLport = -1;
  private iProc = -1;
  private iUpn = -1;
  private iAcct = -1;
  private iDom = -1;
  private iTable = -1;
  // Union exports split these over typed columns (ReportId_long / ReportId_string).
  private reportIds: number[] = [];
  private additionals: number[] = [];

  constructor(private readonly ctx: ParseContext) {}

  push(text: string, sink: ParseSink): void {
    this.csv.push(text, (r) => this.record(r, sink));
  }

  end(sink: ParseSink): void {
    this.csv.end((r) => this.record(r, sink));
    this.norm?.end(sink);
  }

  private header(fields: string[]): void {
    const h = fields.slice();
    if (h.length > 0 && h[0].charCodeAt(0) === 0xfeff) h[0] = h[0].slice(1);
    this.headerLen = h.length;
    const idx = indexColumns(h);
    this.iTime = first(idx.time);
    this.iTimeGen = first(idx.timeGenerated);
    this.iDevId = first(idx.deviceId);
    this.iDevName = first(idx.deviceName);
    this.iAction = first(idx.actionType);
    this.iUrl = first(idx.remoteUrl);
    this.iRip = first(idx.remoteIp);
    this.iRport = first(idx.remotePort);
    this.iLip = first(idx.localIp);
    this.iLport = first(idx.localPort);
    this.iProc = first(idx.process);
    this.iUpn = first(idx.upn);
    this.iAcct = first(idx.accountName);
    this.iDom = first(idx.accountDomain);
    this.iTable = first(idx.table);
    this.reportIds = idx.reportId;
    this.additionals = idx.additional;
    this.row.hasActionType = this.iAction >= 0;
    this.noTimeColumn = this.iTime < 0 && this.iTimeGen < 0;
    const timeCol = this.iTime >= 0 ? h[this.iTime] : this.iTimeGen >= 0 ? h[this.iTimeGen] : '';
    this.norm = new DefenderNormalizer(this.ctx, {
      timeZone: headerSaysUtc(timeCol) ? 'UTC' : this.ctx.timeZone || 'UTC',
    });
  }

  private record(rec: CsvRecord, sink: ParseSink): void {
    const f = rec.fields;
    const norm = this.norm;
    if (norm === null) {
      this.header(f);
      return;
    }
    if (f.length !== this.headerLen) {
      sink.reject(rec.line, `${f.length} fields, the header has ${this.headerLen}`);
      return;
    }
    if (this.noTimeColumn) {
      sink.reject(rec.line, 'no Timestamp column in the header');
      return;
    }
    const r = this.row;
    r.time = this.iTime >= 0 ? f[this.iTime] : '';
    r.timeGenerated = this.iTimeGen >= 0 ? f[this.iTimeGen] : '';
    r.deviceId = this.iDevId >= 0 ? f[this.iDevId] : '';
    r.deviceName = this.iDevName >= 0 ? f[this.iDevName] : '';
    r.actionType = this.iAction >= 0 ? f[this.iAction] : '';
    r.remoteUrl = this.iUrl >= 0 ? f[this.iUrl] : '';
    r.remoteIp = this.iRip >= 0 ? f[this.iRip] : '';
    r.remotePort = this.iRport >= 0 ? f[this.iRport] : '';
    r.localIp = this.iLip >= 0 ? f[this.iLip] : '';
    r.localPort = this.iLport >= 0 ? f[this.iLport] : '';
    r.process = this.iProc >= 0 ? f[this.iProc] : '';
    r.upn = this.iUpn >= 0 ? f[this.iUpn] : '';
    r.accountName = this.iAcct >= 0 ? f[this.iAcct] : '';
    r.accountDomain = this.iDom >= 0 ? f[this.iDom] : '';
    r.table = this.iTable >= 0 ? f[this.iTable] : '';
    r.reportId = firstFilled(f, this.reportIds);
    r.additional = firstFilled(f, this.additionals);
    norm.row(r, rec.line, sink);
  }
}

function firstFilled(f: string[], cols: number[]): string {
  for (let i = 0; i < cols.length; i++) {
    const v = f[cols[i]];
    if (v.length > 0) return v;
  }
  return '';
}

/** Header cells of the first line of `head`, unquoted (enough for sniffing). */
function headerCells(head: string): string[] {
  let s = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const nl = s.indexOf('\n');
  if (nl >= 0) s = s.slice(0, nl);
  if (s.length > 20_000) return [];
  return s.split(',').map((c) => {
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
