/**
 * Column names and value clean-up for the Defender for Endpoint formats: which
 * header or key means which field, and how IPs, hosts, URLs, ports and times are
 * read. Pure functions; the hot ones avoid regexes (they run once per row on
 * files of millions of rows) and RemoteUrl parsing is memoised.
 */
import { epochToMs, isUtcZone, parseIsoTime, wallClockToUtc } from './time';

/** Logical columns the normaliser reads. */
export type DefenderField =
  | 'time'
  | 'timeGenerated'
  | 'deviceId'
  | 'deviceName'
  | 'actionType'
  | 'remoteUrl'
  | 'remoteIp'
  | 'remotePort'
  | 'localIp'
  | 'localPort'
  | 'process'
  | 'upn'
  | 'accountName'
  | 'accountDomain'
  | 'reportId'
  | 'additional'
  | 'table';

/**
 * Header names per logical column, normalised by `normalizeColumnName`.
 * Several names per field cover union exports (`ReportId_long`/`ReportId_string`),
 * the OTRF JSON dump (`AdditionalFields_string`) and Sentinel (`Type` = table).
 */
const ALIASES: Record<DefenderField, readonly string[]> = {
  time: ['timestamp'],
  timeGenerated: ['timegenerated'],
  deviceId: ['deviceid'],
  deviceName: ['devicename'],
  actionType: ['actiontype'],
  remoteUrl: ['remoteurl'],
  remoteIp: ['remoteip'],
  remotePort: ['remoteport'],
  localIp: ['localip'],
  localPort: ['localport'],
  process: ['initiatingprocessfilename'],
  upn: ['initiatingprocessaccountupn'],
  accountName: ['initiatingprocessaccountname'],
  accountDomain: ['initiatingprocessaccountdomain'],
  reportId: ['reportid', 'reportidlong', 'reportidstring'],
  additional: ['additionalfields', 'additionalfieldsstring', 'additionalfieldsdynamic'],
  table: ['type', '$table', 'table', 'sourcetable', 'tablename'],
};

const FIELD_BY_NAME: Map<string, DefenderField> = (() => {
  const m = new Map<string, DefenderField>();
  for (const [field, names] of Object.entries(ALIASES) as [DefenderField, readonly string[]][]) {
    for (const n of names) m.set(n, field);
  }
  return m;
})();

/**
 * "Timestamp [UTC]" -> "timestamp", "ReportId_long" -> "reportidlong": drops a
 * trailing bracketed unit (Sentinel exports), case, and every character that is
 * not a letter, a digit or `$`.
 */
export function normalizeColumnName(name: string): string {
  let s = name;
  const br = s.indexOf('[');
  if (br > 0) s = s.slice(0, br);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 36) out += String.fromCharCode(c);
  }
  return out;
}

export function fieldForColumn(name: string): DefenderField | undefined {
  return FIELD_BY_NAME.get(normalizeColumnName(name));
}

/** Whether a column header says its times are UTC ("Timestamp [UTC]"). */
export function headerSaysUtc(name: string): boolean {
  return name.toUpperCase().indexOf('[UTC]') >= 0;
}

/** `::ffff:1.2.3.4` -> `1.2.3.4`; '' and '-' -> null; IPv6 lowercased. */
export function normalizeIp(raw: string): string | null {
  let s = raw;
  if (s.length === 0) return null;
  if (s.charCodeAt(0) === 32 || s.charCodeAt(s.length - 1) === 32) s = s.trim();
  if (s.length === 0 || s === '-') return null;
  if (s.indexOf(':') < 0) return s;
  if (s.length > 7 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    const head = s.slice(2, 7).toLowerCase();
    if (head === 'ffff:' && s.indexOf('.', 7) > 0) return s.slice(7);
  }
  return s.toLowerCase();
}

export function toPort(v: string | number): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 65535 ? v : null;
  const s = v;
  if (s.length === 0 || s.length > 6) return null;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return n <= 65535 ? n : null;
}

export function toCount(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v !== 'string' || v.length === 0) return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function isIpLiteral(h: string): boolean {
  if (h.indexOf(':') >= 0) return true;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c !== 46 && (c < 48 || c > 57)) return false;
  }
  return h.length > 0;
}

/**
 * Hostname as the domain model wants it: lowercase, no trailing dot, no port;
 * null for IP literals (those are attributed by remote IP) and for anything that
 * cannot be a hostname.
 */
