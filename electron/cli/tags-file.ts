/**
 * `analyze --tags <tags.csv>`: app tags for a headless run, one row per
 * tagging action under the header `App,Tag`. App is a catalog app (name or id,
 * any case) or a domain — a domain a catalog app claims tags that app, any
 * other tags the unidentified entry of its registrable domain, as the
 * discovered-apps table groups it. Tag is Sanctioned, Unsanctioned, Monitored
 * or a custom tag. Rows apply in order with the app's own semantics (last
 * action wins among Sanctioned/Unsanctioned/Monitored), and each change gets
 * an audit entry like a change made in the app.
 */
import { readFile } from 'node:fs/promises';
import Papa from 'papaparse';
import { normalizeHost } from '../../shared/catalog/host';
import { parseIp } from '../../shared/catalog/ip';
import { type Matcher, refKey } from '../../shared/catalog/matcher';
import { applyTagChange, type TagAuditEntry, type TagState } from '../../shared/catalog/tags';
import type { Catalog } from '../../shared/catalog/types';

export interface TagsFileContext {
  catalog: Catalog;
  matcher: Matcher;
  /** Who the audit entries name. */
  who?: string;
  /** UTC ms stamped on the audit entries. */
  when?: number;
  /** Tags already set; the file's rows apply on top. */
  initial?: TagState;
}

export interface TagsFileResult {
  state: TagState;
  audit: TagAuditEntry[];
  /** Rows that could not be applied, with their line numbers. */
  warnings: string[];
  /** Data rows read. */
  rows: number;
}

export class TagsFileError extends Error {}

/** The app key a row's App column names, or null. */
export function resolveApp(value: string, catalog: Catalog, matcher: Matcher): string | null {
  const v = value.trim();
  if (!v) return null;
  const lower = v.toLowerCase();
  for (const a of catalog.apps) if (a.id === lower || a.name.toLowerCase() === lower) return a.id;
  const host = normalizeHost(v);
  if (host === null || (!host.includes('.') && parseIp(host) === null)) return null;
  const ref = parseIp(host) !== null ? matcher.matchIp(host) : matcher.matchHost(host);
  return ref ? refKey(ref) : null;
}

export function parseTagsCsv(text: string, ctx: TagsFileContext): TagsFileResult {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const rows = parsed.data;
  const head = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const appCol = head.indexOf('app');
  const tagCol = head.indexOf('tag');
  if (appCol < 0 || tagCol < 0)
    throw new TagsFileError(`the first line must be the header "App,Tag" (found "${(rows[0] ?? []).join(',')}")`);
  const who = ctx.who ?? 'analyze --tags';
  const when = ctx.when ?? Date.now();
  let state: TagState = ctx.initial ?? {};
  const audit: TagAuditEntry[] = [];
  const warnings: string[] = [];
  for (let i = 1; i < rows.length; i++) {
    const line = i + 1;
    const app = rows[i][appCol]?.trim() ?? '';
    const tag = rows[i][tagCol]?.trim() ?? '';
    if (!app || !tag) {
      warnings.push(`line ${line}: needs both an app and a tag`);
      continue;
    }
    const key = resolveApp(app, ctx.catalog, ctx.matcher);
    if (key === null) {
      warnings.push(`line ${line}: "${app}" is neither a catalog app nor a domain`);
      continue;
    }
    const r = applyTagChange(state, { appIds: [key], add: [tag], who, when });
    for (const x of r.ignored)
      warnings.push(`line ${line}: tag "${x}" cannot be set by hand (empty, too long, or derived)`);
    state = r.state;
    audit.push(...r.audit);
  }
  for (const e of parsed.errors.slice(0, 20)) warnings.push(`line ${(e.row ?? 0) + 1}: ${e.message}`);
  return { state, audit, warnings, rows: Math.max(0, rows.length - 1) };
}

export async function readTagsFile(path: string, ctx: TagsFileContext): Promise<TagsFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new TagsFileError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseTagsCsv(text, ctx);
}
