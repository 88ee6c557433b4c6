/**
 * The catalog data files' schema and validator. The valibot schemas check the
 * shape of one app and one file; `validateCatalog` adds the rules that need more
 * than one field or more than one app (attribute types, source coverage, unique
 * ids, domain claims) and reports every problem as a sentence a data author can
 * act on, prefixed with the file and app it is about.
 */
import { parse as parseDomain } from 'tldts';
import * as v from 'valibot';
import { ATTRIBUTE_BY_ID, ATTRIBUTES, CATEGORIES } from './attributes';
import { isIsoDay, isPartialDate } from './dates';
import { normalizeHost } from './host';
import { parseCidr, parseIp } from './ip';
import type { AttributeDef, CatalogApp, CatalogFile } from './types';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const VERSION = /^\d+(?:\.\d+)*$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Ids a source may cover besides attribute ids. */
const EXTRA_COVERS = ['hq', 'founded', 'holding'] as const;
/** Loader-generated ids live under this prefix; built-in ids must stay out of it. */
const CUSTOM_PREFIX = 'custom-';

function isHttpsUrl(s: string, allowHttp = false): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || (allowHttp && u.protocol === 'http:')) && u.hostname.includes('.');
  } catch {
    return false;
  }
}

/** Why `d` is not acceptable as a catalog domain, or null when it is. */
export function domainProblem(d: string): string | null {
  if (d.length === 0) return 'is empty';
  if (d.includes('://')) return 'has a scheme; list the bare hostname';
  if (d.includes('*')) return 'has a wildcard; list the parent domain (its subdomains match anyway)';
  if (d.includes('/')) return 'has a path; list the bare hostname';
  if (parseIp(d) !== null) return 'is an IP address; put it in "ips" as a CIDR range';
  if (d.includes(':')) return 'has a port; list the bare hostname';
  if (d !== d.trim()) return 'has surrounding spaces';
  if (d.endsWith('.')) return 'has a trailing dot';
  if (/[\u0080-\uffff]/.test(d)) {
    const ascii = normalizeHost(d);
    return ascii ? `is not ASCII; use the punycode form "${ascii}"` : 'is not a valid hostname';
  }
  if (d !== d.toLowerCase()) return 'must be lowercase';
  if (d.length > 253) return 'is longer than 253 characters';
  const labels = d.split('.');
  if (labels.length < 2) return 'is a single label; list a full domain';
  if (!labels.every((l) => LABEL.test(l))) return 'is not a valid hostname (labels are a-z, 0-9 and inner hyphens)';
  const p = parseDomain(d);
  if (!p.isIcann) return 'has no known public suffix';
  if (p.publicSuffix === d) return 'is a public suffix on its own';
  return null;
}

const nonEmptyText = (what: string) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.check((s) => s.trim().length > 0, `${what} must not be empty`),
  );

export const AppSourceSchema = v.strictObject({
  covers: v.pipe(
    v.array(v.string('covers must list ids as strings'), 'covers must be an array'),
    v.minLength(1, 'a source must cover at least one attribute'),
  ),
  url: v.pipe(
    v.string('url must be a string'),
    v.check(
      (s) => s === 'well known' || isHttpsUrl(s),
      (i) => `source url ${JSON.stringify(i.input)} must be an https URL or "well known"`,
    ),
  ),
});

