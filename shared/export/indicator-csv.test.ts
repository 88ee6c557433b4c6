import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../catalog/builtin';
import { customAppId, loadCatalog } from '../catalog/loader';
import { applyTagChange, type TagState } from '../catalog/tags';
import { DEFAULT_SETTINGS, SEVERITIES } from '../domain/settings';
import { checkBlockDomain, planBlocking } from './block-plan';
import {
  INDICATOR_HEADER,
  type IndicatorOptions,
  indicatorFiles,
  indicatorTime,
  MAX_INDICATOR_ROWS,
} from './indicator-csv';
import type { ExportFile } from './types';

const catalog = loadCatalog(BUILTIN_CATALOG, []);
const stamp = { generatedAt: Date.UTC(2026, 9, 5, 8, 30, 0), generator: 'Cloudscope test' };

function tagAll(keys: string[], t: string, start: TagState = {}): TagState {
  return applyTagChange(start, { appIds: keys, add: [t], who: 't', when: 0 }).state;
}

function parse(f: ExportFile): string[][] {
  expect(typeof f.content).toBe('string');
  const r = Papa.parse<string[]>(f.content as string, { skipEmptyLines: true });
  expect(r.errors).toEqual([]);
  return r.data;
}

/** Every rule the portal import and the issue set on an indicator row. */
function checkRow(row: string[], opts: IndicatorOptions) {
  const col = (name: (typeof INDICATOR_HEADER)[number]) => row[INDICATOR_HEADER.indexOf(name)];
  expect(row).toHaveLength(INDICATOR_HEADER.length);
  expect(col('IndicatorType')).toBe('DomainName');
  const value = col('IndicatorValue');
  expect(checkBlockDomain(value)).toEqual({ ok: true, domain: value });
  expect(value).not.toMatch(/[/*:\s]/);
  expect(value).not.toMatch(/^\d+(\.\d+){3}$/);
  expect(col('ExpirationTime')).toMatch(opts.expiresAt == null ? /^$/ : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0Z$/);
  expect(['Block', 'Warn', 'Audit']).toContain(col('Action'));
  if (!opts.settings.blockUnsanctionedApps) expect(col('Action')).toBe('Audit');
  expect(SEVERITIES).toContain(col('Severity'));
  expect(col('Severity')).toBe(opts.settings.signalSeverity);
  expect(col('Title')).toMatch(/^Cloudscope: (unsanctioned|monitored) app .+/);
  expect(col('Description').length).toBeGreaterThan(20);
  expect(col('Description')).toContain(value);
  expect(['true', 'false']).toContain(col('GenerateAlert'));
  if (col('Action') === 'Audit') expect(col('GenerateAlert')).toBe('true');
}

describe('Defender indicator CSV', () => {
  const settings = { ...DEFAULT_SETTINGS, blockUnsanctionedApps: true, signalSeverity: 'High' as const };

  it('writes the exact header, Block for unsanctioned and Warn for monitored apps, and names the app and why', () => {
    const tags = tagAll(['wetransfer'], 'Monitored', tagAll(['dropbox'], 'Unsanctioned'));
    const plan = planBlocking({ catalog, tags });
    const opts: IndicatorOptions = { settings, stamp, expiresAt: Date.UTC(2026, 11, 31, 23, 59, 59) };
    const files = indicatorFiles(plan, opts);
    expect(files.map((f) => f.name)).toEqual(['indicators-001.csv', 'indicators-notes.txt']);
    const text = files[0].content as string;
    expect(text.split('\r\n')[0]).toBe(
      'IndicatorType,IndicatorValue,ExpirationTime,Action,Severity,Title,Description,RecommendedActions,RbacGroups,Category,MitreTechniques,GenerateAlert',
    );
    const rows = parse(files[0]);
    expect(rows[0]).toEqual([...INDICATOR_HEADER]);
    for (const r of rows.slice(1)) checkRow(r, opts);
    const byValue = new Map(rows.slice(1).map((r) => [r[1], r]));
    expect(byValue.get('dropbox.com')?.[3]).toBe('Block');
    expect(byValue.get('dropbox.com')?.[2]).toBe('2026-12-31T23:59:59.0Z');
    expect(byValue.get('dropbox.com')?.[5]).toBe('Cloudscope: unsanctioned app Dropbox');
    expect(byValue.get('dropbox.com')?.[6]).toMatch(
      /^Dropbox \(Cloud storage\) is tagged Unsanctioned in Cloudscope; dropbox\.com is a domain of the app/,
    );
    expect(byValue.get('we.tl')?.[3]).toBe('Warn');
    expect(byValue.get('we.tl')?.[7]).toMatch(/bypass duration 1 h/);
  });

  it('makes every indicator Audit when "Block unsanctioned apps" is off', () => {
    const plan = planBlocking({ catalog, tags: tagAll(['dropbox'], 'Unsanctioned') });
    const opts: IndicatorOptions = {
      settings: { ...settings, blockUnsanctionedApps: false, signalSeverity: 'Low' },
      stamp,
      generateAlert: false,
    };
    const rows = parse(indicatorFiles(plan, opts)[0]).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      checkRow(r, opts);
      expect(r[3]).toBe('Audit');
      expect(r[4]).toBe('Low');
    }
  });

  it('splits past 500 rows into numbered files, every file within the limit, every domain once', () => {
    const keys = Array.from({ length: 1234 }, (_, i) => `?site${String(i).padStart(4, '0')}.example`);
    const plan = planBlocking({
      catalog,
      tags: tagAll(keys.slice(1000), 'Monitored', tagAll(keys.slice(0, 1000), 'Unsanctioned')),
    });
    expect(plan.entries).toHaveLength(1234);
    const opts: IndicatorOptions = { settings, stamp };
    const files = indicatorFiles(plan, opts);
    const csvs = files.filter((f) => f.name.endsWith('.csv'));
    expect(csvs.map((f) => f.name)).toEqual(['indicators-001.csv', 'indicators-002.csv', 'indicators-003.csv']);
    const values: string[] = [];
    for (const f of csvs) {
      const rows = parse(f);
      expect(rows[0]).toEqual([...INDICATOR_HEADER]);
      expect(rows.length - 1).toBeLessThanOrEqual(MAX_INDICATOR_ROWS);
      for (const r of rows.slice(1)) {
        checkRow(r, opts);
        values.push(r[1]);
      }
    }
    expect(values).toHaveLength(1234);
    expect(new Set(values).size).toBe(1234);
    expect(parse(csvs[2]).length - 1).toBe(234);
    // A smaller batch size is honoured, a larger one is not.
    expect(indicatorFiles(plan, { ...opts, rowsPerFile: 100 }).filter((f) => f.name.endsWith('.csv'))).toHaveLength(13);
    expect(indicatorFiles(plan, { ...opts, rowsPerFile: 5000 }).filter((f) => f.name.endsWith('.csv'))).toHaveLength(3);
  });

  it('writes one header-only file when nothing is to be blocked', () => {
    const files = indicatorFiles(planBlocking({ catalog, tags: {} }), { settings, stamp });
    expect(parse(files[0])).toEqual([[...INDICATOR_HEADER]]);
    expect(files[1].content).toMatch(/Indicators: 0\./);
  });

  it('neutralises spreadsheet formulas in app names and device groups', () => {
    const evil = {
      name: "=cmd|' /C calc'!A0",
      domains: ['evil-sync.example'],
      ips: [],
      category: 'Cloud storage',
      notes: '',
    };
    const cat = loadCatalog(BUILTIN_CATALOG, [evil]);
    const plan = planBlocking({ catalog: cat, tags: tagAll([customAppId(evil)], 'Unsanctioned') });
    const files = indicatorFiles(plan, { settings, stamp, rbacGroups: ['@admins', '+ops', '-x', '\tTab'] });
    const [, row] = parse(files[0]);
    expect(row[1]).toBe('evil-sync.example');
    expect(row[6].startsWith("'=cmd")).toBe(true);
    expect(row[8].startsWith("'@admins")).toBe(true);
    for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('lists what was left out, and why, in the notes beside the files', () => {
    const plan = planBlocking({ catalog, tags: tagAll(['azure-storage', 'windows-update'], 'Unsanctioned') });
    const notes = indicatorFiles(plan, { settings, stamp }).at(-1);
    expect(notes?.name).toBe('indicators-notes.txt');
    const text = notes?.content as string;
    expect(text).toMatch(/generated by Cloudscope test at 2026-10-05T08:30:00Z/);
    expect(text).toMatch(/tag state [0-9a-f]{12} — 2 unsanctioned app\(s\)/);
    expect(text).toMatch(/blob\.core\.windows\.net .*never blocked: Microsoft Defender for Endpoint/);
    expect(text).toMatch(/windowsupdate\.com .*infrastructure service/);
  });

  it('formats expiry times as the import documents', () => {
    expect(indicatorTime(Date.UTC(2027, 0, 2, 3, 4, 5, 678))).toBe('2027-01-02T03:04:05.0Z');
  });
});
