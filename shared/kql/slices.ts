/**
 * Sizing the slice queries: the counting query says how many hourly facts each
 * UTC day holds; slices group whole days while their sum stays under the row
 * budget, and a day that alone exceeds it is split into device shares
 * (`hash_xxhash64(DevKey, parts) == part`), which spread facts evenly unless
 * one device alone fills a slice.
 */
import { CsvStream } from '../formats/csv-stream';
import { normalizeColumnName, parseDefenderTime } from '../formats/defender-values';
import { type Slice, utcDay } from './query';

const DAY = 86_400_000;

export interface DayCount {
  /** 00:00 UTC of the day, ms. */
  day: number;
  /** Estimated hourly facts that day. */
  facts: number;
  /** Events the slice queries will read that day; null when the counts file has no such column. */
  events: number | null;
}

/**
 * Slices covering every day from the first to the last count, contiguous, each
 * with at most `rowsPerSlice` expected facts where whole days allow it. Days
 * missing from the counts count as empty.
 */
export function planSlices(counts: readonly DayCount[], rowsPerSlice: number): Slice[] {
  if (!(rowsPerSlice >= 1)) throw new Error('Rows per slice must be 1 or more');
  const perDay = new Map<number, number>();
  for (const c of counts) {
    const d = utcDay(c.day);
    perDay.set(d, (perDay.get(d) ?? 0) + Math.max(0, c.facts));
  }
  if (perDay.size === 0) return [];
  const days = [...perDay.keys()].sort((a, b) => a - b);
  const first = days[0];
  const end = days[days.length - 1] + DAY;
  const out: Omit<Slice, 'index' | 'total'>[] = [];
  let groupFrom = -1;
  let groupFacts = 0;
  const close = (to: number) => {
    if (groupFrom >= 0) out.push({ from: groupFrom, to, part: 0, parts: 1, expectedFacts: groupFacts });
    groupFrom = -1;
    groupFacts = 0;
  };
  for (let d = first; d < end; d += DAY) {
    const facts = perDay.get(d) ?? 0;
    if (facts > rowsPerSlice) {
      close(d);
      const parts = Math.ceil(facts / rowsPerSlice);
      for (let part = 0; part < parts; part++) {
        out.push({ from: d, to: d + DAY, part, parts, expectedFacts: Math.ceil(facts / parts) });
      }
      continue;
    }
    if (groupFrom >= 0 && groupFacts + facts > rowsPerSlice) close(d);
    if (groupFrom < 0) groupFrom = d;
    groupFacts += facts;
  }
  close(end);
  return out.map((s, i) => ({ ...s, index: i + 1, total: out.length }));
}

/**
 * `n` slices without counts: the window's days split as evenly as whole days
 * allow; with more slices than days, every day is split into device shares.
 */
export function evenSlices(from: number, to: number, n: number): Slice[] {
  if (!Number.isInteger(n) || n < 1) throw new Error('The number of slices must be a whole number, 1 or more');
  const start = utcDay(from);
  const days = Math.max(1, Math.round((utcDay(to) - start) / DAY));
  const out: Omit<Slice, 'index' | 'total'>[] = [];
  if (n <= days) {
    for (let i = 0; i < n; i++) {
      const a = start + Math.round((i * days) / n) * DAY;
      const b = start + Math.round(((i + 1) * days) / n) * DAY;
      out.push({ from: a, to: b, part: 0, parts: 1, expectedFacts: null });
    }
  } else {
    const parts = Math.ceil(n / days);
    for (let d = 0; d < days; d++) {
      for (let part = 0; part < parts; part++) {
        out.push({ from: start + d * DAY, to: start + (d + 1) * DAY, part, parts, expectedFacts: null });
      }
    }
  }
  return out.map((s, i) => ({ ...s, index: i + 1, total: out.length }));
}

export interface CountsParse {
  counts: DayCount[];
  /** Lines that could not be read, with why (the rest is still used). */
  problems: string[];
}

function toCount(v: string): number {
  const s = v.trim().replace(/[,\s\u00a0\u202f]/g, '');
  if (!/^\d+(\.0+)?$/.test(s)) return Number.NaN;
  return Number(s);
}

/**
 * The counting query's result as exported (CSV from either portal; any column
 * order, `Day [UTC]` style headers, ISO or US dates). Throws when the header
 * has no Day and Facts columns.
 */
export function parseCountsCsv(text: string): CountsParse {
  const csv = new CsvStream(',');
  const rows: { fields: string[]; line: number }[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  csv.push(body, (r) => rows.push(r));
  csv.end((r) => rows.push(r));
  if (rows.length === 0) throw new Error('The counts file is empty');
  const head = rows[0].fields.map(normalizeColumnName);
  const iDay = head.indexOf('day');
  const iFacts = head.indexOf('facts');
  const iEvents = head.indexOf('events');
  if (iDay < 0 || iFacts < 0) {
    throw new Error(
      `The counts file needs Day and Facts columns (the counting query's result); its header is: ${rows[0].fields.join(', ')}`,
    );
  }
  const counts: DayCount[] = [];
  const problems: string[] = [];
  for (const r of rows.slice(1)) {
    const f = r.fields;
    const dayText = f[iDay] ?? '';
    const t = parseDefenderTime(
      /^\d{4}-\d{2}-\d{2}$/.test(dayText.trim()) ? `${dayText.trim()}T00:00:00Z` : dayText,
      'UTC',
    );
    const facts = toCount(f[iFacts] ?? '');
    if (Number.isNaN(t)) {
      problems.push(`line ${r.line}: cannot read the day "${dayText}"`);
      continue;
    }
    if (Number.isNaN(facts)) {
      problems.push(`line ${r.line}: cannot read the facts count "${f[iFacts] ?? ''}"`);
      continue;
    }
    const events = iEvents >= 0 ? toCount(f[iEvents] ?? '') : Number.NaN;
    counts.push({ day: utcDay(t), facts, events: Number.isNaN(events) ? null : events });
  }
  return { counts, problems };
}
