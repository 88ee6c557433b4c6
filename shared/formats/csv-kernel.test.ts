import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the build, no types
import { compileKernel, kernelModuleText } from '../../build/wasm/compile.mjs';
import { CsvKernel } from './csv-kernel';
import { CSV_KERNEL_WASM } from './csv-kernel-wasm';
import { CsvSelect } from './csv-select';
import { parseDefenderTime } from './defender-values';
import { oneBytePartDecoder, type PartDecoder } from './part-text';
import { mulberry32, QUOTED_RECORD_FIELDS } from './testing/harness';

interface Rec {
  line: number;
  count: number;
  values: string[];
  escaped: boolean[];
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/**
 * The records of `parts` (each starting at a record boundary, no header) as a scan worker reads them: with
 * the kernel (one per file, kept across parts), or with the JavaScript scanner alone. Pieces of `piece`
 * bytes exercise the part's text in several strings.
 */
function readParts(
  parts: Uint8Array[],
  opts: {
    kernel: CsvKernel | null;
    crlf: boolean;
    columns: number[];
    raw: number[];
    interned: number[];
    piece?: number;
  },
): { recs: Rec[]; lines: number[]; partial: boolean[] } {
  const decode: PartDecoder = oneBytePartDecoder(latin1, (b) => Buffer.from(b).every((x) => x < 0x80), opts.piece);
  const c = new CsvSelect(',');
  c.select(opts.columns, opts.raw, opts.interned);
  if (opts.kernel) c.useKernel(opts.kernel);
  const recs: Rec[] = [];
  const lines: number[] = [];
  const partial: boolean[] = [];
  const onRecord = () =>
    recs.push({
      line: c.line,
      count: c.fieldCount,
      values: c.values.map((_, k) => c.unescaped(k)),
      escaped: c.values.map((_, k) => c.escaped(k)),
    });
  for (const bytes of parts) {
    c.startPart(opts.crlf);
    if (opts.kernel) c.pushKernel(bytes, decode, onRecord);
    else c.pushPart(decode(bytes), onRecord);
    lines.push(c.linesRead);
    partial.push(c.partial);
  }
  return { recs, lines, partial };
}

const utf8 = new TextEncoder();

describe('CsvKernel', () => {
  it('is what build/wasm/csv-kernel.ts compiles to (run `npm run build:wasm` after changing the source)', async () => {
    const bytes: Uint8Array = await compileKernel();
    expect(kernelModuleText(bytes)).toContain(CSV_KERNEL_WASM);
    expect(Buffer.from(CSV_KERNEL_WASM, 'base64').equals(Buffer.from(bytes))).toBe(true);
  }, 60_000);

  it('reads parts as the JavaScript scanner reads them: values, escapes, field counts, line numbers', () => {
    // The kernel's shapes (plain and quoted fields on one line, doubled quotes, empty and short records,
    // non-ASCII values, a CR before a line end) mixed with what it leaves to the JavaScript scanner (a
    // quoted line break, whitespace or a stray character after a closing quote, a lone field, a bare LF
    // in a CRLF file, a part ending inside a record).
    const fields = [
      ...QUOTED_RECORD_FIELDS,
      'dev-1',
      'dev-2',
      'Microsoft® Windows®',
      '"é ® 例"',
      'mid"quote',
      '"ends in CR\r"',
      'a\rb',
      '"two\nlines"',
      '"closed" ',
      '"stray"quote',
      'c\nd',
    ];
    const rand = mulberry32(5);
    const columns = [0, 2, 3, 5, 7, -1];
    let kernelRecords = 0;
    const kernel = new CsvKernel();
    for (let k = 0; k < 600; k++) {
      const crlf = rand() < 0.5;
      const eol = crlf ? '\r\n' : '\n';
      const parts: Uint8Array[] = [];
      for (let p = 0, np = 1 + Math.floor(rand() * 3); p < np; p++) {
        const lines: string[] = [];
        for (let i = 0, n = Math.floor(rand() * 12); i < n; i++) {
          const r = rand();
          if (r < 0.04) lines.push('');
          else if (r < 0.06) lines.push('"lone"');
          else {
            const width = r < 0.12 ? 3 : r < 0.15 ? 9 : 7;
            const row: string[] = [];
            const pool = rand() < 0.8 ? 12 : fields.length;
            for (let c = 0; c < width; c++) row.push(fields[Math.floor(rand() * pool)]);
            lines.push(row.join(','));
          }
        }
        let text = lines.join(eol) + (lines.length > 0 ? eol : '');
        if (rand() < 0.05) text += 'cut,"in a record';
        parts.push(utf8.encode(text));
      }
      const opts = { crlf, columns, raw: [2], interned: [1, 3, 4], piece: 1 + Math.floor(rand() * 64) };
      const mine = readParts(parts, { ...opts, kernel });
      expect(mine).toEqual(readParts(parts, { ...opts, kernel: null }));
      kernelRecords += mine.recs.length;
    }
    expect(kernelRecords).toBeGreaterThan(1000);
  });

  it('reads more records than one scan writes, more new values than one scan lists, and past a full table', () => {
    const rand = mulberry32(9);
    const lines: string[] = [];
    // 140k distinct hosts: past the 131,072 ids the kernel's table holds; the rest are cut as written.
    for (let i = 0; i < 160_000; i++) {
      const host = i < 140_000 ? `h${i}.example.com` : `h${Math.floor(rand() * 1000)}.example.com`;
      lines.push(`${i},${host},"dev-${i % 250}",${i % 7 === 0 ? '"q ""x"""' : ''}`);
    }
    const parts: Uint8Array[] = [];
    for (let at = 0; at < lines.length; at += 40_000)
      parts.push(utf8.encode(`${lines.slice(at, at + 40_000).join('\n')}\n`));
    const opts = { crlf: false, columns: [0, 1, 2, 3], raw: [], interned: [1, 2] };
    const mine = readParts(parts, { ...opts, kernel: new CsvKernel() });
    expect(mine.recs.length).toBe(160_000);
    expect(mine.recs.map((r) => r.values.slice(0, 3).join(','))).toEqual(
      lines.map((l) => l.split(',').slice(0, 3).join(',').replaceAll('"', '')),
    );
    expect(mine).toEqual(readParts(parts, { ...opts, kernel: null }));
  });

  it('reads ISO times of the time slot as the JavaScript reader does in a UTC file, and leaves it the rest', () => {
    const rand = mulberry32(3);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const times: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const y = [1969, 1970, 2000, 2023, 2024, 2100, 2400, 9999][Math.floor(rand() * 8)];
      const mo = Math.floor(rand() * 14);
      const d = Math.floor(rand() * 33);
      const h = Math.floor(rand() * 25);
      const mi = Math.floor(rand() * 61);
      const sec = Math.floor(rand() * 62);
      const sep = ['T', 't', ' ', 'X'][Math.floor(rand() * 4)];
      const frac = ['', '.', '.1', '.12', '.123', '.1234567', '.999999999', '.5x'][Math.floor(rand() * 8)];
      const zone = ['Z', 'z', '', '+00:00', 'ZZ', ' '][Math.floor(rand() * 6)];
      times.push(`${pad(y, 4)}-${pad(mo)}-${pad(d)}${sep}${pad(h)}:${pad(mi)}:${pad(sec)}${frac}${zone}`);
    }
    times.push('2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2024-1-01T00:00:00Z', '', '5/25/2023, 4:32:49.469 AM');
    const lines = times.map((t, i) => `${i % 5 === 0 || t.includes(',') ? `"${t}"` : t},x${i % 3}`);
    const bytes = utf8.encode(`${lines.join('\n')}\n`);
    const c = new CsvSelect(',');
    c.select([0, 1], [], [1]);
    c.useKernel(new CsvKernel(), 0);
    c.startPart(false);
    const decode = oneBytePartDecoder(latin1, (b) => Buffer.from(b).every((x) => x < 0x80));
    const read: number[] = [];
    let byKernel = 0;
    c.pushKernel(bytes, decode, () => {
      const written = times[c.line - 1];
      if (Number.isNaN(c.timeMs)) expect(c.values[0]).toBe(written);
      else {
        byKernel++;
        expect(c.values[0]).toBe('');
      }
      read.push(Number.isNaN(c.timeMs) ? parseDefenderTime(c.values[0], 'UTC') : c.timeMs);
    });
    expect(read.length).toBe(times.length);
    expect(read).toEqual(times.map((t) => parseDefenderTime(t, 'UTC')));
    expect(byKernel).toBeGreaterThan(100);
  });
});
