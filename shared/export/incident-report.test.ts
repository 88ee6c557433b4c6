import { describe, expect, it } from 'vitest';
import { SCORE_BANDS } from '../domain/score-bands';
import { DEFAULT_SETTINGS } from '../domain/settings';
import type { AppRow, DeviceRow, Tables } from '../engine/query';
import type { ImportFileRecord } from '../store/records';
import { type IncidentReportInput, incidentReportHtml } from './incident-report';
import { barChartSvg } from './report-charts';
import type { SignalRow } from './reports';

const T0 = Date.UTC(2026, 9, 1, 8);

function app(name: string, over: Partial<AppRow> = {}): AppRow {
  return {
    key: name.toLowerCase(),
    appId: name.toLowerCase(),
    name,
    category: 'Cloud storage',
    score: 8,
    noData: false,
    tags: [],
    noise: false,
    users: 3,
    ips: 3,
    devices: 4,
    domains: [`${name.toLowerCase()}.example`],
    transactions: 100,
    blocked: 0,
    upload: 1_000,
    download: 50_000,
    traffic: 51_000,
    firstSeen: T0,
    lastSeen: T0 + 86_400_000,
    ...over,
  };
}

function device(name: string, over: Partial<DeviceRow> = {}): DeviceRow {
  return {
    key: name.toLowerCase(),
    name,
    deviceId: null,
    apps: 5,
    users: 1,
    ips: 1,
    riskLevel: 'Informational',
    reasons: [],
    transactions: 50,
    blocked: 0,
    upload: null,
    download: null,
    traffic: null,
    firstSeen: T0,
    lastSeen: T0 + 3_600_000,
    ...over,
  };
}

const XSS = '<img src=x onerror=alert(1)>';

const tables: Tables = {
  apps: [
    app('MegaShare', { tags: ['Unsanctioned'], score: 2.04, traffic: 9_000_000_000, upload: 8_000_000_000 }),
    app('Dropbox', { tags: ['Monitored'], traffic: 3_000_000 }),
    app(XSS, { category: 'Unidentified', score: null, appId: null, key: '?evil.example' }),
    app('Windows Update', { noise: true, category: 'Infrastructure', traffic: 99_000_000_000 }),
    app('Nodata App', { score: 0, noData: true }),
  ],
  devices: [
    device('LAPTOP-7', {
      riskLevel: 'High',
      reasons: ['Uploaded 8 GB to MegaShare, 40× its usual', 'First use of MegaShare'],
    }),
    device('DESKTOP-2', { riskLevel: 'Medium', reasons: ['Off-hours activity'] }),
    device('KIOSK-1', { deviceId: 'abc123', riskLevel: 'Informational' }),
  ],
  users: [],
  ips: [],
  summary: {
    apps: 5,
    devices: 3,
    users: 4,
    ips: 3,
    transactions: 1234,
    traffic: 111_003_051_000,
    upload: 8_000_001_000,
    download: null,
    firstEvent: T0,
    lastEvent: T0 + 86_400_000,
  },
};

const signals: SignalRow[] = [
  { time: T0 + 1000, severity: 'Low', type: 'New app', entity: 'Dropbox', app: 'Dropbox', description: 'first seen' },
  {
    time: T0 + 2000,
    severity: 'High',
    type: 'Upload spike',
    entity: 'LAPTOP-7',
    app: 'MegaShare',
    description: `8 GB uploaded ${XSS}`,
  },
  {
    time: T0 + 3000,
    severity: 'Medium',
    type: 'New risky app',
    entity: 'MegaShare',
    app: 'MegaShare',
    description: 'score 2.0',
  },
];

const imports: ImportFileRecord[] = [
  {
    file: 'DeviceNetworkEvents.csv',
    size: 1000,
    sha256: 'a'.repeat(64),
    format: 'defender-csv',
    rowsRead: 1300,
    rowsAccepted: 1234,
    rowsSkipped: 60,
    skipped: { inbound: 60 },
    rowsRejected: 6,
    rejections: [],
    rowsDuplicate: 0,
    firstEvent: T0,
    lastEvent: T0 + 86_400_000,
    alreadyImported: false,
  },
];

const base: IncidentReportInput = {
  stamp: { generatedAt: Date.UTC(2026, 9, 5, 9, 0, 0), generator: 'Cloudscope test' },
  reportName: 'Win10 Endpoint Users',
  window: { from: T0, to: T0 + 2 * 86_400_000 },
  tables,
  signals,
  imports,
  settings: { ...DEFAULT_SETTINGS, signalSeverity: 'High', warnBypassHours: 4 },
  catalogVersion: '2026.11.1',
};

const sectionOf = (html: string, heading: string) => {
  const start = html.indexOf(`<h2>${heading}`);
  expect(start, heading).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</section>', start));
};

