/**
 * W3C Extended Log File Format and its extensions (ELFF: Blue Coat/Symantec
 * ProxySG, Microsoft IIS, Forefront TMG, Cisco WSA W3C logs).
 *
 * Every `#Fields:` directive is obeyed, including one in the middle of a file: the
 * column map changes from that line on. Values are separated by spaces (quoted when
 * they hold spaces), or by tabs when the `#Fields:` line itself is tab-separated (TMG).
 *
 * Time: per the W3C draft, `date`/`time` are UTC. We hold to that when the file
 * carries a UTC marker — a `#Date:`/`#Start-Date:` directive — or the column is
 * Blue Coat's `gmttime`; a file without one takes the import's time zone (UTC by
 * default), as does Blue Coat's `localtime` when its value has no offset. `timestamp`
 * (Unix seconds) is UTC.
 *
 * Fields: localIp = c-ip; user = cs-username (else cs-userdn); host = cs-host, else the
 * Host header, r-host, r-dns or the host of cs-uri; remoteIp = r-ip, else
 * r-supplier-ip/s-supplier-ip, else an IP-literal host (s-ip is the logging server —
 * the proxy itself — and is used only for IIS, where that server is the remote);
 * bytesUp = cs-bytes, bytesDown = sc-bytes.
 * action: 'blocked' when s-action or sc-result-code contains DENIED, sc-filter-result is
 * DENIED, x-exception-id is a *denied exception (policy_denied, content_filter_denied —
 * how ProxySG marks a PROXIED row it blocked), or an `action` column says deny/block;
 * 'failed' for connection/DNS error exceptions. 407 rows are authentication challenges
 * and are skipped (as in the Squid format).
 */
import { emptyEvent } from '../domain/event';
import { LineSplitter } from './lines';
import {
  classifyHost,
  decodeUser,
  epochSecondsToMs,
  type HostPort,
  isDash,
  isIpLiteral,
  parseClfTime,
  parseUint,
  schemePort,
  splitTokens,
  urlHostPort,
} from './squid-w3c-common';
import { epochToMs, wallClockToUtc } from './time';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

enum F {
  Date,
  Time,
  GmtTime,
  LocalTime,
  Timestamp,
  CIp,
  User,
  UserDn,
  CsHost,
  HostHeader,
  RHost,
  RDns,
  Uri,
  Stem,
  Query,
  Scheme,
  UriPort,
  RPort,
  SPort,
  Method,
  RIp,
  SupplierIp,
  SIp,
  CsBytes,
  ScBytes,
  Status,
  SAction,
  Filter,
  Exception,
  ResultCode,
  Action,
  Count,
}

const FIELD = new Map<string, F>([
  ['date', F.Date],
  ['time', F.Time],
  ['gmttime', F.GmtTime],
  ['localtime', F.LocalTime],
  ['timestamp', F.Timestamp],
  ['x-timestamp-unix', F.Timestamp],
  ['c-ip', F.CIp],
  ['cs-username', F.User],
  ['cs-userdn', F.UserDn],
  ['cs-host', F.CsHost],
  ['cs(host)', F.HostHeader],
  ['r-host', F.RHost],
  ['r-dns', F.RDns],
  ['cs-uri', F.Uri],
  ['cs-url', F.Uri],
  ['cs-uri-stem', F.Stem],
  ['cs-uri-path', F.Stem],
  ['cs-uri-query', F.Query],
  ['cs-uri-scheme', F.Scheme],
  ['cs-uri-port', F.UriPort],
  ['r-port', F.RPort],
  ['s-port', F.SPort],
  ['cs-method', F.Method],
  ['s-operation', F.Method],
  ['r-ip', F.RIp],
  ['r-supplier-ip', F.SupplierIp],
  ['s-supplier-ip', F.SupplierIp],
  ['s-ip', F.SIp],
  ['cs-bytes', F.CsBytes],
  ['sc-bytes', F.ScBytes],
  ['sc-status', F.Status],
  ['s-action', F.SAction],
  ['sc-filter-result', F.Filter],
  ['x-exception-id', F.Exception],
  ['sc-result-code', F.ResultCode],
  ['action', F.Action],
  ['x-action', F.Action],
]);

