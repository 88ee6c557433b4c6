/**
 * Builds the working catalog from the data files and the user's custom apps, and
 * applies a catalog update without losing what the analyst added: custom apps,
 * tags and score overrides are all keyed by app id, and ids are never reused, so
 * carrying them across an update is a matter of not dropping them.
 */
import { CATEGORIES } from './attributes';
import { normalizeHost } from './host';
import { parseCidr } from './ip';
import type { Catalog, CatalogApp, CatalogFile, CustomApp } from './types';

export const CUSTOM_ID_PREFIX = 'custom-';
/** The catalog of an empty file list: the epoch date makes every date rule read as "long ago". */
const EMPTY_VERSION = '0';
const EMPTY_DATE = '1970-01-01';

function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/**
 * The id a custom app gets: `custom-<slug of name>`, falling back to its first
 * domain (names in non-Latin scripts slug to nothing) and then to "app".
 */
export function customAppId(app: Pick<CustomApp, 'name' | 'domains'>): string {
  return CUSTOM_ID_PREFIX + (slug(app.name) || slug(app.domains[0] ?? '') || 'app');
}

/** Problems with a custom app as the analyst entered it (for the edit form); empty means valid. */
export function validateCustomApp(app: CustomApp): string[] {
  const out: string[] = [];
  if (!app.name.trim()) out.push('name must not be empty');
  if (app.domains.length === 0 && app.ips.length === 0) out.push('add at least one domain or IP range');
  for (const d of app.domains) {
    if (d.includes('*')) out.push(`domain "${d}": no wildcards; subdomains of a domain match anyway`);
    else if (normalizeHost(d) === null) out.push(`domain "${d}" is not a valid hostname`);
  }
  for (const ip of app.ips)
    if (parseCidr(ip.trim()) === null) out.push(`IP range "${ip}" is not a valid address or CIDR range`);
  if (!CATEGORIES.includes(app.category)) out.push(`category "${app.category}" is not a known category`);
  if (app.id !== undefined && !app.id.startsWith(CUSTOM_ID_PREFIX))
    out.push(`id must start with "${CUSTOM_ID_PREFIX}"`);
  return out;
}

function uniq<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

/** A custom app as a catalog entry: no attributes (so it scores as "no data" until overridden). */
export function customAppToCatalogApp(app: CustomApp, id: string): CatalogApp {
  // Invalid entries are dropped rather than thrown on: a bad row must not stop the catalog loading.
  const domains = uniq(app.domains.map((d) => normalizeHost(d)).filter((d): d is string => d !== null));
  const ips = uniq(app.ips.map((s) => s.trim()).filter((s) => parseCidr(s) !== null));
  return {
    id,
    name: app.name.trim(),
    vendor: '',
    category: app.category,
    homepage: domains.length ? `https://${domains[0]}` : '',
    domains,
    ips,
    hq: null,
    founded: null,
    holding: 'unknown',
    attributes: {},
    sources: [],
    custom: true,
    notes: app.notes,
  };
}

/** The custom app a catalog entry was made from (with its id, so it keeps it). */
export function catalogAppToCustomApp(app: CatalogApp): CustomApp {
  return {
    id: app.id,
    name: app.name,
    domains: [...app.domains],
    ips: [...(app.ips ?? [])],
    category: app.category,
    notes: app.notes ?? '',
  };
}

/**
 * Merges the data files into one catalog, then appends the custom apps.
 * Version and date come from the newest file (by date; the later file on ties).
 * Should two files carry the same app id, the newer file's entry wins.
 * Custom apps keep their stored id when it is a free `custom-` id; otherwise get
 * `custom-<slug>`, suffixed `-2`, `-3`… when taken.
 */
export function loadCatalog(files: readonly CatalogFile[], custom: readonly CustomApp[]): Catalog {
  let version = EMPTY_VERSION;
  let date = EMPTY_DATE;
  let newest = '';
  const byId = new Map<string, { app: CatalogApp; date: string }>();
  for (const file of files) {
    if (file.date >= newest) {
      newest = file.date;
      version = file.version;
      date = file.date;
    }
    for (const app of file.apps) {
      const prev = byId.get(app.id);
      if (!prev || prev.date <= file.date) byId.set(app.id, { app, date: file.date });
    }
  }
  const apps: CatalogApp[] = [...byId.values()].map((e) => e.app);
  const taken = new Set(byId.keys());
  for (const c of custom) {
    let id = c.id?.startsWith(CUSTOM_ID_PREFIX) && !taken.has(c.id) ? c.id : customAppId(c);
    if (taken.has(id)) {
      let n = 2;
      while (taken.has(`${id}-${n}`)) n++;
      id = `${id}-${n}`;
    }
    taken.add(id);
    apps.push(customAppToCatalogApp(c, id));
  }
  return { version, date, apps };
}

export interface CatalogUpdateResult<T, O> {
  catalog: Catalog;
  /** Every tag entry carried over, including those of apps the update removed. */
  tags: Record<string, T>;
  /** Every override carried over, including those of apps the update removed. */
  overrides: Record<string, O>;
  /** Built-in app ids new in this update. */
  added: string[];
  /** Built-in app ids the update no longer has. */
  removed: string[];
  /**
   * Ids that have tags or an override but no app in the new catalog. They are
   * kept (ids are never reused, so an app that comes back finds them again);
   * the UI can list them.
   */
  orphaned: string[];
  /** True when the "newer" catalog is dated before the one it replaces. */
  downgrade: boolean;
}

/**
 * Applies a catalog update. The newer files replace every built-in app; custom
 * apps (the `custom` list, plus any custom app of the old catalog it does not
 * name) and the tags and overrides keyed by app id are never lost.
 */
export function mergeCatalogUpdate<T, O>(
  old: Catalog,
  newer: CatalogFile | readonly CatalogFile[],
  custom: readonly CustomApp[],
  tags: Readonly<Record<string, T>>,
  overrides: Readonly<Record<string, O>>,
): CatalogUpdateResult<T, O> {
  const files: readonly CatalogFile[] = Array.isArray(newer) ? newer : [newer as CatalogFile];
  // A listed custom app without an id takes the id its namesake had, so its tags stay attached;
  // custom apps the list does not mention by id or by name are kept, with their old id.
  const oldCustom = old.apps.filter((a) => a.custom);
  const oldIdByName = new Map(oldCustom.map((a) => [a.name, a.id]));
  const listed = custom.map((c) =>
    c.id === undefined && oldIdByName.has(c.name.trim()) ? { ...c, id: oldIdByName.get(c.name.trim()) } : c,
  );
  const listedIds = new Set(listed.map((c) => c.id).filter((id): id is string => id !== undefined));
  const listedNames = new Set(listed.map((c) => c.name.trim()));
  const kept = oldCustom.filter((a) => !listedIds.has(a.id) && !listedNames.has(a.name)).map(catalogAppToCustomApp);
  const catalog = loadCatalog(files, [...listed, ...kept]);
  const oldBuiltIn = new Set(old.apps.filter((a) => !a.custom).map((a) => a.id));
  const newIds = new Set(catalog.apps.map((a) => a.id));
  const newBuiltIn = catalog.apps.filter((a) => !a.custom).map((a) => a.id);
  const orphaned = uniq([...Object.keys(tags), ...Object.keys(overrides)]).filter((id) => !newIds.has(id));
  return {
    catalog,
    tags: { ...tags },
    overrides: { ...overrides },
    added: newBuiltIn.filter((id) => !oldBuiltIn.has(id)),
    removed: [...oldBuiltIn].filter((id) => !newIds.has(id)),
    orphaned,
    downgrade: catalog.date < old.date,
  };
}
