/**
 * Value helpers shared by the appliance log formats (CEF, Sentinel CommonSecurityLog,
 * Zscaler NSS, PAN-OS, FortiGate, custom CSV): placeholder-aware cleaning, numbers,
 * hosts and IPs, block/allow verdicts, a tolerant date parser, and two streaming
 * wrappers (decide the dialect from the first line; cut top-level JSON records).
 *
 * Everything here runs once or more per row of 10M-row imports: no regex on the
 * hot paths, and small caches where the same value repeats row after row.
 */

import { epochToMs, isValidTimeZone, parseIsoTime, wallClockToUtc } from './time';
import type { FormatParser } from './types';

// ---------------------------------------------------------------- values

/**
 * Trims and turns the placeholders appliances write for "nothing" into null.
 * Appliances disagree on the placeholder (Zscaler "None"/"NA", FortiGate "N/A",
 * Squid-style "-", FortiManager "(null)"), and a placeholder must never become a
 * user or host name.
 */
export function clean(v: string | null | undefined): string | null {
  if (v == null) return null;
  let s = v;
  const n = s.length;
  if (n === 0) return null;
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32) {
    s = s.trim();
    if (s.length === 0) return null;
  }
  if (s.length <= 9 && isPlaceholder(s)) return null;
  return s;
}

function isPlaceholder(s: string): boolean {
  switch (s.length) {
    case 1:
      return s === '-';
    case 2:
      return s === 'NA' || s === 'na' || s === '--';
    case 3:
      return s === 'N/A' || s === 'n/a';
    case 4:
      return s === 'None' || s === 'none' || s === 'NONE' || s === 'null' || s === 'NULL';
    case 6:
      return s === '(null)' || s === '(none)';
    case 9:
      return s === 'undefined' || s === '(no user)';
    default:
      return false;
  }
}

/** A non-negative integer written in plain digits, else null (never 0 for "unknown"). */
export function toCount(v: string | null | undefined): number | null {
  if (v == null) return null;
  let s = v;
  if (s.length === 0) return null;
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) s = s.trim();
  const n = s.length;
  if (n === 0 || n > 16) return null;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
}

/** A TCP/UDP port 1..65535; 0 (ICMP and friends) means "no port" and stays null. */
export function toPort(v: string | null | undefined): number | null {
  const n = toCount(v);
  return n === null || n === 0 || n > 65535 ? null : n;
}

/** Cheap shape test for an IPv4 or IPv6 literal (bracketed or not). */
export function isIpLiteral(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 47) return false;
  let dots = 0;
  let colons = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (c >= 48 && c <= 57) continue;
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
      if (dots > 0 && colons === 0) return false;
    } else if (c === 91 || c === 93 || c === 37) {
      // [v6], and %zone suffixes
      if (colons === 0 && c !== 37) return false;
    } else return false;
  }
  if (colons >= 2) return true;
  if (colons === 0 && dots === 3) {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c !== 46 && (c < 48 || c > 57)) return false;
    }
    return true;
  }
  return false;
}

/** An IP address as the formats write it, brackets removed; null for placeholders and 0.0.0.0. */
export function cleanIp(v: string | null | undefined): string | null {
  let s = clean(v);
  if (s === null) return null;
  if (s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  if (s === '0.0.0.0' || s === '::') return null;
  return s;
}

/** Hostname, lowercase, no trailing dot, no port or brackets; null when empty. */
export function normalizeHost(v: string | null | undefined): string | null {
  let s = clean(v);
  if (s === null) return null;
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    s = close > 0 ? s.slice(1, close) : s.slice(1);
  } else {
    const colon = s.indexOf(':');
    // host:port, but a bare IPv6 literal has several colons
    if (colon >= 0 && s.indexOf(':', colon + 1) < 0) s = s.slice(0, colon);
  }
  while (s.length > 0 && s.charCodeAt(s.length - 1) === 46) s = s.slice(0, -1);
  if (s.length === 0) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/**
 * The authority of a URL that may lack its scheme ("www.example.com/path",
 * "www.example.com:443" for CONNECT, "https://user@host:8443/x"), as
 * { host, port }; host null when there is none.
 */
export function splitUrlAuthority(url: string): { host: string | null; port: number | null } {
  let start = 0;
  const scheme = url.indexOf('://');
  if (scheme >= 0 && scheme < 12) start = scheme + 3;
  else if (url.charCodeAt(0) === 47) return { host: null, port: null }; // a bare path
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 32 || c === 92) {
      end = i;
      break;
    }
  }
  let auth = url.slice(start, end);
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  let port: number | null = null;
  if (auth.charCodeAt(0) === 91) {
    const close = auth.indexOf(']');
    if (close > 0) {
      if (auth.charCodeAt(close + 1) === 58) port = toPort(auth.slice(close + 2));
      auth = auth.slice(1, close);
    }
  } else {
    const colon = auth.lastIndexOf(':');
    if (colon >= 0 && auth.indexOf(':') === colon) {
      port = toPort(auth.slice(colon + 1));
      auth = auth.slice(0, colon);
    }
  }
  return { host: normalizeHost(auth), port };
}

