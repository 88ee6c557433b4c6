/**
 * ArcSight Common Event Format (CEF), one event per line, syslog envelope
 * tolerated: `CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension`.
 *
 * Escaping: in the header `\|` and `\\`; in extension values `\=`, `\\`, `\n`,
 * `\r` (and `\|`, which some producers write although the spec does not ask for
 * it). A value runs until the next ` key=`; an `=` that is not preceded by a
 * space-delimited key token (URL queries from producers that do not escape) stays
 * in the value.
 *
 * Bytes: the CEF spec defines `in` (bytesIn) as data "flowing from source to
 * destination" and `out` as data flowing back. The appliances that matter for
 * cloud discovery do the opposite and describe the client's side of the
 * transaction: Zscaler's NSS CEF template writes `in=respsize out=reqsize`,
 * FortiGate writes `out=sentbyte in=rcvdbyte`, PAN-OS `out=bytes_sent
 * in=bytes_received`, and Microsoft's CommonSecurityLog names them ReceivedBytes
 * (`in`) and SentBytes (`out`). We follow the vendors: bytesUp = out (sent by the
 * source), bytesDown = in (received by the source). Elastic's decode_cef follows
 * the spec wording instead (out -> destination.bytes), so byte columns are
 * expected to differ from its golden output.
 *
 * Time: `rt`, then FortiGate's `FTNTFGTeventtime`, `start`, `end`, then the
 * syslog envelope. rt may be epoch ms or "MMM dd [yyyy] HH:mm:ss[.SSS] [zone]";
 * a zone-less date is local time of the producer (ctx.timeZone).
 */
import { emptyEvent, type NetworkEvent } from '../domain/event';
import { LineSplitter } from './lines';
import { type SyslogEnvelope, stripSyslog, syslogTime } from './syslog';
import {
  clean,
  cleanIp,
  headLines,
  hostFromUrl,
  isBlank,
  isBlockedAction,
  normalizeHost,
  parseDateTime,
  placeHost,
  toCount,
  toPort,
} from './syslog-values';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

export { sentinelCslFormat } from './cef-sentinel';

export interface CefRecord {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  /** Extension keys as written (short or full names), values unescaped. */
  ext: Map<string, string>;
}

function isEscaped(s: string, at: number, from: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= from && s.charCodeAt(i) === 92; i--) n++;
  return (n & 1) === 1;
}

function unescapeHeader(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && (s[i + 1] === '|' || s[i + 1] === '\\')) {
      out += s[i + 1];
      i++;
    } else out += c;
  }
  return out;
}

function unescapeValue(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const d = s[i + 1];
    if (d === '=' || d === '\\' || d === '|') out += d;
    else if (d === 'n') out += '\n';
    else if (d === 'r') out += '\r';
    else {
      out += c;
      continue;
    }
    i++;
  }
  return out;
}

/** Key chars: identifier chars plus . [ ] , - (dotted, indexed and Elastic's comma keys). */
const KEY_CHAR = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.[],-') KEY_CHAR[ch.charCodeAt(0)] = 1;

/**
 * If a key (identifier chars, possibly dotted, indexed or - Elastic's sample -
 * with a comma) followed by `=` starts at `from`, the index of that `=`; else -1.
 * A backslash is not a key char, so an escaped `\=` never ends a key.
 */
function keyEnd(s: string, from: number): number {
  const n = s.length;
  let i = from;
  let c = 0;
  while (i < n) {
    c = s.charCodeAt(i);
    if (c >= 128 || KEY_CHAR[c] !== 1) break;
    i++;
  }
  return i > from && i < n && c === 61 && i - from <= 100 ? i : -1;
}

/**
 * Parses `key=value key2=value two` pairs (the CEF extension grammar; also used
 * for space-separated key=value feeds). A value ends at the space before the next
 * `key=` token, so values keep their inner spaces and any `=` that does not follow
 * a key-like token. One forward pass: each space is tested once for a following
 * key. `cefEscapes` applies CEF value escapes.
 */
export function parseKeyValues(s: string, out: Map<string, string>, cefEscapes = true): void {
  const n = s.length;
  // skip anything before the first key=
  let ks = 0;
  for (;;) {
    while (ks < n && s.charCodeAt(ks) === 32) ks++;
    if (ks >= n) return;
    if (keyEnd(s, ks) > 0) break;
    const sp = s.indexOf(' ', ks);
    if (sp < 0) return;
    ks = sp + 1;
  }
  for (;;) {
    const eq = keyEnd(s, ks);
    const key = s.slice(ks, eq);
    const vs = eq + 1;
    let valueEnd = n;
    let next = -1;
    let p = vs;
    for (;;) {
      const sp = s.indexOf(' ', p);
      if (sp < 0) break;
      let q = sp + 1;
      while (q < n && s.charCodeAt(q) === 32) q++;
      if (q < n && keyEnd(s, q) > 0) {
        valueEnd = sp;
        next = q;
        break;
      }
      p = q;
    }
    let ve = valueEnd;
    while (ve > vs && s.charCodeAt(ve - 1) === 32) ve--;
    const raw = s.slice(vs, ve);
    out.set(key, cefEscapes && raw.indexOf('\\') >= 0 ? unescapeValue(raw) : raw);
    if (next < 0) return;
    ks = next;
  }
}

