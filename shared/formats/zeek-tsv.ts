/**
 * Zeek ASCII (TSV) logs: `#separator`, `#set_separator`, `#empty_field`,
 * `#unset_field`, `#path`, `#fields`, `#types`, `#open`/`#close` headers, then one
 * record per line. A file may hold several logs one after the other (each with its
 * own header block); every `#fields` line remaps the columns from there on.
 * Rows are emitted at once (no join window): within one TSV file an ssl block that
 * follows a conn block cannot name it — give ssl.log/dns.log as their own files.
 * Join semantics and multi-file behaviour: see zeek-core.ts.
 */
import { LineSplitter } from './lines';
import { parseIsoTime } from './time';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';
import {
  DEFAULT_ZEEK_OPTIONS,
  epochTextToMs,
  newRecord,
  parseCount,
  parsePort,
  streamFromFields,
  streamFromFileName,
  unescapeZeek,
  ZeekJoiner,
  type ZeekOptions,
  type ZeekRecord,
  zeekPassOrder,
} from './zeek-core';

enum Slot {
  Ts,
  Uid,
  OrigH,
  RespH,
  RespP,
  OrigBytes,
  RespBytes,
  ConnState,
  ServerName,
  Established,
  Host,
  Uri,
  Query,
  Answers,
  Count,
}

const SLOT_BY_NAME = new Map<string, Slot>([
  ['ts', Slot.Ts],
  ['uid', Slot.Uid],
  ['id.orig_h', Slot.OrigH],
  ['id_orig_h', Slot.OrigH],
  ['id.resp_h', Slot.RespH],
  ['id_resp_h', Slot.RespH],
  ['id.resp_p', Slot.RespP],
  ['id_resp_p', Slot.RespP],
  ['orig_bytes', Slot.OrigBytes],
  ['resp_bytes', Slot.RespBytes],
  ['conn_state', Slot.ConnState],
  ['server_name', Slot.ServerName],
  ['established', Slot.Established],
  ['host', Slot.Host],
  ['uri', Slot.Uri],
  ['query', Slot.Query],
  ['answers', Slot.Answers],
]);

const REJECT_NO_FIELDS = 'zeek: data row before a #fields header';
const REJECT_FIELD_COUNT = 'zeek: field count differs from #fields';

class ZeekTsvParser implements FormatParser {
  private readonly lines = new LineSplitter();
  private readonly joiner: ZeekJoiner;
  private sep = '\t';
  private setSep = ',';
  private emptyField = '(empty)';
  private unsetField = '-';
  private path = '';
  private fieldCount = 0;
  /** Column index -> slot, or -1 for columns we do not read. */
  private slotOf: Int8Array = new Int8Array(0);
  private readonly vals: (string | null)[] = new Array(Slot.Count).fill(null);
  private readonly rec: ZeekRecord = newRecord();
  private readonly nameStream: string | null;
  private stream = '';
  private readonly onLine = (line: string, no: number) => this.line(line, no);

  constructor(ctx: ParseContext, opts: ZeekOptions) {
    this.joiner = new ZeekJoiner(ctx, opts);
    this.nameStream = streamFromFileName(ctx.fileName ?? '');
  }

  push(text: string, sink: ParseSink): void {
    this.sink = sink;
    this.lines.push(text, this.onLine);
  }

  end(sink: ParseSink): void {
    this.sink = sink;
    this.lines.end(this.onLine);
    this.joiner.end(sink);
  }

  private sink: ParseSink | null = null;

  private line(line: string, no: number): void {
    if (line.length === 0) return;
    if (line.charCodeAt(0) === 35 /* # */) {
      this.header(line);
      return;
    }
    const sink = this.sink!;
    if (this.fieldCount === 0) {
      this.joiner.countRow();
      sink.reject(no, REJECT_NO_FIELDS);
      return;
    }
    const vals = this.vals;
    vals.fill(null);
    const slotOf = this.slotOf;
    const sep = this.sep;
    const n = this.fieldCount;
    let start = 0;
    let idx = 0;
    for (;;) {
      const cut = line.indexOf(sep, start);
      const end = cut < 0 ? line.length : cut;
      if (idx < n) {
        const slot = slotOf[idx];
        if (slot >= 0) vals[slot] = line.slice(start, end);
      }
      idx++;
      if (cut < 0) break;
      start = cut + sep.length;
    }
    if (idx !== n) {
      this.joiner.countRow();
      sink.reject(no, REJECT_FIELD_COUNT);
      return;
    }
    this.joiner.handle(this.fill(no), sink);
  }

