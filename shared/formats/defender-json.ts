/**
 * Defender for Endpoint `DeviceNetworkEvents` as JSON: an array or NDJSON of
 * table rows (the OTRF dump's `AdditionalFields_string` naming included), the
 * hunting API answers (`{"Schema","Results"}`, Graph's `{"schema","results"}`),
 * the Log Analytics query answer (`{"tables":[{"columns","rows"}]}`) and, since
 * the same reader serves it, the Event Hub shape (see defender-eventhub.ts).
 *
 * Row numbers: a value on its own line (NDJSON, or a top-level object) is
 * numbered by the line it starts on; elements of a top-level array, and rows
 * inside a wrapper (`records`, `Results`, `tables[].rows`), by their 1-based
 * position, counted through the whole file.
 */
import { DefenderNormalizer, type DefenderRow, emptyRow } from './defender-common';
import { type JsonScanHandler, JsonScanner } from './defender-json-scanner';
import { cellString, type DefenderField, fieldForColumn } from './defender-values';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Key names as Defender writes them; tried first because nearly every file uses them. */
const CANONICAL: Record<DefenderField, string> = {
  time: 'Timestamp',
  timeGenerated: 'TimeGenerated',
  deviceId: 'DeviceId',
  deviceName: 'DeviceName',
  actionType: 'ActionType',
  remoteUrl: 'RemoteUrl',
  remoteIp: 'RemoteIP',
  remotePort: 'RemotePort',
  localIp: 'LocalIP',
  localPort: 'LocalPort',
  process: 'InitiatingProcessFileName',
  upn: 'InitiatingProcessAccountUpn',
  accountName: 'InitiatingProcessAccountName',
  accountDomain: 'InitiatingProcessAccountDomain',
  reportId: 'ReportId',
  additional: 'AdditionalFields',
  table: 'Type',
};

const LEARN_FIRST = 1000;

/**
 * Finds a field's value by its canonical key, else by the other spellings seen
 * so far (`ReportId_long`, `AdditionalFields_string`, `timestamp`...). Records of
 * one file can differ in shape (Event Hub mixes tables), so spellings are
 * collected over records rather than fixed from the first one; keys are read on
 * the first records and on any record without a canonical time key.
 */
class KeyResolver {
  private readonly alts = {} as Record<DefenderField, string[]>;
  private readonly seen = new Set<string>();
  private count = 0;

  constructor() {
    for (const f of Object.keys(CANONICAL) as DefenderField[]) this.alts[f] = [];
  }

  observe(o: Obj): void {
    if (this.count++ >= LEARN_FIRST && ('Timestamp' in o || 'TimeGenerated' in o)) return;
    for (const k in o) {
      if (this.seen.has(k)) continue;
      if (this.seen.size < 10_000) this.seen.add(k);
      const f = fieldForColumn(k);
      if (f && k !== CANONICAL[f]) this.alts[f].push(k);
    }
  }

  /** First filled value among the field's spellings; undefined when none is present. */
  get(o: Obj, f: DefenderField): unknown {
    const v = o[CANONICAL[f]];
    if (v !== undefined && v !== null && v !== '') return v;
    const alts = this.alts[f];
    for (let i = 0; i < alts.length; i++) {
      const w = o[alts[i]];
      if (w !== undefined && w !== null && w !== '') return w;
    }
    return v;
  }

  has(o: Obj, f: DefenderField): boolean {
    if (CANONICAL[f] in o) return true;
    const alts = this.alts[f];
    for (let i = 0; i < alts.length; i++) if (alts[i] in o) return true;
    return false;
  }
}

/** Numbers stay numbers (epoch times, ports); everything else becomes a cell string. */
function scalarValue(v: unknown): string | number {
  return typeof v === 'number' ? v : cellString(v);
}

export class DefenderJsonParser implements FormatParser {
  private readonly scanner = new JsonScanner();
  private readonly norm: DefenderNormalizer;
  private readonly row: DefenderRow = emptyRow();
  private readonly keys = new KeyResolver();
  /** Running position of rows found inside wrappers (see the module comment). */
  private inner = 0;
  private sink: ParseSink | null = null;
  private readonly handler: JsonScanHandler = {
    value: (v, row) => this.value(v, row),
    bad: (row, reason) => this.sink?.reject(row, reason),
  };

  constructor(ctx: ParseContext) {
    this.norm = new DefenderNormalizer(ctx);
  }

  push(text: string, sink: ParseSink): void {
    this.sink = sink;
    this.scanner.push(text, this.handler);
  }

  end(sink: ParseSink): void {
    this.sink = sink;
    this.scanner.end(this.handler);
    this.norm.end(sink);
  }

