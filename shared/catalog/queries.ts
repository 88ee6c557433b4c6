/**
 * App filters for the discovered-apps table, saved queries, and the suggested
 * queries analysts expect. A filter is plain JSON (it is saved and synced as is)
 * and is evaluated over rows that already carry the app's effective score, tags
 * and usage, so filtering never rescores or re-aggregates anything.
 *
 * Unknown is never a match for a threshold: an app whose upload volume the
 * sources could not measure (null) is neither above nor below a byte threshold.
 * An app with no usage record at all is simply unused (zero).
 */
import * as v from 'valibot';
import { ATTRIBUTE_BY_ID } from './attributes';
import type { ScoreOverride, Scorer } from './score';
import { displayScore, evaluateRule, hasNoRiskData } from './score';
import type { TagState } from './tags';
import { tagsFor, UNSANCTIONED } from './tags';
import type { Catalog, CatalogApp } from './types';

export type AttributeCondition =
  /** The known value equals `value` (booleans, text, versions, dates). Unknown never equals. */
  | { id: string; op: 'eq'; value: boolean | string }
  /** A list value (data center countries) contains `value`. */
  | { id: string; op: 'includes'; value: string }
  | { id: string; op: 'known' }
  | { id: string; op: 'unknown' }
  /** The attribute's rule verdict at the catalog date: "lastBreach is bad" = breached recently. */
  | { id: string; op: 'verdict'; verdict: 'good' | 'bad' | 'unknown' };

/** Inclusive bounds; a bound on a measure the sources could not provide (null) never matches. */
export interface UsageThresholds {
  minUsers?: number;
  maxUsers?: number;
  minTransactions?: number;
  maxTransactions?: number;
  minUploadBytes?: number;
  maxUploadBytes?: number;
}

/** An app's usage over the report's period (from the rollups). */
export interface AppUsage {
  users: number | null;
  transactions: number;
  uploadBytes: number | null;
  downloadBytes: number | null;
}

export interface AppFilter {
  /** Case-insensitive substring of name, vendor, id or a domain. */
  text?: string;
  /** Any of these categories. */
  categories?: string[];
  /** Inclusive bounds on the score as displayed (one decimal), override applied. */
  score?: { min?: number; max?: number };
  /** Only apps scored without data (true) or only apps with data (false). */
  noData?: boolean;
  tagsAll?: string[];
  tagsAny?: string[];
  tagsNone?: string[];
  /** Every condition holds. */
  attributes?: AttributeCondition[];
  /** At least one condition holds. */
  attributesAny?: AttributeCondition[];
  /** No condition holds. */
  attributesNone?: AttributeCondition[];
  usage?: UsageThresholds;
  /** Only infrastructure noise (true) or none of it (false); absent = both. */
  noise?: boolean;
  /** Only custom apps (true) or only catalog apps (false); absent = both. */
  custom?: boolean;
}

export interface SavedQuery {
  id: string;
  name: string;
  description?: string;
  filter: AppFilter;
}

/** One app as the table shows it: effective score, every tag, usage (null = not seen). */
export interface QueryRow {
  app: CatalogApp;
  score: number;
  noData: boolean;
  tags: readonly string[];
  usage: AppUsage | null;
}

export interface QueryContext {
  /** The catalog date, for date rules in `verdict` conditions. */
  catalogDate: string;
}

const NO_USAGE: AppUsage = { users: 0, transactions: 0, uploadBytes: 0, downloadBytes: 0 };

function conditionHolds(app: CatalogApp, c: AttributeCondition, ctx: QueryContext): boolean {
  const value = app.attributes[c.id];
  switch (c.op) {
    case 'known':
      return value !== undefined;
    case 'unknown':
      return value === undefined;
    case 'eq':
      return value !== undefined && !Array.isArray(value) && value === c.value;
    case 'includes':
      return Array.isArray(value) && value.includes(c.value);
    case 'verdict': {
      const def = ATTRIBUTE_BY_ID.get(c.id);
      return def !== undefined && evaluateRule(def, value, ctx.catalogDate) === c.verdict;
    }
  }
}

function within(x: number | null, min: number | undefined, max: number | undefined): boolean {
  if (min === undefined && max === undefined) return true;
  if (x === null) return false;
  return (min === undefined || x >= min) && (max === undefined || x <= max);
}