const FAILED_EXCEPTIONS = new Set([
  'tcp_error',
  'dns_unresolved_hostname',
  'dns_server_failure',
  'gateway_timeout',
  'connect_failed',
]);

const HOST_FIELDS: readonly F[] = [F.CsHost, F.HostHeader, F.RHost, F.RDns];

const REASON = {
  noFields: 'w3c: data row before a #Fields directive',
  count: 'w3c: field count differs from #Fields',
  time: 'w3c: invalid or missing date/time',
  auth: 'w3c: proxy authentication challenge (407), not a transaction',
  noHost: 'w3c: no destination host or IP',
};

class W3cParser implements FormatParser {
  private readonly lines = new LineSplitter();
  private readonly tokens: string[] = [];
  private readonly v: (string | undefined)[] = new Array(F.Count).fill(undefined);
  private readonly hp: HostPort = { host: null, ip: null, port: null, scheme: null };
  private readonly cls: { host: string | null; ip: string | null } = { host: null, ip: null };
  private sink: ParseSink | null = null;
  private fieldCount = 0;
  private slotOf: Int8Array = new Int8Array(0);
  private sep: string | null = null;
  private utcMarker = false;
  private iis = false;
  private readonly onLine = (line: string, no: number) => this.line(line, no);

  constructor(private readonly ctx: ParseContext) {}

  push(text: string, sink: ParseSink): void {
    this.sink = sink;
    this.lines.push(text, this.onLine);
  }

  end(sink: ParseSink): void {
    this.sink = sink;
    this.lines.end(this.onLine);
  }

  private directive(line: string): void {
    const colon = line.indexOf(':');
    if (colon < 0) return;
    const name = line.slice(1, colon).trim().toLowerCase();
    const value = line.slice(colon + 1);
    if (name === 'fields') {
      const body = value.trim();
      this.sep = body.indexOf('\t') >= 0 ? '\t' : null;
      const names = body.split(this.sep === null ? /\s+/ : '\t').map((s) => s.trim().toLowerCase());
      this.fieldCount = names.length;
      this.slotOf = new Int8Array(names.length).fill(-1);
      const seen = new Set<F>();
      for (let i = 0; i < names.length; i++) {
        const f = FIELD.get(names[i]);
        if (f !== undefined && !seen.has(f)) {
          seen.add(f);
          this.slotOf[i] = f;
        }
      }
    } else if (name === 'date' || name === 'start-date') {
      this.utcMarker = true;
    } else if (name === 'software') {
      this.iis = /internet information services/i.test(value);
    }
  }

