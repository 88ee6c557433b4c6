// The query generator: device filters as safe KQL, windows and device shares in the
// text, the result columns the facts importer expects, slice planning from counts.
import { describe, expect, it } from 'vitest';
import { sniffFactsColumns } from '../formats/facts-common';
import {
  COUNT_COLUMNS,
  countingQuery,
  deviceFilterClause,
  evenSlices,
  FACT_COLUMNS,
  kqlPlan,
  parseCountsCsv,
  planSlices,
  type Slice,
  sliceQuery,
  TARGETS,
  WHERE_TO_RUN,
  windowOfDays,
} from './index';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 2, 1);
const ah = { target: 'advanced-hunting' as const, devices: [] };
const slice = (over: Partial<Slice> = {}): Slice => ({
  index: 1,
  total: 1,
  from: D0,
  to: D0 + 2 * DAY,
  part: 0,
  parts: 1,
  expectedFacts: 1000,
  ...over,
});

/** Column names of the query's last `| project`. */
function resultColumns(query: string): string[] {
  const at = query.lastIndexOf('| project ') + 10;
  const last = query.slice(at, query.indexOf('\n', at) < 0 ? undefined : query.indexOf('\n', at));
  const names: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of last) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      names.push(cur);
      cur = '';
    } else cur += ch;
  }
  names.push(cur);
  return names.map((n) => n.split('=')[0].trim());
}

describe('device filter', () => {
  it('turns patterns into case-insensitive KQL terms', () => {
    expect(deviceFilterClause(['pc01.contoso.com'])).toBe('DeviceName =~ "pc01.contoso.com"');
    expect(deviceFilterClause(['srv-*'])).toBe('DeviceName startswith "srv-"');
    expect(deviceFilterClause(['*.contoso.com'])).toBe('DeviceName endswith ".contoso.com"');
    expect(deviceFilterClause(['*sql*'])).toBe('DeviceName contains "sql"');
    expect(deviceFilterClause(['ws-*.lab.local'])).toBe('DeviceName matches regex "(?i)^ws-.*\\\\.lab\\\\.local$"');
    expect(deviceFilterClause(['A'.repeat(40).toLowerCase().replace(/a/g, 'f')])).toBe(
      `DeviceId =~ "${'f'.repeat(40)}"`,
    );
    expect(deviceFilterClause(['a', ' ', 'b*'])).toBe('DeviceName =~ "a" or DeviceName startswith "b"');
    expect(deviceFilterClause([])).toBeNull();
    expect(deviceFilterClause(['*'])).toBeNull();
  });

  it('escapes quotes and backslashes, and refuses control characters', () => {
    expect(deviceFilterClause(['a"b\\c'])).toBe('DeviceName =~ "a\\"b\\\\c"');
    expect(() => deviceFilterClause(['a\nb'])).toThrow(/control character/);
  });
});

describe('queries', () => {
  it('the slice query returns exactly the columns the facts importer recognises', () => {
    const q = sliceQuery(ah, slice());
    expect(resultColumns(q)).toEqual([...FACT_COLUMNS]);
    expect(sniffFactsColumns(FACT_COLUMNS)).toBe(0.99);
    expect(resultColumns(countingQuery(ah, D0, D0 + DAY))).toEqual([...COUNT_COLUMNS]);
  });

  it('puts the window, the device share and the filter in the text, per target', () => {
    const q = sliceQuery({ target: 'advanced-hunting', devices: ['srv-*'] }, slice({ part: 2, parts: 5 }));
    expect(q).toContain('let WindowStart = datetime(2026-03-01T00:00:00Z);');
    expect(q).toContain('let WindowEnd = datetime(2026-03-03T00:00:00Z);');
    expect(q).toContain('| where Timestamp >= WindowStart - Margin and Timestamp < WindowEnd + Margin');
    expect(q).toContain('| where Time >= WindowStart and Time < WindowEnd;');
    expect(q).toContain('| where hash_xxhash64(DevKey, 5) == 2');
    expect(q).toContain('| where DeviceName startswith "srv-"');
    expect(q).toContain('about 1,000 rows expected (cap 100,000)');
    const s = sliceQuery({ target: 'sentinel', devices: [] }, slice({ expectedFacts: null }));
    expect(s).toContain('| where TimeGenerated >= WindowStart - Margin and TimeGenerated < WindowEnd + Margin');
    expect(s).not.toContain('Timestamp >=');
    expect(s).not.toContain('hash_xxhash64(DevKey');
    expect(s).toContain('check that the result stays under 500,000 rows');
  });

  it('the counting query covers every day of the window', () => {
    const q = countingQuery(ah, D0 + 5 * 3_600_000, D0 + 3 * DAY);
    expect(q).toContain('let WindowStart = datetime(2026-03-01T00:00:00Z);');
    expect(q).toContain('let WindowEnd = datetime(2026-03-04T00:00:00Z);');
    expect(q).toContain('range Day from WindowStart to WindowEnd - 1d step 1d');
    expect(q).toContain('3 day(s)');
  });

  it('explains where to paste, naming both portals', () => {
    expect(WHERE_TO_RUN).toMatch(/Advanced hunting/);
    expect(WHERE_TO_RUN).toMatch(/Sentinel/);
    expect(WHERE_TO_RUN).toMatch(/counting query/);
  });
});