describe('incident report', () => {
  const html = incidentReportHtml(base, barChartSvg);

  it('is one self-contained HTML file that fetches nothing', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script|<link|<iframe|\bsrc=["']?https?:|url\(/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
    expect((html.match(/<svg\b/g) ?? []).length).toBe(3);
  });

  it('escapes every piece of data it prints', () => {
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('opens with the report, window and generation time, and a summary in words', () => {
    expect(html).toContain('<title>Cloud app usage and risk — Win10 Endpoint Users</title>');
    expect(html).toContain('2026-10-01 08:00:00 UTC → 2026-10-03 08:00:00 UTC');
    expect(html).toContain('2026-10-05 09:00:00 UTC');
    const summary = sectionOf(html, 'Summary');
    expect(summary).toContain(
      '1 unsanctioned app(s) in use: <strong>MegaShare</strong> (100 transactions, 4 device(s))',
    );
    expect(summary).toContain('1 device(s) rated <strong>High</strong> risk.');
    expect(summary).toContain('3 signal(s): 1 High, 1 Medium, 1 Low.');
    expect(summary).toContain('↑ 7.5 GB · ↓ n/a');
  });

  it('lists unsanctioned usage, risky devices with reasons, and signals by severity', () => {
    const tagged = sectionOf(html, 'Unsanctioned and monitored apps in use');
    expect(tagged.indexOf('MegaShare')).toBeLessThan(tagged.indexOf('Dropbox'));
    expect(tagged).toContain('megashare.example');
    const devices = sectionOf(html, 'Risky devices');
    expect(devices).toContain('Uploaded 8 GB to MegaShare, 40× its usual');
    expect(devices.indexOf('LAPTOP-7')).toBeLessThan(devices.indexOf('DESKTOP-2'));
    expect(devices).not.toContain('KIOSK-1');
    const sig = sectionOf(html, 'Signals');
    const order = ['Upload spike', 'New risky app', 'New app'].map((t) => sig.indexOf(t));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('keeps noise out of the top apps and no-data apps out of the risky apps', () => {
    const top = sectionOf(html, 'Top apps');
    expect(top).not.toContain('Windows Update');
    expect(top).toContain('0.0 · no data');
    const risky = sectionOf(html, 'Risky apps in use');
    expect(risky).toContain('MegaShare');
    expect(risky).not.toContain('Nodata App');
  });

  it("counts apps by risk score in the dashboard's bands, no-data apps apart", () => {
    const drawn: { label: string; value: number }[][] = [];
    incidentReportHtml(base, (data, opts) => {
      drawn.push(data.map(({ label, value }) => ({ label, value })));
      return barChartSvg(data, opts);
    });
    const bands = drawn.find((d) => d.some((x) => x.label === 'No catalog data'));
    // MegaShare 2.04 is high risk, the test apps at 8 low; the unidentified one has no score.
    expect(bands?.slice(0, 3).map((b) => b.label)).toEqual(SCORE_BANDS.map((b) => b.label));
    expect(bands?.[0].value).toBe(1);
    expect(bands?.[3].value).toBe(1);
  });

  it('names the imports it rests on and the settings in force', () => {
    const data = sectionOf(html, 'Data this report rests on');
    expect(data).toContain('DeviceNetworkEvents.csv');
    expect(data).toContain('a'.repeat(64));
    expect(data).toContain('1,300');
    expect(data).toContain('1,234');
    const settings = sectionOf(html, 'Settings in force');
    expect(settings).toContain('On — unsanctioned apps Block, monitored apps Warn');
    expect(settings).toContain('<td>High</td>');
    expect(settings).toContain('<td>4 h</td>');
  });

  it('puts focus devices first, even when they are not risky, and leads with their signals', () => {
    const focused = incidentReportHtml({ ...base, focusDevices: ['abc123'] }, barChartSvg);
    expect(focused).toContain('Focus devices');
    const devices = sectionOf(focused, 'Focus devices and risky devices');
    expect(devices.indexOf('KIOSK-1')).toBeGreaterThan(0);
    expect(devices.indexOf('KIOSK-1')).toBeLessThan(devices.indexOf('LAPTOP-7'));
    const onLaptop = incidentReportHtml(
      { ...base, focusDevices: ['laptop-7'], signals: [...signals].reverse() },
      barChartSvg,
    );
    const sig = sectionOf(onLaptop, 'Signals');
    expect(sig.indexOf('Upload spike')).toBeLessThan(sig.indexOf('New risky app'));
  });

  it('says plainly what is missing instead of printing zeros', () => {
    const empty = incidentReportHtml(
      {
        ...base,
        tables: {
          apps: [],
          devices: [],
          users: [],
          ips: [],
          summary: { ...tables.summary, traffic: null, upload: null },
        },
        signals: [],
        imports: [],
      },
      barChartSvg,
    );
    expect(empty).toContain('No unsanctioned app was used in this window.');
    expect(empty).toContain('No signals were raised in this window.');
    expect(empty).toContain('No device risk levels were computed for this report.');
    expect(empty).toMatch(/Traffic<\/div><div class="kpi-value">n\/a/);
    expect((empty.match(/<svg\b/g) ?? []).length).toBe(0);
  });
});