/** Parses text starting with `CEF:`; null when the header is incomplete. */
export function parseCef(text: string): CefRecord | null {
  if (!text.startsWith('CEF:')) return null;
  const parts: string[] = [];
  let start = 4;
  for (let k = 0; k < 7; k++) {
    let bar = text.indexOf('|', start);
    while (bar >= 0 && isEscaped(text, bar, start)) bar = text.indexOf('|', bar + 1);
    if (bar < 0) {
      // tolerate a missing final '|' when the extension is empty
      if (k === 6 && text.length > start) {
        parts.push(unescapeHeader(text.slice(start)));
        start = text.length;
        break;
      }
      return null;
    }
    parts.push(unescapeHeader(text.slice(start, bar)));
    start = bar + 1;
  }
  const ext = new Map<string, string>();
  if (start < text.length) parseKeyValues(text.slice(start), ext, true);
  return {
    // FortiOS documents "CEF: 0|..." with a space
    version: parts[0].trim(),
    vendor: parts[1],
    product: parts[2],
    deviceVersion: parts[3],
    signatureId: parts[4],
    name: parts[5],
    severity: parts[6],
    ext,
  };
}

/** Short key and its full-name alias (producers use either). */
function get(ext: Map<string, string>, short: string, full: string): string | null {
  return clean(ext.get(short) ?? ext.get(full));
}

const SLOTS = [
  'cs1',
  'cs2',
  'cs3',
  'cs4',
  'cs5',
  'cs6',
  'cn1',
  'cn2',
  'cn3',
  'flexString1',
  'flexString2',
  'deviceCustomString1',
  'deviceCustomString2',
  'deviceCustomString3',
  'deviceCustomString4',
  'deviceCustomString5',
  'deviceCustomString6',
];
const SLOT_LABELS = SLOTS.map((s) => `${s}Label`);

const LABEL_USER = ['login', 'user', 'username', 'user name', 'userprincipalname', 'upn', 'deviceowner'];
const LABEL_HOST = ['ehost', 'host', 'hostname', 'domain', 'fqdn', 'server name', 'servername', 'sni'];
const LABEL_URL = ['eurl', 'url', 'full url'];
const LABEL_DEVICE = ['devicehostname', 'device hostname', 'devicename', 'device name', 'client hostname', 'computer'];

/**
 * First value among the custom slots (cs1..cs6, cn1..cn3, flexString1..2)
 * whose label is one of `names`: vendors put users and hosts there (Zscaler's
 * templates are customer-editable). Only consulted when the standard keys are empty.
 */
function fromLabels(ext: Map<string, string>, names: readonly string[]): string | null {
  for (let i = 0; i < SLOTS.length; i++) {
    const label = ext.get(SLOT_LABELS[i]);
    if (label === undefined) continue;
    if (!names.includes(label.trim().toLowerCase())) continue;
    const v = clean(ext.get(SLOTS[i]));
    if (v !== null) return v;
  }
  return null;
}

/** Event time of a CEF record (UTC ms) or NaN. */
export function cefTime(rec: CefRecord, env: SyslogEnvelope | null, timeZone: string): number {
  const ext = rec.ext;
  const candidates = [
    ext.get('rt') ?? ext.get('receiptTime'),
    ext.get('FTNTFGTeventtime'),
    ext.get('start') ?? ext.get('startTime'),
    ext.get('end') ?? ext.get('endTime'),
  ];
  for (const c of candidates) {
    const v = clean(c);
    if (v === null) continue;
    const t = parseDateTime(v, timeZone);
    if (!Number.isNaN(t)) return t;
  }
  return env ? syslogTime(env, timeZone) : Number.NaN;
}

/**
 * Maps one CEF record to an event, or returns the reason it is skipped
 * (a valid record that is not an outbound transaction) or rejected.
 */
