/**
 * Squid access.log, in the layouts found in the field, told apart line by line:
 * - native: `time elapsed client action/code size method URL user hierarchy/from type`
 *   (time = epoch seconds.millis, UTC);
 * - the "extensive" custom logformat Elastic's Squid integration documents, which
 *   adds the client port and request size after `action/code`;
 * - Squid/Apache "common" and "combined": `client ident user [dd/Mon/yyyy:HH:MM:SS +zzzz]
 *   "METHOD URL HTTP/x" status bytes ["referer" "agent"] [SQUID_ACTION:HIERARCHY]`;
 *   a time without a zone is read in ctx.timeZone.
 *
 * bytesDown = the reply size Squid logs (headers included). bytesUp stays null for
 * native and common lines: Squid does not log the request size there; only the
 * extensive layout carries it. user = the user/ident field when not '-'. The client is
 * localIp, or deviceName when Squid logged its name (log_fqdn).
 * action: 'blocked' when Squid's result code says DENIED (TCP_DENIED/403 and the like);
 * 'failed' when no reply was sent (status 000). TCP_DENIED/407 is the proxy asking for
 * credentials — the client retries with them — so those rows are skipped, not counted
 * as blocked transactions.
 */
import { emptyEvent } from '../domain/event';
import { LineSplitter } from './lines';
import {
  decodeUser,
  epochSecondsToMs,
  type HostPort,
  isDash,
  isIpLiteral,
  parseClfTime,
  parseUint,
  splitTokens,
  urlHostPort,
} from './squid-w3c-common';
import { timeSaysZone } from './time';
import type { FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

const REASON = {
  auth: 'squid: proxy authentication challenge (407), not a transaction',
  noHost: 'squid: no destination host or IP',
  unknown: 'squid: not a Squid native or common log line',
  fields: 'squid: too few fields',
  time: 'squid: invalid time',
};

enum Layout {
  Native,
  Extensive,
  Common,
  Unknown,
}

function layoutOf(t: string[], n: number): Layout {
  if (n >= 7 && isEpochText(t[0])) {
    if (n >= 16 && parseUint(t[3]) !== null && t[4].indexOf('/') > 0) return Layout.Extensive;
    if (t[3].indexOf('/') > 0) return Layout.Native;
    return Layout.Unknown;
  }
  if (n >= 7 && t[3].indexOf('/') === 2 && t[3].indexOf(':') > 0) return Layout.Common;
  return Layout.Unknown;
}

function isBlankOrComment(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) return c === 35 /* # */;
  }
  return true;
}

function isEpochText(s: string): boolean {
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return s.length >= 9 && dots <= 1;
}

class SquidParser implements FormatParser {
  private readonly lines = new LineSplitter();
  private readonly t: string[] = [];
  private readonly hp: HostPort = { host: null, ip: null, port: null, scheme: null };
  private sink: ParseSink | null = null;
  private readonly onLine = (line: string, no: number) => this.line(line, no);
  /** A common or combined line's time had no zone: read in the context's (see FormatParser). */
  localTimes = false;

  constructor(private readonly ctx: ParseContext) {}

  push(text: string, sink: ParseSink): void {
    this.sink = sink;
    this.lines.push(text, this.onLine);
  }

  end(sink: ParseSink): void {
    this.sink = sink;
    this.lines.end(this.onLine);
  }

