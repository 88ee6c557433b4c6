import { describe, expect, it } from 'vitest';
import { CsvSelect, delimiterOfLine } from './csv-select';
import { CsvStream } from './csv-stream';
import { mulberry32, QUOTED_RECORD_FIELDS } from './testing/harness';

interface Rec {
  line: number;
  count: number;
  values: string[];
}

/** Header and records of `chunks` read with CsvSelect, columns `columns` selected (raw, interned: those slots). */
function readSelect(
  chunks: string[],
  columns: number[],
  raw: number[] = [],
  interned: number[] = [],
  delimiter = ',',
): { header: string[] | null; recs: Rec[] } {
  const c = new CsvSelect(delimiter);
  let header: string[] | null = null;
  const recs: Rec[] = [];
  const onHeader = (h: string[]) => {
    header = h;
    c.select(columns, raw, interned);
  };
  const onRecord = () =>
    recs.push({ line: c.line, count: c.fieldCount, values: c.values.map((_, k) => c.unescaped(k)) });
  for (const ch of chunks) c.push(ch, onHeader, onRecord);
  c.end(onHeader, onRecord);
  return { header, recs };
}

/** The same through PapaParse (CsvStream), cut to the same columns. */
function readPapa(text: string, columns: number[], delimiter = ','): { header: string[] | null; recs: Rec[] } {
  const s = new CsvStream(delimiter);
  let header: string[] | null = null;
  const recs: Rec[] = [];
  const on = (r: { fields: string[]; line: number }) => {
    if (header === null) header = r.fields;
    else recs.push({ line: r.line, count: r.fields.length, values: columns.map((c) => r.fields[c] ?? '') });
  };
  s.push(text, on);
  s.end(on);
  return { header, recs };
}

