import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from './attributes';
import { domainProblem, parseCatalogFile, validateCatalog, validateCatalogs } from './schema';
import type { CatalogApp, CatalogFile } from './types';

function app(over: Partial<CatalogApp> = {}): CatalogApp {
  return {
    id: 'google',
    name: 'Google',
    vendor: 'Google LLC',
    category: 'Search engine',
    homepage: 'https://www.google.com',
    domains: ['google.com'],
    hq: 'US',
    founded: 1998,
    holding: 'public',
    attributes: {
      mfa: true,
      tlsVersion: '1.2',
      dataCenters: ['US', 'IE'],
      lastBreach: '2018-10',
      dataRetentionPolicy: 'Deleted 180 days after termination',
    },
    sources: [
      { covers: ['mfa', 'tlsVersion', 'dataCenters', 'dataRetentionPolicy'], url: 'https://cloud.google.com/security' },
      { covers: ['hq', 'founded', 'holding', 'lastBreach'], url: 'well known' },
    ],
    ...over,
  };
}

function file(apps: CatalogApp[], over: Partial<CatalogFile> = {}): CatalogFile {
  return { version: '2025.1', date: '2025-06-01', apps, ...over };
}

const validFixture = file([
  app(),
  app({
    id: 'google-drive',
    name: 'Google Drive',
    category: 'Cloud storage',
    domains: ['drive.google.com', 'drive.usercontent.google.com'],
    ips: ['142.250.0.0/15', '2001:4860::/32'],
  }),
  app({
    id: 'windows-update',
    name: 'Windows Update',
    vendor: 'Microsoft',
    category: 'Infrastructure',
    homepage: 'https://support.microsoft.com',
    domains: ['windowsupdate.com', 'update.microsoft.com'],
    hq: null,
    founded: null,
    holding: 'unknown',
    attributes: {},
    sources: [],
    noise: true,
  }),
]);

/** Problems for a one-app file where the app is `app(over)`. */
function problemsOf(over: Partial<CatalogApp>): string[] {
  return validateCatalog(file([app(over)]));
}

