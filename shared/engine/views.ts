/**
 * What the screens ask for, computed in the engine (worker or Node): the report
 * list, windows relative to the data's last event, the dashboard, sorted and
 * filtered pages of the entity tables, and the device and app pages.
 */
import { inSubnet, subnetOf } from '../catalog/ip';
import type { AppFilter } from '../catalog/queries';
import type { ScoreBreakdown } from '../catalog/score';
import { inScoreBand, SCORE_BANDS, scoreBandOf } from '../domain/score-bands';
import type { DataSourceRecord, ImportRecord } from '../store/records';
import {
  type AppRow,
  type DeviceRow,
  type IpRow,
  type QueryContext,
  selectedFacts,
  type Tables,
  type Totals,
  type UserRow,
} from './query';
import { type ReportDef, type ReportOptions, reportsFor } from './reports';
import type { WorkingSet } from './working-set';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A report by its id (`global`, `endpoint`, `source:<id>`, `snapshot:<id>`; see reports.ts). */
export interface ReportRef {
  id: string;
}

/** A report with the size and time span of its data, for the report selector. */
export interface ReportInfo extends ReportDef {
  transactions: number;
  firstEvent: number | null;
  lastEvent: number | null;
}

export function listReports(
  sources: readonly DataSourceRecord[],
  imports: readonly ImportRecord[],
  opts: ReportOptions = {},
): ReportInfo[] {
  return reportsFor(sources, opts).map((def) => {
    const mine = imports.filter((i) => i.status === 'committed' && def.sourceIds.includes(i.sourceId));
    const firsts = mine.map((i) => i.firstEvent).filter((t): t is number => t !== null);
    const lasts = mine.map((i) => i.lastEvent).filter((t): t is number => t !== null);
    return {
      ...def,
      transactions: mine.reduce((a, i) => a + i.transactions, 0),
      firstEvent: firsts.length ? Math.min(...firsts) : null,
      lastEvent: lasts.length ? Math.max(...lasts) : null,
    };
  });
}

export { resolveWindow, type WindowPreset, type WindowSpec } from './reports';

export type EntityKind = 'apps' | 'devices' | 'users' | 'ips';
export type { AppRow, DeviceRow, IpRow as IpRowView, UserRow as UserRowView } from './query';
export type EntityRow = AppRow | DeviceRow | UserRow | IpRow;

export interface TableRequest {
  entity: EntityKind;
  sort?: { key: string; dir: 'asc' | 'desc' };
  search?: string;
  /** Apps only: hide infrastructure noise (default on), category, tag, score range. */
  hideNoise?: boolean;
  category?: string | null;
  tag?: string | null;
  minScore?: number | null;
  maxScore?: number | null;
  /** Apps only: the apps of a score band (its id, see shared/domain/score-bands). */
  band?: string | null;
  /** IP addresses only: the addresses in this subnet ("10.20.0.0/16", or one address); not a subnet: no filter. */
  subnet?: string | null;
  /** Devices and users only: the rows of this risk level (Informational: no anomaly). */
  riskLevel?: string | null;
  /** Apps only: a saved or suggested query (catalog attributes, tags, usage); unidentified entries never match. */
  query?: AppFilter | null;
  offset: number;
  limit: number;
}

export interface TablePage<R = EntityRow> {
  rows: R[];
  total: number;
  /** Counts before paging but after filters, for the header ("3,412 apps"). */
  offset: number;
}

function rowsOf(t: Tables, e: EntityKind): EntityRow[] {
  return e === 'apps' ? t.apps : e === 'devices' ? t.devices : e === 'users' ? t.users : t.ips;
}

function searchText(r: EntityRow): string {
  if ('domains' in r) return `${r.name} ${r.category} ${r.tags.join(' ')} ${r.domains.join(' ')}`;
  if ('deviceId' in r) return `${r.name} ${r.deviceId ?? ''}`;
  if ('user' in r) return r.user;
  return r.ip;
}