/** Host part of a URL-ish string; null for bare paths and empty values. */
export function hostFromUrl(url: string | null): string | null {
  if (url === null) return null;
  return splitUrlAuthority(url).host;
}

/**
 * Fills host / remoteIp from a destination name that may turn out to be an IP
 * literal: an IP is never a hostname in our model (the fact falls back to the IP).
 */
export function placeHost(e: { host: string | null; remoteIp: string | null }, name: string | null): void {
  if (name === null) return;
  if (isIpLiteral(name)) {
    if (e.remoteIp === null) e.remoteIp = name.charCodeAt(0) === 91 ? name.slice(1, -1) : name;
    return;
  }
  if (e.host === null) e.host = name;
}

// ---------------------------------------------------------------- verdicts

const BLOCK_WORDS = new Set([
  'block',
  'blocked',
  'blocking',
  'deny',
  'denied',
  'drop',
  'dropped',
  'reject',
  'rejected',
  'reset',
  'sinkhole',
  'prevent',
  'prevented',
  'quarantine',
  'quarantined',
  'clear_session',
]);
const verdictCache = new Map<string, boolean>();

/**
 * Whether an appliance's action word means the transaction did not go through.
 * Word-based so "IDS:Reset", "reset-both", "block-url" and "Blocked" all count,
 * while "not blocked" (Citrix) and "passthrough" do not.
 */
export function isBlockedAction(action: string | null): boolean {
  if (action === null || action.length === 0) return false;
  let v = verdictCache.get(action);
  if (v !== undefined) return v;
  const lower = action.toLowerCase();
  v = false;
  if (!lower.startsWith('not ') && !lower.startsWith('no ')) {
    for (const word of lower.split(/[^a-z_]+/)) {
      if (BLOCK_WORDS.has(word)) {
        v = true;
        break;
      }
    }
  }
  if (verdictCache.size > 4096) verdictCache.clear();
  verdictCache.set(action, v);
  return v;
}

// ---------------------------------------------------------------- time

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

const MONTH_NAMES = 'january february march april may june july august september october november december'.split(' ');

/** 1-12 for an English month name, its 3-letter abbreviation or a longer prefix ("Sept"), else 0. */
export function monthNumber(word: string): number {
  if (word.length < 3) return 0;
  const lower = word.toLowerCase();
  const mon = MONTHS[lower.slice(0, 3)] ?? 0;
  if (mon === 0 || lower.length === 3) return mon;
  return MONTH_NAMES[mon - 1].startsWith(lower) ? mon : 0;
}

/** Offsets (minutes east of UTC) of the zone abbreviations appliances print. */
const ZONE_ABBREVIATIONS: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  UT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  MET: 60,
  MEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  IST: 330,
  SGT: 480,
  HKT: 480,
  AWST: 480,
  JST: 540,
  KST: 540,
  ACST: 570,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  HST: -600,
  AKST: -540,
  AKDT: -480,
  PST: -480,
  PDT: -420,
  MST: -420,
  MDT: -360,
  CST: -360,
  CDT: -300,
  EST: -300,
  EDT: -240,
};

/**
 * A UTC offset in minutes from the ways appliances write one: "-0500", "+01:00",
 * "UTC-5:00", "GMT+2", "Z", "UTC", "EST". Null when unreadable.
 */
