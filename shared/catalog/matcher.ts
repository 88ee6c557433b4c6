/**
 * Host → app attribution. Facts are keyed by host, not app, so this runs at query
 * time over every distinct host, and at import for rollups: it has to be cheap.
 * Hosts repeat enormously in telemetry, so each raw host string is resolved once
 * (normalise, walk labels from most to least specific, else key by registrable
 * domain) and the answer memoised; a cached lookup is one Map.get.
 */
import { parse as parseDomain } from 'tldts';
import { normalizeHost } from './host';
import { parseCidr, parseIp, v4Network, v6Network } from './ip';
import type { Catalog, CatalogApp } from './types';

export { hostFromUrl, normalizeHost } from './host';

/** A catalog app (by index into `catalog.apps` and by id). */
export interface AppMatch {
  readonly kind: 'app';
  readonly index: number;
  readonly id: string;
}

/**
 * Traffic no catalog app claims, keyed by registrable domain (`mail.foo.co.uk` →
 * `foo.co.uk`), or by the host itself for IPs, single labels and hosts without
 * a public suffix (`intranet`, `build.corp.internal`) — those two go to the local
 * network entry instead when the catalog has one (`LOCAL_NETWORK_ID`).
 */
export interface UnidentifiedMatch {
  readonly kind: 'unidentified';
  readonly key: string;
}

export type AppRef = AppMatch | UnidentifiedMatch;

export interface Matcher {
  readonly catalog: Catalog;
  /** The app a hostname belongs to, most specific domain first; unidentified otherwise. Never throws. */
  matchHost(host: string): AppRef;
  /** The app whose CIDR ranges hold `ip` (longest prefix first); unidentified keyed by the canonical IP; null when `ip` is not an IP. */
  matchIp(ip: string): AppRef | null;
  /** Whether the ref is an infrastructure-noise app (OS updates, CRL/OCSP, telemetry, CDNs, captive portals). */
  isNoise(ref: AppRef): boolean;
  /** The catalog entry of an app ref, null for unidentified. */
  app(ref: AppRef): CatalogApp | null;
  /** Entries in the memo caches (for diagnostics). */
  cacheSize(): number;
}

export interface MatcherOptions {
  /** Memoised hosts (and, separately, IPs) kept before the oldest are evicted. */
  cacheSize?: number;
}

/** Big enough for a fleet's distinct hosts in one report, small enough (tens of MB) for a worker. */
const DEFAULT_CACHE_SIZE = 200_000;

/**
 * The catalog app of local and private networks (infrastructure noise): besides its address ranges, the matcher gives
 * it the host names only a local network resolves (see `isLocalName`).
 */
export const LOCAL_NETWORK_ID = 'local-network';

/**
 * Top-level names for local networks: reserved for it (`local` mDNS, `localhost`, `internal`; `home.arpa` below),
 * or never delegated and long used inside organisations (`localdomain`, `lan`, `home`, `corp`, `intranet`).
 */
const LOCAL_TLDS = new Set(['local', 'localhost', 'internal', 'localdomain', 'lan', 'home', 'corp', 'intranet']);

/** A normalised host name only a local network resolves: one label (`fileserver`, `wpad`) or a local top-level name. */
export function isLocalName(host: string): boolean {
  const dot = host.lastIndexOf('.');
  if (dot < 0) return parseIp(host) === null;
  return LOCAL_TLDS.has(host.slice(dot + 1)) || host === 'home.arpa' || host.endsWith('.home.arpa');
}

const IP_RE = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

/** The app of a fact's host: by the catalog's IP ranges when it is an IP address, else by name. */
export function matchAddress(matcher: Matcher, host: string): AppRef {
  return (IP_RE.test(host) ? matcher.matchIp(host) : null) ?? matcher.matchHost(host);
}

/** A string key unique across both kinds, for maps and stores: the app id, or "?" + the unidentified key. */
export function refKey(ref: AppRef): string {
  return ref.kind === 'app' ? ref.id : `?${ref.key}`;
}

/** The unidentified key of a normalised host. */
export function unidentifiedKey(host: string): string {
  if (parseIp(host) !== null) return host;
  // ICANN suffixes only (tldts' default): hosts under private suffixes such as
  // cloudfront.net group under the platform rather than one row per customer subdomain.
  const p = parseDomain(host);
  return p.isIcann && p.domain ? p.domain : host;
}

class MemoCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly cap: number) {}
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    if (this.map.size >= this.cap) {
      // Insertion order makes the first key the oldest: cheap FIFO eviction, good enough for a memo.
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(k, v);
  }
  get size(): number {
    return this.map.size;
  }
}

