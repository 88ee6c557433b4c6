/** Numbers and times formatted for people: 3,412 · 1.2 GB · 2m 05s · n/a for what a source cannot say. */
const countFmt = new Intl.NumberFormat('en-US');

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined || Number.isNaN(n) ? 'n/a' : countFmt.format(n);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return 'n/a';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A time in UTC to the second, for the hover of a time shown in the analyst's zone; undefined when there is none. */
export function formatUtc(ms: number | null | undefined): string | undefined {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}Z (UTC)`;
}

/**
 * One formatter for every time shown: `Date#toLocaleString` with options builds a new `Intl.DateTimeFormat` on
 * each call, which was the largest cost of scrolling a 100k-row table (~2 of ~7 s of the page's CPU over 180
 * frames of Discovered apps, each row showing its Last seen). The same strings.
 */
const timeFmt = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** A time in the analyst's zone (UTC on hover: `formatUtc`). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return timeFmt.format(ms);
}

const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** The UTC day of a time, as the analyst's locale writes a date ("1 Oct 2026"). */
export function formatUtcDay(ms: number): string {
  return dayFmt.format(ms);
}
