import { describe, expect, it } from 'vitest';
import { applyTagChange, normalizeTag, sanctionOf, type TagState, tagsFor, userTagsInUse } from './tags';

const who = 'analyst@example.com';

describe('tags', () => {
  it('tags apps in bulk and audits each app that changed', () => {
    const r = applyTagChange({}, { appIds: ['box', 'dropbox'], add: ['Sanctioned', 'storage'], who, when: 1000 });
    expect(r.state).toEqual({ box: ['Sanctioned', 'storage'], dropbox: ['Sanctioned', 'storage'] });
    expect(r.audit).toEqual([
      { when: 1000, who, action: 'tag-change', appId: 'box', old: [], new: ['Sanctioned', 'storage'] },
      { when: 1000, who, action: 'tag-change', appId: 'dropbox', old: [], new: ['Sanctioned', 'storage'] },
    ]);
    expect(r.ignored).toEqual([]);
  });

  it('keeps Sanctioned/Unsanctioned/Monitored exclusive: the last action wins', () => {
    let s: TagState = { box: ['Sanctioned', 'storage'] };
    let r = applyTagChange(s, { appIds: ['box'], add: ['Unsanctioned'], who, when: 2000 });
    s = r.state;
    expect(s.box).toEqual(['Unsanctioned', 'storage']);
    expect(r.audit[0]).toMatchObject({ old: ['Sanctioned', 'storage'], new: ['Unsanctioned', 'storage'] });
    r = applyTagChange(s, { appIds: ['box'], add: ['Monitored'], who, when: 3000 });
    expect(r.state.box).toEqual(['Monitored', 'storage']);
    // Several in one action: the last listed wins.
    r = applyTagChange({}, { appIds: ['a'], add: ['Sanctioned', 'Monitored', 'Unsanctioned'], who, when: 1 });
    expect(r.state.a).toEqual(['Unsanctioned']);
  });

  it('does not mutate the input state', () => {
    const s: TagState = Object.freeze({ box: Object.freeze(['Sanctioned']) });
    const r = applyTagChange(s, { appIds: ['box'], add: ['Unsanctioned'], who, when: 1 });
    expect(s).toEqual({ box: ['Sanctioned'] });
    expect(r.state).not.toBe(s);
  });

  it('removes tags, drops empty entries, and skips apps already as requested', () => {
    const s: TagState = { box: ['Sanctioned'], dropbox: ['Monitored', 'finance'] };
    const r = applyTagChange(s, { appIds: ['box', 'dropbox', 'unknown-app'], remove: ['Sanctioned'], who, when: 5 });
    expect(r.state).toEqual({ dropbox: ['Monitored', 'finance'] });
    expect(r.audit).toEqual([{ when: 5, who, action: 'tag-change', appId: 'box', old: ['Sanctioned'], new: [] }]);
    const again = applyTagChange(r.state, { appIds: ['dropbox'], add: ['finance', 'Monitored'], who, when: 6 });
    expect(again.audit).toEqual([]);
  });

  it('applies removals before additions', () => {
    const r = applyTagChange({ box: ['a'] }, { appIds: ['box'], add: ['a', 'b'], remove: ['a'], who, when: 1 });
    expect(r.state.box).toEqual(['a', 'b']);
  });

  it('normalises tag text and refuses to set or clear "Custom app" by hand', () => {
    expect(normalizeTag('  sanctioned ')).toBe('Sanctioned');
    expect(normalizeTag('Needs   review')).toBe('Needs review');
    expect(normalizeTag('')).toBeNull();
    expect(normalizeTag('x'.repeat(65))).toBeNull();
    const r = applyTagChange({}, { appIds: ['box'], add: ['custom APP', ' ', 'unsanctioned'], who, when: 1 });
    expect(r.state).toEqual({ box: ['Unsanctioned'] });
    expect(r.ignored).toEqual(['custom APP', ' ']);
  });

  it('derives "Custom app" from the catalog and orders fixed tags first', () => {
    const s: TagState = { 'custom-wiki': ['internal', 'Sanctioned'] };
    expect(tagsFor(s, { id: 'custom-wiki', custom: true })).toEqual(['Sanctioned', 'Custom app', 'internal']);
    expect(tagsFor(s, { id: 'box' })).toEqual([]);
    expect(sanctionOf(['Custom app', 'Monitored'])).toBe('Monitored');
    expect(sanctionOf(['internal'])).toBeNull();
    expect(userTagsInUse({ a: ['zeta', 'Sanctioned'], b: ['alpha', 'zeta'] })).toEqual(['alpha', 'zeta']);
  });
});
