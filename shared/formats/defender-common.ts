/**
 * Shared core of the Defender for Endpoint `DeviceNetworkEvents` formats (CSV,
 * JSON, Event Hub, xlsx): the normaliser that turns one table row into at most
 * one NetworkEvent (column names and value clean-up are in defender-values.ts).
 *
 * Semantics (kept in one place so every shape of the same table agrees):
 * - one outbound connection is one transaction; inbound, listening, scan,
 *   signature and DNS rows are skipped with a counted reason;
 * - an outbound protocol inspection (Http/Ssl/Ftp/Smtp/Ssh/Ntlm/Icmp…Inspected)
 *   that describes a connection already counted enriches it (host, bytes) and is
 *   skipped as "inspection merged into its connection". Exports are often sorted
 *   by time descending, so the inspection may come before or after its
 *   connection: events wait in a bounded buffer (at most MERGE_BUFFER rows, far
 *   fewer while the export is sorted by time) before they reach the sink, and
 *   end() flushes it. Inspections with the same Zeek uid (one FTP session, a
 *   repeated record) also merge, within UID_WINDOW_MS;
 * - DnsConnectionInspected answers map remote IPs to the queried name per device;
 *   an event still without a host when it leaves the buffer takes that name. The
 *   map lives in the import's scratch space, so one file's DNS rows also serve
 *   the files parsed after it.
 */
import { type EventAction, emptyEvent, type NetworkEvent } from '../domain/event';
import {
  answerList,
  isIpLiteral,
  normalizeHost,
  normalizeIp,
  ownCopy,
  parseAdditional,
  parseDefenderTime,
  parseRemoteUrl,
  toCount,
  toPort,
} from './defender-values';
import { IntKeyTable } from './int-key-table';
import type { ParseContext, ParseSink } from './types';

/**
 * One table row as read by a format, before any interpretation. Strings are ''
 * when the column is absent or empty. Formats reuse one instance per row: the
 * normaliser copies what it keeps.
 */
export interface DefenderRow {
  time: string | number;
  /** `time` already read (a CSV read with the record kernel, csv-kernel.ts): ms since 1970, else NaN. */
  timeMs: number;
  timeGenerated: string | number;
  deviceId: string;
  deviceName: string;
  actionType: string;
  /** Whether the source has an ActionType column at all (a projected hunt may not). */
  hasActionType: boolean;
  /** Whether slash dates read day first (`05/10/2026 23:59:59`, what a day-first locale writes), else month first. */
  slashDayFirst: boolean;
  remoteUrl: string;
  remoteIp: string;
  remotePort: string | number;
  localIp: string;
  localPort: string | number;
  process: string;
  upn: string;
  accountName: string;
  accountDomain: string;
  reportId: string;
  /** JSON text (CSV, most JSON exports) or an already parsed object (Event Hub). */
  additional: unknown;
  /** Source table when the export says it (Sentinel `Type`, Event Hub category); '' otherwise. */
  table: string;
}

export function emptyRow(): DefenderRow {
  return {
    time: '',
    timeMs: Number.NaN,
    timeGenerated: '',
    deviceId: '',
    deviceName: '',
    actionType: '',
    hasActionType: true,
    slashDayFirst: false,
    remoteUrl: '',
    remoteIp: '',
    remotePort: '',
    localIp: '',
    localPort: '',
    process: '',
    upn: '',
    accountName: '',
    accountDomain: '',
    reportId: '',
    additional: null,
    table: '',
  };
}

// ---------------------------------------------------------------------------
// ActionType classification

enum Kind {
  Connection = 0,
  Inspection = 1,
  Dns = 2,
  Skip = 3,
}

interface ActionInfo {
  kind: Kind;
  action: EventAction;
  reason: string;
}

const NETWORK_TABLE = 'DeviceNetworkEvents';

const conn = (action: EventAction): ActionInfo => ({ kind: Kind.Connection, action, reason: '' });
const inspection: ActionInfo = { kind: Kind.Inspection, action: 'allowed', reason: '' };
const skip = (reason: string): ActionInfo => ({ kind: Kind.Skip, action: 'allowed', reason });

