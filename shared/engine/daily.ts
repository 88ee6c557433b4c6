/**
 * Per-day rollups from the working set: one row per (device, app, day), per
 * (user, app, day) and per (IP, app, day), one row per (entity, day) with an
 * hour-of-day histogram, and one row per (app, day) with its distinct devices,
 * users and IPs. The app is derived here through the matcher, like every
 * other view, so a newer catalog or a custom app re-attributes past days.
 * Risk baselines and discovery policies are computed from these rows; no
 * screen needs to scan facts for daily figures.
 *
 * Bytes: NaN means "the source cannot say" and stays NaN through the sums
 * unless some fact of the row knew them; never read it as 0.
 */
import type { Matcher } from '../catalog/matcher';
import { refKey } from '../catalog/matcher';
import type { ScoreOverride, Scorer } from '../catalog/score';
import { type SanctionTag, sanctionOf, type TagState, tagsFor } from '../catalog/tags';
import type { WorkingSet } from './working-set';

const HOURS_PER_DAY = 24;

export interface AppInfo {
  /** Catalog id, or "?" + the unidentified key (as in the apps table). */
  key: string;
  appId: string | null;
  /** Catalog name, or the registrable domain / IP for unidentified traffic. */
  name: string;
  category: string;
  /** 0–10, 10 safest; null for unidentified apps. */
  score: number | null;
  noData: boolean;
  tags: string[];
  sanction: SanctionTag | null;
  /** Infrastructure noise (OS updates, CRL/OCSP, telemetry, CDNs): never an app an analyst judges. */
  noise: boolean;
}

export interface AppContext {
  matcher: Matcher;
  scorer: Scorer;
  tags: TagState;
  overrides: Readonly<Record<string, ScoreOverride>>;
}

const IP_RE = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

