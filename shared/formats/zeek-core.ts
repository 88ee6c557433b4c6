/**
 * The part of the Zeek formats that TSV and JSON share: turning conn/ssl/http/dns
 * records into transactions, and the joins that give a conn row its host.
 *
 * Semantics (both formats):
 * - One `conn` row is one transaction: localIp = id.orig_h, remoteIp = id.resp_h,
 *   remotePort = id.resp_p, bytesUp = orig_bytes, bytesDown = resp_bytes (null when
 *   unset), time = ts. Device fields stay null: downstream uses localIp as the device.
 * - Its host comes from ssl `server_name` with the same uid, else http `host` with the
 *   same uid, else the DNS answer that mapped resp_h to a query name (asked by the same
 *   orig_h preferably, else by anyone), the one closest before the connection.
 * - ssl/http/dns rows are enrichment when the import holds conn data: they are skipped
 *   with a reason (the ssl/http one says "joined to conn by uid" whether or not a conn
 *   row with that uid turns up: the join happens later, in another file). When an import has no conn stream at all (e.g. only ssl.log and
 *   dns.log), ssl and http rows are the transactions themselves, without bytes, named
 *   by SNI / Host header or else by DNS — so such an import is still useful.
 *
 * Multi-file imports: passOrder reads dns, then ssl/http, then conn (and mixed files);
 * the uid and DNS maps live in ctx.scratch so later files see what earlier ones read;
 * ctx.files tells whether any file of the import carries conn rows.
 *
 * One file mixing streams (Zeek JSON streaming logs, "combined" exports): the ssl row
 * for a uid may come after its conn row (apt29 sample: up to ~1,000 rows later), so conn
 * rows wait in a window of `windowRows` rows before they are emitted; end() flushes.
 * A file that puts whole streams one after the other (all conn rows, then all ssl
 * rows) beyond that window keeps only the DNS/late joins that fit — a known limit.
 * Zeek writes TSV one stream per file, so the TSV format emits at once (window 0): a
 * window there would only cost time and memory (events held past the young generation).
 *
 * Memory stays bounded for 10M-row imports: the window holds at most `windowRows`
 * items, and every map evicts its oldest entries past its cap.
 */
import { emptyEvent, type NetworkEvent } from '../domain/event';
import type { ParseContext, ParseSink } from './types';

export interface ZeekOptions {
  /** Rows a conn record waits for a late ssl/http/dns row of the same file; 0 emits at once. */
  windowRows: number;
  /** Cap of each uid -> host map (ssl SNI, http Host). */
  maxUids: number;
  /** Cap of each DNS answer map (by orig_h + IP, and by IP). */
  maxDnsKeys: number;
}

/** Defaults; windowRows is the JSON one (TSV uses 0, see above). */
export const DEFAULT_ZEEK_OPTIONS: ZeekOptions = { windowRows: 50_000, maxUids: 250_000, maxDnsKeys: 100_000 };

/** One Zeek record, whatever its encoding; front-ends fill it and hand it over. */
export interface ZeekRecord {
  stream: string;
  line: number;
  /** UTC ms, NaN when unreadable. */
  time: number;
  uid: string | null;
  origH: string | null;
  respH: string | null;
  respP: number | null;
  origBytes: number | null;
  respBytes: number | null;
  connState: string | null;
  /** ssl server_name (raw). */
  serverName: string | null;
  /** ssl established: false means the handshake did not complete. */
  established: boolean | null;
  /** http host header (raw, may carry a port). */
  httpHost: string | null;
  uri: string | null;
  /** dns query name (raw). */
  query: string | null;
  /** dns answers; only IP-literal answers are used. */
  answers: ReadonlyArray<string> | null;
}

export function newRecord(): ZeekRecord {
  return {
    stream: '',
    line: 0,
    time: Number.NaN,
    uid: null,
    origH: null,
    respH: null,
    respP: null,
    origBytes: null,
    respBytes: null,
    connState: null,
    serverName: null,
    established: null,
    httpHost: null,
    uri: null,
    query: null,
    answers: null,
  };
}

export const REASON = {
  sslJoined: 'zeek ssl: joined to conn by uid',
  httpJoined: 'zeek http: joined to conn by uid',
  dns: 'zeek dns: name lookup, used to name connections by answer IP',
  unknownStream: 'zeek log of unknown type: not a transaction',
  badTime: (stream: string) => `zeek ${stream}: invalid ts`,
  noAddr: (stream: string) => `zeek ${stream}: missing id.orig_h or id.resp_h`,
  notTransaction: (stream: string) => `zeek ${stream} log: not a transaction`,
};

