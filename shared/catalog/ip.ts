/**
 * IPv4/IPv6 address and CIDR parsing for the catalog: the validator checks app
 * `ips`, the matcher looks remote IPs up in them. Written here rather than taken
 * from a library because it is small, must run in a worker, and we need exact
 * control over what counts as valid (no octal/hex IPv4 forms from logs).
 */

export type ParsedIp = { v: 4; n: number } | { v: 6; n: bigint };

export interface Cidr {
  v: 4 | 6;
  /** Network address with host bits cleared (number for v4, bigint for v6). */
  net: number | bigint;
  prefix: number;
}

const V4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Dotted-quad IPv4 to an unsigned 32-bit number, or null. Leading zeros are refused (ambiguous octal). */
export function parseIpv4(s: string): number | null {
  const m = V4.exec(s);
  if (!m) return null;
  return ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0;
}

/** IPv6 (RFC 4291 text forms, optional zone id, optional brackets) to a 128-bit bigint, or null. */
export function parseIpv6(input: string): bigint | null {
  let s = input;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length < 2 || s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  let tail: [number, number] | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    const v4 = lastColon < 0 ? null : parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.length === 0 || g.length > 4) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const rest = parseGroups(s.slice(dbl + 2));
    if (!head || !rest || head.length + rest.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    const all = parseGroups(s);
    if (all?.length !== 8) return null;
    groups = all;
  }
  if (tail) {
    groups[6] = tail[0];
    groups[7] = tail[1];
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * Parses an IP address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is returned as IPv4,
 * because that is how the same remote shows up in other sources.
 */
export function parseIp(s: string): ParsedIp | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return { v: 4, n: v4 };
  const v6 = parseIpv6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { v: 4, n: Number(v6 - V4_MAPPED_PREFIX) };
  return { v: 6, n: v6 };
}

/** Canonical text of an address: dotted quad, or RFC 5952 compressed lowercase IPv6. */
export function formatIp(ip: ParsedIp): string {
  if (ip.v === 4) return `${ip.n >>> 24}.${(ip.n >>> 16) & 255}.${(ip.n >>> 8) & 255}.${ip.n & 255}`;
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.n >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an IP string, or null when it is not an IP address. */
export function canonicalIp(s: string): string | null {
  const ip = parseIp(s);
  return ip ? formatIp(ip) : null;
}

/**
 * Parses "addr/prefix" (a bare address is a host route). Host bits set beyond
 * the prefix are refused rather than silently cleared: in catalog data they are
 * almost always a typo in the prefix length.
 */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  const addrText = slash >= 0 ? s.slice(0, slash) : s;
  const prefixText = slash >= 0 ? s.slice(slash + 1) : null;
  // Parse without the v4-mapped folding: a v6 range must stay a v6 range.
  const v4 = parseIpv4(addrText);
  const v6 = v4 === null ? parseIpv6(addrText) : null;
  if (v4 === null && v6 === null) return null;
  const bits = v4 !== null ? 32 : 128;
  if (prefixText !== null && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
  const prefix = prefixText === null ? bits : Number(prefixText);
  if (prefix > bits) return null;
  if (v4 !== null) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((v4 & ~mask) >>> 0 !== 0) return null;
    return { v: 4, net: v4, prefix };
  }
  const n = v6 as bigint;
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  if ((n & hostMask) !== 0n) return null;
  return { v: 6, net: n, prefix };
}

/** Network part of an IPv4 address for a prefix length. */
export function v4Network(n: number, prefix: number): number {
  return prefix === 0 ? 0 : (n & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
}

/** Network part of an IPv6 address for a prefix length. */
export function v6Network(n: bigint, prefix: number): bigint {
  return prefix === 0 ? 0n : (n >> BigInt(128 - prefix)) << BigInt(128 - prefix);
}

/**
 * An analyst's subnet ("10.20.0.0/16", "10.20.7.9/16", "2001:db8::/32", or one address): its network, host bits
 * cleared rather than refused (unlike catalog ranges, see parseCidr); null when it is not one.
 */
export function subnetOf(s: string): Cidr | null {
  const text = s.trim();
  const slash = text.indexOf('/');
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip) return null;
  const bits = ip.v === 4 ? 32 : 128;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : null;
  if (prefixText !== null && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
  const prefix = prefixText === null ? bits : Number(prefixText);
  if (prefix > bits) return null;
  return ip.v === 4 ? { v: 4, net: v4Network(ip.n, prefix), prefix } : { v: 6, net: v6Network(ip.n, prefix), prefix };
}

/** Whether an address (text) lies in a subnet. */
export function inSubnet(address: string, net: Cidr): boolean {
  const ip = parseIp(address);
  if (!ip || ip.v !== net.v) return false;
  return ip.v === 4 ? v4Network(ip.n, net.prefix) === net.net : v6Network(ip.n as bigint, net.prefix) === net.net;
}