  private value(v: unknown, row: number): void {
    const sink = this.sink as ParseSink;
    if (Array.isArray(v)) {
      for (const el of v) this.record(el, ++this.inner, sink);
      return;
    }
    if (!isObj(v)) {
      sink.reject(row, 'not a JSON object');
      return;
    }
    const wrapped = v.records ?? v.Results ?? v.results ?? v.value;
    if (Array.isArray(wrapped) && !('ActionType' in v)) {
      for (const el of wrapped) this.record(el, ++this.inner, sink);
      return;
    }
    if (Array.isArray(v.tables)) {
      this.tables(v.tables, sink);
      return;
    }
    this.record(v, row, sink);
  }

  private record(v: unknown, row: number, sink: ParseSink): void {
    if (!isObj(v)) {
      sink.reject(row, 'not a JSON object');
      return;
    }
    let o = v;
    let table = '';
    let fallbackTime: unknown;
    const props = v.properties;
    if (isObj(props)) {
      // Streaming API / Event Hub record: the table is the category, the row is `properties`.
      const cat = v.category;
      if (typeof cat === 'string') table = cat.startsWith('AdvancedHunting-') ? cat.slice(16) : cat;
      fallbackTime = v.time;
      o = props;
    }
    const k = this.keys;
    k.observe(o);
    const r = this.row;
    r.time = scalarValue(k.get(o, 'time'));
    r.timeGenerated = scalarValue(k.get(o, 'timeGenerated') ?? fallbackTime);
    r.deviceId = cellString(k.get(o, 'deviceId'));
    r.deviceName = cellString(k.get(o, 'deviceName'));
    r.hasActionType = k.has(o, 'actionType');
    r.actionType = cellString(k.get(o, 'actionType'));
    r.remoteUrl = cellString(k.get(o, 'remoteUrl'));
    r.remoteIp = cellString(k.get(o, 'remoteIp'));
    r.remotePort = scalarValue(k.get(o, 'remotePort'));
    r.localIp = cellString(k.get(o, 'localIp'));
    r.localPort = scalarValue(k.get(o, 'localPort'));
    r.process = cellString(k.get(o, 'process'));
    r.upn = cellString(k.get(o, 'upn'));
    r.accountName = cellString(k.get(o, 'accountName'));
    r.accountDomain = cellString(k.get(o, 'accountDomain'));
    r.reportId = cellString(k.get(o, 'reportId'));
    r.additional = k.get(o, 'additional') ?? null;
    r.table = table.length > 0 ? table : cellString(k.get(o, 'table'));
    this.norm.row(r, row, sink);
  }

  /** Log Analytics query answer: rows are arrays, named by `columns`. */
  private tables(tables: unknown[], sink: ParseSink): void {
    for (const t of tables) {
      if (!isObj(t) || !Array.isArray(t.columns) || !Array.isArray(t.rows)) continue;
      const names = t.columns.map((c) => (isObj(c) ? cellString(c.name ?? c.ColumnName) : cellString(c)));
      for (const rowValues of t.rows) {
        const n = ++this.inner;
        if (!Array.isArray(rowValues)) {
          sink.reject(n, 'not a row array');
          continue;
        }
        const o: Obj = {};
        for (let i = 0; i < names.length && i < rowValues.length; i++) o[names[i]] = rowValues[i];
        this.record(o, n, sink);
      }
    }
  }
}

/** Which DeviceNetworkEvents key names appear in a JSON head (quoted, as keys or column names). */
export function sniffDefenderJsonKeys(head: string): number {
  const hasTime = head.includes('"Timestamp') || head.includes('"TimeGenerated');
  const hasDevice = head.includes('"DeviceId"') || head.includes('"DeviceName"');
  const hasRemote = head.includes('"RemoteIP"') || head.includes('"RemoteUrl"');
  const hasAction = head.includes('"ActionType"');
  if (!hasTime || !hasDevice) return 0;
  if (hasAction && hasRemote) return 0.9;
  if (hasRemote) return 0.6;
  return hasAction ? 0.3 : 0;
}

export function startsLikeJson(head: string): boolean {
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) continue;
    return c === 123 || c === 91;
  }
  return false;
}

/** The Event Hub / streaming-API record shape: `category: AdvancedHunting-*` with `properties`. */
export function looksLikeEventHub(head: string): boolean {
  return head.includes('"AdvancedHunting-') && head.includes('"properties"') && head.includes('"category"');
}

export const defenderJsonFormat: FormatDefinition = {
  id: 'defender-json',
  label: 'Defender for Endpoint — Advanced Hunting JSON',
  usesLocalTime: false,
  missingFields: [],
  sniff(head: string): number {
    try {
      if (!startsLikeJson(head)) return 0;
      const s = sniffDefenderJsonKeys(head);
      // The Event Hub shape has its own entry; this reader still copes with it.
      return looksLikeEventHub(head) ? Math.min(s, 0.2) : s;
    } catch {
      return 0;
    }
  },
  open(ctx: ParseContext): FormatParser {
    return new DefenderJsonParser(ctx);
  },
};
