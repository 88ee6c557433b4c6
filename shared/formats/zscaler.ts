/**
 * Zscaler Internet Access NSS web logs. NSS feed templates are customer-defined,
 * so the parser reads fields by name wherever names exist and knows the common
 * templates:
 *  - JSON: `{"sourcetype":"zscalernss-web","event":{"time":...,"login":...}}` one
 *    per line (Cloud NSS / Elastic template), a bare event object, or a JSON array;
 *  - Splunk-style name=value, tab separated (`datetime=... reason=... ClientIP=...
 *    url=... hostname=... requestsize=... responsesize=...`), or space separated;
 *  - CSV or TSV with a header row;
 *  - CSV or TSV without header in the default web template order (the order the
 *    JSON template lists: time, login, proto, eurl, action, ..., devicehostname) —
 *    the one place this parser is positional, because that output has no header;
 *  - CEF (`CEF:0|Zscaler|NSSWeblog|...`) lines are handed to the CEF reader.
 * A syslog envelope before name=value or TSV lines is tolerated.
 *
 * Mapping: login/user -> user (deviceowner when there is no login), cintip
 * (client internal IP) else cip/ClientIP -> localIp, sip/serverip -> remoteIp,
 * eurl/url -> url, ehost/hostname or the URL's host -> host, reqsize/requestsize
 * -> bytesUp, respsize/responsesize -> bytesDown, devicehostname -> deviceName,
 * recordid/event_id -> eventKey. NSS prints "None"/"NA" for empty fields.
 * Time is the feed's wall clock (the feed has its own time-zone setting, GMT by
 * default) and is read in ctx.timeZone.
 */
import { emptyEvent } from '../domain/event';
import { cefLine, parseKeyValues } from './cef';
import { CsvStream } from './csv-stream';
import { LineSplitter } from './lines';
import { stripSyslog } from './syslog';
import {
  clean,
  cleanIp,
  decideOnFirstLine,
  headLines,
  isBlank,
  isBlockedAction,
  JsonRecordStream,
  jsonText,
  normalizeHost,
  parseDateTime,
  parseJsonObject,
  placeHost,
  splitUrlAuthority,
  toCount,
} from './syslog-values';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

/** Roles a field can play; plain numbers index a small values array per row. */
const R = {
  Time: 0,
  Epoch: 1,
  User: 2,
  UserFallback: 3,
  Url: 4,
  Host: 5,
  LocalIp: 6,
  LocalIpFallback: 7,
  RemoteIp: 8,
  BytesUp: 9,
  BytesDown: 10,
  Action: 11,
  Device: 12,
  Record: 13,
  Count: 14,
} as const;

/** Field names (lowercased) of the NSS variables and of the Splunk/JSON templates. */
const ROLE_BY_NAME = new Map<string, number>([
  ['time', R.Time],
  ['datetime', R.Time],
  ['epochtime', R.Epoch],
  ['login', R.User],
  ['user', R.User],
  ['username', R.User],
  ['ologin', R.User],
  ['deviceowner', R.UserFallback],
  ['eurl', R.Url],
  ['url', R.Url],
  ['ehost', R.Host],
  ['hostname', R.Host],
  ['cintip', R.LocalIp],
  ['clientinternalip', R.LocalIp],
  ['cip', R.LocalIpFallback],
  ['clientip', R.LocalIpFallback],
  ['sip', R.RemoteIp],
  ['serverip', R.RemoteIp],
  ['reqsize', R.BytesUp],
  ['requestsize', R.BytesUp],
  ['respsize', R.BytesDown],
  ['responsesize', R.BytesDown],
  ['action', R.Action],
  ['devicehostname', R.Device],
  ['devicename', R.Device],
  ['recordid', R.Record],
  ['event_id', R.Record],
]);

