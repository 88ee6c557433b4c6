/**
 * The app risk score, as analysts know it from the cloud product: 0–10, 10 safest.
 * Each known attribute scores 10 (good) or 0 (bad) by its rule; a group's subscore
 * is the weighted average of its attributes; the app score is the weighted average
 * of the four group subscores. Weights: Ignored 0, Low 1, Medium 2 (default),
 * High 3, Very High 4. Unknown attributes are left out of the averages unless
 * `unknownCountsAgainst`, when they score 0. An app with no known (weighted)
 * attribute is scored as if unknowns counted against it — 0 — and flagged
 * `noData`, so "nothing is known" never reads as "nothing is wrong".
 */
import { ATTRIBUTES } from './attributes';
import { isPartialDate } from './dates';
import type { AttributeDef, AttributeValue, CatalogApp, RiskGroup } from './types';

export type Weight = 0 | 1 | 2 | 3 | 4;
/** Indexed by weight. Same values as `Weight`/`WEIGHT_LABELS` in domain/settings.ts, which settings use. */
export const WEIGHT_LABELS = ['Ignored', 'Low', 'Medium', 'High', 'Very High'] as const;
export const DEFAULT_WEIGHT: Weight = 2;
export const RISK_GROUPS: readonly RiskGroup[] = ['general', 'security', 'compliance', 'legal'];
export const GROUP_LABELS: Readonly<Record<RiskGroup, string>> = {
  general: 'General',
  security: 'Security',
  compliance: 'Compliance',
  legal: 'Legal',
};

export interface ScoreSettings {
  /** Per attribute id; absent = Medium. */
  attributeWeights: Readonly<Record<string, Weight>>;
  /** Per group; absent = Medium. */
  groupWeights: Readonly<Partial<Record<RiskGroup, Weight>>>;
  /** When true, unknown attributes score 0 instead of being left out. */
  unknownCountsAgainst: boolean;
}

export const DEFAULT_SCORE_SETTINGS: ScoreSettings = {
  attributeWeights: {},
  groupWeights: {},
  unknownCountsAgainst: false,
};

/** An analyst's score for an app, replacing the computed one. */
export interface ScoreOverride {
  score: number;
  note: string;
}

export type Verdict = 'good' | 'bad' | 'unknown' | 'ignored';

export interface AttributeScore {
  id: string;
  label: string;
  value: AttributeValue | undefined;
  /** "ignored" when the attribute's weight is 0 (it is still shown, with its value). */
  verdict: Verdict;
  weight: Weight;
}

export interface GroupScore {
  group: RiskGroup;
  /** Weighted average of the group's counted attributes (full precision); null when none counts. */
  score: number | null;
  weight: Weight;
  attributes: AttributeScore[];
}

export interface ScoreBreakdown {
  /** The score to show and filter on: the override's when overridden. Full precision; round for display only. */
  score: number;
  /** The score the attributes give, whether or not an override replaces it. */
  computed: number;
  overridden: boolean;
  /** The override's note, when overridden. */
  note?: string;
  /** No known attribute counted, so the app was scored as if unknowns counted against it. */
  noData: boolean;
  groups: GroupScore[];
}

/**
 * Whether an app has no risk data: no known attribute counted, and no analyst's override gives its score (an override
 * is data). What every view judges an app by — its table row, its risk texts, the dashboard's and the incident
 * report's score bands, block plans and saved queries.
 */
export function hasNoRiskData(b: Pick<ScoreBreakdown, 'noData' | 'overridden'>): boolean {
  return b.noData && !b.overridden;
}

const MS_PER_DAY = 86_400_000;

/** Last instant of a YYYY / YYYY-MM / YYYY-MM-DD date (UTC ms), or NaN. */
function endOfDate(s: string): number {
  if (!isPartialDate(s)) return Number.NaN;
  const [y, m, d] = s.split('-').map(Number);
  if (d !== undefined) return Date.UTC(y, m - 1, d) + MS_PER_DAY - 1;
  if (m !== undefined) return Date.UTC(y, m, 1) - 1;
  return Date.UTC(y + 1, 0, 1) - 1;
}

