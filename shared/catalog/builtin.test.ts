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

  it('attributes well-known hosts to the right apps', () => {
    const m = createMatcher(loadCatalog(BUILTIN_CATALOG, []));
    const name = (h: string) => {
      const r = m.matchHost(h);
      return r.kind === 'app' ? m.app(r)?.name : `unidentified:${r.key}`;
    };
    expect(name('www.dropbox.com')).toBe('Dropbox');
    expect(name('drive.google.com')).toMatch(/Google Drive/);
    expect(name('github.com')).toBe('GitHub');
    expect(name('some-unknown-host.example.org')).toBe('unidentified:example.org');
  });
});