/** The default web feed field order (no header in CSV/TSV output). */
export const NSS_DEFAULT_WEB_FIELDS = [
  'time',
  'login',
  'proto',
  'eurl',
  'action',
  'appname',
  'appclass',
  'reqsize',
  'respsize',
  'stime',
  'ctime',
  'urlclass',
  'urlsupercat',
  'urlcat',
  'malwarecat',
  'threatname',
  'riskscore',
  'dlpeng',
  'dlpdict',
  'location',
  'dept',
  'cip',
  'sip',
  'reqmethod',
  'respcode',
  'ua',
  'ereferer',
  'ruletype',
  'rulelabel',
  'contenttype',
  'unscannabletype',
  'deviceowner',
  'devicehostname',
] as const;

/** Names that, seen in a header or a name=value line, say "this is an NSS web log". */
const KNOWN_NAMES = new Set<string>([
  ...ROLE_BY_NAME.keys(),
  ...NSS_DEFAULT_WEB_FIELDS,
  'reason',
  'protocol',
  'transactionsize',
  'urlcategory',
  'clienttranstime',
  'requestmethod',
  'refererurl',
  'useragent',
  'product',
  'location',
  'status',
  'vendor',
  'clientpublicip',
  'threatcategory',
  'filetype',
  'pagerisk',
  'department',
  'urlsupercategory',
  'dlpengine',
  'threatclass',
  'dlpidentifier',
  'bamd5',
]);

const roleCache = new Map<string, number>();
function roleOf(name: string): number {
  let r = roleCache.get(name);
  if (r === undefined) {
    r = ROLE_BY_NAME.get(name.trim().toLowerCase()) ?? -1;
    if (roleCache.size > 10_000) roleCache.clear();
    roleCache.set(name, r);
  }
  return r;
}

type Values = (string | null)[];

function newValues(): Values {
  return new Array<string | null>(R.Count).fill(null);
}

function put(v: Values, name: string, value: string | null): void {
  const r = roleOf(name);
  if (r >= 0 && v[r] === null) v[r] = clean(value);
}

function emit(v: Values, line: number, sink: ParseSink, timeZone: string): void {
  const url = v[R.Url];
  const auth = url !== null ? splitUrlAuthority(url) : null;
  const partial = { host: null as string | null, remoteIp: cleanIp(v[R.RemoteIp]) };
  placeHost(partial, normalizeHost(v[R.Host]));
  if (partial.host === null && auth !== null) placeHost(partial, auth.host);
  if (partial.host === null && partial.remoteIp === null) {
    sink.skip(line, 'no destination host or server IP');
    return;
  }
  let time = Number.NaN;
  if (v[R.Time] !== null) time = parseDateTime(v[R.Time]!, timeZone);
  if (Number.isNaN(time) && v[R.Epoch] !== null) time = parseDateTime(v[R.Epoch]!, 'UTC');
  if (Number.isNaN(time)) {
    sink.reject(line, v[R.Time] === null && v[R.Epoch] === null ? 'no time field' : 'unreadable time');
    return;
  }
  const e = emptyEvent(time);
  e.host = partial.host;
  e.remoteIp = partial.remoteIp;
  e.remotePort = auth?.port ?? null;
  e.url = url;
  e.user = v[R.User] ?? v[R.UserFallback];
  e.localIp = cleanIp(v[R.LocalIp]) ?? cleanIp(v[R.LocalIpFallback]);
  e.deviceName = v[R.Device];
  e.bytesUp = toCount(v[R.BytesUp]);
  e.bytesDown = toCount(v[R.BytesDown]);
  if (isBlockedAction(v[R.Action])) e.action = 'blocked';
  const rec = v[R.Record];
  if (rec !== null && rec !== '0' && isDigits(rec)) e.eventKey = `zscaler|${rec}`;
  sink.event(e);
}

/** Record ids are 64-bit numbers: too long for toCount, kept as text. */
function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 20) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// ---------------------------------------------------------------- dialects

function fromObject(obj: Record<string, unknown>, line: number, sink: ParseSink, timeZone: string): void {
  // Cloud NSS wraps the event: {"sourcetype":"zscalernss-web","event":{...}}
  const inner = obj.event;
  const ev =
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : obj;
  const v = newValues();
  for (const k in ev) put(v, k, jsonText(ev[k]));
  emit(v, line, sink, timeZone);
}