const NETWORK_ACTIONS = new Map<string, ActionInfo>([
  ['ConnectionSuccess', conn('allowed')],
  ['ConnectionAttempt', conn('allowed')],
  ['ConnectionRequest', conn('allowed')],
  ['ConnectionFound', conn('allowed')],
  ['ConnectionAcknowledged', conn('allowed')],
  ['ConnectionFailed', conn('failed')],
  ['HttpConnectionInspected', inspection],
  ['SslConnectionInspected', inspection],
  ['FtpConnectionInspected', inspection],
  ['SmtpConnectionInspected', inspection],
  ['SshConnectionInspected', inspection],
  ['NtlmAuthenticationInspected', inspection],
  ['IcmpConnectionInspected', inspection],
  ['DnsConnectionInspected', { kind: Kind.Dns, action: 'allowed', reason: 'DNS inspection (feeds host resolution)' }],
  ['InboundConnectionAccepted', skip('inbound connection')],
  ['ListeningConnectionCreated', skip('listening socket')],
  ['InboundInternetScanInspected', skip('inbound internet scan')],
  ['NetworkSignatureInspected', skip('network signature match')],
]);
const NETWORK_ACTIONS_LOWER = new Map<string, ActionInfo>(
  [...NETWORK_ACTIONS].map(([k, v]) => [k.toLowerCase(), v] as [string, ActionInfo]),
);
const unknownActions = new Map<string, ActionInfo>();

/**
 * Whether the normaliser may parse AdditionalFields of a row with this ActionType
 * beyond a check for "lock"/"LOCK" in its text: false for the documented connection
 * actions (and projected hunts without ActionType). Lets the CSV reader leave the
 * cell as written for most rows.
 */
export function readsAdditional(actionType: string, hasActionType: boolean): boolean {
  if (!hasActionType) return false;
  return NETWORK_ACTIONS.get(actionType)?.kind !== Kind.Connection;
}

/**
 * Whether `prepRow` reads only the AdditionalFields keys of `AdditionalKeys` (defender-additional.ts)
 * of a row with this ActionType: true for the documented inspection and DNS actions (a connection's
 * block check reads every key; undocumented actions may be either).
 */
export function readsAdditionalKeys(actionType: string, hasActionType: boolean): boolean {
  if (!hasActionType) return false;
  const kind = NETWORK_ACTIONS.get(actionType)?.kind;
  return kind === Kind.Inspection || kind === Kind.Dns;
}

/**
 * ActionTypes this table does not document (yet). Only called for rows known to
 * be network rows (a table column says so) or named Connection…: other unknown
 * names in a union export belong to other tables.
 */
function classifyUnknownNetworkAction(a: string): ActionInfo {
  let info = unknownActions.get(a);
  if (info) return info;
  const lower = a.toLowerCase();
  const blocked = lower.indexOf('blocked') >= 0;
  if (lower.startsWith('inbound') || lower.startsWith('listening')) info = skip('inbound connection');
  else if (lower.startsWith('connection'))
    info = conn(blocked ? 'blocked' : lower.indexOf('fail') >= 0 ? 'failed' : 'allowed');
  else if (lower.startsWith('ntlm') && lower.endsWith('inspected')) info = inspection;
  else if (lower.endsWith('connectioninspected')) info = inspection;
  else if (blocked) info = conn('blocked');
  else info = skip(`unsupported ActionType (${a})`);
  if (unknownActions.size < 1000) unknownActions.set(a, info);
  return info;
}

/**
 * Best guess of the table of a union-export row that is not a network event, for
 * the skip reason: by ActionType family; other rows naming a device are most
 * likely DeviceEvents (it holds the long tail of ActionTypes).
 */
function guessTable(a: string, hasDevice: boolean): string {
  if (a === '') return 'no ActionType';
  const c = a.charCodeAt(0);
  if (c === 70 /* F */ && a.startsWith('File')) return 'DeviceFileEvents';
  if (c === 82 /* R */ && a.startsWith('Registry')) return 'DeviceRegistryEvents';
  if (c === 76 /* L */ && a.startsWith('Logon')) return 'DeviceLogonEvents';
  if (a === 'ProcessCreated') return 'DeviceProcessEvents';
  if (a === 'ImageLoaded') return 'DeviceImageLoadEvents';
  if (a === 'ClickAllowed' || a === 'ClickBlocked' || a === 'UrlErrorPage' || a === 'UrlScanInProgress')
    return 'UrlClickEvents';
  return hasDevice ? 'DeviceEvents' : 'another table';
}

const tableReasons = new Map<string, string>();
function notNetwork(table: string): string {
  let r = tableReasons.get(table);
  if (!r) {
    r = `not a network event (${table})`;
    if (tableReasons.size < 1000) tableReasons.set(table, r);
  }
  return r;
}

// ---------------------------------------------------------------------------
// AdditionalFields

/** Cheap pre-check so connection rows parse AdditionalFields only when it may say "blocked". */
function mayMentionBlock(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return false;
  if (typeof v === 'string') return v.indexOf('lock') >= 0 || v.indexOf('LOCK') >= 0;
  return typeof v === 'object';
}

/**
 * AdditionalFields saying a connection was blocked. No documented key exists for
 * DeviceNetworkEvents; these are the shapes Defender uses elsewhere
 * (network protection, firewall): a boolean `*Blocked` key, or an action/verdict
 * value containing "block".
 */
