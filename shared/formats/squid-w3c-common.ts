/**
 * Text helpers shared by the proxy formats (Squid, W3C/ELFF): token splitting
 * with quoted and bracketed values, URL host/port extraction without the URL
 * parser (it is the hot path), host normalisation and Apache-style timestamps.
 */
import { wallClockToUtc } from './time';

/**
 * Splits a log line into `out` and returns the token count. Tokens are separated
 * by runs of spaces/tabs (or by single `sep` characters when given, e.g. a tab for
 * tab-delimited W3C files, where values may contain spaces). A token that starts
 * with `"` runs to its closing quote (see closingQuote); one that starts with `[`
 * runs to a `]` followed by a separator or the end of line. Quotes and brackets are
 * removed; escaped quotes are restored.
 */
export function splitTokens(line: string, out: string[], sep: string | null = null): number {
  const n = line.length;
  let count = 0;
  let i = 0;
  if (sep !== null) {
    for (;;) {
      const cut = line.indexOf(sep, i);
      const end = cut < 0 ? n : cut;
      out[count++] = unquote(line.slice(i, end).trim());
      if (cut < 0) break;
      i = cut + sep.length;
    }
    return count;
  }
  // Lines without tabs (the usual case) find token ends with indexOf, not a char loop.
  const tabs = line.indexOf('\t') >= 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const c = line.charCodeAt(i);
    if (c === 34 /* " */) {
      const j = closingQuote(line, i + 1);
      if (j < 0) {
        // Unterminated: the rest of the line is the value.
        out[count++] = line.slice(i + 1);
        break;
      }
      const v = line.slice(i + 1, j);
      out[count++] = v.indexOf('"') >= 0 ? v.replace(/""|\\"/g, '"') : v;
      i = j + 1;
    } else {
      let j: number;
      if (tabs) {
        j = i + 1;
        while (j < n && !isSpace(line.charCodeAt(j))) j++;
      } else {
        j = line.indexOf(' ', i + 1);
        if (j < 0) j = n;
      }
      // "[10/Oct/2024:13:55:36 +0200]" spans a space; "[2001:db8::1]:443" is a plain token.
      const close = c === 91 /* [ */ ? closingBracket(line, i + 1, j) : -1;
      if (close >= 0) {
        out[count++] = line.slice(i + 1, close);
        i = close + 1;
      } else {
        out[count++] = line.slice(i, j);
        i = j;
      }
    }
  }
  return count;
}

/**
 * Index of the quote closing a value that starts at `from`: one followed by a
 * separator or the end of line. `""` (W3C) and `\\"` (Apache/Squid) are escapes.
 */
function closingQuote(line: string, from: number): number {
  const n = line.length;
  for (let j = from; j < n; j++) {
    const c = line.charCodeAt(j);
    if (c === 92 /* \\ */) {
      j++;
    } else if (c === 34) {
      if (j + 1 >= n || isSpace(line.charCodeAt(j + 1))) return j;
      if (line.charCodeAt(j + 1) === 34) j++;
    }
  }
  return -1;
}

/**
 * Index of the `]` closing a bracketed value: the first `]` after `from`, when it
 * ends a token. -1 when the first `]` falls inside the plain token ending at `plainEnd`.
 */
function closingBracket(line: string, from: number, plainEnd: number): number {
  const j = line.indexOf(']', from);
  if (j < 0) return -1;
  if (j < plainEnd - 1) return -1;
  return j + 1 >= line.length || isSpace(line.charCodeAt(j + 1)) ? j : -1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) {
    const inner = v.slice(1, -1);
    return inner.indexOf('"') >= 0 ? inner.replace(/""/g, '"') : inner;
  }
  return v;
}

/** A log's "no value" placeholder. */
export function isDash(v: string | undefined): boolean {
  return v === undefined || v.length === 0 || v === '-';
}

