/**
 * Answers the entity tables — Discovered apps, Machines, Users, IP addresses —
 * and the summary from the working set. The app of each fact is derived here,
 * at query time, through the host → app matcher: a newer catalog, a custom app
 * or a promoted domain re-attributes past data without re-import.
 */

import type { Matcher } from '../catalog/matcher';
import { matchAddress, refKey } from '../catalog/matcher';
import { hasNoRiskData, type ScoreOverride, type Scorer } from '../catalog/score';
import { type TagState, tagsFor } from '../catalog/tags';
import type { Catalog, CatalogApp } from '../catalog/types';
import { addBytes, sourceMaskOf } from './daily';
import { runSteps } from './steps';
import { resized } from './typed';
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
  /** Filled by the risk engine: the anomalies against its baseline in the window, by day (see RowAnomaly). */
  anomalies?: RowAnomaly[];
}

/** An anomaly as a device's or user's page lists it: its day (UTC ms of the day's start), rule, severity and text. */
export interface RowAnomaly {
  day: number;
  time: number;
  kind: 'transaction-spike' | 'upload-spike' | 'first-use' | 'off-hours';
  severity: 'Low' | 'Medium' | 'High';
  text: string;
}

export interface UserRow extends Totals {
  user: string;
  apps: number;
  devices: number;
  ips: number;
  /** Filled by the risk engine (shared/engine/risk.ts); null until rated. */
  riskLevel: string | null;
  reasons: string[];
  anomalies?: RowAnomaly[];
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

/** What the analyst's judgement makes of an app row (a catalog app, or `key` when unidentified): its score and tags. */
function appRowJudgement(
  app: CatalogApp | null,
  key: string,
  ctx: Pick<QueryContext, 'scorer' | 'tags' | 'overrides'>,
): Pick<AppRow, 'score' | 'noData' | 'tags'> {
  const breakdown = app ? ctx.scorer(app, ctx.overrides[app.id] ?? null) : null;
  return {
    score: breakdown ? breakdown.score : null,
    noData: breakdown ? hasNoRiskData(breakdown) : false,
    tags: app ? tagsFor(ctx.tags, app) : [...(ctx.tags[key] ?? [])],
  };
}

/**
 * App rows as newer tags, overrides or score weights judge them (appRowJudgement, as computeTables does), everything
 * else (what traffic they are) kept: what a re-appraisal changes in the tables.
 */
export function rejudgedAppRows(
  apps: readonly AppRow[],
  ctx: Pick<QueryContext, 'scorer' | 'tags' | 'overrides'>,
  catalog: Catalog,
): AppRow[] {
  const byId = new Map(catalog.apps.map((a) => [a.id, a]));
  return apps.map((row) => ({
    ...row,
    ...appRowJudgement(row.appId === null ? null : (byId.get(row.appId) ?? null), row.key, ctx),
  }));
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
  rows?: Int32Array | readonly number[];
}

export interface Tables {
  apps: AppRow[];
  devices: DeviceRow[];
  users: UserRow[];
  ips: IpRow[];
  summary: Summary;
}

/** Per-entity totals as columns, indexed by the entity's local index. */
class Accs {
  n = 0;
  transactions = new Float64Array(64);
  blocked = new Float64Array(64);
  /** NaN while no fact knew the bytes. */
  up = new Float64Array(64);
  down = new Float64Array(64);
  first = new Float64Array(64);
  last = new Float64Array(64);

  /** A new entity with nothing summed yet; returns its index. */
  push(): number {
    const e = this.n++;
    if (this.n > this.transactions.length) {
      const grow = <T extends Float64Array>(a: T): T => resized(a, a.length * 2);
      this.transactions = grow(this.transactions);
      this.blocked = grow(this.blocked);
      this.up = grow(this.up);
      this.down = grow(this.down);
      this.first = grow(this.first);
      this.last = grow(this.last);
    }
    this.transactions[e] = 0;
    this.blocked[e] = 0;
    this.up[e] = Number.NaN;
    this.down[e] = Number.NaN;
    this.first[e] = Number.POSITIVE_INFINITY;
    this.last[e] = Number.NEGATIVE_INFINITY;
    return e;
  }

  add(e: number, ws: WorkingSet, i: number): void {
    this.transactions[e] += ws.transactions[i];
    this.blocked[e] += ws.blocked[i];
    this.up[e] = addBytes(this.up[e], ws.bytesUp[i]);
    this.down[e] = addBytes(this.down[e], ws.bytesDown[i]);
    if (ws.firstSeen[i] < this.first[e]) this.first[e] = ws.firstSeen[i];
    if (ws.lastSeen[i] > this.last[e]) this.last[e] = ws.lastSeen[i];
  }

