import { describe, expect, it } from 'vitest';
import { loadCatalog } from './loader';
import {
  type AppFilter,
  type AppUsage,
  buildQueryRows,
  matchesFilter,
  parseSavedQuery,
  type QueryRow,
  runQuery,
  SUGGESTED_QUERIES,
} from './queries';
import { createScorer } from './score';
import { applyTagChange } from './tags';
import type { CatalogApp } from './types';

const DATE = '2025-06-01';
const ctx = { catalogDate: DATE };

function app(
  id: string,
  category: string,
  attributes: CatalogApp['attributes'],
  over: Partial<CatalogApp> = {},
): CatalogApp {
  return {
    id,
    name: id.replace(/-/g, ' '),
    vendor: `${id} Inc`,
    category,
    homepage: `https://${id}.com`,
    domains: [`${id}.com`],
    hq: null,
    founded: null,
    holding: 'unknown',
    attributes,
    sources: [],
    ...over,
  };
}

const catalog = loadCatalog(
  [
    {
      version: '1',
      date: DATE,
      apps: [
        // Cloud storage scoring 2.5 (security 5: mfa good, recent breach; compliance 0: no SOC 2).
        app('shady-drive', 'Cloud storage', { soc2: false, mfa: true, lastBreach: '2024-02' }),
        // Cloud storage scoring 5 (security 0, compliance 10): SOC 2 certified.
        app('certified-box', 'Cloud storage', { soc2: true, mfa: false, saml: false, encryptionAtRest: false }),
        // Cloud storage scoring 10.
        app('good-store', 'Cloud storage', {
          soc2: true,
          iso27001: true,
          gdpr: true,
          mfa: true,
          saml: true,
          lastBreach: '2019',
        }),
        // Scores (10 + 5 + 10) / 3.
        app('chat-ai', 'Generative AI', { gdprReadiness: true, mfa: true, saml: false, dataCenters: ['US'] }),
        app('crm-one', 'CRM', { mfa: false, saml: true, gdpr: true, gdprRightToErasure: false }),
        app('game-hub', 'Online gaming', { mfa: false }),
        app('cdn-edge', 'Infrastructure', {}, { noise: true }),
      ],
    },
  ],
  [{ name: 'Wiki', domains: ['wiki.example.com'], ips: [], category: 'Collaboration', notes: '' }],
);

const tags = applyTagChange(
  {},
  { appIds: ['shady-drive', 'game-hub'], add: ['Unsanctioned'], who: 'a', when: 1 },
).state;
const usage = new Map<string, AppUsage>([
  ['shady-drive', { users: 12, transactions: 500, uploadBytes: 2_000_000, downloadBytes: 10 }],
  ['game-hub', { users: 3, transactions: 40, uploadBytes: null, downloadBytes: null }],
  ['crm-one', { users: 50, transactions: 9000, uploadBytes: 0, downloadBytes: 5 }],
  ['certified-box', { users: 1, transactions: 2, uploadBytes: 100, downloadBytes: 5 }],
]);
const rows = buildQueryRows(catalog, createScorer(DATE), tags, { 'crm-one': { score: 9.5, note: 'contract' } }, usage);

const ids = (filter: AppFilter) => runQuery(rows, filter, ctx).map((r) => r.app.id);
const suggested = (id: string) => {
  const q = SUGGESTED_QUERIES.find((x) => x.id === id);
  if (!q) throw new Error(id);
  return ids(q.filter);
};