describe('slices', () => {
  const counts = (facts: number[]) => facts.map((f, i) => ({ day: D0 + i * DAY, facts: f, events: null }));

  it('packs whole days under the budget and covers the window without gaps', () => {
    const s = planSlices(counts([40, 30, 50, 0, 10, 90]), 100);
    expect(s.map((x) => [(x.from - D0) / DAY, (x.to - D0) / DAY, x.expectedFacts])).toEqual([
      [0, 2, 70],
      [2, 5, 60],
      [5, 6, 90],
    ]);
    expect(s.map((x) => `${x.index}/${x.total}`)).toEqual(['1/3', '2/3', '3/3']);
  });

  it('splits a day above the budget into device shares, and treats missing days as empty', () => {
    const s = planSlices([...counts([250]), { day: D0 + 2 * DAY, facts: 20, events: 5 }], 100);
    expect(s.map((x) => [(x.from - D0) / DAY, (x.to - D0) / DAY, x.part, x.parts, x.expectedFacts])).toEqual([
      [0, 1, 0, 3, 84],
      [0, 1, 1, 3, 84],
      [0, 1, 2, 3, 84],
      [1, 3, 0, 1, 20],
    ]);
    expect(planSlices([], 100)).toEqual([]);
    expect(() => planSlices(counts([1]), 0)).toThrow();
  });

  it('splits evenly without counts', () => {
    const s = evenSlices(D0, D0 + 10 * DAY, 3);
    expect(s.map((x) => (x.to - x.from) / DAY)).toEqual([3, 4, 3]);
    expect(s[2].to).toBe(D0 + 10 * DAY);
    const shares = evenSlices(D0, D0 + 2 * DAY, 5);
    expect(shares).toHaveLength(6);
    expect(shares.every((x) => x.parts === 3 && x.expectedFacts === null)).toBe(true);
  });

  it('reads the counting result as exported by either portal', () => {
    const ahCsv =
      '\ufeffDay,Facts,Events\r\n2026-03-01,"12,345",999\r\n2026-03-02,0,0\r\nbad,1,1\r\n2026-03-04,x,1\r\n';
    const r = parseCountsCsv(ahCsv);
    expect(r.counts).toEqual([
      { day: D0, facts: 12_345, events: 999 },
      { day: D0 + DAY, facts: 0, events: 0 },
    ]);
    expect(r.problems).toEqual(['line 4: cannot read the day "bad"', 'line 5: cannot read the facts count "x"']);
    const sentinel = 'Facts,Day [UTC]\n7,"3/1/2026, 12:00:00.000 AM"\n';
    expect(parseCountsCsv(sentinel).counts).toEqual([{ day: D0, facts: 7, events: null }]);
    expect(() => parseCountsCsv('Hour,Count\n1,2\n')).toThrow(/Day and Facts/);
  });
});

describe('plan', () => {
  it('gives the counting query first, then slices from counts, with warnings', () => {
    const now = Date.UTC(2026, 2, 20, 15);
    const plain = kqlPlan({ target: 'advanced-hunting', days: 30, now, end: now });
    expect(plain.slices).toEqual([]);
    expect(plain.to - plain.from).toBe(30 * DAY);
    expect(plain.warnings.join(' ')).toMatch(/keeps 30 days: nothing before 2026-02-18T15:00Z .*--days 29 asks/);
    expect(kqlPlan({ target: 'advanced-hunting', days: 7, now, end: now }).warnings).toEqual([]);
    expect(kqlPlan({ target: 'sentinel', days: 90, now, end: now }).warnings).toEqual([]);

    const planned = kqlPlan({
      target: 'advanced-hunting',
      counts: [0, 1, 2].map((i) => ({ day: D0 + i * DAY, facts: 60_000, events: null })),
      now,
    });
    expect(planned.from).toBe(D0);
    expect(planned.to).toBe(D0 + 3 * DAY);
    expect(planned.rowsPerSlice).toBe(TARGETS['advanced-hunting'].defaultRowsPerSlice);
    expect(planned.slices).toHaveLength(3);
    expect(planned.slices[1].query).toContain('slice 2 of 3');
    const over = kqlPlan({ target: 'advanced-hunting', days: 1, slices: 2, rowsPerSlice: 150_000, now, end: now });
    expect(over.slices).toHaveLength(2);
    expect(over.warnings.join(' ')).toMatch(/above the .* cap/);
  });

  it('takes whole UTC days before the end', () => {
    const w = windowOfDays(2, Date.UTC(2026, 2, 3, 13, 30));
    expect(w).toEqual({ from: D0, to: D0 + 2 * DAY });
    expect(() => windowOfDays(0)).toThrow();
  });
});