// ---------------------------------------------------------------- shared state

interface DnsName {
  name: string;
  time: number;
}

/** What all Zeek parsers of one import share through ctx.scratch. */
interface ZeekShared {
  connSeen: boolean;
  sslByUid: Map<string, string>;
  httpByUid: Map<string, string>;
  dnsByPair: Map<string, DnsName[]>;
  dnsByIp: Map<string, DnsName[]>;
}

const SCRATCH_KEY = 'zeek:join';

function sharedState(ctx: ParseContext): ZeekShared {
  const existing = ctx.scratch?.get(SCRATCH_KEY) as ZeekShared | undefined;
  if (existing) return existing;
  const s: ZeekShared = {
    connSeen: importHasConn(ctx),
    sslByUid: new Map(),
    httpByUid: new Map(),
    dnsByPair: new Map(),
    dnsByIp: new Map(),
  };
  ctx.scratch?.set(SCRATCH_KEY, s);
  return s;
}

function importHasConn(ctx: ParseContext): boolean {
  for (const f of ctx.files ?? []) {
    if (f.formatId !== 'zeek-tsv' && f.formatId !== 'zeek-json') continue;
    if (streamsInHead(f.head, f.name).has('conn')) return true;
  }
  return false;
}

function capSet<V>(map: Map<string, V>, key: string, value: V, cap: number): void {
  map.set(key, value);
  if (map.size > cap) {
    // Insertion order is age: drop the oldest few at once to amortise the iterator.
    const drop = Math.max(1, cap >>> 6);
    let n = 0;
    for (const k of map.keys()) {
      map.delete(k);
      if (++n >= drop) break;
    }
  }
}

const MAX_NAMES_PER_IP = 4;

function addDnsName(map: Map<string, DnsName[]>, key: string, name: string, time: number, cap: number): void {
  let list = map.get(key);
  if (list) {
    map.delete(key); // re-inserted below as the most recent key
    let found = false;
    for (const e of list) {
      if (e.name === name) {
        if (!(e.time >= time)) e.time = time;
        found = true;
        break;
      }
    }
    if (!found) {
      if (list.length >= MAX_NAMES_PER_IP) {
        let oldest = 0;
        for (let i = 1; i < list.length; i++) if (list[i].time < list[oldest].time) oldest = i;
        list.splice(oldest, 1);
      }
      list.push({ name, time });
    }
  } else {
    list = [{ name, time }];
  }
  capSet(map, key, list, cap);
}

/** The name answered last before `time` (1 s of clock slack), else the first one after it. */
function pickName(list: DnsName[] | undefined, time: number): string | null {
  if (!list || list.length === 0) return null;
  let before: DnsName | null = null;
  let after: DnsName | null = null;
  for (const e of list) {
    if (e.time <= time + 1000) {
      if (!before || e.time > before.time) before = e;
    } else if (!after || e.time < after.time) {
      after = e;
    }
  }
  return (before ?? after)?.name ?? null;
}

// ---------------------------------------------------------------- joiner

enum Kind {
  Conn = 0,
  Standalone = 1,
}

/** How a host was found; a later row may only raise it (http Host < ssl SNI). DNS is applied at emit time. */
enum Rank {
  None = 0,
  Http = 1,
  Ssl = 2,
}

interface Pending {
  kind: Kind;
  row: number;
  line: number;
  stream: string;
  uid: string | null;
  rank: Rank;
  event: NetworkEvent;
}

/** Per-file state: the pending window, fed record by record by a front-end. */
export class ZeekJoiner {
  private readonly shared: ZeekShared;
  private readonly queue: Pending[] = [];
  private head = 0;
  /**
   * uid -> waiting conn row, for late ssl/http rows of this file. Built on the first
   * ssl/http row only: a file of conn rows alone never pays for it.
   */
  private pendingByUid: Map<string, Pending> | null = null;
  private rows = 0;

  constructor(
    ctx: ParseContext,
    private readonly opts: ZeekOptions,
  ) {
    this.shared = sharedState(ctx);
  }