function splitEvery(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const SAMPLE = [
  '\uFEFFTime,Device,Note,Url,Extra',
  '2024-01-01T00:00:00Z,dev-1,plain,https://a.example/x,1',
  '',
  '2024-01-01T00:00:01Z,dev-1,"quoted, with comma",,2',
  '2024-01-01T00:00:02Z,"dev-2","two',
  'lines and ""quotes""",u,3',
  '2024-01-01T00:00:03Z,dev-2,short',
  '2024-01-01T00:00:04Z,dev-2,"x" ,u,4,extra',
  '2024-01-01T00:00:05Z,dev-3,"",last,5',
].join('\n');

describe('CsvSelect', () => {
  it('cuts the selected columns, counts fields, skips blank lines and keeps physical line numbers', () => {
    const { header, recs } = readSelect([SAMPLE], [1, 2, 4]);
    expect(header).toEqual(['Time', 'Device', 'Note', 'Url', 'Extra']);
    expect(recs).toEqual([
      { line: 2, count: 5, values: ['dev-1', 'plain', '1'] },
      { line: 4, count: 5, values: ['dev-1', 'quoted, with comma', '2'] },
      { line: 5, count: 5, values: ['dev-2', 'two\nlines and "quotes"', '3'] },
      { line: 7, count: 3, values: ['dev-2', 'short', ''] },
      { line: 8, count: 6, values: ['dev-2', 'x', '4'] },
      { line: 9, count: 5, values: ['dev-3', '', '5'] },
    ]);
  });

  it('reads CRLF files, a CR before the line end dropped, bare LFs inside fields of a CRLF file kept', () => {
    const text = 'a,b\r\n1,"x\r\ny"\r\n2,p\nq\r\n\r\n3,z';
    const { recs } = readSelect([text], [0, 1]);
    expect(recs).toEqual([
      { line: 2, count: 2, values: ['1', 'x\r\ny'] },
      { line: 4, count: 2, values: ['2', 'p\nq'] },
      { line: 7, count: 2, values: ['3', 'z'] },
    ]);
  });

  it('gives the same records for every split point, and for random splits into many chunks', () => {
    const whole = readSelect([SAMPLE], [0, 1, 2, 3]);
    for (let i = 0; i <= SAMPLE.length; i++) {
      expect(readSelect([SAMPLE.slice(0, i), SAMPLE.slice(i)], [0, 1, 2, 3])).toEqual(whole);
    }
    const crlf = SAMPLE.replace(/\n/g, '\r\n');
    const wholeCrlf = readSelect([crlf], [0, 1, 2, 3]);
    const rand = mulberry32(7);
    for (let k = 0; k < 300; k++) {
      const chunks: string[] = [];
      let at = 0;
      while (at < crlf.length) {
        const n = Math.floor(rand() * 12);
        chunks.push(crlf.slice(at, at + n));
        at += n;
      }
      expect(readSelect(chunks, [0, 1, 2, 3])).toEqual(wholeCrlf);
    }
  });

  it('leaves raw columns as written until asked, and gives the same value either way', () => {
    const text = 'a,b\n1,"{""k"":""v""}"\n2,plain\n';
    const c = new CsvSelect(',');
    const seen: string[][] = [];
    c.push(
      text,
      () => c.select([0, 1], [1]),
      () => seen.push([c.values[1], c.unescaped(1)]),
    );
    c.end(
      () => {},
      () => {},
    );
    expect(seen).toEqual([
      ['{""k"":""v""}', '{"k":"v"}'],
      ['plain', 'plain'],
    ]);
  });

  it('reads what PapaParse reads on random text, split anywhere (raw columns once unescaped)', () => {
    const alphabet = ['"', ',', '\n', '\r\n', '\r', 'a', 'b1', ' ', '""', 'x\ny', 'dev-0001-long-value'];
    const rand = mulberry32(42);
    const columns = [0, 1, 2, 3];
    for (let k = 0; k < 3000; k++) {
      const crlf = rand() < 0.5;
      let text = crlf ? 'h0,h1,h2,h3\r\n' : 'h0,h1,h2,h3\n';
      const n = Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      const papa = readPapa(text, columns);
      const cut = Math.floor(rand() * (text.length + 1));
      const cut2 = cut + Math.floor(rand() * (text.length - cut + 1));
      const mine = readSelect([text.slice(0, cut), text.slice(cut, cut2), text.slice(cut2)], columns, [2], [0, 3]);
      expect(mine.header).toEqual(papa.header);
      expect(mine.recs.map((r) => [r.count, r.values])).toEqual(papa.recs.map((r) => [r.count, r.values]));
      // CsvStream does not count line feeds dropped as whitespace after a closing quote; CsvSelect does.
      if (!(crlf && /"\s*\n/.test(text))) expect(mine.recs.map((r) => r.line)).toEqual(papa.recs.map((r) => r.line));
      const lines = mine.recs.map((r) => r.line);
      for (let i = 1; i < lines.length; i++) expect(lines[i]).toBeGreaterThan(lines[i - 1]);
    }
  });

  it("reads `;` and tab separated random text with an 'auto' delimiter as PapaParse reads it told the delimiter", () => {
    const rand = mulberry32(43);
    const columns = [0, 1, 2, 3];
    for (const d of [';', '\t']) {
      const alphabet = ['"', d, ',', '\n', '\r\n', 'a', ' ', '""', 'x\ny', 'dev-0001-long-value'];
      for (let k = 0; k < 1000; k++) {
        const crlf = rand() < 0.5;
        let text = ['h0', 'h1', 'h2', 'h3'].join(d) + (crlf ? '\r\n' : '\n');
        const n = Math.floor(rand() * 40);
        for (let i = 0; i < n; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
        const papa = readPapa(text, columns, d);
        const cut = Math.floor(rand() * (text.length + 1));
        const mine = readSelect([text.slice(0, cut), text.slice(cut)], columns, [2], [0, 3], 'auto');
        expect(mine.header).toEqual(papa.header);
        expect(mine.recs.map((r) => [r.count, r.values])).toEqual(papa.recs.map((r) => [r.count, r.values]));
      }
    }
  });

  it('reads records with quoted fields on one line (the second fast path) as PapaParse does, and the shapes it leaves to the general path', () => {
    // Fields as full Defender exports have them (command lines and AdditionalFields with doubled quotes),
    // mixed with what must leave the fast path: a line break or whitespace after a closing quote, a
    // quoted line break, a stray quote, an unclosed quote, a lone quoted field, bare LFs and CRs.
    const fields = [
      ...QUOTED_RECORD_FIELDS,
      '"x""""y"',
      '"ends in CR\r"',
      '"two\nlines"',
      '"closed" ',
      '"stray"quote',
      'mid"quote',
      '"é ® 例"',
      'a\rb',
      'c\nd',
      '"\u00a0"',
      '"nbsp after"\u00a0',
    ];
    const rand = mulberry32(11);
    const columns = [0, 2, 3, 5];
    for (let k = 0; k < 1500; k++) {
      const crlf = rand() < 0.5;
      const eol = crlf ? '\r\n' : '\n';
      const lines = ['h0,h1,h2,h3,h4,h5'];
      const n = Math.floor(rand() * 8);
      for (let i = 0; i < n; i++) {
        const r = rand();
        if (r < 0.05) lines.push('');
        else if (r < 0.1) lines.push('""');
        else {
          // Mostly the fast path's shapes, now and then one that leaves it; now and then a short record.
          const width = r < 0.15 ? 4 : 6;
          const row: string[] = [];
          for (let c = 0; c < width; c++) row.push(fields[Math.floor(rand() * (rand() < 0.7 ? 7 : fields.length))]);
          lines.push(row.join(','));
        }
      }
      let text = (rand() < 0.3 ? '\uFEFF' : '') + lines.join(eol);
      if (rand() < 0.5) text += eol;
      if (rand() < 0.1) text += '"unclosed,x';
      const papa = readPapa(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, columns);
      const cut = Math.floor(rand() * (text.length + 1));
      const mine = readSelect([text.slice(0, cut), text.slice(cut)], columns, [1], [0, 2]);
      expect(mine).toEqual(readSelect([text], columns, [1], [0, 2]));
      expect(mine.header).toEqual(papa.header);
      expect(mine.recs.map((r) => [r.count, r.values])).toEqual(papa.recs.map((r) => [r.count, r.values]));
      // CsvStream does not count line feeds dropped as whitespace after a closing quote; CsvSelect does.
      if (!/"\s*\n/.test(text)) expect(mine.recs.map((r) => r.line)).toEqual(papa.recs.map((r) => r.line));
    }
  });

  it('reuses the string of a value repeating the previous record, without changing what is read', () => {
    const rows = ['id,dev'];
    for (let i = 0; i < 50; i++) rows.push(`${i},${i < 25 ? 'a-device-name-longer-than-13' : 'b'}`);
    const { recs } = readSelect([rows.join('\n')], [0, 1]);
    expect(recs.map((r) => r.values[1])).toEqual(rows.slice(1).map((r) => r.split(',')[1]));
    expect(recs.map((r) => r.values[0])).toEqual(rows.slice(1).map((r) => r.split(',')[0]));
  });

  it('reads interned columns as written, with more distinct values than the intern table holds', () => {
    const rand = mulberry32(7);
    const rows = ['n,host,dev'];
    for (let i = 0; i < 60_000; i++) {
      const host = `h${Math.floor(rand() * 40_000)}.example.com`;
      rows.push(`${i},${host},${i % 3 === 0 ? '' : `dev-${i % 250}`}`);
    }
    const text = rows.join('\n');
    const chunks = splitEvery(text, 65_536 + 3);
    const { recs } = readSelect(chunks, [0, 1, 2], [], [1, 2]);
    expect(recs.map((r) => r.values.join(','))).toEqual(rows.slice(1));
  });

  it("tells an 'auto' delimiter from the header line: `,`, `;` or a tab, whichever it holds most of", () => {
    expect(delimiterOfLine('a;b;c')).toBe(';');
    expect(delimiterOfLine('a\tb\tc')).toBe('\t');
    expect(delimiterOfLine('a,b;c')).toBe(','); // tied: a comma
    expect(delimiterOfLine('"x;y",b,c')).toBe(',');
    expect(delimiterOfLine('single')).toBe(',');
    const comma = 'h1,h2,h3\n1,"a;b",x\n\n2,"c\td",y\n';
    const expected = readSelect([comma], [0, 1, 2]);
    expect(expected.recs).toHaveLength(2);
    for (const d of [';', '\t']) {
      const text = `h1${d}h2${d}h3\n1${d}"a;b"${d}x\n\n2${d}"c\td"${d}y\n`;
      // Cut anywhere, the header itself in pieces, blank lines before it.
      for (let size = 1; size <= text.length; size += 3) {
        const got = readSelect(splitEvery(text, size), [0, 1, 2], [], [], 'auto');
        expect(got, `${JSON.stringify(d)} in pieces of ${size}`).toEqual(expected);
      }
      const blankFirst = readSelect(['\n', `\n${text}`], [0, 1, 2], [], [], 'auto');
      expect(blankFirst.header).toEqual(['h1', 'h2', 'h3']);
      expect(blankFirst.recs.map((r) => [r.line - 2, r.values])).toEqual(expected.recs.map((r) => [r.line, r.values]));
    }
    // A header alone, without a line break.
    expect(readSelect(['a;b'], [0], [], [], 'auto').header).toEqual(['a', 'b']);
    // Windows PowerShell's Export-Csv writes a type line first: skipped (line numbers stay physical); only when 'auto'.
    const ps = `#TYPE System.Management.Automation.PSCustomObject\r\n"h1";"h2"\r\n"1";"2"\r\n`;
    for (let size = 1; size <= ps.length; size += 5) {
      const got = readSelect(splitEvery(ps, size), [0, 1], [], [], 'auto');
      expect(got, `pieces of ${size}`).toEqual({
        header: ['h1', 'h2'],
        recs: [{ line: 3, count: 2, values: ['1', '2'] }],
      });
    }
    expect(readSelect([ps.replaceAll(';', ',')], [0]).header).toEqual([
      '#TYPE System.Management.Automation.PSCustomObject',
    ]);
    const c = new CsvSelect('auto');
    expect(c.delimiter).toBe(',');
    c.push(
      'x\ty\n',
      () => c.select([0]),
      () => {},
    );
    expect(c.delimiter).toBe('\t');
  });

  it('accepts empty input, a header alone, and a last record without a line break', () => {
    expect(readSelect([''], [0])).toEqual({ header: null, recs: [] });
    expect(readSelect(['a,b'], [0])).toEqual({ header: ['a', 'b'], recs: [] });
    expect(readSelect(['a,b\n', '1,', '2'], [1]).recs).toEqual([{ line: 2, count: 2, values: ['2'] }]);
  });
});
