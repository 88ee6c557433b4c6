// The analyze command end to end in Node, over fake-indexeddb, on real samples.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { APPS_HEADER, DEVICES_HEADER, IPS_HEADER, SIGNALS_HEADER, USERS_HEADER } from '../../shared/export/reports';
import { writeWorkbookOf } from '../../shared/formats/testing/workbook';
import { analyze, parseArgs, UsageError } from './analyze';

const FX = 'shared/formats/fixtures';
const PLASO = `${FX}/defender/plaso/advanced_hunting_test.csv`;
const PLASO_BOM = `${FX}/defender/plaso/advanced_hunting_test_002.csv`;
const SQUID = `${FX}/squid/test-access-extensive.log`;
const tmp = mkdtempSync(join(tmpdir(), 'cloudscope-analyze-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
async function run(inputs: string[], extra: string[] = []) {
  const out = join(tmp, `out-${n++}`);
  const args = parseArgs([...inputs, '--out', out, '--quiet', ...extra]);
  if (args === 'help') throw new Error('unexpected help');
  const r = await analyze(args);
  const csv = (f: string) =>
    Papa.parse<string[]>(readFileSync(join(out, f), 'utf8').trim(), { skipEmptyLines: true }).data;
  const json = (f: string) => JSON.parse(readFileSync(join(out, f), 'utf8'));
  return { r, out, csv, json };
}

describe('analyze', () => {
  it('writes every report with exactly the contracted headers', async () => {
    const { r, csv } = await run([PLASO]);
    expect(r.exitCode).toBe(0);
    expect(csv('apps.csv')[0]).toEqual([...APPS_HEADER]);
    expect(csv('devices.csv')[0]).toEqual([...DEVICES_HEADER]);
    expect(csv('users.csv')[0]).toEqual([...USERS_HEADER]);
    expect(csv('ips.csv')[0]).toEqual([...IPS_HEADER]);
    expect(csv('signals.csv')[0]).toEqual([...SIGNALS_HEADER]);
    expect(APPS_HEADER.join(',')).toBe(
      'App,Category,Score,Tags,Transactions,Users,IP addresses,Devices,Traffic,Upload,Download,First seen,Last seen,Domains',
    );
    expect(DEVICES_HEADER.join(',')).toBe(
      'Device,Device ID,Risk level,Transactions,Traffic,Upload,Download,Apps,Users,IP addresses,First seen,Last seen,Reasons',
    );
  });

  it('accounts for every row and keeps numbers consistent across reports', async () => {
    const { csv, json } = await run([PLASO]);
    const [imp] = json('imports.json');
    expect(imp.format).toBe('defender-csv');
    expect(imp.rowsRead).toBe(129);
    expect(imp.rowsRead).toBe(imp.rowsAccepted + imp.rowsSkipped + imp.rowsRejected);
    expect(Object.values(imp.skipped as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(imp.rowsSkipped);
    expect(imp.sha256).toMatch(/^[0-9a-f]{64}$/);
    const summary = json('summary.json');
    expect(summary.transactions).toBe(imp.rowsAccepted);
    const apps = csv('apps.csv').slice(1);
    const col = (rows: string[][], header: readonly string[], name: string) => rows.map((r) => r[header.indexOf(name)]);
    expect(col(apps, APPS_HEADER, 'Transactions').reduce((a, b) => a + Number(b), 0)).toBe(summary.transactions);
    const devices = csv('devices.csv').slice(1);
    expect(devices).toHaveLength(1);
    expect(devices[0][0]).toBe('test-hostname');
    expect(devices[0][1]).toBe('jhdfaiouiuv4584fgasd64h5s4ghs54afd45gadf6');
    expect(Number(devices[0][3])).toBe(summary.transactions);
    for (const t of col(apps, APPS_HEADER, 'First seen')) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Endpoint events carry no bytes except inspected connections; unknown stays empty, never 0.
    const traffic = col(apps, APPS_HEADER, 'Traffic');
    expect(traffic.some((t) => t === '')).toBe(true);
  });

  it('says which files had times without a zone, and the zone they were read in', async () => {
    const local = join(tmp, 'hunt-local.csv');
    writeFileSync(
      local,
      'Timestamp;DeviceId;DeviceName;ActionType;RemoteIP;RemotePort;RemoteUrl\n2026-10-05 23:59:59;d1;pc1;ConnectionSuccess;52.1.1.1;443;www.dropbox.com\n',
    );
    const { r, json } = await run([PLASO, local], ['--tz', 'Europe/Berlin']);
    const [portal, hunt] = json('imports.json');
    expect([portal.timeZone, hunt.timeZone]).toEqual([null, 'Europe/Berlin']);
    expect(hunt.firstEvent).toBe('2026-10-05T21:59:59Z');
    expect(r.message).toContain('hunt-local.csv: its times carry no time zone, read as Europe/Berlin');
    expect(r.message).not.toContain('advanced_hunting_test.csv: its times');
  });

  it('reads dates like 05/10/2026 as --date-order says, and says how it read them when not told', async () => {
    const hunt = join(tmp, 'hunt-slashes.csv');
    writeFileSync(
      hunt,
      'Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl\n05/10/2026 23:59:59,d1,pc1,ConnectionSuccess,52.1.1.1,443,www.dropbox.com\n',
    );
    const auto = await run([hunt]);
    expect(auto.json('imports.json')[0].firstEvent).toBe('2026-05-10T23:59:59Z');
    expect(auto.r.message).toContain(
      'hunt-slashes.csv: dates like 05/10/2026 read month first: its first rows show no day over 12 (--date-order dmy',
    );
    const dmy = await run([hunt], ['--date-order', 'dmy']);
    expect(dmy.json('imports.json')[0].firstEvent).toBe('2026-10-05T23:59:59Z');
    expect(dmy.r.message).not.toContain('dates like');
    expect(() => parseArgs([hunt, '--out', tmp, '--date-order', 'ymd'])).toThrow(
      '--date-order: "ymd" is neither dmy nor mdy',
    );
  });

  it('reads the BOM variant identically and de-duplicates overlapping partial exports', async () => {
    const { json } = await run([PLASO, PLASO_BOM]);
    const [a, b] = json('imports.json');
    expect(b.rowsRead).toBe(a.rowsRead);
    // Same events (same DeviceId|Timestamp|ReportId) in the second export add nothing.
    expect(json('summary.json').transactions).toBe(a.rowsAccepted);
    expect(b.rowsAccepted).toBe(0);
    expect(b.rowsDuplicate).toBe(a.rowsAccepted);
  });

  it('imports the same file twice as a no-op', async () => {
    const one = await run([PLASO]);
    const twice = await run([PLASO, PLASO]);
    expect(twice.json('summary.json')).toEqual(one.json('summary.json'));
    expect(twice.json('imports.json')[1].alreadyImported).toBe(true);
  });

  it('reads gzip input and reports proxy bytes and users', async () => {
    const gz = join(tmp, 'squid.log.gz');
    writeFileSync(gz, gzipSync(readFileSync(SQUID)));
    const plain = await run([SQUID]);
    const zipped = await run([gz]);
    expect(zipped.json('summary.json')).toEqual(plain.json('summary.json'));
    const s = plain.json('summary.json');
    expect(s.download).toBeGreaterThan(0);
    expect(s.transactions).toBeGreaterThan(0);
  });

  it('reads an Advanced Hunting workbook as the CSV it was saved from (SheetJS loaded on demand)', async () => {
    const xlsx = join(tmp, 'hunt.xlsx');
    writeWorkbookOf(PLASO, xlsx);
    const fromCsv = await run([PLASO]);
    const fromXlsx = await run([xlsx]);
    expect(fromXlsx.json('imports.json')[0].format).toBe('defender-xlsx');
    expect(fromXlsx.json('summary.json')).toEqual(fromCsv.json('summary.json'));
    for (const f of ['apps.csv', 'devices.csv', 'users.csv', 'ips.csv'])
      expect(fromXlsx.csv(f)).toEqual(fromCsv.csv(f));
    expect(fromCsv.json('summary.json').transactions).toBeGreaterThan(0);
  });

  it('reports an unreadable file and imports the rest; fails only when nothing could be read', async () => {
    const junk = join(tmp, 'junk.bin');
    writeFileSync(junk, 'this is not telemetry\nat all\n');
    const mixed = await run([SQUID, junk]);
    expect(mixed.r.exitCode).toBe(0);
    const files = mixed.json('imports.json');
    const bad = files.find((f: { file: string }) => f.file === 'junk.bin');
    expect(bad.format).toBe('unknown');
    expect(mixed.r.message).toContain('junk.bin');
    await expect(run([junk])).rejects.toThrow(/Unknown format/);
  });

  it('reads a CSV no format knows with --map, and suggests the --map its header gives when told nothing', async () => {
    const gw = join(tmp, 'gateway.csv');
    writeFileSync(
      gw,
      [
        'when,src_ip,who,dest,sent,received',
        '2026-10-01 10:00:00,10.0.0.5,alice,https://www.dropbox.com/x,1200,5400',
        '2026-10-01 11:00:00,10.0.0.6,bob,https://drive.google.com/y,100,200',
      ].join('\n'),
    );
    // Unknown: the failure says which --map the header suggests ('dest' is no name it knows: not in it).
    const unknown = run([gw]);
    await expect(unknown).rejects.toThrow(/Unknown format/);
    const hint = await unknown.catch((e: { hint?: string }) => e.hint);
    expect(hint).toBe(
      'gateway.csv: its header suggests --map time=when,localIp=src_ip,bytesUp=sent,bytesDown=received (check the columns, then run again with it)',
    );
    // Beside a file it can read, the same suggestion is a line of the summary.
    const mixed = await run([gw, SQUID]);
    expect(mixed.r.message).toContain('gateway.csv: its header suggests --map time=when,');
    const mapped = await run(
      [gw],
      ['--map', 'time=when,localIp=src_ip,user=who,url=dest,bytesUp=sent,bytesDown=received'],
    );
    expect(mapped.r.exitCode).toBe(0);
    expect(mapped.json('imports.json')[0]).toMatchObject({ format: 'custom-csv', rowsAccepted: 2, rowsRejected: 0 });
    const apps = mapped.csv('apps.csv');
    const dropbox = apps.find((r) => r[0] === 'Dropbox');
    expect(dropbox?.slice(4, 11)).toEqual(['1', '1', '1', '1', '6600', '1200', '5400']);
    expect(mapped.csv('users.csv').map((r) => r[0])).toEqual(['User', 'alice', 'bob']);
    // A column the header lacks, a field that is none, no time, another format: usage errors that say what to do.
    await expect(run([gw], ['--map', 'time=when,url=destination'])).rejects.toThrow(
      /no column "destination" \(its columns: when, src_ip, who, dest, sent, received\)/,
    );
    expect(() => parseArgs([gw, '--out', 'o', '--map', 'time=when,site=dest'])).toThrow(/"site" is not a field/);
    expect(() => parseArgs([gw, '--out', 'o', '--map', 'url=dest'])).toThrow(/needs the time column/);
    expect(() => parseArgs([gw, '--out', 'o', '--map', 'time=when', '--format', 'squid'])).toThrow(
      /cannot go with --format squid/,
    );
  });

  it('narrows the window with --from/--to', async () => {
    const all = await run([PLASO]);
    const narrow = await run([PLASO], ['--from', '2023-12-21T19:00:00Z', '--to', '2023-12-21T21:00:00Z']);
    expect(narrow.json('summary.json').transactions).toBeLessThan(all.json('summary.json').transactions);
    expect(narrow.json('summary.json').firstEvent >= '2023-12-21T19:00:00Z').toBe(true);
  });

  it('rejects bad arguments with a message that says what to do', () => {
    expect(() => parseArgs(['x.csv'])).toThrow(UsageError);
    expect(() => parseArgs(['x.csv', '--out', 'o', '--tz', 'Mars/Olympus'])).toThrow(/IANA time zone/);
    expect(() => parseArgs(['x.csv', '--out', 'o', '--from', 'yesterday'])).toThrow(/ISO 8601/);
    expect(parseArgs(['--help'])).toBe('help');
  });
});