describe('validateCatalog on fixtures', () => {
  it('accepts a valid catalog (nested hosts of other apps included)', () => {
    expect(validateCatalog(validFixture)).toEqual([]);
    expect(() => parseCatalogFile(validFixture)).not.toThrow();
  });

  it('refuses ids that are not kebab-case, duplicated, or in the custom- space', () => {
    expect(problemsOf({ id: 'Google_Drive' })).toEqual(['app "Google_Drive" id: id "Google_Drive" must be kebab-case']);
    expect(problemsOf({ id: 'custom-ink' })).toEqual([
      'app "custom-ink": id must not start with "custom-" (reserved for custom apps)',
    ]);
    const dup = validateCatalog(file([app(), app({ domains: ['google.de'] })]));
    expect(dup).toEqual(['app "google": id is already used (apps[0])']);
  });

  it('refuses empty name and vendor, and unknown categories', () => {
    expect(problemsOf({ name: ' ' })).toEqual(['app "google" name: name must not be empty']);
    expect(problemsOf({ vendor: '' })).toEqual(['app "google" vendor: vendor must not be empty']);
    expect(problemsOf({ category: 'Search' })).toEqual([
      'app "google" category: category "Search" is not one of CATEGORIES',
    ]);
  });

  it('refuses domains with scheme, path, wildcard, port, upper case, IPs, bare suffixes', () => {
    const bad = [
      'https://google.com',
      'google.com/drive',
      '*.google.com',
      'google.com:443',
      'Google.com',
      '8.8.8.8',
      'co.uk',
      'intranet',
      'google.com.',
      'foo.corp',
      'a..b.com',
      '-a.com',
      'münchen.de',
    ];
    for (const d of bad) {
      const p = problemsOf({ domains: [d] });
      expect(p, d).toHaveLength(1);
      expect(p[0]).toContain(`domain ${JSON.stringify(d)}`);
    }
    expect(domainProblem('münchen.de')).toBe('is not ASCII; use the punycode form "xn--mnchen-3ya.de"');
    expect(domainProblem('*.google.com')).toMatch(/wildcard/);
    expect(domainProblem('xn--mnchen-3ya.de')).toBeNull();
    expect(domainProblem('s3.amazonaws.com')).toBeNull();
    expect(domainProblem('foo.co.uk')).toBeNull();
    expect(problemsOf({ domains: [] })).toEqual([
      'app "google": domains: an app needs at least one domain, or IP ranges',
    ]);
    expect(problemsOf({ domains: [], ips: ['10.0.0.0/8'] })).toEqual([]);
  });

  it('refuses the same domain in two apps but allows a more specific host', () => {
    const two = validateCatalog(file([app(), app({ id: 'google-search', domains: ['www.google.com', 'google.com'] })]));
    expect(two).toEqual(['app "google-search": domain "google.com" is also claimed by app "google" (apps[0])']);
    expect(problemsOf({ domains: ['google.com', 'google.com'] })).toEqual([
      'app "google": domain "google.com" is listed twice',
    ]);
  });

  it('checks domain claims and ids across files', () => {
    const a = file([app()]);
    const b = file([app({ id: 'google-2', domains: ['google.com'] })]);
    expect(
      validateCatalogs([
        { name: 'a.json', file: a },
        { name: 'b.json', file: b },
      ]),
    ).toEqual(['b.json: app "google-2": domain "google.com" is also claimed by app "google" (a.json: apps[0])']);
  });

  it('refuses unknown attributes and values of the wrong type', () => {
    const p = problemsOf({
      attributes: {
        SOC2: true,
        mfa: 'yes',
        tlsVersion: 'TLS 1.2',
        dataCenters: 'US',
        lastBreach: '2018-13',
        dataRetentionPolicy: '',
      },
      sources: [
        {
          covers: [
            'SOC2',
            'mfa',
            'tlsVersion',
            'dataCenters',
            'lastBreach',
            'dataRetentionPolicy',
            'hq',
            'founded',
            'holding',
          ],
          url: 'well known',
        },
      ],
    });
    expect(p).toEqual([
      'app "google": a source covers unknown id "SOC2"',
      'app "google": unknown attribute "SOC2" (did you mean "soc2"?)',
      'app "google": attribute "mfa" must be true or false',
      'app "google": attribute "tlsVersion" must be a version such as "1.2"',
      'app "google": attribute "dataCenters" must be a list of strings',
      'app "google": attribute "lastBreach" must be a date YYYY, YYYY-MM or YYYY-MM-DD',
      'app "google": attribute "dataRetentionPolicy" must be a non-empty text',
    ]);
    expect(
      problemsOf({
        attributes: { lastBreach: '2026-01-01' },
        sources: [{ covers: ['lastBreach', 'hq', 'founded', 'holding'], url: 'well known' }],
      }),
    ).toEqual(['app "google": attribute "lastBreach" is after the catalog date 2025-06-01']);
  });

  it('requires every known attribute and hq/founded/holding to be covered by a source', () => {
    const p = problemsOf({
      attributes: { mfa: true, soc2: false },
      sources: [{ covers: ['mfa'], url: 'https://example.com/trust' }],
    });
    expect(p).toEqual([
      'app "google": attribute "soc2" is not covered by any source',
      'app "google": hq is set but not covered by any source',
      'app "google": founded is set but not covered by any source',
      'app "google": holding is set but not covered by any source',
    ]);
    // Unknown hq/founded/holding need no source.
    expect(problemsOf({ hq: null, founded: null, holding: 'unknown', attributes: {}, sources: [] })).toEqual([]);
  });

  it('accepts only https source URLs or "well known"', () => {
    for (const url of ['http://example.com/trust', 'Well known', 'example.com', '']) {
      const p = problemsOf({
        sources: [
          {
            covers: [
              'mfa',
              'tlsVersion',
              'dataCenters',
              'dataRetentionPolicy',
              'hq',
              'founded',
              'holding',
              'lastBreach',
            ],
            url,
          },
        ],
      });
      expect(p, url).toEqual([
        `app "google" sources[0].url: source url ${JSON.stringify(url)} must be an https URL or "well known"`,
      ]);
    }
  });

  it('checks hq, founded, holding, ips, noise and unknown keys', () => {
    expect(problemsOf({ hq: 'USA' })[0]).toMatch(/hq "USA" must be an ISO 3166-1 alpha-2/);
    expect(problemsOf({ founded: 1998.5 })[0]).toMatch(/founded must be a whole year/);
    expect(problemsOf({ holding: 'listed' as never })[0]).toMatch(/holding must be/);
    expect(problemsOf({ ips: ['10.0.0.1/8'] })).toEqual([
      'app "google" ips[0]: ip range "10.0.0.1/8" is not a valid CIDR (host bits must be zero)',
    ]);
    expect(problemsOf({ ips: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] })).toEqual([]);
    expect(problemsOf({ noise: 'yes' as never })[0]).toMatch(/noise must be true or false/);
    expect(problemsOf({ custom: true })[0]).toMatch(/custom/);
    expect(problemsOf({ attributes: undefined as never })[0]).toMatch(/attributes/);
    expect(validateCatalog({ ...validFixture, extra: 1 })).toEqual(['file: unknown key "extra"']);
  });

  it('reports a bad header and still checks the apps', () => {
    const p = validateCatalog({ version: '', date: '2025-02-30', apps: [app({ name: '' })] });
    expect(p).toEqual([
      'file version: version must not be empty',
      'file date: date must be an ISO date YYYY-MM-DD',
      'app "google" name: name must not be empty',
    ]);
    expect(validateCatalog(null)).toHaveLength(1);
    expect(validateCatalog([])).toHaveLength(1);
    expect(() => parseCatalogFile({ apps: 3 }, 'x.json')).toThrow(/x\.json is not a valid catalog/);
  });
});

// The real catalog data. Files may be absent or partial while they are being
// written; each file present must still be valid, and all of them together.
const dataDir = new URL('./data/', import.meta.url);
const dataFiles = existsSync(dataDir)
  ? readdirSync(dataDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];
const loaded = dataFiles.map((name) => {
  const text = readFileSync(new URL(name, dataDir), 'utf8');
  let json: unknown;
  let error: string | null = null;
  try {
    json = JSON.parse(text);
  } catch (e) {
    error = `${name}: not valid JSON: ${(e as Error).message}`;
  }
  return { name, file: json, error };
});

describe('catalog data files', () => {
  for (const f of loaded) {
    it(`${f.name} is valid`, () => {
      expect(f.error).toBeNull();
      expect(validateCatalogs([f])).toEqual([]);
    });
  }

  it('are valid together (ids and domains unique across files)', () => {
    const problems = validateCatalogs(loaded.filter((f) => f.error === null));
    expect(problems).toEqual([]);
  });

  // Deliberately unconditional: this fails until the data files are complete.
  it('hold at least 1,000 apps in at least 40 categories', () => {
    const apps = loaded.flatMap((f) => ((f.file as CatalogFile | undefined)?.apps ?? []) as CatalogApp[]);
    const categories = new Set(apps.map((a) => a.category));
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(40);
    expect(apps.length).toBeGreaterThanOrEqual(1000);
    expect(categories.size).toBeGreaterThanOrEqual(40);
  });
});
