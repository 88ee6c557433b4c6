// Device and user risk on small hand-built fleets: exact levels and reason texts.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/loader';
import { createMatcher } from '../catalog/matcher';
import type { ScoreOverride } from '../catalog/score';
import { createScorer } from '../catalog/score';
import type { TagState } from '../catalog/tags';
import { DEFAULT_SETTINGS } from '../domain/settings';
import { computeDaily } from './daily';
import {
  assessRisk,
  dailyBaseline,
  firstUseCounter,
  hourDistance,
  mad,
  median,
  medianWithout,
  outlierAmong,
  type RiskOptions,
  riskBase,
  riskIn,
  SortedWindow,
} from './risk';
import { FIXTURE_T0, type FixtureFact, fixtureApp, fixtureCatalog, fixtureWorkingSet } from './risk-fixture';
import { timeline } from './views';

const DAY = 86_400_000;
const catalog = loadCatalog(
  [
    fixtureCatalog([
      fixtureApp('teamwork', 'Teamwork', ['teams.example']),
      fixtureApp('crm', 'CRM', ['crm.example']),
      fixtureApp('wetransfer', 'WeTransfer', ['wetransfer.example'], { category: 'File transfer' }),
      fixtureApp('newtool', 'NewTool', ['newtool.example']),
      fixtureApp('remotedesk', 'RemoteDesk', ['remote.example'], { category: 'IT services' }),
      fixtureApp('videos', 'Videos', ['video.example']),
      fixtureApp('pki', 'PKI', ['ocsp.example-pki.com'], { category: 'Infrastructure', noise: true }),
    ]),
  ],
  [],
);
const overrides: Record<string, ScoreOverride> = {
  teamwork: { score: 9, note: '' },
  crm: { score: 9, note: '' },
  wetransfer: { score: 4, note: '' },
  newtool: { score: 2, note: '' },
  remotedesk: { score: 2, note: '' },
  videos: { score: 9, note: '' },
  pki: { score: 10, note: '' },
};
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const isWeekday = (day: number) => day % 7 < 5;

/**
 * Six devices (PC-1…PC-6), weekdays 8:00–18:00 UTC for three weeks: 10 transactions an hour to
 * Teamwork (0.2 MiB up an hour when `bytes`), 5 a day to CRM at 9:00; PC-1 is left on at night,
 * talking only to infrastructure (OCSP).
 */
function fleet(bytes: boolean, devices = 6, days = 21): FixtureFact[] {
  const out: FixtureFact[] = [];
  for (let k = 1; k <= devices; k++) {
    const device = `dev-${k}`;
    const who = { device, deviceName: `PC-${k}`, user: `u${k}@contoso.com` };
    for (let day = 0; day < days; day++) {
      if (k === 1)
        for (let hour = 0; hour < 24; hour++) out.push({ ...who, day, hour, host: 'ocsp.example-pki.com', tx: 1 });
      if (!isWeekday(day)) continue;
      for (let hour = 8; hour < 18; hour++) {
        out.push({
          ...who,
          day,
          hour,
          host: 'teams.example',
          tx: 10,
          ...(bytes ? { up: 0.2 * MiB, down: 2 * MiB } : {}),
        });
      }
      out.push({ ...who, day, hour: 9, host: 'crm.example', tx: 5, ...(bytes ? { up: 0, down: 0.1 * MiB } : {}) });
    }
  }
  return out;
}

function rate(
  facts: FixtureFact[],
  opts: Partial<RiskOptions> = {},
  tags: TagState = {},
  dimension: 'device' | 'user' = 'device',
) {
  const ws = fixtureWorkingSet(facts);
  const daily = computeDaily(ws, {
    matcher: createMatcher(catalog),
    scorer: createScorer(catalog.date, {}),
    tags,
    overrides,
    to: opts.to ?? null,
  });
  return assessRisk(daily, dimension, { thresholds: DEFAULT_SETTINGS.thresholds, ...opts });
}

const pc = (n: number) => ({ device: `dev-${n}`, deviceName: `PC-${n}`, user: `u${n}@contoso.com` });
const exfil = (bytes: boolean): FixtureFact => ({
  ...pc(2),
  day: 15,
  hour: 14,
  host: 'wetransfer.example',
  tx: 30,
  ...(bytes ? { up: 1.8 * GiB, down: 1 * MiB } : {}),
});
const unsanctioned: TagState = { wetransfer: ['Unsanctioned'] };