/** Whether one row passes the filter. */
export function matchesFilter(row: QueryRow, f: AppFilter, ctx: QueryContext): boolean {
  const app = row.app;
  if (f.noise !== undefined && (app.noise === true) !== f.noise) return false;
  if (f.custom !== undefined && (app.custom === true) !== f.custom) return false;
  if (f.categories?.length && !f.categories.includes(app.category)) return false;
  if (f.noData !== undefined && row.noData !== f.noData) return false;
  if (f.score) {
    const s = displayScore(row.score);
    if ((f.score.min !== undefined && s < f.score.min) || (f.score.max !== undefined && s > f.score.max)) return false;
  }
  if (f.tagsAll?.length && !f.tagsAll.every((t) => row.tags.includes(t))) return false;
  if (f.tagsAny?.length && !f.tagsAny.some((t) => row.tags.includes(t))) return false;
  if (f.tagsNone?.length && f.tagsNone.some((t) => row.tags.includes(t))) return false;
  if (f.attributes?.length && !f.attributes.every((c) => conditionHolds(app, c, ctx))) return false;
  if (f.attributesAny?.length && !f.attributesAny.some((c) => conditionHolds(app, c, ctx))) return false;
  if (f.attributesNone?.length && f.attributesNone.some((c) => conditionHolds(app, c, ctx))) return false;
  if (f.usage) {
    const u = row.usage ?? NO_USAGE;
    const t = f.usage;
    if (!within(u.users, t.minUsers, t.maxUsers)) return false;
    if (!within(u.transactions, t.minTransactions, t.maxTransactions)) return false;
    if (!within(u.uploadBytes, t.minUploadBytes, t.maxUploadBytes)) return false;
  }
  if (f.text) {
    const q = f.text.trim().toLowerCase();
    if (
      q &&
      !app.name.toLowerCase().includes(q) &&
      !app.vendor.toLowerCase().includes(q) &&
      !app.id.includes(q) &&
      !app.domains.some((d) => d.includes(q))
    ) {
      return false;
    }
  }
  return true;
}

/** The rows that pass the filter, in their given order. */
export function runQuery(rows: readonly QueryRow[], filter: AppFilter, ctx: QueryContext): QueryRow[] {
  return rows.filter((r) => matchesFilter(r, filter, ctx));
}

/**
 * Rows for every catalog app: effective score (override applied), tags
 * (with "Custom app"), usage by app id (absent = not seen).
 */
export function buildQueryRows(
  catalog: Catalog,
  scorer: Scorer,
  tags: TagState,
  overrides: Readonly<Record<string, ScoreOverride>>,
  usage: ReadonlyMap<string, AppUsage>,
): QueryRow[] {
  return catalog.apps.map((app) => {
    const b = scorer(app, overrides[app.id] ?? null);
    return {
      app,
      score: b.score,
      noData: hasNoRiskData(b),
      tags: tagsFor(tags, app),
      usage: usage.get(app.id) ?? null,
    };
  });
}

/**
 * Categories of apps a company adopts as a business tool, for "enterprise apps"
 * in the suggested queries (consumer, media and infrastructure categories are out).
 */
export const ENTERPRISE_CATEGORIES: readonly string[] = [
  'Accounting and finance',
  'Business intelligence',
  'Cloud computing platform',
  'Cloud storage',
  'Code hosting',
  'Collaboration',
  'Communications',
  'Content management',
  'CRM',
  'Customer support',
  'Data analytics',
  'Development tools',
  'E-commerce',
  'File transfer',
  'Generative AI',
  'Hosting services',
  'Human resource management',
  'IT services',
  'Marketing',
  'Online meetings',
  'Operations management',
  'Productivity',
  'Project management',
  'Sales',
  'Security',
  'Supply chain and logistics',
  'Vendor management systems',
  'Web analytics',
  'Webmail',
  'Website monitoring',
];