export function createMatcher(catalog: Catalog, options: MatcherOptions = {}): Matcher {
  const cap = Math.max(1, options.cacheSize ?? DEFAULT_CACHE_SIZE);
  const apps = catalog.apps;
  const refs: AppMatch[] = apps.map((a, index) => Object.freeze({ kind: 'app' as const, index, id: a.id }));
  const noise = new Uint8Array(apps.length);
  const byDomain = new Map<string, number>();
  // Per prefix length: network → app index. Lookups probe each length present, longest first.
  const v4 = new Map<number, Map<number, number>>();
  const v6 = new Map<number, Map<bigint, number>>();

  // Built-in duplicates are a data error (the validator refuses them): first one wins.
  // A custom app wins over a built-in one on the same domain or range: the analyst said so.
  const claim = <K>(map: Map<K, number>, key: K, index: number) => {
    const prev = map.get(key);
    if (prev === undefined || (apps[index].custom && !apps[prev].custom)) map.set(key, index);
  };
  const claimRange = (text: string, index: number) => {
    const c = parseCidr(text.trim());
    if (!c) return;
    if (c.v === 4) {
      let m = v4.get(c.prefix);
      if (!m) {
        m = new Map();
        v4.set(c.prefix, m);
      }
      claim(m, c.net as number, index);
    } else {
      let m = v6.get(c.prefix);
      if (!m) {
        m = new Map();
        v6.set(c.prefix, m);
      }
      claim(m, c.net as bigint, index);
    }
  };
  apps.forEach((app, index) => {
    if (app.noise) noise[index] = 1;
    for (const d of app.domains) {
      const host = normalizeHost(d);
      if (host === null) continue;
      if (parseIp(host) !== null) claimRange(host, index);
      else claim(byDomain, host, index);
    }
    for (const r of app.ips ?? []) claimRange(r, index);
  });
  const local = apps.findIndex((a) => a.id === LOCAL_NETWORK_ID);
  const v4Prefixes = [...v4.keys()].sort((a, b) => b - a);
  const v6Prefixes = [...v6.keys()].sort((a, b) => b - a);

  const hostCache = new MemoCache<AppRef>(cap);
  const ipCache = new MemoCache<AppRef | null>(cap);

  const unidentified = (key: string): UnidentifiedMatch => ({ kind: 'unidentified', key });

  function resolveIp(text: string): AppRef | null {
    const ip = parseIp(text);
    if (!ip) return null;
    if (ip.v === 4) {
      for (const p of v4Prefixes) {
        const hit = v4.get(p)?.get(v4Network(ip.n, p));
        if (hit !== undefined) return refs[hit];
      }
    } else {
      for (const p of v6Prefixes) {
        const hit = v6.get(p)?.get(v6Network(ip.n, p));
        if (hit !== undefined) return refs[hit];
      }
    }
    const canonical = normalizeHost(text);
    return unidentified(canonical ?? text);
  }

  function resolveHost(raw: string): AppRef {
    const host = normalizeHost(raw);
    if (host === null) {
      // Not a hostname (garbage in a log column): still attributable, keyed by itself.
      return unidentified(raw.trim().toLowerCase());
    }
    if (parseIp(host) !== null) return resolveIp(host) ?? unidentified(host);
    let s = host;
    for (;;) {
      const hit = byDomain.get(s);
      if (hit !== undefined) return refs[hit];
      const dot = s.indexOf('.');
      if (dot < 0) break;
      s = s.slice(dot + 1);
    }
    // What no app claims and only a local network resolves: one entry with the local addresses, when the catalog
    // has it (the built-in one does), rather than an unidentified "app" per intranet name.
    if (local >= 0 && isLocalName(host)) return refs[local];
    return unidentified(unidentifiedKey(host));
  }

  return {
    catalog,
    matchHost(host: string): AppRef {
      let r = hostCache.get(host);
      if (r === undefined) {
        r = resolveHost(host);
        hostCache.set(host, r);
      }
      return r;
    },
    matchIp(ip: string): AppRef | null {
      let r = ipCache.get(ip);
      if (r === undefined) {
        r = resolveIp(ip.trim());
        ipCache.set(ip, r);
      }
      return r;
    },
    isNoise(ref: AppRef): boolean {
      return ref.kind === 'app' && noise[ref.index] === 1;
    },
    app(ref: AppRef): CatalogApp | null {
      return ref.kind === 'app' ? (apps[ref.index] ?? null) : null;
    },
    cacheSize(): number {
      return hostCache.size + ipCache.size;
    },
  };
}