function additionalSaysBlocked(af: Record<string, unknown>): boolean {
  for (const k in af) {
    const v = af[k];
    const lk = k.toLowerCase();
    if (lk.indexOf('block') >= 0 && (v === true || v === 'true' || v === 'True')) return true;
    if (
      (lk === 'action' || lk === 'actiontaken' || lk === 'responsecategory' || lk === 'verdict') &&
      typeof v === 'string' &&
      v.toLowerCase().indexOf('block') >= 0
    )
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// The normaliser

/** How many events may wait at most for an inspection or DNS answer (a memory bound). */
export const MERGE_BUFFER = 4096;
/** An inspection and a connection of the same socket this close in time are one connection. */
export const MERGE_WINDOW_MS = 5_000;
/** Inspections carrying the same Zeek connection uid this close in time are one connection. */
export const UID_WINDOW_MS = 60_000;
/**
 * How far a time-sorted export may step backwards and still count as sorted.
 * While it is sorted, an event further than UID_WINDOW_MS + this from the newest
 * (or oldest) time read can no longer merge with anything and leaves the buffer
 * early: most exports are sorted, and a short buffer keeps the garbage collector
 * from promoting every event (measured: twice the parse time with 4,096 waiting).
 */
const SORT_SLACK_MS = 5_000;
const DNS_MAP_LIMIT = 250_000;
const DNS_SCRATCH_KEY = 'defender:dns';

/** An event waiting in the buffer; events of one socket are chained (no array per key). */
interface Pending {
  ev: NetworkEvent;
  /** The row's line, to report it if it is merged into another event later. */
  line: number;
  devKey: string;
  reportId: string;
  /** The event's de-duplication hash (DefenderPrep.eventHash), -1 without a ReportId. */
  hash: number;
  /** Hash of the socket (device, local port, remote IP, remote port); -1 without one. Chains may mix sockets of equal hash. */
  key: number;
  /** The socket's remote IP and ports (compared on the chain walk, with devKey). */
  remoteIp: string | null;
  localPort: number;
  remotePort: number;
  uid: string | null;
  /** Uids of absorbed inspections beyond `uid` that byUid also points at this entry. */
  moreUids: string[] | null;
  isConnection: boolean;
  /** Merged into another entry, or already handed to the sink: nothing may merge into it any more. */
  dead: boolean;
  prevSame: Pending | null;
  nextSame: Pending | null;
}

interface DnsMap {
  size: number;
  byDevice: Map<string, Map<string, string>>;
}

export interface NormalizerOptions {
  /** Zone for timestamps without one (Sentinel "[UTC]" headers force 'UTC'). */
  timeZone: string;
}

export class DefenderNormalizer {
  /**
   * Also set `eventKey` to the readable DeviceId|Timestamp|ReportId (tests and
   * debugging). Off by default: de-duplication needs only `eventHash`, and the
   * string cost ~300 bytes of garbage per event (measured in bench/).
   */
  static readableKeys = false;

  /** Whether events read with `ctx` get readable keys (then rows need their ReportId to the end: no scan workers). */
  static keepsReadableKeys(ctx: ParseContext): boolean {
    return DefenderNormalizer.readableKeys || ctx.readableEventKeys === true;
  }
  private readonly timeZone: string;
  private readonly queue: Pending[] = [];
  private head = 0;
  private live = 0;
  /** Newest buffered event per socket hash; older ones hang off `prevSame`. At most MERGE_BUFFER keys: a quarter full. */
  private readonly byKey = new IntKeyTable<Pending>(14);
  private readonly byUid = new Map<string, Pending>();
  private readonly dns: DnsMap;
  // Sort detection (see SORT_SLACK_MS): +1 ascending, -1 descending, 0 not known yet.
  private sortDir = 0;
  private sorted = true;
  private firstTime = Number.NaN;
  private frontier = 0;

  private readonly readableKeys: boolean;
  private readonly scratch = emptyPrep();
  /**
   * Buffer entries nothing refers to any more, to fill again: an entry (with its event, when the sink
   * keeps no events) per row was ~300 bytes of garbage, and the collector copied much of it while the
   * scan worker's batches were read (measured: ~0.4 s of 2.9 on the 0.5M-row bench file).
   */
  private readonly spare: Pending[] = [];

  constructor(ctx: ParseContext, opts?: Partial<NormalizerOptions>) {
    this.timeZone = opts?.timeZone ?? ctx.timeZone ?? 'UTC';
    this.readableKeys = DefenderNormalizer.keepsReadableKeys(ctx);
    let dns = ctx.scratch?.get(DNS_SCRATCH_KEY) as DnsMap | undefined;
    if (!dns) {
      dns = { size: 0, byDevice: new Map() };
      ctx.scratch?.set(DNS_SCRATCH_KEY, dns);
    }
    this.dns = dns;
  }

  /** Reads one row; reports it to the sink now (skip, reject) or when it leaves the buffer (event). */
  row(r: DefenderRow, line: number, sink: ParseSink): void {
    prepRow(r, line, this.timeZone, this.scratch);
    this.take(this.scratch, sink);
  }

  /**
   * The stateful half of `row`: a row already read by `prepRow` (here, or in a scan worker that
   * read its part of the file) meets the buffer, the merge rules and the DNS answers, in file order.
   */
  take(pr: DefenderPrep, sink: ParseSink): void {
    const line = pr.line;
    const kind = pr.kind;
    if (kind === PrepKind.Skip) {
      sink.skip(line, pr.reason);
      return;
    }
    if (kind === PrepKind.Reject) {
      sink.reject(line, pr.reason);
      return;
    }
    if (kind === PrepKind.Dns) {
      if (pr.dnsName !== null && pr.dnsIps.length > 0) this.learnDns(pr.devKey, pr.dnsName, pr.dnsIps);
      sink.skip(line, pr.reason);
      return;
    }
    const time = pr.time;
    const p = this.pendingOf(pr, kind === PrepKind.Connection);
    const ev = p.ev;

    if (kind === PrepKind.Inspection) {
      const target = this.findForInspection(p);
      if (target) {
        mergeInto(target.ev, ev);
        if (p.uid !== null && target.uid === null && !this.byUid.has(p.uid)) {
          target.uid = p.uid;
          this.byUid.set(p.uid, target);
        }
        sink.skip(line, MERGED);
        // Never enqueued, its event never handed out: nothing refers to it any more.
        this.recycle(p);
        this.advance(time, sink);
        return;
      }
    } else if (p.key >= 0) {
      this.absorbInspections(p, sink);
    }
    this.enqueue(p, sink);
    this.advance(time, sink);
  }

  /** The buffer entry of a connection or inspection row: a spare one filled again, or a new one. */
  private pendingOf(pr: DefenderPrep, isConnection: boolean): Pending {
    const p = this.spare.pop() ?? blankPending();
    fillEvent(p.ev, pr);
    p.line = pr.line;
    p.devKey = pr.devKey;
    p.reportId = pr.reportId;
    p.hash = pr.eventHash;
    p.key = pr.key;
    p.remoteIp = pr.remoteIp;
    p.localPort = pr.localPort;
    p.remotePort = pr.remotePort;
    p.uid = pr.uid;
    p.moreUids = null;
    p.isConnection = isConnection;
    p.dead = false;
    p.prevSame = null;
    p.nextSame = null;
    return p;
  }

  /** Keeps an entry to fill again; only for one out of the queue, the chains and byUid, whose event is not the sink's. */
  private recycle(p: Pending): void {
    if (this.spare.length < MERGE_BUFFER) this.spare.push(p);
  }

  /** Flushes every buffered event. */
  end(sink: ParseSink): void {
    while (this.live > 0) this.emitOldest(sink);
    this.queue.length = 0;
    this.head = 0;
    this.byKey.clear();
    this.byUid.clear();
  }

  private findForInspection(p: Pending): Pending | null {
    const time = p.ev.time;
    if (p.uid !== null) {
      const u = this.byUid.get(p.uid);
      if (u && !u.dead && Math.abs(u.ev.time - time) <= UID_WINDOW_MS) return u;
    }
    if (p.key < 0) return null;
    let best: Pending | null = null;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let q = this.byKey.get(p.key) ?? null; q !== null; q = q.prevSame) {
      if (!sameSocket(p, q)) continue;
      const dt = Math.abs(q.ev.time - time);
      if (dt > MERGE_WINDOW_MS) continue;
      // A connection row wins over an earlier standalone inspection of the same socket.
      const score = q.isConnection ? dt : dt + MERGE_WINDOW_MS + 1;
      if (score < bestScore) {
        bestScore = score;
        best = q;
      }
    }
    return best;
  }

  /** A connection row arriving after its inspections (newest-first exports) takes them over. */
  private absorbInspections(p: Pending, sink: ParseSink): void {
    let q = this.byKey.get(p.key) ?? null;
    while (q !== null) {
      const older = q.prevSame;
      if (!q.isConnection && sameSocket(p, q) && Math.abs(q.ev.time - p.ev.time) <= MERGE_WINDOW_MS) {
        mergeInto(p.ev, q.ev);
        this.unlink(q);
        q.dead = true;
        this.live--;
        if (q.uid !== null && this.byUid.get(q.uid) === q) {
          this.byUid.set(q.uid, p);
          // Every uid pointing here must be released when p leaves the buffer.
          if (p.uid === null) p.uid = q.uid;
          else if (p.uid !== q.uid) {
            if (p.moreUids === null) p.moreUids = [q.uid];
            else p.moreUids.push(q.uid);
          }
        } else if (q.uid !== null && p.uid === null) {
          p.uid = q.uid;
        }
        sink.skip(q.line, MERGED);
      }
      q = older;
    }
  }

  private enqueue(p: Pending, sink: ParseSink): void {
    this.queue.push(p);
    this.live++;
    if (p.key >= 0) {
      const newest = this.byKey.get(p.key);
      if (newest) {
        newest.nextSame = p;
        p.prevSame = newest;
      }
      this.byKey.set(p.key, p);
    }
    if (p.uid !== null && !this.byUid.has(p.uid)) this.byUid.set(p.uid, p);
    if (this.live > MERGE_BUFFER) this.emitOldest(sink);
  }

  /** Tracks whether the export is sorted by time and, while it is, lets events go early. */
  private advance(time: number, sink: ParseSink): void {
    if (!this.sorted) return;
    if (this.sortDir === 0) {
      if (Number.isNaN(this.firstTime)) this.firstTime = time;
      const d = time - this.firstTime;
      if (Math.abs(d) <= SORT_SLACK_MS) return;
      this.sortDir = d > 0 ? 1 : -1;
      this.frontier = time;
    } else if ((time - this.frontier) * this.sortDir > 0) {
      this.frontier = time;
    } else if ((this.frontier - time) * this.sortDir > SORT_SLACK_MS) {
      this.sorted = false;
      return;
    }
    const reach = UID_WINDOW_MS + SORT_SLACK_MS;
    while (this.live > 0) {
      const p = this.queue[this.head];
      if (p.dead) {
        // Absorbed into a later connection: its event went nowhere, the entry can be filled again.
        this.queue[this.head++] = undefined as unknown as Pending;
        this.recycle(p);
        continue;
      }
      if ((this.frontier - p.ev.time) * this.sortDir <= reach) break;
      this.emitOldest(sink);
    }
  }

  private unlink(p: Pending): void {
    if (p.key < 0) return;
    if (p.nextSame !== null) p.nextSame.prevSame = p.prevSame;
    else if (p.prevSame !== null) this.byKey.set(p.key, p.prevSame);
    else this.byKey.delete(p.key);
    if (p.prevSame !== null) p.prevSame.nextSame = p.nextSame;
    p.prevSame = null;
    p.nextSame = null;
  }

  private emitOldest(sink: ParseSink): void {
    while (this.head < this.queue.length) {
      const p = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as Pending;
      if (p.dead) {
        this.recycle(p);
        continue;
      }
      this.live--;
      this.unlink(p);
      p.dead = true;
      if (p.uid !== null && this.byUid.get(p.uid) === p) this.byUid.delete(p.uid);
      if (p.moreUids !== null) for (const u of p.moreUids) if (this.byUid.get(u) === p) this.byUid.delete(u);
      const ev = p.ev;
      if (ev.host === null && ev.remoteIp !== null && this.dns.size > 0) {
        const name = this.dns.byDevice.get(p.devKey)?.get(ev.remoteIp);
        if (name !== undefined) ev.host = name;
      }
      if (p.hash >= 0) {
        ev.eventHash = p.hash;
        if (this.readableKeys) ev.eventKey = `${p.devKey}|${isoTime(ev.time)}|${p.reportId}`;
      }
      sink.event(ev);
      // A sink that keeps no events leaves this one free to be filled again, entry and all.
      if (sink.transient === true) this.recycle(p);
      break;
    }
    if (this.head > 8192 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private learnDns(devKey: string, name: string, ips: readonly string[]): void {
    let m = this.dns.byDevice.get(devKey);
    for (const ip of ips) {
      if (this.dns.size >= DNS_MAP_LIMIT) {
        this.dns.byDevice.clear();
        this.dns.size = 0;
        m = undefined;
      }
      if (!m) {
        m = new Map();
        // Long-lived keys: own copies, not slices of the text chunk (which would stay alive with them).
        this.dns.byDevice.set(ownCopy(devKey) as string, m);
      }
      if (!m.has(ip)) this.dns.size++;
      m.set(ownCopy(ip) as string, ownCopy(name) as string);
    }
  }
}

/** What a row is to the normaliser, decided without its state (see DefenderPrep). */
export enum PrepKind {
  Skip = 0,
  Reject = 1,
  /** A DNS inspection: its answers are learnt, the row is skipped with `reason`. */
  Dns = 2,
  Connection = 3,
  Inspection = 4,
}

/**
 * One row as far as it can be read without the normaliser's state: every value cleaned up,
 * the event's host and bytes as the row itself gives them (AdditionalFields of an inspection
 * included), its de-duplication hash and socket hash. Flat, so that a scan worker can send
 * the rows of its part of a file to the normaliser as columns (defender-batch.ts).
 */
export interface DefenderPrep {
  kind: PrepKind;
  line: number;
  /** Why a Skip, Reject or Dns row is not an event. */
  reason: string;
  time: number;
  deviceId: string | null;
  deviceName: string | null;
  /** DeviceId, else the lower-cased DeviceName: the device of the merge and DNS rules and of the event key. */
  devKey: string;
  user: string | null;
  localIp: string | null;
  remoteIp: string | null;
  /** -1 when absent. */
  remotePort: number;
  /** -1 when absent. */
  localPort: number;
  host: string | null;
  url: string | null;
  bytesUp: number | null;
  bytesDown: number | null;
  action: EventAction;
  process: string | null;
  /** '' without one (then no `eventHash`); only readable event keys need it once the hash is known. */
  reportId: string;
  /** defenderEventHash of device, time and ReportId; -1 without a ReportId. */
  eventHash: number;
  /** socketHash of device, local port, remote IP and port; -1 when one of them is missing. */
  key: number;
  /** `devKey|uid` of an inspection's Zeek uid, else null. */
  uid: string | null;
  /** A DNS row's query name (normalised), null when it has none. */
  dnsName: string | null;
  /** A DNS row's answers that are IP addresses (normalised). */
  dnsIps: string[];
}

export function emptyPrep(): DefenderPrep {
  return {
    kind: PrepKind.Skip,
    line: 0,
    reason: '',
    time: 0,
    deviceId: null,
    deviceName: null,
    devKey: '',
    user: null,
    localIp: null,
    remoteIp: null,
    remotePort: -1,
    localPort: -1,
    host: null,
    url: null,
    bytesUp: null,
    bytesDown: null,
    action: 'allowed',
    process: null,
    reportId: '',
    eventHash: -1,
    key: -1,
    uid: null,
    dnsName: null,
    dnsIps: [],
  };
}

function prepOut(out: DefenderPrep, kind: PrepKind, line: number, reason: string): void {
  out.kind = kind;
  out.line = line;
  out.reason = reason;
}

/** Reads one row into `out` (reused): everything `take` needs, decided without the normaliser's state. */
export function prepRow(r: DefenderRow, line: number, timeZone: string, out: DefenderPrep): void {
  const action = r.actionType;
  let info: ActionInfo | undefined;
  const table = r.table;
  const tableIsNetwork = table.length > 0 && (table === NETWORK_TABLE || table.endsWith(NETWORK_TABLE));
  if (table.length > 0 && !tableIsNetwork) {
    prepOut(out, PrepKind.Skip, line, notNetwork(table.startsWith('AdvancedHunting-') ? table.slice(16) : table));
    return;
  }
  if (!r.hasActionType) {
    // A projected hunt without ActionType: every row is taken as a connection.
    info = PROJECTED;
  } else {
    info = NETWORK_ACTIONS.get(action) ?? NETWORK_ACTIONS_LOWER.get(action.toLowerCase());
    if (!info) {
      if (action.length === 0) {
        if (tableIsNetwork) prepOut(out, PrepKind.Reject, line, 'no ActionType');
        else prepOut(out, PrepKind.Skip, line, notNetwork('no ActionType'));
        return;
      }
      const c = action.charCodeAt(0);
      const looksNetwork = tableIsNetwork || ((c === 67 || c === 99) && action.toLowerCase().startsWith('connection'));
      if (!looksNetwork) {
        const hasDevice = r.deviceId.length > 0 || r.deviceName.length > 0;
        prepOut(out, PrepKind.Skip, line, notNetwork(guessTable(action, hasDevice)));
        return;
      }
      info = classifyUnknownNetworkAction(action);
    }
  }

  let time = r.timeMs;
  if (Number.isNaN(time)) {
    let tv = r.time;
    if (tv === '') tv = r.timeGenerated;
    time = parseDefenderTime(tv, timeZone, r.slashDayFirst);
  }
  if (Number.isNaN(time)) {
    prepOut(out, PrepKind.Reject, line, 'unreadable Timestamp');
    return;
  }
  const deviceId = r.deviceId.length > 0 ? r.deviceId : null;
  const deviceName = r.deviceName.length > 0 ? r.deviceName : null;
  if (deviceId === null && deviceName === null) {
    prepOut(out, PrepKind.Reject, line, 'no DeviceId or DeviceName');
    return;
  }
  if (info.kind === Kind.Skip) {
    prepOut(out, PrepKind.Skip, line, info.reason);
    return;
  }
  const devKey = deviceId ?? (deviceName as string).toLowerCase();
  out.devKey = devKey;

  let af: Record<string, unknown> | null = null;
  if (info.kind !== Kind.Connection) {
    af = parseAdditional(r.additional);
    const dir = af ? af.direction : undefined;
    if (typeof dir === 'string' && (dir === 'In' || dir.toLowerCase() === 'in')) {
      prepOut(out, PrepKind.Skip, line, info.kind === Kind.Dns ? info.reason : 'inbound inspection');
      return;
    }
    if (info.kind === Kind.Dns) {
      prepOut(out, PrepKind.Dns, line, info.reason);
      prepDns(af, out);
      return;
    }
  }

  const remoteIp = normalizeIp(r.remoteIp);
  const remotePort = toPort(r.remotePort);
  const localPort = toPort(r.localPort);
  const urlParts = parseRemoteUrl(r.remoteUrl);
  let eventAction = info.action;
  if (info.kind === Kind.Connection && eventAction !== 'blocked' && mayMentionBlock(r.additional)) {
    af = parseAdditional(r.additional);
    if (af && additionalSaysBlocked(af)) eventAction = 'blocked';
  }
  out.kind = info.kind === Kind.Connection ? PrepKind.Connection : PrepKind.Inspection;
  out.line = line;
  out.reason = '';
  out.time = time;
  out.deviceId = deviceId;
  out.deviceName = deviceName;
  out.user = accountOf(r, deviceName);
  out.localIp = normalizeIp(r.localIp);
  out.remoteIp = remoteIp;
  out.remotePort = remotePort ?? -1;
  out.localPort = localPort ?? -1;
  out.host = urlParts.host;
  out.url = urlParts.url;
  out.bytesUp = null;
  out.bytesDown = null;
  out.action = eventAction;
  out.process = r.process.length > 0 ? r.process : null;
  out.reportId = r.reportId;
  // The key uses the normalised time, so the same event read from CSV, JSON,
  // Event Hub or a Sentinel export (ms display precision) gets the same key.
  out.eventHash = r.reportId.length > 0 ? defenderEventHash(devKey, time, r.reportId) : -1;
  out.key =
    localPort !== null && remoteIp !== null && remotePort !== null
      ? socketHash(devKey, localPort, remoteIp, remotePort)
      : -1;
  out.uid = null;
  if (info.kind === Kind.Inspection && af) {
    const uidV = af.uid;
    if (typeof uidV === 'string' && uidV.length > 0) out.uid = `${devKey}|${uidV}`;
    enrichFromInspection(out, af);
  }
}

/** A DNS row's query name and the answers that are IP addresses. */
function prepDns(af: Record<string, unknown> | null, out: DefenderPrep): void {
  out.dnsName = null;
  out.dnsIps.length = 0;
  if (!af) return;
  const q = af.query;
  if (typeof q !== 'string') return;
  const name = normalizeHost(q);
  if (name === null) return;
  out.dnsName = name;
  for (const a of answerList(af.answers)) {
    if (typeof a !== 'string') continue;
    const ip = normalizeIp(a);
    if (ip !== null && isIpLiteral(ip)) out.dnsIps.push(ip);
  }
}

const MERGED = 'inspection merged into its connection';

function sameSocket(a: Pending, b: Pending): boolean {
  return (
    a.localPort === b.localPort && a.remotePort === b.remotePort && a.remoteIp === b.remoteIp && a.devKey === b.devKey
  );
}

/**
 * A small-integer hash of a socket: Map keys that need no string built per row (the
 * concatenated key string was a measurable share of the garbage). Equal hashes of
 * different sockets are told apart by sameSocket.
 */
function socketHash(devKey: string, localPort: number, remoteIp: string, remotePort: number): number {
  let h = Math.imul(0x811c9dc5 ^ localPort, 0x01000193) ^ remotePort;
  for (let i = 0; i < devKey.length; i++) h = Math.imul(h ^ devKey.charCodeAt(i), 0x01000193);
  for (let i = 0; i < remoteIp.length; i++) h = Math.imul(h ^ remoteIp.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit (the KeySet indexes by low bits). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The 53-bit de-duplication key of a Defender event (the import keeps one per
 * event): the hash of device key, time and ReportId, computed from the parts
 * without building the `devKey|time|ReportId` string. Two independent lanes
 * (FNV-1a and a Murmur-constant multiply) give 32 + 21 bits, as hashKey does for
 * string keys. The time counts in whole milliseconds, as Date#toISOString shows it,
 * so a Sentinel export (ms display precision) and the 100 ns original agree.
 */
export function defenderEventHash(devKey: string, time: number, reportId: string): number {
  let a = 0x811c9dc5 ^ devKey.length;
  let b = 0x01000193 ^ Math.imul(reportId.length, 0x9e3779b1);
  for (let i = 0; i < devKey.length; i++) {
    const c = devKey.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  const t = Math.trunc(time);
  const lo = t >>> 0;
  const hi = Math.floor(t / 4_294_967_296) | 0;
  a = Math.imul(Math.imul(a ^ lo, 0x01000193) ^ hi, 0x01000193);
  b = Math.imul(Math.imul(b ^ lo, 0x5bd1e995) ^ hi, 0x5bd1e995);
  for (let i = 0; i < reportId.length; i++) {
    const c = reportId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return fmix32(a) * 0x200000 + (fmix32(b) & 0x1fffff);
}

const HOUR_MS = 3_600_000;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let isoHour = Number.NaN;
let isoHourPrefix = '';

/**
 * `new Date(t).toISOString()`, without a Date per event: the "YYYY-MM-DDTHH:" part is
 * kept for the hour (events of an export come in time order, mostly). Measured in
 * Node 20: 2.5x faster per event key than toISOString. Readable keys keep the format
 * earlier versions hashed, so their stored keys can still be matched (see `readableEventKeys`).
 */
export function isoTime(t: number): string {
  if (!Number.isInteger(t) || t < 0 || t >= 253_402_300_800_000) return new Date(t).toISOString();
  const hour = Math.floor(t / HOUR_MS);
  if (hour !== isoHour) {
    isoHour = hour;
    isoHourPrefix = new Date(hour * HOUR_MS).toISOString().slice(0, 14);
  }
  const rem = t - hour * HOUR_MS;
  const sec = Math.floor(rem / 1000);
  return `${isoHourPrefix}${PAD2[Math.floor(sec / 60)]}:${PAD2[sec % 60]}.${PAD3[rem - sec * 1000]}Z`;
}
const PROJECTED: ActionInfo = { kind: Kind.Connection, action: 'allowed', reason: '' };

/**
 * UPN when known; else the account name, as DOMAIN\name when the domain is not
 * just the device itself (local accounts read "pc01\admin" otherwise, which says
 * nothing the device column does not).
 */
function accountOf(r: DefenderRow, deviceName: string | null): string | null {
  if (r.upn.length > 0) return r.upn;
  const name = r.accountName;
  if (name.length === 0) return null;
  const dom = r.accountDomain;
  if (dom.length === 0) return name;
  if (deviceName !== null) {
    const dot = deviceName.indexOf('.');
    const local = dot > 0 ? deviceName.slice(0, dot) : deviceName;
    if (local.length === dom.length && local.toLowerCase() === dom.toLowerCase()) return name;
  }
  return `${dom}\\${name}`;
}

function enrichFromInspection(row: DefenderPrep, af: Record<string, unknown>): void {
  if (row.host === null) {
    const sn = af.server_name;
    const h = af.host;
    if (typeof sn === 'string' && sn.length > 0) row.host = normalizeHost(sn);
    if (row.host === null && typeof h === 'string' && h.length > 0) row.host = normalizeHost(h);
  }
  if (row.bytesUp === null) row.bytesUp = toCount(af.orig_bytes);
  if (row.bytesDown === null) row.bytesDown = toCount(af.resp_bytes);
}

/** A buffer entry with an event, all of it filled by `pendingOf`. */
function blankPending(): Pending {
  // Not `{ ...emptyEvent(0), eventHash: null }`: events made by spreading were 2.4x slower to fill and read on
  // (parse-only, projected 0.5M, one thread: 1.9 s -> 4.7 s) where a sink keeps its events, so each gets a new one.
  const ev = emptyEvent(0);
  ev.eventHash = null;
  return {
    ev,
    line: 0,
    devKey: '',
    reportId: '',
    hash: -1,
    key: -1,
    remoteIp: null,
    localPort: -1,
    remotePort: -1,
    uid: null,
    moreUids: null,
    isConnection: false,
    dead: false,
    prevSame: null,
    nextSame: null,
  };
}

/** The event of a prepared row, its key left unset (set when it leaves the buffer). */
function fillEvent(ev: NetworkEvent, pr: DefenderPrep): void {
  ev.time = pr.time;
  ev.deviceId = pr.deviceId;
  ev.deviceName = pr.deviceName;
  ev.user = pr.user;
  ev.localIp = pr.localIp;
  ev.remoteIp = pr.remoteIp;
  ev.remotePort = pr.remotePort < 0 ? null : pr.remotePort;
  ev.host = pr.host;
  ev.url = pr.url;
  ev.bytesUp = pr.bytesUp;
  ev.bytesDown = pr.bytesDown;
  ev.action = pr.action;
  ev.process = pr.process;
  ev.eventKey = null;
  ev.eventHash = null;
}

/** What an inspection adds to the connection it describes: what the connection lacks. */
function mergeInto(target: NetworkEvent, from: NetworkEvent): void {
  if (target.host === null) target.host = from.host;
  if (target.bytesUp === null) target.bytesUp = from.bytesUp;
  if (target.bytesDown === null) target.bytesDown = from.bytesDown;
  if (target.url === null) target.url = from.url;
  if (target.localIp === null) target.localIp = from.localIp;
}
