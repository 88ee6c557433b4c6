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
import { matchAddress, refKey } from '../catalog/matcher';
import { hasNoRiskData, type ScoreOverride, type Scorer } from '../catalog/score';
import { type SanctionTag, sanctionOf, type TagState, tagsFor } from '../catalog/tags';
import type { Catalog, CatalogApp } from '../catalog/types';
import { runSteps } from './steps';
import { resized } from './typed';
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

/**
 * What the analyst's judgement makes of an app: its tags (a catalog app's, with "Custom app" for custom ones, else
 * those of its key) and sanction, its score (weights and override) and whether it has risk data.
 */
function appraisal(
  ctx: Omit<AppContext, 'matcher'>,
  app: CatalogApp | null,
  key: string,
): Pick<AppInfo, 'tags' | 'sanction' | 'score' | 'noData'> {
  const breakdown = app ? ctx.scorer(app, ctx.overrides[app.id] ?? null) : null;
  const tags = app ? tagsFor(ctx.tags, app) : [...(ctx.tags[key] ?? [])];
  return {
    tags,
    sanction: sanctionOf(tags),
    score: breakdown ? breakdown.score : null,
    noData: breakdown ? hasNoRiskData(breakdown) : false,
  };
}

/**
 * The apps as newer tags, score weights or overrides see them, in the same order: tags, sanction, score and
 * no-data judged again, everything else (what traffic they are) kept.
 */
export function reappraised(apps: readonly AppInfo[], ctx: Omit<AppContext, 'matcher'>, catalog: Catalog): AppInfo[] {
  const byId = new Map(catalog.apps.map((a) => [a.id, a]));
  return apps.map((info) => ({
    ...info,
    ...appraisal(ctx, info.appId === null ? null : (byId.get(info.appId) ?? null), info.key),
  }));
}

/** Host string id → app, resolved once per distinct host of a working set. */
export class AppIndex {
  readonly apps: AppInfo[] = [];
  private readonly byKey = new Map<string, number>();
  /** App index + 1 by host string id; 0 while unresolved. */
  private byHost = new Int32Array(0);

  constructor(
    private readonly ws: WorkingSet,
    private readonly ctx: AppContext,
  ) {}

  /** The app index of a host string id; -1 for an unknown host. */
  of(hostId: number): number {
    if (hostId < 0) return -1;
    if (hostId >= this.byHost.length) {
      const grown = new Int32Array(Math.max(hostId + 1, this.ws.pool.strings.length));
      grown.set(this.byHost);
      this.byHost = grown;
    }
    const hit = this.byHost[hostId];
    if (hit > 0) return hit - 1;
    const host = this.ws.str(hostId) ?? '';
    const { matcher } = this.ctx;
    const ref = matchAddress(matcher, host);
    const key = refKey(ref);
    let e = this.byKey.get(key);
    if (e === undefined) {
      e = this.apps.length;
      const app = matcher.app(ref);
      const { tags, sanction, score, noData } = appraisal(this.ctx, app, key);
      this.apps.push({
        key,
        appId: app?.id ?? null,
        name: app?.name ?? (ref.kind === 'unidentified' ? ref.key : key),
        category: app?.category ?? 'Unidentified',
        score,
        noData,
        tags,
        sanction,
        noise: matcher.isNoise(ref),
      });
      this.byKey.set(key, e);
    }
    this.byHost[hostId] = e + 1;
    return e;
  }
}

/** Growable typed columns. */
class F64 {
  a = new Float64Array(256);
  ensure(n: number): void {
    if (n > this.a.length) this.a = resized(this.a, Math.max(n, this.a.length * 2));
  }
}
class I32 {
  a = new Int32Array(256);
  ensure(n: number): void {
    if (n > this.a.length) this.a = resized(this.a, Math.max(n, this.a.length * 2));
  }
}

/**
 * Non-negative integer keys (below 2^53) to non-negative int32 values, open addressing over typed
 * arrays, for composite keys where a dense table would be too wide: a Map of numbers past the
 * small-integer range boxes every key (and feeds the garbage collector).
 */
