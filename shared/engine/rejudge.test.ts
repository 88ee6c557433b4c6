// A tag, score override or weight change judges a report's risk bases again from what they kept (rejudgedBases)
// instead of computing them from the rollups: the result must be exactly what a fresh computation gives.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/loader';
import { createMatcher } from '../catalog/matcher';
import { createScorer, type ScoreOverride } from '../catalog/score';
import type { TagState } from '../catalog/tags';
import { DEFAULT_SETTINGS } from '../domain/settings';
import { mulberry32 } from '../formats/testing/harness';
import { type AppContext, reappraised } from './daily';
import { uploadFloorOf } from './risk';
import { type FixtureFact, fixtureApp, fixtureCatalog, fixtureWorkingSet } from './risk-fixture';
import {
  basesServe,
  type RiskBases,
  rejudgedBases,
  revivedBases,
  riskBaseSteps,
  riskInWindow,
  type SignalJudgement,
  storedBases,
} from './risk-report';
import { runSteps } from './steps';
import type { WorkingSet } from './working-set';

const MB = 1024 * 1024;
const DAY = 86_400_000;
const DEFAULT_JUDGEMENT: SignalJudgement = { thresholds: DEFAULT_SETTINGS.thresholds, severity: 'Medium' };

const catalog = loadCatalog(
  [
    fixtureCatalog([
      fixtureApp('teamwork', 'Teamwork', ['teams.example']),
      fixtureApp('anyremote', 'AnyRemote', ['any.example']),
      fixtureApp('boxy', 'Boxy', ['box.example']),
      fixtureApp('dropit', 'DropIt', ['drop.example']),
    ]),
  ],
  [],
);
const overrides = {
  teamwork: { score: 9, note: '' },
  anyremote: { score: 2, note: '' },
  boxy: { score: 7, note: '' },
  dropit: { score: 6, note: '' },
};

/**
 * Fourteen devices over six weeks: daily work on Teamwork with small uploads, and apps taken up at random days —
 * some with large uploads (spikes, exfiltration when unsanctioned), some unidentified — so that every rule a
 * sanction touches fires somewhere.
 */
function fleet(seed: number): FixtureFact[] {
  // Random but the same on every run.
  const r = mulberry32(seed);
  const out: FixtureFact[] = [];
  const others = ['any.example', 'box.example', 'drop.example', 'rare-thing.io', 'odd-host.net'];
  for (let k = 0; k < 14; k++) {
    const device = `d${k}`;
    const base = { device, deviceName: `PC-${k}`, user: `u${k % 9}`, source: 's1' };
    const takeUp = others.map(() => (r() < 0.6 ? 8 + Math.floor(r() * 30) : 99));
    for (let day = 0; day < 42; day++) {
      if (day % 7 >= 5 && r() < 0.8) continue;
      for (let hour = 8; hour < 17; hour++)
        out.push({ ...base, day, hour, host: 'teams.example', tx: 5 + Math.floor(r() * 10), up: 20_000, down: 90_000 });
      others.forEach((host, i) => {
        if (day < takeUp[i] || r() < 0.4) return;
        const big = r() < 0.15;
        out.push({
          ...base,
          day,
          hour: 9 + Math.floor(r() * 12),
          host,
          tx: big ? 60 + Math.floor(r() * 200) : 1 + Math.floor(r() * 40),
          up: big ? (120 + Math.floor(r() * 3000)) * MB : Math.floor(r() * 2 * MB),
          down: 1000,
        });
      });
    }
  }
  return out;
}

/** An analyst's judgement of the apps: tags, score overrides, score settings. */
type Appraisal = Omit<AppContext, 'matcher'>;
const appraisal = (
  tags: TagState,
  o: Record<string, ScoreOverride> = overrides,
  settings: Parameters<typeof createScorer>[1] = {},
): Appraisal => ({ tags, overrides: o, scorer: createScorer(catalog.date, settings) });

