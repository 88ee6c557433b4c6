/**
 * Zeek JSON logs (one JSON object per line). Accepts per-stream files (Zeek's
 * `LogAscii::use_json`, which writes no stream tag: the stream comes from the file
 * name or the record's fields) and single files mixing every stream, tagged by
 * `_path` (json-streaming-logs) or `@stream` (the OTRF/Mordor "combined" exports).
 * Keys may be dotted (`id.orig_h`), underscored (`id_orig_h`) or nested (`id.orig_h`
 * as `{"id":{"orig_h":..}}`); ts may be epoch seconds/ms or ISO 8601.
 * Join semantics and multi-file behaviour: see zeek-core.ts.
 */
import { LineSplitter } from './lines';
import { epochToMs, parseIsoTime } from './time';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';
import {
  DEFAULT_ZEEK_OPTIONS,
  epochTextToMs,
  newRecord,
  streamFromFields,
  streamFromFileName,
  ZeekJoiner,
  type ZeekOptions,
  type ZeekRecord,
  zeekPassOrder,
} from './zeek-core';

const REJECT_JSON = 'zeek: invalid JSON';
const REJECT_NOT_OBJECT = 'zeek: JSON line is not an object';

type Json = Record<string, unknown>;

class ZeekJsonParser implements FormatParser {
  private readonly lines = new LineSplitter();
  private readonly joiner: ZeekJoiner;
  private readonly rec: ZeekRecord = newRecord();
  private readonly nameStream: string | null;
  private sink: ParseSink | null = null;
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

  private line(line: string, no: number): void {
    if (isBlank(line)) return;
    const sink = this.sink!;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      this.joiner.countRow();
      sink.reject(no, REJECT_JSON);
      return;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      this.joiner.countRow();
      sink.reject(no, REJECT_NOT_OBJECT);
      return;
    }
    this.joiner.handle(this.fill(o as Json, no), sink);
  }

  private fill(o: Json, no: number): ZeekRecord {
    const r = this.rec;
    r.line = no;
    r.stream = this.streamOf(o);
    r.time = toMs(o.ts);
    r.uid = str(o.uid);
    const id = o.id !== null && typeof o.id === 'object' ? (o.id as Json) : null;
    r.origH = str(o['id.orig_h'] ?? o.id_orig_h ?? id?.orig_h);
    r.respH = str(o['id.resp_h'] ?? o.id_resp_h ?? id?.resp_h);
    r.respP = port(o['id.resp_p'] ?? o.id_resp_p ?? id?.resp_p);
    r.origBytes = count(o.orig_bytes);
    r.respBytes = count(o.resp_bytes);
    r.connState = str(o.conn_state);
    r.serverName = str(o.server_name);
    r.established = typeof o.established === 'boolean' ? o.established : null;
    r.httpHost = str(o.host);
    r.uri = str(o.uri);
    r.query = str(o.query);
    r.answers = strings(o.answers);
    return r;
  }

  private streamOf(o: Json): string {
    const tag = o._path ?? o['@stream'];
    if (typeof tag === 'string' && tag.length > 0) return tag;
    if (this.nameStream) return this.nameStream;
    return streamFromFields((n) => o[n] !== undefined);
  }
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v.length === 0 || v === '-' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function count(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : null;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return null;
}

function port(v: unknown): number | null {
  const n = count(v);
  return n !== null && n <= 65535 ? n : null;
}

function strings(v: unknown): string[] | null {
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const x of v) if (typeof x === 'string') out.push(x);
    return out;
  }
  if (typeof v === 'string' && v.length > 0) return v.split(',');
  return null;
}

function toMs(v: unknown): number {
  if (typeof v === 'number') {
    // Epoch seconds with a fraction: a tiny nudge keeps 0.049 s from flooring to 48 ms.
    const ms = epochToMs(v);
    return Number.isFinite(ms) ? Math.floor(ms + 1e-3) : Number.NaN;
  }
  if (typeof v !== 'string' || v.length === 0) return Number.NaN;
  const c = v.charCodeAt(0);
  if (v.length >= 20 && v.charCodeAt(4) === 45 /* - */) return isoUtc(v);
  if ((c >= 48 && c <= 57) || c === 45) {
    const ms = epochTextToMs(v);
    if (!Number.isNaN(ms)) return ms;
  }
  return parseIsoTime(v);
}

/** Fast path for Zeek's own ISO form, 2018-03-24T17:15:20.615923Z; anything else goes to parseIsoTime. */
function isoUtc(s: string): number {
  const n = s.length;
  if (s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(10) !== 84 /* T */ || s.charCodeAt(19) !== 46) {
    return parseIsoTime(s);
  }
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) {
    return parseIsoTime(s);
  }
  let ms = 0;
  let scale = 100;
  for (let i = 20; i < n - 1; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return parseIsoTime(s);
    if (scale >= 1) {
      ms += (c - 48) * scale;
      scale /= 10;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

function digits(s: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

function sniffJson(head: string): number {
  let pos = 0;
  let seen = 0;
  let best = 0;
  while (pos < head.length && seen < 20) {
    const nl = head.indexOf('\n', pos);
    if (nl < 0) break; // the last line of a head may be cut short
    const line = head.slice(pos, nl).trim();
    pos = nl + 1;
    if (line.length === 0) continue;
    seen++;
    if (line.charCodeAt(0) !== 123 /* { */) return 0;
    let o: Json;
    try {
      o = JSON.parse(line) as Json;
    } catch {
      return 0;
    }
    if (o === null || typeof o !== 'object') return 0;
    const hasId = o['id.orig_h'] !== undefined || o.id_orig_h !== undefined;
    const tagged = typeof o._path === 'string' || (typeof o['@stream'] === 'string' && o.ts !== undefined);
    if (hasId && o.uid !== undefined) return tagged ? 1 : 0.95;
    if (tagged && typeof o._path === 'string' && o._write_ts !== undefined) best = Math.max(best, 0.9);
    else if (tagged && o['@system'] !== undefined) best = Math.max(best, 0.6);
  }
  return best;
}

export function createZeekJsonFormat(options: Partial<ZeekOptions> = {}): FormatDefinition {
  const opts = { ...DEFAULT_ZEEK_OPTIONS, ...options };
  return {
    id: 'zeek-json',
    label: 'Zeek logs — JSON (conn, ssl, http, dns; one stream or many per file)',
    usesLocalTime: false,
    missingFields: ['deviceId', 'deviceName', 'user', 'process'],
    sniff(head: string): number {
      try {
        return sniffJson(head);
      } catch {
        return 0;
      }
    },
    open(ctx: ParseContext): FormatParser {
      return new ZeekJsonParser(ctx, opts);
    },
    passOrder(head: string): number {
      return zeekPassOrder(head);
    },
  };
}

/** Zeek JSON logs, per stream or mixed. ssl/http/dns rows name conn rows (see zeek-core.ts). */
export const zeekJsonFormat: FormatDefinition = createZeekJsonFormat();
