/**
 * Hostname normalisation shared by the matcher, the loader and the validator, so
 * that a catalog domain and a logged host are compared in one form: lowercase
 * ASCII (IDNs in punycode), no trailing dot, IPs in canonical text.
 */
import { canonicalIp } from './ip';

// Plain lowercase ASCII labels: the overwhelmingly common case, checked without
// the URL parser. Underscores occur in real hostnames (SRV-style, some CDNs).
const PLAIN_HOST = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Normalises a hostname: lowercase, trailing dot removed, Unicode labels to
 * punycode (so `münchen.de` and `xn--mnchen-3ya.de` are the same host), IP
 * addresses (bracketed or not) to canonical text. Null when it is not a host —
 * anything with a path, port, user info, spaces or empty labels.
 */
export function normalizeHost(raw: string): string | null {
  let s = raw.trim();
  if (s.length === 0 || s.length > 260) return null;
  const ip = canonicalIp(s);
  if (ip !== null) return ip;
  s = s.toLowerCase();
  while (s.endsWith('.')) s = s.slice(0, -1);
  if (PLAIN_HOST.test(s)) return s.length <= 253 ? s : null;
  if (/[/\\@?#:\s%]/.test(s) || s.length === 0) return null;
  let hostname: string;
  try {
    hostname = new URL(`http://${s}`).hostname;
  } catch {
    return null;
  }
  while (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  // The URL parser also reads "0x7f.1"-style IPv4 forms; keep its answer, it is what a browser would connect to.
  return PLAIN_HOST.test(hostname) || canonicalIp(hostname) !== null ? hostname : null;
}

/**
 * The host of a URL as logged by a proxy: with or without a scheme, with port,
 * user info, path or query. Returns the normalised host, or null.
 */
export function hostFromUrl(url: string): string | null {
  const s = url.trim();
  if (s.length === 0) return null;
  let hostname: string;
  try {
    hostname = new URL(SCHEME.test(s) ? s : `http://${s}`).hostname;
  } catch {
    return null;
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  return hostname ? normalizeHost(hostname) : null;
}