export class IntMap {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;
  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }
  private slot(k: number): number {
    // murmur3's finalizer over both halves: composite keys differ in high and low bits alike
    let h = (k >>> 0) ^ Math.imul((k / 4294967296) >>> 0, 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.mask;
  }
  /** The value of `k`, or -1. */
  get(k: number): number {
    const keys = this.keys;
    for (let s = this.slot(k); ; s = (s + 1) & this.mask) {
      const x = keys[s];
      if (x === k) return this.vals[s];
      if (x === -1) return -1;
    }
  }
  set(k: number, v: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    for (let s = this.slot(k); ; s = (s + 1) & this.mask) {
      const x = keys[s];
      if (x === k) {
        this.vals[s] = v;
        return;
      }
      if (x === -1) {
        keys[s] = k;
        this.vals[s] = v;
        this.size++;
        return;
      }
    }
  }
  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Float64Array(oldKeys.length * 2).fill(-1);
    this.vals = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let s = 0; s < oldKeys.length; s++) if (oldKeys[s] !== -1) this.set(oldKeys[s], oldVals[s]);
  }
}

/** A sum of byte counts where NaN is unknown: stays NaN until some value is known. */
export const addBytes = (acc: number, v: number) => (Number.isNaN(v) ? acc : Number.isNaN(acc) ? v : acc + v);

/** A column of ids below `count`, 16-bit when they fit. */
function idColumn(length: number, count: number): IdColumn {
  return count <= 0x10000 ? new Uint16Array(length) : new Int32Array(length);
}

/** `a` as float32 when every value survives the narrowing exactly (so readers see the same numbers), else `a`. */
export function narrowSums(a: Float64Array): SumColumn {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (Math.fround(v) !== v && !Number.isNaN(v)) return a;
  }
  return Float32Array.from(a);
}

/** Indices (entity, app): 16-bit when every one fits. */
export type IdColumn = Int32Array | Uint16Array;
/** Sums: float32 when every value is exactly a float32 (whole counts below 2^24, NaN), else float64. */
export type SumColumn = Float64Array | Float32Array;

/**
 * One row per (entity, app, day), with only what risk and signals read (blocked, download and first-seen sums
 * would be the largest columns of the rollups and nothing reads them per entity): at 10M events there are
 * millions of rows, held while risk runs.
 */
export interface EntityAppDays {
  n: number;
  entity: IdColumn;
  app: IdColumn;
  /** Days since the Unix epoch (UTC). */
  day: Int32Array;
  transactions: SumColumn;
  /** NaN when no fact of the row knew it. */
  up: SumColumn;
  /** Bit h set when the row has traffic in UTC hour h. */
  hours: Int32Array;
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
  hourTx: SumColumn;
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
  /** Built on first use (user risk reads it; a dashboard waits for the device risk and the signals only). */
  user: EntityRollup;
  ip: EntityRollup;
  app: AppDays;
  /**
   * The users' (entity, app, day) rows of the apps marked in `apps` (by app index) — those of the whole users' rollup
   * when it is built, else of a rollup of only those apps' facts (rows numbered otherwise; each app's rows are the
   * same): the signals read a few new apps' users, and need not wait for the whole rollup.
   */
  userRowsOf?: (apps: Uint8Array) => EntityAppDays;
}

export interface DailyFilter {
  /** Only facts of these data sources (ids); all when omitted. */
  sources?: ReadonlySet<string> | null;
  /** UTC ms on the fact's hour: from inclusive, to exclusive. */
  from?: number | null;
  to?: number | null;
}

/** The selected facts, in fact order, with what every rollup needs of each. */
interface Selection {
  /** Fact indices. */
  rows: Int32Array;
  /** App index of each (parallel to rows); -1 for none. */
  app: Int32Array;
  /** Rank of each one's day in `days`. */
  dayRank: Int32Array;
  /** The distinct days with data, ascending (days since epoch). */
  days: Int32Array;
}