export function parseUtcOffset(v: string | null): number | null {
  if (v === null) return null;
  let s = v.trim();
  if (s.length === 0) return null;
  const abbr = ZONE_ABBREVIATIONS[s.toUpperCase()];
  if (abbr !== undefined) return abbr;
  const up = s.slice(0, 3).toUpperCase();
  if ((up === 'UTC' || up === 'GMT') && s.length > 3) s = s.slice(3).trim();
  const sign = s.charCodeAt(0) === 45 ? -1 : s.charCodeAt(0) === 43 ? 1 : 0;
  if (sign === 0) return null;
  s = s.slice(1);
  let h: number;
  let m = 0;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    h = toCount(s.slice(0, colon)) ?? Number.NaN;
    m = toCount(s.slice(colon + 1)) ?? Number.NaN;
  } else if (s.length <= 2) {
    h = toCount(s) ?? Number.NaN;
  } else if (s.length === 4 || s.length === 3) {
    const hh = s.length - 2;
    h = toCount(s.slice(0, hh)) ?? Number.NaN;
    m = toCount(s.slice(hh)) ?? Number.NaN;
  } else return null;
  if (!(h <= 14 && m < 60)) return null;
  return sign * (h * 60 + m);
}

interface Token {
  kind: 0 | 1 | 2; // 0 number, 1 word, 2 punctuation
  text: string;
  value: number;
}

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d < 48 || d > 57) break;
        j++;
      }
      const text = s.slice(i, j);
      out.push({ kind: 0, text, value: Number(text) });
      i = j;
    } else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (!((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || d === 95)) break;
        j++;
      }
      out.push({ kind: 1, text: s.slice(i, j), value: 0 });
      i = j;
    } else {
      if (c !== 32 && c !== 9) out.push({ kind: 2, text: s[i], value: 0 });
      else if (out.length > 0 && out[out.length - 1].text !== ' ') out.push({ kind: 2, text: ' ', value: 0 });
      i++;
    }
  }
  return out;
}

let lastTimeInput = '';
let lastTimeZone = '';
let lastTimeResult = Number.NaN;

/**
 * Reads the date-time shapes these logs use and returns UTC ms, or NaN:
 * epoch numbers (s, ms, µs, ns), ISO 8601, "Mar 09 2023 12:00:00[.SSS] [zone]"
 * (CEF), "Fri Dec 31 07:07:07 2021" (Zscaler), "2018/11/30 16:09:07" (PAN-OS),
 * "3/30/2022, 10:52:35.857 AM" (Azure portal), "31.12.2021 23:59", RFC 3164
 * "Nov 30 16:09:08" (no year: the latest year that does not put it more than two
 * days in the future of `nowMs`). A zone written in the value wins (offset,
 * abbreviation, IANA name); otherwise the wall clock is taken in `timeZone`.
 * Slash dates are month-first unless the first number cannot be a month.
 */
export function parseDateTime(input: string, timeZone: string, nowMs?: number): number {
  if (input === lastTimeInput && timeZone === lastTimeZone && nowMs === undefined) return lastTimeResult;
  const r = parseDateTimeUncached(input, timeZone, nowMs ?? Date.now());
  if (nowMs === undefined) {
    lastTimeInput = input;
    lastTimeZone = timeZone;
    lastTimeResult = r;
  }
  return r;
}

function parseDateTimeUncached(input: string, timeZone: string, nowMs: number): number {
  const s = input.trim();
  const n = s.length;
  if (n === 0 || n > 64) return Number.NaN;
  // Epoch numbers: at least 9 digits, so that "20230309" is not taken for seconds.
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && dots === 0 && i > 0) dots++;
    else {
      digits = -1;
      break;
    }
  }
  if (digits >= 9) {
    const intLen = dots ? s.indexOf('.') : n;
    if (intLen >= 9) return Math.floor(epochToMs(Number(s)));
  }
  if (n >= 10 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45) {
    const t = parseIsoTime(s, timeZone);
    if (!Number.isNaN(t)) return t;
  }
  return parseTokens(tokenize(s), s, timeZone, nowMs);
}

