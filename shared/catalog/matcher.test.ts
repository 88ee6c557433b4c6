import { describe, expect, it } from 'vitest';
import { loadCatalog } from './loader';
import { createMatcher, hostFromUrl, refKey, unidentifiedKey } from './matcher';
import type { CatalogApp, CatalogFile } from './types';

function app(id: string, domains: string[], over: Partial<CatalogApp> = {}): CatalogApp {
  return {
    id,
    name: id,
    vendor: 'v',
    category: 'Cloud storage',
    homepage: `https://${domains[0]}`,
    domains,
    hq: null,
    founded: null,
    holding: 'unknown',
    attributes: {},
    sources: [],
    ...over,
  };
}

const file: CatalogFile = {
  version: '1',
  date: '2025-06-01',
  apps: [
    app('google', ['google.com']),
    app('google-drive', ['drive.google.com', 'docs.google.com'], { ips: ['142.250.0.0/15', '2001:4860::/32'] }),
    app('google-drive-api', ['www.googleapis.com'], { ips: ['142.250.10.0/24'] }),
    app('munich', ['xn--mnchen-3ya.de']),
    app('ocsp', ['ocsp.digicert.com'], { noise: true, category: 'Infrastructure' }),
  ],
};

const id = (ref: ReturnType<ReturnType<typeof createMatcher>['matchHost']> | null) =>
  ref === null ? null : refKey(ref);

describe('matcher', () => {
  const m = createMatcher(
    loadCatalog(
      [file],
      [
        {
          name: 'Intranet Wiki',
          domains: ['wiki.corp.example.com', '10.1.2.3'],
          ips: ['fd00::/8'],
          category: 'Collaboration',
          notes: '',
        },
      ],
    ),
  );

  it('picks the most specific domain', () => {
    expect(id(m.matchHost('drive.google.com'))).toBe('google-drive');
    expect(id(m.matchHost('a.b.drive.google.com'))).toBe('google-drive');
    expect(id(m.matchHost('mail.google.com'))).toBe('google');
    expect(id(m.matchHost('google.com'))).toBe('google');
    expect(id(m.matchHost('notgoogle.com'))).toBe('?notgoogle.com');
    expect(id(m.matchHost('drive.google.com.evil.net'))).toBe('?evil.net');
  });

  it('is case-, trailing-dot- and IDN-insensitive', () => {
    expect(id(m.matchHost('DRIVE.Google.Com.'))).toBe('google-drive');
    expect(id(m.matchHost('www.münchen.de'))).toBe('munich');
    expect(id(m.matchHost('xn--mnchen-3ya.de'))).toBe('munich');
    expect(id(m.matchHost('WWW.MÜNCHEN.DE.'))).toBe('munich');
  });

  it('returns a stable ref with index and id', () => {
    const r = m.matchHost('docs.google.com');
    expect(r).toEqual({ kind: 'app', index: 1, id: 'google-drive' });
    expect(m.matchHost('docs.google.com')).toBe(r);
    expect(m.app(r)?.name).toBe('google-drive');
  });

  it('keys unidentified hosts by registrable domain, else by the host', () => {
    expect(m.matchHost('a.b.example.co.uk')).toEqual({ kind: 'unidentified', key: 'example.co.uk' });
    expect(id(m.matchHost('intranet'))).toBe('?intranet');
    expect(id(m.matchHost('build01.corp.internal'))).toBe('?build01.corp.internal');
    expect(id(m.matchHost('x.y.cloudfront.net'))).toBe('?cloudfront.net');
    expect(id(m.matchHost('straße.de'))).toBe('?xn--strae-oqa.de');
    expect(id(m.matchHost('bad host!'))).toBe('?bad host!');
    expect(unidentifiedKey('192.0.2.1')).toBe('192.0.2.1');
  });

  it('matches IPs on CIDR ranges, longest prefix first, else keys by the IP', () => {
    expect(id(m.matchIp('142.251.3.4'))).toBe('google-drive');
    expect(id(m.matchIp('142.250.10.9'))).toBe('google-drive-api');
    expect(id(m.matchIp('2001:4860:4860::8888'))).toBe('google-drive');
    expect(id(m.matchIp('::ffff:142.250.10.9'))).toBe('google-drive-api');
    expect(id(m.matchIp('8.8.8.8'))).toBe('?8.8.8.8');
    expect(id(m.matchIp('2001:DB8:0::1'))).toBe('?2001:db8::1');
    expect(m.matchIp('not an ip')).toBeNull();
    // An IP in the host column goes through the same ranges.
    expect(id(m.matchHost('142.250.10.9'))).toBe('google-drive-api');
    expect(id(m.matchHost('[2001:db8::1]'))).toBe('?2001:db8::1');
  });

  it('matches custom apps on domains and ranges (IPs in domains count as host routes)', () => {
    expect(id(m.matchHost('wiki.corp.example.com'))).toBe('custom-intranet-wiki');
    expect(id(m.matchHost('other.corp.example.com'))).toBe('?example.com');
    expect(id(m.matchIp('fd12::1'))).toBe('custom-intranet-wiki');
    expect(id(m.matchIp('10.1.2.3'))).toBe('custom-intranet-wiki');
    expect(id(m.matchIp('10.1.2.4'))).toBe('?10.1.2.4');
  });

  it('lets a custom app win on a domain a built-in app also claims', () => {
    const c = createMatcher(
      loadCatalog(
        [file],
        [{ name: 'Our Drive', domains: ['drive.google.com'], ips: [], category: 'Cloud storage', notes: '' }],
      ),
    );
    expect(id(c.matchHost('drive.google.com'))).toBe('custom-our-drive');
    expect(id(c.matchHost('docs.google.com'))).toBe('google-drive');
  });

  it('flags infrastructure noise', () => {
    expect(m.isNoise(m.matchHost('ocsp.digicert.com'))).toBe(true);
    expect(m.isNoise(m.matchHost('drive.google.com'))).toBe(false);
    expect(m.isNoise(m.matchHost('unknown.example'))).toBe(false);
  });

  it('caps its memo cache', () => {
    const small = createMatcher(loadCatalog([file], []), { cacheSize: 10 });
    for (let i = 0; i < 100; i++) small.matchHost(`h${i}.example.com`);
    expect(small.cacheSize()).toBe(10);
    expect(id(small.matchHost('h0.example.com'))).toBe('?example.com');
  });

  it('exposes the URL helper', () => {
    expect(id(m.matchHost(hostFromUrl('https://Drive.Google.com/file/d/x') ?? ''))).toBe('google-drive');
  });
});
