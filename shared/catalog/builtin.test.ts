import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG, BUILTIN_CATALOG_FILES } from './builtin';
import { loadCatalog } from './loader';
import { createMatcher } from './matcher';

describe('built-in catalog index', () => {
  it('lists every data file (run scripts/gen-catalog-index.mjs after adding one)', () => {
    const onDisk = readdirSync('shared/catalog/data')
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect([...BUILTIN_CATALOG_FILES]).toEqual(onDisk);
    expect(BUILTIN_CATALOG).toHaveLength(onDisk.length);
  });

  const m = createMatcher(loadCatalog(BUILTIN_CATALOG, []));
  /** The app a host name goes to, by name, or `unidentified:<key>`. */
  const name = (h: string) => {
    const r = m.matchHost(h);
    return r.kind === 'app' ? m.app(r)?.name : `unidentified:${r.key}`;
  };

  it('attributes well-known hosts to the right apps', () => {
    expect(name('www.dropbox.com')).toBe('Dropbox');
    expect(name('drive.google.com')).toMatch(/Google Drive/);
    expect(name('github.com')).toBe('GitHub');
    expect(name('some-unknown-host.example.org')).toBe('unidentified:example.org');
  });

  it('puts destinations on local and private networks under one infrastructure-noise entry, not an app per address', () => {
    // Endpoint telemetry reaches domain controllers, file shares, printers, loopback and multicast groups as much
    // as the internet: each such address was an "Unidentified" app of its own (in a real Zeek capture 4 of 11 apps,
    // 58% of the transactions). Still counted, hidden by the default noise filter, left out of risk.
    const of = (ip: string) => {
      const r = m.matchIp(ip);
      return r?.kind === 'app' ? `${m.app(r)?.name}${m.isNoise(r) ? ' (noise)' : ''}` : `unidentified:${r?.key}`;
    };
    for (const ip of [
      '10.47.21.80',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.0.4',
      '100.64.1.1',
      '127.0.0.1',
      '169.254.10.20',
      '239.255.255.250',
      '255.255.255.255',
      '::1',
      'fe80::1c2b:3aff:fe4f:1',
      'fd12:3456::1',
      'ff02::fb',
    ])
      expect(of(ip), ip).toBe('Local and private networks (noise)');
    // Public resolvers reached by address alone (DNS over HTTPS or TLS) are their own noise entries.
    expect(of('8.8.8.8')).toBe('Google Public DNS (noise)');
    expect(of('2606:4700:4700::1111')).toBe('Cloudflare 1.1.1.1 DNS (noise)');
    for (const ip of ['172.32.0.1', '100.128.0.1', '93.184.216.34', '2a02:c0:ac::e51:1'])
      expect(of(ip), ip).toBe(`unidentified:${ip}`);
    // So do names only a local network resolves (the same capture's other unidentified entries were dmevals.local
    // hosts), unless an app claims them; names under a public suffix stay what they were.
    for (const h of [
      'newyork.dmevals.local',
      'DC01.Contoso.Local.',
      'fileserver',
      'wpad',
      'localhost',
      'build01.corp.internal',
      'nas.home.arpa',
      'printer.lan',
      'router.localdomain',
      'wiki.intranet',
    ])
      expect(name(h), h).toBe('Local and private networks');
    expect(name('sharepoint.contoso.com')).toBe('unidentified:contoso.com');
    expect(name('local.example.com')).toBe('unidentified:example.com');
    expect(name('www.dropbox.com')).toBe('Dropbox');
  });
});
