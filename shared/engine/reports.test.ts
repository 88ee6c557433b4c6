// Report definitions and time windows relative to the data's own last event.
import { describe, expect, it } from 'vitest';
import type { DataSourceRecord } from '../store/records';
import {
  ENDPOINT_REPORT_ALT_NAME,
  ENDPOINT_REPORT_NAME,
  lastEventOf,
  reportOfSource,
  reportsFor,
  resolveWindow,
} from './reports';
import { FIXTURE_T0, fixtureWorkingSet } from './risk-fixture';

const src = (id: string, name: string, kind: 'continuous' | 'snapshot', endpoint: boolean): DataSourceRecord => ({
  id,
  name,
  kind,
  endpoint,
  createdAt: 0,
});
const sources = [
  src('s-zeek', 'Zeek sensor', 'continuous', false),
  src('s-mde', 'Defender', 'continuous', true),
  src('s-squid', 'Squid proxy', 'continuous', false),
  src('s-dump', 'March dump', 'snapshot', false),
  src('s-mde2', 'Defender (lab)', 'continuous', true),
];
const DAY = 86_400_000;

describe('reports', () => {
  it('has a Global report without endpoints, one endpoint report by its analyst name, one per source, snapshots apart', () => {
    expect(reportsFor(sources).map((r) => [r.id, r.kind, r.name, r.altName, r.sourceIds, r.raisesSignals])).toEqual([
      ['global', 'global', 'Global', null, ['s-squid', 's-zeek'], true],
      ['endpoint', 'endpoint', 'Win10 Endpoint Users', 'Defender-managed endpoints', ['s-mde', 's-mde2'], true],
      ['source:s-squid', 'source', 'Squid proxy', null, ['s-squid'], true],
      ['source:s-zeek', 'source', 'Zeek sensor', null, ['s-zeek'], true],
      ['snapshot:s-dump', 'snapshot', 'March dump', null, ['s-dump'], false],
    ]);
    expect([ENDPOINT_REPORT_NAME, ENDPOINT_REPORT_ALT_NAME]).toEqual([
      'Win10 Endpoint Users',
      'Defender-managed endpoints',
    ]);
  });

  it('drops the endpoint report when endpoint integration is off', () => {
    expect(reportsFor(sources, { endpointIntegration: false }).map((r) => r.id)).not.toContain('endpoint');
  });

  it('finds the report that shows one source', () => {
    expect(reportOfSource(sources[1]).name).toBe('Win10 Endpoint Users');
    expect(reportOfSource(sources[2]).name).toBe('Squid proxy');
    expect(reportOfSource(sources[3])).toMatchObject({ kind: 'snapshot', raisesSignals: false });
  });
});

describe('windows', () => {
  const last = Date.UTC(2025, 2, 14, 17, 30); // a dump whose data ends 14 Mar 2025, 17:30
  it('counts whole days back from the day of the last event, not from today', () => {
    expect(resolveWindow({ preset: '7d' }, last)).toEqual({ from: Date.UTC(2025, 2, 8), to: Date.UTC(2025, 2, 15) });
    expect(resolveWindow({ preset: '30d' }, last).from).toBe(Date.UTC(2025, 2, 15) - 30 * DAY);
    expect(resolveWindow({ preset: '90d' }, last).from).toBe(Date.UTC(2025, 2, 15) - 90 * DAY);
    expect(resolveWindow({ preset: 'all' }, last)).toEqual({ from: null, to: null });
    expect(resolveWindow({ preset: '7d' }, null)).toEqual({ from: null, to: null });
  });

  it('takes a custom range as given, swapping reversed ends', () => {
    expect(resolveWindow({ preset: 'custom', from: 5, to: 9 }, last)).toEqual({ from: 5, to: 9 });
    expect(resolveWindow({ preset: 'custom', from: 9, to: 5 }, last)).toEqual({ from: 5, to: 9 });
  });

  it('finds the last event of a set of sources', () => {
    const ws = fixtureWorkingSet([
      { day: 0, hour: 1, device: 'a', host: 'x.example', tx: 1, source: 's1' },
      { day: 3, hour: 2, device: 'a', host: 'x.example', tx: 1, source: 's2' },
    ]);
    expect(lastEventOf(ws, ['s1'])).toBe(FIXTURE_T0 + 3_600_000 + 50 * 60_000);
    expect(lastEventOf(ws)).toBe(FIXTURE_T0 + 3 * DAY + 2 * 3_600_000 + 50 * 60_000);
    expect(lastEventOf(ws, ['nope'])).toBeNull();
  });
});
