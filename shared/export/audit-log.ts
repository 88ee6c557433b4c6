/**
 * The audit log as an analyst hands it over: every tag change (and every
 * de-anonymisation) with who, when, what and the values before and after.
 * Store records keep old/new as JSON text; tag lists read back as "a; b".
 */
import type { TagAuditEntry } from '../catalog/tags';
import { isoSecond } from '../formats/time';
import type { AuditRecord } from '../store/db';
import { type Cell, toCsv } from './csv';
import { toJsonTable } from './table-stream';

export const AUDIT_HEADER = ['Time', 'Who', 'Action', 'Target', 'Old', 'New'] as const;

export type AuditEntry = Omit<AuditRecord, 'id'>;

/** Tag-change results (catalog/tags.ts) in the store's audit shape. */
export function tagAuditRecords(entries: readonly TagAuditEntry[]): AuditEntry[] {
  return entries.map((a) => ({
    when: a.when,
    who: a.who,
    action: a.action,
    target: a.appId,
    old: JSON.stringify(a.old),
    new: JSON.stringify(a.new),
  }));
}

function readable(v: string | null): string | null {
  if (v === null) return null;
  try {
    const parsed: unknown = JSON.parse(v);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed.join('; ');
  } catch {
    // Not JSON: free text is shown as it was recorded.
  }
  return v;
}

export function auditRows(records: readonly AuditEntry[]): Cell[][] {
  return [...records]
    .sort((a, b) => a.when - b.when)
    .map((r) => [
      Number.isFinite(r.when) ? isoSecond(r.when) : null,
      r.who,
      r.action,
      r.target,
      readable(r.old),
      readable(r.new),
    ]);
}

export function auditCsv(records: readonly AuditEntry[]): string {
  return toCsv(AUDIT_HEADER, auditRows(records));
}

export function auditJson(records: readonly AuditEntry[]): string {
  return toJsonTable(AUDIT_HEADER, auditRows(records));
}
