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