function parseTokens(tk: Token[], raw: string, timeZone: string, nowMs: number): number {
  let hour = -1;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let timeAt = -1;
  let timeEnd = -1;
  for (let i = 0; i + 2 < tk.length; i++) {
    if (tk[i].kind === 0 && tk[i + 1].text === ':' && tk[i + 2].kind === 0) {
      hour = tk[i].value;
      minute = tk[i + 2].value;
      timeAt = i;
      let j = i + 3;
      if (j + 1 < tk.length && tk[j].text === ':' && tk[j + 1].kind === 0) {
        second = tk[j + 1].value;
        j += 2;
        if (j + 1 < tk.length && (tk[j].text === '.' || tk[j].text === ',') && tk[j + 1].kind === 0) {
          ms = Math.floor(Number(`0.${tk[j + 1].text}`) * 1000);
          j += 2;
        }
      }
      timeEnd = j;
      break;
    }
  }
  let offset: number | null = null;
  let zone: string | null = null;
  let month = 0;
  const nums: Token[] = [];
  const seps: string[] = [];
  let lastSep = '';
  for (let i = 0; i < tk.length; i++) {
    if (timeAt >= 0 && i >= timeAt && i < timeEnd) continue;
    const t = tk[i];
    if (t.kind === 0) {
      nums.push(t);
      seps.push(lastSep);
      lastSep = '';
      continue;
    }
    if (t.kind === 2) {
      // a signed offset right after the time: "+0100", "-05:00", "UTC+2"
      if (
        (t.text === '+' || t.text === '-') &&
        timeAt >= 0 &&
        i >= timeEnd &&
        i + 1 < tk.length &&
        tk[i + 1].kind === 0
      ) {
        let text = t.text + tk[i + 1].text;
        let k = i + 2;
        if (k + 1 < tk.length && tk[k].text === ':' && tk[k + 1].kind === 0) {
          text += `:${tk[k + 1].text}`;
          k += 2;
        }
        const off = parseUtcOffset(text);
        if (off !== null) {
          offset = (offset ?? 0) + off;
          i = k - 1;
          continue;
        }
      }
      if (t.text !== ' ') lastSep = t.text;
      continue;
    }
    const word = t.text;
    const up = word.toUpperCase();
    if (up === 'AM' || up === 'PM') {
      if (hour >= 0 && hour <= 12) {
        if (up === 'AM' && hour === 12) hour = 0;
        else if (up === 'PM' && hour < 12) hour += 12;
      }
      continue;
    }
    if (up === 'T' && timeAt >= 0 && i === timeAt - 1) continue;
    if (month === 0) {
      const mon = monthNumber(word);
      if (mon !== 0) {
        month = mon;
        continue;
      }
    }
    const abbr = ZONE_ABBREVIATIONS[up];
    if (abbr !== undefined && timeAt >= 0 && i >= timeEnd) {
      offset = abbr;
      continue;
    }
    // IANA zone name after the time: Area/City
    if (timeAt >= 0 && i >= timeEnd && i + 2 < tk.length && tk[i + 1].text === '/' && tk[i + 2].kind === 1) {
      const start = raw.indexOf(word);
      let end = start;
      while (end < raw.length && raw.charCodeAt(end) > 32) end++;
      const name = raw.slice(start, end);
      if (isValidTimeZone(name)) {
        zone = name;
        i += 2;
        while (i + 2 < tk.length && tk[i + 1].text === '/' && tk[i + 2].kind === 1) i += 2;
      }
    }
    // other words (weekday names, "at", "T") carry no date information
  }
  let year = -1;
  let day = -1;
  if (month !== 0) {
    for (const t of nums) {
      if (t.text.length === 4 && year < 0) year = t.value;
      else if (t.text.length <= 2 && day < 0) day = t.value;
      else if (t.text.length <= 2 && year < 0) year = 2000 + t.value;
    }
  } else {
    if (nums.length < 3) return Number.NaN;
    const [a, b, c] = nums;
    if (a.text.length === 4) {
      year = a.value;
      month = b.value;
      day = c.value;
    } else if (c.text.length === 4 || c.text.length === 2) {
      year = c.text.length === 2 ? 2000 + c.value : c.value;
      const dotted = seps[1] === '.';
      if (dotted || a.value > 12) {
        day = a.value;
        month = b.value;
      } else {
        month = a.value;
        day = b.value;
      }
    } else return Number.NaN;
  }
  if (day < 1 || month < 1 || month > 12) return Number.NaN;
  if (hour < 0) {
    hour = 0;
    minute = 0;
    second = 0;
  }
  const wall = (y: number): number => {
    // Date.UTC would roll Feb 30 over into March
    if (day > new Date(Date.UTC(y, month, 0)).getUTCDate()) return Number.NaN;
    if (offset !== null) return wallClockToUtc(y, month, day, hour, minute, second, ms, 'UTC') - offset * 60_000;
    return wallClockToUtc(y, month, day, hour, minute, second, ms, zone ?? timeZone);
  };
  if (year >= 0) return wall(year);
  // RFC 3164 and CEF short forms carry no year.
  const thisYear = new Date(nowMs).getUTCFullYear();
  const t = wall(thisYear);
  return t > nowMs + 2 * 86_400_000 ? wall(thisYear - 1) : t;
}

