/**
 * "Export exactly what is on screen": the rows of a table request (filters,
 * search, sort) with the visible columns, as CSV (formula-safe, optional BOM
 * for Excel) or JSON. Values are written for machines, not people: integers
 * for counts and bytes (empty where unknown), ISO 8601 UTC times, lists joined
 * with "; ".
 */
import type { EntityRow } from '../engine/views';
import { isoSecond } from '../formats/time';
import { type Cell, toCsv } from './csv';

export interface ExportColumn {
  key: string;
  label: string;
  kind: 'text' | 'count' | 'bytes' | 'time' | 'score' | 'tags' | 'risk';
}

export function cellValue(row: EntityRow, c: ExportColumn): Cell {
  const v = (row as unknown as Record<string, unknown>)[c.key];
  if (v === null || v === undefined) return null;
  switch (c.kind) {
    case 'count':
    case 'bytes':
      return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null;
    case 'time':
      return typeof v === 'number' && Number.isFinite(v) ? isoSecond(v) : null;
    case 'score':
      return typeof v === 'number' ? (Math.round(v * 10) / 10).toFixed(1) : null;
    case 'tags':
      return Array.isArray(v) ? v.join('; ') : String(v);
    default:
      return Array.isArray(v) ? v.join('; ') : String(v);
  }
}

export function tableCsv(rows: readonly EntityRow[], columns: readonly ExportColumn[], bom = false): string {
  return toCsv(
    columns.map((c) => c.label),
    rows.map((r) => columns.map((c) => cellValue(r, c))),
    { bom },
  );
}

export function tableJson(rows: readonly EntityRow[], columns: readonly ExportColumn[]): string {
  return `${JSON.stringify(
    rows.map((r) => Object.fromEntries(columns.map((c) => [c.label, cellValue(r, c)]))),
    null,
    2,
  )}\n`;
}