  private line(line: string, no: number): void {
    if (isBlankOrComment(line)) return;
    const sink = this.sink!;
    const t = this.t;
    const n = splitTokens(line, t);
    const layout = layoutOf(t, n);
    if (layout === Layout.Unknown) {
      sink.reject(no, n < 7 ? REASON.fields : REASON.unknown);
      return;
    }
    let time: number;
    let client: string;
    let resultCode: string; // e.g. TCP_MISS, '' when not logged
    let status: number | null;
    let size: string;
    let method: string;
    let url: string;
    let user: string | null = null;
    let hier: string | undefined;
    let bytesUp: number | null = null;
    let serverPort: number | null = null;
    if (layout === Layout.Common) {
      client = t[0];
      time = parseClfTime(t[3], this.ctx.timeZone);
      if (!this.localTimes && !timeSaysZone(t[3])) this.localTimes = true;
      const req = t[4];
      const sp1 = req.indexOf(' ');
      method = sp1 < 0 ? req : req.slice(0, sp1);
      const sp2 = sp1 < 0 ? -1 : req.indexOf(' ', sp1 + 1);
      url = sp1 < 0 ? '' : sp2 < 0 ? req.slice(sp1 + 1) : req.slice(sp1 + 1, sp2);
      status = parseUint(t[5]);
      size = t[6];
      if (!isDash(t[2])) user = t[2];
      else if (!isDash(t[1])) user = t[1];
      resultCode = '';
      const last = t[n - 1];
      const colon = n > 7 ? last.indexOf(':') : -1;
      if (colon > 0 && /^[A-Z_]+:[A-Z_]+$/.test(last)) resultCode = last.slice(0, colon);
    } else {
      time = epochSecondsToMs(t[0]);
      client = t[2];
      const ext = layout === Layout.Extensive;
      const code = ext ? t[4] : t[3];
      const slash = code.indexOf('/');
      resultCode = code.slice(0, slash);
      status = parseUint(code.slice(slash + 1));
      size = ext ? t[5] : t[4];
      method = ext ? t[10] : t[5];
      url = ext ? t[11] : t[6];
      const u = ext ? t[13] : n > 7 ? t[7] : undefined;
      if (!isDash(u)) user = u!;
      hier = ext ? t[14] : n > 8 ? t[8] : undefined;
      if (ext) {
        bytesUp = parseUint(t[6]);
        serverPort = parseUint(t[15]);
      }
    }
    if (!Number.isFinite(time)) {
      sink.reject(no, REASON.time);
      return;
    }
    if (status === 407) {
      sink.skip(no, REASON.auth);
      return;
    }
    const hp = urlHostPort(url ?? '', this.hp);
    let remoteIp = hp.ip;
    if (hier !== undefined) {
      // DIRECT/1.2.3.4 or HIER_DIRECT/1.2.3.4 name the origin server; a parent's address is not the remote.
      const slash = hier.indexOf('/');
      if (slash > 0 && hier.slice(0, slash).endsWith('DIRECT')) {
        const peer = hier.slice(slash + 1);
        if (isIpLiteral(peer)) remoteIp = peer;
      }
    }
    if (hp.host === null && remoteIp === null) {
      sink.skip(no, REASON.noHost);
      return;
    }
    const e = emptyEvent(time);
    // With log_fqdn on, Squid logs the client's name instead of its address.
    if (isIpLiteral(client)) e.localIp = client;
    else if (!isDash(client)) e.deviceName = client.toLowerCase();
    e.user = user === null ? null : decodeUser(user);
    e.host = hp.host;
    e.remoteIp = remoteIp;
    e.remotePort = serverPort !== null && serverPort > 0 && serverPort <= 65535 ? serverPort : hp.port;
    e.url = method !== 'CONNECT' && hp.scheme !== null ? url : null;
    e.bytesDown = parseUint(size);
    e.bytesUp = bytesUp;
    if (resultCode.indexOf('DENIED') >= 0) e.action = 'blocked';
    else if (status === 0) e.action = 'failed';
    sink.event(e);
  }
}

function sniffSquid(head: string): number {
  const t: string[] = [];
  let pos = 0;
  let seen = 0;
  let native = 0;
  let common = 0;
  let tagged = 0;
  while (pos < head.length && seen < 10) {
    const nl = head.indexOf('\n', pos);
    if (nl < 0) break;
    const line = head.slice(pos, nl);
    pos = nl + 1;
    if (isBlankOrComment(line)) continue;
    const n = splitTokens(line, t);
    seen++;
    const layout = layoutOf(t, n);
    if (layout === Layout.Native || layout === Layout.Extensive) {
      if (/^[A-Z_]+\/\d{3}$/.test(layout === Layout.Native ? t[3] : t[4])) native++;
    } else if (layout === Layout.Common && /^[A-Z]+ \S+/.test(t[4])) {
      common++;
      if (/^(TCP|UDP|NONE|TAG)_?[A-Z_]*:[A-Z_]+$/.test(t[n - 1])) tagged++;
    }
  }
  if (seen === 0) return 0;
  if (native === seen) return 0.95;
  if (common === seen) return tagged > 0 ? 0.8 : 0.5;
  if (native + common >= seen * 0.8) return 0.6;
  return 0;
}

export const squidFormat: FormatDefinition = {
  id: 'squid',
  label: 'Squid access.log (native, or common/combined)',
  usesLocalTime: false,
  missingFields: ['deviceId', 'process'],
  sniff(head: string): number {
    try {
      return sniffSquid(head);
    } catch {
      return 0;
    }
  },
  open(ctx: ParseContext): FormatParser {
    return new SquidParser(ctx);
  },
};
