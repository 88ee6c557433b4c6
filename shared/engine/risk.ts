/**
 * Device (and user) risk: each entity's baseline of daily behaviour, learned
 * robustly (medians and MAD over the days before the one judged, after a
 * learning period), the anomalies that depart from it in the report window,
 * and a risk level with reasons an analyst can verify.
 *
 * Anomalies:
 * - transaction spike: a day's transactions many times the entity's daily median
 *   (sharper when one app takes it, far beyond its own median there);
 * - upload spike: upload to one app many times the entity's daily upload median and
 *   well beyond its largest day, judged harder when the app is low-score,
 *   unsanctioned or rare in the fleet (byte-based: n/a where the source has no
 *   bytes, never "0");
 * - first use of an app that is unsanctioned, risky (score at or below the
 *   risky-app threshold) or unseen anywhere else in the fleet, judged on its first
 *   days of use;
 * - activity at hours of the day the entity is not in the habit of being active in;
 *   High only for a good part of a day's work, far from its usual hours, at hours
 *   the rest of the fleet rarely works, after two weeks of history.
 *
 * Peers temper each of them: a first use that many others make the same
 * fortnight is a rollout, an upload or spike that many others share that week
 * is a fleet event, hours the whole fleet starts using at once are a
 * maintenance window — they stay listed, at Low. Downloads are never evidence
 * of exfiltration, so a download-heavy device is judged on its uploads alone.
 * Infrastructure noise (updates, CRL/OCSP, telemetry) is left out throughout.
 */
import { DEFAULT_RISK_PARAMS, type RiskParams } from '../domain/risk-params';
import type { PolicyThresholds } from '../domain/settings';
import {
  type AppInfo,
  countingSort,
  type DailyRollups,
  type EntityRollup,
  type IdColumn,
  IntMap,
  type SumColumn,
} from './daily';
import { appLabel, bytesLabel, countLabel, dayLabel, hoursLabel, ratioLabel } from './risk-text';
import { runSteps } from './steps';
import { resized } from './typed';

export { DEFAULT_RISK_PARAMS, type RiskParams };

export type RiskLevel = 'High' | 'Medium' | 'Low' | 'Informational';
export type AnomalySeverity = 'High' | 'Medium' | 'Low';
export type AnomalyKind = 'transaction-spike' | 'upload-spike' | 'first-use' | 'off-hours';

export const RISK_LEVELS: readonly RiskLevel[] = ['High', 'Medium', 'Low', 'Informational'];

export interface Anomaly {
  kind: AnomalyKind;
  severity: AnomalySeverity;
  /** Days since the Unix epoch (UTC). */
  day: number;
  /** The last activity it describes, UTC ms. */
  time: number;
  /** App key (as in AppInfo.key), or null. */
  app: string | null;
  text: string;
  /** Peers did the same: kept for the record, rated Low. */
  fleetEvent: boolean;
}

export interface RiskAssessment {
  key: string;
  label: string;
  level: RiskLevel;
  reasons: string[];
  anomalies: Anomaly[];
  /** No day in the window was judged yet: the baseline is still being learned. */
  learning: boolean;
  /** Rules that could not run on this entity's data (e.g. upload rules without byte counts). */
  notApplicable: string[];
}

export interface RiskOptions {
  thresholds: PolicyThresholds;
  /** Report window, UTC ms (from inclusive, to exclusive); anomalies are judged on its days only. */
  from?: number | null;
  to?: number | null;
  params?: Partial<RiskParams>;
}

const DAY = 86_400_000;
const SEVERITY_RANK: Record<AnomalySeverity, number> = { High: 3, Medium: 2, Low: 1 };

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * An entity's daily baseline as its risk is judged against it, for a page's activity chart: for each day of
 * `points` (day starts in UTC ms, ascending) with transactions, the median of the entity's transactions on its
 * active days in the lookback before it, once the baseline is learned (learningDays after its first active day,
 * minHistoryDays of history); null before then and on days without transactions.
 */
export function dailyBaseline(
  points: readonly { day: number; transactions: number }[],
  p: Pick<RiskParams, 'learningDays' | 'minHistoryDays' | 'lookbackDays'> = DEFAULT_RISK_PARAMS,
): (number | null)[] {
  const DAY = 86_400_000;
  const active: { day: number; tx: number }[] = [];
  let first: number | null = null;
  return points.map((pt) => {
    if (pt.transactions <= 0) return null;
    const d = Math.floor(pt.day / DAY);
    first ??= d;
    const window = active.filter((x) => x.day >= d - p.lookbackDays).map((x) => x.tx);
    active.push({ day: d, tx: pt.transactions });
    return d - first >= p.learningDays && window.length >= p.minHistoryDays ? median(window) : null;
  });
}

/** Median absolute deviation, scaled (×1.4826) to match a standard deviation under normality. */
export function mad(xs: readonly number[], m = median(xs)): number {
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
}

/** Whether `x` lies beyond the others' median by more than `z` robust standard deviations, on a log scale. */
export function outlierAmong(x: number, others: readonly number[], z: number): boolean {
  const logs = others.map((v) => Math.log1p(Math.max(0, v)));
  const m = median(logs);
  // A floor on the spread: peers that all did exactly the same still leave room for noise (×2).
  const spread = Math.max(mad(logs, m), Math.LN2 / z);
  return Math.log1p(Math.max(0, x)) > m + z * spread;
}

