import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { DefenderNormalizer } from './defender-common';
import { defenderCsvFormat } from './defender-csv';
import { defenderJsonFormat } from './defender-json';
import { type JsonScanHandler, JsonScanner } from './defender-json-scanner';
import { collectLogged, mulberry32, randomSplit, readFixture } from './testing/harness';

// Readable DeviceId|Timestamp|ReportId keys, so tests can find events by ReportId.
DefenderNormalizer.readableKeys = true;

const PLASO = readFixture('defender/plaso/advanced_hunting_test.csv');
const OTRF = readFixture('defender/otrf/GoldenSAMLADFSMailAccess-Microsoft365DefenderEvents.json');

const json = (chunks: string[] | string) => collectLogged(defenderJsonFormat, chunks, { fileName: 't.json' });

/** The plaso export as table rows, typed the way the hunting API returns them. */
function plasoRecords(typed: boolean): Record<string, unknown>[] {
  const parsed = Papa.parse<Record<string, string>>(PLASO, { header: true, skipEmptyLines: true });
  if (!typed) return parsed.data;
  return parsed.data.map((row) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      if (v === '') o[k] = null;
      else if (/Port$|^ReportId_long$|Id$/.test(k) && /^\d+$/.test(v)) o[k] = Number(v);
      else if (k === 'AdditionalFields' && v.startsWith('{')) o[k] = JSON.parse(v);
      else o[k] = v;
    }
    return o;
  });
}

/** CSV rows are numbered by line (header = 1); array rows by 1-based index. */
function csvLogAsIndexed(log: string[]): string[] {
  return log.map((l) => l.replace(/^([SR]) (\d+) /, (_, k: string, n: string) => `${k} ${Number(n) - 1} `));
}

describe('defender-json reads the same rows as defender-csv', () => {
  const fromCsv = collectLogged(defenderCsvFormat, [PLASO], { fileName: 't.json' });

  it('as a pretty-printed array of string cells', () => {
    const text = JSON.stringify(plasoRecords(false), null, 4);
    expect(json(text).log).toEqual(csvLogAsIndexed(fromCsv.log));
  });

  it('as a compact array with numbers, nulls and AdditionalFields objects', () => {
    const text = JSON.stringify(plasoRecords(true));
    expect(json(text).log).toEqual(csvLogAsIndexed(fromCsv.log));
  });

  it('as NDJSON, numbered by line', () => {
    const text = plasoRecords(true)
      .map((o) => JSON.stringify(o))
      .join('\r\n');
    expect(json(text).log).toEqual(csvLogAsIndexed(fromCsv.log));
  });

  it('inside hunting API and Graph answers', () => {
    const rows = plasoRecords(true);
    const api = JSON.stringify({ Schema: [{ Name: 'Timestamp', Type: 'DateTime' }], Results: rows });
    const graph = JSON.stringify({
      '@odata.context': 'x',
      schema: [{ name: 'Timestamp', type: 'DateTime' }],
      results: rows,
    });
    expect(json(api).log).toEqual(csvLogAsIndexed(fromCsv.log));
    expect(json(graph).log).toEqual(csvLogAsIndexed(fromCsv.log));
  });

  it('inside a Log Analytics query answer (columns + row arrays)', () => {
    const rows = plasoRecords(true);
    const names = Object.keys(rows[0]);
    const text = JSON.stringify({
      tables: [
        {
          name: 'PrimaryResult',
          columns: names.map((name) => ({ name, type: 'string' })),
          rows: rows.map((o) => names.map((n) => o[n])),
        },
      ],
    });
    expect(json(text).log).toEqual(csvLogAsIndexed(fromCsv.log));
  });

  it('whatever the chunking', () => {
    const text = JSON.stringify(plasoRecords(true), null, 2);
    const whole = json(text).log;
    const rand = mulberry32(11);
    for (let k = 0; k < 40; k++) expect(json(randomSplit(text, rand, 40)).log).toEqual(whole);
    const nd = plasoRecords(false)
      .map((o) => JSON.stringify(o))
      .join('\n');
    const ndWhole = json(nd).log;
    for (let k = 0; k < 40; k++) expect(json(randomSplit(nd, rand, 40)).log).toEqual(ndWhole);
  });
});

