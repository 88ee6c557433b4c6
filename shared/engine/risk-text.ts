/**
 * How risk reasons and signal descriptions write numbers, days and apps, so
 * an analyst can check each one against the tables ("uploaded 1.8 GB to
 * WeTransfer (score 0.0, unsanctioned) on 3 Nov, 25× its daily median").
 */
import { formatScore } from '../catalog/score';
import type { AppInfo } from './daily';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "3 Nov" for a day index (days since the epoch, UTC). */
export function dayLabel(day: number): string {
  const d = new Date(day * 86_400_000);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** Binary units with analysts' labels: "1.8 GB", "240 MB", "12 KB", "900 B". */
export function bytesLabel(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Math.max(0, n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  return `${v < 10 ? (Math.round(v * 10) / 10).toFixed(1) : Math.round(v)} ${units[u]}`;
}

/**
 * "12,400": what `Math.round(n).toLocaleString('en-US')` writes, grouped by hand for safe integers. Reasons and
 * signals write counts for every candidate anomaly, and in Chromium each toLocaleString call was measured at
 * 265 ms in all of a 10M-event report's risk computation.
 */
export function countLabel(n: number): string {
  const r = Math.round(n);
  if (!Number.isSafeInteger(r) || Object.is(r, -0)) return r.toLocaleString('en-US');
  const digits = String(r < 0 ? -r : r);
  if (digits.length <= 3) return r < 0 ? `-${digits}` : digits;
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return r < 0 ? `-${out}` : out;
}

/** "25×", "7.5×". */
export function ratioLabel(r: number): string {
  return r < 10 ? `${(Math.round(r * 10) / 10).toString()}×` : `${countLabel(r)}×`;
}

/** "WeTransfer (score 0.0, no risk data, unsanctioned)"; unidentified apps say so. */
export function appLabel(app: AppInfo): string {
  const parts: string[] = [];
  if (app.score === null) parts.push('unidentified');
  else {
    parts.push(`score ${formatScore(app.score)}`);
    if (app.noData) parts.push('no risk data');
  }
  if (app.sanction) parts.push(app.sanction.toLowerCase());
  return `${app.name} (${parts.join(', ')})`;
}

/** "01:00–04:00 UTC" style ranges for a set of UTC hours. */
export function hoursLabel(hours: readonly number[]): string {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  const ranges: string[] = [];
  const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    ranges.push(`${hh(sorted[i])}–${hh(sorted[j] + 1)}`);
    i = j + 1;
  }
  return `${ranges.join(', ')} UTC`;
}
