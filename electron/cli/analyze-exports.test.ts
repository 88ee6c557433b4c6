// analyze --tags/--export/--settings end to end in Node, on a real Squid sample.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { PAC_BLACKHOLE } from '../../shared/export/block-scripts';
import { INDICATOR_HEADER } from '../../shared/export/indicator-csv';
import { APPS_HEADER } from '../../shared/export/reports';
import { analyze, parseArgs, UsageError } from './analyze';

const SQUID = 'shared/formats/fixtures/squid/test-access-extensive.log';
const tmp = mkdtempSync(join(tmpdir(), 'cloudscope-exports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const csv = (p: string) => Papa.parse<string[]>(readFileSync(p, 'utf8'), { skipEmptyLines: true }).data;

async function run(out: string, extra: string[]) {
  const args = parseArgs([SQUID, '--out', out, '--quiet', ...extra]);
  if (args === 'help') throw new Error('unexpected help');
  return analyze(args);
}

const TAGS = file(
  'tags.csv',
  [
    'App,Tag',
    'GitHub,Unsanctioned',
    'example.com,Monitored',
    'httpbin.org,Unsanctioned',
    'Google Search,Sanctioned',
    'GitHub,Reviewed',
  ].join('\n'),
);

describe('analyze --tags --export', () => {
  it('tags apps from tags.csv and writes every export under <out>/exports', async () => {
    const out = join(tmp, 'a');
    const settings = file(
      's.json',
      JSON.stringify({ blockUnsanctionedApps: true, signalSeverity: 'High', warnBypassHours: 2 }),
    );
    const r = await run(out, [
      '--tags',
      TAGS,
      '--settings',
      settings,
      '--export',
      'indicators,bluecoat,squid,pac,domains,report',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.message).toMatch(/Tags: 5 row\(s\) from tags\.csv, 4 app\(s\) tagged\./);
    expect(r.message).toMatch(/Defender indicators: \d+ in 1 file\(s\)/);

    const apps = csv(join(out, 'apps.csv'));
    const tagsOf = (name: string) => apps.find((a) => a[0] === name)?.[APPS_HEADER.indexOf('Tags')];
    expect(tagsOf('GitHub')).toBe('Unsanctioned; Reviewed');
    expect(tagsOf('example.com')).toBe('Monitored');
    expect(tagsOf('httpbin.org')).toBe('Unsanctioned');
    expect(tagsOf('Google Search')).toBe('Sanctioned');

    expect(readdirSync(join(out, 'exports')).sort()).toEqual(
      [
        'bluecoat.txt',
        'domains.txt',
        'indicators-001.csv',
        'indicators-notes.txt',
        'proxy.pac',
        'report.html',
        'squid-acl.txt',
      ].sort(),
    );

    const ind = csv(join(out, 'exports', 'indicators-001.csv'));
    expect(ind[0]).toEqual([...INDICATOR_HEADER]);
    const byValue = new Map(ind.slice(1).map((row) => [row[1], row]));
    expect(byValue.get('github.com')?.slice(3, 6)).toEqual(['Block', 'High', 'Cloudscope: unsanctioned app GitHub']);
    expect(byValue.get('api.github.com')?.[3]).toBe('Block'); // seen in the traffic
    expect(byValue.get('httpbin.org')?.[3]).toBe('Block');
    expect(byValue.get('example.com')?.[3]).toBe('Warn');
    expect(byValue.get('example.com')?.[7]).toMatch(/bypass duration 2 h/);
    expect(byValue.has('www.google.com')).toBe(false);

    const pac = readFileSync(join(out, 'exports', 'proxy.pac'), 'utf8');
    const find = new Function('dnsDomainIs', `${pac}\nreturn FindProxyForURL;`)((h: string, d: string) =>
      h.endsWith(d),
    ) as (u: string, h: string) => string;
    expect(find('https://api.github.com/', 'api.github.com')).toBe(PAC_BLACKHOLE);
    expect(find('http://httpbin.org/get', 'httpbin.org')).toBe(PAC_BLACKHOLE);
    expect(find('https://www.google.com/', 'www.google.com')).toBe('DIRECT');
    expect(find('http://example.com/', 'example.com')).toBe('DIRECT');

    const squid = readFileSync(join(out, 'exports', 'squid-acl.txt'), 'utf8');
    expect(squid).toContain('acl cloudscope_unsanctioned dstdomain .httpbin.org');
    expect(squid.trim().split('\n').at(-1)).toBe('http_access deny cloudscope_unsanctioned');
    expect(readFileSync(join(out, 'exports', 'bluecoat.txt'), 'utf8')).toContain('  url.domain=github.com deny');
    const domains = readFileSync(join(out, 'exports', 'domains.txt'), 'utf8').split('\n');
    expect(domains).toContain('httpbin.org');
    expect(domains[0]).toMatch(/^# /);

    const html = readFileSync(join(out, 'exports', 'report.html'), 'utf8');
    expect(html).toContain('test-access-extensive.log');
    expect(html).toContain('<strong>GitHub</strong>');
    expect(html).toMatch(/Signal severity \(sent to Defender for Endpoint\)<\/th><td>High/);
  });

  it('writes Audit indicators when blocking is off, and an evidence bundle with the tag audit log', async () => {
    const out = join(tmp, 'b');
    const settings = file('off.json', JSON.stringify({ blockUnsanctionedApps: false, signalSeverity: 'Low' }));
    await run(out, ['--tags', TAGS, '--settings', settings, '--export', 'indicators,bundle']);
    const rows = csv(join(out, 'exports', 'indicators-001.csv')).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.slice(3, 5)).toEqual(['Audit', 'Low']);
    const zip = unzipSync(readFileSync(join(out, 'exports', 'evidence.zip')));
    expect(Object.keys(zip)).toEqual(
      expect.arrayContaining(['report.html', 'apps.csv', 'audit-log.csv', 'imports.json']),
    );
    const audit = Papa.parse<string[]>(strFromU8(zip['audit-log.csv']), { skipEmptyLines: true }).data;
    expect(audit).toHaveLength(6);
    expect(audit[1].slice(1, 4)).toEqual(['analyze --tags tags.csv', 'tag-change', 'github']);
    expect(existsSync(join(out, 'exports', 'report.html'))).toBe(false);
  });

  it('splits past 500 indicators and leaves no stale file from a bigger earlier run', async () => {
    const out = join(tmp, 'c');
    const many = file(
      'many.csv',
      ['App,Tag', ...Array.from({ length: 600 }, (_, i) => `site${i}-share.com,Unsanctioned`)].join('\n'),
    );
    await run(out, ['--tags', many, '--export', 'indicators']);
    const names = () =>
      readdirSync(join(out, 'exports'))
        .filter((n) => n.endsWith('.csv'))
        .sort();
    expect(names()).toEqual(['indicators-001.csv', 'indicators-002.csv']);
    expect(csv(join(out, 'exports', 'indicators-001.csv'))).toHaveLength(501);
    expect(csv(join(out, 'exports', 'indicators-002.csv'))).toHaveLength(101);
    await run(out, ['--tags', TAGS, '--export', 'indicators']);
    expect(names()).toEqual(['indicators-001.csv']);
  });

  it('says what was left out, and refuses bad --export and --tags input', async () => {
    const out = join(tmp, 'd');
    const ms = file('ms.csv', 'App,Tag\nWindows Update,Unsanctioned\nAzure Storage,Unsanctioned\n');
    const r = await run(out, ['--tags', ms, '--export', 'indicators']);
    expect(r.message).toMatch(
      /left out \(\d+ Microsoft, security and infrastructure services that are never blocked\)/,
    );
    expect(readFileSync(join(out, 'exports', 'indicators-notes.txt'), 'utf8')).toMatch(
      /blob\.core\.windows\.net .*never blocked/,
    );
    expect(() => parseArgs([SQUID, '--out', out, '--export', 'indicators,firewall'])).toThrow(UsageError);
    expect(() => parseArgs([SQUID, '--out', out, '--export', 'indicators,firewall'])).toThrow(/known: indicators/);
    await expect(run(out, ['--tags', file('bad.csv', 'Name,Label\nx,y\n')])).rejects.toThrow(/header "App,Tag"/);
    await expect(run(out, ['--tags', join(tmp, 'missing.csv')])).rejects.toThrow(UsageError);
  });
});
