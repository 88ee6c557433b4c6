/**
 * Palo Alto Networks PAN-OS logs in the firewall's CSV syslog format (TRAFFIC and
 * THREAT/url), syslog envelope tolerated, and the web interface's CSV export of
 * the same logs (which has a header row and is read by column name).
 *
 * Syslog lines have no header, so fields are read by PAN-OS's documented
 * position (the same in 8.x to 11.x; newer versions only append fields, and any
 * tail length is accepted). 0-based positions after the syslog envelope:
 *   1 receive time, 2 serial, 3 type, 4 subtype, 6 generated time, 7 source IP,
 *   8 destination IP, 12 source user, 25 destination port, 30 action;
 *   TRAFFIC: 32 bytes sent, 33 bytes received, 39 sequence number;
 *   THREAT: 31 URL/filename, 36 sequence number.
 * Times are the firewall's local wall clock (ctx.timeZone), except that the
 * "high resolution timestamp" newer versions append (ISO 8601 with offset) is
 * used when present.
 *
 * Rows: TRAFFIC -> event (session start logs are skipped: the end log of the same
 * session carries the final byte counts); THREAT url -> event with the URL's host
 * and no byte counts; other THREAT subtypes (virus, spyware, file, ...) and other
 * log types (SYSTEM, CONFIG, ...) are skipped with a reason. Action deny, drop*,
 * reset-*, block-* and sinkhole, or a deny/drop subtype, make the event blocked.
 */
import { emptyEvent } from '../domain/event';
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
  parseDateTime,
  placeHost,
  splitUrlAuthority,
  toCount,
  toPort,
} from './syslog-values';
import { parseIsoTime } from './time';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

const LOG_TYPES = new Set([
  'TRAFFIC',
  'THREAT',
  'SYSTEM',
  'CONFIG',
  'HIP-MATCH',
  'GLOBALPROTECT',
  'USERID',
  'AUTH',
  'DECRYPTION',
  'TUNNEL',
  'SCTP',
  'IPTAG',
  'CORRELATION',
  'GTP',
  'URL',
  'DATA',
  'WILDFIRE',
]);

/** Column of each field we read; -1 when absent (header exports). */
interface Columns {
  recv: number;
  serial: number;
  type: number;
  subtype: number;
  gen: number;
  src: number;
  dst: number;
  user: number;
  dport: number;
  action: number;
  sent: number;
  rcvd: number;
  misc: number;
  seq: number;
  hires: number;
}

const SYSLOG_TRAFFIC: Columns = {
  recv: 1,
  serial: 2,
  type: 3,
  subtype: 4,
  gen: 6,
  src: 7,
  dst: 8,
  user: 12,
  dport: 25,
  action: 30,
  sent: 32,
  rcvd: 33,
  misc: -1,
  seq: 39,
  hires: -1,
};

const SYSLOG_THREAT: Columns = { ...SYSLOG_TRAFFIC, sent: -1, rcvd: -1, misc: 31, seq: 36 };

/** Header names of the web interface export, lowercased without spaces and punctuation. */
const HEADER_NAMES: Record<string, keyof Columns> = {
  receivetime: 'recv',
  serial: 'serial',
  serialnumber: 'serial',
  type: 'type',
  threatcontenttype: 'subtype',
  contenttype: 'subtype',
  subtype: 'subtype',
  generatetime: 'gen',
  generatedtime: 'gen',
  timegenerated: 'gen',
  sourceaddress: 'src',
  sourceip: 'src',
  source: 'src',
  destinationaddress: 'dst',
  destinationip: 'dst',
  destination: 'dst',
  sourceuser: 'user',
  destinationport: 'dport',
  action: 'action',
  bytessent: 'sent',
  bytesreceived: 'rcvd',
  url: 'misc',
  urlfilename: 'misc',
  misc: 'misc',
  sequencenumber: 'seq',
  highresolutiontimestamp: 'hires',
  highrestimestamp: 'hires',
};

function normName(h: string): string {
  let out = '';
  const s = h.toLowerCase();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) out += s[i];
  }
  return out;
}

