/**
 * Hourly facts aggregated elsewhere — the result of the KQL that Cloudscope
 * generates for advanced hunting or Sentinel (shared/kql) — read back as one
 * weighted event per row: the row's hour, device, account, local IP and host,
 * with its transaction count, blocked count, bytes and first and last seen.
 * Shared by the CSV and JSON readers; columns are found by name (case and a
 * trailing "[UTC]" ignored), never by position.
 *
 * A row's event key is its fact key as written in the file, so a slice imported
 * twice (or two overlapping exports) adds each fact once. Rows must describe one
 * hour: FirstSeen and LastSeen inside the Hour, Transactions a whole number of 1
 * or more, Blocked at most Transactions, bytes empty (unknown) or non-negative.
 */
import type { NetworkEvent } from '../domain/event';
import { isIpLiteral, normalizeColumnName, normalizeHost, normalizeIp, parseDefenderTime } from './defender-values';
import type { ParseSink } from './types';

export type FactsField =
  | 'hour'
  | 'deviceId'
  | 'deviceName'
  | 'account'
  | 'localIp'
  | 'host'
  | 'transactions'
  | 'blocked'
  | 'bytesUp'
  | 'bytesDown'
  | 'firstSeen'
  | 'lastSeen';

/** Normalised column names (see normalizeColumnName) per field. */
const ALIASES: Record<FactsField, readonly string[]> = {
  hour: ['hour'],
  deviceId: ['deviceid'],
  deviceName: ['devicename'],
  account: ['account', 'user'],
  localIp: ['localip'],
  host: ['host'],
  transactions: ['transactions', 'count'],
  blocked: ['blocked'],
  bytesUp: ['bytesup'],
  bytesDown: ['bytesdown'],
  firstSeen: ['firstseen'],
  lastSeen: ['lastseen'],
};

const FIELD_BY_NAME: Map<string, FactsField> = (() => {
  const m = new Map<string, FactsField>();
  for (const [f, names] of Object.entries(ALIASES) as [FactsField, readonly string[]][]) {
    for (const n of names) m.set(n, f);
  }
  return m;
})();

export function factsFieldOf(column: string): FactsField | undefined {
  return FIELD_BY_NAME.get(normalizeColumnName(column));
}

/**
 * How surely a set of column names is a facts export: the count, first and last
 * seen, a host and a device are required; Hour is expected (0.99) but may be
 * derived from FirstSeen (0.9).
 */
export function sniffFactsColumns(columns: Iterable<string>): number {
  const seen = new Set<FactsField>();
  for (const c of columns) {
    const f = factsFieldOf(c);
    if (f) seen.add(f);
  }
  const core =
    seen.has('transactions') &&
    seen.has('firstSeen') &&
    seen.has('lastSeen') &&
    seen.has('host') &&
    (seen.has('deviceId') || seen.has('deviceName'));
  if (!core) return 0;
  return seen.has('hour') ? 0.99 : 0.9;
}

const HOUR = 3_600_000;
const DUPLICATE_KEY_SEP = '\u0001';

function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function timeOf(v: unknown): number {
  if (typeof v === 'number') return parseDefenderTime(v, 'UTC');
  const s = text(v);
  return s.length === 0 ? Number.NaN : parseDefenderTime(s, 'UTC');
}

/** A whole number >= 0 (numbers like "12.0" included); NaN otherwise. */
function wholeOf(v: unknown): number {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : Number.NaN;
  const s = text(v);
  return /^\d+(\.0*)?$/.test(s) ? Number(s) : Number.NaN;
}

/** Bytes: null when empty (the source could not say), NaN when unreadable. */
function bytesOf(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : Number.NaN;
  const s = text(v);
  if (s.length === 0) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : Number.NaN;
}

/** Reads one fact row (values looked up by field) into a weighted event, or rejects it with a reason. */
export function readFactRow(get: (f: FactsField) => unknown, line: number, sink: ParseSink): void {
  const first = timeOf(get('firstSeen'));
  const last = timeOf(get('lastSeen'));
  if (Number.isNaN(first) || Number.isNaN(last)) {
    sink.reject(line, 'unreadable FirstSeen or LastSeen');
    return;
  }
  const hourIndex = Math.floor(first / HOUR);
  if (last < first || Math.floor(last / HOUR) !== hourIndex) {
    sink.reject(line, 'FirstSeen and LastSeen are not in order within one hour');
    return;
  }
  const hourValue = get('hour');
  if (text(hourValue).length > 0 || typeof hourValue === 'number') {
    const hour = timeOf(hourValue);
    if (Number.isNaN(hour)) {
      sink.reject(line, 'unreadable Hour');
      return;
    }
    if (Math.floor(hour / HOUR) !== hourIndex) {
      sink.reject(line, 'FirstSeen is not within the row’s Hour');
      return;
    }
  }
  const count = wholeOf(get('transactions'));
  if (!(count >= 1)) {
    sink.reject(line, 'Transactions is not a whole number of 1 or more');
    return;
  }
  const blockedText = text(get('blocked'));
  const blocked = blockedText.length === 0 ? 0 : wholeOf(get('blocked'));
  if (!(blocked >= 0 && blocked <= count)) {
    sink.reject(line, 'Blocked is not a whole number between 0 and Transactions');
    return;
  }
  const bytesUp = bytesOf(get('bytesUp'));
  const bytesDown = bytesOf(get('bytesDown'));
  if (Number.isNaN(bytesUp) || Number.isNaN(bytesDown)) {
    sink.reject(line, 'BytesUp or BytesDown is not a number of 0 or more');
    return;
  }
  const deviceIdText = text(get('deviceId'));
  const deviceNameText = text(get('deviceName'));
  if (deviceIdText.length === 0 && deviceNameText.length === 0) {
    sink.reject(line, 'no DeviceId or DeviceName');
    return;
  }
  const hostText = text(get('host'));
  let host: string | null = null;
  let remoteIp: string | null = null;
  if (hostText.length > 0) {
    const ip = normalizeIp(hostText);
    if (ip !== null && isIpLiteral(ip)) remoteIp = ip;
    else {
      host = normalizeHost(hostText);
      if (host === null) {
        sink.reject(line, 'Host is neither a hostname nor an IP address');
        return;
      }
    }
  }
  const accountText = text(get('account'));
  const localIpText = text(get('localIp'));
  const deviceKey = deviceIdText.length > 0 ? deviceIdText : deviceNameText.toLowerCase();
  const ev: NetworkEvent = {
    time: first,
    deviceId: deviceIdText.length > 0 ? deviceIdText : null,
    deviceName: deviceNameText.length > 0 ? deviceNameText : null,
    user: accountText.length > 0 ? accountText : null,
    localIp: normalizeIp(localIpText),
    remoteIp,
    remotePort: null,
    host,
    url: null,
    bytesUp,
    bytesDown,
    action: 'allowed',
    process: null,
    // The fact key as written: two exports of the same fact collide, two different facts never do.
    eventKey: ['fact', deviceKey, hourIndex, accountText, localIpText, hostText.toLowerCase()].join(DUPLICATE_KEY_SEP),
    aggregate: { count, blocked, firstSeen: first, lastSeen: last },
  };
  sink.event(ev);
}
