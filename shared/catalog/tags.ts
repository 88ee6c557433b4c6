/**
 * App tags. Sanctioned, Unsanctioned and Monitored decide blocking, so they are
 * mutually exclusive and the last action wins; "Custom app" is derived from the
 * catalog (the loader marks custom apps) and cannot be set or cleared by hand;
 * any other text is a user tag. State is plain data keyed by app id, so it
 * survives catalog updates (see `mergeCatalogUpdate`) and serialises as is.
 * Every change that alters an app's tags yields an audit entry.
 */
import type { CatalogApp } from './types';

export const SANCTIONED = 'Sanctioned';
export const UNSANCTIONED = 'Unsanctioned';
export const MONITORED = 'Monitored';
export const CUSTOM_APP = 'Custom app';

export const FIXED_TAGS: readonly string[] = [SANCTIONED, UNSANCTIONED, MONITORED, CUSTOM_APP];
/** Tags of which an app carries at most one. */
export const EXCLUSIVE_TAGS: readonly string[] = [SANCTIONED, UNSANCTIONED, MONITORED];
export type SanctionTag = typeof SANCTIONED | typeof UNSANCTIONED | typeof MONITORED;

/** Longest user tag: tags are chips in tables, not notes. */
export const MAX_TAG_LENGTH = 64;

/** App id → the tags set on it by hand (never "Custom app"). Apps without tags have no key. */
export type TagState = Readonly<Record<string, readonly string[]>>;

export interface TagChange {
  appIds: readonly string[];
  add?: readonly string[];
  remove?: readonly string[];
  who: string;
  /** UTC epoch ms. */
  when: number;
}

export interface TagAuditEntry {
  when: number;
  who: string;
  action: 'tag-change';
  appId: string;
  /** The app's tags before and after the change. */
  old: string[];
  new: string[];
}

export interface TagChangeResult {
  state: TagState;
  /** One entry per app whose tags changed; apps already as requested get none. */
  audit: TagAuditEntry[];
  /** Requested tags that were not applied: "Custom app" (derived) and empty or too long text. */
  ignored: string[];
}

const FIXED_BY_LOWER = new Map(FIXED_TAGS.map((t) => [t.toLowerCase(), t]));

/**
 * The canonical form of a tag the user typed: trimmed, inner whitespace collapsed,
 * fixed tags in their own spelling whatever the case. Null when empty or too long.
 */
export function normalizeTag(tag: string): string | null {
  const t = tag.trim().replace(/\s+/g, ' ');
  if (t.length === 0 || t.length > MAX_TAG_LENGTH) return null;
  return FIXED_BY_LOWER.get(t.toLowerCase()) ?? t;
}

/** Fixed tags first in their fixed order, then user tags in the order they were added. */
function canonicalOrder(tags: readonly string[]): string[] {
  const fixed = FIXED_TAGS.filter((t) => tags.includes(t));
  return [...fixed, ...tags.filter((t) => !FIXED_BY_LOWER.has(t.toLowerCase()))];
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * Applies one tagging action to one or many apps. Removals are applied before
 * additions; adding one of Sanctioned/Unsanctioned/Monitored drops the other two
 * (when one action adds several, the last listed wins).
 */
export function applyTagChange(state: TagState, change: TagChange): TagChangeResult {
  const ignored: string[] = [];
  const clean = (tags: readonly string[] | undefined): string[] => {
    const out: string[] = [];
    for (const raw of tags ?? []) {
      const t = normalizeTag(raw);
      if (t === null || t === CUSTOM_APP) ignored.push(raw);
      else out.push(t);
    }
    return out;
  };
  const add = clean(change.add);
  const remove = clean(change.remove);
  const next: Record<string, readonly string[]> = { ...state };
  const audit: TagAuditEntry[] = [];
  for (const appId of new Set(change.appIds)) {
    const before = canonicalOrder(state[appId] ?? []);
    let tags = before.filter((t) => !remove.includes(t));
    for (const t of add) {
      if (EXCLUSIVE_TAGS.includes(t)) tags = tags.filter((x) => !EXCLUSIVE_TAGS.includes(x));
      if (!tags.includes(t)) tags.push(t);
    }
    const after = canonicalOrder(tags);
    if (sameTags(before, after)) continue;
    if (after.length) next[appId] = after;
    else delete next[appId];
    audit.push({ when: change.when, who: change.who, action: 'tag-change', appId, old: before, new: after });
  }
  return { state: next, audit, ignored };
}

/** Every tag an app shows: its stored tags, with "Custom app" for custom apps. */
export function tagsFor(state: TagState, app: Pick<CatalogApp, 'id' | 'custom'>): string[] {
  const own = state[app.id] ?? [];
  return app.custom ? canonicalOrder([...own, CUSTOM_APP]) : canonicalOrder(own);
}

/** The app's Sanctioned/Unsanctioned/Monitored tag, or null. */
export function sanctionOf(tags: readonly string[]): SanctionTag | null {
  for (const t of EXCLUSIVE_TAGS) if (tags.includes(t)) return t as SanctionTag;
  return null;
}

/** The user tags in use, sorted, for a tag picker. */
export function userTagsInUse(state: TagState): string[] {
  const out = new Set<string>();
  for (const tags of Object.values(state)) for (const t of tags) if (!FIXED_BY_LOWER.has(t.toLowerCase())) out.add(t);
  return [...out].sort((a, b) => a.localeCompare(b));
}