  private value(slot: Slot): string | null {
    const v = this.vals[slot];
    if (v === null || v === this.unsetField || v === this.emptyField || v.length === 0) return null;
    return v;
  }

  private fill(no: number): ZeekRecord {
    const r = this.rec;
    r.stream = this.stream;
    r.line = no;
    const ts = this.value(Slot.Ts);
    r.time = ts === null ? Number.NaN : tsToMs(ts);
    r.uid = this.value(Slot.Uid);
    r.origH = this.value(Slot.OrigH);
    r.respH = this.value(Slot.RespH);
    r.respP = parsePort(this.value(Slot.RespP));
    r.origBytes = parseCount(this.value(Slot.OrigBytes));
    r.respBytes = parseCount(this.value(Slot.RespBytes));
    r.connState = this.value(Slot.ConnState);
    r.serverName = this.value(Slot.ServerName);
    const est = this.value(Slot.Established);
    r.established = est === 'T' ? true : est === 'F' ? false : null;
    r.httpHost = this.value(Slot.Host);
    r.uri = this.value(Slot.Uri);
    r.query = this.value(Slot.Query);
    const answers = this.value(Slot.Answers);
    r.answers = answers === null ? null : answers.split(this.setSep);
    return r;
  }

  private header(line: string): void {
    if (line.startsWith('#separator')) {
      // The only directive separated by a space: the separator is not known yet.
      const v = line.slice(10).trim();
      const sep = v.indexOf('\\x') >= 0 ? unescapeZeek(v) : v;
      if (sep.length > 0) this.sep = sep;
      // A new header block starts: what the previous log declared no longer holds.
      this.path = '';
      this.stream = '';
      this.fieldCount = 0;
      return;
    }
    const cut = line.indexOf(this.sep);
    if (cut < 0) return;
    const key = line.slice(0, cut);
    const value = line.slice(cut + this.sep.length);
    switch (key) {
      case '#set_separator':
        if (value.length > 0) this.setSep = unescapeZeek(value);
        break;
      case '#empty_field':
        this.emptyField = value;
        break;
      case '#unset_field':
        this.unsetField = value;
        break;
      case '#path':
        this.path = value.trim();
        this.stream = this.path;
        break;
      case '#fields':
        this.mapFields(value.split(this.sep));
        break;
      default:
        break; // #types, #open, #close and unknown directives carry nothing we use
    }
  }

  private mapFields(names: string[]): void {
    this.fieldCount = names.length;
    this.slotOf = new Int8Array(names.length).fill(-1);
    for (let i = 0; i < names.length; i++) {
      const slot = SLOT_BY_NAME.get(names[i]);
      if (slot !== undefined && !this.slotSeen(slot, i)) this.slotOf[i] = slot;
    }
    if (!this.path) {
      const set = new Set(names);
      this.stream = this.nameStream ?? streamFromFields((n) => set.has(n));
    }
  }

  /** Whether an earlier column already feeds `slot` (keeps the first of duplicate names). */
  private slotSeen(slot: Slot, before: number): boolean {
    for (let i = 0; i < before; i++) if (this.slotOf[i] === slot) return true;
    return false;
  }
}

function tsToMs(s: string): number {
  const ms = epochTextToMs(s);
  return Number.isNaN(ms) ? parseIsoTime(s) : ms;
}

export function createZeekTsvFormat(options: Partial<ZeekOptions> = {}): FormatDefinition {
  // One stream per header block: nothing arrives late within a file, so no window.
  const opts = { ...DEFAULT_ZEEK_OPTIONS, windowRows: 0, ...options };
  return {
    id: 'zeek-tsv',
    label: 'Zeek logs — TSV (conn, ssl, http, dns)',
    usesLocalTime: false,
    missingFields: ['deviceId', 'deviceName', 'user', 'process'],
    sniff(head: string): number {
      if (head.startsWith('#separator')) return 1;
      if (/^#fields\t/m.test(head) && /^#path\t/m.test(head)) return 0.9;
      return 0;
    },
    open(ctx: ParseContext): FormatParser {
      return new ZeekTsvParser(ctx, opts);
    },
    passOrder(head: string): number {
      return zeekPassOrder(head);
    },
  };
}

/** Zeek TSV logs. ssl/http/dns rows name conn rows (see zeek-core.ts). */
export const zeekTsvFormat: FormatDefinition = createZeekTsvFormat();