function ndjsonLine(line: string, no: number, sink: ParseSink, timeZone: string): void {
  let s = line.trim();
  if (s.indexOf('CEF:') >= 0 && s.charCodeAt(0) !== 123) {
    cefLine(line, no, sink, timeZone);
    return;
  }
  const brace = s.indexOf('{');
  if (brace < 0) {
    sink.reject(no, 'not a JSON object');
    return;
  }
  if (brace > 0) s = s.slice(brace); // a syslog envelope or collector prefix
  if (s.charCodeAt(s.length - 1) === 44) s = s.slice(0, -1);
  const obj = parseJsonObject(s);
  if (obj === null) sink.reject(no, 'invalid JSON');
  else fromObject(obj, no, sink, timeZone);
}

function kvLine(line: string, no: number, sink: ParseSink, timeZone: string): void {
  const msg = stripSyslog(line).message;
  if (msg.indexOf('CEF:') >= 0) {
    cefLine(line, no, sink, timeZone);
    return;
  }
  const v = newValues();
  let pairs = 0;
  if (msg.indexOf('\t') >= 0) {
    for (const part of msg.split('\t')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      pairs++;
      put(v, part.slice(0, eq), part.slice(eq + 1));
    }
  } else {
    const m = new Map<string, string>();
    parseKeyValues(msg, m, false);
    pairs = m.size;
    for (const [k, val] of m) put(v, k, val);
  }
  if (pairs === 0) sink.reject(no, 'no name=value fields');
  else emit(v, no, sink, timeZone);
}

function unquote(s: string): string {
  const n = s.length;
  return n >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(n - 1) === 34 ? s.slice(1, -1) : s;
}

/** Role of each column, from a header row or the default template. */
function columnRoles(names: readonly string[]): number[] {
  return names.map((h) => roleOf(unquote(h.trim())));
}

function delimitedRow(fields: string[], roles: number[], line: number, sink: ParseSink, timeZone: string): void {
  if (fields.length < 3) {
    sink.reject(line, `too few fields (${fields.length})`);
    return;
  }
  const v = newValues();
  const n = Math.min(fields.length, roles.length);
  for (let i = 0; i < n; i++) {
    const r = roles[i];
    if (r >= 0 && v[r] === null) v[r] = clean(unquote(fields[i]));
  }
  emit(v, line, sink, timeZone);
}

function splitLoose(line: string, delimiter: string): string[] {
  return line.split(delimiter);
}

function isHeader(line: string, delimiter: string): boolean {
  let known = 0;
  for (const f of splitLoose(line, delimiter)) if (KNOWN_NAMES.has(unquote(f.trim()).toLowerCase())) known++;
  return known >= 3;
}

/**
 * Names only Zscaler's templates use; generic names (user, url, action,
 * hostname) are shared with FortiGate and others and prove nothing.
 */
const DISTINCTIVE = new Set([
  'datetime',
  'eurl',
  'ehost',
  'reqsize',
  'respsize',
  'urlcat',
  'urlsupercat',
  'urlclass',
  'appclass',
  'cintip',
  'clientip',
  'serverip',
  'requestsize',
  'responsesize',
  'transactionsize',
  'urlcategory',
  'urlsupercategory',
  'clienttranstime',
  'refererurl',
  'clientpublicip',
  'threatcategory',
  'pagerisk',
  'dlpengine',
  'deviceowner',
  'devicehostname',
]);

/** Count of name=value names in the line that Zscaler templates use (all, distinctive). */
function kvNames(msg: string): [number, number] {
  let known = 0;
  let distinctive = 0;
  const count = (name: string) => {
    const k = name.toLowerCase();
    if (KNOWN_NAMES.has(k)) known++;
    if (DISTINCTIVE.has(k)) distinctive++;
  };
  if (msg.indexOf('\t') >= 0) {
    for (const part of msg.split('\t')) {
      const e = part.indexOf('=');
      if (e > 0) count(part.slice(0, e));
    }
  } else {
    const m = new Map<string, string>();
    parseKeyValues(msg, m, false);
    for (const k of m.keys()) count(k);
  }
  return [known, distinctive];
}

