/**
 * Fortinet FortiGate (FortiOS) key=value syslog, as sent by the firewall
 * (`<189>date=2020-04-23 time=12:17:48 devname="fw" ... type="traffic" ...`) or
 * written by a collector (syslog envelope tolerated), FortiAnalyzer/FortiManager
 * variants included (`log_id=`, `device_id=`, `dst_port=`).
 *
 * Values are unquoted (up to the next space) or double-quoted with `\"` and `\\`
 * escapes. Time: `eventtime` (epoch in s, ms, µs or ns depending on FortiOS
 * version), else `date` + `time` in the log's `tz` ("-0500", "+01:00",
 * "UTC-5:00") when present, else in ctx.timeZone.
 *
 * Rows: type=traffic (except subtype=local, traffic to or from the firewall
 * itself) and type=utm (except subtype=dns: a lookup, whose connection is logged
 * as traffic) become events; event/system/vpn/... logs are skipped with a reason.
 * srcip -> localIp, dstip -> remoteIp, dstport -> remotePort, hostname -> host,
 * url (a path in webfilter logs) -> url with the host prepended, user or
 * unauthuser -> user, srcname -> deviceName, sentbyte -> bytesUp, rcvdbyte ->
 * bytesDown. action or utmaction deny/block/blocked/drop/reset -> blocked.
 */
import { emptyEvent } from '../domain/event';
import { LineSplitter } from './lines';
import { stripSyslog } from './syslog';
import {
  clean,
  cleanIp,
  headLines,
  isBlank,
  isBlockedAction,
  normalizeHost,
  parseDateTime,
  parseUtcOffset,
  placeHost,
  toCount,
  toPort,
} from './syslog-values';
import { epochToMs, wallClockToUtc } from './time';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

const KEY_CHAR = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.') KEY_CHAR[ch.charCodeAt(0)] = 1;

/**
 * Reads FortiOS key=value pairs into `out`. Returns the number of pairs. Keys
 * are identifiers; a token without `=` is ignored (never thrown on).
 */
export function parseFortiKv(s: string, out: Map<string, string>): number {
  const n = s.length;
  let i = 0;
  let pairs = 0;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    const ks = i;
    let c = 0;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c >= 128 || KEY_CHAR[c] !== 1) break;
      i++;
    }
    if (i >= n || c !== 61 || i === ks) {
      // not a key: skip this token
      const sp = s.indexOf(' ', i);
      if (sp < 0) break;
      i = sp + 1;
      continue;
    }
    const key = s.slice(ks, i);
    i++; // '='
    let value: string;
    if (s.charCodeAt(i) === 34) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) {
          j = n;
          break;
        }
        let bs = 0;
        for (let k = q - 1; k > i && s.charCodeAt(k) === 92; k--) bs++;
        if ((bs & 1) === 1) {
          escaped = true;
          j = q + 1;
          continue;
        }
        j = q;
        break;
      }
      value = s.slice(i + 1, j);
      if (escaped || value.indexOf('\\\\') >= 0) value = value.replace(/\\(["\\])/g, '$1');
      i = j + 1;
    } else {
      const sp = s.indexOf(' ', i);
      const e = sp < 0 ? n : sp;
      value = s.slice(i, e);
      i = e;
    }
    out.set(key, value);
    pairs++;
  }
  return pairs;
}

function v(kv: Map<string, string>, key: string): string | null {
  return clean(kv.get(key));
}

/** FortiOS date "2020-04-23" and time "12:17:48" in a zone given as offset minutes or IANA name. */
function dateTime(date: string, time: string, offset: number | null, timeZone: string): number {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || time.length < 8)
    return parseDateTime(`${date} ${time}`, timeZone);
  const y = toCount(date.slice(0, 4));
  const mo = toCount(date.slice(5, 7));
  const d = toCount(date.slice(8, 10));
  const h = toCount(time.slice(0, 2));
  const mi = toCount(time.slice(3, 5));
  const s = toCount(time.slice(6, 8));
  if (y === null || mo === null || d === null || h === null || mi === null || s === null) return Number.NaN;
  if (offset !== null) return wallClockToUtc(y, mo, d, h, mi, s, 0, 'UTC') - offset * 60_000;
  return wallClockToUtc(y, mo, d, h, mi, s, 0, timeZone);
}

/** An epoch in plain digits, up to nanoseconds (19-20 digits, beyond toCount's range). */
function epochNumber(s: string | undefined): number | null {
  if (s === undefined || s.length === 0 || s.length > 20) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
}

