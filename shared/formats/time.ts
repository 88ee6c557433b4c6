/**
 * Time helpers shared by the parsers. Everything ends as UTC epoch milliseconds.
 * Formats that log local wall-clock time without a zone are converted with the
 * import's IANA time zone (UTC by default), via Intl, cached per zone and hour.
 */

/** Whether an IANA zone name is UTC itself (no offset to look up). */
export function isUtcZone(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC';
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = dtfCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    dtfCache.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset (ms) of `timeZone` from UTC at the UTC instant `utcMs`. */
function offsetAt(utcMs: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(utcMs));
  const v: Record<string, number> = {};
  for (const p of parts) if (p.type !== 'literal') v[p.type] = Number(p.value);
  const asUtc = Date.UTC(v.year, v.month - 1, v.day, v.hour, v.minute, v.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Converts a wall-clock time in `timeZone` to UTC ms. Month is 1-based.
 * Returns NaN for an invalid date.
 */
export function wallClockToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  timeZone: string,
): number {
  const naive = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (
    !Number.isFinite(naive) ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  )
    return NaN;
  if (isUtcZone(timeZone)) return naive;
  const hourKey = `${timeZone}|${Math.floor(naive / 3_600_000)}`;
  let off = offsetCache.get(hourKey);
  if (off === undefined) {
    // Two passes settle the offset across DST transitions.
    off = offsetAt(naive, timeZone);
    off = offsetAt(naive - off, timeZone);
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(hourKey, off);
  }
  return naive - off;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses ISO 8601 timestamps with any number of fractional digits (Defender
 * writes 7). A timestamp without a zone is taken in `timeZone`. NaN if unreadable.
 */
export function parseIsoTime(s: string, timeZone = 'UTC'): number {
  const m = ISO_RE.exec(s.trim());
  if (!m) return NaN;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const zone = m[8];
  if (!zone) return wallClockToUtc(y, mo, d, h, mi, sec, ms, timeZone);
  const base = wallClockToUtc(y, mo, d, h, mi, sec, ms, 'UTC');
  if (zone === 'Z' || zone === 'z') return base;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const off = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  return base - sign * off;
}

/** Whether a timestamp as written says its zone: `Z` or an offset at the end (epoch numbers need none). */
export function timeSaysZone(v: string): boolean {
  return /(?:[Zz]|[+-]\d\d:?\d\d)\s*$/.test(v) || /^\d{9,}$/.test(v.trim());
}

/** Epoch number in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. */
export function epochToMs(value: number): number {
  if (!Number.isFinite(value)) return NaN;
  const abs = Math.abs(value);
  if (abs < 1e11) return value * 1000; // seconds (until year 5138)
  if (abs < 1e14) return value; // milliseconds
  if (abs < 1e17) return value / 1000; // microseconds
  return value / 1e6; // nanoseconds
}

/** ISO 8601 UTC to the second, as every export writes it: 2026-10-01T02:53:02Z */
export function isoSecond(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