  /** Reports (now or, for conn, after the window) the row held in `r`. */
  handle(r: ZeekRecord, sink: ParseSink): void {
    this.rows++;
    switch (r.stream) {
      case 'conn':
        this.conn(r, sink);
        break;
      case 'ssl':
        this.enrich(r, sink, Rank.Ssl, normalizeZeekHost(r.serverName));
        break;
      case 'http':
        this.enrich(r, sink, Rank.Http, normalizeZeekHost(r.httpHost));
        break;
      case 'dns':
        this.dns(r);
        sink.skip(r.line, REASON.dns);
        break;
      case '':
        sink.skip(r.line, REASON.unknownStream);
        break;
      default:
        sink.skip(r.line, REASON.notTransaction(r.stream));
    }
    this.flush(sink, false);
  }

  /** Rows that a file could not read still advance the window. */
  countRow(): void {
    this.rows++;
  }

  end(sink: ParseSink): void {
    this.flush(sink, true);
  }

  private conn(r: ZeekRecord, sink: ParseSink): void {
    this.shared.connSeen = true;
    if (!Number.isFinite(r.time)) {
      sink.reject(r.line, REASON.badTime('conn'));
      return;
    }
    if (!r.origH || !r.respH) {
      sink.reject(r.line, REASON.noAddr('conn'));
      return;
    }
    const e = emptyEvent(r.time);
    e.localIp = r.origH;
    e.remoteIp = r.respH;
    e.remotePort = r.respP;
    e.bytesUp = r.origBytes;
    e.bytesDown = r.respBytes;
    // No reply (S0) or a reset answer (REJ): the connection was attempted, not made.
    if (r.connState === 'S0' || r.connState === 'REJ') e.action = 'failed';
    let rank = Rank.None;
    const uid = r.uid;
    if (uid) {
      const ssl = this.shared.sslByUid.size > 0 ? this.shared.sslByUid.get(uid) : undefined;
      if (ssl !== undefined) {
        e.host = ssl;
        rank = Rank.Ssl;
      } else {
        const http = this.shared.httpByUid.size > 0 ? this.shared.httpByUid.get(uid) : undefined;
        if (http !== undefined) {
          e.host = http;
          rank = Rank.Http;
        }
      }
    }
    if (this.opts.windowRows <= 0) {
      this.emitEvent(e, rank, sink);
      return;
    }
    const p: Pending = { kind: Kind.Conn, row: this.rows, line: r.line, stream: 'conn', uid, rank, event: e };
    this.queue.push(p);
    if (uid && rank !== Rank.Ssl && this.pendingByUid) this.pendingByUid.set(uid, p);
  }

  /** The uid index of waiting conn rows, built from the window on first use. */
  private lateIndex(): Map<string, Pending> {
    if (this.pendingByUid) return this.pendingByUid;
    const m = new Map<string, Pending>();
    for (let i = this.head; i < this.queue.length; i++) {
      const p = this.queue[i];
      if (p.kind === Kind.Conn && p.uid && p.rank !== Rank.Ssl) m.set(p.uid, p);
    }
    this.pendingByUid = m;
    return m;
  }

  private enrich(r: ZeekRecord, sink: ParseSink, rank: Rank, host: string | null): void {
    const uid = r.uid;
    if (uid) {
      const p = this.opts.windowRows > 0 ? this.lateIndex().get(uid) : undefined;
      if (p) {
        if (host && rank > p.rank) {
          p.event.host = host;
          p.rank = rank;
        }
        sink.skip(r.line, rank === Rank.Ssl ? REASON.sslJoined : REASON.httpJoined);
        return;
      }
      if (host) {
        if (rank === Rank.Ssl) capSet(this.shared.sslByUid, uid, host, this.opts.maxUids);
        else capSet(this.shared.httpByUid, uid, host, this.opts.maxUids);
      }
    }
    if (this.shared.connSeen) {
      sink.skip(r.line, rank === Rank.Ssl ? REASON.sslJoined : REASON.httpJoined);
      return;
    }
    // No conn stream (yet): this row may be the transaction itself; decided when it leaves the window.
    if (!Number.isFinite(r.time)) {
      sink.reject(r.line, REASON.badTime(r.stream));
      return;
    }
    if (!r.origH || !r.respH) {
      sink.reject(r.line, REASON.noAddr(r.stream));
      return;
    }
    const e = emptyEvent(r.time);
    e.localIp = r.origH;
    e.remoteIp = r.respH;
    e.remotePort = r.respP;
    e.host = host;
    if (rank === Rank.Ssl && r.established === false) e.action = 'failed';
    if (rank === Rank.Http) e.url = httpUrl(host, r.uri);
    if (this.opts.windowRows <= 0) {
      this.emitEvent(e, host ? rank : Rank.None, sink);
      return;
    }
    this.queue.push({
      kind: Kind.Standalone,
      row: this.rows,
      line: r.line,
      stream: r.stream,
      uid,
      rank: host ? rank : Rank.None,
      event: e,
    });
  }