/** A stable counting sort of `input` by `keyOf` (keys in [0, buckets)). */
export function countingSort(input: Int32Array, keyOf: (k: number) => number, buckets: number): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let q = 0; q < input.length; q++) start[keyOf(input[q]) + 1]++;
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const out = new Int32Array(input.length);
  for (let q = 0; q < input.length; q++) out[start[keyOf(input[q])]++] = input[q];
  return out;
}

/** Buckets up to which byDayAndEntity sorts on the (day, entity) pair in one counting sort. */
const PAIR_BUCKETS = 1 << 22;

/**
 * `facts` (indices into `entityOf` and `dayRank`, each with an entity) ordered by day rank, then entity, then as they
 * come — one counting sort on the pair when entities × days is at most `pairBuckets`, else two stable ones — and
 * `group[k]`, a number for fact k's (day, entity) pair, the same for the same pair: what the first pass of rollEntity
 * reads to see where a pair's facts begin.
 */
export function byDayAndEntity(
  facts: Int32Array,
  entityOf: Int32Array,
  dayRank: Int32Array,
  entities: number,
  days: number,
  pairBuckets = PAIR_BUCKETS,
): { order: Int32Array; group: Int32Array } {
  const group = new Int32Array(entityOf.length);
  if (entities * days <= pairBuckets) {
    // Front to back over every fact (those without an entity get a number no one reads).
    for (let k = 0; k < group.length; k++) group[k] = dayRank[k] * entities + entityOf[k];
    return { order: countingSort(facts, (k) => group[k], entities * days), group };
  }
  const order = countingSort(
    countingSort(facts, (k) => entityOf[k], entities),
    (k) => dayRank[k],
    days,
  );
  // Pairs numbered as they come in that order (entities × days may not fit 32 bits).
  for (let q = 0, g = -1, e = -1, rank = -1; q < order.length; q++) {
    const k = order[q];
    if (entityOf[k] !== e || dayRank[k] !== rank) {
      e = entityOf[k];
      rank = dayRank[k];
      g++;
    }
    group[k] = g;
  }
  return { order, group };
}

/**
 * One dimension's rollups, in two passes. The first groups the selected facts by (day, entity)
 * (`byDayAndEntity`: counting sorts) and gives each fact its (entity, day) row and its (entity, app, day) row
 * (within a group an app's row is found through an array indexed by app: no hashing, no scan),
 * numbering rows in the order their first fact comes, as one pass over the facts would. The second
 * sums in fact order, reading the working set front to back, into columns sized exactly.
 */
