import { describe, expect, it } from 'vitest';
import { customAppId, loadCatalog, mergeCatalogUpdate, validateCustomApp } from './loader';
import type { CatalogApp, CatalogFile, CustomApp } from './types';

function app(id: string, over: Partial<CatalogApp> = {}): CatalogApp {
  return {
    id,
    name: id,
    vendor: 'v',
    category: 'CRM',
    homepage: `https://${id}.com`,
    domains: [`${id}.com`],
    hq: null,
    founded: null,
    holding: 'unknown',
    attributes: {},
    sources: [],
    ...over,
  };
}

const storage: CatalogFile = { version: '2025.1', date: '2025-01-10', apps: [app('dropbox'), app('box')] };
const crm: CatalogFile = { version: '2025.2', date: '2025-03-01', apps: [app('salesforce'), app('hubspot')] };
const wiki: CustomApp = {
  name: 'Intranet Wiki',
  domains: ['Wiki.Corp.Example.com.', 'bad domain!'],
  ips: ['10.0.0.0/8', 'nope'],
  category: 'Collaboration',
  notes: 'Run by IT',
};

describe('loadCatalog', () => {
  it('merges files, version and date from the newest file', () => {
    const c = loadCatalog([crm, storage], []);
    expect(c.version).toBe('2025.2');
    expect(c.date).toBe('2025-03-01');
    expect(c.apps.map((a) => a.id)).toEqual(['salesforce', 'hubspot', 'dropbox', 'box']);
  });

  it('lets the newer file win on a duplicated id', () => {
    const older: CatalogFile = { version: '1', date: '2024-01-01', apps: [app('box', { name: 'Old Box' })] };
    const c = loadCatalog([storage, older], []);
    expect(c.apps.find((a) => a.id === 'box')?.name).toBe('box');
    expect(c.version).toBe('2025.1');
  });

  it('appends custom apps with custom-<slug> ids, normalised domains and valid ranges only', () => {
    const c = loadCatalog([storage], [wiki]);
    const w = c.apps[c.apps.length - 1];
    expect(w).toEqual({
      id: 'custom-intranet-wiki',
      name: 'Intranet Wiki',
      vendor: '',
      category: 'Collaboration',
      homepage: 'https://wiki.corp.example.com',
      domains: ['wiki.corp.example.com'],
      ips: ['10.0.0.0/8'],
      hq: null,
      founded: null,
      holding: 'unknown',
      attributes: {},
      sources: [],
      custom: true,
      notes: 'Run by IT',
    });
  });

  it('keeps stored custom ids and de-duplicates derived ones', () => {
    const c = loadCatalog(
      [],
      [
        { ...wiki, id: 'custom-wiki-2019' },
        { ...wiki, name: 'Intranet wiki!' },
        { ...wiki, name: 'Intranet  Wiki' },
        { ...wiki, name: '社内', domains: ['shanai.example.jp'] },
      ],
    );
    expect(c.apps.map((a) => a.id)).toEqual([
      'custom-wiki-2019',
      'custom-intranet-wiki',
      'custom-intranet-wiki-2',
      'custom-shanai-example-jp',
    ]);
    expect(c).toMatchObject({ version: '0', date: '1970-01-01' });
  });

  it('derives ids and validates custom apps for the edit form', () => {
    expect(customAppId({ name: 'Café Böse GmbH', domains: [] })).toBe('custom-cafe-bose-gmbh');
    expect(customAppId({ name: '!!!', domains: [] })).toBe('custom-app');
    expect(validateCustomApp({ ...wiki, domains: ['wiki.corp.example.com'], ips: ['10.0.0.0/8'] })).toEqual([]);
    expect(
      validateCustomApp({
        id: 'wiki',
        name: ' ',
        domains: ['*.corp.com', 'a b'],
        ips: ['10.0.0.1/8'],
        category: 'Wiki',
        notes: '',
      }),
    ).toEqual([
      'name must not be empty',
      'domain "*.corp.com": no wildcards; subdomains of a domain match anyway',
      'domain "a b" is not a valid hostname',
      'IP range "10.0.0.1/8" is not a valid address or CIDR range',
      'category "Wiki" is not a known category',
      'id must start with "custom-"',
    ]);
    expect(validateCustomApp({ name: 'x', domains: [], ips: [], category: 'CRM', notes: '' })).toEqual([
      'add at least one domain or IP range',
    ]);
  });
});

describe('mergeCatalogUpdate', () => {
  const old = loadCatalog(
    [storage, crm],
    [wiki, { name: 'Old Tool', domains: ['tool.example.com'], ips: [], category: 'IT services', notes: '' }],
  );
  const tags = {
    dropbox: ['Sanctioned'],
    hubspot: ['Unsanctioned', 'marketing'],
    'custom-intranet-wiki': ['Sanctioned'],
  };
  const overrides = { box: { score: 9, note: 'reviewed' }, 'custom-old-tool': { score: 3, note: 'legacy' } };
  const newer: CatalogFile = {
    version: '2025.6',
    date: '2025-06-01',
    apps: [app('dropbox', { name: 'Dropbox' }), app('salesforce'), app('notion')],
  };

  it('replaces built-in apps and keeps custom apps, tags and overrides', () => {
    const r = mergeCatalogUpdate(old, newer, [wiki], tags, overrides);
    expect(r.catalog.version).toBe('2025.6');
    expect(r.catalog.apps.map((a) => a.id)).toEqual([
      'dropbox',
      'salesforce',
      'notion',
      'custom-intranet-wiki',
      'custom-old-tool',
    ]);
    expect(r.catalog.apps[0].name).toBe('Dropbox');
    expect(r.tags).toEqual(tags);
    expect(r.tags).not.toBe(tags);
    expect(r.overrides).toEqual(overrides);
    expect(r.added).toEqual(['notion']);
    expect(r.removed).toEqual(['box', 'hubspot']);
    expect(r.orphaned).toEqual(['hubspot', 'box']);
    expect(r.downgrade).toBe(false);
  });

  it('keeps the id of a custom app listed again without its id, even a suffixed one', () => {
    const twins = loadCatalog([], [wiki, { ...wiki, name: 'Intranet Wiki!' }]);
    expect(twins.apps.map((a) => a.id)).toEqual(['custom-intranet-wiki', 'custom-intranet-wiki-2']);
    const r = mergeCatalogUpdate(twins, newer, [{ ...wiki, name: 'Intranet Wiki!', notes: 'edited' }], {}, {});
    const ids = r.catalog.apps.filter((a) => a.custom).map((a) => [a.id, a.name, a.notes]);
    expect(ids).toEqual([
      ['custom-intranet-wiki-2', 'Intranet Wiki!', 'edited'],
      ['custom-intranet-wiki', 'Intranet Wiki', 'Run by IT'],
    ]);
  });

  it('flags a downgrade', () => {
    const r = mergeCatalogUpdate(old, { ...newer, date: '2024-01-01' }, [], {}, {});
    expect(r.downgrade).toBe(true);
  });
});