  private dns(r: ZeekRecord): void {
    const answers = r.answers;
    if (!answers || answers.length === 0 || !r.query) return;
    const name = normalizeZeekHost(r.query);
    if (!name || name.endsWith('.arpa')) return;
    const time = Number.isFinite(r.time) ? r.time : 0;
    for (const a of answers) {
      if (!looksLikeIp(a)) continue;
      addDnsName(this.shared.dnsByIp, a, name, time, this.opts.maxDnsKeys);
      if (r.origH) addDnsName(this.shared.dnsByPair, `${r.origH}|${a}`, name, time, this.opts.maxDnsKeys);
    }
  }

  private flush(sink: ParseSink, all: boolean): void {
    const q = this.queue;
    const limit = this.rows - this.opts.windowRows;
    while (this.head < q.length) {
      const p = q[this.head];
      if (!all && p.row > limit) break;
      this.head++;
      this.emit(p, sink);
    }
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
  }

  private emit(p: Pending, sink: ParseSink): void {
    const index = this.pendingByUid;
    if (index && p.uid && index.get(p.uid) === p) index.delete(p.uid);
    if (p.kind === Kind.Standalone && this.shared.connSeen) {
      sink.skip(p.line, p.stream === 'ssl' ? REASON.sslJoined : REASON.httpJoined);
      return;
    }
    this.emitEvent(p.event, p.rank, sink);
  }

  /** Names an event that has no SNI/Host name from DNS answers, then reports it. */
  private emitEvent(e: NetworkEvent, rank: Rank, sink: ParseSink): void {
    const byIp = this.shared.dnsByIp;
    if (rank === Rank.None && e.remoteIp && byIp.size > 0) {
      const pairs = this.shared.dnsByPair;
      const pair = e.localIp && pairs.size > 0 ? pairs.get(`${e.localIp}|${e.remoteIp}`) : undefined;
      e.host = pickName(pair, e.time) ?? pickName(byIp.get(e.remoteIp), e.time);
    }
    sink.event(e);
  }
}

function httpUrl(host: string | null, uri: string | null): string | null {
  if (!uri) return null;
  if (uri.startsWith('http://') || uri.startsWith('https://')) return uri;
  if (!host || uri.charCodeAt(0) !== 47 /* / */) return null;
  return `http://${host}${uri}`;
}

// ---------------------------------------------------------------- values

/**
 * A hostname as the event wants it: lowercase, no trailing dot, no port; null for
 * unset values, IP literals (the remote IP says that already) and non-host text.
 */
export function normalizeZeekHost(raw: string | null): string | null {
  if (raw === null) return null;
  let s = raw;
  if (s.length === 0 || s === '-' || s === '(empty)') return null;
  if (s.indexOf('\\x') >= 0) s = unescapeZeek(s);
  s = s.trim();
  if (s.charCodeAt(0) === 91 /* [ */) return null; // bracketed IPv6 literal
  const colon = s.indexOf(':');
  if (colon >= 0) {
    if (s.indexOf(':', colon + 1) >= 0) return null; // bare IPv6
    s = s.slice(0, colon);
  }
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 46 /* . */) end--;
  if (end !== s.length) s = s.slice(0, end);
  if (s.length === 0 || s.length > 253) return null;
  let digitsAndDots = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isHostChar(c)) return null;
    if (!((c >= 48 && c <= 57) || c === 46)) digitsAndDots = false;
  }
  if (digitsAndDots) return null; // IPv4 literal
  return s.toLowerCase();
}

/** Letters, digits, '-', '.', '_' (SRV-style and some CDN names), '*' (wildcard SNI) and non-ASCII (IDN). */
function isHostChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 42 ||
    c >= 128
  );
}

/** Whether `s` is an IPv4 or IPv6 literal (a cheap shape check, not validation). */
export function looksLikeIp(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  if (s.indexOf(':') >= 0) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const hex = (c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46;
      if (!hex) return false;
    }
    return true;
  }
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return dots === 3;
}