function headerColumns(fields: string[]): Columns | null {
  const cols: Columns = {
    recv: -1,
    serial: -1,
    type: -1,
    subtype: -1,
    gen: -1,
    src: -1,
    dst: -1,
    user: -1,
    dport: -1,
    action: -1,
    sent: -1,
    rcvd: -1,
    misc: -1,
    seq: -1,
    hires: -1,
  };
  fields.forEach((f, i) => {
    const role = HEADER_NAMES[normName(f)];
    if (role !== undefined && cols[role] < 0) cols[role] = i;
  });
  return cols.recv >= 0 && (cols.src >= 0 || cols.dst >= 0) ? cols : null;
}

/** Splits one CSV line; quotes are rare (THREAT URLs), so the plain split is the fast path. */
export function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i <= n) {
    if (line.charCodeAt(i) === 34) {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) {
          v += line.slice(j);
          j = n;
          break;
        }
        v += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          v += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      const comma = line.indexOf(',', j);
      out.push(v);
      if (comma < 0) break;
      i = comma + 1;
      if (i === n) {
        out.push('');
        break;
      }
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
      if (i === n) {
        out.push('');
        break;
      }
    }
  }
  return out;
}

function isIsoWithZone(f: string): boolean {
  const n = f.length;
  if (n < 20 || n > 35 || f.charCodeAt(4) !== 45 || f.charCodeAt(10) !== 84) return false;
  const z = f.charCodeAt(n - 1);
  const sign = f.charCodeAt(n - 6);
  return z === 90 || ((sign === 43 || sign === 45) && f.charCodeAt(n - 3) === 58);
}

function at(fields: string[], i: number): string | null {
  return i >= 0 && i < fields.length ? clean(fields[i]) : null;
}

/** Re-aligns fields when a collector added or dropped leading fields before the PAN-OS CSV. */
function align(fields: string[]): string[] | null {
  if (fields.length > 3 && LOG_TYPES.has(fields[3])) return fields;
  const limit = Math.min(fields.length, 12);
  for (let k = 0; k < limit; k++) {
    if (!LOG_TYPES.has(fields[k])) continue;
    if (k > 3) return fields.slice(k - 3);
    const pad: string[] = new Array(3 - k).fill('');
    return pad.concat(fields);
  }
  return null;
}

function row(fields: string[], cols: Columns | null, line: number, sink: ParseSink, timeZone: string): void {
  let c = cols;
  let f = fields;
  if (c === null) {
    const aligned = align(fields);
    if (aligned === null) {
      sink.reject(line, 'not a PAN-OS CSV log line (no log type in field 4)');
      return;
    }
    f = aligned;
  }
  const type = c ? (at(f, c.type)?.toUpperCase() ?? (c.sent >= 0 ? 'TRAFFIC' : 'THREAT')) : f[3];
  if (type !== 'TRAFFIC' && type !== 'THREAT') {
    sink.skip(line, `PAN-OS ${type} log (not a transaction)`);
    return;
  }
  const subtype = (c ? at(f, c.subtype) : clean(f[4]))?.toLowerCase() ?? '';
  if (c === null) c = type === 'TRAFFIC' ? SYSLOG_TRAFFIC : SYSLOG_THREAT;
  if (type === 'TRAFFIC' && subtype === 'start') {
    sink.skip(line, 'session start log (the end log carries the final counts)');
    return;
  }
  if (type === 'THREAT' && subtype !== 'url' && subtype !== '') {
    sink.skip(line, `threat log "${subtype}" (an alert, not a transaction)`);
    return;
  }
  const minFields = type === 'TRAFFIC' ? c.rcvd : c.misc;
  if (cols === null && f.length <= minFields) {
    sink.reject(line, `truncated ${type} line (${f.length} fields)`);
    return;
  }
  const partial = { host: null as string | null, remoteIp: cleanIp(at(f, c.dst)) };
  const url = type === 'THREAT' ? at(f, c.misc) : null;
  const auth = url !== null ? splitUrlAuthority(url) : null;
  if (auth !== null) placeHost(partial, auth.host);
  if (partial.host === null && partial.remoteIp === null) {
    sink.skip(line, 'no destination');
    return;
  }
  let time = Number.NaN;
  let hires = c.hires >= 0 ? at(f, c.hires) : null;
  if (hires === null && cols === null) {
    // newer PAN-OS appends a high resolution timestamp; its position moved between versions
    for (let i = f.length - 1; i > 40; i--) {
      if (isIsoWithZone(f[i])) {
        hires = f[i];
        break;
      }
    }
  }
  if (hires !== null) time = parseIsoTime(hires, timeZone);
  if (Number.isNaN(time)) {
    const gen = at(f, c.gen) ?? at(f, c.recv);
    if (gen !== null) time = parseDateTime(gen, timeZone);
  }
  if (Number.isNaN(time)) {
    sink.reject(line, 'unreadable generated/receive time');
    return;
  }
  const e = emptyEvent(time);
  e.host = partial.host;
  e.remoteIp = partial.remoteIp;
  e.remotePort = toPort(at(f, c.dport));
  e.url = url;
  e.localIp = cleanIp(at(f, c.src));
  e.user = at(f, c.user);
  if (type === 'TRAFFIC') {
    e.bytesUp = toCount(at(f, c.sent));
    e.bytesDown = toCount(at(f, c.rcvd));
  }
  if (isBlockedAction(at(f, c.action)) || subtype === 'deny' || subtype === 'drop') e.action = 'blocked';
  const serial = at(f, c.serial);
  const seq = at(f, c.seq);
  if (serial !== null && seq !== null && toCount(seq) !== null) e.eventKey = `panos|${serial}|${type}|${seq}`;
  sink.event(e);
}