function looksKv(msg: string): boolean {
  const tab = msg.indexOf('\t');
  const sp = msg.indexOf(' ');
  const first = tab >= 0 ? msg.slice(0, tab) : msg.slice(0, sp < 0 ? msg.length : sp);
  if (first.indexOf('=') <= 0) return false;
  return kvNames(msg)[0] >= 3;
}

function lineParser(handle: (line: string, no: number, sink: ParseSink) => void): FormatParser {
  const lines = new LineSplitter();
  return {
    push(text, sink) {
      lines.push(text, (line, no) => {
        if (!isBlank(line)) handle(line, no, sink);
      });
    },
    end(sink) {
      lines.end((line, no) => {
        if (!isBlank(line)) handle(line, no, sink);
      });
    },
  };
}

function jsonArrayParser(timeZone: string): FormatParser {
  const stream = new JsonRecordStream();
  let sinkRef: ParseSink | null = null;
  const onRecord = (json: string, line: number) => {
    const obj = parseJsonObject(json);
    if (obj === null) sinkRef!.reject(line, 'invalid JSON record');
    else fromObject(obj, line, sinkRef!, timeZone);
  };
  const onGarbage = (line: number, reason: string) => sinkRef!.reject(line, reason);
  return {
    push(text, sink) {
      sinkRef = sink;
      stream.push(text, onRecord, onGarbage);
    },
    end(sink) {
      sinkRef = sink;
      stream.end(onGarbage);
    },
  };
}

function csvParser(firstLine: string, timeZone: string): FormatParser {
  const csv = new CsvStream(',');
  const header = isHeader(firstLine, ',');
  let roles: number[] | null = header ? null : columnRoles(NSS_DEFAULT_WEB_FIELDS);
  let sinkRef: ParseSink | null = null;
  const onRecord = (r: { fields: string[]; line: number }) => {
    if (roles === null) {
      roles = columnRoles(r.fields);
      return;
    }
    delimitedRow(r.fields, roles, r.line, sinkRef!, timeZone);
  };
  return {
    push(text, sink) {
      sinkRef = sink;
      csv.push(text, onRecord);
    },
    end(sink) {
      sinkRef = sink;
      csv.end(onRecord);
    },
  };
}

function tsvParser(firstLine: string, timeZone: string): FormatParser {
  let roles: number[] | null = isHeader(firstLine, '\t') ? null : columnRoles(NSS_DEFAULT_WEB_FIELDS);
  return lineParser((line, no, sink) => {
    if (roles === null) {
      roles = columnRoles(line.split('\t'));
      return;
    }
    let msg = line;
    // a syslog envelope ends at the first tab-separated field
    if (msg.charCodeAt(0) === 60 || monthAt0(msg)) {
      const env = stripSyslog(line);
      if (env.timestamp !== null || env.message.length < line.length) msg = env.message;
    }
    delimitedRow(msg.split('\t'), roles, no, sink, timeZone);
  });
}

function monthAt0(s: string): boolean {
  // Zscaler's own time field also starts with a weekday, so only the "Mmm dd hh" envelope counts
  return s.length > 15 && s.charCodeAt(3) === 32 && s.charCodeAt(9) === 58 && s.indexOf('\t') > 15;
}