export const CatalogAppSchema = v.strictObject({
  id: v.pipe(
    v.string('id must be a string'),
    v.regex(KEBAB, (i) => `id ${JSON.stringify(i.input)} must be kebab-case`),
  ),
  name: nonEmptyText('name'),
  vendor: nonEmptyText('vendor'),
  category: v.picklist(CATEGORIES, (i) => `category ${JSON.stringify(i.input)} is not one of CATEGORIES`),
  homepage: v.pipe(
    v.string('homepage must be a string'),
    v.check(
      (s) => isHttpsUrl(s, true),
      (i) => `homepage ${JSON.stringify(i.input)} must be an http(s) URL`,
    ),
  ),
  domains: v.pipe(
    v.array(
      v.pipe(
        v.string('domains must be strings'),
        v.check(
          (d) => domainProblem(d) === null,
          (i) => `domain ${JSON.stringify(i.input)} ${domainProblem(String(i.input))}`,
        ),
      ),
      'domains must be an array',
    ),
  ),
  ips: v.optional(
    v.array(
      v.pipe(
        v.string('ips must be strings'),
        v.check(
          (s) => parseCidr(s) !== null,
          (i) => `ip range ${JSON.stringify(i.input)} is not a valid CIDR (host bits must be zero)`,
        ),
      ),
      'ips must be an array',
    ),
  ),
  hq: v.nullable(
    v.pipe(
      v.string('hq must be a string or null'),
      v.regex(/^[A-Z]{2}$/, (i) => `hq ${JSON.stringify(i.input)} must be an ISO 3166-1 alpha-2 code such as "US"`),
    ),
  ),
  founded: v.nullable(
    v.pipe(
      v.number('founded must be a year or null'),
      v.integer('founded must be a whole year'),
      v.minValue(1800, 'founded is implausibly early'),
      v.maxValue(2100, 'founded is implausibly late'),
    ),
  ),
  holding: v.picklist(['public', 'private', 'unknown'], 'holding must be "public", "private" or "unknown"'),
  attributes: v.record(
    v.string(),
    v.union([v.boolean(), v.string(), v.array(v.string())], 'attribute values are booleans, strings or string lists'),
    'attributes must be an object',
  ),
  sources: v.array(AppSourceSchema, 'sources must be an array'),
  noise: v.optional(v.boolean('noise must be true or false')),
});

export const CatalogFileSchema = v.strictObject({
  version: nonEmptyText('version'),
  date: v.pipe(v.string('date must be a string'), v.check(isIsoDay, 'date must be an ISO date YYYY-MM-DD')),
  apps: v.array(CatalogAppSchema, 'apps must be an array'),
});

// Compile-time guard: what the schema accepts must be a CatalogFile.
type SchemaMatchesTypes = v.InferOutput<typeof CatalogFileSchema> extends CatalogFile ? true : never;
const schemaMatchesTypes: SchemaMatchesTypes = true;
void schemaMatchesTypes;

/** Header only, so one bad app does not hide the problems of the others. */
const FileHeaderSchema = v.object({
  version: CatalogFileSchema.entries.version,
  date: CatalogFileSchema.entries.date,
  apps: v.array(v.unknown(), 'apps must be an array'),
});

function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  }
  return out;
}

function formatIssues(issues: readonly v.BaseIssue<unknown>[], where: string): string[] {
  return issues.map((i) => {
    const path = issuePath(i);
    return `${where}${path ? ` ${path}` : ''}: ${i.message}`;
  });
}

function valueProblem(def: AttributeDef, value: unknown, catalogDate: string | null): string | null {
  switch (def.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string-list':
      if (!Array.isArray(value)) return 'must be a list of strings';
      if (!value.every((x) => typeof x === 'string' && x.trim().length > 0)) return 'must list non-empty strings';
      return new Set(value).size === value.length ? null : 'lists a value twice';
    case 'version':
      return typeof value === 'string' && VERSION.test(value) ? null : 'must be a version such as "1.2"';
    case 'date':
      if (typeof value !== 'string' || !isPartialDate(value)) return 'must be a date YYYY, YYYY-MM or YYYY-MM-DD';
      // ISO dates compare as strings; a partial date is "after" when its first day is.
      return catalogDate !== null && value > catalogDate ? `is after the catalog date ${catalogDate}` : null;
    case 'text':
      return typeof value === 'string' && value.trim().length > 0 ? null : 'must be a non-empty text';
  }
}

const ATTRIBUTE_ID_BY_LOWER = new Map(ATTRIBUTES.map((a) => [a.id.toLowerCase(), a.id]));
const KNOWN_COVERS = new Set<string>([...ATTRIBUTE_BY_ID.keys(), ...EXTRA_COVERS]);