export function compareValues(a: unknown, b: unknown): number {
  // Unknown (null) sorts last whatever the direction is: it is "n/a", not zero.
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (Array.isArray(a) && Array.isArray(b)) return a.join(',').localeCompare(b.join(','));
  return COLLATOR.compare(String(a), String(b));
}

// One collator for every comparison: `localeCompare` with options builds one per call (~10x slower on 100k rows).
const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export const RISK_ORDER: Record<string, number> = { High: 4, Medium: 3, Low: 2, Informational: 1 };
/** Rows of the dashboard's riskiest devices. */
export const RISKIEST_SHOWN = 8;

/**
 * Filtered and sorted rows per tables object, so paging through a 100k-row table sorts it once rather than once per
 * page. Tables are immutable once computed (the engine builds new ones when data, tags or settings change).
 */
const ordered = new WeakMap<Tables, Map<string, EntityRow[]>>();
const ORDERS_KEPT = 8;

export function queryTable(t: Tables, req: TableRequest): TablePage {
  const key = JSON.stringify([
    req.entity,
    req.hideNoise,
    req.category,
    req.tag,
    req.minScore,
    req.maxScore,
    req.band,
    req.riskLevel,
    req.subnet,
    req.search?.trim().toLowerCase(),
    req.sort,
  ]);
  let cache = ordered.get(t);
  if (!cache) {
    cache = new Map();
    ordered.set(t, cache);
  }
  let rows = cache.get(key);
  if (!rows) {
    rows = orderRows(t, req);
    if (cache.size >= ORDERS_KEPT) cache.delete(cache.keys().next().value as string);
    cache.set(key, rows);
  }
  const offset = Math.max(0, Math.min(req.offset, rows.length));
  return { rows: rows.slice(offset, offset + Math.max(0, req.limit)), total: rows.length, offset };
}

function orderRows(t: Tables, req: TableRequest): EntityRow[] {
  let rows = rowsOf(t, req.entity);
  if (req.entity === 'apps') {
    const apps = rows as AppRow[];
    const band = scoreBandOf(req.band);
    rows = apps.filter(
      (a) =>
        !(req.hideNoise !== false && a.noise) &&
        (!req.category || a.category === req.category) &&
        (!req.tag || a.tags.includes(req.tag)) &&
        (req.minScore == null || (a.score !== null && a.score >= req.minScore)) &&
        (req.maxScore == null || (a.score !== null && a.score <= req.maxScore)) &&
        (band === null || inScoreBand(a.score, band)),
    );
  }
  const net = req.entity === 'ips' && req.subnet ? subnetOf(req.subnet) : null;
  if (net) rows = rows.filter((r) => inSubnet((r as IpRow).ip, net));
  if (req.riskLevel && (req.entity === 'devices' || req.entity === 'users')) {
    const level = req.riskLevel;
    rows = rows.filter((r) => (r as DeviceRow | UserRow).riskLevel === level);
  }
  const q = req.search?.trim().toLowerCase();
  if (q) rows = rows.filter((r) => searchText(r).toLowerCase().includes(q));
  if (req.sort) {
    const { key, dir } = req.sort;
    const sign = dir === 'asc' ? 1 : -1;
    rows = [...rows].sort((x, y) => {
      const a = (x as unknown as Record<string, unknown>)[key];
      const b = (y as unknown as Record<string, unknown>)[key];
      if (a === null || a === undefined || b === null || b === undefined) return compareValues(a, b);
      if (key === 'riskLevel') return sign * ((RISK_ORDER[String(a)] ?? 0) - (RISK_ORDER[String(b)] ?? 0));
      return sign * compareValues(a, b);
    });
  }
  return rows;
}

export interface DayPoint {
  day: number;
  transactions: number;
  upload: number | null;
  download: number | null;
}

export interface Dashboard {
  summary: Tables['summary'];
  topByTraffic: AppRow[];
  topByUsers: AppRow[];
  topByTransactions: AppRow[];
  categories: { category: string; apps: number; transactions: number; traffic: number | null; sanctioned: number }[];
  /** Apps by score band (`id` as the Discovered apps Score filter takes it; null: unidentified, no score). */
  scoreBands: { id: string | null; band: string; apps: number }[];
  timeline: DayPoint[];
  riskiestDevices: DeviceRow[];
  hasBytes: boolean;
}

