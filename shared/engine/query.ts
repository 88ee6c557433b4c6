/**
 * Answers the entity tables — Discovered apps, Machines, Users, IP addresses —
 * and the summary from the working set. The app of each fact is derived here,
 * at query time, through the host → app matcher: a newer catalog, a custom app
 * or a promoted domain re-attributes past data without re-import.
 */
import type { Matcher } from '../catalog/matcher';
import { refKey } from '../catalog/matcher';
import type { ScoreOverride, Scorer } from '../catalog/score';
import { type TagState, tagsFor } from '../catalog/tags';
import type { WorkingSet } from './working-set';

const HOUR = 3_600_000;

export interface Totals {
  transactions: number;
  blocked: number;
  /** Sum of the known upload bytes; null when no fact knew them. */
  upload: number | null;
  download: number | null;
  /** upload + download over what is known; null only when both are unknown. */
  traffic: number | null;
  firstSeen: number;
  lastSeen: number;
}

export interface AppRow extends Totals {
  /** Catalog app id, or "?" + registrable domain for unidentified entries. */
  key: string;
  appId: string | null;
  name: string;
  category: string;
  /** 0–10, 10 safest; null for unidentified entries. */
  score: number | null;
  noData: boolean;
  tags: string[];
  noise: boolean;
  users: number;
  ips: number;
  devices: number;
  /** Hosts seen in traffic attributed to this entry. */
  domains: string[];
}

export interface DeviceRow extends Totals {
  key: string;
  name: string;
  deviceId: string | null;
  apps: number;
  users: number;
  ips: number;
  riskLevel: string | null;
  reasons: string[];
}

export interface UserRow extends Totals {
  user: string;
  apps: number;
  devices: number;
  ips: number;
  /** Filled by the risk engine (shared/engine/risk.ts); null until rated. */
  riskLevel: string | null;
  reasons: string[];
}

export interface IpRow extends Totals {
  ip: string;
  apps: number;
  users: number;
  devices: number;
}

export interface Summary {
  apps: number;
  devices: number;
  users: number;
  ips: number;
  transactions: number;
  traffic: number | null;
  upload: number | null;
  download: number | null;
  firstEvent: number | null;
  lastEvent: number | null;
}

export interface QueryContext {
  matcher: Matcher;
  scorer: Scorer;
  tags: TagState;
  overrides: Readonly<Record<string, ScoreOverride>>;
  /** Only facts of these data sources (ids); all when omitted. */
  sources?: ReadonlySet<string> | null;
  /** Window, UTC ms (inclusive from, exclusive to), on the fact's hour. */
  from?: number | null;
  to?: number | null;
  /** Restrict to these fact rows (already filtered by window and sources), e.g. one device's. */
  rows?: readonly number[];
}

export interface Tables {
  apps: AppRow[];
  devices: DeviceRow[];
  users: UserRow[];
  ips: IpRow[];
  summary: Summary;
}

class Acc {
  transactions = 0;
  blocked = 0;
  up = Number.NaN;
  down = Number.NaN;
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  a = new Set<number>();
  b = new Set<number>();
  c = new Set<number>();

  add(ws: WorkingSet, i: number): void {
    this.transactions += ws.transactions[i];
    this.blocked += ws.blocked[i];
    const u = ws.bytesUp[i];
    if (!Number.isNaN(u)) this.up = Number.isNaN(this.up) ? u : this.up + u;
    const d = ws.bytesDown[i];
    if (!Number.isNaN(d)) this.down = Number.isNaN(this.down) ? d : this.down + d;
    if (ws.firstSeen[i] < this.first) this.first = ws.firstSeen[i];
    if (ws.lastSeen[i] > this.last) this.last = ws.lastSeen[i];
  }

  totals(): Totals {
    const upload = Number.isNaN(this.up) ? null : this.up;
    const download = Number.isNaN(this.down) ? null : this.down;
    return {
      transactions: this.transactions,
      blocked: this.blocked,
      upload,
      download,
      traffic: upload === null && download === null ? null : (upload ?? 0) + (download ?? 0),
      firstSeen: this.first,
      lastSeen: this.last,
    };
  }
}

function distinctCount(s: Set<number>): number {
  return s.has(-1) ? s.size - 1 : s.size;
}

const IP_RE = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

/** Which facts fall in the window and sources. */
function* selected(ws: WorkingSet, ctx: QueryContext): Generator<number> {
  if (ctx.rows) {
    yield* ctx.rows;
    return;
  }
  const fromHour = ctx.from != null ? Math.floor(ctx.from / HOUR) : Number.NEGATIVE_INFINITY;
  const toHour = ctx.to != null ? Math.ceil(ctx.to / HOUR) : Number.POSITIVE_INFINITY;
  let sourceIds: Set<number> | null = null;
  if (ctx.sources) {
    sourceIds = new Set();
    for (const s of ctx.sources) sourceIds.add(ws.pool.id(s));
  }
  for (let i = 0; i < ws.n; i++) {
    const h = ws.hour[i];
    if (h < fromHour || h >= toHour) continue;
    if (sourceIds && !sourceIds.has(ws.source[i])) continue;
    yield i;
  }
}