function bases(ws: WorkingSet, a: Appraisal, raisesSignals = true, j: SignalJudgement = DEFAULT_JUDGEMENT): RiskBases {
  const o = {
    matcher: createMatcher(catalog),
    ...a,
    report: { name: 'Proxy', raisesSignals, sourceIds: ['s1'] },
    thresholds: j.thresholds,
    signalSeverity: j.severity,
  };
  return runSteps(riskBaseSteps(ws, o)).bases;
}

/** What the views read of the bases, over a few windows. */
function views(b: RiskBases) {
  const end = Date.UTC(2026, 9, 5) + 42 * DAY;
  const windows = [
    { from: null, to: null },
    { from: end - 7 * DAY, to: null },
    { from: end - 30 * DAY, to: end - 10 * DAY },
  ];
  return windows.map((w) => riskInWindow(b, w));
}

const { boxy: _boxy, ...withoutBoxy } = overrides;
const STATES: Appraisal[] = [
  appraisal({}),
  appraisal({ boxy: ['Unsanctioned'], teamwork: ['Sanctioned'], '?rare-thing.io': ['Unsanctioned'] }),
  appraisal(
    { anyremote: ['Sanctioned'], dropit: ['Unsanctioned', 'Finance'], '?odd-host.net': ['Sanctioned'] },
    // AnyRemote no longer risky, Boxy risky.
    { ...overrides, anyremote: { score: 8, note: '' }, boxy: { score: 3, note: '' } },
  ),
  appraisal({ boxy: ['Monitored'], dropit: ['Unsanctioned'], anyremote: ['Unsanctioned'] }, withoutBoxy, {
    unknownCountsAgainst: true,
    groupWeights: { general: 0, security: 3, compliance: 1, legal: 1 },
  }),
];

