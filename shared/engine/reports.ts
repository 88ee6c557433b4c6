/**
 * Reports and time windows, as analysts know them from the cloud product:
 * a Global report over every continuous data source except endpoint
 * telemetry, one continuous report per data source — the endpoint one named
 * "Win10 Endpoint Users", with its newer name "Defender-managed endpoints"
 * beside it — and one report per snapshot (a one-off dump that never raises
 * signals). Windows (last 7/30/90 days, all, custom) count back from the
 * data's own last event, because dumps are usually old.
 */
import type { DataSourceRecord } from '../store/records';
import type { WorkingSet } from './working-set';

export const GLOBAL_REPORT_ID = 'global';
export const GLOBAL_REPORT_NAME = 'Global';
export const ENDPOINT_REPORT_ID = 'endpoint';
export const ENDPOINT_REPORT_NAME = 'Win10 Endpoint Users';
export const ENDPOINT_REPORT_ALT_NAME = 'Defender-managed endpoints';

export type ReportKind = 'global' | 'endpoint' | 'source' | 'snapshot';

export interface ReportDef {
  id: string;
  kind: ReportKind;
  name: string;
  /** The newer name shown beside it (the endpoint report), else null. */
  altName: string | null;
  /** Data source ids whose facts the report covers. */
  sourceIds: string[];
  /** Snapshots never raise signals; continuous reports do. */
  raisesSignals: boolean;
}

export interface ReportOptions {
  /** The "Defender-managed endpoints" report exists only with endpoint integration on (default on). */
  endpointIntegration?: boolean;
}

/**
 * Every report over the given data sources, Global first, then the endpoint
 * report, then one per continuous source, then snapshots, each group by name.
 * All continuous endpoint sources share the one endpoint report: the cloud
 * product has a single endpoint integration, whatever the imports were called.
 */
export function reportsFor(sources: readonly DataSourceRecord[], opts: ReportOptions = {}): ReportDef[] {
  const byName = (a: DataSourceRecord, b: DataSourceRecord) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  const continuous = sources.filter((s) => s.kind === 'continuous').sort(byName);
  const snapshots = sources.filter((s) => s.kind === 'snapshot').sort(byName);
  const endpoint = continuous.filter((s) => s.endpoint);
  const network = continuous.filter((s) => !s.endpoint);
  const out: ReportDef[] = [
    {
      id: GLOBAL_REPORT_ID,
      kind: 'global',
      name: GLOBAL_REPORT_NAME,
      altName: null,
      sourceIds: network.map((s) => s.id),
      raisesSignals: true,
    },
  ];
  if (endpoint.length > 0 && opts.endpointIntegration !== false) {
    out.push({
      id: ENDPOINT_REPORT_ID,
      kind: 'endpoint',
      name: ENDPOINT_REPORT_NAME,
      altName: ENDPOINT_REPORT_ALT_NAME,
      sourceIds: endpoint.map((s) => s.id),
      raisesSignals: true,
    });
  }
  for (const s of network) {
    out.push({
      id: `source:${s.id}`,
      kind: 'source',
      name: s.name,
      altName: null,
      sourceIds: [s.id],
      raisesSignals: true,
    });
  }
  for (const s of snapshots) {
    out.push({
      id: `snapshot:${s.id}`,
      kind: 'snapshot',
      name: s.name,
      altName: null,
      sourceIds: [s.id],
      raisesSignals: false,
    });
  }
  return out;
}

/**
 * The report that shows one data source on its own: the endpoint report for an
 * endpoint source, its snapshot report for a snapshot, else its own report.
 */
export function reportOfSource(source: DataSourceRecord, opts: ReportOptions = {}): ReportDef {
  const reports = reportsFor([source], opts);
  return reports.find((r) => r.kind !== 'global' && r.sourceIds.includes(source.id)) ?? reports[0];
}

export const DAY_MS = 86_400_000;

export type WindowPreset = '7d' | '30d' | '90d' | 'all';
export type WindowSpec = { preset: WindowPreset } | { preset: 'custom'; from: number; to: number };

export const WINDOW_PRESETS: readonly { preset: WindowPreset; label: string; days: number | null }[] = [
  { preset: '7d', label: 'Last 7 days', days: 7 },
  { preset: '30d', label: 'Last 30 days', days: 30 },
  { preset: '90d', label: 'Last 90 days', days: 90 },
  { preset: 'all', label: 'All time', days: null },
];

/** A resolved window, UTC ms, `from` inclusive and `to` exclusive; null means open on that side. */
export interface TimeWindow {
  from: number | null;
  to: number | null;
}

/**
 * The window a preset means for data whose last event is `lastEvent`: whole
 * UTC days ending with the day of the last event (so "last 7 days" of a dump
 * from March is seven days of March, not seven empty days before today).
 * A custom range is taken as given, ends swapped if reversed. No data: open.
 */
export function resolveWindow(spec: WindowSpec, lastEvent: number | null): TimeWindow {
  if (spec.preset === 'custom') {
    const { from, to } = spec;
    return from <= to ? { from, to } : { from: to, to: from };
  }
  const days = WINDOW_PRESETS.find((p) => p.preset === spec.preset)?.days ?? null;
  if (days === null || lastEvent === null || !Number.isFinite(lastEvent)) return { from: null, to: null };
  const to = (Math.floor(lastEvent / DAY_MS) + 1) * DAY_MS;
  return { from: to - days * DAY_MS, to };
}

/** The last event of the given sources in the working set (all sources when omitted), null when none. */
export function lastEventOf(ws: WorkingSet, sourceIds?: readonly string[] | null): number | null {
  let ids: Set<number> | null = null;
  if (sourceIds) {
    ids = new Set();
    for (const s of sourceIds) ids.add(ws.pool.id(s));
  }
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ws.n; i++) {
    if (ids && !ids.has(ws.source[i])) continue;
    if (ws.lastSeen[i] > last) last = ws.lastSeen[i];
  }
  return Number.isFinite(last) ? last : null;
}
