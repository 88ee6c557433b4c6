import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltinFormats } from '../formats/index';
import { previewFile } from './preview';

beforeAll(() => registerBuiltinFormats());
const PLASO = readFileSync('shared/formats/fixtures/defender/plaso/advanced_hunting_test.csv');

describe('import preview', () => {
  it('detects the format from a prefix and shows normalized rows and what the source lacks', async () => {
    const r = await previewFile({ name: 'x.csv', head: PLASO.subarray(0, 60_000) });
    expect(r.format?.id).toBe('defender-csv');
    expect(r.events.length).toBeGreaterThan(0);
    expect(r.events[0].deviceName).toBe('test-hostname');
    expect(r.missing).toContain('bytesUp');
  });
  it('says when the first rows hold times without a zone, read in the chosen one', async () => {
    const enc = new TextEncoder();
    const preview = (text: string, timeZone?: string) =>
      previewFile({ name: 'x.csv', head: enc.encode(text), whole: true, timeZone });
    const csv = (time: string, header = 'Timestamp') =>
      `${header},DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl\n${time},d1,pc1,ConnectionSuccess,52.1.1.1,443,www.dropbox.com\n`;
    // The portal's export says UTC on every row; Sentinel's says it in the header.
    expect((await preview(PLASO.toString('utf8'))).localTimes).toBe(false);
    expect((await preview(csv('2026-10-05T23:59:59.1234567Z'))).localTimes).toBe(false);
    expect((await preview(csv('2026-10-05T23:59:59+02:00'))).localTimes).toBe(false);
    expect((await preview(csv('"10/5/2026, 11:59:59.123 PM"', 'TimeGenerated [UTC]'))).localTimes).toBe(false);
    // What a spreadsheet or PowerShell writes: local time, read in the zone asked for.
    const local = await preview(csv('2026-10-05 23:59:59'), 'Europe/Berlin');
    expect(local.localTimes).toBe(true);
    expect(local.events[0].time).toBe(Date.UTC(2026, 9, 5, 21, 59, 59));
    expect((await preview(csv('05.10.2026 23:59'))).localTimes).toBe(true);
    // Dates like 05/10/2026: how they were read, as asked.
    expect((await preview(csv('2026-10-05T23:59:59Z'))).slashDates).toBeNull();
    const slashed = csv('05/10/2026 23:59:59');
    const unsure = await preview(slashed);
    expect([unsure.slashDates, unsure.slashDatesUnsure]).toEqual(['month-first', true]);
    const us = await preview(csv('"10/25/2026, 11:59:59 PM"'));
    expect([us.slashDates, us.slashDatesUnsure]).toEqual(['month-first', false]);
    const told = await previewFile({ name: 'x.csv', head: enc.encode(slashed), whole: true, slashDates: 'day-first' });
    expect([told.slashDates, told.slashDatesUnsure, told.events[0].time]).toEqual([
      'day-first',
      false,
      Date.UTC(2026, 9, 5, 23, 59, 59),
    ]);
    // A format that always logs local time.
    const panos = readFileSync('shared/formats/fixtures/panos/webui-traffic-export.csv');
    const p = await previewFile({ name: 'traffic.csv', head: panos, whole: true });
    expect([p.format?.id, p.format?.usesLocalTime, p.localTimes]).toEqual(['panos', true, true]);
  });

  it("offers the headers after PowerShell's #TYPE line", async () => {
    const text =
      '#TYPE System.Management.Automation.PSCustomObject\r\n"when";"src";"dest_host"\r\n"2024-03-01 10:00:00";"10.0.0.5";"www.dropbox.com"\r\n';
    const r = await previewFile({ name: 'gw.csv', head: new TextEncoder().encode(text), whole: true });
    expect(r.format).toBeNull();
    expect(r.headers).toEqual(['when', 'src', 'dest_host']);
  });

  it('offers the headers the custom CSV parser splits: pipes, and delimiters inside quotes not counted', async () => {
    // Before, the preview counted delimiters its own way: a pipe-separated file offered no headers to map, and a
    // quoted header name holding tabs split where the parser does not.
    const piped = 'when|src|dest_host|sent\n2024-03-01T10:00:00Z|10.0.0.5|www.dropbox.com|1200\n';
    const p = await previewFile({ name: 'gw.txt', head: new TextEncoder().encode(piped), whole: true });
    expect(p.headers).toEqual(['when', 'src', 'dest_host', 'sent']);
    const mapped = await previewFile({
      name: 'gw.txt',
      head: new TextEncoder().encode(piped),
      whole: true,
      formatId: 'custom-csv',
      mapping: { columns: { time: 'when', localIp: 'src', host: 'dest_host', bytesUp: 'sent' } },
    });
    expect(mapped.events[0]).toMatchObject({ host: 'www.dropbox.com', localIp: '10.0.0.5', bytesUp: 1200 });
    const quoted = '"a\tb\tc",src,dest\n1,10.0.0.5,x.example\n';
    const q = await previewFile({ name: 'q.csv', head: new TextEncoder().encode(quoted), whole: true });
    expect(q.headers).toEqual(['a\tb\tc', 'src', 'dest']);
    const none = await previewFile({
      name: 'n.txt',
      head: new TextEncoder().encode('just words\nmore words\n'),
      whole: true,
    });
    expect(none.headers).toBeNull();
  });

  it('reads a gzip prefix', async () => {
    const gz = gzipSync(PLASO);
    const r = await previewFile({ name: 'x.csv.gz', head: gz.subarray(0, Math.min(gz.length, 20_000)) });
    expect(r.compressed).toBe('gzip');
    expect(r.format?.id).toBe('defender-csv');
  });
  it('offers headers and a mapping for an unknown CSV, and previews it with that mapping', async () => {
    const csv = 'when,src,dest_host,sent,received,who\n2024-03-01T10:00:00Z,10.0.0.5,www.dropbox.com,1200,5000,alice\n';
    const r = await previewFile({ name: 'custom.csv', head: new TextEncoder().encode(csv) });
    expect(r.format).toBeNull();
    expect(r.headers).toEqual(['when', 'src', 'dest_host', 'sent', 'received', 'who']);
    const mapped = await previewFile({
      name: 'custom.csv',
      head: new TextEncoder().encode(csv),
      formatId: 'custom-csv',
      mapping: {
        columns: {
          time: 'when',
          localIp: 'src',
          host: 'dest_host',
          bytesUp: 'sent',
          bytesDown: 'received',
          user: 'who',
        },
      },
    });
    expect(mapped.events[0]).toMatchObject({
      host: 'www.dropbox.com',
      bytesUp: 1200,
      bytesDown: 5000,
      user: 'alice',
      localIp: '10.0.0.5',
    });
  });
  it('keeps the last line of a whole file without a line break after it, and drops the cut one of a prefix', async () => {
    const csv = 'when,src,dest_host,sent,received,who\n2024-03-01T15:00:00Z,10.0.0.8,www.box.com,700,100,dave';
    const opts = {
      name: 'custom.csv',
      head: new TextEncoder().encode(csv),
      formatId: 'custom-csv' as const,
      mapping: { columns: { time: 'when', host: 'dest_host' } },
    };
    expect((await previewFile({ ...opts, whole: true })).events.map((e) => e.host)).toEqual(['www.box.com']);
    expect((await previewFile(opts)).events).toEqual([]);
  });
});