function syslogLine(line: string, no: number, sink: ParseSink, timeZone: string): void {
  const msg = stripSyslog(line).message;
  row(splitCsvLine(msg), null, no, sink, timeZone);
}

function isHeaderLine(line: string): boolean {
  const n = normName(line.slice(0, 200));
  return n.indexOf('receivetime') >= 0 && (n.indexOf('type') >= 0 || n.indexOf('serial') >= 0);
}

function open(ctx: ParseContext): FormatParser {
  const tz = ctx.timeZone;
  return decideOnFirstLine((first) => {
    if (isHeaderLine(first)) {
      const csv = new CsvStream(',');
      let cols: Columns | null | undefined;
      let sinkRef: ParseSink | null = null;
      const onRecord = (r: { fields: string[]; line: number }) => {
        if (cols === undefined) {
          cols = headerColumns(r.fields);
          return;
        }
        if (cols === null) sinkRef!.reject(r.line, 'CSV header has no Receive Time / address columns');
        else row(r.fields, cols, r.line, sinkRef!, tz);
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
    const lines = new LineSplitter();
    return {
      push(text, sink) {
        lines.push(text, (l, n) => {
          if (!isBlank(l)) syslogLine(l, n, sink, tz);
        });
      },
      end(sink) {
        lines.end((l, n) => {
          if (!isBlank(l)) syslogLine(l, n, sink, tz);
        });
      },
    };
  });
}

function sniffLine(line: string): boolean {
  if (line.indexOf('CEF:') >= 0) return false;
  const msg = stripSyslog(line).message;
  let commas = 0;
  let end = 0;
  for (let i = msg.indexOf(','); i >= 0 && commas < 8; i = msg.indexOf(',', i + 1)) {
    commas++;
    end = i;
  }
  if (commas < 8) return false;
  const f = align(msg.slice(0, end).split(','));
  if (f === null) return false;
  const recv = f[1] ?? '';
  return recv.length >= 10 && recv.charCodeAt(4) === 47 && recv.charCodeAt(7) === 47;
}

export const panosFormat: FormatDefinition = {
  id: 'panos',
  label: 'Palo Alto PAN-OS traffic / URL logs (syslog CSV or web export)',
  usesLocalTime: true,
  // no hostnames in TRAFFIC logs and no byte counts in URL logs: those are per row, not per format
  missingFields: ['deviceId', 'deviceName', 'process'],
  sniff(head) {
    try {
      const lines = headLines(head, 10);
      if (lines.length === 0) return 0;
      if (isHeaderLine(lines[0])) return normName(lines[0]).indexOf('threatcontenttype') >= 0 ? 0.9 : 0.6;
      let hit = 0;
      for (const l of lines) if (sniffLine(l)) hit++;
      return hit === 0 ? 0 : 0.5 + 0.45 * (hit / lines.length);
    } catch {
      return 0;
    }
  },
  open,
};