  totals(e: number): Totals {
    const upload = Number.isNaN(this.up[e]) ? null : this.up[e];
    const download = Number.isNaN(this.down[e]) ? null : this.down[e];
    return {
      transactions: this.transactions[e],
      blocked: this.blocked[e],
      upload,
      download,
      traffic: upload === null && download === null ? null : (upload ?? 0) + (download ?? 0),
      firstSeen: this.first[e],
      lastSeen: this.last[e],
    };
  }
}

/**
 * An entity row: its totals (a fresh literal), then its own fields added to that object. Not `{ ...totals, key, … }`:
 * V8 reads a spread's properties ~5–8× slower when the rows are sorted and written (measured: computeTables at 0.5M
 * rows 160–200 → 65–100 ms).
 */
function withTotals<T extends object>(totals: Totals, own: T): Totals & T {
  return Object.assign(totals, own);
}

/** A device row's key, name (its key when the facts name none) and Device ID, from string ids (`nameId` -1: none). */
function deviceNaming(ws: WorkingSet, keyId: number, nameId: number): Pick<DeviceRow, 'key' | 'name' | 'deviceId'> {
  const key = ws.str(keyId) ?? '';
  const name = nameId >= 0 ? (ws.str(nameId) ?? key) : key;
  return { key, name, deviceId: nameId >= 0 && key !== name.toLowerCase() ? key : null };
}

/** Local index + 1 of each string id of one column; 0 for one not seen. */
class Locals {
  readonly of: Int32Array;
  readonly ids: number[] = [];
  constructor(size: number) {
    this.of = new Int32Array(size);
  }
  /** The local index of string id `id` (>= 0), added in first-seen order. */
  local(id: number): number {
    const l = this.of[id];
    if (l > 0) return l - 1;
    this.ids.push(id);
    this.of[id] = this.ids.length;
    return this.ids.length - 1;
  }
}

/** Which facts fall in the window and sources, in fact order (`ctx.rows` when given): pass as `rows` to reuse. */
export function selectedFacts(
  ws: WorkingSet,
  ctx: Pick<QueryContext, 'from' | 'to' | 'sources' | 'rows'>,
): Int32Array | readonly number[] {
  if (ctx.rows) return ctx.rows;
  const fromHour = ctx.from != null ? Math.floor(ctx.from / HOUR) : Number.NEGATIVE_INFINITY;
  const toHour = ctx.to != null ? Math.ceil(ctx.to / HOUR) : Number.POSITIVE_INFINITY;
  const mask = sourceMaskOf(ws, ctx.sources);
  let k = 0;
  const out = new Int32Array(ws.n);
  for (let i = 0; i < ws.n; i++) {
    const h = ws.hour[i];
    if (h < fromHour || h >= toHour) continue;
    if (mask && mask[ws.source[i]] !== 1) continue;
    out[k++] = i;
  }
  return out.subarray(0, k);
}

/**
 * Distinct pairs by grouping: the selected facts (by position) ordered by their `group` column (a counting
 * sort), then per group a stamp per partner value. For each partner column: how many distinct partners a group
 * has (`own`), and how many distinct groups each partner has (`theirs`). Columns hold local indices by the
 * fact's position among the selected ones; values < 0 are unknown and never counted.
 */
function distinctPairs(
  group: Int32Array,
  groups: number,
  partners: { col: Int32Array; size: number; own: Int32Array; theirs: Int32Array }[],
): void {
  const start = new Int32Array(groups + 1);
  for (let k = 0; k < group.length; k++) {
    const g = group[k];
    if (g >= 0) start[g + 1]++;
  }
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  // One partner: its values themselves, in group order (read front to back); several: the facts' positions.
  const single = partners.length === 1 ? partners[0].col : null;
  const order = new Int32Array(start[groups]);
  const next = start.slice(0, groups);
  for (let k = 0; k < group.length; k++) {
    const g = group[k];
    if (g >= 0) order[next[g]++] = single ? single[k] : k;
  }
  for (const p of partners) {
    const stamp = new Int32Array(p.size);
    const col = p.col;
    for (let g = 0; g < groups; g++) {
      for (let j = start[g]; j < start[g + 1]; j++) {
        const v = single ? order[j] : col[order[j]];
        if (v < 0 || stamp[v] === g + 1) continue;
        stamp[v] = g + 1;
        p.own[g]++;
        p.theirs[v]++;
      }
    }
  }
}

/**
 * The report's tables. `appsOnly`: what the dashboard shows first, in about half the time — the apps with
 * their users (not their IP addresses or devices, left 0) and the summary; no device, user or IP rows.
 */
export function computeTables(ws: WorkingSet, ctx: QueryContext, appsOnly = false): Tables {
  return runSteps(tableSteps(ws, ctx, appsOnly));
}

/** Facts summed between two of tableSteps' yields: ~0.1–0.3 s of work, so a request waits no longer behind it. */
export const TABLE_STEP_FACTS = 1 << 20;

/**
 * The same for a computation that waits for quiet moments (idle work): ~30–60 ms of work (a 4M-fact report took
 * ~0.46 s per 2^20 facts in Chromium's engine worker), since a view that lets such a stage in while it reads the store
 * waits behind it (half a second, measured, with stages of TABLE_STEP_FACTS).
 */
export const IDLE_TABLE_STEP_FACTS = 1 << 17;

/**
 * computeTables in steps, yielding after every `stepFacts` facts of its main pass and before the rows are
 * built, so a caller that must stay responsive (the engine worker computing a report in the background) can let
 * requests in between. `stepFacts` may be asked again after each yield (a computation's pace can change).
 */
export function* tableSteps(
  ws: WorkingSet,
  ctx: QueryContext,
  appsOnly = false,
  stepFacts: number | (() => number) = TABLE_STEP_FACTS,
): Generator<void, Tables> {
  const stepOf = typeof stepFacts === 'number' ? () => stepFacts : stepFacts;
  const rows = selectedFacts(ws, ctx);
  const poolSize = ws.pool.strings.length;
  // host string id -> app entity index + 1, resolved once per distinct host
  const appOfHost = new Int32Array(poolSize);
  const resolvedHosts: number[] = [];
  const appKeys: string[] = [];
  const appIndex = new Map<string, number>();
  const appRefs: ReturnType<Matcher['matchHost']>[] = [];
  const appAcc = new Accs();
  const deviceAcc = new Accs();
  const userAcc = new Accs();
  const ipAcc = new Accs();
  const devLocals = new Locals(poolSize);
  const userLocals = new Locals(poolSize);
  const ipLocals = new Locals(poolSize);
  const deviceNames: number[] = [];
  const total = new Accs();
  total.push();

  const entityOf = (hostId: number): number => {
    const hit = appOfHost[hostId];
    if (hit > 0) return hit - 1;
    const host = ws.str(hostId) ?? '';
    const ref = matchAddress(ctx.matcher, host);
    const key = refKey(ref);
    let e = appIndex.get(key);
    if (e === undefined) {
      e = appKeys.length;
      appKeys.push(key);
      appIndex.set(key, e);
      appAcc.push();
      appRefs.push(ref);
    }
    appOfHost[hostId] = e + 1;
    resolvedHosts.push(hostId);
    return e;
  };

  // Each selected fact's app, device, user and IP as local indices (-1: none), for the distinct counts below.
  const appCol = new Int32Array(rows.length);
  const userCol = new Int32Array(rows.length);
  const devCol = appsOnly ? null : new Int32Array(rows.length);
  const ipCol = appsOnly ? null : new Int32Array(rows.length);
  let left = stepOf();
  for (let k = 0; k < rows.length; k++) {
    if (left-- === 0) {
      yield;
      left = stepOf() - 1;
    }
    const i = rows[k];
    const hostId = ws.host[i];
    const dev = ws.device[i];
    const user = ws.user[i];
    const ip = ws.localIp[i];
    total.add(0, ws, i);
    let a = -1;
    if (hostId >= 0) {
      a = entityOf(hostId);
      appAcc.add(a, ws, i);
    }
    appCol[k] = a;
    if (appsOnly) {
      // Only the distinct counts of the summary (and users, for the apps' user counts).
      if (dev >= 0) devLocals.local(dev);
      userCol[k] = user >= 0 ? userLocals.local(user) : -1;
      if (ip >= 0) ipLocals.local(ip);
      continue;
    }
    let d = -1;
    if (dev >= 0) {
      d = devLocals.local(dev);
      if (d === deviceAcc.n) {
        deviceAcc.push();
        deviceNames.push(-1);
      }
      deviceAcc.add(d, ws, i);
      if (ws.deviceName[i] >= 0) deviceNames[d] = ws.deviceName[i];
    }
    if (devCol) devCol[k] = d;
    let u = -1;
    if (user >= 0) {
      u = userLocals.local(user);
      if (u === userAcc.n) userAcc.push();
      userAcc.add(u, ws, i);
    }
    userCol[k] = u;
    let p = -1;
    if (ip >= 0) {
      p = ipLocals.local(ip);
      if (p === ipAcc.n) ipAcc.push();
      ipAcc.add(p, ws, i);
    }
    if (ipCol) ipCol[k] = p;
  }

  yield;
  // Distinct apps, users, devices and IPs of each entity, by grouping the facts three times.
  const nApps = appKeys.length;
  const nDev = devLocals.ids.length;
  const nUser = userLocals.ids.length;
  const nIp = ipLocals.ids.length;
  const count = {
    appUsers: new Int32Array(nApps),
    appIps: new Int32Array(nApps),
    appDevices: new Int32Array(nApps),
    devApps: new Int32Array(nDev),
    devUsers: new Int32Array(nDev),
    devIps: new Int32Array(nDev),
    userApps: new Int32Array(nUser),
    userDevices: new Int32Array(nUser),
    userIps: new Int32Array(nUser),
    ipApps: new Int32Array(nIp),
    ipUsers: new Int32Array(nIp),
    ipDevices: new Int32Array(nIp),
  };
  // appsOnly (no device or IP columns): the apps' users only.
  if (!devCol || !ipCol) {
    distinctPairs(userCol, nUser, [{ col: appCol, size: nApps, own: count.userApps, theirs: count.appUsers }]);
  } else {
    distinctPairs(devCol, nDev, [
      { col: appCol, size: nApps, own: count.devApps, theirs: count.appDevices },
      { col: userCol, size: nUser, own: count.devUsers, theirs: count.userDevices },
      { col: ipCol, size: nIp, own: count.devIps, theirs: count.ipDevices },
    ]);
    distinctPairs(userCol, nUser, [
      { col: appCol, size: nApps, own: count.userApps, theirs: count.appUsers },
      { col: ipCol, size: nIp, own: count.userIps, theirs: count.ipUsers },
    ]);
    distinctPairs(ipCol, nIp, [{ col: appCol, size: nApps, own: count.ipApps, theirs: count.appIps }]);
  }
  const appHosts: number[][] = Array.from({ length: nApps }, () => []);
  for (const h of resolvedHosts) appHosts[appOfHost[h] - 1].push(h);

  const apps: AppRow[] = appKeys.map((key, e) => {
    const ref = appRefs[e];
    const catalogApp = ctx.matcher.app(ref);
    const domains = appHosts[e].map((h) => ws.str(h) ?? '').sort();
    return withTotals(appAcc.totals(e), {
      key,
      appId: catalogApp?.id ?? null,
      name: catalogApp?.name ?? (ref.kind === 'unidentified' ? ref.key : key),
      category: catalogApp?.category ?? 'Unidentified',
      ...appRowJudgement(catalogApp, key, ctx),
      noise: ctx.matcher.isNoise(ref),
      users: count.appUsers[e],
      ips: count.appIps[e],
      devices: count.appDevices[e],
      domains,
    });
  });

  const devices: DeviceRow[] = (appsOnly ? [] : devLocals.ids).map((dev, d) => {
    const naming = deviceNaming(ws, dev, deviceNames[d]);
    return withTotals(deviceAcc.totals(d), {
      key: naming.key,
      name: naming.name,
      deviceId: naming.deviceId,
      apps: count.devApps[d],
      users: count.devUsers[d],
      ips: count.devIps[d],
      riskLevel: null,
      reasons: [],
    });
  });

  const users: UserRow[] = (appsOnly ? [] : userLocals.ids).map((u, l) =>
    withTotals(userAcc.totals(l), {
      user: ws.str(u) ?? '',
      apps: count.userApps[l],
      devices: count.userDevices[l],
      ips: count.userIps[l],
      riskLevel: null,
      reasons: [],
    }),
  );

  const ips: IpRow[] = (appsOnly ? [] : ipLocals.ids).map((p, l) =>
    withTotals(ipAcc.totals(l), {
      ip: ws.str(p) ?? '',
      apps: count.ipApps[l],
      users: count.ipUsers[l],
      devices: count.ipDevices[l],
    }),
  );

  const byTraffic = <T extends Totals>(x: T, y: T) =>
    (y.traffic ?? -1) - (x.traffic ?? -1) || y.transactions - x.transactions;
  apps.sort((x, y) => byTraffic(x, y) || x.name.localeCompare(y.name));
  devices.sort((x, y) => byTraffic(x, y) || x.name.localeCompare(y.name));
  users.sort((x, y) => byTraffic(x, y) || x.user.localeCompare(y.user));
  ips.sort((x, y) => byTraffic(x, y) || x.ip.localeCompare(y.ip));

  const t = total.totals(0);
  return {
    apps,
    devices,
    users,
    ips,
    summary: {
      apps: apps.length,
      devices: nDev,
      users: nUser,
      ips: nIp,
      transactions: t.transactions,
      traffic: t.traffic,
      upload: t.upload,
      download: t.download,
      firstEvent: t.transactions > 0 ? t.firstSeen : null,
      lastEvent: t.transactions > 0 ? t.lastSeen : null,
    },
  };
}

/**
 * The first `limit` rows of the device table by `rank` (higher first), then transactions — the dashboard's
 * riskiest devices — without computing the whole table: one pass summing each device's transactions and bytes puts
 * the devices in that order, ties as the table has them (traffic, transactions, name, first seen); a second sums the
 * chosen devices' rows over their own facts (every figure the table's).
 */
export function topDevices(
  ws: WorkingSet,
  ctx: QueryContext,
  rank: (key: string) => number,
  limit: number,
): DeviceRow[] {
  const rows = selectedFacts(ws, ctx);
  const local = new Int32Array(ws.pool.strings.length);
  // Only what ranks a device (its transactions and traffic, its name): every total here cost ~25% more (measured).
  const ids: number[] = [];
  const tx: number[] = [];
  const up: number[] = [];
  const down: number[] = [];
  const names: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    const dev = ws.device[i];
    if (dev < 0) continue;
    let d = local[dev] - 1;
    if (d < 0) {
      d = ids.length;
      local[dev] = d + 1;
      ids.push(dev);
      tx.push(0);
      up.push(Number.NaN);
      down.push(Number.NaN);
      names.push(-1);
    }
    tx[d] += ws.transactions[i];
    up[d] = addBytes(up[d], ws.bytesUp[i]);
    down[d] = addBytes(down[d], ws.bytesDown[i]);
    if (ws.deviceName[i] >= 0) names[d] = ws.deviceName[i];
  }
  const naming = ids.map((id, d) => deviceNaming(ws, id, names[d]));
  const ranks = naming.map((n) => rank(n.key));
  const traffic = ids.map((_, d) => {
    const t = addBytes(up[d], down[d]); // the known directions, NaN when neither is
    return Number.isNaN(t) ? -1 : t;
  });
  const order = Array.from({ length: ids.length }, (_, d) => d).sort(
    (x, y) =>
      ranks[y] - ranks[x] ||
      tx[y] - tx[x] ||
      traffic[y] - traffic[x] ||
      naming[x].name.localeCompare(naming[y].name) ||
      x - y,
  );
  const chosen = order.slice(0, limit);
  // The chosen devices' rows: totals and distinct apps (as the tables name them), users and IP addresses.
  const at = new Int32Array(ids.length).fill(-1);
  chosen.forEach((d, j) => {
    at[d] = j;
  });
  const acc = new Accs();
  for (const _ of chosen) acc.push();
  const apps = chosen.map(() => new Set<string>());
  const users = chosen.map(() => new Set<number>());
  const ips = chosen.map(() => new Set<number>());
  const appOfHost = new Map<number, string>();
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    const dev = ws.device[i];
    const j = dev >= 0 ? at[local[dev] - 1] : -1;
    if (j < 0) continue;
    acc.add(j, ws, i);
    const host = ws.host[i];
    if (host >= 0) {
      let key = appOfHost.get(host);
      if (key === undefined) {
        const h = ws.str(host) ?? '';
        key = refKey(matchAddress(ctx.matcher, h));
        appOfHost.set(host, key);
      }
      apps[j].add(key);
    }
    if (ws.user[i] >= 0) users[j].add(ws.user[i]);
    if (ws.localIp[i] >= 0) ips[j].add(ws.localIp[i]);
  }
  return chosen.map((d, j) =>
    withTotals(acc.totals(j), {
      key: naming[d].key,
      name: naming[d].name,
      deviceId: naming[d].deviceId,
      apps: apps[j].size,
      users: users[j].size,
      ips: ips[j].size,
      riskLevel: null,
      reasons: [],
    }),
  );
}