  private line(line: string, no: number): void {
    if (line.length === 0) return;
    if (line.charCodeAt(0) === 35 /* # */) {
      this.directive(line);
      return;
    }
    if (isBlank(line)) return;
    const sink = this.sink!;
    const t = this.tokens;
    const n = splitTokens(line, t, this.sep);
    if (this.fieldCount === 0) {
      sink.reject(no, REASON.noFields);
      return;
    }
    if (n !== this.fieldCount) {
      sink.reject(no, REASON.count);
      return;
    }
    const v = this.v;
    v.fill(undefined);
    const slotOf = this.slotOf;
    for (let i = 0; i < n; i++) {
      const s = slotOf[i];
      if (s >= 0) v[s] = t[i];
    }
    const time = this.time(v);
    if (!Number.isFinite(time)) {
      sink.reject(no, REASON.time);
      return;
    }
    const status = parseUint(v[F.Status]);
    if (status === 407) {
      sink.skip(no, REASON.auth);
      return;
    }

    let host: string | null = null;
    let hostIp: string | null = null;
    const cls = this.cls;
    for (const f of HOST_FIELDS) {
      const raw = v[f];
      if (isDash(raw)) continue;
      classifyHost(stripPort(raw!), cls);
      if (cls.host) {
        host = cls.host;
        break;
      }
      if (cls.ip && !hostIp) hostIp = cls.ip;
    }
    const uri = v[F.Uri];
    const hp = isDash(uri) ? null : urlHostPort(uri!, this.hp);
    if (hp) {
      if (!host) host = hp.host;
      if (!hostIp) hostIp = hp.ip;
    }
    let remoteIp = firstIp(v[F.RIp], v[F.SupplierIp]) ?? hostIp;
    if (remoteIp === null && this.iis) remoteIp = firstIp(v[F.SIp]);
    if (host === null && remoteIp === null) {
      sink.skip(no, REASON.noHost);
      return;
    }
    const scheme = isDash(v[F.Scheme]) ? (hp?.scheme ?? null) : v[F.Scheme]!.toLowerCase();
    let port = parseUint(v[F.RPort]) ?? parseUint(v[F.UriPort]) ?? hp?.port ?? null;
    if (port === null && this.iis) port = parseUint(v[F.SPort]);
    if (port === null) port = schemePort(scheme);

    const e = emptyEvent(time);
    e.localIp = isDash(v[F.CIp]) ? null : v[F.CIp]!;
    const user = isDash(v[F.User]) ? v[F.UserDn] : v[F.User];
    e.user = isDash(user) ? null : decodeUser(user!);
    e.host = host;
    e.remoteIp = remoteIp;
    e.remotePort = port !== null && port <= 65535 ? port : null;
    e.url = this.url(v, host, scheme, port, hp);
    e.bytesUp = parseUint(v[F.CsBytes]);
    e.bytesDown = parseUint(v[F.ScBytes]);
    e.action = action(v, status);
    sink.event(e);
  }

  private time(v: (string | undefined)[]): number {
    const gmt = v[F.GmtTime];
    if (!isDash(gmt)) return parseClfTime(gmt!, 'UTC');
    const date = v[F.Date];
    const clock = v[F.Time];
    const hasDate = !isDash(date) && !isDash(clock);
    if (hasDate && this.utcMarker) return dateTime(date!, clock!, 'UTC');
    const local = v[F.LocalTime];
    if (!isDash(local)) return parseClfTime(local!, this.ctx.timeZone);
    const ts = v[F.Timestamp];
    if (!isDash(ts)) {
      const ms = epochSecondsToMs(ts!);
      return Number.isNaN(ms) ? Math.floor(epochToMs(Number(ts))) : ms;
    }
    if (hasDate) return dateTime(date!, clock!, this.ctx.timeZone);
    return Number.NaN;
  }

