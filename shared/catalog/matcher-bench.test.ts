// Micro-benchmark of the matcher: reports throughput only, asserts no timing
// (CI machines vary too much for a timing threshold to mean anything).
import { describe, expect, it } from 'vitest';
import { loadCatalog } from './loader';
import { createMatcher } from './matcher';
import type { CatalogApp } from './types';

function syntheticApps(n: number): CatalogApp[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `app-${i}`,
    name: `App ${i}`,
    vendor: 'v',
    category: 'Productivity',
    homepage: `https://app${i}.com`,
    domains: [`app${i}.com`, `api.app${i}.io`],
    hq: null,
    founded: null,
    holding: 'unknown' as const,
    attributes: {},
    sources: [],
  }));
}

describe('matcher benchmark', () => {
  it('reports lookups per second on cached and uncached hosts', () => {
    const m = createMatcher(loadCatalog([{ version: '1', date: '2025-01-01', apps: syntheticApps(1500) }], []));
    // A realistic mix: catalog subdomains, unknown domains, IPs.
    const hosts = Array.from({ length: 20_000 }, (_, i) =>
      i % 5 === 0
        ? `cdn${i}.unknown${i % 997}.net`
        : i % 7 === 0
          ? `10.${(i >> 8) & 255}.${i & 255}.1`
          : `x${i}.api.app${i % 1500}.io`,
    );
    let t = performance.now();
    for (const h of hosts) m.matchHost(h);
    const coldMs = performance.now() - t;

    const rounds = 100;
    let apps = 0;
    t = performance.now();
    for (let r = 0; r < rounds; r++) for (const h of hosts) if (m.matchHost(h).kind === 'app') apps++;
    const warmMs = performance.now() - t;
    const lookups = rounds * hosts.length;
    console.info(
      `matcher: cold ${Math.round(hosts.length / (coldMs / 1000)).toLocaleString('en')} hosts/s; ` +
        `cached ${Math.round(lookups / (warmMs / 1000)).toLocaleString('en')} lookups/s (${lookups.toLocaleString('en')} in ${warmMs.toFixed(0)} ms)`,
    );
    expect(apps).toBeGreaterThan(0);
  });
});