/** Zeek's ASCII writer escapes separators and non-printables as \\xHH. */
export function unescapeZeek(s: string): string {
  let out = '';
  let last = 0;
  let i = s.indexOf('\\x');
  while (i >= 0 && i + 4 <= s.length) {
    const hi = hexDigit(s.charCodeAt(i + 2));
    const lo = hexDigit(s.charCodeAt(i + 3));
    if (hi >= 0 && lo >= 0) {
      out += s.slice(last, i) + String.fromCharCode(hi * 16 + lo);
      last = i + 4;
      i = s.indexOf('\\x', last);
    } else {
      i = s.indexOf('\\x', i + 1);
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Epoch seconds written as decimal text ("1521911720.865716") to UTC ms, exactly:
 * the fraction is cut to milliseconds by digits, not by float multiplication.
 */
export function epochTextToMs(s: string): number {
  const len = s.length;
  if (len === 0) return Number.NaN;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  let sec = 0;
  let digits = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return Number.NaN;
    sec = sec * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || digits > 12) return Number.NaN;
  let ms = 0;
  let scale = 100;
  if (i < len) {
    i++;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return Number.NaN;
      if (scale >= 1) {
        ms += (c - 48) * scale;
        scale /= 10;
      }
    }
  }
  const v = sec * 1000 + ms;
  return neg ? -v : v;
}

/** A Zeek count ("123"), null for unset or unreadable values. */
export function parseCount(s: string | null): number | null {
  if (s === null) return null;
  const len = s.length;
  if (len === 0 || len > 15) return null;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** A Zeek port ("443"), null outside 0..65535. */
export function parsePort(s: string | null): number | null {
  const n = parseCount(s);
  return n !== null && n <= 65535 ? n : null;
}

// ---------------------------------------------------------------- streams in a file head

const KNOWN_STREAMS = /^(conn|ssl|http|dns)(?:[._-]|$)/;
const JSON_TAG = /"(?:_path|@stream)"\s*:\s*"([A-Za-z0-9_.-]+)"/g;

/** The stream a file name suggests (conn.log, ssl.00:00:00-01:00:00.log.gz, dns_2024.json), or null. */
export function streamFromFileName(name: string): string | null {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const base = name.slice(slash + 1).toLowerCase();
  const m = KNOWN_STREAMS.exec(base);
  return m ? m[1] : null;
}

/** The stream a record's field names suggest, for untagged records. */
export function streamFromFields(has: (name: string) => boolean): string {
  if (has('conn_state') || has('orig_bytes') || has('orig_pkts')) return 'conn';
  if (has('server_name') || has('ja3') || (has('cipher') && has('version'))) return 'ssl';
  if (has('query') && (has('qtype') || has('qtype_name') || has('answers') || has('trans_id'))) return 'dns';
  if (has('method') && has('uri')) return 'http';
  return '';
}

/** The Zeek streams a file head shows (TSV #path lines, JSON _path/@stream tags, or field names). */
export function streamsInHead(head: string, fileName: string): Set<string> {
  const out = new Set<string>();
  let fields: string | null = null;
  let pos = 0;
  while (pos < head.length) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = head.length;
    const line = head.slice(pos, nl);
    pos = nl + 1;
    if (line.startsWith('#path')) out.add(line.slice(6).trim());
    else if (line.startsWith('#fields')) fields = line;
    if (pos > 16384 && out.size > 0) break;
  }
  for (const m of head.matchAll(JSON_TAG)) out.add(m[1]);
  if (out.size === 0) {
    const byName = streamFromFileName(fileName);
    if (byName) out.add(byName);
    else {
      const text = fields ?? head.slice(0, 4096);
      const s = streamFromFields((n) => text.includes(n));
      if (s) out.add(s);
    }
  }
  return out;
}

/** passOrder shared by both Zeek formats: dns, then ssl/http, then conn and mixed files. */
export function zeekPassOrder(head: string, fileName = ''): number {
  const streams = streamsInHead(head, fileName);
  if (streams.has('conn') || streams.size === 0) return 2;
  // Several streams beyond the enrichment ones: an all-streams file whose conn rows start past the head.
  if (streams.size > 1) for (const s of streams) if (s !== 'dns' && s !== 'ssl' && s !== 'http') return 2;
  if (streams.has('ssl') || streams.has('http')) return 1;
  return 0;
}
