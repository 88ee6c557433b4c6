/**
 * Catalog dates. Attribute dates are as precise as the public record allows —
 * a year, a month or a day — so the validator and the score share one reading.
 */

const PARTIAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** Whether `s` is a real calendar date in YYYY, YYYY-MM or YYYY-MM-DD form. */
export function isPartialDate(s: string): boolean {
  const m = PARTIAL_DATE.exec(s);
  if (!m) return false;
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate();
}

/** Whether `s` is a full ISO day, YYYY-MM-DD. */
export function isIsoDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && isPartialDate(s);
}
