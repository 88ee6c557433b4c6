import { describe, expect, it } from 'vitest';
import {
  CELL_PADDING,
  FLOOR_CAP,
  gridTemplate,
  grownWidths,
  headerWidths,
  type Measure,
  type SizedColumn,
  SORT_ARROW,
  TEXT_CAP,
  TEXT_MIN,
} from './column-widths';

/** 7 px a character in cells, 6 in headers; a zero is 8 (wider than the other digits, as tabular figures are). */
const measure: Measure = (text, header) => [...text].reduce((w, ch) => w + (ch === '0' ? 8 : header ? 6 : 7), 0);

const COLUMNS: SizedColumn[] = [
  { label: 'App', kind: 'text', width: '220px' },
  { label: 'Category', kind: 'text' },
  { label: 'Transactions', kind: 'count' },
  { label: 'IP addresses', kind: 'count' },
  { label: 'Last seen', kind: 'time' },
];

describe('column widths', () => {
  it('starts from each header: its longest word, and the sorted one keeps room for its arrow', () => {
    const w = headerWidths(COLUMNS, measure, 2);
    expect(w).toEqual([
      TEXT_MIN, // "App" is narrower than a text column may be
      8 * 6 + CELL_PADDING, // "Category"
      12 * 6 + SORT_ARROW + CELL_PADDING, // "Transactions", sorted
      9 * 6 + CELL_PADDING, // "addresses": the header wraps between words
      4 * 6 + CELL_PADDING, // "Last" and "seen"
    ]);
    expect(headerWidths(COLUMNS, measure)[2]).toBe(12 * 6 + CELL_PADDING);
  });

  it('grows a column to its widest text, measuring figures as zeros, and never shrinks one', () => {
    const start = headerWidths(COLUMNS, measure);
    const rows = [
      ['Box', 'Cloud storage', '9,266', '12', '07 Sept 2026, 15:52'],
      ['Exchange Online (Outlook on the web)', 'Webmail', '12,345,678,901', '3', '07 Sept 2026, 15:52'],
      ['x'.repeat(200), 'CRM', '1', '1', '—'],
    ];
    const w = grownWidths(start, COLUMNS, rows, measure);
    expect(w).not.toBeNull();
    expect(w?.[0]).toBe(TEXT_CAP); // 200 characters: capped
    expect(w?.[1]).toBe(13 * 7 + CELL_PADDING); // "Cloud storage"
    expect(w?.[2]).toBe(11 * 8 + 3 * 7 + CELL_PADDING); // "12,345,678,901" measured as "00,000,000,000"
    expect(w?.[3]).toBe(start[3]); // "12" is narrower than its header
    // Narrower rows leave the widths as they are.
    expect(grownWidths(w ?? [], COLUMNS, [['a', 'b', '1', '1', '—']], measure)).toBeNull();
  });

  it('measures every shape of a column of figures, not only its longest texts', () => {
    // "1007 B" is as long as "5.9 KB" and wider: four digits.
    const cols: SizedColumn[] = [{ label: 'Traffic', kind: 'bytes' }];
    const rows = [['5.9 KB'], ['4.2 KB'], ['3.1 KB'], ['1007 B']];
    const w = grownWidths(headerWidths(cols, measure), cols, rows, measure);
    expect(w).toEqual([4 * 8 + 2 * 7 + CELL_PADDING]);
  });

  it('measures the longest texts of a page even when they are not first', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [`app${i}`, 'c', String(i), '1', '—']);
    rows[37][0] = 'a-much-longer-application-name';
    const w = grownWidths(headerWidths(COLUMNS, measure), COLUMNS, rows, measure);
    expect(w?.[0]).toBe(30 * 7 + CELL_PADDING);
  });

  it('gives figures their width and text columns a floor and a share of the rest', () => {
    const widths = [300, 140, 120, 80, 160];
    const { template, minWidth } = gridTemplate(COLUMNS, widths);
    expect(template).toBe('minmax(220px, 300fr) minmax(140px, 140fr) 120px 80px 160px');
    expect(minWidth).toBe(220 + 140 + 120 + 80 + 160);
    // A text column without its own width keeps at most FLOOR_CAP of its text before the table scrolls sideways.
    const wide = gridTemplate(COLUMNS, [300, 400, 120, 80, 160]);
    expect(wide.template.split(' ').slice(2, 4).join(' ')).toBe(`minmax(${FLOOR_CAP}px, 400fr)`);
  });
});
