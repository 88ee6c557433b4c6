// Discovery policies as signals: new apps after the learning period, thresholds, one per app per 90 days, n/a without bytes.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/loader';
import { createMatcher } from '../catalog/matcher';
import { createScorer, type ScoreOverride } from '../catalog/score';
import { DEFAULT_SETTINGS } from '../domain/settings';
import { computeDaily } from './daily';
import { FIXTURE_T0, type FixtureFact, fixtureApp, fixtureCatalog, fixtureWorkingSet } from './risk-fixture';
import { discoverySignals, SIGNAL_TYPES, type SignalOptions } from './signals';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MiB = 1024 * 1024;
const catalog = loadCatalog(
  [
    fixtureCatalog([
      fixtureApp('teamwork', 'Teamwork', ['teams.example']),
      fixtureApp('newtool', 'NewTool', ['newtool.example']),
      fixtureApp('remotedesk', 'RemoteDesk', ['remote.example']),
      fixtureApp('wetransfer', 'WeTransfer', ['wetransfer.example']),
      fixtureApp('videos', 'Videos', ['video.example']),
    ]),
  ],
  [],
);
const overrides: Record<string, ScoreOverride> = {
  teamwork: { score: 9, note: '' },
  newtool: { score: 9, note: '' },
  remotedesk: { score: 2, note: '' },
  wetransfer: { score: 4, note: '' },
  videos: { score: 9, note: '' },
};

/** Twelve devices on Teamwork every day from day 0 (so Teamwork is known, never new). */
function base(bytes: boolean, days = 21): FixtureFact[] {
  const out: FixtureFact[] = [];
  for (let k = 1; k <= 12; k++)
    for (let day = 0; day < days; day++)
      out.push({
        device: `d${k}`,
        deviceName: `PC-${k}`,
        user: `u${k}`,
        day,
        hour: 9,
        host: 'teams.example',
        tx: 40,
        ...(bytes ? { up: 1 * MiB, down: 5 * MiB } : {}),
      });
  return out;
}
const dev = (k: number) => ({ device: `d${k}`, deviceName: `PC-${k}`, user: `u${k}` });

/**
 * The signals of `facts`. They read new apps' users from a rollup of those apps' facts (`userRowsOf`), or, when the
 * whole users' rollup is built first (`wholeUsers`: a warm-up or user risk built it), from that one.
 */
function signals(facts: FixtureFact[], opts: Partial<SignalOptions> = {}, wholeUsers = false) {
  const daily = computeDaily(fixtureWorkingSet(facts), {
    matcher: createMatcher(catalog),
    scorer: createScorer(catalog.date, {}),
    tags: { wetransfer: ['Unsanctioned'] },
    overrides,
  });
  if (wholeUsers) expect(daily.user.rows.n).toBeGreaterThan(0);
  return discoverySignals(daily, {
    report: { name: 'Squid proxy', raisesSignals: true },
    thresholds: DEFAULT_SETTINGS.thresholds,
    severity: 'High',
    ...opts,
  });
}

const at = (day: number, hour: number) => FIXTURE_T0 + day * DAY + hour * HOUR + 50 * 60_000;