/** Daily series over the selected facts (`ctx.rows`, when given, are those), optionally for one entity column value. */
export function timeline(
  ws: WorkingSet,
  ctx: Pick<QueryContext, 'from' | 'to' | 'sources' | 'rows'>,
  filter?: { column: 'device' | 'user' | 'localIp' | 'host'; values: ReadonlySet<number> },
): DayPoint[] {
  const rows = selectedFacts(ws, ctx);
  const days = new Map<number, DayPoint>();
  const col = filter ? ws[filter.column] : null;
  // Facts come in runs of the same day: the day's point is looked up when the day changes.
  let lastDay = Number.NaN;
  let p: DayPoint | undefined;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    if (col && filter && !filter.values.has(col[i])) continue;
    const day = Math.floor((ws.hour[i] * HOUR) / DAY) * DAY;
    if (day !== lastDay) {
      lastDay = day;
      p = days.get(day);
      if (!p) {
        p = { day, transactions: 0, upload: null, download: null };
        days.set(day, p);
      }
    }
    const point = p as DayPoint;
    point.transactions += ws.transactions[i];
    const u = ws.bytesUp[i];
    if (!Number.isNaN(u)) point.upload = (point.upload ?? 0) + u;
    const d = ws.bytesDown[i];
    if (!Number.isNaN(d)) point.download = (point.download ?? 0) + d;
  }
  return [...days.values()].sort((a, b) => a.day - b.day);
}

export function dashboard(t: Tables, series: DayPoint[]): Dashboard {
  const apps = t.apps.filter((a) => !a.noise);
  // Only apps that have some of what is ranked: a source without user names has no "top apps by users". A top
  // app's IP and device counts are left out (0): a view's first dashboard comes from tables that do not count them
  // (computeTables' appsOnly), and every dashboard of the same data must be the same, whatever it came from.
  const top = (key: (a: AppRow) => number) =>
    apps
      .filter((a) => key(a) > 0)
      .sort((a, b) => key(b) - key(a))
      .slice(0, 10)
      .map((a) => ({ ...a, ips: 0, devices: 0 }));
  const cats = new Map<string, Dashboard['categories'][number]>();
  for (const a of apps) {
    const c = cats.get(a.category) ?? { category: a.category, apps: 0, transactions: 0, traffic: null, sanctioned: 0 };
    c.apps++;
    c.transactions += a.transactions;
    if (a.traffic !== null) c.traffic = (c.traffic ?? 0) + a.traffic;
    if (a.tags.includes('Sanctioned')) c.sanctioned++;
    cats.set(a.category, c);
  }
  const scored = apps.filter((a) => a.score !== null);
  const riskOrder = (d: DeviceRow) => RISK_ORDER[d.riskLevel ?? ''] ?? 0;
  return {
    summary: t.summary,
    topByTraffic: top((a) => a.traffic ?? -1),
    topByUsers: top((a) => a.users),
    topByTransactions: top((a) => a.transactions),
    categories: [...cats.values()].sort((a, b) => b.transactions - a.transactions).slice(0, 12),
    scoreBands: [
      ...SCORE_BANDS.map((b) => ({
        id: b.id,
        band: b.label,
        apps: scored.filter((a) => inScoreBand(a.score, b)).length,
      })),
      { id: null, band: 'Unidentified', apps: apps.length - scored.length },
    ],
    timeline: series,
    riskiestDevices: [...t.devices]
      .sort((a, b) => riskOrder(b) - riskOrder(a) || b.transactions - a.transactions)
      .slice(0, RISKIEST_SHOWN),
    hasBytes: t.summary.traffic !== null,
  };
}

export interface HistoryRow extends Totals {
  value: string;
}

/**
 * What an entity's page heads with — its row of the view's tables (totals, risk level, reasons, anomalies) — which a
 * page shows before its facts (timeline, apps, histories) are in.
 */
