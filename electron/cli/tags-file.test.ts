import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../shared/catalog/builtin';
import { loadCatalog } from '../../shared/catalog/loader';
import { createMatcher } from '../../shared/catalog/matcher';
import { parseTagsCsv, resolveApp, TagsFileError } from './tags-file';

const catalog = loadCatalog(BUILTIN_CATALOG, []);
const matcher = createMatcher(catalog);
const ctx = { catalog, matcher, who: 'test', when: 42 };

describe('tags.csv', () => {
  it('resolves app names (any case), ids and domains to the key the apps table uses', () => {
    expect(resolveApp('Dropbox', catalog, matcher)).toBe('dropbox');
    expect(resolveApp('  dropbox ', catalog, matcher)).toBe('dropbox');
    expect(resolveApp('google-drive', catalog, matcher)).toBe('google-drive');
    expect(resolveApp('www.dropbox.com', catalog, matcher)).toBe('dropbox');
    expect(resolveApp('files.shadyshare.io', catalog, matcher)).toBe('?shadyshare.io');
    // Without a public suffix the host is its own entry, as the apps table groups it.
    expect(resolveApp('files.shadyshare.example', catalog, matcher)).toBe('?files.shadyshare.example');
    expect(resolveApp('Mail.Corp.Co.UK.', catalog, matcher)).toBe('?corp.co.uk');
    expect(resolveApp('203.0.113.9', catalog, matcher)).toBe('?203.0.113.9');
    expect(resolveApp('no such app', catalog, matcher)).toBeNull();
    expect(resolveApp('https://x.example/path', catalog, matcher)).toBeNull();
  });

  it('applies rows in order: the last sanction wins, user tags add up, every change audited', () => {
    const text = [
      '\uFEFFApp,Tag',
      'Dropbox,Sanctioned',
      'dropbox.com,Unsanctioned',
      'Dropbox,Needs review',
      'WeTransfer,monitored',
      '"Box",Unsanctioned',
      'Box,Sanctioned',
      'shadyshare.example,Unsanctioned',
    ].join('\r\n');
    const r = parseTagsCsv(text, ctx);
    expect(r.rows).toBe(7);
    expect(r.warnings).toEqual([]);
    expect(r.state).toEqual({
      dropbox: ['Unsanctioned', 'Needs review'],
      wetransfer: ['Monitored'],
      box: ['Sanctioned'],
      '?shadyshare.example': ['Unsanctioned'],
    });
    expect(r.audit).toHaveLength(7);
    expect(r.audit[1]).toMatchObject({
      appId: 'dropbox',
      old: ['Sanctioned'],
      new: ['Unsanctioned'],
      who: 'test',
      when: 42,
    });
  });

  it('reports rows it cannot apply with their line numbers, and applies the rest', () => {
    const r = parseTagsCsv(
      'App,Tag\nnobody knows,Unsanctioned\n,Monitored\nDropbox,Custom app\nDropbox,Monitored\n',
      ctx,
    );
    expect(r.warnings).toEqual([
      'line 2: "nobody knows" is neither a catalog app nor a domain',
      'line 3: needs both an app and a tag',
      'line 4: tag "Custom app" cannot be set by hand (empty, too long, or derived)',
    ]);
    expect(r.state).toEqual({ dropbox: ['Monitored'] });
  });

  it('takes the columns by header, in any order and case, and refuses a file without them', () => {
    expect(parseTagsCsv('tag,APP,note\nUnsanctioned,Dropbox,x\n', ctx).state).toEqual({ dropbox: ['Unsanctioned'] });
    expect(() => parseTagsCsv('Application,Label\nDropbox,Unsanctioned\n', ctx)).toThrow(TagsFileError);
    expect(() => parseTagsCsv('', ctx)).toThrow(/header "App,Tag"/);
  });

  it('starts from tags already set', () => {
    const r = parseTagsCsv('App,Tag\nDropbox,Monitored\n', { ...ctx, initial: { dropbox: ['Unsanctioned', 'Legal'] } });
    expect(r.state).toEqual({ dropbox: ['Monitored', 'Legal'] });
  });
});