// ---------------------------------------------------------------- streaming wrappers

/** True when the line has nothing but spaces and tabs. */
export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * The first `max` non-blank lines of a sniffing head. The head may end inside a
 * line: that partial line is used only when it is the only one.
 */
export function headLines(head: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < max && start < head.length) {
    let nl = head.indexOf('\n', start);
    if (nl < 0) {
      if (out.length > 0) break;
      nl = head.length;
    }
    let line = head.slice(start, nl);
    start = nl + 1;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (!isBlank(line)) out.push(line);
  }
  return out;
}

/**
 * Holds text back until the first non-blank line is complete, then lets `choose`
 * build the real parser from it (dialects are told apart by that line) and
 * replays everything. Chunk boundaries therefore never change the choice.
 * Lines `passOver` accepts before it are not that line (they are replayed all the same).
 */
export function decideOnFirstLine(
  choose: (firstLine: string) => FormatParser,
  passOver: (line: string) => boolean = () => false,
): FormatParser {
  let held = '';
  let inner: FormatParser | null = null;
  const firstLine = (text: string, final: boolean): string | null => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        if (!final) return null;
        return isBlank(text.slice(start)) ? null : text.slice(start);
      }
      const line = text.slice(start, nl);
      if (!isBlank(line) && !passOver(line)) return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
      start = nl + 1;
    }
  };
  return {
    push(text, sink) {
      if (inner) return inner.push(text, sink);
      held += text;
      const line = firstLine(held, false);
      if (line === null) return;
      inner = choose(line);
      const all = held;
      held = '';
      inner.push(all, sink);
    },
    end(sink) {
      if (!inner) {
        const line = firstLine(held, true);
        if (line === null) return; // nothing but blank lines: no rows
        inner = choose(line);
        inner.push(held, sink);
        held = '';
      }
      inner.end(sink);
    },
  };
}

/**
 * Reads top-level JSON objects from a stream that is either a JSON array (pretty
 * printed or not) or one object per line, without holding the file: each object
 * comes back as its text with the line it starts on. Anything else at the top
 * level is reported once per line as garbage.
 */
export class JsonRecordStream {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private lineNo = 1;
  private objLine = 0;
  private parts: string[] = [];
  private partsLen = 0;
  private garbageLine = 0;

  constructor(private readonly maxRecordChars = 4_000_000) {}

  push(
    text: string,
    onRecord: (json: string, line: number) => void,
    onGarbage: (line: number, reason: string) => void,
  ): void {
    let objStart = this.depth > 0 ? 0 : -1;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        this.lineNo++;
        if (this.depth === 0) this.garbageLine = 0;
        continue;
      }
      if (this.depth === 0) {
        if (c === 123) {
          this.depth = 1;
          this.inString = false;
          this.escaped = false;
          this.objLine = this.lineNo;
          objStart = i;
        } else if (c === 32 || c === 9 || c === 13 || c === 44 || c === 91 || c === 93) {
          // separators of an array or of NDJSON
        } else if (this.garbageLine !== this.lineNo) {
          this.garbageLine = this.lineNo;
          onGarbage(this.lineNo, 'not a JSON object');
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92) this.escaped = true;
        else if (c === 34) this.inString = false;
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === 0) {
          const piece = text.slice(objStart, i + 1);
          const json = this.parts.length > 0 ? this.parts.join('') + piece : piece;
          this.parts = [];
          this.partsLen = 0;
          objStart = -1;
          // a record's tail on the same line is not garbage
          this.garbageLine = this.lineNo;
          onRecord(json, this.objLine);
        }
      }
    }
    if (this.depth > 0 && objStart >= 0) {
      const rest = text.slice(objStart);
      this.parts.push(rest);
      this.partsLen += rest.length;
      if (this.partsLen > this.maxRecordChars) {
        onGarbage(this.objLine, 'JSON record too long or never closed');
        this.parts = [];
        this.partsLen = 0;
        this.depth = 0;
        this.inString = false;
        this.garbageLine = this.lineNo;
      }
    }
  }

  end(onGarbage: (line: number, reason: string) => void): void {
    if (this.depth > 0) onGarbage(this.objLine, 'truncated JSON record');
    this.parts = [];
    this.partsLen = 0;
    this.depth = 0;
  }
}

/** Parses a JSON record's text into a plain object, or null (arrays and scalars are not records). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A JSON field as text: strings as-is, numbers and booleans printed, anything else null. */
export function jsonText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return null;
}
