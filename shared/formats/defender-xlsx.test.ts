import { readFileSync } from 'node:fs';
import { utils, write } from '@e965/xlsx';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../domain/event';
import { defenderCsvFormat } from './defender-csv';
import { defenderXlsxFormat } from './defender-xlsx';
import type { FormatDefinition, ParseContext } from './types';
import { xlsxToCsvChunks } from './xlsx-csv';

const PLASO = readFileSync(new URL('./fixtures/defender/plaso/advanced_hunting_test.csv', import.meta.url), 'utf8');

function run(def: FormatDefinition, chunks: Iterable<string>): string[] {
  const c: ParseContext = { timeZone: 'UTC', fileName: 't', files: [], scratch: new Map() };
  const log: string[] = [];
  const p = def.open(c);
  const sink = {
    event: (e: NetworkEvent) => log.push(`E ${JSON.stringify(e)}`),
    skip: (line: number, reason: string) => log.push(`S ${line} ${reason}`),
    reject: (line: number, reason: string) => log.push(`R ${line} ${reason}`),
  };
  for (const ch of chunks) p.push(ch, sink);
  p.end(sink);
  return log;
}

function workbook(rows: unknown[][], opts: { date1904?: boolean } = {}): Uint8Array {
  const ws = utils.aoa_to_sheet(rows, { UTC: true, dateNF: 'yyyy-mm-dd hh:mm:ss.000' });
  const wb = utils.book_new();
  utils.book_append_sheet(wb, ws, 'Results');
  if (opts.date1904) wb.Workbook = { WBProps: { date1904: true } };
  utils.book_append_sheet(wb, utils.aoa_to_sheet([['ignored']]), 'Second');
  return new Uint8Array(write(wb, { type: 'array', bookType: 'xlsx', compression: true }) as ArrayBuffer);
}

/** A date cell as Excel stores it: a day serial with a date format. */
function dateCell(ms: number, date1904: boolean): object {
  const serial = ms / 86_400_000 + 25_569 - (date1904 ? 1_462 : 0);
  return { t: 'n', v: serial, z: 'yyyy-mm-dd hh:mm:ss.000' };
}

describe('xlsxToCsvChunks', () => {
  const table = Papa.parse<string[]>(PLASO, { skipEmptyLines: true }).data;

  it('turns a workbook of the plaso export into CSV that reads exactly like the CSV itself', () => {
    const chunks = [...xlsxToCsvChunks(workbook(table))];
    expect(chunks.length).toBeGreaterThan(1); // ~64 KiB chunks
    expect(run(defenderCsvFormat, chunks)).toEqual(run(defenderCsvFormat, [PLASO]));
    expect(run(defenderXlsxFormat, xlsxToCsvChunks(workbook(table)))).toEqual(run(defenderCsvFormat, [PLASO]));
  });

  it('quotes commas, quotes and line breaks (RFC 4180) and writes empty cells as empty fields', () => {
    const csv = [
      ...xlsxToCsvChunks(
        workbook([
          ['a', 'b', 'c'],
          ['x, y', 'say "hi"', 'two\nlines'],
          ['', 5, true],
        ]),
      ),
    ].join('');
    expect(csv).toBe('a,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n,5,true\r\n');
  });

  it('writes date cells as ISO UTC to the millisecond, in both Excel date systems', () => {
    const t = Date.UTC(2023, 11, 21, 19, 59, 50, 239);
    for (const date1904 of [false, true]) {
      const csv = [...xlsxToCsvChunks(workbook([['Timestamp'], [dateCell(t, date1904)]], { date1904 }))].join('');
      expect(csv).toBe('Timestamp\r\n2023-12-21T19:59:50.239Z\r\n');
    }
    // What SheetJS makes of a JS Date written with UTC: the same.
    const viaDate = [...xlsxToCsvChunks(workbook([['Timestamp'], [new Date(t)]]))].join('');
    expect(viaDate).toBe('Timestamp\r\n2023-12-21T19:59:50.239Z\r\n');
  });

  it('reads date-typed Timestamp cells into the right event time', () => {
    const header = ['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'RemoteIP', 'RemotePort', 'RemoteUrl'];
    const bytes = workbook([
      header,
      [
        new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 600)),
        'd1',
        'pc1',
        'ConnectionSuccess',
        '1.2.3.4',
        443,
        'https://example.com/a',
      ],
    ]);
    const log = run(defenderCsvFormat, xlsxToCsvChunks(bytes));
    expect(log).toHaveLength(1);
    expect(JSON.parse(log[0].slice(2))).toMatchObject({
      time: Date.UTC(2024, 0, 2, 3, 4, 5, 600),
      remotePort: 443,
      host: 'example.com',
    });
  });

  it('gives nothing for an empty sheet and throws a plain Error for a broken workbook', () => {
    expect([...xlsxToCsvChunks(workbook([]))].join('')).toBe('');
    const bytes = workbook(table);
    expect(() => [...xlsxToCsvChunks(bytes.slice(0, 2000))]).toThrow(Error);
  });

  it('is recognised by its zip head, which text decoding keeps', () => {
    const head = new TextDecoder().decode(workbook(table).slice(0, 65536));
    expect(defenderXlsxFormat.sniff(head)).toBeGreaterThan(0);
    expect(defenderXlsxFormat.sniff(PLASO)).toBe(0);
  });
});
