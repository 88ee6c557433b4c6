/**
 * Stands in for Kusto in the proof: the slice query of ../query.ts evaluated
 * step by step over raw rows, one function per `let` of the query and the same
 * regular expressions, so that "the query's facts import like the raw events"
 * can be checked without a Kusto cluster. Where Kusto picks any row
 * (take_any, arg_min ties), this takes the earliest.
 */
import { FACT_COLUMNS } from '../query';
import { kustoTime, type RawRow } from './fleet';

const HOUR = 3_600_000;
const MERGE_WINDOW_MS = 5_000;
const DNS_REACH_MS = 60_000;

export interface FactRow {
  Hour: string;
  DeviceId: string;
  DeviceName: string;
  Account: string;
  LocalIP: string;
  Host: string;
  Transactions: number;
  Blocked: number;
  BytesUp: number | null;
  BytesDown: number | null;
  FirstSeen: string;
  LastSeen: string;
}

// ---------------------------------------------------------------------------
// The query's scalar functions

function hostName(h: string): string {
  const t = h.trim();
  const colons = t.split(':').length - 1;
  const name = (colons === 1 ? t.slice(0, t.indexOf(':')) : colons > 1 ? '' : t).replace(/\.+$/, '').toLowerCase();
  return [...name].length <= 253 && /^[a-z0-9._*\u0080-\u{10FFFF}-]+$/u.test(name) && !/^[0-9.]+$/.test(name)
    ? name
    : '';
}

function urlHost(u: string): string {
  const s = u.trim();
  const sep = s.indexOf('://');
  const rest = sep > 0 && sep < 12 ? s.slice(sep + 3) : s.startsWith('//') ? s.slice(2) : s;
  const authority = /^[^/?#]*/.exec(rest)?.[0] ?? '';
  return hostName(/[^@]*$/.exec(authority)?.[0] ?? '');
}

function addr(ip: string): string {
  const t = ip.trim();
  if (t === '-') return '';
  return t.slice(0, 7).toLowerCase() === '::ffff:' && t.indexOf('.', 7) > 0 ? t.slice(7) : t.toLowerCase();
}

function accountOf(upn: string, name: string, domain: string, device: string): string {
  if (upn !== '') return upn;
  if (name === '') return '';
  return domain === '' || domain.toLowerCase() === device.split('.')[0].toLowerCase() ? name : `${domain}\\${name}`;
}

/** Kusto's tostring() of a dynamic value. */
function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function tolong(s: string): number | null {
  return /^-?\d+$/.test(s) ? Number(s) : null;
}

function todynamic(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s.length > 0 ? s : null;
  }
}

const CONNECTIONS = [
  'connectionsuccess',
  'connectionattempt',
  'connectionrequest',
  'connectionfound',
  'connectionacknowledged',
  'connectionfailed',
];
const INSPECTIONS = [
  'httpconnectioninspected',
  'sslconnectioninspected',
  'ftpconnectioninspected',
  'smtpconnectioninspected',
  'sshconnectioninspected',
  'ntlmauthenticationinspected',
  'icmpconnectioninspected',
];
const NOT_TRANSACTIONS = [
  'dnsconnectioninspected',
  'inboundconnectionaccepted',
  'listeningconnectioncreated',
  'inboundinternetscaninspected',
  'networksignatureinspected',
];

function kindOf(actionType: string): '' | 'c' | 'i' {
  const a = actionType.toLowerCase();
  if (CONNECTIONS.includes(a)) return 'c';
  if (INSPECTIONS.includes(a)) return 'i';
  if (NOT_TRANSACTIONS.includes(a)) return '';
  if (a.startsWith('inbound') || a.startsWith('listening')) return '';
  if (a.startsWith('connection')) return 'c';
  if (a.startsWith('ntlm') && a.endsWith('inspected')) return 'i';
  if (a.endsWith('connectioninspected')) return 'i';
  if (a.includes('blocked')) return 'c';
  return '';
}

// ---------------------------------------------------------------------------
// Times at Kusto's precision: (ms, 100-ns tick)

interface T {
  ms: number;
  tick: number;
}
const cmp = (a: T, b: T) => a.ms - b.ms || a.tick - b.tick;
const gapMs = (a: T, b: T) => Math.abs(a.ms - b.ms + (a.tick - b.tick) / 10_000);
const iso = (t: T) => kustoTime(t.ms, t.tick);

interface Row extends T {
  id: number;
  kind: 'c' | 'i';
  devKey: string;
  deviceId: string;
  deviceName: string;
  account: string;
  localAddr: string;
  remoteAddr: string;
  host: string;
  up: number | null;
  down: number | null;
  blocked: boolean;
  socket: string;
  uid: string;
}

type Txn = Omit<Row, 'id' | 'kind' | 'socket' | 'uid'>;