function rollEntity(
  dimension: EntityRollup['dimension'],
  ws: WorkingSet,
  sel: Selection,
  apps: readonly AppInfo[],
  column: WorkingSet['device'],
): EntityRollup {
  const n = sel.rows.length;
  const local = new Int32Array(ws.pool.strings.length);
  const keys: string[] = [];
  const labelIds: number[] = [];
  const entityOf = new Int32Array(n);
  let withEntity = 0;
  for (let k = 0; k < n; k++) {
    const i = sel.rows[k];
    const id = column[i];
    if (id < 0) {
      entityOf[k] = -1;
      continue;
    }
    let e = local[id] - 1;
    if (e < 0) {
      e = keys.length;
      local[id] = e + 1;
      keys.push(ws.str(id) ?? '');
      labelIds.push(-1);
    }
    entityOf[k] = e;
    withEntity++;
    if (dimension === 'device' && ws.deviceName[i] >= 0) labelIds[e] = ws.deviceName[i];
  }
  const labels = keys.map((key, e) => (labelIds[e] >= 0 ? (ws.str(labelIds[e]) ?? key) : key));
  const facts = new Int32Array(withEntity);
  for (let k = 0, j = 0; k < n; k++) if (entityOf[k] >= 0) facts[j++] = k;
  const { order, group } = byDayAndEntity(facts, entityOf, sel.dayRank, keys.length, sel.days.length);

  // Pass 1: group-local numbering; the fact that opens a local row is marked -(local + 2) (-1: no row), so pass 2,
  // in fact order, numbers rows as their first facts come.
  const dayOfFact = new Int32Array(n).fill(-1);
  const rowOfFact = new Int32Array(n).fill(-1);
  const stampOfApp = new Int32Array(apps.length);
  const rowOfApp = new Int32Array(apps.length);
  let dn = 0;
  let rn = 0;
  let current = -1;
  let d = -1;
  for (let q = 0; q < order.length; q++) {
    const k = order[q];
    const g = group[k];
    if (g !== current) {
      current = g;
      d = dn++;
      dayOfFact[k] = -(d + 2);
    } else dayOfFact[k] = d;
    const app = sel.app[k];
    if (app < 0) continue;
    if (stampOfApp[app] !== d + 1) {
      stampOfApp[app] = d + 1;
      rowOfApp[app] = rn;
      rowOfFact[k] = -(rn++ + 2);
    } else rowOfFact[k] = rowOfApp[app];
  }
  /** Local row → final row, set by the row's first fact. */
  const dNew = new Int32Array(dn);
  const rNew = new Int32Array(rn);

  // Pass 2: sums in fact order; a row is set up by its first fact, which comes in row order.
  const noiseApp = Uint8Array.from(apps, (a) => (a.noise ? 1 : 0));
  const rEntity = idColumn(rn, keys.length);
  const rApp = idColumn(rn, apps.length);
  const rDay = new Int32Array(rn);
  const rTx = new Float64Array(rn);
  const rUp = new Float64Array(rn);
  const rHours = new Int32Array(rn);
  const rLast = new Float64Array(rn);
  const dEntity = new Int32Array(dn);
  const dDay = new Int32Array(dn);
  const dTx = new Float64Array(dn);
  const dUp = new Float64Array(dn);
  const dDown = new Float64Array(dn);
  const dHourTx = new Float64Array(dn * HOURS_PER_DAY);
  const dFirst = new Float64Array(dn);
  const dLast = new Float64Array(dn);
  const dApps = new Int32Array(dn);
  let nextDay = 0;
  let nextRow = 0;
  for (let k = 0; k < n; k++) {
    const dLocal = dayOfFact[k];
    if (dLocal === -1) continue;
    const i = sel.rows[k];
    const e = entityOf[k];
    const day = sel.days[sel.dayRank[k]];
    const first = ws.firstSeen[i];
    const last = ws.lastSeen[i];
    let dd: number;
    if (dLocal < -1) {
      dd = nextDay++;
      dNew[-dLocal - 2] = dd;
      dEntity[dd] = e;
      dDay[dd] = day;
      dUp[dd] = Number.NaN;
      dDown[dd] = Number.NaN;
      dFirst[dd] = first;
      dLast[dd] = last;
    } else dd = dNew[dLocal];
    const app = sel.app[k];
    const noise = app >= 0 && noiseApp[app] === 1;
    const tx = ws.transactions[i];
    const up = ws.bytesUp[i];
    const down = ws.bytesDown[i];
    const hourOfDay = ws.hour[i] - day * HOURS_PER_DAY;
    if (first < dFirst[dd]) dFirst[dd] = first;
    if (last > dLast[dd]) dLast[dd] = last;
    if (app >= 0) {
      const rLocal = rowOfFact[k];
      let r: number;
      if (rLocal < -1) {
        r = nextRow++;
        rNew[-rLocal - 2] = r;
        rEntity[r] = e;
        rApp[r] = app;
        rDay[r] = day;
        rUp[r] = Number.NaN;
        rLast[r] = last;
        if (!noise) dApps[dd]++;
      } else r = rNew[rLocal];
      rTx[r] += tx;
      rUp[r] = addBytes(rUp[r], up);
      rHours[r] |= 1 << hourOfDay;
      if (last > rLast[r]) rLast[r] = last;
    }
    if (noise) continue;
    dTx[dd] += tx;
    dUp[dd] = addBytes(dUp[dd], up);
    dDown[dd] = addBytes(dDown[dd], down);
    dHourTx[dd * HOURS_PER_DAY + hourOfDay] += tx;
  }
  return {
    dimension,
    keys,
    labels,
    rows: {
      n: rn,
      entity: rEntity,
      app: rApp,
      day: rDay,
      transactions: narrowSums(rTx),
      up: narrowSums(rUp),
      hours: rHours,
      last: rLast,
    },
    days: {
      n: dn,
      entity: dEntity,
      day: dDay,
      transactions: dTx,
      up: dUp,
      down: dDown,
      apps: dApps,
      hourTx: narrowSums(dHourTx),
      first: dFirst,
      last: dLast,
    },
  };
}

