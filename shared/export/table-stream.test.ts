import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { type Cell, toCsv } from './csv';
import { csvChunks, csvStream, jsonStream, toJsonTable } from './table-stream';

const HEADER = ['Device', 'User', 'Transactions', 'Upload', 'Note'];
const ROWS: Cell[][] = [
  ['LAPTOP-1', 'alice@corp.example', 12, 1024, 'plain'],
  ['=cmd|" /C calc"!A0', '+SUM(A1:A9)', -5, null, '-2+3'],
  ['@import', '\tTab', 0, undefined, '\rCR first'],
  ['comma, inside', 'quote " inside', 1.5, Number.NaN, 'line\nbreak'],
  ['ünïcødé ✓', '', 3, 0, '"=quoted formula"'],
];

async function readAll(s: ReadableStream<Uint8Array>): Promise<string> {
  // ignoreBOM keeps the BOM in the text, so the test sees exactly the bytes a file would hold.
  const dec = new TextDecoder('utf-8', { ignoreBOM: true });
  let out = '';
  for await (const chunk of s as unknown as AsyncIterable<Uint8Array>) out += dec.decode(chunk, { stream: true });
  return out + dec.decode();
}

describe('streaming table exports', () => {
  it('streams byte-for-byte what toCsv writes, across chunk boundaries, with and without BOM', async () => {
    for (const bom of [false, true]) {
      const streamed = await readAll(csvStream(HEADER, ROWS, { bom, chunkRows: 2 }));
      expect(streamed).toBe(toCsv(HEADER, ROWS, { bom }));
      expect(streamed.startsWith('\uFEFF')).toBe(bom);
    }
  });

  it('round-trips through PapaParse, every cell intact or neutralised', async () => {
    const text = await readAll(csvStream(HEADER, ROWS, { bom: true, chunkRows: 1 }));
    const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data[0]).toEqual(HEADER);
    expect(parsed.data[1]).toEqual(['LAPTOP-1', 'alice@corp.example', '12', '1024', 'plain']);
    expect(parsed.data[4]).toEqual(['comma, inside', 'quote " inside', '1.5', '', 'line\nbreak']);
    expect(parsed.data[5]).toEqual(['ünïcødé ✓', '', '3', '0', '"=quoted formula"']);
  });

  it.each([
    ['=', '=1+1'],
    ['+', '+1+1'],
    ['-', '-1+1'],
    ['@', '@SUM(A1)'],
    ['tab', '\t=1+1'],
    ['CR', '\r=1+1'],
  ])('neutralises a text cell starting with %s', async (_, value) => {
    const text = await readAll(csvStream(['A'], [[value]]));
    const cell = Papa.parse<string[]>(text, { skipEmptyLines: true }).data[1][0];
    expect(cell).toBe(`'${value}`);
  });

  it('writes negative numbers as numbers, and unknown as empty', async () => {
    const text = await readAll(csvStream(['n', 'u', 'nan'], [[-5, null, Number.NaN]]));
    expect(text.split('\r\n')[1]).toBe('-5,,');
  });

  it('streams JSON as an array of objects keyed by the header, null for unknown', async () => {
    const text = await readAll(jsonStream(HEADER, ROWS, { chunkRows: 2 }));
    const data = JSON.parse(text);
    expect(data).toHaveLength(ROWS.length);
    expect(data[0]).toEqual({
      Device: 'LAPTOP-1',
      User: 'alice@corp.example',
      Transactions: 12,
      Upload: 1024,
      Note: 'plain',
    });
    expect(data[1].Upload).toBeNull();
    expect(data[1].Device).toBe('=cmd|" /C calc"!A0');
    expect(data[3].Upload).toBeNull();
    expect(data[3].Note).toBe('line\nbreak');
    expect(JSON.parse(await readAll(jsonStream(HEADER, [])))).toEqual([]);
    expect(JSON.parse(toJsonTable(HEADER, ROWS))).toEqual(data);
  });

  it('takes async row sources and stops producing when the consumer cancels', async () => {
    let produced = 0;
    async function* rows() {
      for (let i = 0; i < 1_000_000; i++) {
        produced++;
        yield [i] as Cell[];
      }
    }
    const reader = csvStream(['i'], rows(), { chunkRows: 100 }).getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    expect(produced).toBeLessThan(1000);
  });

  it('exports a million rows in bounded memory', async () => {
    const N = 1_000_000;
    function* rows(): Generator<Cell[]> {
      for (let i = 0; i < N; i++) {
        yield [
          `DEVICE-${i}.corp.example`,
          `user${i % 5000}@corp.example`,
          i,
          i % 7 === 0 ? null : i * 13,
          `=HYPERLINK("http://x.example/${i}")`,
          '2026-10-01T02:53:02Z',
        ];
      }
    }
    const before = process.memoryUsage().rss;
    let peak = before;
    let bytes = 0;
    let lines = 0;
    let chunks = 0;
    for await (const chunk of csvStream(
      ['Device', 'User', 'N', 'Upload', 'Link', 'Time'],
      rows(),
    ) as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (let j = 0; j < chunk.length; j++) if (chunk[j] === 10) lines++;
      if (++chunks % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(lines).toBe(N + 1);
    // About 100 MB of CSV went through; holding it (as UTF-16 text and bytes) would add well over 200 MB.
    expect(bytes).toBeGreaterThan(90_000_000);
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`1M-row CSV export: ${(bytes / 1e6).toFixed(0)} MB written, peak RSS growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(80);
  }, 120_000);

  it('yields the header before any row is requested', async () => {
    const it = csvChunks(['a'], [[1]]);
    expect((await it.next()).value).toBe('a\r\n');
  });
});