/**
 * The slice query over the rows given (all devices): transactions in [from, to)
 * are counted, the rows around it (the query's Margin) only resolve merges.
 */
export function kustoFacts(
  rows: Iterable<RawRow>,
  window: { from: number; to: number } = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY },
): FactRow[] {
  // let Events / let Rows
  const all: Row[] = [];
  const dnsRows: { t: T; devKey: string; af: Record<string, unknown> }[] = [];
  let id = 0;
  for (const x of rows) {
    const devKey = x.DeviceId !== '' ? x.DeviceId : x.DeviceName.toLowerCase();
    if (devKey === '') continue;
    const fields = x.AdditionalFields;
    const afValue = x.ActionType.toLowerCase().endsWith('inspected') ? todynamic(fields) : null;
    const af = (afValue !== null && typeof afValue === 'object' ? afValue : {}) as Record<string, unknown>;
    const t = { ms: x.ms, tick: x.tick };
    if (x.ActionType.toLowerCase() === 'dnsconnectioninspected' && str(af.direction).toLowerCase() !== 'in') {
      dnsRows.push({ t, devKey, af });
    }
    const kind = kindOf(x.ActionType);
    if (kind === '' || (kind === 'i' && str(af.direction).toLowerCase() === 'in')) continue;
    const remoteAddr = addr(x.RemoteIP);
    let host = urlHost(x.RemoteUrl);
    if (host === '' && kind === 'i') host = hostName(str(af.server_name)) || hostName(str(af.host));
    const up0 = kind === 'i' ? tolong(str(af.orig_bytes)) : null;
    const down0 = kind === 'i' ? tolong(str(af.resp_bytes)) : null;
    const lower = fields.toLowerCase();
    all.push({
      ...t,
      id: id++,
      kind,
      devKey,
      deviceId: x.DeviceId,
      deviceName: x.DeviceName,
      account: accountOf(
        x.InitiatingProcessAccountUpn,
        x.InitiatingProcessAccountName,
        x.InitiatingProcessAccountDomain,
        x.DeviceName,
      ),
      localAddr: addr(x.LocalIP),
      remoteAddr,
      host,
      up: up0 !== null && up0 >= 0 ? up0 : null,
      down: down0 !== null && down0 >= 0 ? down0 : null,
      blocked:
        kind === 'c' &&
        (x.ActionType.toLowerCase().includes('blocked') ||
          /"[^"]*block[^"]*"\s*:\s*(true|"true")/.test(lower) ||
          /"(action|actiontaken|responsecategory|verdict)"\s*:\s*"[^"]*block/.test(lower)),
      socket:
        x.LocalPort !== null && x.RemotePort !== null && remoteAddr !== ''
          ? `${devKey}|${x.LocalPort}|${remoteAddr}|${x.RemotePort}`
          : '',
      uid: kind === 'i' ? str(af.uid) : '',
    });
  }
  all.sort(cmp);

  // let Links: each inspection's nearest connection of the same socket within MergeWindow
  const connsBySocket = new Map<string, Row[]>();
  for (const r of all) {
    if (r.kind !== 'c' || r.socket === '') continue;
    const list = connsBySocket.get(r.socket);
    if (list) list.push(r);
    else connsBySocket.set(r.socket, [r]);
  }
  const links = new Map<number, Row>(); // inspection id -> connection
  for (const r of all) {
    if (r.kind !== 'i' || r.socket === '') continue;
    let best: Row | null = null;
    let bestGap = Number.POSITIVE_INFINITY;
    for (const c of connsBySocket.get(r.socket) ?? []) {
      const g = gapMs(c, r);
      if (g <= MERGE_WINDOW_MS && g < bestGap) {
        best = c;
        bestGap = g;
      }
    }
    if (best) links.set(r.id, best);
  }
  const mergedInto = new Map<number, Row[]>(); // connection id -> its inspections
  const mergedUids = new Set<string>();
  for (const r of all) {
    const c = links.get(r.id);
    if (!c) continue;
    const list = mergedInto.get(c.id);
    if (list) list.push(r);
    else mergedInto.set(c.id, [r]);
    if (r.uid !== '') mergedUids.add(`${r.devKey}|${r.uid}`);
  }

  // let Connections
  const txns: Txn[] = [];
  for (const r of all) {
    if (r.kind !== 'c') continue;
    const ins = mergedInto.get(r.id) ?? [];
    const anyOf = <K extends 'host' | 'up' | 'down'>(k: K) =>
      ins.find((i) => i[k] !== null && i[k] !== '')?.[k] ?? null;
    txns.push({
      ...r,
      host: r.host !== '' ? r.host : ((anyOf('host') as string | null) ?? ''),
      up: r.up ?? (anyOf('up') as number | null),
      down: r.down ?? (anyOf('down') as number | null),
    });
  }

  // let Standalone
  const groups = new Map<string, Row[]>();
  for (const r of all) {
    if (r.kind !== 'i' || links.has(r.id) || (r.uid !== '' && mergedUids.has(`${r.devKey}|${r.uid}`))) continue;
    const g = r.uid !== '' ? `${r.devKey}|${r.uid}` : `#${r.id}`;
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  for (const list of groups.values()) {
    const first = list[0];
    txns.push({
      ...first,
      host: first.host !== '' ? first.host : (list.find((i) => i.host !== '')?.host ?? ''),
      up: first.up ?? list.find((i) => i.up !== null)?.up ?? null,
      down: first.down ?? list.find((i) => i.down !== null)?.down ?? null,
      blocked: false,
    });
  }

  // let DnsNames
  const dns = new Map<string, { name: string; last: T; first: T }>();
  for (const d of dnsRows) {
    const query = hostName(str(d.af.query));
    if (query === '') continue;
    const answers = todynamic(str(d.af.answers));
    for (const a of Array.isArray(answers) ? answers : [answers]) {
      const ra = addr(str(a));
      if (!(/^[0-9.]+$/.test(ra) || ra.includes(':'))) continue;
      const k = `${d.devKey}|${ra}`;
      const cur = dns.get(k);
      if (!cur) dns.set(k, { name: query, last: d.t, first: d.t });
      else {
        if (cmp(d.t, cur.last) > 0) {
          cur.last = d.t;
          cur.name = query;
        }
        if (cmp(d.t, cur.first) < 0) cur.first = d.t;
      }
    }
  }

  // the final union, DNS join and summarize
  const facts = new Map<
    string,
    { txn: Txn; first: T; last: T; n: number; blocked: number; up: number | null; down: number | null; name: string }
  >();
  for (const x of txns) {
    if (x.ms < window.from || x.ms >= window.to) continue;
    let host = x.host;
    if (host === '') {
      const d = dns.get(`${x.devKey}|${x.remoteAddr}`);
      if (d && d.first.ms - x.ms + (d.first.tick - x.tick) / 10_000 <= DNS_REACH_MS) host = d.name;
    }
    if (host === '') host = x.remoteAddr;
    const hour = Math.floor(x.ms / HOUR);
    const k = [hour, x.devKey, x.account, x.localAddr, host].join('\u0001');
    const f = facts.get(k);
    if (!f) {
      facts.set(k, {
        txn: { ...x, host },
        first: x,
        last: x,
        n: 1,
        blocked: x.blocked ? 1 : 0,
        up: x.up,
        down: x.down,
        name: x.deviceName,
      });
      continue;
    }
    f.n++;
    if (x.blocked) f.blocked++;
    if (x.up !== null) f.up = (f.up ?? 0) + x.up;
    if (x.down !== null) f.down = (f.down ?? 0) + x.down;
    if (cmp(x, f.first) < 0) f.first = x;
    if (cmp(x, f.last) > 0) f.last = x;
    if (f.name === '') f.name = x.deviceName;
  }
  const out: FactRow[] = [];
  for (const f of facts.values()) {
    const hour = Math.floor(f.txn.ms / HOUR) * HOUR;
    out.push({
      Hour: kustoTime(hour, 0),
      DeviceId: f.txn.deviceId,
      DeviceName: f.name,
      Account: f.txn.account,
      LocalIP: f.txn.localAddr,
      Host: f.txn.host,
      Transactions: f.n,
      Blocked: f.blocked,
      BytesUp: f.up,
      BytesDown: f.down,
      FirstSeen: iso(f.first),
      LastSeen: iso(f.last),
    });
  }
  out.sort((a, b) =>
    a.Hour < b.Hour ? -1 : a.Hour > b.Hour ? 1 : a.DeviceId < b.DeviceId ? -1 : a.DeviceId > b.DeviceId ? 1 : 0,
  );
  return out;
}

// ---------------------------------------------------------------------------
// The result as the portals export it

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Advanced hunting's Export › CSV of the slice query's result. */
export function factsCsv(facts: readonly FactRow[]): string {
  const lines = [FACT_COLUMNS.join(',')];
  for (const f of facts) lines.push(FACT_COLUMNS.map((c) => cell(f[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The Log Analytics query API's answer for the same result. */
export function factsLogAnalyticsJson(facts: readonly FactRow[]): string {
  const types: Record<string, string> = { Transactions: 'long', Blocked: 'long', BytesUp: 'long', BytesDown: 'long' };
  return JSON.stringify({
    tables: [
      {
        name: 'PrimaryResult',
        columns: FACT_COLUMNS.map((name) => ({ name, type: types[name] ?? 'string' })),
        rows: facts.map((f) => FACT_COLUMNS.map((c) => f[c])),
      },
    ],
  });
}