/** The queries offered ready-made. Ids are stable (`suggested-…`); noise is left out of all of them. */
export const SUGGESTED_QUERIES: readonly SavedQuery[] = [
  {
    id: 'suggested-risky-noncompliant-storage',
    name: 'Risky non-compliant cloud storage',
    description: 'Cloud storage scoring 6 or less with neither SOC 2 nor ISO 27001 known.',
    filter: {
      categories: ['Cloud storage'],
      score: { max: 6 },
      attributesNone: [
        { id: 'soc2', op: 'eq', value: true },
        { id: 'iso27001', op: 'eq', value: true },
      ],
      noise: false,
    },
  },
  {
    id: 'suggested-weak-authentication',
    name: 'Enterprise apps with weak authentication',
    description: 'Business apps known to lack multi-factor authentication or SAML single sign-on.',
    filter: {
      categories: [...ENTERPRISE_CATEGORIES],
      attributesAny: [
        { id: 'mfa', op: 'eq', value: false },
        { id: 'saml', op: 'eq', value: false },
      ],
      noise: false,
    },
  },
  {
    id: 'suggested-gdpr-ready',
    name: 'GDPR-ready apps',
    description: 'Apps stating GDPR compliance or publishing a readiness statement, and not known to refuse erasure.',
    filter: {
      attributesAny: [
        { id: 'gdpr', op: 'eq', value: true },
        { id: 'gdprReadiness', op: 'eq', value: true },
      ],
      attributesNone: [{ id: 'gdprRightToErasure', op: 'eq', value: false }],
      noise: false,
    },
  },
  {
    id: 'suggested-unsanctioned-in-use',
    name: 'Unsanctioned apps in use',
    description: 'Apps tagged Unsanctioned that still carry traffic.',
    filter: { tagsAll: [UNSANCTIONED], usage: { minTransactions: 1 }, noise: false },
  },
  {
    id: 'suggested-generative-ai',
    name: 'Generative AI apps',
    description: 'Every app in the Generative AI category.',
    filter: { categories: ['Generative AI'], noise: false },
  },
  {
    id: 'suggested-recent-breach',
    name: 'Apps with a recent breach',
    description: 'A publicly disclosed breach within 3 years of the catalog date.',
    filter: { attributes: [{ id: 'lastBreach', op: 'verdict', verdict: 'bad' }], noise: false },
  },
  {
    id: 'suggested-low-score-uploads',
    name: 'Low-score apps with uploads',
    description: 'Apps scoring 4 or less that received uploaded data.',
    filter: { score: { max: 4 }, usage: { minUploadBytes: 1 }, noise: false },
  },
];

const num = v.pipe(v.number(), v.finite());
const strings = v.array(v.string());
const conditionSchema = v.variant('op', [
  v.strictObject({ id: v.string(), op: v.literal('eq'), value: v.union([v.boolean(), v.string()]) }),
  v.strictObject({ id: v.string(), op: v.literal('includes'), value: v.string() }),
  v.strictObject({ id: v.string(), op: v.literal('known') }),
  v.strictObject({ id: v.string(), op: v.literal('unknown') }),
  v.strictObject({ id: v.string(), op: v.literal('verdict'), verdict: v.picklist(['good', 'bad', 'unknown']) }),
]);

export const AppFilterSchema = v.strictObject({
  text: v.optional(v.string()),
  categories: v.optional(strings),
  score: v.optional(v.strictObject({ min: v.optional(num), max: v.optional(num) })),
  noData: v.optional(v.boolean()),
  tagsAll: v.optional(strings),
  tagsAny: v.optional(strings),
  tagsNone: v.optional(strings),
  attributes: v.optional(v.array(conditionSchema)),
  attributesAny: v.optional(v.array(conditionSchema)),
  attributesNone: v.optional(v.array(conditionSchema)),
  usage: v.optional(
    v.strictObject({
      minUsers: v.optional(num),
      maxUsers: v.optional(num),
      minTransactions: v.optional(num),
      maxTransactions: v.optional(num),
      minUploadBytes: v.optional(num),
      maxUploadBytes: v.optional(num),
    }),
  ),
  noise: v.optional(v.boolean()),
  custom: v.optional(v.boolean()),
});

export const SavedQuerySchema = v.strictObject({
  id: v.pipe(v.string(), v.minLength(1)),
  name: v.pipe(v.string(), v.minLength(1)),
  description: v.optional(v.string()),
  filter: AppFilterSchema,
});

/** A saved query read back from storage, or null when it is not one (a newer or damaged record). */
export function parseSavedQuery(x: unknown): SavedQuery | null {
  const r = v.safeParse(SavedQuerySchema, x);
  return r.success ? (r.output as SavedQuery) : null;
}