export function cefToEvent(
  rec: CefRecord,
  env: SyslogEnvelope | null,
  timeZone: string,
): NetworkEvent | { skip: string } | { reject: string } {
  const ext = rec.ext;
  const request = get(ext, 'request', 'requestUrl') ?? fromLabels(ext, LABEL_URL);
  const dhost = normalizeHost(get(ext, 'dhost', 'destinationHostName') ?? fromLabels(ext, LABEL_HOST));
  const dst = cleanIp(get(ext, 'dst', 'destinationAddress'));
  const partial = { host: null as string | null, remoteIp: dst };
  placeHost(partial, dhost);
  if (partial.host === null && request !== null) placeHost(partial, hostFromUrl(request));
  if (partial.host === null) placeHost(partial, normalizeHost(clean(ext.get('destinationDnsDomain'))));
  if (partial.host === null && partial.remoteIp === null) return { skip: 'no destination (not a network transaction)' };

  const time = cefTime(rec, env, timeZone);
  if (Number.isNaN(time)) return { reject: 'no readable event time (rt/start/end or syslog timestamp)' };

  const e = emptyEvent(time);
  e.host = partial.host;
  e.remoteIp = partial.remoteIp;
  e.remotePort = toPort(get(ext, 'dpt', 'destinationPort'));
  e.url = request;
  // FortiGate writes the path only (request=/bizsquads) next to dhost
  if (request !== null && request.charCodeAt(0) === 47 && e.host !== null) {
    const app = (get(ext, 'app', 'applicationProtocol') ?? '').toUpperCase();
    e.url = `${app === 'HTTPS' || e.remotePort === 443 ? 'https' : 'http'}://${e.host}${request}`;
  }
  e.localIp = cleanIp(get(ext, 'src', 'sourceAddress'));
  const fortinet = rec.vendor === 'Fortinet';
  e.user =
    get(ext, 'suser', 'sourceUserName') ??
    fromLabels(ext, LABEL_USER) ??
    // FortiGate puts the session's user in duser
    (fortinet ? (get(ext, 'duser', 'destinationUserName') ?? clean(ext.get('FTNTFGTunauthuser'))) : null);
  e.deviceName = get(ext, 'shost', 'sourceHostName') ?? fromLabels(ext, LABEL_DEVICE);
  e.process = get(ext, 'sproc', 'sourceProcessName');
  e.bytesUp = toCount(ext.get('out') ?? ext.get('bytesOut'));
  e.bytesDown = toCount(ext.get('in') ?? ext.get('bytesIn'));
  const act = get(ext, 'act', 'deviceAction');
  const outcome = get(ext, 'outcome', 'eventOutcome');
  if (isBlockedAction(act) || (act === null && isBlockedAction(outcome))) e.action = 'blocked';
  return e;
}

/** Handles one CEF line (envelope allowed), reporting it to the sink. */
export function cefLine(line: string, lineNo: number, sink: ParseSink, timeZone: string): void {
  const env = stripSyslog(line);
  const at = env.message.indexOf('CEF:');
  if (at < 0) {
    sink.reject(lineNo, 'not a CEF line');
    return;
  }
  const rec = parseCef(at === 0 ? env.message : env.message.slice(at));
  if (rec === null) {
    sink.reject(lineNo, 'incomplete CEF header (fewer than 7 fields)');
    return;
  }
  const r = cefToEvent(rec, env, timeZone);
  if ('skip' in r) sink.skip(lineNo, r.skip);
  else if ('reject' in r) sink.reject(lineNo, r.reject);
  else sink.event(r);
}

function openCef(ctx: ParseContext): FormatParser {
  const lines = new LineSplitter();
  const tz = ctx.timeZone;
  return {
    push(text, sink) {
      lines.push(text, (line, no) => {
        if (!isBlank(line)) cefLine(line, no, sink, tz);
      });
    },
    end(sink) {
      lines.end((line, no) => {
        if (!isBlank(line)) cefLine(line, no, sink, tz);
      });
    },
  };
}

/** Share of the head's first lines (up to `max` non-blank) that satisfy `test`. */
export function lineShare(head: string, test: (line: string) => boolean, max = 20): number {
  const lines = headLines(head, max);
  if (lines.length === 0) return 0;
  let hit = 0;
  for (const l of lines) if (test(l)) hit++;
  return hit / lines.length;
}

function looksCef(line: string): boolean {
  const at = line.indexOf('CEF:');
  if (at < 0 || at > 300) return false;
  let bars = 0;
  for (let i = line.indexOf('|', at); i >= 0 && bars < 7; i = line.indexOf('|', i + 1)) bars++;
  return bars >= 6;
}

export const cefFormat: FormatDefinition = {
  id: 'cef',
  label: 'CEF (ArcSight Common Event Format) over syslog — Zscaler, FortiGate, Menlo and others',
  usesLocalTime: true,
  // CEF has slots for every field, but deviceId has no standard key
  missingFields: ['deviceId', 'eventKey'],
  sniff(head) {
    try {
      const share = lineShare(head, looksCef);
      return share === 0 ? 0 : 0.5 + 0.45 * share;
    } catch {
      return 0;
    }
  },
  open: openCef,
};
