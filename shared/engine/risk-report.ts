/**
 * One report's risk run: daily rollups of its sources (history before the
 * window included, so baselines exist on the window's first day), device and
 * user risk for the window, and the report's discovery signals. Used by the
 * analyze command and the engine worker alike.
 */
import type { PolicyThresholds, Severity } from '../domain/settings';
import type { SignalRow } from '../export/reports';
import { type AppContext, type AppInfo, type DailyRollups, dailySteps } from './daily';
import type { RowAnomaly, Tables } from './query';
import type { ReportDef, TimeWindow } from './reports';
import {
  type RiskAssessment,
  type RiskBase,
  type RiskLevel,
  type RiskParams,
  rejudged,
  revivedBase,
  riskBaseStages,
  riskIn,
  type StoredRiskBase,
  servesUploads,
  storedBase,
} from './risk';
import {
  resignaled,
  revivedSignals,
  type SignalBase,
  type SignalJudgement,
  type SignalParams,
  type StoredSignalBase,
  signalBase,
  signalsIn,
  signalsServeUploads,
  storedSignals,
} from './signals';
import { runSteps } from './steps';
import type { WorkingSet } from './working-set';

export type { SignalJudgement } from './signals';

export interface RiskRunOptions extends AppContext {
  report: Pick<ReportDef, 'name' | 'raisesSignals' | 'sourceIds'> | null;
  from?: number | null;
  to?: number | null;
  thresholds: PolicyThresholds;
  signalSeverity: Severity;
  riskParams?: Partial<RiskParams>;
  signalParams?: Partial<SignalParams>;
}

export interface RiskRun {
  daily: DailyRollups;
  devices: Map<string, RiskAssessment>;
  users: Map<string, RiskAssessment>;
  signals: SignalRow[];
  /** Rules and policies that could not run on this data, once each. */
  notApplicable: string[];
}

export function runRisk(ws: WorkingSet, o: RiskRunOptions): RiskRun {
  return runSteps(riskSteps(ws, o));
}

/**
 * runRisk in stages — rollups (in three), device risk, user risk, signals — yielding between them, so a
 * caller that must stay responsive (the engine worker warming its cache) can let other work in.
 */
export function* riskSteps(ws: WorkingSet, o: RiskRunOptions): Generator<void, RiskRun> {
  const { daily, bases } = yield* riskBaseSteps(ws, o);
  return { daily, ...riskInWindow(bases, { from: o.from ?? null, to: o.to ?? null }) };
}

/**
 * A report's risk and signals on every day of its rollups (which end with `o.to`, else with the data): every
 * window over the same rollups picks its days from these (`riskInWindow`), in milliseconds.
 */
export interface RiskBases {
  devices: RiskBase;
  users: RiskBase;
  signals: SignalBase;
}

/**
 * The bases as newer tags, overrides, weights or judgement settings would compute them from the same rollups: `apps`
 * are the rollups' apps (the bases' `devices.apps`, in that order) as they are judged now (`reappraised`), and
 * `judgement` the policy thresholds and signal severity in force (when not given, those the bases were computed
 * with). Apps reach risk and signals only through an app's sanction, score and label, and those settings only through
 * what the bases judge, so only that is judged again — milliseconds, where the bases took seconds. The upload
 * threshold must be one the bases serve (see `basesServe`).
 */
export function rejudgedBases(b: RiskBases, apps: readonly AppInfo[], judgement?: SignalJudgement): RiskBases {
  return { ...rejudgedEarly(b, apps, judgement), users: rejudgedUsers(b, apps, judgement) };
}

/**
 * Whether bases can be judged with upload threshold `t`: once in (`value`), each of them computed with a threshold
 * whose floor (`uploadFloorOf` it) is at most `t` — they kept the uploads past a share of it — or past every upload it
 * left out (data without byte counts left none out: any threshold); until then, `t` at least `uploadFloor`, what they
 * are sure to serve. Otherwise they are computed again with `t`.
 */
export function basesServe(
  bases: { uploadFloor: number; value: RiskBases | null },
  t: Pick<PolicyThresholds, 'highUploadBytes'>,
): boolean {
  return bases.value !== null ? everyBaseServes(bases.value, t) : t.highUploadBytes >= bases.uploadFloor;
}

type UploadsOf = Pick<RiskBase, 'uploadFloor' | 'uploadLeftOut' | 'params'>;

/**
 * Whether each base of `b` — computed, or stored (they carry their own floor and what they left out) — can be judged
 * with upload threshold `t`. Monotonic: bases that serve a threshold serve every higher one.
 */
export function everyBaseServes(
  b: { devices: UploadsOf; users: UploadsOf; signals: StoredSignalBase },
  t: Pick<PolicyThresholds, 'highUploadBytes'>,
): boolean {
  return (
    servesUploads(b.devices, t) &&
    servesUploads(b.users, t) &&
    (b.signals.prep === null || signalsServeUploads(b.signals.prep, t))
  );
}

/** The bases as plain data for the store (structured-cloneable): what they are judged from, not the judgements. */
export interface StoredBases {
  devices: StoredRiskBase;
  users: StoredRiskBase;
  signals: StoredSignalBase;
}

/** Whether a value read from the store has the stored bases' shape (typed arrays where they belong); else they are computed. */
export function isStoredBases(v: unknown): v is StoredBases {
  const base = (b: Partial<StoredRiskBase> | undefined) =>
    b !== undefined &&
    b.dayOrder instanceof Int32Array &&
    b.dayStart instanceof Int32Array &&
    b.day instanceof Int32Array &&
    b.active instanceof Uint8Array &&
    b.learned instanceof Uint8Array &&
    b.noBytes instanceof Uint8Array &&
    Array.isArray(b.keys) &&
    Array.isArray(b.apps) &&
    b.slots?.order instanceof Int32Array &&
    b.slots.time instanceof Float64Array &&
    Array.isArray(b.slots.fixed);
  const d = v as Partial<StoredBases> | null;
  return (
    d !== null &&
    typeof d === 'object' &&
    base(d.devices) &&
    base(d.users) &&
    typeof d.signals === 'object' &&
    d.signals !== null &&
    Array.isArray(d.signals.notApplicable)
  );
}