export function computeTables(ws: WorkingSet, ctx: QueryContext): Tables {
  // host string id -> app entity index, resolved once per distinct host
  const appOfHost = new Map<number, number>();
  const appKeys: string[] = [];
  const appIndex = new Map<string, number>();
  const appAcc: Acc[] = [];
  const appHosts: Set<number>[] = [];
  const appRefs: ReturnType<Matcher['matchHost']>[] = [];
  const deviceAcc = new Map<number, Acc>();
  const deviceNames = new Map<number, number>();
  const userAcc = new Map<number, Acc>();
  const ipAcc = new Map<number, Acc>();
  const total = new Acc();
  const allDevices = new Set<number>();
  const allUsers = new Set<number>();
  const allIps = new Set<number>();

  const entityOf = (hostId: number): number => {
    let e = appOfHost.get(hostId);
    if (e !== undefined) return e;
    const host = ws.str(hostId) ?? '';
    const ref = (IP_RE.test(host) ? ctx.matcher.matchIp(host) : null) ?? ctx.matcher.matchHost(host);
    const key = refKey(ref);
    e = appIndex.get(key);
    if (e === undefined) {
      e = appKeys.length;
      appKeys.push(key);
      appIndex.set(key, e);
      appAcc.push(new Acc());
      appHosts.push(new Set());
      appRefs.push(ref);
    }
    appOfHost.set(hostId, e);
    return e;
  };

  const acc = (m: Map<number, Acc>, k: number): Acc => {
    let a = m.get(k);
    if (!a) {
      a = new Acc();
      m.set(k, a);
    }
    return a;
  };

  for (const i of selected(ws, ctx)) {
    const hostId = ws.host[i];
    const app = hostId >= 0 ? entityOf(hostId) : -1;
    const dev = ws.device[i];
    const user = ws.user[i];
    const ip = ws.localIp[i];
    total.add(ws, i);
    allDevices.add(dev);
    allUsers.add(user);
    allIps.add(ip);
    if (app >= 0) {
      const a = appAcc[app];
      a.add(ws, i);
      a.a.add(user);
      a.b.add(ip);
      a.c.add(dev);
      appHosts[app].add(hostId);
    }
    if (dev >= 0) {
      const d = acc(deviceAcc, dev);
      d.add(ws, i);
      d.a.add(app);
      d.b.add(user);
      d.c.add(ip);
      if (ws.deviceName[i] >= 0) deviceNames.set(dev, ws.deviceName[i]);
    }
    if (user >= 0) {
      const u = acc(userAcc, user);
      u.add(ws, i);
      u.a.add(app);
      u.b.add(dev);
      u.c.add(ip);
    }
    if (ip >= 0) {
      const p = acc(ipAcc, ip);
      p.add(ws, i);
      p.a.add(app);
      p.b.add(user);
      p.c.add(dev);
    }
  }

  const apps: AppRow[] = appKeys.map((key, e) => {
    const ref = appRefs[e];
    const catalogApp = ctx.matcher.app(ref);
    const a = appAcc[e];
    const breakdown = catalogApp ? ctx.scorer(catalogApp, ctx.overrides[catalogApp.id] ?? null) : null;
    const domains = [...appHosts[e]].map((h) => ws.str(h) ?? '').sort();
    return {
      ...a.totals(),
      key,
      appId: catalogApp?.id ?? null,
      name: catalogApp?.name ?? (ref.kind === 'unidentified' ? ref.key : key),
      category: catalogApp?.category ?? 'Unidentified',
      score: breakdown ? breakdown.score : null,
      noData: breakdown?.noData ?? false,
      tags: catalogApp ? tagsFor(ctx.tags, catalogApp) : [...(ctx.tags[key] ?? [])],
      noise: ctx.matcher.isNoise(ref),
      users: distinctCount(a.a),
      ips: distinctCount(a.b),
      devices: distinctCount(a.c),
      domains,
    };
  });

  const devices: DeviceRow[] = [...deviceAcc].map(([dev, a]) => {
    const key = ws.str(dev) ?? '';
    const nameId = deviceNames.get(dev);
    const name = nameId !== undefined ? (ws.str(nameId) ?? key) : key;
    return {
      ...a.totals(),
      key,
      name,
      deviceId: nameId !== undefined && key !== name.toLowerCase() ? key : null,
      apps: distinctCount(a.a),
      users: distinctCount(a.b),
      ips: distinctCount(a.c),
      riskLevel: null,
      reasons: [],
    };
  });

  const users: UserRow[] = [...userAcc].map(([u, a]) => ({
    ...a.totals(),
    user: ws.str(u) ?? '',
    apps: distinctCount(a.a),
    devices: distinctCount(a.b),
    ips: distinctCount(a.c),
    riskLevel: null,
    reasons: [],
  }));

  const ips: IpRow[] = [...ipAcc].map(([p, a]) => ({
    ...a.totals(),
    ip: ws.str(p) ?? '',
    apps: distinctCount(a.a),
    users: distinctCount(a.b),
    devices: distinctCount(a.c),
  }));

  const byTraffic = <T extends Totals>(x: T, y: T) =>
    (y.traffic ?? -1) - (x.traffic ?? -1) || y.transactions - x.transactions;
  apps.sort((x, y) => byTraffic(x, y) || x.name.localeCompare(y.name));
  devices.sort((x, y) => byTraffic(x, y) || x.name.localeCompare(y.name));
  users.sort((x, y) => byTraffic(x, y) || x.user.localeCompare(y.user));
  ips.sort((x, y) => byTraffic(x, y) || x.ip.localeCompare(y.ip));

  const t = total.totals();
  return {
    apps,
    devices,
    users,
    ips,
    summary: {
      apps: apps.length,
      devices: distinctCount(allDevices),
      users: distinctCount(allUsers),
      ips: distinctCount(allIps),
      transactions: t.transactions,
      traffic: t.traffic,
      upload: t.upload,
      download: t.download,
      firstEvent: t.transactions > 0 ? t.firstSeen : null,
      lastEvent: t.transactions > 0 ? t.lastSeen : null,
    },
  };
}