describe('device risk', () => {
  it('rates an ordinary fleet Informational with no reasons', () => {
    const risk = rate(fleet(true));
    expect([...risk.values()].map((r) => [r.label, r.level, r.reasons])).toEqual(
      [1, 2, 3, 4, 5, 6].map((k) => [`PC-${k}`, 'Informational', []]),
    );
  });

  it('rates a large upload to a low-score unsanctioned app High, with reasons an analyst can check', () => {
    const risk = rate([...fleet(true), exfil(true)], {}, unsanctioned);
    const a = risk.get('dev-2')!;
    expect(a.level).toBe('High');
    expect(a.reasons).toEqual([
      'uploaded 1.8 GB to WeTransfer (score 4.0, unsanctioned) on 20 Oct, 922× its daily median (2.0 MB) and 922× its largest day in 11 days; first use on this device',
      'first use of WeTransfer (score 4.0, unsanctioned) on 20 Oct: 30 transactions in its first 3 days, in up to 1 hour a day, 1.8 GB uploaded; no other device has used it',
    ]);
    expect(a.anomalies.map((x) => [x.kind, x.severity, x.app, x.day])).toEqual([
      ['upload-spike', 'High', 'wetransfer', FIXTURE_T0 / DAY + 15],
      ['first-use', 'High', 'wetransfer', FIXTURE_T0 / DAY + 15],
    ]);
    expect(a.notApplicable).toEqual([]);
    expect([...risk.values()].filter((r) => r.level !== 'Informational').map((r) => r.label)).toEqual(['PC-2']);
  });

  it('says upload rules are n/a without byte counts instead of reading unknown bytes as zero', () => {
    const risk = rate([...fleet(false), exfil(false)], {}, unsanctioned);
    const a = risk.get('dev-2')!;
    expect(a.level).toBe('High');
    expect(a.reasons).toEqual([
      'first use of WeTransfer (score 4.0, unsanctioned) on 20 Oct: 30 transactions in its first 3 days, in up to 1 hour a day; no other device has used it',
    ]);
    expect(a.notApplicable).toEqual(['upload spikes: n/a, the data has no byte counts']);
  });

  it('treats a fleet-wide rollout as no anomaly, but a rare risky first use as High', () => {
    const facts = fleet(true);
    for (let k = 1; k <= 5; k++) facts.push({ ...pc(k), day: 14 + (k % 2), hour: 10, host: 'newtool.example', tx: 60 });
    facts.push({ ...pc(6), day: 16, hour: 11, host: 'remote.example', tx: 80 });
    const risk = rate(facts);
    expect([1, 2, 3, 4, 5].map((k) => risk.get(`dev-${k}`)!.level)).toEqual(Array(5).fill('Informational'));
    expect(risk.get('dev-6')!.level).toBe('High');
    expect(risk.get('dev-6')!.reasons).toEqual([
      'first use of RemoteDesk (score 2.0) on 21 Oct: 80 transactions in its first 3 days, in up to 1 hour a day; no other device has used it',
    ]);
  });

  it('does not make a download-heavy device an exfiltration suspect', () => {
    const facts = fleet(true);
    facts.push({ ...pc(3), day: 16, hour: 12, host: 'video.example', tx: 10, up: 0.5 * MiB, down: 20 * GiB });
    for (const day of [14, 15, 17])
      facts.push({ ...pc(3), day, hour: 13, host: 'teams.example', tx: 5, down: 8 * GiB });
    const a = rate(facts).get('dev-3')!;
    expect(a.level).toBe('Informational');
    expect(a.reasons).toEqual([]);
  });

  it('rates a transaction spike concentrated on one app High, naming the app and both medians', () => {
    const facts = fleet(false);
    for (let hour = 10; hour < 16; hour++) facts.push({ ...pc(4), day: 17, hour, host: 'crm.example', tx: 200 });
    const a = rate(facts).get('dev-4')!;
    expect(a.level).toBe('High');
    expect(a.reasons).toEqual([
      'made 1,305 transactions on 22 Oct, 12× its daily median (105); 1,205 of them to CRM, 241× its daily median there (5)',
    ]);
    // The device page's baseline is the median the spike was judged against, that day; none while it was learned.
    const ws = fixtureWorkingSet(facts);
    const points = timeline(
      ws,
      { from: null, to: null, sources: null },
      {
        column: 'device',
        values: new Set([ws.pool.find('dev-4')]),
      },
    );
    const baseline = dailyBaseline(points);
    const spikeDay = points.findIndex((x) => x.day === FIXTURE_T0 + 17 * DAY);
    expect(points[spikeDay].transactions).toBe(1305);
    expect(baseline[spikeDay]).toBe(105);
    expect(baseline.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(baseline.filter((x) => x !== null).length).toBeGreaterThan(5);
  });

  it('rates the same spike by several devices on the same app a fleet event (Low), unless one far exceeds the rest', () => {
    const facts = fleet(false);
    for (const k of [1, 2, 3, 4])
      for (let hour = 10; hour < 16; hour++) facts.push({ ...pc(k), day: 17, hour, host: 'crm.example', tx: 200 });
    for (let hour = 10; hour < 16; hour++) facts.push({ ...pc(5), day: 17, hour, host: 'crm.example', tx: 2000 });
    const risk = rate(facts);
    expect(risk.get('dev-4')!.level).toBe('Low');
    expect(risk.get('dev-4')!.reasons).toEqual([
      'made 1,305 transactions on 22 Oct, 12× its daily median (105); 1,205 of them to CRM, 241× its daily median there (5); 4 other devices spiked on it too',
    ]);
    expect(risk.get('dev-5')!.level).toBe('High');
    expect(risk.get('dev-5')!.anomalies[0].fleetEvent).toBe(false);
  });

  it('rates a night of activity far from the device’s hours High, and a fleet-wide maintenance night Low', () => {
    const night = fleet(false);
    for (const hour of [1, 2, 3]) night.push({ ...pc(5), day: 16, hour, host: 'teams.example', tx: 70 });
    const a = rate(night).get('dev-5')!;
    expect(a.level).toBe('High');
    expect(a.reasons).toEqual([
      'active at 01:00–04:00 UTC on 21 Oct (210 transactions, reaching Teamwork), hours it was never active in 16 days of history',
    ]);
    // The device left on at night (PC-1) talks only to infrastructure: never "active".
    expect(rate(night).get('dev-1')!.level).toBe('Informational');

    const maintenance = fleet(false);
    for (const k of [1, 2, 3, 4, 5]) maintenance.push({ ...pc(k), day: 16, hour: 2, host: 'teams.example', tx: 60 });
    const risk = rate(maintenance);
    expect([1, 2, 3, 4, 5].map((k) => risk.get(`dev-${k}`)!.level)).toEqual(Array(5).fill('Low'));
    expect(risk.get('dev-3')!.reasons).toEqual([
      'active at 02:00–03:00 UTC on 21 Oct (60 transactions, reaching Teamwork), hours it was never active in 16 days of history; 4 other devices were active at those hours that night too',
    ]);
  });

  it('judges a maintenance night by overlapping hours, leaving out a device far beyond the others and one apart', () => {
    const facts = fleet(false, 12);
    for (const k of [2, 3, 4, 5, 6]) facts.push({ ...pc(k), day: 16, hour: 2, host: 'teams.example', tx: 60 });
    // Other hours that overlap the night's: a peer all the same.
    for (const hour of [1, 2]) facts.push({ ...pc(7), day: 16, hour, host: 'teams.example', tx: 30 });
    // The same night, far more than the rest: not "doing the same".
    for (const hour of [2, 3, 4, 5]) facts.push({ ...pc(8), day: 16, hour, host: 'teams.example', tx: 3000 });
    // Only its 05:00 overlaps anyone (PC-8): too few peers. (PC-8 makes 05:00 an hour the fleet works: Medium.)
    facts.push({ ...pc(9), day: 16, hour: 5, host: 'teams.example', tx: 60 });
    const risk = rate(facts);
    const night = (k: number) => risk.get(`dev-${k}`)!.anomalies.find((a) => a.kind === 'off-hours')!;
    expect([2, 3, 4, 5, 6, 7].map((k) => [night(k).severity, night(k).fleetEvent])).toEqual(
      Array(6).fill(['Low', true]),
    );
    expect(night(7).text).toMatch(/; 6 other devices were active at those hours that night too$/);
    expect(night(2).text).toMatch(/; 6 other devices were active/);
    expect([night(8).severity, night(8).fleetEvent]).toEqual(['High', false]);
    expect([night(9).severity, night(9).fleetEvent]).toEqual(['Medium', false]);
  });

  it('keeps an early start next to the usual day below High', () => {
    const facts = fleet(false);
    facts.push({ ...pc(2), day: 16, hour: 6, host: 'teams.example', tx: 60 });
    const a = rate(facts).get('dev-2')!;
    expect(a.level).toBe('Medium');
    expect(a.reasons).toEqual([
      'active at 06:00–07:00 UTC on 21 Oct (60 transactions, reaching Teamwork), hours it was never active in 16 days of history',
    ]);
  });

  it('learns before it judges: a device seen for three days is Informational and says why', () => {
    const facts = fleet(false);
    for (const day of [18, 19, 20]) facts.push({ ...pc(7), day, hour: 3, host: 'remote.example', tx: 500 });
    const a = rate(facts).get('dev-7')!;
    expect(a.level).toBe('Informational');
    expect(a.learning).toBe(true);
    expect(a.reasons).toEqual([
      'still learning its baseline: 3 active days of data, judged after 7 days and 5 active days',
    ]);
  });

  it('judges only the days of the report window, with the history before it as baseline', () => {
    const facts = [...fleet(true), exfil(true)];
    const inside = rate(facts, { from: FIXTURE_T0 + 15 * DAY, to: FIXTURE_T0 + 16 * DAY }, unsanctioned);
    expect(inside.get('dev-2')!.level).toBe('High');
    const after = rate(facts, { from: FIXTURE_T0 + 16 * DAY }, unsanctioned);
    expect(after.get('dev-2')!.level).toBe('Informational');
    const before = rate(facts, { to: FIXTURE_T0 + 15 * DAY }, unsanctioned);
    expect(before.get('dev-2')!.level).toBe('Informational');
  });

  it('serves every window from one base: peers counted in the window only, the base never changed', () => {
    // Three devices spike on CRM one day, a fourth the next: peers (within a day) in all time, alone in its own day.
    const facts = fleet(false);
    for (const [k, day] of [
      [1, 16],
      [2, 16],
      [3, 16],
      [4, 17],
    ])
      for (let hour = 10; hour < 16; hour++) facts.push({ ...pc(k), day, hour, host: 'crm.example', tx: 200 });
    const ws = fixtureWorkingSet(facts);
    const ctx = { matcher: createMatcher(catalog), scorer: createScorer(catalog.date, {}), tags: {}, overrides };
    const base = riskBase(computeDaily(ws, { ...ctx, to: null }), 'device', {
      thresholds: DEFAULT_SETTINGS.thresholds,
    });
    const spike = (risk: ReturnType<typeof riskIn>) => risk.get('dev-4')!.anomalies[0];
    const whole = riskIn(base, {});
    expect([spike(whole).severity, spike(whole).fleetEvent]).toEqual(['Low', true]);
    const ownDay = riskIn(base, { from: FIXTURE_T0 + 17 * DAY, to: FIXTURE_T0 + 18 * DAY });
    expect([spike(ownDay).severity, spike(ownDay).fleetEvent]).toEqual(['High', false]);
    expect(spike(ownDay).text).not.toContain('other devices');
    expect([...ownDay.keys()].filter((k) => ownDay.get(k)!.anomalies.length)).toEqual(['dev-4']);
    // The same answers again, in any order, and the same as assessRisk over rollups that end with the window.
    expect(riskIn(base, {})).toEqual(whole);
    const to = FIXTURE_T0 + 18 * DAY;
    const daily = computeDaily(ws, { ...ctx, to });
    const thresholds = DEFAULT_SETTINGS.thresholds;
    expect(assessRisk(daily, 'device', { thresholds, from: FIXTURE_T0 + 17 * DAY, to })).toEqual(ownDay);
  });

  it('rates users the same way', () => {
    const risk = rate([...fleet(true), exfil(true)], {}, unsanctioned, 'user');
    const a = risk.get('u2@contoso.com')!;
    expect(a.level).toBe('High');
    expect(a.reasons[0]).toBe(
      'uploaded 1.8 GB to WeTransfer (score 4.0, unsanctioned) on 20 Oct, 922× its daily median (2.0 MB) and 922× its largest day in 11 days; first use on this user',
    );
    expect(a.reasons[1]).toContain('no other user has used it');
  });
});

describe('robust statistics', () => {
  it('median and MAD ignore one wild value', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    // Numeric order, not text order (10 after 9), and the values left as they were.
    const xs = [10, 9, 100, 2, 33];
    expect(median(xs)).toBe(10);
    expect(xs).toEqual([10, 9, 100, 2, 33]);
    expect(median([1e9, -3, 7.5, 2])).toBe(4.75);
    expect(mad([10, 10, 11, 9, 10, 1000])).toBeCloseTo(1.4826 * 0.5, 6);
  });

  it('medianWithout is the median of the rest', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 200; trial++) {
      const xs = Array.from({ length: 1 + Math.floor(rnd() * 9) }, () => Math.floor(rnd() * 6) / 2);
      const sorted = Float64Array.from(xs).sort();
      const skip = Math.floor(rnd() * xs.length);
      const rest = [...sorted.slice(0, skip), ...sorted.slice(skip + 1)];
      expect(medianWithout(sorted, skip)).toBe(median(rest));
    }
  });

  it('a sliding SortedWindow gives the median and largest value of what is in it, as median and Math.max do', () => {
    let seed = 11;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Starts smaller than it gets (it grows); repeated values and unknown (NaN) ones, which it does not keep.
    const w = new SortedWindow(2);
    const held: number[] = [];
    const added: number[] = [];
    for (let step = 0; step < 2000; step++) {
      if (rnd() < 0.55 || added.length === 0) {
        const x = rnd() < 0.1 ? Number.NaN : Math.floor(rnd() * 8) * 1.5;
        w.add(x);
        added.push(x);
        if (!Number.isNaN(x)) held.push(x);
      } else {
        // Out in the order they came in, as the lookback window slides.
        const x = added.shift() as number;
        w.remove(x);
        if (!Number.isNaN(x)) held.splice(held.indexOf(x), 1);
      }
      expect(w.n).toBe(held.length);
      if (held.length === 0) {
        expect(Number.isNaN(w.median())).toBe(true);
        expect(Number.isNaN(w.max())).toBe(true);
      } else {
        expect(w.median()).toBe(median(held));
        expect(w.max()).toBe(Math.max(...held));
      }
      expect(w.values()).toEqual([...held].sort((a, b) => a - b));
    }
    // A value it does not hold leaves it as it was.
    w.clear();
    w.add(3);
    w.remove(4);
    expect(w.values()).toEqual([3]);
  });

  it('outlierAmong compares on a log scale with a floor on the spread', () => {
    const syncs = [150, 120, 200, 180, 90, 160].map((x) => x * MiB);
    expect(outlierAmong(300 * MiB, syncs, 3)).toBe(false);
    expect(outlierAmong(3 * GiB, syncs, 3)).toBe(true);
    expect(outlierAmong(25, [20, 20, 20], 3)).toBe(false);
    expect(outlierAmong(200, [20, 20, 20], 3)).toBe(true);
  });

  it('firstUseCounter counts first days on or before a day, by table and by binary search alike', () => {
    // Five apps' first days (app 2 none), in no order within an app, in a 40-day span from day 1000.
    const perApp = [[1003, 1000, 1039, 1000], [1010], [], [1020, 1005, 1021, 1005, 1005], [1039]];
    const start = Int32Array.from([0, ...perApp.map((_, a) => perApp.slice(0, a + 1).flat().length)]);
    const days = Int32Array.from(perApp.flat());
    const dense = firstUseCounter(days.slice(), start, 1000, 40);
    const searched = firstUseCounter(days.slice(), start, 1000, 40, 0);
    for (let a = 0; a < perApp.length; a++)
      for (let x = 990; x < 1050; x++) {
        const expected = perApp[a].filter((d) => d <= x).length;
        expect([dense(a, x), searched(a, x)]).toEqual([expected, expected]);
      }
  });

  it('hourDistance wraps round midnight', () => {
    const day = (1 << 8) | (1 << 17);
    expect(hourDistance(20, day)).toBe(3);
    expect(hourDistance(2, day)).toBe(6);
    expect(hourDistance(23, 1 << 0)).toBe(1);
    expect(hourDistance(5, 0)).toBe(24);
  });
});