describe('queries', () => {
  it('builds rows with effective score, tags and usage', () => {
    const byId = new Map(rows.map((r) => [r.app.id, r]));
    expect(byId.get('shady-drive')).toMatchObject({ score: 2.5, noData: false, tags: ['Unsanctioned'] });
    expect(byId.get('chat-ai')?.score).toBeCloseTo(25 / 3, 12);
    expect(byId.get('crm-one')?.score).toBe(9.5);
    expect(byId.get('custom-wiki')).toMatchObject({ score: 0, noData: true, tags: ['Custom app'], usage: null });
  });

  it('filters on category, score range, noData, tags and text', () => {
    expect(ids({ categories: ['Cloud storage'] })).toEqual(['shady-drive', 'certified-box', 'good-store']);
    expect(ids({ score: { min: 5, max: 9.5 } })).toEqual(['certified-box', 'chat-ai', 'crm-one']);
    // Bounds apply to the displayed score: 8.333… shows as 8.3.
    expect(ids({ score: { min: 8.3, max: 8.3 } })).toEqual(['chat-ai']);
    expect(ids({ noData: true })).toEqual(['cdn-edge', 'custom-wiki']);
    expect(ids({ tagsAll: ['Unsanctioned'], tagsNone: ['Custom app'] })).toEqual(['shady-drive', 'game-hub']);
    expect(ids({ tagsAny: ['Custom app', 'Sanctioned'] })).toEqual(['custom-wiki']);
    expect(ids({ text: 'GAME' })).toEqual(['game-hub']);
    expect(ids({ text: 'wiki.example' })).toEqual(['custom-wiki']);
    expect(ids({ noise: true })).toEqual(['cdn-edge']);
    expect(ids({ custom: true })).toEqual(['custom-wiki']);
  });

  it('filters on any attribute value', () => {
    expect(ids({ attributes: [{ id: 'soc2', op: 'eq', value: false }] })).toEqual(['shady-drive']);
    expect(ids({ attributes: [{ id: 'soc2', op: 'unknown' }], noise: false, custom: false })).toEqual([
      'chat-ai',
      'crm-one',
      'game-hub',
    ]);
    expect(ids({ attributes: [{ id: 'dataCenters', op: 'includes', value: 'US' }] })).toEqual(['chat-ai']);
    expect(
      ids({
        attributes: [
          { id: 'lastBreach', op: 'known' },
          { id: 'lastBreach', op: 'verdict', verdict: 'good' },
        ],
      }),
    ).toEqual(['good-store']);
    expect(ids({ attributesNone: [{ id: 'mfa', op: 'known' }] })).toEqual(['cdn-edge', 'custom-wiki']);
  });

  it('filters on usage thresholds; unmeasured (null) never passes a threshold, unseen is zero', () => {
    expect(ids({ usage: { minUsers: 10 } })).toEqual(['shady-drive', 'crm-one']);
    expect(ids({ usage: { minTransactions: 100, maxTransactions: 1000 } })).toEqual(['shady-drive']);
    expect(ids({ usage: { minUploadBytes: 1 } })).toEqual(['shady-drive', 'certified-box']);
    expect(ids({ usage: { maxUploadBytes: 0 }, noise: false })).toEqual([
      'good-store',
      'chat-ai',
      'crm-one',
      'custom-wiki',
    ]);
  });

  it('suggested: risky non-compliant cloud storage', () => {
    expect(suggested('suggested-risky-noncompliant-storage')).toEqual(['shady-drive']);
  });

  it('suggested: enterprise apps with weak authentication', () => {
    // game-hub lacks MFA but is not an enterprise category.
    expect(suggested('suggested-weak-authentication')).toEqual(['certified-box', 'chat-ai', 'crm-one']);
  });

  it('suggested: GDPR-ready apps', () => {
    // crm-one states GDPR but is known not to support erasure.
    expect(suggested('suggested-gdpr-ready')).toEqual(['good-store', 'chat-ai']);
  });

  it('suggested: unsanctioned apps in use, generative AI, recent breach, low score with uploads', () => {
    expect(suggested('suggested-unsanctioned-in-use')).toEqual(['shady-drive', 'game-hub']);
    expect(suggested('suggested-generative-ai')).toEqual(['chat-ai']);
    expect(suggested('suggested-recent-breach')).toEqual(['shady-drive']);
    // certified-box uploads too but scores 5.
    expect(suggested('suggested-low-score-uploads')).toEqual(['shady-drive']);
  });

  it('saved queries round-trip through JSON and damaged ones are refused', () => {
    for (const q of SUGGESTED_QUERIES) expect(parseSavedQuery(JSON.parse(JSON.stringify(q)))).toEqual(q);
    expect(parseSavedQuery({ id: 'x', name: 'x', filter: { score: { min: '5' } } })).toBeNull();
    expect(parseSavedQuery({ id: 'x', name: 'x', filter: { attributes: [{ id: 'mfa', op: 'like' }] } })).toBeNull();
    expect(parseSavedQuery({ id: 'x', name: 'x', filter: { bogus: 1 } })).toBeNull();
    expect(parseSavedQuery('nope')).toBeNull();
  });

  it('matches an empty filter to everything', () => {
    expect(rows.every((r: QueryRow) => matchesFilter(r, {}, ctx))).toBe(true);
  });
});