describe('defender-json on the OTRF union dump (no network rows, _string/_long column names)', () => {
  it('skips all 9 rows as other tables, numbered by line', () => {
    const r = json(OTRF);
    expect(r.events).toEqual([]);
    expect(r.rejects).toEqual([]);
    expect(r.skips.map(([l]) => l)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.skips.every(([, why]) => why.startsWith('not a network event ('))).toBe(true);
  });

  it('reads AdditionalFields_string and ReportId_long when such a row is a network row', () => {
    const first = JSON.parse(OTRF.slice(0, OTRF.indexOf('\n'))) as Record<string, unknown>;
    const row = {
      ...first,
      ActionType: 'SslConnectionInspected',
      RemoteIP: '203.0.113.5',
      RemotePort: 443,
      AdditionalFields_string: '{"direction":"Out","server_name":"Login.Example.com"}',
    };
    const r = json(JSON.stringify(row));
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      host: 'login.example.com',
      deviceName: 'adfs01.simulandlabs.com',
      eventKey: '00000000-0000-0000-0000-000000000000|2021-08-02T13:11:39.772Z|113597',
    });
  });
});

describe('defender-json row accounting on broken input', () => {
  const good =
    '{"Timestamp":"2024-01-01T00:00:00Z","DeviceId":"d","ActionType":"ConnectionSuccess","RemoteIP":"1.1.1.1","RemotePort":443}';

  it('rejects a bad NDJSON line and keeps reading', () => {
    const r = json(`${good}\n{"Timestamp": "2024\n\n42\n${good}\n`);
    expect(r.events).toHaveLength(2);
    expect(r.rejects).toEqual([
      [2, 'invalid JSON'],
      [4, 'not a JSON object'],
    ]);
  });

  it('reports a truncated array element once, by index', () => {
    const r = json(`[\n  ${good},\n  ${good},\n  ${good.slice(0, 30)}`);
    expect(r.events).toHaveLength(2);
    expect(r.rejects).toEqual([[3, 'truncated JSON']]);
  });

  it('rejects non-object array elements by index', () => {
    const r = json(`[${good}, 12, "x", null, [1], ${good}]`);
    expect(r.events).toHaveLength(2);
    // An element that is itself an array holds rows, numbered like rows inside wrappers
    // (running count through the file): its first element is wrapped row 1.
    expect(r.rejects).toEqual([
      [2, 'not a JSON object'],
      [3, 'not a JSON object'],
      [4, 'not a JSON object'],
      [1, 'not a JSON object'],
    ]);
  });

  it('never throws on random or mutated JSON and answers the same for every chunking', () => {
    const rand = mulberry32(5);
    const pieces = ['{', '}', '[', ']', '"', '\\', ',', ':', '\n', ' ', 'a', '1', 'null', '"Timestamp"', good];
    const base = JSON.stringify(plasoRecords(true).slice(60, 110), null, 1);
    for (let k = 0; k < 300; k++) {
      let text: string;
      if (k % 2 === 0) {
        text = '';
        const n = Math.floor(rand() * 60);
        for (let i = 0; i < n; i++) text += pieces[Math.floor(rand() * pieces.length)];
      } else {
        text = base.slice(0, Math.floor(rand() * base.length));
        for (let m = 0; m < 4; m++) {
          const at = Math.floor(rand() * text.length);
          text = text.slice(0, at) + pieces[Math.floor(rand() * (pieces.length - 1))] + text.slice(at + 1);
        }
      }
      const whole = json(text);
      expect(json(randomSplit(text, rand, 40)).log).toEqual(whole.log);
    }
  });
});