/** The instant `years` years before the start of an ISO day (UTC ms), or NaN. */
function yearsBefore(isoDay: string, years: number): number {
  if (!isPartialDate(isoDay)) return Number.NaN;
  const [y, m = 1, d = 1] = isoDay.split('-').map(Number);
  return Date.UTC(y - years, m - 1, d);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The verdict of one known value under its rule, judged at `catalogDate`.
 * Partial dates are read as the last day of the period they name, which gives
 * the cautious answer both ways: a domain "registered 2022" is not known to be
 * older than three years until 2025 ends; a breach "in 2021" counts as recent
 * until three years after 2021 ends. Values a rule cannot read are 'unknown'.
 */
export function evaluateRule(
  def: AttributeDef,
  value: AttributeValue | undefined,
  catalogDate: string,
): 'good' | 'bad' | 'unknown' {
  if (value === undefined) return 'unknown';
  const rule = def.rule;
  switch (rule.kind) {
    case 'true-good':
      return typeof value === 'boolean' ? (value ? 'good' : 'bad') : 'unknown';
    case 'false-good':
      return typeof value === 'boolean' ? (value ? 'bad' : 'good') : 'unknown';
    case 'list-nonempty-good':
      return Array.isArray(value) ? (value.length > 0 ? 'good' : 'bad') : 'unknown';
    case 'min-version':
      if (typeof value !== 'string' || !/^\d+(?:\.\d+)*$/.test(value)) return 'unknown';
      return compareVersions(value, rule.min) >= 0 ? 'good' : 'bad';
    case 'older-than-years': {
      if (typeof value !== 'string') return 'unknown';
      const at = endOfDate(value);
      const threshold = yearsBefore(catalogDate, rule.years);
      if (Number.isNaN(at) || Number.isNaN(threshold)) return 'unknown';
      // "More than N years before": the registration must end strictly before the threshold day starts.
      return at < threshold ? 'good' : 'bad';
    }
    case 'not-within-years': {
      if (typeof value !== 'string') return 'unknown';
      const at = endOfDate(value);
      const threshold = yearsBefore(catalogDate, rule.years);
      if (Number.isNaN(at) || Number.isNaN(threshold)) return 'unknown';
      return at >= threshold ? 'bad' : 'good';
    }
    case 'text-known-good':
      return typeof value === 'string' && value.trim().length > 0 ? 'good' : 'unknown';
  }
}

function clampScore(n: number): number {
  return Number.isFinite(n) ? Math.min(10, Math.max(0, n)) : 0;
}

/** One decimal, for display: 7.45 → "7.5". Scores are kept at full precision everywhere else. */
export function formatScore(score: number): string {
  return (Math.round(score * 10 + 1e-9) / 10).toFixed(1);
}

/** The score rounded to one decimal, as the analyst sees it (queries filter on this). */
export function displayScore(score: number): number {
  return Math.round(score * 10 + 1e-9) / 10;
}

export type Scorer = (app: CatalogApp, override?: ScoreOverride | null) => ScoreBreakdown;

/**
 * A scorer for one catalog date and one set of settings. Weights are resolved
 * once here, not per app: the whole catalog is rescored whenever a weight moves.
 */
export function createScorer(catalogDate: string, settings: Partial<ScoreSettings> = {}): Scorer {
  const s: ScoreSettings = {
    attributeWeights: settings.attributeWeights ?? {},
    groupWeights: settings.groupWeights ?? {},
    unknownCountsAgainst: settings.unknownCountsAgainst ?? false,
  };
  const groups = RISK_GROUPS.map((group) => ({
    group,
    weight: (s.groupWeights[group] ?? DEFAULT_WEIGHT) as Weight,
    attributes: ATTRIBUTES.filter((a) => a.group === group).map((def) => ({
      def,
      weight: (s.attributeWeights[def.id] ?? DEFAULT_WEIGHT) as Weight,
    })),
  }));

  function compute(app: CatalogApp, unknownCounts: boolean): { score: number; known: boolean; groups: GroupScore[] } {
    let known = false;
    let appSum = 0;
    let appWeight = 0;
    const out: GroupScore[] = [];
    for (const g of groups) {
      let sum = 0;
      let weight = 0;
      const attributes: AttributeScore[] = [];
      for (const { def, weight: w } of g.attributes) {
        const value = app.attributes[def.id];
        const v = evaluateRule(def, value, catalogDate);
        const verdict: Verdict = w === 0 ? 'ignored' : v;
        attributes.push({ id: def.id, label: def.label, value, verdict, weight: w });
        if (w === 0) continue;
        if (v === 'unknown') {
          if (unknownCounts) weight += w;
          continue;
        }
        if (g.weight > 0) known = true;
        sum += v === 'good' ? 10 * w : 0;
        weight += w;
      }
      const score = weight > 0 ? sum / weight : null;
      out.push({ group: g.group, score, weight: g.weight, attributes });
      if (score !== null && g.weight > 0) {
        appSum += score * g.weight;
        appWeight += g.weight;
      }
    }
    return { score: appWeight > 0 ? appSum / appWeight : 0, known, groups: out };
  }

  return (app, override) => {
    let r = compute(app, s.unknownCountsAgainst);
    const noData = !r.known;
    // Nothing known that counts: score it as if unknowns counted against it (→ 0), never as neutral.
    if (noData && !s.unknownCountsAgainst) r = compute(app, true);
    const computed = r.score;
    if (override) {
      return {
        score: clampScore(override.score),
        computed,
        overridden: true,
        note: override.note,
        noData,
        groups: r.groups,
      };
    }
    return { score: computed, computed, overridden: false, noData, groups: r.groups };
  };
}

/** Scores one app. For many apps, make one `createScorer` and reuse it. */
export function scoreApp(
  app: CatalogApp,
  catalogDate: string,
  settings: Partial<ScoreSettings> = {},
  override?: ScoreOverride | null,
): ScoreBreakdown {
  return createScorer(catalogDate, settings)(app, override);
}
