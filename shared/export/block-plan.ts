/**
 * From tag state to the domains every block list is written from. One plan
 * feeds the Defender indicators, the proxy scripts, the PAC file and the
 * plain list, so they never disagree about what is blocked and why.
 *
 * An app's domains are its catalog domains plus the hosts seen in traffic
 * attributed to it; an unidentified entry tagged by domain contributes that
 * registrable domain. Each value must be a bare hostname — no URL paths,
 * ports, wildcards, IP addresses or CIDR ranges — and must not be (or cover)
 * a protected service (see never-block.ts) or a domain of a sanctioned app.
 * What is left out is kept, with the reason, for the notes beside the files.
 */
import { getPublicSuffix } from 'tldts';
import { normalizeHost } from '../catalog/host';
import { parseIp } from '../catalog/ip';
import { hasNoRiskData, type ScoreOverride, type Scorer } from '../catalog/score';
import { MONITORED, SANCTIONED, sanctionOf, type TagState, UNSANCTIONED } from '../catalog/tags';
import type { Catalog, CatalogApp } from '../catalog/types';
import type { AppRow } from '../engine/query';
import { Sha256 } from '../engine/sha256';
import { NeverBlock, neverBlockList, type ProtectedDomain } from './never-block';
import { oneLine } from './types';

export type BlockSanction = typeof UNSANCTIONED | typeof MONITORED;

export interface BlockUsage {
  transactions: number;
  devices: number;
  users: number;
  traffic: number | null;
  firstSeen: number;
  lastSeen: number;
}

export interface BlockEntry {
  /** Normalised hostname. */
  domain: string;
  /** Catalog app id, or "?" + domain for an unidentified entry. */
  appKey: string;
  appName: string;
  category: string;
  /** Effective score 0–10 (10 safest); null for unidentified entries or apps not scored. */
  score: number | null;
  /** The catalog knows nothing about the app, so its score is the floor, not a finding. */
  noData: boolean;
  sanction: BlockSanction;
  /** Where the domain came from: the catalog, traffic attributed to the app, or the tagged domain itself. */
  origin: 'catalog' | 'observed' | 'tagged';
  /** The app's usage in the report behind the export; null when it was not seen. */
  usage: BlockUsage | null;
}

export interface ExcludedDomain {
  domain: string;
  appName: string;
  sanction: BlockSanction;
  /** Why, by kind: a protected service, a sanctioned app's domain, an IP address, not a domain, an unknown app. */
  kind: 'protected' | 'sanctioned' | 'ip' | 'invalid' | 'unknown-app';
  reason: string;
}

export interface TagStateSummary {
  unsanctioned: string[];
  monitored: string[];
  sanctioned: number;
  /** First 12 hex digits of the SHA-256 of the whole tag state: tells two exports' tag states apart. */
  fingerprint: string;
}

export interface BlockPlan {
  entries: BlockEntry[];
  excluded: ExcludedDomain[];
  tagState: TagStateSummary;
}

export interface BlockPlanInput {
  catalog: Catalog;
  tags: TagState;
  /** The report's apps table: observed hosts, effective scores and usage. */
  apps?: readonly AppRow[];
  /** Scores apps that are tagged but absent from `apps` (not seen in the report's window). */
  scorer?: Scorer;
  overrides?: Readonly<Record<string, ScoreOverride>>;
  /** Defaults to the built-in list plus the catalog's noise apps. */
  neverBlock?: readonly ProtectedDomain[];
}

export type DomainCheck = { ok: true; domain: string } | { ok: false; reason: string; ip?: boolean };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const CIDR = /^[0-9a-f:.]+\/\d{1,3}$/i;

/**
 * Whether a value can go into a domain block list: a fully qualified hostname
 * of letter-digit-hyphen labels (IDNs as punycode), under a public suffix but
 * not one itself. Returns the normalised name or why it cannot.
 */