/** Rules of one app that span fields. Assumes the app passed `CatalogAppSchema`. */
function appProblems(app: CatalogApp, catalogDate: string | null): string[] {
  const out: string[] = [];
  if (app.id.startsWith(CUSTOM_PREFIX))
    out.push(`id must not start with "${CUSTOM_PREFIX}" (reserved for custom apps)`);
  // Reached by name, or by address alone (the local and private networks: no domain of their own).
  if (app.domains.length === 0 && (app.ips ?? []).length === 0)
    out.push('domains: an app needs at least one domain, or IP ranges');
  const seen = new Set<string>();
  for (const d of app.domains) {
    if (seen.has(d)) out.push(`domain "${d}" is listed twice`);
    seen.add(d);
  }
  const covered = new Set<string>();
  for (const s of app.sources) {
    for (const c of s.covers) {
      covered.add(c);
      if (!KNOWN_COVERS.has(c)) out.push(`a source covers unknown id "${c}"`);
    }
  }
  for (const [id, value] of Object.entries(app.attributes)) {
    const def = ATTRIBUTE_BY_ID.get(id);
    if (!def) {
      const hint = ATTRIBUTE_ID_BY_LOWER.get(id.toLowerCase());
      out.push(`unknown attribute "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      continue;
    }
    const problem = valueProblem(def, value, catalogDate);
    if (problem) out.push(`attribute "${id}" ${problem}`);
    if (!covered.has(id)) out.push(`attribute "${id}" is not covered by any source`);
  }
  if (app.hq !== null && !covered.has('hq')) out.push('hq is set but not covered by any source');
  if (app.founded !== null && !covered.has('founded')) out.push('founded is set but not covered by any source');
  if (app.holding !== 'unknown' && !covered.has('holding')) out.push('holding is set but not covered by any source');
  if (catalogDate !== null && app.founded !== null && app.founded > Number(catalogDate.slice(0, 4))) {
    out.push(`founded ${app.founded} is after the catalog date`);
  }
  return out;
}

/** One data file to validate, with the name problems are reported under. */
export interface NamedCatalogFile {
  name: string;
  file: unknown;
}

/**
 * Validates several data files as the one catalog the loader will merge them
 * into: each file on its own, then ids and domains across all of them.
 * Returns problems as readable strings; empty means valid.
 */
export function validateCatalogs(files: readonly NamedCatalogFile[]): string[] {
  const problems: string[] = [];
  const idOwner = new Map<string, string>();
  const domainOwner = new Map<string, { id: string; where: string }>();
  for (const { name, file } of files) {
    const prefix = name ? `${name}: ` : '';
    if (!file || typeof file !== 'object' || Array.isArray(file)) {
      problems.push(`${prefix}file: must be an object with version, date and apps`);
      continue;
    }
    const header = v.safeParse(FileHeaderSchema, file);
    if (!header.success) {
      problems.push(...formatIssues(header.issues, `${prefix}file`));
      if (!Array.isArray((file as { apps?: unknown }).apps)) continue;
    } else {
      const extra = Object.keys(file).filter((k) => !(k in CatalogFileSchema.entries));
      for (const k of extra) problems.push(`${prefix}file: unknown key "${k}"`);
    }
    const catalogDate = header.success ? header.output.date : null;
    const apps = (file as { apps: unknown[] }).apps;
    apps.forEach((raw, index) => {
      const rawId = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
      const where = `${prefix}${typeof rawId === 'string' && rawId ? `app "${rawId}"` : `apps[${index}]`}`;
      const parsed = v.safeParse(CatalogAppSchema, raw);
      if (!parsed.success) {
        problems.push(...formatIssues(parsed.issues, where));
        return;
      }
      const app = parsed.output as CatalogApp;
      for (const p of appProblems(app, catalogDate)) problems.push(`${where}: ${p}`);
      const prevId = idOwner.get(app.id);
      if (prevId !== undefined) problems.push(`${where}: id is already used (${prevId})`);
      else idOwner.set(app.id, `${prefix}apps[${index}]`);
      // Identical domains in two apps are ambiguous; a more specific host of another app's domain is not
      // (the matcher picks the most specific), so only exact duplicates are refused.
      for (const d of new Set(app.domains)) {
        const prev = domainOwner.get(d);
        if (prev && prev.id !== app.id)
          problems.push(`${where}: domain "${d}" is also claimed by app "${prev.id}" (${prev.where})`);
        else if (!prev) domainOwner.set(d, { id: app.id, where: `${prefix}apps[${index}]` });
      }
    });
  }
  return problems;
}

/** Validates one data file. Returns problems as readable strings; empty means valid. */
export function validateCatalog(file: unknown): string[] {
  return validateCatalogs([{ name: '', file }]);
}

/** Parses a data file, throwing with every problem listed when it is not valid. */
export function parseCatalogFile(file: unknown, name = 'catalog'): CatalogFile {
  const problems = validateCatalogs([{ name, file }]);
  if (problems.length) throw new Error(`${name} is not a valid catalog:\n${problems.join('\n')}`);
  return file as CatalogFile;
}
