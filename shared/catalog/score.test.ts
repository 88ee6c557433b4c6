import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_BY_ID, ATTRIBUTES } from './attributes';
import { createScorer, evaluateRule, formatScore, scoreApp } from './score';
import type { AttributeDef, CatalogApp } from './types';

const DATE = '2025-06-01';

function app(attributes: CatalogApp['attributes']): CatalogApp {
  return {
    id: 'x',
    name: 'X',
    vendor: 'X Inc',
    category: 'CRM',
    homepage: 'https://x.com',
    domains: ['x.com'],
    hq: null,
    founded: null,
    holding: 'unknown',
    attributes,
    sources: [],
  };
}

// Security has 13 attributes, compliance 11, general 4, legal 5.
const A = app({ mfa: true, saml: false, soc2: true });

function group(b: ReturnType<typeof scoreApp>, g: string) {
  const found = b.groups.find((x) => x.group === g);
  if (!found) throw new Error(g);
  return found;
}

describe('score', () => {
  it('has the attribute counts the hand computations below assume', () => {
    const count = (g: string) => ATTRIBUTES.filter((a) => a.group === g).length;
    expect([count('general'), count('security'), count('compliance'), count('legal')]).toEqual([4, 13, 11, 5]);
  });

  it('default weights, unknowns left out: (5·2 + 10·2) / 4 = 7.5', () => {
    const b = scoreApp(A, DATE);
    expect(group(b, 'security').score).toBe(5);
    expect(group(b, 'compliance').score).toBe(10);
    expect(group(b, 'general').score).toBeNull();
    expect(group(b, 'legal').score).toBeNull();
    expect(b.score).toBe(7.5);
    expect(b).toMatchObject({ computed: 7.5, overridden: false, noData: false });
  });

  it('unknowns count against: (0 + 10/13 + 10/11 + 0) / 4 = 60/143', () => {
    const b = scoreApp(A, DATE, { unknownCountsAgainst: true });
    expect(group(b, 'general').score).toBe(0);
    expect(group(b, 'security').score).toBeCloseTo(10 / 13, 12);
    expect(group(b, 'compliance').score).toBeCloseTo(10 / 11, 12);
    expect(group(b, 'legal').score).toBe(0);
    expect(b.score).toBeCloseTo(60 / 143, 12);
    expect(formatScore(b.score)).toBe('0.4');
  });

  it('attribute and group weights: mfa High, saml Low, security Very High, compliance Low → (7.5·4 + 10·1) / 5 = 8', () => {
    const b = scoreApp(A, DATE, {
      attributeWeights: { mfa: 3, saml: 1 },
      groupWeights: { security: 4, compliance: 1 },
    });
    expect(group(b, 'security').score).toBe(7.5);
    expect(group(b, 'security').weight).toBe(4);
    expect(b.score).toBe(8);
  });

  it('an ignored attribute is shown but not counted', () => {
    const b = scoreApp(A, DATE, { attributeWeights: { saml: 0 } });
    const saml = group(b, 'security').attributes.find((a) => a.id === 'saml');
    expect(saml).toEqual({ id: 'saml', label: 'SAML', value: false, verdict: 'ignored', weight: 0 });
    expect(group(b, 'security').score).toBe(10);
    expect(b.score).toBe(10);
  });

  it('an ignored group is left out of the app score', () => {
    const b = scoreApp(A, DATE, { groupWeights: { security: 0 } });
    expect(group(b, 'security').score).toBe(5);
    expect(b.score).toBe(10);
  });

  it('mixes weights with unknowns counting: Very High group of one Low good among Medium unknowns', () => {
    // general: dataCenters good (Low 1) + 3 unknown Medium (6) → 10/7; security all unknown except mfa true (Medium) → 20/26.
    const b = scoreApp(app({ dataCenters: ['US'], mfa: true }), DATE, {
      unknownCountsAgainst: true,
      attributeWeights: { dataCenters: 1 },
      groupWeights: { general: 4, compliance: 0, legal: 0 },
    });
    expect(group(b, 'general').score).toBeCloseTo(10 / 7, 12);
    expect(group(b, 'security').score).toBeCloseTo(10 / 13, 12);
    expect(b.score).toBeCloseTo(((10 / 7) * 4 + (10 / 13) * 2) / 6, 12);
  });

  it('an app with no known attribute scores 0 and is flagged noData', () => {
    const b = scoreApp(app({}), DATE);
    expect(b.score).toBe(0);
    expect(b.noData).toBe(true);
    expect(b.groups.map((g) => g.score)).toEqual([0, 0, 0, 0]);
    expect(b.groups.flatMap((g) => g.attributes).every((a) => a.verdict === 'unknown' && a.value === undefined)).toBe(
      true,
    );
    // Known only in ignored attributes is still no data.
    const ignoredOnly = scoreApp(app({ dataCenters: ['US'] }), DATE, { attributeWeights: { dataCenters: 0 } });
    expect(ignoredOnly).toMatchObject({ score: 0, noData: true });
    expect(scoreApp(app({}), DATE, { unknownCountsAgainst: true })).toMatchObject({ score: 0, noData: true });
  });

  it('one known bad attribute is data: the score is 0 but not noData', () => {
    expect(scoreApp(app({ mfa: false }), DATE)).toMatchObject({ score: 0, noData: false });
  });

  it('an override wins and keeps the computed breakdown', () => {
    const b = scoreApp(A, DATE, {}, { score: 9, note: 'Reviewed with vendor' });
    expect(b).toMatchObject({ score: 9, computed: 7.5, overridden: true, note: 'Reviewed with vendor', noData: false });
    expect(group(b, 'security').score).toBe(5);
    expect(scoreApp(A, DATE, {}, { score: 12, note: '' }).score).toBe(10);
  });

  it('lists every attribute in its group with value and verdict', () => {
    const b = scoreApp(A, DATE);
    expect(b.groups.map((g) => g.group)).toEqual(['general', 'security', 'compliance', 'legal']);
    expect(b.groups.flatMap((g) => g.attributes.map((a) => a.id))).toEqual(ATTRIBUTES.map((a) => a.id));
    const mfa = group(b, 'security').attributes[0];
    expect(mfa).toEqual({ id: 'mfa', label: 'Multi-factor authentication', value: true, verdict: 'good', weight: 2 });
  });

  it('keeps full precision and rounds only for display', () => {
    const b = createScorer(DATE)(app({ mfa: true, saml: false, hsts: false }));
    expect(b.score).toBeCloseTo(10 / 3, 14);
    expect(formatScore(b.score)).toBe('3.3');
    expect(formatScore(7.45)).toBe('7.5');
    expect(formatScore(10)).toBe('10.0');
  });
});