export function checkBlockDomain(raw: string): DomainCheck {
  const s = raw.trim();
  if (s.length === 0) return { ok: false, reason: 'empty' };
  if (s.includes('*')) return { ok: false, reason: 'a wildcard; list the domain itself (subdomains follow it)' };
  if (CIDR.test(s)) return { ok: false, ip: true, reason: 'a CIDR range; block lists here take domain names only' };
  if (/[/?#\\]/.test(s) || /^[a-z][a-z0-9+.-]*:\/\//i.test(s))
    return { ok: false, reason: 'a URL; only the bare domain name is allowed' };
  const host = normalizeHost(s);
  if (host === null) return { ok: false, reason: 'not a valid hostname' };
  if (parseIp(host) !== null)
    return { ok: false, ip: true, reason: 'an IP address; block lists here take domain names only' };
  const labels = host.split('.');
  if (labels.length < 2) return { ok: false, reason: 'a single-label name, not a fully qualified domain' };
  if (host.length > 253 || !labels.every((l) => LABEL.test(l)))
    return { ok: false, reason: 'not a valid hostname (letters, digits and inner hyphens only)' };
  if (/^\d+$/.test(labels[labels.length - 1])) return { ok: false, reason: 'not a valid hostname (numeric top level)' };
  if (getPublicSuffix(host) === host)
    return { ok: false, reason: 'a public suffix, which would block a whole registry' };
  return { ok: true, domain: host };
}

/** Removes domains that a listed parent already covers: for blockers that match subdomains (Squid, Blue Coat, PAC). */
export function collapseDomains(domains: Iterable<string>): string[] {
  const set = new Set(domains);
  const out: string[] = [];
  for (const d of set) {
    let covered = false;
    let s = d;
    for (let dot = s.indexOf('.'); dot >= 0 && !covered; dot = s.indexOf('.')) {
      s = s.slice(dot + 1);
      covered = set.has(s);
    }
    if (!covered) out.push(d);
  }
  return out.sort();
}

function fingerprint(tags: TagState): string {
  const canonical = Object.keys(tags)
    .sort()
    .map((k) => [k, [...tags[k]]]);
  const h = new Sha256();
  h.update(new TextEncoder().encode(JSON.stringify(canonical)));
  return h.digest().slice(0, 12);
}

interface TaggedApp {
  key: string;
  name: string;
  category: string;
  app: CatalogApp | null;
  row: AppRow | null;
  /** Candidate domains in order: catalog first, then observed, with their origin. */
  domains: { value: string; origin: BlockEntry['origin'] }[];
}

function usageOf(row: AppRow | null): BlockUsage | null {
  if (!row || row.transactions === 0) return null;
  return {
    transactions: row.transactions,
    devices: row.devices,
    users: row.users,
    traffic: row.traffic,
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
  };
}

export function planBlocking(input: BlockPlanInput): BlockPlan {
  const appById = new Map(input.catalog.apps.map((a) => [a.id, a]));
  const rowByKey = new Map((input.apps ?? []).map((r) => [r.key, r]));
  const never = new NeverBlock(input.neverBlock ?? neverBlockList(input.catalog));

  const describe = (key: string): TaggedApp => {
    const row = rowByKey.get(key) ?? null;
    if (key.startsWith('?')) {
      const domain = key.slice(1);
      return {
        key,
        name: row?.name ?? domain,
        category: row?.category ?? 'Unidentified',
        app: null,
        row,
        domains: [{ value: domain, origin: 'tagged' }],
      };
    }
    const app = appById.get(key) ?? null;
    const domains: TaggedApp['domains'] = (app?.domains ?? []).map((value) => ({ value, origin: 'catalog' }));
    for (const h of row?.domains ?? []) domains.push({ value: h, origin: 'observed' });
    return {
      key,
      name: app?.name ?? row?.name ?? key,
      category: app?.category ?? row?.category ?? '',
      app,
      row,
      domains,
    };
  };

  const byName = (a: TaggedApp, b: TaggedApp) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key);
  const unsanctioned: TaggedApp[] = [];
  const monitored: TaggedApp[] = [];
  const sanctioned: TaggedApp[] = [];
  for (const [key, tags] of Object.entries(input.tags)) {
    const s = sanctionOf(tags);
    if (s === UNSANCTIONED) unsanctioned.push(describe(key));
    else if (s === MONITORED) monitored.push(describe(key));
    else if (s === SANCTIONED) sanctioned.push(describe(key));
  }
  unsanctioned.sort(byName);
  monitored.sort(byName);

  // A block that would cut off a sanctioned app is refused like a protected service.
  const sanctionedDomains: ProtectedDomain[] = [];
  for (const a of sanctioned) {
    for (const d of a.domains) {
      const c = checkBlockDomain(d.value);
      if (c.ok) sanctionedDomains.push({ domain: c.domain, scope: 'exact', service: `sanctioned app ${a.name}` });
    }
  }
  const sanctionedGuard = new NeverBlock(sanctionedDomains);

  const entries: BlockEntry[] = [];
  const excluded: ExcludedDomain[] = [];
  const taken = new Set<string>();
  const scoreOf = (a: TaggedApp): { score: number | null; noData: boolean } => {
    if (a.row) return { score: a.row.score, noData: a.row.noData };
    if (!a.app || !input.scorer) return { score: null, noData: false };
    const b = input.scorer(a.app, input.overrides?.[a.app.id] ?? null);
    return { score: b.score, noData: hasNoRiskData(b) };
  };
  const take = (a: TaggedApp, sanction: BlockSanction) => {
    const { score, noData } = scoreOf(a);
    const seen = new Set<string>();
    const exclude = (domain: string, kind: ExcludedDomain['kind'], reason: string) => {
      if (!seen.has(domain)) excluded.push({ domain, appName: a.name, sanction, kind, reason });
      seen.add(domain);
    };
    if (!a.app && !a.key.startsWith('?')) {
      exclude(a.key, 'unknown-app', 'the app is not in the catalog');
      return;
    }
    for (const d of a.domains) {
      const c = checkBlockDomain(d.value);
      if (!c.ok) {
        exclude(d.value, c.ip ? 'ip' : 'invalid', c.reason);
        continue;
      }
      const domain = c.domain;
      if (seen.has(domain)) continue;
      if (a.app?.noise) {
        exclude(domain, 'protected', `never blocked: infrastructure service (${a.app.name})`);
        continue;
      }
      const guard = never.check(domain);
      if (guard) {
        const { entry, relation } = guard;
        exclude(
          domain,
          'protected',
          relation === 'covers'
            ? `never blocked: a block on it would also cover ${entry.domain} (${entry.service})`
            : relation === 'within'
              ? `never blocked: ${entry.service} (${entry.domain} and its subdomains)`
              : `never blocked: ${entry.service}`,
        );
        continue;
      }
      const conflict = sanctionedGuard.check(domain);
      if (conflict) {
        exclude(
          domain,
          'sanctioned',
          conflict.relation === 'covers'
            ? `a block on it would also cover ${conflict.entry.domain}, used by ${conflict.entry.service}`
            : `also serves ${conflict.entry.service}`,
        );
        continue;
      }
      seen.add(domain);
      // Unsanctioned apps are planned first, so a domain shared with a monitored app stays a block.
      if (taken.has(domain)) continue;
      taken.add(domain);
      entries.push({
        domain,
        appKey: a.key,
        appName: a.name,
        category: a.category,
        score,
        noData,
        sanction,
        origin: d.origin,
        usage: usageOf(a.row),
      });
    }
  };
  for (const a of unsanctioned) take(a, UNSANCTIONED);
  for (const a of monitored) take(a, MONITORED);

  return {
    entries,
    excluded,
    tagState: {
      unsanctioned: unsanctioned.map((a) => a.name),
      monitored: monitored.map((a) => a.name),
      sanctioned: sanctioned.length,
      fingerprint: fingerprint(input.tags),
    },
  };
}

/** One line for a header comment: what tag state the list was generated from. */
export function tagStateLine(t: TagStateSummary): string {
  const names = (xs: string[]) =>
    xs.length === 0 ? '' : `: ${xs.slice(0, 10).map(oneLine).join(', ')}${xs.length > 10 ? ', …' : ''}`;
  return (
    `tag state ${t.fingerprint} — ${t.unsanctioned.length} unsanctioned app(s)${names(t.unsanctioned)}; ` +
    `${t.monitored.length} monitored app(s)${names(t.monitored)}; ${t.sanctioned} sanctioned app(s)`
  );
}