/** Non-negative integer, null for '-' or anything else. */
export function parseUint(s: string | undefined): number | null {
  if (s === undefined) return null;
  const len = s.length;
  if (len === 0 || len > 15) return null;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Epoch seconds as decimal text ("1157689312.049") to ms, cut to ms by digits. */
export function epochSecondsToMs(s: string): number {
  const dot = s.indexOf('.');
  const sec = parseUint(dot < 0 ? s : s.slice(0, dot));
  if (sec === null || sec > 1e11) return Number.NaN;
  let ms = 0;
  if (dot >= 0) {
    let scale = 100;
    for (let i = dot + 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return Number.NaN;
      if (scale >= 1) {
        ms += (c - 48) * scale;
        scale /= 10;
      }
    }
  }
  return sec * 1000 + ms;
}

export interface HostPort {
  /** Normalised host name, null when absent or an IP literal. */
  host: string | null;
  /** The IP literal when the authority is one. */
  ip: string | null;
  port: number | null;
  scheme: string | null;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ftp: 21, ws: 80, wss: 443 };

/** Default port of a URL scheme, null if unknown. */
export function schemePort(scheme: string | null): number | null {
  if (!scheme) return null;
  return DEFAULT_PORTS[scheme.toLowerCase()] ?? null;
}

/**
 * Host and port of a URL as proxies log it: `scheme://[user@]host[:port]/...`,
 * or the `host:port` of a CONNECT, or a bare host. Paths ("/x") have no host.
 */
export function urlHostPort(url: string, out: HostPort): HostPort {
  out.host = null;
  out.ip = null;
  out.port = null;
  out.scheme = null;
  if (url.length === 0 || url === '-' || url.charCodeAt(0) === 47 /* / */) return out;
  let start = 0;
  const sch = url.indexOf('://');
  if (sch > 0 && sch < 12) {
    out.scheme = url.slice(0, sch).toLowerCase();
    start = sch + 3;
  } else {
    // No scheme: only a CONNECT authority (host:port, [v6]:port) or a bare host. "error:invalid-request" is neither.
    const colon = url.lastIndexOf(':');
    if (colon >= 0 && (parseUint(url.slice(colon + 1)) === null || url.indexOf('/') >= 0)) return out;
  }
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      end = i;
      break;
    }
  }
  let auth = url.slice(start, end);
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  let hostPart = auth;
  let portText: string | null = null;
  if (auth.charCodeAt(0) === 91 /* [ */) {
    const close = auth.indexOf(']');
    if (close < 0) return out;
    hostPart = auth.slice(1, close);
    if (auth.charCodeAt(close + 1) === 58) portText = auth.slice(close + 2);
  } else {
    const colon = auth.indexOf(':');
    if (colon >= 0) {
      if (auth.indexOf(':', colon + 1) >= 0) {
        hostPart = auth; // bare IPv6
      } else {
        hostPart = auth.slice(0, colon);
        portText = auth.slice(colon + 1);
      }
    }
  }
  const p = portText === null ? null : parseUint(portText);
  out.port = p !== null && p <= 65535 ? p : schemePort(out.scheme);
  classifyHost(hostPart, out);
  return out;
}

/** Fills `out.host` or `out.ip` from a raw host string. */
export function classifyHost(raw: string, out: { host: string | null; ip: string | null }): void {
  out.host = null;
  out.ip = null;
  let s = raw;
  if (s.length === 0 || s === '-') return;
  if (s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  if (isIpLiteral(s)) {
    out.ip = s.toLowerCase();
    return;
  }
  out.host = normalizeHostName(s);
}

/** Lowercase, no trailing dot; null for empty or non-host text. */
export function normalizeHostName(raw: string): string | null {
  let end = raw.length;
  while (end > 0 && raw.charCodeAt(end - 1) === 46) end--;
  if (end === 0 || end > 253) return null;
  const s = end === raw.length ? raw : raw.slice(0, end);
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (
      !((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 42 || c >= 128)
    ) {
      // Letters, digits, '-', '.', '_', '*' and non-ASCII (IDN) only: anything else is not a host name.
      return null;
    }
  }
  return upper ? s.toLowerCase() : s;
}

/** IPv4 dotted quad or IPv6 text (shape check). */
export function isIpLiteral(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  if (s.indexOf(':') >= 0) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (!((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46 || c === 37)) {
        return false;
      }
    }
    return true;
  }
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return dots === 3;
}

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

/**
 * Apache/Squid "common" time, brackets already removed: `dd/Mon/yyyy:HH:MM:SS +zzzz`
 * (month by name or number; zone `+hhmm`, `GMT`/`UTC`/`Z`, or none). Without a zone
 * the wall clock is taken in `timeZone`. NaN if unreadable.
 */
export function parseClfTime(s: string, timeZone: string): number {
  const t = s.trim();
  const a = t.indexOf('/');
  const b = a < 0 ? -1 : t.indexOf('/', a + 1);
  const c = b < 0 ? -1 : t.indexOf(':', b + 1);
  if (c < 0) return Number.NaN;
  const day = parseUint(t.slice(0, a));
  const monText = t.slice(a + 1, b);
  const month = parseUint(monText) ?? MONTHS[monText.toLowerCase()] ?? null;
  const year = parseUint(t.slice(b + 1, c));
  const rest = t.slice(c + 1);
  const sp = rest.search(/[\s+-]|Z$/i);
  const clock = sp < 0 ? rest : rest.slice(0, sp);
  const zone = sp < 0 ? '' : rest.slice(sp).trim();
  const parts = clock.split(':');
  if (day === null || month === null || year === null || parts.length < 2 || parts.length > 3) return Number.NaN;
  const hh = parseUint(parts[0]);
  const mm = parseUint(parts[1]);
  let sec = 0;
  let ms = 0;
  if (parts.length === 3) {
    const dot = parts[2].indexOf('.');
    const whole = parseUint(dot < 0 ? parts[2] : parts[2].slice(0, dot));
    if (whole === null) return Number.NaN;
    sec = whole;
    if (dot >= 0) ms = Math.floor(Number(`0.${parts[2].slice(dot + 1)}`) * 1000) || 0;
  }
  if (hh === null || mm === null) return Number.NaN;
  if (zone.length === 0) return wallClockToUtc(year, month, day, hh, mm, sec, ms, timeZone);
  const utc = wallClockToUtc(year, month, day, hh, mm, sec, ms, 'UTC');
  const z = zone.toUpperCase();
  if (z === 'GMT' || z === 'UTC' || z === 'Z') return utc;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return Number.NaN;
  const off = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === '-' ? utc + off : utc - off;
}

/** Percent-decoding for user names some proxies URL-escape (DOMAIN%5Cuser); raw text if malformed. */
export function decodeUser(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