  private url(
    v: (string | undefined)[],
    host: string | null,
    scheme: string | null,
    port: number | null,
    hp: HostPort | null,
  ): string | null {
    const method = v[F.Method];
    if (method === 'CONNECT' || scheme === 'tcp' || scheme === 'ssl') return null;
    const uri = v[F.Uri];
    if (hp && hp.scheme !== null) return uri!;
    if (!host) return null;
    const stem = isDash(v[F.Stem]) ? '/' : v[F.Stem]!;
    if (stem.charCodeAt(0) !== 47) return null;
    // IIS logs no scheme; its port tells.
    const s = scheme ?? (port === 443 ? 'https' : 'http');
    const q = v[F.Query];
    const query = isDash(q) ? '' : q!.charCodeAt(0) === 63 ? q! : `?${q}`;
    const portPart = port !== null && port !== schemePort(s) ? `:${port}` : '';
    return `${s}://${host}${portPart}${stem}${query}`;
  }
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function stripPort(s: string): string {
  const colon = s.indexOf(':');
  if (colon < 0 || s.indexOf(':', colon + 1) >= 0 || s.charCodeAt(0) === 91) return s;
  return s.slice(0, colon);
}

function firstIp(...vals: (string | undefined)[]): string | null {
  for (const x of vals) if (!isDash(x) && isIpLiteral(x!)) return x!;
  return null;
}

function action(v: (string | undefined)[], status: number | null): 'allowed' | 'blocked' | 'failed' {
  if (saysDenied(v[F.SAction]) || saysDenied(v[F.ResultCode])) return 'blocked';
  const filter = v[F.Filter];
  if (filter !== undefined && filter.length === 6 && filter.toUpperCase() === 'DENIED') return 'blocked';
  const act = v[F.Action];
  if (act !== undefined && /^(denied|deny|block|blocked|drop|reject)/i.test(act)) return 'blocked';
  const ex = v[F.Exception];
  if (!isDash(ex)) {
    const x = ex!.toLowerCase();
    if (x.endsWith('denied')) return 'blocked';
    if (FAILED_EXCEPTIONS.has(x)) return 'failed';
  }
  // TMG/ISA write their own status when the proxy refuses a URL: 12202 "denied the specified URL".
  if (status === 12202) return 'blocked';
  if (status === 0) return 'failed';
  return 'allowed';
}

function saysDenied(s: string | undefined): boolean {
  return s !== undefined && (s.indexOf('DENIED') >= 0 || s.indexOf('denied') >= 0 || s.indexOf('Denied') >= 0);
}

/** W3C date (YYYY-MM-DD) and time (HH:MM[:SS[.fff]]) as a wall clock in `timeZone`. */
function dateTime(date: string, clock: string, timeZone: string): number {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) return Number.NaN;
  const y = digits(date, 0, 4);
  const mo = digits(date, 5, 2);
  const d = digits(date, 8, 2);
  const n = clock.length;
  if (n < 5 || clock.charCodeAt(2) !== 58) return Number.NaN;
  const h = digits(clock, 0, 2);
  const mi = digits(clock, 3, 2);
  let sec = 0;
  let ms = 0;
  if (n > 5) {
    if (n < 8 || clock.charCodeAt(5) !== 58) return Number.NaN;
    sec = digits(clock, 6, 2);
    if (n > 8) {
      if (clock.charCodeAt(8) !== 46 || n === 9) return Number.NaN;
      let scale = 100;
      for (let i = 9; i < n; i++) {
        const c = clock.charCodeAt(i);
        if (c < 48 || c > 57) return Number.NaN;
        ms += (c - 48) * scale;
        scale = scale >= 10 ? scale / 10 : 0;
      }
    }
  }
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return Number.NaN;
  return wallClockToUtc(y, mo, d, h, mi, sec, ms, timeZone);
}

/** `len` decimal digits of `s` at `at`, or -1. */
function digits(s: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

function sniffW3c(head: string): number {
  let pos = 0;
  let directives = 0;
  let lines = 0;
  while (pos < head.length && lines < 40) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = head.length;
    const line = head.slice(pos, nl).trim();
    pos = nl + 1;
    if (line.length === 0) continue;
    lines++;
    if (line.charCodeAt(0) !== 35) break;
    const m = /^#(software|version|date|start-date|end-date|remark|fields):/i.exec(line);
    if (!m) continue;
    directives++;
    if (m[1].toLowerCase() === 'fields') {
      const names = line.slice(8).trim().toLowerCase().split(/\s+/);
      const known = names.filter((x) => FIELD.has(x) || /^(c|s|r|cs|sc|rs|sr|x)-/.test(x)).length;
      return known >= Math.max(2, names.length / 2) ? 0.95 : 0.5;
    }
  }
  return directives >= 2 ? 0.7 : 0;
}

export const w3cFormat: FormatDefinition = {
  id: 'w3c',
  label: 'W3C Extended / ELFF (Blue Coat ProxySG, IIS, TMG)',
  usesLocalTime: true,
  missingFields: ['deviceId', 'deviceName', 'process'],
  sniff(head: string): number {
    try {
      return sniffW3c(head);
    } catch {
      return 0;
    }
  },
  open(ctx: ParseContext): FormatParser {
    return new W3cParser(ctx);
  },
};