describe('JsonScanner', () => {
  function scan(chunks: string[]): string[] {
    const out: string[] = [];
    const h: JsonScanHandler = {
      value: (v, row) => out.push(`${row}:${JSON.stringify(v)}`),
      bad: (row, reason) => out.push(`${row}!${reason}`),
    };
    const s = new JsonScanner();
    for (const c of chunks) s.push(c, h);
    s.end(h);
    return out;
  }

  it('handles escapes, brackets inside strings and concatenated pretty values', () => {
    const text = '{\n "a": "x\\"}]\\\\",\n "b": [1, {"c": "\\\\"}]\n}\n{\n "d": 2\n}\n';
    const whole = scan([text]);
    expect(whole).toEqual(['1:{"a":"x\\"}]\\\\","b":[1,{"c":"\\\\"}]}', '5:{"d":2}']);
    for (let i = 1; i < text.length; i++) expect(scan([text.slice(0, i), text.slice(i)])).toEqual(whole);
  });

  it('numbers top-level array elements by index, across line breaks', () => {
    const text = '[\n{"a":1},\n\n{"a":2}\n]';
    expect(scan([text])).toEqual(['1:{"a":1}', '2:{"a":2}']);
    for (let i = 1; i < text.length; i++) expect(scan([text.slice(0, i), text.slice(i)])).toEqual(scan([text]));
  });

  it('keeps runs of backslashes right when a chunk ends inside them', () => {
    const text = '["a\\\\\\\\", "b\\\\\\"c", "\\\\\\\\\\\\"]\n';
    const whole = scan([text]);
    expect(whole).toEqual(['1:"a\\\\\\\\"', '2:"b\\\\\\"c"', '3:"\\\\\\\\\\\\"']);
    for (let i = 1; i < text.length; i++)
      for (let j = i + 1; j < text.length; j++)
        expect(scan([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual(whole);
  });

  it('reads one huge value pushed in small chunks in linear time', () => {
    const row = '{"Timestamp":"2024-01-01T00:00:00Z","DeviceId":"d","ActionType":"ConnectionSuccess","Note":"x\\\\y"}';
    const huge = `{"Results":[${Array(100_000).fill(row).join(',')}]}`; // ~10 MB on one line
    for (const prefix of ['', '\n', '[']) {
      const text = prefix === '[' ? `[${huge}]` : prefix + huge;
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += 4096) chunks.push(text.slice(i, i + 4096));
      const t = performance.now();
      const out = scan(chunks);
      expect(performance.now() - t).toBeLessThan(5_000);
      expect(out).toHaveLength(1);
      expect(out[0].length).toBeGreaterThan(huge.length - 100_000);
    }
  });

  it('reports stray text once per line', () => {
    expect(scan(['hello world\n}}\n{"a":1}\n'])).toEqual(['1!not JSON', '2!not JSON', '3:{"a":1}']);
  });
});

describe('defender-json sniffing', () => {
  it('recognises array, NDJSON and wrapped exports', () => {
    expect(defenderJsonFormat.sniff(OTRF)).toBeGreaterThanOrEqual(0.9); // union layout names every column
    const arr = JSON.stringify(plasoRecords(true).slice(70, 80), null, 2);
    expect(defenderJsonFormat.sniff(arr)).toBeGreaterThanOrEqual(0.9);
    expect(defenderJsonFormat.sniff(`\uFEFF${arr}`)).toBeGreaterThanOrEqual(0.9);
  });

  it('declines CSV, Zeek JSON and the Event Hub shape', () => {
    expect(defenderJsonFormat.sniff(PLASO)).toBe(0);
    expect(defenderJsonFormat.sniff('{"ts":1,"uid":"C1","id.orig_h":"1.2.3.4"}')).toBe(0);
    const hub =
      '{"records":[{"time":"x","category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"x","DeviceId":"d","ActionType":"ConnectionSuccess","RemoteIP":"1.1.1.1"}}]}';
    expect(defenderJsonFormat.sniff(hub)).toBeLessThanOrEqual(0.2);
  });
});
