import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { AppRow } from '../engine/query';
import { type ExportColumn, tableCsv, tableJson } from './table-export';

const row = (over: Partial<AppRow>): AppRow => ({
  key: 'x',
  appId: 'x',
  name: 'X',
  category: 'Cloud storage',
  score: 7.25,
  noData: false,
  tags: ['Sanctioned'],
  noise: false,
  users: 3,
  ips: 2,
  devices: 1,
  domains: ['x.com'],
  transactions: 10,
  blocked: 0,
  upload: null,
  download: 2048.4,
  traffic: 2048.4,
  firstSeen: Date.UTC(2026, 9, 1, 2, 53, 2),
  lastSeen: Date.UTC(2026, 9, 2),
  ...over,
});
const cols: ExportColumn[] = [
  { key: 'name', label: 'App', kind: 'text' },
  { key: 'score', label: 'Score', kind: 'score' },
  { key: 'tags', label: 'Tags', kind: 'tags' },
  { key: 'upload', label: 'Upload', kind: 'bytes' },
  { key: 'download', label: 'Download', kind: 'bytes' },
  { key: 'firstSeen', label: 'First seen', kind: 'time' },
];

describe('table export', () => {
  it('writes the visible columns in order, round-trips through a CSV parser, and keeps unknown empty', () => {
    const csv = tableCsv([row({}), row({ name: 'Y, "quoted"', tags: ['A', 'B'] })], cols);
    const parsed = Papa.parse<string[]>(csv.trim()).data;
    expect(parsed[0]).toEqual(['App', 'Score', 'Tags', 'Upload', 'Download', 'First seen']);
    expect(parsed[1]).toEqual(['X', '7.3', 'Sanctioned', '', '2048', '2026-10-01T02:53:02Z']);
    expect(parsed[2][0]).toBe('Y, "quoted"');
    expect(parsed[2][2]).toBe('A; B');
  });
  it('neutralises formula injection in every text cell', () => {
    for (const evil of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd']) {
      const parsed = Papa.parse<string[]>(tableCsv([row({ name: evil })], cols).trim()).data;
      expect(parsed[1][0]).toBe(`'${evil}`);
    }
  });
  it('adds a BOM for Excel on request, and writes JSON with the same values', () => {
    expect(tableCsv([row({})], cols, true).charCodeAt(0)).toBe(0xfeff);
    expect(JSON.parse(tableJson([row({})], cols))).toEqual([
      {
        App: 'X',
        Score: '7.3',
        Tags: 'Sanctioned',
        Upload: null,
        Download: 2048,
        'First seen': '2026-10-01T02:53:02Z',
      },
    ]);
  });
});