/** Host string id → app, resolved once per distinct host of a working set. */
export class AppIndex {
  readonly apps: AppInfo[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly byHost = new Map<number, number>();

  constructor(
    private readonly ws: WorkingSet,
    private readonly ctx: AppContext,
  ) {}

  /** The app index of a host string id; -1 for an unknown host. */
  of(hostId: number): number {
    if (hostId < 0) return -1;
    const hit = this.byHost.get(hostId);
    if (hit !== undefined) return hit;
    const host = this.ws.str(hostId) ?? '';
    const { matcher } = this.ctx;
    const ref = (IP_RE.test(host) ? matcher.matchIp(host) : null) ?? matcher.matchHost(host);
    const key = refKey(ref);
    let e = this.byKey.get(key);
    if (e === undefined) {
      e = this.apps.length;
      const app = matcher.app(ref);
      const breakdown = app ? this.ctx.scorer(app, this.ctx.overrides[app.id] ?? null) : null;
      const tags = app ? tagsFor(this.ctx.tags, app) : [...(this.ctx.tags[key] ?? [])];
      this.apps.push({
        key,
        appId: app?.id ?? null,
        name: app?.name ?? (ref.kind === 'unidentified' ? ref.key : key),
        category: app?.category ?? 'Unidentified',
        score: breakdown ? breakdown.score : null,
        // An analyst's override is data: the app is no longer "no data".
        noData: (breakdown?.noData ?? false) && !breakdown?.overridden,
        tags,
        sanction: sanctionOf(tags),
        noise: matcher.isNoise(ref),
      });
      this.byKey.set(key, e);
    }
    this.byHost.set(hostId, e);
    return e;
  }
}

/** Growable typed columns. */
class F64 {
  a = new Float64Array(256);
  ensure(n: number): void {
    if (n <= this.a.length) return;
    const b = new Float64Array(Math.max(n, this.a.length * 2));
    b.set(this.a);
    this.a = b;
  }
}
class I32 {
  a = new Int32Array(256);
  ensure(n: number): void {
    if (n <= this.a.length) return;
    const b = new Int32Array(Math.max(n, this.a.length * 2));
    b.set(this.a);
    this.a = b;
  }
}

const addBytes = (acc: number, v: number) => (Number.isNaN(v) ? acc : Number.isNaN(acc) ? v : acc + v);

/** One row per (entity, app, day). */
export interface EntityAppDays {
  n: number;
  entity: Int32Array;
  app: Int32Array;
  /** Days since the Unix epoch (UTC). */
  day: Int32Array;
  transactions: Float64Array;
  blocked: Float64Array;
  /** NaN when no fact of the row knew it. */
  up: Float64Array;
  down: Float64Array;
  /** Bit h set when the row has traffic in UTC hour h. */
  hours: Int32Array;
  first: Float64Array;
  last: Float64Array;
}

/** One row per (entity, day); transactions and hours exclude infrastructure noise. */
export interface EntityDays {
  n: number;
  entity: Int32Array;
  day: Int32Array;
  /** Non-noise transactions. */
  transactions: Float64Array;
  /** Non-noise upload and download; NaN when unknown. */
  up: Float64Array;
  down: Float64Array;
  /** Distinct non-noise apps. */
  apps: Int32Array;
  /** Non-noise transactions per UTC hour: row r's hour h at [r * 24 + h]. */
  hourTx: Float64Array;
  first: Float64Array;
  last: Float64Array;
}

export interface EntityRollup {
  dimension: 'device' | 'user' | 'ip';
  /** Entity keys (device key, user, IP) by local index. */
  keys: string[];
  /** Display names (a device's name; else the key). */
  labels: string[];
  rows: EntityAppDays;
  days: EntityDays;
}

/** One row per (app, day). */
export interface AppDays {
  n: number;
  app: Int32Array;
  day: Int32Array;
  transactions: Float64Array;
  blocked: Float64Array;
  up: Float64Array;
  down: Float64Array;
  devices: Int32Array;
  users: Int32Array;
  ips: Int32Array;
  first: Float64Array;
  last: Float64Array;
}

export interface DailyRollups {
  apps: AppInfo[];
  /** First and last day with data (days since epoch); null when empty. */
  firstDay: number | null;
  lastDay: number | null;
  device: EntityRollup;
  user: EntityRollup;
  ip: EntityRollup;
  app: AppDays;
}

export interface DailyFilter {
  /** Only facts of these data sources (ids); all when omitted. */
  sources?: ReadonlySet<string> | null;
  /** UTC ms on the fact's hour: from inclusive, to exclusive. */
  from?: number | null;
  to?: number | null;
}

class EntityBuilder {
  readonly keys: string[] = [];
  readonly labels: string[] = [];
  private readonly local = new Map<number, number>();
  /** (entity, day) → its row; keys stay small integers (entity * dayStride + day offset). */
  private readonly dayIndex = new Map<number, number>();
  n = 0;
  private readonly rEntity = new I32();
  private readonly rApp = new I32();
  private readonly rDay = new I32();
  private readonly rTx = new F64();
  private readonly rBlocked = new F64();
  private readonly rUp = new F64();
  private readonly rDown = new F64();
  private readonly rHours = new I32();
  private readonly rFirst = new F64();
  private readonly rLast = new F64();
  /** The (entity, app, day) rows of an (entity, day) row form a chain: a day has a few dozen apps, a scan is cheap. */
  private readonly rNext = new I32();
  dn = 0;
  private readonly dEntity = new I32();
  private readonly dDay = new I32();
  private readonly dTx = new F64();
  private readonly dUp = new F64();
  private readonly dDown = new F64();
  private readonly dHourTx = new F64();
  private readonly dFirst = new F64();
  private readonly dLast = new F64();
  private readonly dApps = new I32();
  private readonly dHead = new I32();

  constructor(
    readonly dimension: EntityRollup['dimension'],
    private readonly ws: WorkingSet,
    private readonly dayStride: number,
  ) {}