export function normalizeHost(raw: string): string | null {
  let h = raw.trim();
  if (h.length === 0) return null;
  if (h.charCodeAt(0) === 91 /* [ */) return null; // bracketed IPv6 literal
  const colon = h.indexOf(':');
  if (colon >= 0) {
    if (h.indexOf(':', colon + 1) >= 0) return null; // bare IPv6
    h = h.slice(0, colon);
  }
  while (h.length > 0 && h.charCodeAt(h.length - 1) === 46) h = h.slice(0, -1);
  if (h.length === 0 || h.length > 253) return null;
  let lower = false;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c >= 65 && c <= 90) lower = true;
    else if (
      !((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 42 || c > 127)
    )
      return null;
  }
  if (lower) h = h.toLowerCase();
  return isIpLiteral(h) ? null : h;
}

export interface UrlParts {
  host: string | null;
  /** The RemoteUrl as given when it carries a scheme or a path, else null. */
  url: string | null;
}

const NO_URL: UrlParts = { host: null, url: null };

/** A string that owns its characters (not a slice of a larger string). */
export function ownCopy(s: string | null): string | null {
  return s === null ? null : (JSON.parse(JSON.stringify(s)) as string);
}
const urlMemo = new Map<string, UrlParts>();

/** RemoteUrl is either a bare host (`url.com`) or a URL (`https://sync.1rx.io/x`). Memoised. */
export function parseRemoteUrl(raw: string): UrlParts {
  if (raw.length === 0) return NO_URL;
  let parts = urlMemo.get(raw);
  if (parts) return parts;
  const s = raw.trim();
  let rest = s;
  let hasScheme = false;
  const sep = s.indexOf('://');
  if (sep > 0 && sep < 12) {
    hasScheme = true;
    rest = s.slice(sep + 3);
  } else if (s.startsWith('//')) {
    rest = s.slice(2);
  }
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  let authority = rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  const hasPath = end < rest.length && !(end === rest.length - 1 && rest.charCodeAt(end) === 47);
  // The memo outlives the text chunk `raw` was cut from: keep copies of its own, or a substring would
  // keep the whole multi-megabyte chunk alive (measured: 1.6 GB instead of 0.35 GB on a 1M-row file).
  parts = { host: ownCopy(normalizeHost(authority)), url: s.length > 0 && (hasScheme || hasPath) ? ownCopy(s) : null };
  if (urlMemo.size >= 50_000) urlMemo.clear();
  urlMemo.set(ownCopy(raw) as string, parts);
  return parts;
}

function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/**
 * `2023-12-21T19:04:59.0109752Z` without a regex: this runs once per row on
 * files of millions of rows. Anything else goes to the general parsers.
 */
function fastIso(s: string, timeZone: string): number {
  const n = s.length;
  if (n < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58)
    return Number.NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 32 && t !== 116) return Number.NaN;
  const y1 = twoDigits(s, 0);
  const y2 = twoDigits(s, 2);
  const mo = twoDigits(s, 5);
  const d = twoDigits(s, 8);
  const h = twoDigits(s, 11);
  const mi = twoDigits(s, 14);
  const sec = twoDigits(s, 17);
  if ((y1 | y2 | mo | d | h | mi | sec) < 0) return Number.NaN;
  let i = 19;
  let ms = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (scale >= 1) ms += c * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return Number.NaN;
  }
  let zone = timeZone;
  if (i < n) {
    const z = s.charCodeAt(i);
    if ((z === 90 || z === 122) && i === n - 1) zone = 'UTC';
    else return Number.NaN; // offsets: rare, left to parseIsoTime
  }
  if (!isUtcZone(zone)) return wallClockToUtc(y1 * 100 + y2, mo, d, h, mi, sec, ms, zone);
  // UTC: the day's start is the same for every row of that day; Date.UTC is linear in the time of day.
  const dayKey = (y1 * 100 + y2) * 10_000 + mo * 100 + d;
  if (dayKey !== lastDayKey) {
    lastDayKey = dayKey;
    lastDayMs = wallClockToUtc(y1 * 100 + y2, mo, d, 0, 0, 0, 0, 'UTC');
  }
  if (Number.isNaN(lastDayMs) || h > 23 || mi > 59 || sec > 60) return Number.NaN;
  return lastDayMs + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms;
}
let lastDayKey = -1;
let lastDayMs = Number.NaN;

/**
 * Log Analytics / Sentinel display format: `5/25/2023, 4:32:49.469 AM`
 * (month/day/year, 12-hour clock, comma optional, fraction optional).
 */
export function parseUsDateTime(s: string, timeZone: string): number {
  return parseNumericDateTime(s, timeZone, false);
}

