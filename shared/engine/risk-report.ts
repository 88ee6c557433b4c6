/**
 * One report's risk run: daily rollups of its sources (history before the
 * window included, so baselines exist on the window's first day), device and
 * user risk for the window, and the report's discovery signals. Used by the
 * analyze command and the engine worker alike.
 */
import type { PolicyThresholds, Severity } from '../domain/settings';
import type { SignalRow } from '../export/reports';
import { type AppContext, type DailyRollups, dailySteps } from './daily';
import type { Tables } from './query';
import type { ReportDef } from './reports';
import { assessRisk, type RiskAssessment, type RiskLevel, type RiskParams } from './risk';
import { discoverySignals, type SignalParams } from './signals';
import type { WorkingSet } from './working-set';

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
  const steps = riskSteps(ws, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * runRisk in stages — rollups (in three), device risk, user risk, signals — yielding between them, so a
 * caller that must stay responsive (the engine worker warming its cache) can let other work in.
 */
export function* riskSteps(ws: WorkingSet, o: RiskRunOptions): Generator<void, RiskRun> {
  const sources = o.report ? new Set(o.report.sourceIds) : null;
  const daily = yield* dailySteps(ws, { ...o, sources, from: null, to: o.to ?? null });
  yield;
  const window = { from: o.from ?? null, to: o.to ?? null };
  const riskOpts = { thresholds: o.thresholds, ...window, params: o.riskParams };
  const devices = assessRisk(daily, 'device', riskOpts);
  yield;
  const users = assessRisk(daily, 'user', riskOpts);
  yield;
  const policy = discoverySignals(daily, {
    report: o.report ?? { name: 'Imported data', raisesSignals: false },
    thresholds: o.thresholds,
    severity: o.signalSeverity,
    window,
    params: o.signalParams,
  });
  const notApplicable = new Set<string>(policy.notApplicable);
  for (const a of devices.values()) for (const x of a.notApplicable) notApplicable.add(x);
  return { daily, devices, users, signals: policy.signals, notApplicable: [...notApplicable] };
}

/** Fills Risk level and Reasons of the device and user rows; an entity with no rating is Informational. */
export function applyRisk(tables: Tables, run: Pick<RiskRun, 'devices' | 'users'>): void {
  for (const d of tables.devices) {
    const a = run.devices.get(d.key);
    d.riskLevel = a?.level ?? 'Informational';
    d.reasons = a?.reasons ?? [];
  }
  for (const u of tables.users) {
    const a = run.users.get(u.user);
    u.riskLevel = a?.level ?? 'Informational';
    u.reasons = a?.reasons ?? [];
  }
}

/** "High 3, Medium 5, Low 20, Informational 272". */
export function levelCounts(rows: readonly { riskLevel: string | null }[]): string {
  const counts: Record<RiskLevel, number> = { High: 0, Medium: 0, Low: 0, Informational: 0 };
  for (const r of rows) if (r.riskLevel && r.riskLevel in counts) counts[r.riskLevel as RiskLevel]++;
  return (Object.keys(counts) as RiskLevel[]).map((k) => `${k} ${counts[k]}`).join(', ');
}