  private newDay(e: number, day: number, i: number): number {
    const d = this.dn++;
    if (this.dn > this.dEntity.a.length) {
      for (const c of [this.dEntity, this.dDay, this.dApps, this.dHead]) c.ensure(this.dn);
      for (const c of [this.dTx, this.dUp, this.dDown, this.dFirst, this.dLast]) c.ensure(this.dn);
    }
    this.dHourTx.ensure(this.dn * HOURS_PER_DAY);
    this.dEntity.a[d] = e;
    this.dDay.a[d] = day;
    this.dTx.a[d] = 0;
    this.dUp.a[d] = Number.NaN;
    this.dDown.a[d] = Number.NaN;
    this.dHourTx.a.fill(0, d * HOURS_PER_DAY, (d + 1) * HOURS_PER_DAY);
    this.dFirst.a[d] = this.ws.firstSeen[i];
    this.dLast.a[d] = this.ws.lastSeen[i];
    this.dApps.a[d] = 0;
    this.dHead.a[d] = -1;
    return d;
  }

  private newRow(d: number, e: number, app: number, day: number, i: number): number {
    const r = this.n++;
    if (this.n > this.rEntity.a.length) {
      for (const c of [this.rEntity, this.rApp, this.rDay, this.rHours, this.rNext]) c.ensure(this.n);
      for (const c of [this.rTx, this.rBlocked, this.rUp, this.rDown, this.rFirst, this.rLast]) c.ensure(this.n);
    }
    this.rEntity.a[r] = e;
    this.rApp.a[r] = app;
    this.rDay.a[r] = day;
    this.rTx.a[r] = 0;
    this.rBlocked.a[r] = 0;
    this.rUp.a[r] = Number.NaN;
    this.rDown.a[r] = Number.NaN;
    this.rHours.a[r] = 0;
    this.rFirst.a[r] = this.ws.firstSeen[i];
    this.rLast.a[r] = this.ws.lastSeen[i];
    this.rNext.a[r] = this.dHead.a[d];
    this.dHead.a[d] = r;
    return r;
  }

  add(i: number, entityId: number, app: number, noise: boolean, day: number, dayOff: number, hourOfDay: number): void {
    const ws = this.ws;
    let e = this.local.get(entityId);
    if (e === undefined) {
      e = this.keys.length;
      this.local.set(entityId, e);
      const key = ws.str(entityId) ?? '';
      this.keys.push(key);
      this.labels.push(key);
    }
    if (this.dimension === 'device' && ws.deviceName[i] >= 0) this.labels[e] = ws.str(ws.deviceName[i]) ?? this.keys[e];
    const tx = ws.transactions[i];
    const up = ws.bytesUp[i];
    const down = ws.bytesDown[i];
    const first = ws.firstSeen[i];
    const last = ws.lastSeen[i];
    const dkey = e * this.dayStride + dayOff;
    let d = this.dayIndex.get(dkey);
    if (d === undefined) {
      d = this.newDay(e, day, i);
      this.dayIndex.set(dkey, d);
    }
    if (first < this.dFirst.a[d]) this.dFirst.a[d] = first;
    if (last > this.dLast.a[d]) this.dLast.a[d] = last;
    if (app >= 0) {
      let r = this.dHead.a[d];
      while (r >= 0 && this.rApp.a[r] !== app) r = this.rNext.a[r];
      if (r < 0) {
        r = this.newRow(d, e, app, day, i);
        if (!noise) this.dApps.a[d]++;
      }
      this.rTx.a[r] += tx;
      this.rBlocked.a[r] += ws.blocked[i];
      this.rUp.a[r] = addBytes(this.rUp.a[r], up);
      this.rDown.a[r] = addBytes(this.rDown.a[r], down);
      this.rHours.a[r] |= 1 << hourOfDay;
      if (first < this.rFirst.a[r]) this.rFirst.a[r] = first;
      if (last > this.rLast.a[r]) this.rLast.a[r] = last;
    }
    if (noise) return;
    this.dTx.a[d] += tx;
    this.dUp.a[d] = addBytes(this.dUp.a[d], up);
    this.dDown.a[d] = addBytes(this.dDown.a[d], down);
    this.dHourTx.a[d * HOURS_PER_DAY + hourOfDay] += tx;
  }