/** Facts' source ids (string ids) to keep, as a mask by id; null for every source. */
export function sourceMaskOf(ws: WorkingSet, sources: ReadonlySet<string> | null | undefined): Uint8Array | null {
  if (!sources) return null;
  const mask = new Uint8Array(ws.pool.strings.length);
  for (const s of sources) {
    const id = ws.pool.find(s);
    if (id >= 0) mask[id] = 1;
  }
  return mask;
}

/** Computes every daily rollup of the selected facts: one pass for the selection, one grouped pass per dimension. */
export function computeDaily(ws: WorkingSet, ctx: AppContext & DailyFilter, index?: AppIndex): DailyRollups {
  return runSteps(dailySteps(ws, ctx, index));
}

/** computeDaily in stages (selection and app-days, devices), yielding between them; users and IP addresses on first use. */
export function* dailySteps(
  ws: WorkingSet,
  ctx: AppContext & DailyFilter,
  index?: AppIndex,
): Generator<void, DailyRollups> {
  const apps = index ?? new AppIndex(ws, ctx);
  const fromHour = ctx.from != null ? Math.floor(ctx.from / 3_600_000) : Number.NEGATIVE_INFINITY;
  const toHour = ctx.to != null ? Math.ceil(ctx.to / 3_600_000) : Number.POSITIVE_INFINITY;
  const sourceMask = sourceMaskOf(ws, ctx.sources);
  let count = 0;
  const rows = new Int32Array(ws.n);
  const app = new Int32Array(ws.n);
  let minHour = Number.POSITIVE_INFINITY;
  let maxHour = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ws.n; i++) {
    const h = ws.hour[i];
    if (h < fromHour || h >= toHour || (sourceMask && sourceMask[ws.source[i]] !== 1)) continue;
    if (h < minHour) minHour = h;
    if (h > maxHour) maxHour = h;
    rows[count] = i;
    // Apps are numbered in the order their first fact comes.
    app[count++] = apps.of(ws.host[i]);
  }
  const firstDay = Number.isFinite(minHour) ? Math.floor(minHour / HOURS_PER_DAY) : null;
  const lastDay = Number.isFinite(maxHour) ? Math.floor(maxHour / HOURS_PER_DAY) : null;
  // Days ranked among those with data: a stray timestamp decades off costs one more rank, not a wide table.
  const dayRank = new Int32Array(count);
  const rankOf = new Map<number, number>();
  // Facts come in runs of one day (blocks of hours): the map is asked when the day changes.
  let runDay = Number.NaN;
  let runRank = -1;
  for (let k = 0; k < count; k++) {
    const day = Math.floor(ws.hour[rows[k]] / HOURS_PER_DAY);
    if (day !== runDay) {
      let rank = rankOf.get(day);
      if (rank === undefined) {
        rank = rankOf.size;
        rankOf.set(day, rank);
      }
      runDay = day;
      runRank = rank;
    }
    dayRank[k] = runRank;
  }
  const days = Int32Array.from(rankOf.keys()).sort();
  const remap = new Int32Array(days.length);
  days.forEach((day, r) => {
    remap[rankOf.get(day) as number] = r;
  });
  for (let k = 0; k < count; k++) dayRank[k] = remap[dayRank[k]];
  const sel: Selection = { rows: rows.subarray(0, count), app: app.subarray(0, count), dayRank, days };

  // (app, day) rows in fact order: a dense index when apps × days is small, else a hash.
  const nApps = apps.apps.length;
  const nDays = days.length;
  const dense = nApps * nDays <= 1 << 23 ? new Int32Array(nApps * nDays).fill(-1) : null;
  const hashed = dense ? null : new IntMap(1024);
  const appDayRow = (a: number, rank: number) => (dense ? dense[a * nDays + rank] : hashed!.get(a * nDays + rank));
  const setAppDayRow = (a: number, rank: number, r: number) => {
    if (dense) dense[a * nDays + rank] = r;
    else hashed!.set(a * nDays + rank, r);
  };
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
  for (let k = 0; k < count; k++) {
    const a = sel.app[k];
    if (a < 0) continue;
    const i = sel.rows[k];
    const rank = dayRank[k];
    let r = appDayRow(a, rank);
    if (r < 0) {
      r = ad.n++;
      setAppDayRow(a, rank, r);
      for (const c of [ad.app, ad.day]) c.ensure(ad.n);
      for (const c of [ad.tx, ad.blocked, ad.up, ad.down, ad.first, ad.last]) c.ensure(ad.n);
      ad.app.a[r] = a;
      ad.day.a[r] = days[rank];
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
  yield;
  const device = rollEntity('device', ws, sel, apps.apps, ws.device);
  yield;
  let user: EntityRollup | null = null;
  const userRollup = () => {
    user ??= rollEntity('user', ws, sel, apps.apps, ws.user);
    return user;
  };
  const userRowsOf = (marked: Uint8Array): EntityAppDays => {
    if (user) return user.rows;
    let m = 0;
    for (let k = 0; k < count; k++) if (sel.app[k] >= 0 && marked[sel.app[k]] === 1) m++;
    const part: Selection = { rows: new Int32Array(m), app: new Int32Array(m), dayRank: new Int32Array(m), days };
    for (let k = 0, j = 0; k < count; k++) {
      if (sel.app[k] < 0 || marked[sel.app[k]] !== 1) continue;
      part.rows[j] = sel.rows[k];
      part.app[j] = sel.app[k];
      part.dayRank[j++] = dayRank[k];
    }
    return rollEntity('user', ws, part, apps.apps, ws.user).rows;
  };
  // Risk and signals never read the IP rollup: it is built on first use only.
  let ip: EntityRollup | null = null;
  const ipRollup = () => {
    ip ??= rollEntity('ip', ws, sel, apps.apps, ws.localIp);
    return ip;
  };
  // Each (entity, app, day) row is one distinct entity of that (app, day).
  const rankOfDay = (day: number) => rankOf.get(day) as number;
  const counts = (er: EntityAppDays) => {
    const out = new Int32Array(ad.n);
    for (let r = 0; r < er.n; r++) {
      const k = appDayRow(er.app[r], remap[rankOfDay(er.day[r])]);
      if (k >= 0) out[k]++;
    }
    return out;
  };
  let ipCounts: Int32Array | null = null;
  let userCounts: Int32Array | null = null;
  return {
    apps: apps.apps,
    firstDay,
    lastDay,
    device,
    get user() {
      return userRollup();
    },
    userRowsOf,
    get ip() {
      return ipRollup();
    },
    app: {
      n: ad.n,
      app: ad.app.a.slice(0, ad.n),
      day: ad.day.a.slice(0, ad.n),
      transactions: ad.tx.a.slice(0, ad.n),
      blocked: ad.blocked.a.slice(0, ad.n),
      up: ad.up.a.slice(0, ad.n),
      down: ad.down.a.slice(0, ad.n),
      devices: counts(device.rows),
      get users() {
        userCounts ??= counts(userRollup().rows);
        return userCounts;
      },
      get ips() {
        ipCounts ??= counts(ipRollup().rows);
        return ipCounts;
      },
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