export type EntityHead =
  | { kind: 'device'; row: DeviceRow }
  | { kind: 'user'; row: UserRow }
  | { kind: 'ip'; row: IpRow };

export interface DevicePage {
  device: DeviceRow;
  timeline: DayPoint[];
  /** Per timeline day, the daily baseline its risk is judged against (`dailyBaseline`), null while unlearned. */
  baseline: (number | null)[];
  apps: AppRow[];
  users: HistoryRow[];
  ips: HistoryRow[];
}

/** Per-value history (users of a device, its IP addresses) over the selected facts. */
function history(ws: WorkingSet, rows: Iterable<number>, column: 'user' | 'localIp' | 'device'): HistoryRow[] {
  const m = new Map<number, HistoryRow>();
  for (const i of rows) {
    const v = ws[column][i];
    if (v < 0) continue;
    let h = m.get(v);
    if (!h) {
      h = {
        value: ws.str(v) ?? '',
        transactions: 0,
        blocked: 0,
        upload: null,
        download: null,
        traffic: null,
        firstSeen: Number.POSITIVE_INFINITY,
        lastSeen: Number.NEGATIVE_INFINITY,
      };
      m.set(v, h);
    }
    h.transactions += ws.transactions[i];
    h.blocked += ws.blocked[i];
    const u = ws.bytesUp[i];
    if (!Number.isNaN(u)) h.upload = (h.upload ?? 0) + u;
    const d = ws.bytesDown[i];
    if (!Number.isNaN(d)) h.download = (h.download ?? 0) + d;
    h.traffic = h.upload === null && h.download === null ? null : (h.upload ?? 0) + (h.download ?? 0);
    h.firstSeen = Math.min(h.firstSeen, ws.firstSeen[i]);
    h.lastSeen = Math.max(h.lastSeen, ws.lastSeen[i]);
  }
  return [...m.values()].sort((a, b) => b.lastSeen - a.lastSeen);
}

/** Row indexes of facts in the window and sources whose `column` is one of `values`. */
export function factRows(
  ws: WorkingSet,
  ctx: Pick<QueryContext, 'from' | 'to' | 'sources'>,
  column: 'device' | 'user' | 'localIp' | 'host',
  values: ReadonlySet<number>,
): number[] {
  const fromHour = ctx.from != null ? Math.floor(ctx.from / HOUR) : Number.NEGATIVE_INFINITY;
  const toHour = ctx.to != null ? Math.ceil(ctx.to / HOUR) : Number.POSITIVE_INFINITY;
  let srcIds: Set<number> | null = null;
  if (ctx.sources) {
    srcIds = new Set();
    for (const s of ctx.sources) srcIds.add(ws.pool.id(s));
  }
  const out: number[] = [];
  const col = ws[column];
  for (let i = 0; i < ws.n; i++) {
    if (!values.has(col[i])) continue;
    const h = ws.hour[i];
    if (h < fromHour || h >= toHour) continue;
    if (srcIds && !srcIds.has(ws.source[i])) continue;
    out.push(i);
  }
  return out;
}

export function historyOf(
  ws: WorkingSet,
  rows: readonly number[],
  column: 'user' | 'localIp' | 'device',
): HistoryRow[] {
  return history(ws, rows, column);
}

/** An IP address's page: the same pattern as a device's, with the devices and users seen at that address. */
export interface IpPage {
  ip: IpRow;
  timeline: DayPoint[];
  apps: AppRow[];
  devices: HistoryRow[];
  users: HistoryRow[];
}

export interface UserPage {
  user: UserRow;
  timeline: DayPoint[];
  baseline: (number | null)[];
  apps: AppRow[];
  devices: HistoryRow[];
  ips: HistoryRow[];
}

/** An app page's lists (AppPage's fields of the same names). */
export type AppHistoryKind = 'users' | 'devices' | 'ips';

export interface AppPage {
  app: AppRow;
  breakdown: ScoreBreakdown | null;
  homepage: string | null;
  vendor: string | null;
  catalogDomains: string[];
  timeline: DayPoint[];
  users: HistoryRow[];
  devices: HistoryRow[];
  ips: HistoryRow[];
}