  build(): EntityRollup {
    return {
      dimension: this.dimension,
      keys: this.keys,
      labels: this.labels,
      rows: {
        n: this.n,
        entity: this.rEntity.a.slice(0, this.n),
        app: this.rApp.a.slice(0, this.n),
        day: this.rDay.a.slice(0, this.n),
        transactions: this.rTx.a.slice(0, this.n),
        blocked: this.rBlocked.a.slice(0, this.n),
        up: this.rUp.a.slice(0, this.n),
        down: this.rDown.a.slice(0, this.n),
        hours: this.rHours.a.slice(0, this.n),
        first: this.rFirst.a.slice(0, this.n),
        last: this.rLast.a.slice(0, this.n),
      },
      days: {
        n: this.dn,
        entity: this.dEntity.a.slice(0, this.dn),
        day: this.dDay.a.slice(0, this.dn),
        transactions: this.dTx.a.slice(0, this.dn),
        up: this.dUp.a.slice(0, this.dn),
        down: this.dDown.a.slice(0, this.dn),
        apps: this.dApps.a.slice(0, this.dn),
        hourTx: this.dHourTx.a.slice(0, this.dn * HOURS_PER_DAY),
        first: this.dFirst.a.slice(0, this.dn),
        last: this.dLast.a.slice(0, this.dn),
      },
    };
  }
}

/** Computes every daily rollup of the selected facts in one pass over the working set. */
export function computeDaily(ws: WorkingSet, ctx: AppContext & DailyFilter, index?: AppIndex): DailyRollups {
  const apps = index ?? new AppIndex(ws, ctx);
  const fromHour = ctx.from != null ? Math.floor(ctx.from / 3_600_000) : Number.NEGATIVE_INFINITY;
  const toHour = ctx.to != null ? Math.ceil(ctx.to / 3_600_000) : Number.POSITIVE_INFINITY;
  let sourceIds: Set<number> | null = null;
  if (ctx.sources) {
    sourceIds = new Set();
    for (const s of ctx.sources) sourceIds.add(ws.pool.id(s));
  }
  const take = (i: number) => {
    const h = ws.hour[i];
    return h >= fromHour && h < toHour && (!sourceIds || sourceIds.has(ws.source[i]));
  };
  let minHour = Number.POSITIVE_INFINITY;
  let maxHour = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ws.n; i++) {
    if (!take(i)) continue;
    if (ws.hour[i] < minHour) minHour = ws.hour[i];
    if (ws.hour[i] > maxHour) maxHour = ws.hour[i];
  }
  const firstDay = Number.isFinite(minHour) ? Math.floor(minHour / HOURS_PER_DAY) : null;
  const lastDay = Number.isFinite(maxHour) ? Math.floor(maxHour / HOURS_PER_DAY) : null;
  // Composite integer keys (id * stride + day offset): the stride covers the days the data spans,
  // so a stray timestamp decades off costs a wider stride, never a collision.
  const span = firstDay !== null && lastDay !== null ? lastDay - firstDay + 1 : 1;
  const dayStride = 2 ** Math.ceil(Math.log2(Math.max(span, 2)));
  const device = new EntityBuilder('device', ws, dayStride);
  const user = new EntityBuilder('user', ws, dayStride);
  const ip = new EntityBuilder('ip', ws, dayStride);
  const appDayIndex = new Map<number, number>();
  const ad = {
    n: 0,
    app: new I32(),
    day: new I32(),
    tx: new F64(),
    blocked: new F64(),
    up: new F64(),
    down: new F64(),
    first: new F64(),
    last: new F64(),
  };
  for (let i = 0; i < ws.n; i++) {
    if (!take(i)) continue;
    const hour = ws.hour[i];
    const day = Math.floor(hour / HOURS_PER_DAY);
    const dayOff = day - (firstDay as number);
    const hourOfDay = hour - day * HOURS_PER_DAY;
    const app = apps.of(ws.host[i]);
    const noise = app >= 0 && apps.apps[app].noise;
    if (ws.device[i] >= 0) device.add(i, ws.device[i], app, noise, day, dayOff, hourOfDay);
    if (ws.user[i] >= 0) user.add(i, ws.user[i], app, noise, day, dayOff, hourOfDay);
    if (ws.localIp[i] >= 0) ip.add(i, ws.localIp[i], app, noise, day, dayOff, hourOfDay);
    if (app < 0) continue;
    const key = app * dayStride + dayOff;
    let r = appDayIndex.get(key);
    if (r === undefined) {
      r = ad.n++;
      appDayIndex.set(key, r);
      for (const c of [ad.app, ad.day]) c.ensure(ad.n);
      for (const c of [ad.tx, ad.blocked, ad.up, ad.down, ad.first, ad.last]) c.ensure(ad.n);
      ad.app.a[r] = app;
      ad.day.a[r] = day;
      ad.tx.a[r] = 0;
      ad.blocked.a[r] = 0;
      ad.up.a[r] = Number.NaN;
      ad.down.a[r] = Number.NaN;
      ad.first.a[r] = ws.firstSeen[i];
      ad.last.a[r] = ws.lastSeen[i];
    }
    ad.tx.a[r] += ws.transactions[i];
    ad.blocked.a[r] += ws.blocked[i];
    ad.up.a[r] = addBytes(ad.up.a[r], ws.bytesUp[i]);
    ad.down.a[r] = addBytes(ad.down.a[r], ws.bytesDown[i]);
    if (ws.firstSeen[i] < ad.first.a[r]) ad.first.a[r] = ws.firstSeen[i];
    if (ws.lastSeen[i] > ad.last.a[r]) ad.last.a[r] = ws.lastSeen[i];
  }
  const rolled = { device: device.build(), user: user.build(), ip: ip.build() };
  // Each (entity, app, day) row is one distinct entity of that (app, day).
  const counts = (rows: EntityAppDays) => {
    const out = new Int32Array(ad.n);
    for (let r = 0; r < rows.n; r++) {
      const k = appDayIndex.get(rows.app[r] * dayStride + (rows.day[r] - (firstDay as number)));
      if (k !== undefined) out[k]++;
    }
    return out;
  };
  return {
    apps: apps.apps,
    firstDay,
    lastDay,
    ...rolled,
    app: {
      n: ad.n,
      app: ad.app.a.slice(0, ad.n),
      day: ad.day.a.slice(0, ad.n),
      transactions: ad.tx.a.slice(0, ad.n),
      blocked: ad.blocked.a.slice(0, ad.n),
      up: ad.up.a.slice(0, ad.n),
      down: ad.down.a.slice(0, ad.n),
      devices: counts(rolled.device.rows),
      users: counts(rolled.user.rows),
      ips: counts(rolled.ip.rows),
      first: ad.first.a.slice(0, ad.n),
      last: ad.last.a.slice(0, ad.n),
    },
  };
}

/** Per-entity totals of a rollup's (entity, day) rows inside [fromDay, toDay). */
export function entityTotals(
  r: EntityRollup,
  fromDay = Number.NEGATIVE_INFINITY,
  toDay = Number.POSITIVE_INFINITY,
): Map<string, { transactions: number; up: number; down: number; days: number }> {
  const out = new Map<string, { transactions: number; up: number; down: number; days: number }>();
  const d = r.days;
  for (let i = 0; i < d.n; i++) {
    if (d.day[i] < fromDay || d.day[i] >= toDay) continue;
    const key = r.keys[d.entity[i]];
    let t = out.get(key);
    if (!t) {
      t = { transactions: 0, up: Number.NaN, down: Number.NaN, days: 0 };
      out.set(key, t);
    }
    t.transactions += d.transactions[i];
    t.up = addBytes(t.up, d.up[i]);
    t.down = addBytes(t.down, d.down[i]);
    t.days++;
  }
  return out;
}
