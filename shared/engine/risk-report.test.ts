// One report's risk run end to end on a working set: device and user rows rated, signals raised or not.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/loader';
import { createMatcher } from '../catalog/matcher';
import { createScorer } from '../catalog/score';
import { DEFAULT_SETTINGS } from '../domain/settings';
import { computeTables } from './query';
import { type FixtureFact, fixtureApp, fixtureCatalog, fixtureWorkingSet } from './risk-fixture';
import { applyRisk, type EarlyBases, levelCounts, riskBaseSteps, riskSteps, runRisk } from './risk-report';

const catalog = loadCatalog(
  [
    fixtureCatalog([
      fixtureApp('teamwork', 'Teamwork', ['teams.example']),
      fixtureApp('anyremote', 'AnyRemote', ['any.example']),
    ]),
  ],
  [],
);
const ctx = {
  matcher: createMatcher(catalog),
  scorer: createScorer(catalog.date, {}),
  tags: {},
  overrides: { teamwork: { score: 9, note: '' }, anyremote: { score: 1, note: '' } },
};
/** The run of the continuous source s1's report. */
const proxyRun = {
  ...ctx,
  report: { name: 'Proxy', raisesSignals: true, sourceIds: ['s1'] },
  thresholds: DEFAULT_SETTINGS.thresholds,
  signalSeverity: 'Low' as const,
};

function facts(): FixtureFact[] {
  const out: FixtureFact[] = [];
  for (let k = 1; k <= 4; k++)
    for (let day = 0; day < 20; day++)
      for (let hour = 8; hour < 17; hour++)
        out.push({
          device: `d${k}`,
          deviceName: `PC-${k}`,
          user: `u${k}`,
          day,
          hour,
          host: 'teams.example',
          tx: 10,
          source: 's1',
        });
  for (const day of [15, 16])
    out.push({
      device: 'd2',
      deviceName: 'PC-2',
      user: 'u2',
      day,
      hour: 11,
      host: 'any.example',
      tx: 80,
      source: 's1',
    });
  // Another source's traffic is not part of this report.
  out.push({
    device: 'd9',
    deviceName: 'PC-9',
    user: 'u9',
    day: 15,
    hour: 3,
    host: 'any.example',
    tx: 900,
    source: 's2',
  });
  return out;
}

describe('runRisk', () => {
  it('rates every device and user row of the report and raises its signals', () => {
    const ws = fixtureWorkingSet(facts());
    const tables = computeTables(ws, { ...ctx, sources: new Set(['s1']) });
    const run = runRisk(ws, proxyRun);
    applyRisk(tables, run);
    expect(tables.devices.map((d) => [d.name, d.riskLevel]).sort()).toEqual([
      ['PC-1', 'Informational'],
      ['PC-2', 'High'],
      ['PC-3', 'Informational'],
      ['PC-4', 'Informational'],
    ]);
    expect(tables.devices.find((d) => d.name === 'PC-2')!.reasons).toEqual([
      'first use of AnyRemote (score 1.0) on 20 Oct: 160 transactions in its first 3 days, in up to 1 hour a day; no other device has used it',
    ]);
    expect(tables.users.find((u) => u.user === 'u2')).toMatchObject({ riskLevel: 'High' });
    expect(run.signals.map((s) => [s.type, s.app, s.severity, s.entity])).toEqual([
      ['New risky app', 'AnyRemote', 'Low', 'Proxy'],
    ]);
    expect(run.notApplicable).toContain('upload spikes: n/a, the data has no byte counts');
    expect(levelCounts(tables.devices)).toBe('High 1, Medium 0, Low 0, Informational 3');
  });

  it('raises nothing for a snapshot but still rates devices', () => {
    const ws = fixtureWorkingSet(facts());
    const run = runRisk(ws, {
      ...ctx,
      report: { name: 'Dump', raisesSignals: false, sourceIds: ['s1'] },
      thresholds: DEFAULT_SETTINGS.thresholds,
      signalSeverity: 'Low',
    });
    expect(run.signals).toEqual([]);
    expect(run.devices.get('d2')!.level).toBe('High');
    expect(run.devices.has('d9')).toBe(false);
  });

  it('gives the same run in stages as in one call, with a pause between each stage', () => {
    const ws = fixtureWorkingSet(facts());
    const steps = riskSteps(ws, proxyRun);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    // Rollups (three); device risk (row index, first uses, and the judging a few thousand entity-days at a time: one
    // stage here) and one after it; signals and one after them; then user risk, staged as device risk is.
    expect(pauses).toBe(9);
    const whole = runRisk(ws, proxyRun);
    expect([...step.value.devices]).toEqual([...whole.devices]);
    expect([...step.value.users]).toEqual([...whole.users]);
    expect(step.value.signals).toEqual(whole.signals);
    expect(step.value.signals.length).toBeGreaterThan(0);
  });

  it("hands over the devices' and signals' bases (a dashboard's) before it computes the users'", () => {
    const ws = fixtureWorkingSet(facts());
    let early: EarlyBases | null = null;
    let stagesAfter = 0;
    const steps = riskBaseSteps(ws, proxyRun, (b) => {
      early = b;
    });
    let step = steps.next();
    for (; !step.done; step = steps.next()) if (early) stagesAfter++;
    const got = early as EarlyBases | null;
    expect(got?.devices).toBe(step.value.bases.devices);
    expect(got?.signals).toBe(step.value.bases.signals);
    // The users' base follows in stages of its own (row index, first uses, judging), each after a pause.
    expect(stagesAfter).toBeGreaterThanOrEqual(3);
    expect(step.value.bases.users).toBeDefined();
  });

  it('rates devices when a stray timestamp lies thousands of years from the rest', () => {
    const stray: FixtureFact = { day: -1_100_000, hour: 3, device: 'd1', host: 'teams.example', tx: 1, source: 's1' };
    const ws = fixtureWorkingSet([stray, ...facts()]);
    const run = runRisk(ws, proxyRun);
    expect(run.daily.lastDay! - run.daily.firstDay!).toBeGreaterThan(1 << 20);
    expect([...run.devices.keys()].sort()).toEqual(['d1', 'd2', 'd3', 'd4']);
    expect(run.devices.get('d2')!.level).toBe('High');
  });
});
