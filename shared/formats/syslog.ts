/**
 * Syslog envelope stripping for formats that usually arrive through a syslog
 * collector (CEF, PAN-OS, FortiGate, Zscaler NSS): the caller gets the message,
 * plus the envelope's timestamp text and host when there was an envelope.
 *
 * Recognized, each with an optional `<PRI>`:
 *  - RFC 5424: `<PRI>1 2023-03-09T12:00:00Z host app procid msgid [sd]|- message`
 *  - RFC 3164: `<PRI>Mmm dd hh:mm:ss host message` (day space-padded or not; an
 *    optional year before the time, as some collectors write)
 *  - collector files with an ISO stamp: `2023-03-09T12:00:00+01:00 host message`
 *  - a bare `<PRI>` before the message (FortiGate sends `<189>date=...`).
 * The 3164 "host" is only taken as one when it looks like a name: a token with
 * `|`, `=` or `,` is already the message (e.g. `Mar  9 12:00:00 CEF:0|...`).
 * Never throws; a line without an envelope comes back unchanged.
 */
import { isBlank, monthNumber, parseDateTime } from './syslog-values';

export interface SyslogEnvelope {
  message: string;
  /** The envelope's timestamp as written (parse with `syslogTime`), null without one. */
  timestamp: string | null;
  host: string | null;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Index just past a `<PRI>` prefix, or 0. */
function afterPri(line: string): number {
  if (line.charCodeAt(0) !== 60) return 0;
  const gt = line.indexOf('>', 1);
  if (gt < 2 || gt > 4) return 0;
  for (let i = 1; i < gt; i++) if (!isDigit(line.charCodeAt(i))) return 0;
  return gt + 1;
}

/** End of the token starting at `p` (next space or end). */
function tokenEnd(line: string, p: number): number {
  const sp = line.indexOf(' ', p);
  return sp < 0 ? line.length : sp;
}

function skipSpaces(line: string, p: number): number {
  while (p < line.length && line.charCodeAt(p) === 32) p++;
  return p;
}

/** Whether `hh:mm:ss` starts at p. */
function isClock(line: string, p: number): boolean {
  return (
    isDigit(line.charCodeAt(p)) &&
    isDigit(line.charCodeAt(p + 1)) &&
    line.charCodeAt(p + 2) === 58 &&
    isDigit(line.charCodeAt(p + 3)) &&
    isDigit(line.charCodeAt(p + 4)) &&
    line.charCodeAt(p + 5) === 58 &&
    isDigit(line.charCodeAt(p + 6)) &&
    isDigit(line.charCodeAt(p + 7))
  );
}

function looksLikeHost(token: string): boolean {
  if (token.length === 0 || token.length > 255) return false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 124 || c === 61 || c === 44 || c === 123 || c === 34) return false;
  }
  return true;
}

function rfc5424(line: string, p: number): SyslogEnvelope | null {
  // version: 1-2 digits then a space, then a timestamp or '-'
  let q = p;
  while (q < line.length && q - p < 2 && isDigit(line.charCodeAt(q))) q++;
  if (q === p || line.charCodeAt(q) !== 32) return null;
  const tsStart = q + 1;
  const c = line.charCodeAt(tsStart);
  const nil = c === 45 && line.charCodeAt(tsStart + 1) === 32;
  if (!nil && !(isDigit(c) && line.charCodeAt(tsStart + 4) === 45 && line.charCodeAt(tsStart + 7) === 45)) return null;
  const tsEnd = tokenEnd(line, tsStart);
  const timestamp = nil ? null : line.slice(tsStart, tsEnd);
  // host app-name procid msgid
  let r = tsEnd + 1;
  const fields: string[] = [];
  for (let k = 0; k < 4; k++) {
    if (r > line.length) return null;
    const e = tokenEnd(line, r);
    fields.push(line.slice(r, e));
    r = e + 1;
  }
  // structured data: '-' or one or more [..] elements (with \] escapes)
  if (r > line.length) return { message: '', timestamp, host: nilOr(fields[0]) };
  if (line.charCodeAt(r) === 45) r += 1;
  else if (line.charCodeAt(r) === 91) {
    while (line.charCodeAt(r) === 91) {
      let i = r + 1;
      for (; i < line.length; i++) {
        const ch = line.charCodeAt(i);
        if (ch === 92) i++;
        else if (ch === 93) break;
      }
      r = i + 1;
    }
  } else return null;
  if (line.charCodeAt(r) === 32) r++;
  let message = line.slice(r);
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1);
  return { message, timestamp, host: nilOr(fields[0]) };
}

function nilOr(s: string | undefined): string | null {
  return s === undefined || s === '-' || s === '' ? null : s;
}

/** Splits `host message` after an envelope timestamp that ended at `p`. */
function hostAndMessage(line: string, p: number, timestamp: string): SyslogEnvelope {
  const h = skipSpaces(line, p);
  const e = tokenEnd(line, h);
  const token = line.slice(h, e);
  // "tag: message" or "tag[pid]: message" with no host in between
  if (token.charCodeAt(token.length - 1) === 58 || !looksLikeHost(token)) {
    return { message: line.slice(h), timestamp, host: null };
  }
  return { message: e < line.length ? line.slice(e + 1) : '', timestamp, host: token };
}

/** Removes a syslog envelope if the line has one. */
export function stripSyslog(line: string): SyslogEnvelope {
  const p = afterPri(line);
  const c = line.charCodeAt(p);
  if (isDigit(c)) {
    if (p > 0) {
      const r = rfc5424(line, p);
      if (r) return r;
    }
    // collector file: ISO timestamp first
    if (line.charCodeAt(p + 4) === 45 && line.charCodeAt(p + 7) === 45 && line.charCodeAt(p + 10) === 84) {
      const e = tokenEnd(line, p);
      return hostAndMessage(line, e, line.slice(p, e));
    }
  } else if (line.charCodeAt(p + 3) === 32 && monthNumber(line.slice(p, p + 3)) !== 0) {
    // RFC 3164: "Mmm dd hh:mm:ss" / "Mmm  d hh:mm:ss" / "Mmm d yyyy hh:mm:ss"
    let q = skipSpaces(line, p + 4);
    const d0 = q;
    while (q < line.length && q - d0 < 2 && isDigit(line.charCodeAt(q))) q++;
    if (q > d0 && line.charCodeAt(q) === 32) {
      q++;
      if (
        isDigit(line.charCodeAt(q)) &&
        isDigit(line.charCodeAt(q + 3)) &&
        line.charCodeAt(q + 4) === 32 &&
        isClock(line, q + 5)
      ) {
        q += 5; // a year between day and time
      }
      if (isClock(line, q)) {
        let e = q + 8;
        // fractional seconds some collectors add
        if (line.charCodeAt(e) === 46) {
          e++;
          while (isDigit(line.charCodeAt(e))) e++;
        }
        if (e >= line.length || line.charCodeAt(e) === 32) return hostAndMessage(line, e, line.slice(p, e));
      }
    }
  }
  return { message: p > 0 ? line.slice(p) : line, timestamp: null, host: null };
}

/** The envelope time as UTC ms (NaN when absent or unreadable); zone-less stamps are read in `timeZone`. */
export function syslogTime(env: SyslogEnvelope, timeZone: string): number {
  if (env.timestamp === null || isBlank(env.timestamp)) return Number.NaN;
  return parseDateTime(env.timestamp, timeZone);
}
