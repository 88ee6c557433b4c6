/**
 * Rows as the virtualized tables show them (VirtualRows.vue): each cell's text and hover formatted once, when the
 * row's page of rows first shows, rather than on every frame it is drawn.
 */
import { type ColumnKind, type SizedColumn, WORDS } from './column-widths';
import { formatBytes, formatCount, formatTime, formatUtc } from './format';

export interface Column extends SizedColumn {
  /** The row's field the column shows. */
  key: string;
}

/** A row as shown: the row itself, its cells' texts and their hovers. */
export interface ShownRow<T = unknown> {
  row: T;
  cells: string[];
  titles: (string | undefined)[];
}

/** Kinds shown right-aligned in tabular figures. */
export const NUMERIC = new Set<ColumnKind>(['count', 'bytes', 'score']);

export type Sort = { key: string; dir: 'asc' | 'desc' };
/** The order after a click on column `key`'s header: the other way round on the sorted column, else most first. */
export function nextSort(sort: Sort | null, key: string): Sort {
  return sort?.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' };
}

/** A cell's text: figures and times for people, "—" for a score or level not known, n/a for bytes not counted. */
export function cellText(v: unknown, kind: ColumnKind): string {
  switch (kind) {
    case 'count':
      return formatCount(v as number);
    case 'bytes':
      return formatBytes(v as number | null);
    case 'time':
      return formatTime(v as number);
    case 'score':
      return v === null || v === undefined ? '—' : (Math.round((v as number) * 10) / 10).toFixed(1);
    case 'tags':
      return ((v as string[] | undefined) ?? []).join(', ');
    case 'risk':
      return (v as string | null) ?? '—';
    default:
      return String(v ?? '');
  }
}

/** The row's cells and hovers: a time's hover is its UTC, a name's the whole of it. */
export function shownRow<T extends object>(row: T, columns: readonly Column[]): ShownRow<T> {
  const values = row as Record<string, unknown>;
  const cells = columns.map((c) => cellText(values[c.key], c.kind));
  return {
    row,
    cells,
    titles: columns.map((c, i) =>
      c.kind === 'time'
        ? formatUtc(values[c.key] as number | null)
        : WORDS.has(c.kind) && cells[i]
          ? cells[i]
          : undefined,
    ),
  };
}

/** A cell's class: figures right-aligned, a risk level coloured by its level. */
export function cellClass(c: Column, text: string): string | undefined {
  if (NUMERIC.has(c.kind)) return 'num';
  return c.kind === 'risk' ? `risk-${text}` : undefined;
}

const histories = new Map<string, Column[]>();
/**
 * The columns of a history (who used a device, the addresses it had; an app's users, devices and addresses), one
 * array per first column: the same array on every render, so the table keeps its widths.
 */
export function historyColumns(first: string): Column[] {
  let columns = histories.get(first);
  if (!columns) {
    columns = [
      { key: 'value', label: first, kind: 'text', width: '260px' },
      { key: 'firstSeen', label: 'First seen', kind: 'time' },
      { key: 'lastSeen', label: 'Last seen', kind: 'time' },
      { key: 'transactions', label: 'Transactions', kind: 'count' },
      { key: 'traffic', label: 'Traffic', kind: 'bytes' },
    ];
    histories.set(first, columns);
  }
  return columns;
}

const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
/**
 * Rows in hand ordered by one field, as the engine orders its tables: what is not known (null) last whichever the
 * direction, figures by value, texts as people read them ("user9" before "user10"). A copy; the rows stay as given.
 */
export function sortedRows<T extends object>(rows: readonly T[], key: string, dir: 'asc' | 'desc'): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  const value = (r: T) => (r as Record<string, unknown>)[key];
  return [...rows].sort((x, y) => {
    const a = value(x);
    const b = value(y);
    if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === 'number' && typeof b === 'number') return sign * (a - b);
    return sign * COLLATOR.compare(String(a), String(b));
  });
}