/**
 * The date and time a German-style locale writes (`5.10.2026 23:59:07`, seconds optional): day first, as every
 * locale that writes dates with dots does — what a spreadsheet or PowerShell's Export-Csv there makes of a timestamp.
 */
export function parseDottedDateTime(s: string, timeZone: string): number {
  return parseNumericDateTime(s, timeZone, true);
}

function parseNumericDateTime(s: string, timeZone: string, dayFirst: boolean): number {
  const nums: number[] = [];
  let frac = 0;
  let i = 0;
  const n = s.length;
  let pm = -1;
  while (i < n && nums.length < 6) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      let v = 0;
      let len = 0;
      while (i < n) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        i++;
        if (++len > 4) return Number.NaN;
      }
      nums.push(v);
    } else i++;
  }
  if (nums.length < 5) return Number.NaN;
  if (nums.length === 6 && i < n && s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    while (i < n) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (scale >= 1) frac += d * scale;
      scale /= 10;
      i++;
    }
  }
  for (; i < n; i++) {
    const c = s.charCodeAt(i) | 32;
    if (c === 97 /* a */ || c === 112 /* p */) {
      if (i + 1 < n && (s.charCodeAt(i + 1) | 32) === 109) pm = c === 112 ? 1 : 0;
      break;
    }
  }
  const [first, second, y, h0, mi] = nums;
  const mo = dayFirst ? second : first;
  const d = dayFirst ? first : second;
  const sec = nums.length > 5 ? nums[5] : 0;
  if (y < 1000) return Number.NaN;
  let h = h0;
  if (pm >= 0) {
    if (h < 1 || h > 12) return Number.NaN;
    if (h === 12) h = 0;
    if (pm === 1) h += 12;
  }
  return wallClockToUtc(y, mo, d, h, mi, sec, frac, timeZone);
}

const DOTTED_DATE = /^\d{1,2}\.\d{1,2}\.\d{4}\s/;
const SLASH_DATE = /^\s*(\d{1,2})\/(\d{1,2})\/\d{4}/;
const AM_PM = /\d\s*[AaPp][Mm]\b/;

/**
 * The order of the slash dates among `values` (a file's first timestamps): month first when one has a second number
 * over 12 or an AM/PM (US clocks write month first), else day first when one has a first number over 12; 'unsure' when
 * they cannot tell (every day so far under 13: read month first, as the Sentinel display format is); null when there
 * are none.
 */
export function slashDateOrder(values: Iterable<string>): 'day-first' | 'month-first' | 'unsure' | null {
  let order: 'day-first' | 'unsure' | null = null;
  for (const v of values) {
    const m = SLASH_DATE.exec(v);
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (b > 12 || AM_PM.test(v)) return 'month-first';
    if (a > 12 && a <= 31) order = 'day-first';
    else order ??= 'unsure';
  }
  return order;
}

/**
 * Any timestamp a Defender or Sentinel export writes, to UTC ms; NaN when unreadable. Slash dates read month first
 * (the Sentinel display format) unless `slashDayFirst` (see `slashDateOrder`).
 */
export function parseDefenderTime(v: string | number, timeZone: string, slashDayFirst = false): number {
  if (typeof v === 'number') return epochToMs(v);
  if (v.length === 0) return Number.NaN;
  let t = fastIso(v, timeZone);
  if (!Number.isNaN(t)) return t;
  const c = v.charCodeAt(0);
  if (v.indexOf('/') > 0) return parseNumericDateTime(v, timeZone, slashDayFirst);
  if (DOTTED_DATE.test(v)) return parseDottedDateTime(v, timeZone);
  t = parseIsoTime(v, timeZone);
  if (!Number.isNaN(t)) return t;
  if (c >= 48 && c <= 57 && v.length >= 9) {
    const num = Number(v);
    if (Number.isFinite(num)) return epochToMs(num);
  }
  return Number.NaN;
}

export function parseAdditional(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return Array.isArray(v) ? null : (v as Record<string, unknown>);
  if (typeof v !== 'string' || v.length < 2) return null;
  const s = v.charCodeAt(0) === 123 ? v : v.trim();
  if (s.charCodeAt(0) !== 123) return null;
  try {
    const o = JSON.parse(s) as unknown;
    return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A JSON value as the string a CSV cell would hold. */
export function cellString(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

/** The names an answers list maps to IPs: `["cname.example", "1.2.3.4"]`, as a JSON string or an array. */
export function answerList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string' || v.length < 2 || v.charCodeAt(0) !== 91) return [];
  try {
    const a = JSON.parse(v) as unknown;
    return Array.isArray(a) ? a : [];
  } catch {
    return [];
  }
}