describe('attribute rules', () => {
  const rule = (id: string, value: CatalogApp['attributes'][string] | undefined) => {
    const def = ATTRIBUTE_BY_ID.get(id);
    if (!def) throw new Error(id);
    return evaluateRule(def, value, DATE);
  };

  it('TLS: 1.2 or later is good', () => {
    expect(rule('tlsVersion', '1.2')).toBe('good');
    expect(rule('tlsVersion', '1.3')).toBe('good');
    expect(rule('tlsVersion', '1.1')).toBe('bad');
    expect(rule('tlsVersion', '1.0')).toBe('bad');
    expect(rule('tlsVersion', '1.10')).toBe('good');
    expect(rule('tlsVersion', 'TLS1.2')).toBe('unknown');
  });

  it('last breach: within 3 years before the catalog date is bad; partial dates read cautiously', () => {
    expect(rule('lastBreach', '2022-06-01')).toBe('bad');
    expect(rule('lastBreach', '2022-05-31')).toBe('good');
    expect(rule('lastBreach', '2025-01')).toBe('bad');
    expect(rule('lastBreach', '2022')).toBe('bad');
    expect(rule('lastBreach', '2022-05')).toBe('good');
    expect(rule('lastBreach', '2021')).toBe('good');
    expect(rule('lastBreach', 'last year')).toBe('unknown');
  });

  it('domain registration: more than 3 years before the catalog date is good', () => {
    expect(rule('domainRegistered', '2022-05-31')).toBe('good');
    expect(rule('domainRegistered', '2022-06-01')).toBe('bad');
    expect(rule('domainRegistered', '2022')).toBe('bad');
    expect(rule('domainRegistered', '1997-09-15')).toBe('good');
  });

  it('lists, text and booleans', () => {
    expect(rule('dataCenters', ['US'])).toBe('good');
    expect(rule('dataCenters', [])).toBe('bad');
    expect(rule('dataRetentionPolicy', 'Deleted after 30 days')).toBe('good');
    expect(rule('dataRetentionPolicy', ' ')).toBe('unknown');
    expect(rule('soc2', true)).toBe('good');
    expect(rule('soc2', false)).toBe('bad');
    expect(rule('soc2', 'yes')).toBe('unknown');
    expect(rule('soc2', undefined)).toBe('unknown');
    const breach = { ...(ATTRIBUTE_BY_ID.get('soc2') as AttributeDef), rule: { kind: 'false-good' as const } };
    expect(evaluateRule(breach, false, DATE)).toBe('good');
    expect(evaluateRule(breach, true, DATE)).toBe('bad');
  });
});
