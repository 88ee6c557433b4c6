/**
 * RFC 4180 CSV, safe to open in a spreadsheet: a cell that starts with `=`,
 * `+`, `-`, `@`, tab or CR is neutralised with a leading apostrophe so it can
 * never run as a formula. Plain negative numbers are numbers, not text cells,
 * and are written as they are.
 */
const DANGEROUS = new Set(['=', '+', '-', '@', '\t', '\r']);

export type Cell = string | number | null | undefined;

export function neutralise(value: string): string {
  return value.length > 0 && DANGEROUS.has(value[0]) ? `'${value}` : value;
}

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const s = neutralise(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly Cell[]): string {
  return cells.map(csvCell).join(',');
}

export interface CsvOptions {
  /** Prefix a UTF-8 BOM so Excel opens the file as UTF-8. */
  bom?: boolean;
}

export function toCsv(header: readonly string[], rows: Iterable<readonly Cell[]>, opts: CsvOptions = {}): string {
  const lines = [csvRow(header)];
  for (const r of rows) lines.push(csvRow(r));
  return `${opts.bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}