/** Event time of a FortiOS log (UTC ms) or NaN. */
export function fortiTime(kv: Map<string, string>, timeZone: string): number {
  const et = epochNumber(kv.get('eventtime'));
  if (et !== null && et > 0) return Math.floor(epochToMs(et));
  const date = v(kv, 'date');
  const time = v(kv, 'time');
  if (date !== null && time !== null) return dateTime(date, time, parseUtcOffset(v(kv, 'tz')), timeZone);
  const ts = epochNumber(kv.get('timestamp') ?? kv.get('itime'));
  if (ts !== null && ts > 0) return Math.floor(epochToMs(ts));
  return Number.NaN;
}

function line(text: string, no: number, sink: ParseSink, timeZone: string): void {
  const msg = stripSyslog(text).message;
  const kv = new Map<string, string>();
  if (parseFortiKv(msg, kv) === 0) {
    sink.reject(no, 'no key=value fields');
    return;
  }
  const type = v(kv, 'type');
  if (type === null) {
    sink.skip(no, 'no log type (not a traffic or UTM log)');
    return;
  }
  const subtype = v(kv, 'subtype') ?? '';
  if (type !== 'traffic' && type !== 'utm') {
    sink.skip(no, `${type}${subtype ? `/${subtype}` : ''} log (not traffic)`);
    return;
  }
  if (type === 'traffic' && subtype === 'local') {
    sink.skip(no, 'local traffic (to or from the firewall itself)');
    return;
  }
  if (type === 'utm' && subtype === 'dns') {
    sink.skip(no, 'DNS lookup (its connection is logged as traffic)');
    return;
  }
  const partial = { host: null as string | null, remoteIp: cleanIp(v(kv, 'dstip')) };
  const hostname = normalizeHost(v(kv, 'hostname'));
  placeHost(partial, hostname);
  if (partial.host === null && partial.remoteIp === null) {
    sink.skip(no, 'no destination');
    return;
  }
  const time = fortiTime(kv, timeZone);
  if (Number.isNaN(time)) {
    sink.reject(no, 'no readable eventtime or date/time');
    return;
  }
  const e = emptyEvent(time);
  e.host = partial.host;
  e.remoteIp = partial.remoteIp;
  e.remotePort = toPort(kv.get('dstport') ?? kv.get('dst_port'));
  const path = v(kv, 'url');
  if (path !== null) {
    if (path.charCodeAt(0) === 47 && e.host !== null) {
      const svc = (v(kv, 'service') ?? '').toUpperCase();
      const scheme = svc === 'HTTPS' || e.remotePort === 443 ? 'https' : 'http';
      e.url = `${scheme}://${e.host}${path}`;
    } else e.url = path;
  }
  e.localIp = cleanIp(v(kv, 'srcip'));
  e.user = v(kv, 'user') ?? v(kv, 'unauthuser');
  e.deviceName = v(kv, 'srcname');
  e.bytesUp = toCount(kv.get('sentbyte'));
  e.bytesDown = toCount(kv.get('rcvdbyte'));
  if (isBlockedAction(v(kv, 'action')) || isBlockedAction(v(kv, 'utmaction'))) e.action = 'blocked';
  sink.event(e);
}

function open(ctx: ParseContext): FormatParser {
  const lines = new LineSplitter();
  const tz = ctx.timeZone;
  return {
    push(text, sink) {
      lines.push(text, (l, n) => {
        if (!isBlank(l)) line(l, n, sink, tz);
      });
    },
    end(sink) {
      lines.end((l, n) => {
        if (!isBlank(l)) line(l, n, sink, tz);
      });
    },
  };
}

function has(line: string, key: string): boolean {
  // key at the start or after a space, so CEF's FTNTFGTlogid= does not count
  const i = line.indexOf(`${key}=`);
  if (i < 0) return false;
  if (i === 0) return true;
  const c = line.charCodeAt(i - 1);
  return c === 32 || c === 62;
}

function sniffLine(line: string): number {
  if (line.indexOf('CEF:') >= 0) return 0;
  let score = 0;
  if (has(line, 'logid') || has(line, 'log_id')) score += 0.35;
  if (has(line, 'type') && has(line, 'subtype')) score += 0.3;
  if (has(line, 'devid') || has(line, 'device_id') || has(line, 'devname')) score += 0.2;
  if (has(line, 'eventtime') || (has(line, 'date') && has(line, 'time'))) score += 0.1;
  return score;
}

export const fortigateFormat: FormatDefinition = {
  id: 'fortigate',
  label: 'Fortinet FortiGate key=value syslog (traffic and UTM logs)',
  usesLocalTime: true,
  missingFields: ['deviceId', 'process', 'eventKey'],
  sniff(head) {
    try {
      const lines = headLines(head, 10);
      if (lines.length === 0) return 0;
      let sum = 0;
      for (const l of lines) sum += sniffLine(l);
      return Math.min(0.95, sum / lines.length);
    } catch {
      return 0;
    }
  },
  open,
};