describe('discovery signals', () => {
  it('raises new popular, new risky and exfiltration signals once per app, with checkable descriptions', () => {
    const facts = base(true);
    for (let k = 1; k <= 11; k++)
      facts.push({ ...dev(k), day: 10, hour: 10, host: 'newtool.example', tx: 3, up: 1000 });
    for (const day of [12, 13]) facts.push({ ...dev(1), day, hour: 14, host: 'remote.example', tx: 60, up: 1000 });
    for (const day of [14, 15])
      facts.push({ ...dev(3), day, hour: 16, host: 'wetransfer.example', tx: 30, up: 150 * MiB });
    const r = signals(facts);
    expect(r.notApplicable).toEqual([]);
    expect(r.signals).toEqual([
      {
        time: at(10, 10),
        severity: 'High',
        type: SIGNAL_TYPES.popular,
        entity: 'Squid proxy',
        app: 'NewTool',
        description: 'NewTool (score 9.0) first seen 15 Oct: used by 11 users in the 7 days to 15 Oct (threshold 10)',
      },
      {
        time: at(12, 14),
        severity: 'High',
        type: SIGNAL_TYPES.risky,
        entity: 'Squid proxy',
        app: 'RemoteDesk',
        description: 'RemoteDesk (score 2.0) first seen 17 Oct: score at or below 4, 60 transactions on 17 Oct',
      },
      {
        time: at(14, 16),
        severity: 'High',
        type: SIGNAL_TYPES.exfiltration,
        entity: 'PC-3',
        app: 'WeTransfer',
        description: 'PC-3 uploaded 150 MB to WeTransfer (score 4.0, unsanctioned) on 19 Oct (threshold 100 MB)',
        device: 'd3',
      },
    ]);
  });

  it("count a new app's users alike from its own facts' rollup and from the whole users' rollup", () => {
    const facts = base(true);
    // NewTool: 10 users over days 10-16 (some on several days, so the trailing 7 days count each once), popular on
    // day 16 and not before; Videos: devices with no user names (counted by device), on apps known or not.
    for (let k = 1; k <= 10; k++)
      for (const day of [10 + (k % 7), 16 - (k % 3)])
        facts.push({ ...dev(k), day, hour: 10, host: 'newtool.example', tx: 2, up: 1000 });
    for (let k = 20; k < 32; k++)
      facts.push({ device: `d${k}`, day: 12 + (k % 3), hour: 11, host: 'video.example', tx: 5, up: 10 });
    for (const day of [12, 13]) facts.push({ ...dev(1), day, hour: 14, host: 'remote.example', tx: 60, up: 1000 });
    const own = signals(facts);
    const whole = signals(facts, {}, true);
    expect(own).toEqual(whole);
    expect(own.signals.map((x) => x.app)).toEqual(['RemoteDesk', 'Videos', 'NewTool']);
    expect(own.signals.find((x) => x.app === 'NewTool')?.description).toContain('used by 10 users in the 7 days to');
    expect(own.signals.find((x) => x.app === 'Videos')?.description).toContain('used by 12 devices');
  });

  it('never calls an app seen in the learning period new, however popular or large', () => {
    const facts = base(true);
    for (let k = 1; k <= 12; k++) facts.push({ ...dev(k), day: 3, hour: 10, host: 'newtool.example', tx: 1 });
    for (let k = 1; k <= 12; k++)
      facts.push({ ...dev(k), day: 12, hour: 10, host: 'newtool.example', tx: 500, up: 300 * MiB });
    expect(signals(facts).signals).toEqual([]);
  });

  it('names every policy an app matched that day, the first in priority order speaking', () => {
    const facts = base(true);
    for (let k = 1; k <= 10; k++)
      facts.push({ ...dev(k), day: 9, hour: 11, host: 'remote.example', tx: 6, up: 20 * MiB, down: 40 * MiB });
    const [s] = signals(facts).signals;
    expect(s.type).toBe(SIGNAL_TYPES.highUpload);
    expect(s.description).toBe(
      'RemoteDesk (score 2.0) first seen 14 Oct: 200 MB uploaded on 14 Oct (threshold 100 MB); also new risky app: score at or below 4, 60 transactions on 14 Oct; also new high-volume app: 600 MB of traffic on 14 Oct (threshold 500 MB); also new popular app: used by 10 users in the 7 days to 14 Oct (threshold 10)',
    );
  });

  it('judges volume on transactions and says upload policies are n/a when the data has no bytes', () => {
    const facts = base(false);
    facts.push({ ...dev(2), day: 9, hour: 12, host: 'video.example', tx: 12_000 });
    facts.push({ ...dev(3), day: 14, hour: 16, host: 'wetransfer.example', tx: 30 });
    const r = signals(facts);
    expect(r.notApplicable).toEqual([
      'New high-upload app: n/a, the data has no upload byte counts',
      'Data exfiltration to unsanctioned apps: n/a, the data has no upload byte counts',
      'New high-volume app: judged on transactions, the data has no byte counts',
    ]);
    expect(r.signals.map((s) => [s.type, s.app, s.description])).toEqual([
      [
        SIGNAL_TYPES.highVolume,
        'Videos',
        'Videos (score 9.0) first seen 14 Oct: 12,000 transactions on 14 Oct (threshold 10,000)',
      ],
    ]);
  });

  it('raises one signal per app per 90 days, counting signals outside the window', () => {
    const facts = base(true, 130);
    for (const day of [14, 20, 110, 120])
      facts.push({ ...dev(3), day, hour: 16, host: 'wetransfer.example', tx: 30, up: 150 * MiB });
    expect(signals(facts).signals.map((s) => Math.floor((s.time - FIXTURE_T0) / DAY))).toEqual([14, 110]);
    const windowed = signals(facts, { window: { from: FIXTURE_T0 + 15 * DAY, to: null } });
    expect(windowed.signals.map((s) => Math.floor((s.time - FIXTURE_T0) / DAY))).toEqual([110]);
  });

  it('never raises signals on a snapshot', () => {
    const facts = base(true);
    for (const day of [14, 15])
      facts.push({ ...dev(3), day, hour: 16, host: 'wetransfer.example', tx: 30, up: 150 * MiB });
    const r = signals(facts, { report: { name: 'dump', raisesSignals: false } });
    expect(r).toEqual({ signals: [], notApplicable: ['snapshot reports never raise signals'] });
  });
});