export function storedBases(b: RiskBases): StoredBases {
  return { devices: storedBase(b.devices), users: storedBase(b.users), signals: storedSignals(b.signals) };
}

/**
 * Stored bases judged with `apps` — the stored ones (`d.devices.apps`, in that order) as they are judged now
 * (`reappraised`) — and `judgement`: what rejudgedBases gives the bases they were stored from.
 */
export function revivedBases(d: StoredBases, apps: readonly AppInfo[], judgement?: SignalJudgement): RiskBases {
  return { ...revivedEarly(d, apps, judgement), users: revivedBase(d.users, apps, judgement?.thresholds) };
}

/** revivedBases of the early bases (a dashboard's); the users' with `revivedBase` after. */
export function revivedEarly(d: StoredBases, apps: readonly AppInfo[], judgement?: SignalJudgement): EarlyBases {
  return {
    devices: revivedBase(d.devices, apps, judgement?.thresholds),
    signals: revivedSignals(d.signals, apps, judgement),
  };
}

/** rejudgedBases of the users' base alone (what rejudgedEarly leaves). */
export function rejudgedUsers(b: Pick<RiskBases, 'users'>, apps: readonly AppInfo[], judgement?: SignalJudgement) {
  return rejudged(b.users, apps, judgement?.thresholds);
}

/** rejudgedBases of the early bases (a dashboard's, before the users' are in). */
export function rejudgedEarly(b: EarlyBases, apps: readonly AppInfo[], judgement?: SignalJudgement): EarlyBases {
  return {
    devices: rejudged(b.devices, apps, judgement?.thresholds),
    signals: resignaled(b.signals, apps, judgement),
  };
}

/**
 * The rollups of the report's sources up to `o.to` (history before any window included), then the bases: devices
 * and signals first, handed to `early` (what a dashboard shows: its riskiest devices and open signals), then users
 * (about as long again as devices; only the Users table and user pages need them).
 */
export function* riskBaseSteps(
  ws: WorkingSet,
  o: Omit<RiskRunOptions, 'from'>,
  early?: (b: EarlyBases) => void,
): Generator<void, { daily: DailyRollups; bases: RiskBases }> {
  const sources = o.report ? new Set(o.report.sourceIds) : null;
  const daily = yield* dailySteps(ws, { ...o, sources, from: null, to: o.to ?? null });
  yield;
  const riskOpts = { thresholds: o.thresholds, params: o.riskParams };
  const devices = yield* riskBaseStages(daily, 'device', riskOpts);
  yield;
  const signals = signalBase(daily, {
    report: o.report ?? { name: 'Imported data', raisesSignals: false },
    thresholds: o.thresholds,
    severity: o.signalSeverity,
    params: o.signalParams,
  });
  early?.({ devices, signals });
  yield;
  const users = yield* riskBaseStages(daily, 'user', riskOpts);
  return { daily, bases: { devices, users, signals } };
}

/** The bases a dashboard needs, ready before the users' (see riskBaseSteps). */
export type EarlyBases = Pick<RiskBases, 'devices' | 'signals'>;

/** Device and user risk and signals in a window, from the bases of rollups that end where the window does (or later, past the data). */
export function riskInWindow(b: RiskBases, window: TimeWindow): Omit<RiskRun, 'daily'> {
  const devices = riskIn(b.devices, window);
  const users = riskIn(b.users, window);
  const policy = signalsIn(b.signals, window);
  const notApplicable = new Set<string>(policy.notApplicable);
  for (const a of devices.values()) for (const x of a.notApplicable) notApplicable.add(x);
  return { devices, users, signals: policy.signals, notApplicable: [...notApplicable] };
}

/** Fills Risk level and Reasons of the device and user rows; an entity with no rating is Informational. */
export function applyRisk(tables: Tables, run: Pick<RiskRun, 'devices' | 'users'>): void {
  for (const d of tables.devices) {
    const a = run.devices.get(d.key);
    d.riskLevel = a?.level ?? 'Informational';
    d.reasons = a?.reasons ?? [];
    d.anomalies = rowAnomalies(a);
  }
  for (const u of tables.users) {
    const a = run.users.get(u.user);
    u.riskLevel = a?.level ?? 'Informational';
    u.reasons = a?.reasons ?? [];
    u.anomalies = rowAnomalies(a);
  }
}

const DAY_MS = 86_400_000;

/** An assessment's anomalies in day order, as a page lists them (fleet events included: they are rated Low). */
function rowAnomalies(a: RiskAssessment | undefined): RowAnomaly[] {
  if (!a || a.anomalies.length === 0) return [];
  return a.anomalies
    .map((x) => ({ day: x.day * DAY_MS, time: x.time, kind: x.kind, severity: x.severity, text: x.text }))
    .sort((x, y) => x.time - y.time);
}

/** "High 3, Medium 5, Low 20, Informational 272". */
export function levelCounts(rows: readonly { riskLevel: string | null }[]): string {
  const counts: Record<RiskLevel, number> = { High: 0, Medium: 0, Low: 0, Informational: 0 };
  for (const r of rows) if (r.riskLevel && r.riskLevel in counts) counts[r.riskLevel as RiskLevel]++;
  return (Object.keys(counts) as RiskLevel[]).map((k) => `${k} ${counts[k]}`).join(', ');
}