/** Hours (on a 24-hour clock) from `h` to the nearest hour set in `mask`; 24 when none is. */
export function hourDistance(h: number, mask: number): number {
  let best = 24;
  for (let x = 0; x < 24; x++) {
    if (!(mask & (1 << x))) continue;
    const d = Math.abs(x - h);
    best = Math.min(best, d, 24 - d);
  }
  return best;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * A multiset of numbers kept sorted, for the medians of a window that slides over an entity's days: a value goes in
 * and out in a binary search and a shift (a window holds a few dozen), where a median of the window's list would
 * copy and sort it each day. `median()` computes what `median` does of the same values; NaN values are not kept.
 */
export class SortedWindow {
  private v: Float64Array;
  n = 0;
  constructor(capacity: number) {
    this.v = new Float64Array(Math.max(1, capacity));
  }
  clear(): void {
    this.n = 0;
  }
  add(x: number): void {
    if (Number.isNaN(x)) return;
    if (this.n === this.v.length) {
      const grown = new Float64Array(this.v.length * 2);
      grown.set(this.v);
      this.v = grown;
    }
    // After the last value ≤ x: equal values keep their order (they are equal, so nothing shows it).
    const lo = upperBound(this.v, 0, this.n, x);
    this.v.copyWithin(lo + 1, lo, this.n);
    this.v[lo] = x;
    this.n++;
  }
  /** Takes one value equal to `x` out (none when there is none, or x is NaN). */
  remove(x: number): void {
    if (Number.isNaN(x)) return;
    const lo = lowerBound(this.v, x, this.n);
    if (lo === this.n || this.v[lo] !== x) return;
    this.v.copyWithin(lo, lo + 1, this.n);
    this.n--;
  }
  median(): number {
    const n = this.n;
    if (n === 0) return Number.NaN;
    const m = n >> 1;
    return n % 2 ? this.v[m] : (this.v[m - 1] + this.v[m]) / 2;
  }
  /** The largest value; NaN when empty. */
  max(): number {
    return this.n > 0 ? this.v[this.n - 1] : Number.NaN;
  }
  /** The values, ascending, as a list. */
  values(): number[] {
    return Array.from(this.v.subarray(0, this.n));
  }
}

/** The median of a sorted array without its element at `skip`, as `median` computes it; NaN when none is left. */
export function medianWithout(sorted: Float64Array, skip: number): number {
  const len = sorted.length - 1;
  if (len <= 0) return Number.NaN;
  const at = (j: number) => (j < skip ? sorted[j] : sorted[j + 1]);
  const m = len >> 1;
  return len % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

/** Index of the first value ≥ x in a sorted array (its first `to` values). */
function lowerBound(sorted: Float64Array, x: number, to = sorted.length): number {
  let lo = 0;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index after the last value ≤ x in sorted[from..to). */
function upperBound(sorted: Int32Array | Float64Array, from: number, to: number, x: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * How many entities' first day of app `a` is on or before day `x`, from every entity's first day of each app
 * (app a's in `firstDays[start[a]..start[a + 1])`, in any order; days in [minDay, minDay + span)): a running count per
 * app and day when that table is at most `denseLimit` cells (one read), else a binary search — each app's days are
 * then sorted in place first (the table needs no order: most rollups never pay for the sorts).
 */
export function firstUseCounter(
  firstDays: Int32Array,
  start: Int32Array,
  minDay: number,
  span: number,
  denseLimit = 1 << 24,
): (a: number, x: number) => number {
  const apps = start.length - 1;
  if (apps * span > denseLimit) {
    for (let a = 0; a < apps; a++) firstDays.subarray(start[a], start[a + 1]).sort();
    return (a, x) => upperBound(firstDays, start[a], start[a + 1], x) - start[a];
  }
  const upTo = new Int32Array(apps * span);
  for (let a = 0; a < apps; a++) for (let j = start[a]; j < start[a + 1]; j++) upTo[a * span + firstDays[j] - minDay]++;
  for (let a = 0; a < apps; a++) for (let off = 1; off < span; off++) upTo[a * span + off] += upTo[a * span + off - 1];
  return (a, x) => (x < minDay ? 0 : upTo[a * span + Math.min(x - minDay, span - 1)]);
}

/** A dense stand-in for IntMap over keys below `size`. */
class DenseIndex {
  private readonly vals: Int32Array;
  constructor(size: number) {
    this.vals = new Int32Array(size).fill(-1);
  }
  get(k: number): number {
    return this.vals[k];
  }
  set(k: number, v: number): void {
    this.vals[k] = v;
  }
}

/**
 * Row indices ordered by (entity, day), `input`'s order (else row order) kept within each: two stable counting sorts,
 * by day then by entity. Days lie in [minDay, minDay + span) (the rollup's span).
 */
export function byEntityAndDay(
  count: number,
  entity: IdColumn,
  day: Int32Array,
  entities: number,
  minDay: number,
  span: number,
  input?: Int32Array,
): Int32Array {
  let rows = input;
  if (!rows) {
    rows = new Int32Array(count);
    for (let i = 0; i < count; i++) rows[i] = i;
  }
  if (span <= 1 << 20) {
    const byDay = countingSort(rows, (i) => day[i] - minDay, span);
    return countingSort(byDay, (i) => entity[i], entities);
  }
  // Stray timestamps far apart: rank the days that occur rather than bucket every day between.
  const distinct = Int32Array.from(new Set(day.subarray(0, count))).sort();
  const rank = new Map<number, number>();
  distinct.forEach((d, r) => {
    rank.set(d, r);
  });
  const byDay = countingSort(rows, (i) => rank.get(day[i]) as number, distinct.length);
  return countingSort(byDay, (i) => entity[i], entities);
}

/** `src` read in `order`: out[k] = src[order[k]]. */
function permuted<T extends Int32Array | Uint16Array | Float32Array | Float64Array>(src: T, order: Int32Array): T {
  const out = new (src.constructor as new (length: number) => T)(order.length);
  for (let k = 0; k < order.length; k++) out[k] = src[order[k]];
  return out;
}

export interface Candidate extends Anomaly {
  entity: number;
  appIndex: number;
  /** Off-hours: the new hours (bit mask). */
  hourMask: number;
  /** How much of it there was (transactions, or bytes uploaded), to compare with peers. */
  magnitude: number;
  /** What a fleet event appends to its text (PEER_TEXT): data, so that a base can be stored. */
  peer: PeerText;
}

const NOUN: Record<EntityRollup['dimension'], [string, string]> = {
  device: ['device', 'devices'],
  user: ['user', 'users'],
  ip: ['IP address', 'IP addresses'],
};

/**
 * What one dimension's risk is judged from, on every day of the rollups: the anomalies each day would raise
 * before peers temper them, and each entity's days. A window only picks days from it (`riskIn`), so the work
 * is done once for every window over the same rollups — they end where the data (or the window's end) does.
 */
export interface RiskBase {
  params: RiskParams;
  keys: string[];
  labels: string[];
  /** Peers needed for a fleet event. */
  peerMin: number;
  /** On every day, entity by entity and day by day; never changed (a window tempers copies). */
  candidates: readonly Candidate[];
  /** Entity e's entity-day rows, in day order: dayOrder[dayStart[e]..dayStart[e + 1]). */
  dayOrder: Int32Array;
  dayStart: Int32Array;
  /** By entity-day row: its day, whether it had (non-noise) transactions, whether it was judged (learned). */
  day: Int32Array;
  active: Uint8Array;
  learned: Uint8Array;
  /** By entity: no day of it knew upload bytes. */
  noBytes: Uint8Array;
  /** The apps as judged (tags, sanction and score as they were); `rejudged` takes newer ones. */
  apps: readonly AppInfo[];
  /**
   * Every candidate in order, with those whose severity or text depends on an app's sanction or score (upload spikes
   * and first uses) kept as what they were judged from: a tag, override or weight change judges those again, nothing
   * else (`rejudged`).
   */
  slots: Slots;
  dimension: EntityRollup['dimension'];
  /** The thresholds its candidates are judged with (`rejudged` takes others). */
  thresholds: Pick<PolicyThresholds, 'riskyScore' | 'highUploadBytes'>;
  /**
   * By sanction row of `slots`: what it was judged to (null: no candidate), with `apps` and `thresholds`. Judging
   * again keeps those of apps judged the same (a tag changes one app): at 10M events there are hundreds of thousands
   * of rows, a text each. Absent on a base read back from the store: every row is judged.
   */
  judgedRows?: readonly (Candidate | null)[];
  /**
   * The lowest upload threshold it can be judged with whatever the data (`uploadFloorOf` the one it was computed with):
   * it kept every upload of at least uploadMinShare of it, not the smaller ones a lower threshold would judge.
   */
  uploadFloor: number;
  /**
   * The largest upload it left out for its size that a lower threshold would judge (-Infinity when none: traffic
   * without byte counts, as endpoint telemetry's): a threshold whose share of it is larger judges no more than the
   * base kept, however far below the floor (`servesUploads`). Absent on a base stored by an earlier build.
   */
  uploadLeftOut: number;
}

/**
 * Whether `base` can be judged with upload threshold `t`: at least its floor, or past every upload it left out (so the
 * uploads it would judge are all kept). Otherwise the base is computed again with `t`.
 */
export function servesUploads(
  base: Pick<RiskBase, 'uploadFloor' | 'uploadLeftOut' | 'params'>,
  t: Pick<PolicyThresholds, 'highUploadBytes'>,
): boolean {
  // The same test `judged` leaves an upload out with (`up < share × threshold`), so the two agree to the byte.
  return t.highUploadBytes >= base.uploadFloor || base.uploadLeftOut < base.params.uploadMinShare * t.highUploadBytes;
}

/**
 * The lowest upload threshold bases computed with threshold `t` can be judged with: they keep uploads from a share of
 * it (risk) or from it (signals). Half the threshold: an analyst lowering it a little is served from the bases kept,
 * at the cost of keeping the uploads between (few: uploads of that size are rare next to first uses).
 */
export function uploadFloorOf(t: Pick<PolicyThresholds, 'highUploadBytes'>): number {
  return t.highUploadBytes / 2;
}

/** A large upload or a first use, with everything its judgement needs but the app's tags and score. */
export type SanctionRow =
  | {
      judge: 'upload-spike';
      entity: number;
      day: number;
      appIndex: number;
      time: number;
      up: number;
      /** Few others in the fleet use the app. */
      rare: boolean;
      /** The row is the entity's first use of the app. */
      first: boolean;
      /**
       * Against its baseline ("… its daily median …"), or null before an upload baseline was learned (then only an
       * upload past the high-upload threshold is judged, `judged`).
       */
      vs: string | null;
    }
  | {
      judge: 'first-use';
      entity: number;
      day: number;
      appIndex: number;
      time: number;
      /** Transactions and upload (NaN: unknown) in its first days, distinct hours a day at most. */
      tx: number;
      up: number;
      hours: number;
      /** Other entities that had used the app by that day. */
      others: number;
      rare: boolean;
    };

/**
 * A base's candidates in order, the sanction rows among them stored column by column: at 10M events there are
 * hundreds of thousands (every first use the fleet is not adopting), and an object each would weigh on every
 * collection of the engine's heap for as long as the base is kept.
 */
/** Slots as plain data (typed arrays and plain candidates), for the store. */
export interface SlotsData {
  fixed: Candidate[];
  order: Int32Array<ArrayBuffer>;
  n: number;
  rows: number;
  kind: Uint8Array<ArrayBuffer>;
  entity: Int32Array<ArrayBuffer>;
  day: Int32Array<ArrayBuffer>;
  app: Int32Array<ArrayBuffer>;
  time: Float64Array<ArrayBuffer>;
  up: Float64Array<ArrayBuffer>;
  tx: Float64Array<ArrayBuffer>;
  hours: Uint8Array<ArrayBuffer>;
  others: Int32Array<ArrayBuffer>;
  flags: Uint8Array<ArrayBuffer>;
  vs: [number, string | null][];
}

export class Slots {
  private readonly fixed: Candidate[] = [];
  /** Per slot: a fixed candidate's index, or -(sanction row + 1). */
  private order = new Int32Array(64);
  private n = 0;
  private rows = 0;
  private kind = new Uint8Array(64);
  private entity = new Int32Array(64);
  private day = new Int32Array(64);
  private app = new Int32Array(64);
  private time = new Float64Array(64);
  private up = new Float64Array(64);
  private tx = new Float64Array(64);
  private hours = new Uint8Array(64);
  private others = new Int32Array(64);
  /** Bit 0: rare; bit 1: first use (upload rows). */
  private flags = new Uint8Array(64);
  /** Upload rows' text against their baseline (null: before one was learned), by row. */
  private readonly vs = new Map<number, string | null>();

  /** Its data, as `fromData` takes it back (call after `done`). */
  toData(): SlotsData {
    const { fixed, order, n, rows, kind, entity, day, app, time, up, tx, hours, others, flags } = this;
    return { fixed, order, n, rows, kind, entity, day, app, time, up, tx, hours, others, flags, vs: [...this.vs] };
  }

  static fromData(d: SlotsData): Slots {
    const s = new Slots();
    s.fixed.push(...d.fixed);
    for (const [i, v] of d.vs) s.vs.set(i, v);
    s.order = d.order;
    s.n = d.n;
    s.rows = d.rows;
    s.kind = d.kind;
    s.entity = d.entity;
    s.day = d.day;
    s.app = d.app;
    s.time = d.time;
    s.up = d.up;
    s.tx = d.tx;
    s.hours = d.hours;
    s.others = d.others;
    s.flags = d.flags;
    return s;
  }

  private slot(ref: number): void {
    if (this.n === this.order.length) this.order = resized(this.order, this.n * 2);
    this.order[this.n++] = ref;
  }

  candidate(c: Candidate): void {
    this.slot(this.fixed.length);
    this.fixed.push(c);
  }

  row(r: SanctionRow): void {
    if (r.judge === 'first-use') {
      this.firstUse(r.entity, r.day, r.appIndex, r.time, r.tx, r.up, r.hours, r.others, r.rare);
      return;
    }
    const i = this.open(0, r.entity, r.day, r.appIndex, r.time, r.up, r.rare);
    if (r.first) this.flags[i] |= 2;
    this.vs.set(i, r.vs);
  }

  /** A first-use row (as `row` of one, without the object). */
  firstUse(
    entity: number,
    day: number,
    appIndex: number,
    time: number,
    tx: number,
    up: number,
    hours: number,
    others: number,
    rare: boolean,
  ): void {
    const i = this.open(1, entity, day, appIndex, time, up, rare);
    this.tx[i] = tx;
    this.hours[i] = hours;
    this.others[i] = others;
  }

  /** A new sanction row of `kind` (0 upload spike, 1 first use) with what both kinds have; its index. */
  private open(kind: 0 | 1, entity: number, day: number, app: number, time: number, up: number, rare: boolean): number {
    const i = this.rows++;
    if (i === this.kind.length) this.resize(i * 2);
    this.slot(-(i + 1));
    this.kind[i] = kind;
    this.entity[i] = entity;
    this.day[i] = day;
    this.app[i] = app;
    this.time[i] = time;
    this.up[i] = up;
    this.flags[i] = rare ? 1 : 0;
    return i;
  }

  /** Frees the room left for growth (the base keeps its slots). */
  done(): this {
    this.order = this.order.slice(0, this.n);
    this.resize(this.rows);
    return this;
  }

  private resize(length: number): void {
    this.kind = resized(this.kind, length);
    this.entity = resized(this.entity, length);
    this.day = resized(this.day, length);
    this.app = resized(this.app, length);
    this.time = resized(this.time, length);
    this.up = resized(this.up, length);
    this.tx = resized(this.tx, length);
    this.hours = resized(this.hours, length);
    this.others = resized(this.others, length);
    this.flags = resized(this.flags, length);
  }

  /** Every slot in order: a fixed candidate, or a sanction row by its index (`row`, `appOf`). */
  forEachSlot(fixed: (c: Candidate) => void, row: (i: number) => void): void {
    for (let k = 0; k < this.n; k++) {
      const ref = this.order[k];
      if (ref >= 0) fixed(this.fixed[ref]);
      else row(-ref - 1);
    }
  }

  /** How many sanction rows there are. */
  get rowCount(): number {
    return this.rows;
  }

  /** Whether sanction row i is an upload (else a first use). */
  isUpload(i: number): boolean {
    return this.kind[i] === 0;
  }

  /** Sanction row i's app index. */
  appOf(i: number): number {
    return this.app[i];
  }

  /** Every slot in order: a candidate, or a sanction row (a fresh object, judged and dropped). */
  forEach(visit: (s: Candidate | SanctionRow) => void): void {
    this.forEachSlot(visit, (i) => visit(this.rowAt(i)));
  }

  /** Row i is a first use that is no anomaly with these apps and thresholds (then `judged` would give null). */
  noFirstUse(i: number, apps: readonly AppInfo[], t: RiskBase['thresholds'], p: RiskParams): boolean {
    return (
      this.kind[i] === 1 &&
      firstUseSeverity(
        apps[this.app[i]],
        this.tx[i],
        this.others[i],
        (this.flags[i] & 1) === 1,
        this.hours[i],
        t,
        p,
      ) === null
    );
  }

  /** Sanction row i as an object. */
  rowAt(i: number): SanctionRow {
    const at = { entity: this.entity[i], day: this.day[i], appIndex: this.app[i], time: this.time[i] };
    const rare = (this.flags[i] & 1) === 1;
    if (this.kind[i] === 0)
      return {
        judge: 'upload-spike',
        ...at,
        up: this.up[i],
        rare,
        first: (this.flags[i] & 2) === 2,
        vs: this.vs.get(i) ?? null,
      };
    return {
      judge: 'first-use',
      ...at,
      tx: this.tx[i],
      up: this.up[i],
      hours: this.hours[i],
      others: this.others[i],
      rare,
    };
  }
}

/** The texts a fleet event appends, per dimension and kind: a candidate names its own (`peer`). */
function peerTexts(dimension: EntityRollup['dimension']) {
  const nouns = NOUN[dimension][1];
  return {
    spike: (k: number) => `; ${k} other ${nouns} spiked on it too`,
    upload: (k: number) => `; ${k} other ${nouns} uploaded large amounts to it the same fortnight`,
    none: (_k: number) => '',
    night: (k: number) => `; ${k} other ${nouns} were active at those hours that night too`,
  };
}
type PeerText = keyof ReturnType<typeof peerTexts>;
const PEER_TEXT: Record<EntityRollup['dimension'], ReturnType<typeof peerTexts>> = {
  device: peerTexts('device'),
  user: peerTexts('user'),
  ip: peerTexts('ip'),
};

/** Every candidate is built here, so that all share one object shape: the loops over them stay monomorphic. */
function candidateOf(c: Omit<Candidate, 'fleetEvent' | 'hourMask'> & { hourMask?: number }): Candidate {
  return {
    entity: c.entity,
    day: c.day,
    fleetEvent: false,
    hourMask: c.hourMask ?? 0,
    magnitude: c.magnitude,
    kind: c.kind,
    severity: c.severity,
    time: c.time,
    app: c.app,
    appIndex: c.appIndex,
    text: c.text,
    peer: c.peer,
  };
}

/**
 * The severity of a first use of app `info` (`tx` transactions in its first days, `others` others using it, `rare`
 * when few do, in up to `hours` distinct hours a day); null when it is no anomaly. Most first uses are none: a base's
 * judgement asks this before it builds anything (`candidatesOf`).
 */
function firstUseSeverity(
  info: AppInfo,
  tx: number,
  others: number,
  rare: boolean,
  hours: number,
  t: RiskBase['thresholds'],
  p: RiskParams,
): AnomalySeverity | null {
  if (info.sanction === 'Sanctioned') return null;
  const risky = info.score !== null && info.score <= t.riskyScore;
  let severity: AnomalySeverity | null = null;
  const raise = (x: AnomalySeverity | null) => {
    if (x && (!severity || SEVERITY_RANK[x] > SEVERITY_RANK[severity])) severity = x;
  };
  if (info.sanction === 'Unsanctioned') raise(tx >= p.firstUseTransactions ? (rare ? 'High' : 'Medium') : 'Low');
  if (risky) {
    if (rare) raise(tx >= p.firstUseHighTransactions ? 'High' : tx >= 5 ? 'Low' : null);
    else raise(tx >= p.firstUseTransactions ? 'Low' : null);
  }
  if (others === 0) {
    raise(
      tx >= p.unseenHighTransactions || (hours >= p.beaconHours && tx >= p.unseenMediumTransactions)
        ? 'High'
        : tx >= p.unseenMediumTransactions
          ? 'Medium'
          : tx >= p.firstUseTransactions
            ? 'Low'
            : null,
    );
  }
  return severity;
}

/** A sanction row's candidate with the apps as they are now, or null when it raises none. */
function judged(
  s: SanctionRow,
  apps: readonly AppInfo[],
  dimension: EntityRollup['dimension'],
  t: RiskBase['thresholds'],
  p: RiskParams,
): Candidate | null {
  const a = s.appIndex;
  const info = apps[a];
  const noun = NOUN[dimension][0];
  const risky = info.score !== null && info.score <= t.riskyScore;
  const unsanctioned = info.sanction === 'Unsanctioned';
  const candidate = (kind: AnomalyKind, magnitude: number, severity: AnomalySeverity, text: string) =>
    candidateOf({
      entity: s.entity,
      day: s.day,
      magnitude,
      kind,
      severity,
      time: s.time,
      app: info.key,
      appIndex: a,
      text,
      peer: kind === 'upload-spike' ? 'upload' : 'none',
    });
  if (s.judge === 'upload-spike') {
    const up = s.up;
    // The base kept uploads from a share of the threshold it was computed with; a higher one judges fewer.
    if (up < p.uploadMinShare * t.highUploadBytes) return null;
    // Before a baseline, only an upload past the threshold is one.
    if (s.vs === null && up < t.highUploadBytes) return null;
    let severity: AnomalySeverity | null = null;
    let text = '';
    if (s.vs !== null) {
      // A reputable app many peers use is ordinary even on first use; first use is still named.
      if (risky || unsanctioned || s.rare) severity = up >= t.highUploadBytes ? 'High' : 'Medium';
      else
        severity =
          up >= p.uploadOrdinaryHighFactor * t.highUploadBytes ? 'High' : up >= t.highUploadBytes ? 'Medium' : 'Low';
      text = `uploaded ${bytesLabel(up)} to ${appLabel(info)} on ${dayLabel(s.day)}, ${s.vs}`;
    } else if (risky || unsanctioned) {
      // Before any upload baseline exists, only the app's own risk speaks.
      severity = 'High';
      text = `uploaded ${bytesLabel(up)} to ${appLabel(info)} on ${dayLabel(s.day)}, before its upload baseline was learned`;
    }
    if (!severity) return null;
    if (s.first) text += `; first use on this ${noun}`;
    return candidate('upload-spike', up, severity, text);
  }
  const { tx, others, hours } = s;
  const severity = firstUseSeverity(info, tx, others, s.rare, hours, t, p);
  if (!severity) return null;
  const nouns = NOUN[dimension][1];
  const who =
    others === 0
      ? `no other ${noun} has used it`
      : `${others} other ${others === 1 ? noun : nouns} ${others === 1 ? 'uses' : 'use'} it`;
  const upText = !Number.isNaN(s.up) && s.up > 0 ? `, ${bytesLabel(s.up)} uploaded` : '';
  const span = `in its first ${p.firstUseDays} days, in up to ${hours} ${hours === 1 ? 'hour' : 'distinct hours'} a day`;
  return candidate(
    'first-use',
    0,
    severity,
    `first use of ${appLabel(info)} on ${dayLabel(s.day)}: ${countLabel(tx)} transactions ${span}${upText}; ${who}`,
  );
}

/** Whether a judgement of a sanction row reads the same of both (`judged` reads these and nothing else of an app). */
function judgedAlike(a: AppInfo, b: AppInfo): boolean {
  return (
    a.key === b.key && a.name === b.name && a.score === b.score && a.noData === b.noData && a.sanction === b.sanction
  );
}

/**
 * The candidates of `slots` with `apps` and thresholds `t`, and what each sanction row was judged to. Given an earlier
 * judgement (`prior`: its apps, thresholds and rows), a row keeps its judgement when its app is judged alike and is
 * as risky under both risky-app scores, and, for an upload, the upload threshold is the same (only uploads read it).
 */
function candidatesOf(
  slots: Slots,
  apps: readonly AppInfo[],
  dimension: EntityRollup['dimension'],
  t: RiskBase['thresholds'],
  p: RiskParams,
  prior?: Pick<RiskBase, 'apps' | 'thresholds' | 'judgedRows'>,
): { candidates: Candidate[]; judgedRows: (Candidate | null)[] } {
  const rows = prior?.judgedRows?.length === slots.rowCount ? prior.judgedRows : undefined;
  const risky = (a: AppInfo, score: number) => a.score !== null && a.score <= score;
  const same = rows
    ? apps.map((a, i) => {
        const was = prior!.apps[i];
        return (
          was !== undefined &&
          judgedAlike(a, was) &&
          risky(a, t.riskyScore) === risky(was, prior!.thresholds.riskyScore)
        );
      })
    : null;
  const uploadsAlike = prior?.thresholds.highUploadBytes === t.highUploadBytes;
  const candidates: Candidate[] = [];
  const judgedRows = new Array<Candidate | null>(slots.rowCount);
  slots.forEachSlot(
    (c) => {
      candidates.push(c);
    },
    (i) => {
      const keep = same?.[slots.appOf(i)] && (uploadsAlike || !slots.isUpload(i));
      const c = keep
        ? rows![i]
        : slots.noFirstUse(i, apps, t, p)
          ? null
          : judged(slots.rowAt(i), apps, dimension, t, p);
      judgedRows[i] = c;
      if (c) candidates.push(c);
    },
  );
  return { candidates, judgedRows };
}

/**
 * The base with the apps' tags, sanctions and scores of `apps` — the same apps in the same order, as newer tags,
 * overrides or weights see them — and the risky-app score and upload threshold of `judgement` when given (the latter
 * one the base serves, `servesUploads`): the upload spikes and first uses are judged again; nothing else of the base
 * depends on them.
 */
export function rejudged(
  base: RiskBase,
  apps: readonly AppInfo[],
  judgement?: Pick<PolicyThresholds, 'riskyScore' | 'highUploadBytes'>,
): RiskBase {
  if (judgement && !servesUploads(base, judgement))
    throw new Error('risk bases judged with an upload threshold below their upload floor');
  const thresholds = judgement
    ? { riskyScore: judgement.riskyScore, highUploadBytes: judgement.highUploadBytes }
    : base.thresholds;
  return {
    ...base,
    apps,
    thresholds,
    ...candidatesOf(base.slots, apps, base.dimension, thresholds, base.params, base),
  };
}

/** A base as plain data for the store: its candidates come back from its slots (`revivedBase`). */
export type StoredRiskBase = Omit<RiskBase, 'candidates' | 'slots'> & { slots: SlotsData };

export function storedBase(b: RiskBase): StoredRiskBase {
  const { candidates: _candidates, judgedRows: _judgedRows, slots, ...rest } = b;
  return { ...rest, slots: slots.toData() };
}

/** A stored base with `apps` as they are judged now (its own apps, in the same order, appraised again). */
export function revivedBase(
  d: StoredRiskBase,
  apps: readonly AppInfo[],
  judgement?: Pick<PolicyThresholds, 'riskyScore' | 'highUploadBytes'>,
): RiskBase {
  return rejudged({ ...d, slots: Slots.fromData(d.slots), candidates: [], judgedRows: undefined }, apps, judgement);
}

/** Device or user risk in a window: `riskIn(riskBase(…))`, where the rollups end with the window. */
export function assessRisk(
  daily: DailyRollups,
  dimension: EntityRollup['dimension'],
  opts: RiskOptions,
): Map<string, RiskAssessment> {
  return riskIn(riskBase(daily, dimension, opts), opts);
}

export function riskBase(
  daily: DailyRollups,
  dimension: EntityRollup['dimension'],
  opts: Pick<RiskOptions, 'thresholds' | 'params'>,
): RiskBase {
  return runSteps(riskBaseStages(daily, dimension, opts));
}

/** Entity-days judged between two of riskBaseStages' yields in its main loop. */
const JUDGED_PER_STAGE = 16_384;

/**
 * riskBase in stages — its row index, first uses and hours, then its entities a few thousand entity-days at a
 * time — so a caller that must stay responsive (the engine worker) can let requests in between.
 */
export function* riskBaseStages(
  daily: DailyRollups,
  dimension: EntityRollup['dimension'],
  opts: Pick<RiskOptions, 'thresholds' | 'params'>,
): Generator<void, RiskBase> {
  const p: RiskParams = { ...DEFAULT_RISK_PARAMS, ...opts.params };
  const t = opts.thresholds;
  const r = daily[dimension];
  const apps = daily.apps;
  const n = r.keys.length;
  const peerMin = Math.max(p.peerMinCount, Math.ceil(p.peerShare * n));
  // Uploads kept from a share of the floor below the threshold: a threshold lowered down to the floor is judged on
  // this base; only a lower one computes it again.
  const uploadMin = p.uploadMinShare * uploadFloorOf(t);

  // Entity-day rows by entity, in day order; entity-app-day rows by entity and day (in row order),
  // as ranges of one sorted index: counting sorts, no per-entity maps.
  const minDay = daily.firstDay ?? 0;
  const span = daily.firstDay !== null && daily.lastDay !== null ? daily.lastDay - daily.firstDay + 1 : 1;
  const dayOrder = byEntityAndDay(r.days.n, r.days.entity, r.days.day, n, minDay, span);
  const dayStart = new Int32Array(n + 1);
  for (let i = 0; i < r.days.n; i++) dayStart[r.days.entity[i] + 1]++;
  for (let e = 0; e < n; e++) dayStart[e + 1] += dayStart[e];
  const daysOf = (e: number) => dayOrder.subarray(dayStart[e], dayStart[e + 1]);
  /** (entity, day offset) → entity-day row: a dense table unless stray days make it too wide. */
  const dayRowOf = n * span <= 1 << 24 ? new DenseIndex(n * span) : new IntMap(r.days.n);
  for (let i = 0; i < r.days.n; i++) dayRowOf.set(r.days.entity[i] * span + (r.days.day[i] - minDay), i);
  // Rows are judged entity by entity, day by day: the columns every row is read for are copied into that order once
  // (the positions below), so the loop reads memory front to back instead of jumping across millions of rows; the
  // rest are read through `rowAt` for the few rows an anomaly names. Each entity-day row has its rows at positions
  // [rowStart, rowEnd), in row order; every row has an entity-day row.
  const rowCount = r.rows.n;
  const rowStart = new Int32Array(r.days.n);
  const rowEnd = new Int32Array(r.days.n);
  const rowAt = new Int32Array(rowCount);
  let rowApp: IdColumn;
  let rowUp: SumColumn;
  {
    const groupOf = new Int32Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const di = dayRowOf.get(r.rows.entity[i] * span + (r.rows.day[i] - minDay));
      groupOf[i] = di;
      rowEnd[di]++;
    }
    for (let q = 0, at = 0; q < dayOrder.length; q++) {
      const di = dayOrder[q];
      rowStart[di] = at;
      at += rowEnd[di];
      rowEnd[di] = at;
    }
    const fill = rowStart.slice();
    for (let i = 0; i < rowCount; i++) rowAt[fill[groupOf[i]]++] = i;
    rowApp = permuted(r.rows.app, rowAt);
    rowUp = permuted(r.rows.up, rowAt);
  }
  yield;
  const rowTx = (k: number) => r.rows.transactions[rowAt[k]];
  const rowHours = (k: number) => r.rows.hours[rowAt[k]];
  const rowLast = (k: number) => r.rows.last[rowAt[k]];
  // To find an app's row in an entity-day range by binary search: the range's apps as sortable keys, app × G plus
  // the offset in the range (G, the widest range), each range sorted on its own (natively, small) the first time
  // it is searched: few are (spikes, first uses).
  let widest = 1;
  for (let di = 0; di < r.days.n; di++) widest = Math.max(widest, rowEnd[di] - rowStart[di]);
  const appKeys = apps.length * widest <= 2 ** 32 ? new Uint32Array(rowCount) : new Float64Array(rowCount);
  const keyed = new Uint8Array(r.days.n);
  /** The position of entity e's row of app a on day d; -1 for none. */
  const rowOf = (e: number, a: number, d: number): number => {
    const off = d - minDay;
    if (off < 0 || off >= span) return -1;
    const di = dayRowOf.get(e * span + off);
    if (di < 0) return -1;
    if (!keyed[di]) {
      keyed[di] = 1;
      const s = rowStart[di];
      const end = rowEnd[di];
      for (let k = s; k < end; k++) appKeys[k] = rowApp[k] * widest + (k - s);
      if (end - s > 1) appKeys.subarray(s, end).sort();
    }
    const low = a * widest;
    let lo = rowStart[di];
    let hi = rowEnd[di];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (appKeys[mid] < low) lo = mid + 1;
      else hi = mid;
    }
    return lo < rowEnd[di] && appKeys[lo] < low + widest ? rowStart[di] + (appKeys[lo] - low) : -1;
  };
  // First day of each (entity, app): the first of its rows in (entity, day) order; kept per position.
  const appCount = apps.length;
  const firstOfRow = new Int32Array(rowCount);
  // Per app, every entity's first-use day, sorted (each app's range of one array): how many others used it by a day,
  // or started near it.
  const firstsStart = new Int32Array(appCount + 1);
  let firstDays: Int32Array;
  {
    const stamp = new Int32Array(appCount);
    const firstDayOfApp = new Int32Array(appCount);
    let pairs = 0;
    for (let e = 0; e < n; e++) {
      for (const di of daysOf(e)) {
        const d = r.days.day[di];
        for (let k = rowStart[di]; k < rowEnd[di]; k++) {
          const a = rowApp[k];
          if (stamp[a] !== e + 1) {
            stamp[a] = e + 1;
            firstDayOfApp[a] = d;
            pairs++;
            firstsStart[a + 1]++;
          }
          firstOfRow[k] = firstDayOfApp[a];
        }
      }
    }
    for (let a = 0; a < appCount; a++) firstsStart[a + 1] += firstsStart[a];
    firstDays = new Int32Array(pairs);
    const fill = firstsStart.slice(0, appCount);
    // (entity, app, day) is unique: the row on an app's first day is the entity's first row of it. (In the order
    // of the positions: reads front to back.)
    for (let q = 0; q < dayOrder.length; q++) {
      const di = dayOrder[q];
      const d = r.days.day[di];
      for (let k = rowStart[di]; k < rowEnd[di]; k++) if (firstOfRow[k] === d) firstDays[fill[rowApp[k]]++] = d;
    }
  }
  yield;
  const usedBy = firstUseCounter(firstDays, firstsStart, minDay, span);
  const othersBy = (a: number, d: number, self: number) => usedBy(a, d) - (self <= d ? 1 : 0);
  const othersAround = (a: number, d: number, self: number) =>
    usedBy(a, d + p.peerDays) - usedBy(a, d - p.peerDays - 1) - (Math.abs(self - d) <= p.peerDays ? 1 : 0);

  // The fleet's (non-noise) transactions per UTC hour of the day, and each entity's own.
  const hourTx = new Float64Array(24);
  const ownHourTx = new Float64Array(n * 24);
  // Each entity-day's hours with (non-noise) transactions as a bit mask, read here front to back once.
  const hourMaskOf = new Int32Array(r.days.n);
  for (let i = 0; i < r.days.n; i++) {
    const e = r.days.entity[i];
    let mask = 0;
    for (let h = 0; h < 24; h++) {
      const v = r.days.hourTx[i * 24 + h];
      hourTx[h] += v;
      ownHourTx[e * 24 + h] += v;
      if (v > 0) mask |= 1 << h;
    }
    hourMaskOf[i] = mask;
  }
  const allTx = hourTx.reduce((a, b) => a + b, 0);
  const ownTx = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    let own = 0;
    for (let x = 0; x < 24; x++) own += ownHourTx[e * 24 + x];
    ownTx[e] = own;
  }
  /** Share of the rest of the fleet's transactions that fall in hour h (the entity's own left out). */
  const hourShareOthers = (e: number, h: number) => {
    const rest = allTx - ownTx[e];
    return rest > 0 ? (hourTx[h] - ownHourTx[e * 24 + h]) / rest : 0;
  };

  const noiseApp = Uint8Array.from(apps, (a) => (a.noise ? 1 : 0));
  const slots = new Slots();
  const learnedRow = new Uint8Array(r.days.n);
  const noBytes = new Uint8Array(n).fill(1);
  let uploadLeftOut = Number.NEGATIVE_INFINITY;

  // An entity's days of use so far (day, transactions, upload), and the lookback window's transactions and known
  // uploads kept sorted as it slides: the window is the history from `lo` on.
  const histDay = new Int32Array(span);
  const histTx = new Float64Array(span);
  const histUp = new Float64Array(span);
  const windowTx = new SortedWindow(p.lookbackDays + 2);
  const windowUp = new SortedWindow(p.lookbackDays + 2);
  const hourDays = new Int32Array(24);
  const rows = new Int32Array(widest);
  let judged = 0;
  for (let e = 0; e < n; e++) {
    const all = daysOf(e);
    // Days with infrastructure noise only (a laptop left on, a holiday) are not days of use.
    let used = 0;
    for (let q = 0; q < all.length; q++) if (r.days.transactions[all[q]] > 0) used++;
    if (used === 0) continue;
    judged += used;
    if (judged >= JUDGED_PER_STAGE) {
      judged = 0;
      yield;
    }
    let firstDay = -1;
    let hn = 0;
    let lo = 0;
    windowTx.clear();
    windowUp.clear();
    hourDays.fill(0);
    for (let q = 0; q < all.length; q++) {
      const di = all[q];
      const tx = r.days.transactions[di];
      if (!(tx > 0)) continue;
      const d = r.days.day[di];
      if (firstDay < 0) firstDay = d;
      const upDay = r.days.up[di];
      if (!Number.isNaN(upDay)) noBytes[e] = 0;
      const dayMask = hourMaskOf[di];
      while (lo < hn && histDay[lo] < d - p.lookbackDays) {
        windowTx.remove(histTx[lo]);
        windowUp.remove(histUp[lo]);
        lo++;
      }
      const windowDays = hn - lo;
      const learned = d - firstDay >= p.learningDays && windowDays >= p.minHistoryDays;
      // The day's rows of apps that are not noise: positions rows[0 … nr).
      let nr = 0;
      for (let k = rowStart[di]; k < rowEnd[di]; k++) if (!noiseApp[rowApp[k]]) rows[nr++] = k;
      if (learned) learnedRow[di] = 1;
      const m = windowTx.median();
      const upDays = windowUp.n;
      const mUp = upDays >= p.minHistoryDays ? windowUp.median() : Number.NaN;
      const peakUp = windowUp.max();
      const base = { entity: e, day: d };

      // Transaction spike, named by the app that took most of it.
      if (learned && m > 0) {
        const ratio = tx / m;
        // The robust z (a sort of the history) only where the cheap tests pass.
        const spike =
          tx >= p.spikeMinTransactions &&
          ratio >= p.spikeRatioMedium &&
          (tx - m) / Math.max(mad(windowTx.values(), m), 0.1 * m, 1) >= p.spikeRobustZ;
        if (spike) {
          let top = -1;
          for (let x = 0; x < nr; x++) if (top < 0 || rowTx(rows[x]) > rowTx(top)) top = rows[x];
          const a = top >= 0 ? rowApp[top] : -1;
          let share = '';
          // A busy day lifts every app; a spike that one app takes, far beyond its own median there, is sharper.
          let concentrated = false;
          if (top >= 0) {
            const topTx = rowTx(top);
            const perDay: number[] = [];
            for (let w = lo; w < hn; w++) {
              const j = rowOf(e, a, histDay[w]);
              perDay.push(j >= 0 ? rowTx(j) : 0);
            }
            const appMedian = median(perDay);
            const appRatio = topTx / Math.max(appMedian, 1);
            concentrated = topTx >= 0.5 * tx && appRatio >= p.spikeRatioHigh;
            share = `; ${countLabel(topTx)} of them to ${apps[a].name}, ${ratioLabel(appRatio)} its daily median there (${countLabel(appMedian)})`;
          }
          slots.candidate(
            candidateOf({
              ...base,
              kind: 'transaction-spike',
              magnitude: tx,
              severity: ratio >= p.spikeRatioHigh || concentrated ? 'High' : 'Medium',
              time: r.days.last[di],
              app: a >= 0 ? apps[a].key : null,
              appIndex: a,
              text: `made ${countLabel(tx)} transactions on ${dayLabel(d)}, ${ratioLabel(ratio)} its daily median (${countLabel(m)})${share}`,
              peer: 'spike',
            }),
          );
        }
      }

      for (let x = 0; x < nr; x++) {
        const i = rows[x];
        const a = rowApp[i];
        const up = rowUp[i];
        const first = learned && firstOfRow[i] === d;
        const upload = !Number.isNaN(up) && up >= uploadMin;
        // How many others use the app (binary searches) only where a rule asks.
        const others = upload || first ? othersBy(a, d, firstOfRow[i]) : 0;
        const rare = others < peerMin;
        // Both rules below weigh the app's sanction and score (and name it): they are kept as what they are judged
        // from, and judged with the apps as they are (`judged`), again whenever tags, overrides or weights change.

        // Upload spike (bytes known only: unknown is n/a, never zero): past the baseline, or before one (judged
        // against the threshold then, `judged`, so another can judge it again).
        if (!Number.isNaN(up)) {
          const baselined = learned && !Number.isNaN(mUp);
          const spike =
            !baselined || (up / Math.max(mUp, p.uploadFloorBytes) >= p.uploadRatio && up >= p.uploadPeakRatio * peakUp);
          if (spike && upload) {
            const vs = !baselined
              ? null
              : mUp > 0
                ? `${ratioLabel(up / mUp)} its daily median (${bytesLabel(mUp)}) and ${ratioLabel(up / peakUp)} its largest day in ${upDays} days`
                : `against a daily median of 0 B`;
            slots.row({ judge: 'upload-spike', ...base, appIndex: a, time: rowLast(i), up, rare, first, vs });
          } else if (spike && up > uploadLeftOut) uploadLeftOut = up;
        }

        // First use of an unsanctioned, risky or fleet-unseen app (unless sanctioned).
        if (first) {
          const around = othersAround(a, d, d);
          if (around >= peerMin) continue; // a rollout: the fleet is adopting it
          // A first contact is often a single probe: judge the app's first days of use together.
          let ftx = 0;
          let fup = Number.NaN;
          let hours = 0;
          let last = rowLast(i);
          for (let k = 0; k < p.firstUseDays; k++) {
            const j = rowOf(e, a, d + k);
            if (j >= 0) {
              ftx += rowTx(j);
              if (!Number.isNaN(rowUp[j])) fup = (Number.isNaN(fup) ? 0 : fup) + rowUp[j];
              hours = Math.max(hours, popcount(rowHours(j)));
              last = Math.max(last, rowLast(j));
            }
          }
          slots.firstUse(e, d, a, last, ftx, fup, hours, others, rare);
        }
      }

      // Activity at hours of the day the entity is not in the habit of being active in.
      if (learned) {
        let habit = 0;
        for (let h = 0; h < 24; h++) if (hourDays[h] >= p.offHoursHabitDays) habit |= 1 << h;
        const newMask = dayMask & ~habit;
        if (newMask) {
          let q = 0;
          let qFar = 0;
          let seenBefore = 0;
          const newHours: number[] = [];
          for (let h = 0; h < 24; h++) {
            if (!(newMask & (1 << h))) continue;
            const v = r.days.hourTx[di * 24 + h];
            newHours.push(h);
            q += v;
            seenBefore = Math.max(seenBefore, hourDays[h]);
            if (hourShareOthers(e, h) < p.rareHourShare && hourDistance(h, habit) >= p.offHoursDistance) qFar += v;
          }
          const min = Math.max(p.offHoursMinTransactions, p.offHoursMedianShare * m);
          const high = Math.max(p.offHoursMinTransactions, p.offHoursHighMedianShare * m);
          const longHistory = d - firstDay >= p.offHoursHighHistoryDays;
          const severity: AnomalySeverity | null =
            qFar >= high && longHistory ? 'High' : q >= min ? 'Medium' : q >= 10 ? 'Low' : null;
          if (severity) {
            const reached = Array.from(rows.subarray(0, nr))
              .filter((i) => rowHours(i) & newMask)
              .sort((x, y) => rowTx(y) - rowTx(x))
              .slice(0, 2)
              .map((i) => apps[rowApp[i]].name);
            const to = reached.length ? `, reaching ${reached.join(' and ')}` : '';
            const span = d - firstDay;
            slots.candidate(
              candidateOf({
                ...base,
                kind: 'off-hours',
                magnitude: q,
                severity,
                time: r.days.last[di],
                app: null,
                appIndex: -1,
                hourMask: newMask,
                text: `active at ${hoursLabel(newHours)} on ${dayLabel(d)} (${countLabel(q)} transactions${to}), ${
                  seenBefore === 0
                    ? `hours it was never active in ${span} days of history`
                    : `hours it had been active in on at most ${seenBefore} ${seenBefore === 1 ? 'day' : 'days'} in ${span} days of history`
                }`,
                peer: 'night',
              }),
            );
          }
        }
      }
      histDay[hn] = d;
      histTx[hn] = tx;
      histUp[hn] = upDay;
      hn++;
      windowTx.add(tx);
      windowUp.add(upDay);
      for (let h = 0; h < 24; h++) if (dayMask & (1 << h)) hourDays[h]++;
    }
  }

  const active = new Uint8Array(r.days.n);
  for (let i = 0; i < r.days.n; i++) active[i] = r.days.transactions[i] > 0 ? 1 : 0;
  const thresholds = { riskyScore: t.riskyScore, highUploadBytes: t.highUploadBytes };
  return {
    params: p,
    keys: r.keys,
    labels: r.labels,
    peerMin,
    ...candidatesOf(slots.done(), apps, dimension, thresholds, p),
    apps,
    slots,
    dimension,
    thresholds,
    uploadFloor: uploadFloorOf(t),
    uploadLeftOut,
    dayOrder,
    dayStart,
    day: r.days.day,
    active,
    learned: learnedRow,
    noBytes,
  };
}

/** Risk in a window from its base: the anomalies on the window's days, tempered by the peers in it; levels and reasons. */
export function riskIn(
  base: RiskBase,
  window: { from?: number | null; to?: number | null },
): Map<string, RiskAssessment> {
  const { params: p, keys, labels, peerMin, noBytes } = base;
  const n = keys.length;
  const out = new Map<string, RiskAssessment>();
  if (n === 0) return out;
  const fromDay = window.from != null ? Math.floor(window.from / DAY) : Number.NEGATIVE_INFINITY;
  const toDay = window.to != null ? Math.ceil(window.to / DAY) : Number.POSITIVE_INFINITY;
  const inWindow = (d: number) => d >= fromDay && d < toDay;
  const candidates: Candidate[] = [];
  for (const c of base.candidates) if (inWindow(c.day)) candidates.push({ ...c });
  const daysOf = (e: number) => base.dayOrder.subarray(base.dayStart[e], base.dayStart[e + 1]);

  // Peers: the same behaviour on the same app (or the same night) by many others is a fleet event.
  // Each group is sorted by day, so a candidate looks only at the days its span covers.
  const groups = new Map<string, Candidate[]>();
  const groupKey = (c: Candidate) => (c.kind === 'off-hours' ? 'off-hours' : `${c.kind}|${c.appIndex}`);
  for (const c of candidates) {
    if (c.kind === 'first-use') continue;
    const k = groupKey(c);
    let g = groups.get(k);
    if (!g) {
      g = [];
      groups.set(k, g);
    }
    g.push(c);
  }
  for (const g of groups.values()) g.sort((x, y) => x.day - y.day);
  const firstOnOrAfter = (g: Candidate[], day: number) => {
    let lo = 0;
    let hi = g.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (g[mid].day < day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const fleetEvent = (c: Candidate, peers: number) => {
    c.fleetEvent = true;
    c.severity = 'Low';
    c.text += PEER_TEXT[base.dimension][c.peer](peers);
  };
  // Off-hours peers are the others active the same night at overlapping hours: an entity has one such candidate a
  // night, so candidates with the same hours share their peers but for themselves. Each night is judged per
  // distinct set of hours, with each candidate's own amount taken out of the sorted list (a maintenance night of
  // thousands costs a sort, not thousands of them).
  const nights = groups.get('off-hours') ?? [];
  for (let start = 0; start < nights.length; ) {
    let end = start + 1;
    while (end < nights.length && nights[end].day === nights[start].day) end++;
    const night = nights.slice(start, end);
    start = end;
    const masks = new Map<number, Candidate[]>();
    for (const c of night) {
      const same = masks.get(c.hourMask);
      if (same) same.push(c);
      else masks.set(c.hourMask, [c]);
    }
    for (const [mask, same] of masks) {
      const overlapping: number[] = [];
      for (const o of night) if (o.hourMask & mask) overlapping.push(Math.log1p(Math.max(0, o.magnitude)));
      const peers = overlapping.length - 1;
      if (peers < peerMin) continue;
      const logs = Float64Array.from(overlapping).sort();
      const deviations = new Map<number, Float64Array>();
      for (const c of same) {
        const x = Math.log1p(Math.max(0, c.magnitude));
        const m = medianWithout(logs, lowerBound(logs, x));
        let devs = deviations.get(m);
        if (!devs) {
          devs = logs.map((v) => Math.abs(v - m)).sort();
          deviations.set(m, devs);
        }
        const spread = Math.max(
          1.4826 * medianWithout(devs, lowerBound(devs, Math.abs(x - m))),
          Math.LN2 / p.peerRobustZ,
        );
        if (!(x > m + p.peerRobustZ * spread)) fleetEvent(c, peers);
      }
    }
  }
  for (const c of candidates) {
    if (c.kind === 'first-use' || c.kind === 'off-hours') continue;
    const g = groups.get(groupKey(c)) ?? [];
    const span = c.kind === 'upload-spike' ? p.peerDays : 1;
    const peers = new Map<number, number>();
    for (let k = firstOnOrAfter(g, c.day - span); k < g.length && g[k].day <= c.day + span; k++) {
      const o = g[k];
      if (o.entity === c.entity) continue;
      peers.set(o.entity, Math.max(peers.get(o.entity) ?? 0, o.magnitude));
    }
    if (peers.size >= peerMin && !outlierAmong(c.magnitude, [...peers.values()], p.peerRobustZ)) {
      fleetEvent(c, peers.size);
    }
  }

  const byEntity: Candidate[][] = Array.from({ length: n }, () => []);
  for (const c of candidates) byEntity[c.entity].push(c);
  for (let e = 0; e < n; e++) {
    const list = byEntity[e].sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] || x.time - y.time);
    const anomalies: Anomaly[] = list.map(({ kind, severity, day, time, app, text, fleetEvent }) => ({
      kind,
      severity,
      day,
      time,
      app,
      text,
      fleetEvent,
    }));
    const level: RiskLevel = anomalies.length ? anomalies[0].severity : 'Informational';
    const reasons = anomalies.slice(0, p.maxReasons).map((a) => a.text);
    if (anomalies.length > p.maxReasons) reasons.push(`and ${anomalies.length - p.maxReasons} more anomalies`);
    let seen = false;
    let judged = false;
    for (const i of daysOf(e)) {
      if (!inWindow(base.day[i])) continue;
      seen = true;
      if (base.learned[i]) judged = true;
    }
    const learning = seen && !judged;
    if (learning && anomalies.length === 0) {
      const active = daysOf(e).filter((i) => base.day[i] < toDay && base.active[i] === 1).length;
      reasons.push(
        `still learning its baseline: ${active} active ${active === 1 ? 'day' : 'days'} of data, judged after ${p.learningDays} days and ${p.minHistoryDays} active days`,
      );
    }
    out.set(keys[e], {
      key: keys[e],
      label: labels[e],
      level,
      reasons,
      anomalies,
      learning,
      notApplicable: noBytes[e] ? ['upload spikes: n/a, the data has no byte counts'] : [],
    });
  }
  return out;
}