function open(ctx: ParseContext): FormatParser {
  const tz = ctx.timeZone;
  return decideOnFirstLine((first) => {
    const t = first.trimStart();
    if (t.charCodeAt(0) === 91) return jsonArrayParser(tz);
    if (t.charCodeAt(0) === 123) return lineParser((l, n, s) => ndjsonLine(l, n, s, tz));
    const msg = stripSyslog(first).message;
    if (msg.indexOf('CEF:') >= 0) return lineParser((l, n, s) => cefLine(l, n, s, tz));
    if (msg.trimStart().charCodeAt(0) === 123) return lineParser((l, n, s) => ndjsonLine(l, n, s, tz));
    if (looksKv(msg)) return lineParser((l, n, s) => kvLine(l, n, s, tz));
    if (first.indexOf('\t') >= 0) return tsvParser(first, tz);
    return csvParser(first, tz);
  });
}

const ZSCALER_TIME_LEN = 'Fri Dec 31 07:07:07 2021'.length;

/** `Www Mmm dd hh:mm:ss yyyy` (day may be one digit), NSS's %s{time}. */
function isNssTime(s: string): boolean {
  const v = unquote(s.trim());
  if (v.length < ZSCALER_TIME_LEN - 1 || v.length > ZSCALER_TIME_LEN) return false;
  return (
    v.charCodeAt(3) === 32 && v.charCodeAt(7) === 32 && v.indexOf(':') > 8 && !Number.isNaN(parseDateTime(v, 'UTC'))
  );
}

function sniffJson(t: string): number {
  if (t.indexOf('"zscalernss-web"') >= 0) return 0.98;
  let known = 0;
  for (const k of [
    '"eurl"',
    '"urlcat"',
    '"reqsize"',
    '"respsize"',
    '"urlsupercat"',
    '"appclass"',
    '"urlclass"',
    '"login"',
  ])
    if (t.indexOf(k) >= 0) known++;
  return known >= 3 ? 0.85 : 0;
}

function sniffLine(line: string): number {
  const t = line.trimStart();
  if (t.indexOf('CEF:') >= 0 && t.indexOf('|') > 0) return 0;
  if (t.charCodeAt(0) === 123) return sniffJson(t);
  const msg = stripSyslog(line).message;
  if (looksKv(msg)) {
    if (msg.indexOf('vendor=Zscaler') >= 0 || msg.indexOf('product=NSS') >= 0) return 0.95;
    const distinctive = kvNames(msg)[1];
    return distinctive >= 3 ? 0.85 : distinctive >= 2 ? 0.4 : 0;
  }
  const delimiter = line.indexOf('\t') >= 0 ? '\t' : ',';
  if (isHeader(line, delimiter)) {
    let distinctive = 0;
    const roles = new Set<number>();
    for (const f of line.split(delimiter)) {
      const name = unquote(f.trim()).toLowerCase();
      if (DISTINCTIVE.has(name)) distinctive++;
      roles.add(roleOf(name));
    }
    if (distinctive >= 2) return 0.85;
    // Generic names only (time, user, url, action…): a weak claim, and only when this parser would find a time and a
    // destination in every row. Any other CSV with a header is better served by a custom column mapping than by
    // rows rejected for "no time field" (before, a header of three generic names was enough).
    const timed = roles.has(R.Time) || roles.has(R.Epoch);
    const bound = roles.has(R.Url) || roles.has(R.Host) || roles.has(R.RemoteIp);
    return timed && bound ? 0.3 : 0;
  }
  const fields = delimiter === '\t' ? line.split('\t') : line.split('","');
  if (fields.length >= 20 && isNssTime(fields[0].replace(/^"/, ''))) return 0.75;
  return 0;
}

export const zscalerNssFormat: FormatDefinition = {
  id: 'zscaler-nss',
  label: 'Zscaler NSS web log (JSON, name=value, CSV/TSV feed templates)',
  usesLocalTime: true,
  // NSS web logs carry no client port or process, and no stable device id
  missingFields: ['deviceId', 'process'],
  sniff(head) {
    try {
      const start = head.trimStart().charCodeAt(0);
      // a pretty-printed array spreads one record over many lines
      if (start === 91 || start === 123) return sniffJson(head.slice(0, 65536));
      let best = 0;
      for (const line of headLines(head, 3)) best = Math.max(best, sniffLine(line));
      return best;
    } catch {
      return 0;
    }
  },
  open,
};