describe('rejudgedBases', () => {
  for (const seed of [1, 2, 3]) {
    it(`gives what a fresh computation with the new tags and scores gives (fleet ${seed})`, () => {
      const ws = fixtureWorkingSet(fleet(seed));
      const fresh = STATES.map((a) => bases(ws, a));
      const seen = fresh.map((b) => views(b));
      // The states differ where it shows: in device and user reasons, and in signals.
      for (let i = 1; i < STATES.length; i++) expect(seen[i]).not.toEqual(seen[0]);
      const kinds = new Set(seen[1][0].signals.map((s) => s.type));
      expect(kinds).toContain('Data exfiltration to unsanctioned apps');
      const risky = (i: number) =>
        seen[i][0].signals.filter((s) => s.description.includes('new risky app') || s.type === 'New risky app');
      expect(risky(0).length).toBeGreaterThan(0);
      expect(risky(2)).not.toEqual(risky(0));
      for (let from = 0; from < STATES.length; from++)
        for (let to = 0; to < STATES.length; to++) {
          if (from === to) continue;
          const apps = reappraised(fresh[from].devices.apps, STATES[to], catalog);
          expect(views(rejudgedBases(fresh[from], apps))).toEqual(seen[to]);
        }
    });
  }

  it('gives the same from bases stored and read back (structured clone) as from those it computed', () => {
    const ws = fixtureWorkingSet(fleet(5));
    const fresh = STATES.map((a) => bases(ws, a));
    for (let from = 0; from < STATES.length; from++) {
      const kept = structuredClone(storedBases(fresh[from]));
      for (let to = 0; to < STATES.length; to++) {
        const apps = reappraised(kept.devices.apps, STATES[to], catalog);
        expect(views(revivedBases(kept, apps))).toEqual(views(fresh[to]));
      }
    }
    const snapshot = bases(ws, STATES[1], false);
    const kept = structuredClone(storedBases(snapshot));
    expect(views(revivedBases(kept, reappraised(kept.devices.apps, STATES[1], catalog)))).toEqual(views(snapshot));
  });

  it('leaves a snapshot without signals', () => {
    const ws = fixtureWorkingSet(fleet(4));
    const b = bases(ws, STATES[0], false);
    const apps = reappraised(b.devices.apps, STATES[2], catalog);
    const again = rejudgedBases(b, apps);
    expect(views(again)).toEqual(views(bases(ws, STATES[2], false)));
    expect(again.signals.signals).toEqual([]);
  });

  // The thresholds and the signals' severity are applied when bases are judged: a change to them judges the same
  // bases again — for the upload threshold, one at least the bases' own (they kept the uploads past a share of it).
  const t = DEFAULT_SETTINGS.thresholds;
  const JUDGEMENTS: SignalJudgement[] = [
    DEFAULT_JUDGEMENT,
    { thresholds: { ...t, popularUsers: 2, riskyScore: 7 }, severity: 'High' },
    { thresholds: { ...t, highVolumeBytes: 5 * MB, highVolumeTransactions: 100, riskyScore: 3 }, severity: 'Low' },
    { thresholds: { ...t, popularUsers: 40, riskyScore: 0, highVolumeBytes: 10_000 * MB }, severity: 'Informational' },
    { thresholds: { ...t, highUploadBytes: 600 * MB }, severity: 'Medium' },
    { thresholds: { ...t, highUploadBytes: 40 * MB, riskyScore: 6 }, severity: 'High' },
  ];

  it('gives what a fresh computation with new thresholds and severity gives, from bases of an upload threshold no higher', () => {
    const ws = fixtureWorkingSet(fleet(6));
    for (const a of [STATES[0], STATES[1]]) {
      const fresh = JUDGEMENTS.map((j) => bases(ws, a, true, j));
      const seen = fresh.map((b) => views(b));
      // The judgements differ where it shows: in the signals raised, their severity, and device reasons.
      for (let i = 1; i < JUDGEMENTS.length; i++) expect(seen[i]).not.toEqual(seen[0]);
      expect(new Set(seen[1][0].signals.map((s) => s.severity))).toEqual(new Set(['High']));
      const raised = (i: number, type: string) =>
        seen[i][0].signals.some((s) => s.type === type || s.description.includes(`also ${type.toLowerCase()}`));
      expect(raised(1, 'New popular app')).toBe(true);
      expect(raised(0, 'New popular app')).toBe(false);
      expect(raised(2, 'New high-volume app')).toBe(true);
      expect(raised(3, 'New high-volume app')).toBe(false);
      expect(seen[1][0].devices).not.toEqual(seen[0][0].devices);
      let judgedAgain = 0;
      let belowFloor = 0;
      for (let from = 0; from < JUDGEMENTS.length; from++) {
        const kept = structuredClone(storedBases(fresh[from]));
        for (let to = 0; to < JUDGEMENTS.length; to++) {
          const apps = reappraised(fresh[from].devices.apps, a, catalog);
          const floor = uploadFloorOf(JUDGEMENTS[from].thresholds);
          if (JUDGEMENTS[to].thresholds.highUploadBytes < floor) belowFloor++;
          if (!basesServe({ uploadFloor: floor, value: fresh[from] }, JUDGEMENTS[to].thresholds)) {
            // Uploads between the two thresholds that the bases left out: refused, never judged wrong.
            expect(() => rejudgedBases(fresh[from], apps, JUDGEMENTS[to])).toThrow(/upload threshold below/);
            expect(() => revivedBases(kept, apps, JUDGEMENTS[to])).toThrow(/upload threshold below/);
            continue;
          }
          expect(views(rejudgedBases(fresh[from], apps, JUDGEMENTS[to]))).toEqual(seen[to]);
          expect(views(revivedBases(kept, apps, JUDGEMENTS[to]))).toEqual(seen[to]);
          judgedAgain++;
        }
      }
      // Every pair at or past the floor (27), and four of the nine below it: those past every upload the bases left out.
      expect(belowFloor).toBe(9);
      expect(judgedAgain).toBe(31);
      // The upload threshold moves what the fleet's large uploads raise.
      expect(seen[4]).not.toEqual(seen[0]);
      expect(seen[5]).not.toEqual(seen[0]);
    }
    // Tags and a judgement at once, from bases of another appraisal.
    const from = bases(ws, STATES[0]);
    const apps = reappraised(from.devices.apps, STATES[2], catalog);
    expect(views(rejudgedBases(from, apps, JUDGEMENTS[1]))).toEqual(views(bases(ws, STATES[2], true, JUDGEMENTS[1])));
  });

  it('judges uploads between two upload thresholds as a computation with the higher one does', () => {
    // A device uploading to DropIt (unsanctioned in this appraisal), after its baseline is learned: 60 MB (an upload
    // row at 100 MB, a quarter of it, not at 600 MB), 300 MB (a large upload at 100 MB, not at 600 MB) and 900 MB.
    // A steady device of its own (its upload baseline ~0.2 MB a day) makes them spikes; a device new on day 35, with
    // no baseline yet, uploads 300 MB on its second day (a large upload before a baseline at 100 MB, none at 600 MB).
    const facts = fleet(8);
    const steady = { device: 'd20', deviceName: 'PC-20', user: 'u20', source: 's1' };
    for (let day = 0; day < 42; day++)
      for (let hour = 9; hour < 17; hour++)
        facts.push({ ...steady, day, hour, host: 'teams.example', tx: 6, up: 20_000, down: 90_000 });
    for (const [day, mb] of [
      [30, 60],
      [33, 300],
      [36, 900],
    ])
      facts.push({ ...steady, day, hour: 14, host: 'drop.example', tx: 40, up: mb * MB, down: 1000 });
    const fresh21 = { device: 'd21', deviceName: 'PC-21', user: 'u21', source: 's1' };
    for (let day = 35; day < 42; day++)
      facts.push({ ...fresh21, day, hour: 10, host: 'teams.example', tx: 30, up: 20_000, down: 90_000 });
    facts.push({ ...fresh21, day: 36, hour: 15, host: 'drop.example', tx: 40, up: 300 * MB, down: 1000 });
    // And one whose traffic had no byte counts before (no upload baseline), judged since day 27: 300 MB on day 37.
    const unknown = { device: 'd22', deviceName: 'PC-22', user: 'u22', source: 's1' };
    for (let day = 20; day < 42; day++) facts.push({ ...unknown, day, hour: 11, host: 'teams.example', tx: 30 });
    facts.push({ ...unknown, day: 37, hour: 15, host: 'drop.example', tx: 40, up: 300 * MB, down: 1000 });
    // And one with a baseline and 100 MB on day 38: an upload a base keeps only from a quarter of 400 MB down.
    const mid = { device: 'd23', deviceName: 'PC-23', user: 'u23', source: 's1' };
    for (let day = 5; day < 42; day++)
      facts.push({ ...mid, day, hour: 10, host: 'teams.example', tx: 30, up: 20_000, down: 90_000 });
    facts.push({ ...mid, day: 38, hour: 15, host: 'drop.example', tx: 40, up: 100 * MB, down: 1000 });
    const ws = fixtureWorkingSet(facts);
    const low = { thresholds: { ...t, highUploadBytes: 100 * MB }, severity: 'Medium' as const };
    const high = { thresholds: { ...t, highUploadBytes: 600 * MB }, severity: 'Medium' as const };
    const a = STATES[3];
    const fromLow = bases(ws, a, true, low);
    const fresh = bases(ws, a, true, high);
    // Before a baseline only an upload past the threshold is one: d22's 300 MB at 100 MB, not at 600 MB.
    const spikes = (b: RiskBases, k: string) =>
      (views(b)[0].devices.get(k)?.anomalies ?? []).filter((x) => x.kind === 'upload-spike').map((x) => x.text);
    expect(spikes(fromLow, 'd22')).toEqual([expect.stringContaining('300 MB to DropIt')]);
    expect(spikes(fresh, 'd22')).toEqual([]);
    expect(spikes(fromLow, 'd20')).toHaveLength(3);
    expect(spikes(fresh, 'd20').map((x) => x.slice(0, 22))).toEqual([
      'uploaded 900 MB to Dro',
      'uploaded 300 MB to Dro',
    ]);
    expect(views(fresh)).not.toEqual(views(fromLow));
    const apps = reappraised(fromLow.devices.apps, a, catalog);
    expect(views(rejudgedBases(fromLow, apps, high))).toEqual(views(fresh));
    expect(views(revivedBases(structuredClone(storedBases(fromLow)), apps, high))).toEqual(views(fresh));
    // Lowered, down to half the threshold the bases were computed with: judged on them, as computed there. At 300 MB
    // d22's 300 MB counts again, and d23's 100 MB only if the bases kept uploads from a share of the floor.
    const lowered = { thresholds: { ...t, highUploadBytes: 300 * MB }, severity: 'Medium' as const };
    expect(uploadFloorOf(high.thresholds)).toBe(lowered.thresholds.highUploadBytes);
    const freshLowered = bases(ws, a, true, lowered);
    expect(views(freshLowered)).not.toEqual(views(fresh));
    expect(spikes(freshLowered, 'd23')).toEqual([expect.stringContaining('100 MB to DropIt')]);
    expect(spikes(fresh, 'd23')).toEqual([]);
    expect(views(rejudgedBases(fresh, apps, lowered))).toEqual(views(freshLowered));
    expect(views(revivedBases(structuredClone(storedBases(fresh)), apps, lowered))).toEqual(views(freshLowered));
    // Below the floor: the signals keep uploads from it (300 MB) and left out the fleet's largest one under it, so a
    // threshold that judges that upload is refused; one past every upload the bases left out is judged on them, as
    // computed there.
    const leftOut = fresh.signals.prep!.uploadLeftOut;
    expect(leftOut).toBeGreaterThan(100 * MB);
    expect(leftOut).toBeLessThan(300 * MB);
    const atIt = { thresholds: { ...t, highUploadBytes: leftOut }, severity: 'Medium' as const };
    expect(() => rejudgedBases(fresh, apps, atIt)).toThrow(/upload threshold below/);
    const below = { thresholds: { ...t, highUploadBytes: 300 * MB - 1 }, severity: 'Medium' as const };
    expect(views(rejudgedBases(fresh, apps, below))).toEqual(views(bases(ws, a, true, below)));
  });

  it('judges traffic without upload byte counts with any upload threshold, as a computation with it does', () => {
    // The fleet without its byte counts (endpoint telemetry has none): the bases leave no upload out.
    const facts = fleet(9).map((f) => ({ ...f, up: undefined, down: undefined }));
    const ws = fixtureWorkingSet(facts);
    const a = STATES[1];
    const high = { thresholds: { ...t, highUploadBytes: 600 * MB }, severity: 'Medium' as const };
    const b = bases(ws, a, true, high);
    expect([b.devices.uploadLeftOut, b.users.uploadLeftOut, b.signals.prep?.uploadLeftOut]).toEqual([
      Number.NEGATIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    const apps = reappraised(b.devices.apps, a, catalog);
    for (const bytes of [1, 1024, 5 * MB]) {
      const j = { thresholds: { ...t, highUploadBytes: bytes, riskyScore: 6 }, severity: 'High' as const };
      expect(basesServe({ uploadFloor: uploadFloorOf(high.thresholds), value: b }, j.thresholds)).toBe(true);
      expect(views(rejudgedBases(b, apps, j))).toEqual(views(bases(ws, a, true, j)));
    }
  });
});
