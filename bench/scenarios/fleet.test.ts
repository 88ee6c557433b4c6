// The fleet generator: deterministic, planted anomalies where the truth says, rhythms as parameterised.
import { describe, expect, it } from 'vitest';
import { buildScenario } from './fleet';
import { FLEET, type FleetParams } from './params';

const small: FleetParams = { ...FLEET, devices: 60, days: 42, plantedPerKind: 1 };

describe('fleet generator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = buildScenario(small, 5, true).day(10);
    const b = buildScenario(small, 5, true).day(10);
    const c = buildScenario(small, 6, true).day(10);
    expect(a.length).toBe(b.length);
    expect(a.slice(0, 50).map((x) => [x.t, x.host, x.up])).toEqual(b.slice(0, 50).map((x) => [x.t, x.host, x.up]));
    expect(c.length).not.toBe(a.length);
  });

  it('plants every kind once per device, on the days the truth names, and byte kinds only with bytes', () => {
    const s = buildScenario(small, 7, true);
    expect(s.truth.planted.map((p) => p.kind).sort()).toEqual(
      [
        'exfil-low-score',
        'fleet-unseen',
        'off-hours',
        'risky-first-use',
        'tx-spike',
        'unsanctioned-first-use',
        'upload-spike',
      ].sort(),
    );
    expect(new Set(s.truth.planted.map((p) => p.device)).size).toBe(s.truth.planted.length);
    const endpoint = buildScenario(small, 7, false);
    expect(endpoint.truth.planted.map((p) => p.kind)).not.toContain('upload-spike');
    expect(endpoint.day(3).every((c) => Number.isNaN(c.up) && Number.isNaN(c.down))).toBe(true);
    const exfil = s.truth.planted.find((p) => p.kind === 'exfil-low-score')!;
    const d = (Date.parse(`${exfil.day}T00:00:00Z`) - s.t0) / 86_400_000;
    const dev = s.devices[exfil.device];
    const before = s.day(d - 7).filter((c) => c.dev === dev);
    const on = s.day(d).filter((c) => c.dev === dev);
    const upTo = (cs: typeof on, pred: (h: string) => boolean) =>
      cs.filter((c) => pred(c.host)).reduce((a, c) => a + c.up, 0);
    const exfilHost = on.find((c) => c.up > 5e6 && !before.some((b) => b.host === c.host))!.host;
    expect(upTo(on, (h) => h === exfilHost)).toBeGreaterThan(0.5 * 1024 ** 3);
  });

  it('works weekdays in office hours and leaves weekends mostly quiet', () => {
    const s = buildScenario(small, 8, false);
    const monday = s
      .day(7)
      .filter((c) => !c.dev.server && !c.dev.alwaysOn && !/windowsupdate|microsoft\.com$|digicert/.test(c.host));
    const sunday = s
      .day(13)
      .filter((c) => !c.dev.server && !c.dev.alwaysOn && !/windowsupdate|microsoft\.com$|digicert/.test(c.host));
    expect(sunday.length).toBeLessThan(monday.length / 5);
    const hours = monday.map((c) => new Date(c.t).getUTCHours() + 1);
    const inOffice = hours.filter((h) => h >= 6 && h <= 21).length;
    expect(inOffice / hours.length).toBeGreaterThan(0.97);
  });
});
