/**
 * Advanced Hunting results saved as an Excel workbook, as CSV text: the first
 * worksheet with RFC 4180 quoting, for the defender-csv reader. The pipeline
 * calls `xlsxToCsvChunks` when a file starts with the zip magic and holds
 * `xl/workbook.xml`. Its own module, as SheetJS is a megabyte of code that the
 * command line loads only when a workbook comes (electron/cli/analyze.ts).
 *
 * SheetJS (@e965/xlsx) reads the whole workbook at once; a workbook holds at most
 * 1,048,576 rows, which is what Excel itself can open.
 */
import { read, SSF } from '@e965/xlsx';

const CHUNK_CHARS = 1 << 16;
const MS_PER_DAY = 86_400_000;
/** Days from Excel's day 0 (1899-12-30, after its 1900 leap-year bug) to 1970-01-01. */
const EPOCH_1900 = 25_569;
const EPOCH_1904 = EPOCH_1900 - 1_462;

interface Cell {
  t: string;
  v?: unknown;
  z?: string | number;
}

function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${s.replace(/"/g, '""')}"`;
  }
  return s;
}

/**
 * A cell as the text a CSV export of the same hunt would hold. Dates become
 * ISO 8601 UTC: Defender writes times in UTC and Excel keeps no zone, so the
 * serial's wall-clock time is taken as UTC (to the millisecond Excel keeps).
 */
function cellText(cell: Cell | undefined, epoch: number): string {
  if (!cell || cell.v === undefined || cell.v === null) return '';
  switch (cell.t) {
    case 's':
    case 'str':
      return String(cell.v);
    case 'n': {
      const v = cell.v as number;
      if (cell.z !== undefined && SSF.is_date(cell.z)) {
        const ms = Math.round((v - epoch) * MS_PER_DAY);
        return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(v);
      }
      return String(v);
    }
    case 'd':
      return cell.v instanceof Date && !Number.isNaN(cell.v.getTime()) ? cell.v.toISOString() : '';
    case 'b':
      return cell.v ? 'true' : 'false';
    default:
      return ''; // errors ('e') and stubs ('z')
  }
}

/**
 * The first worksheet of an .xlsx file as CSV text chunks (about 64 KiB each,
 * rows never split). Throws an Error when the bytes are not a readable workbook.
 */
export function* xlsxToCsvChunks(bytes: Uint8Array): Generator<string, void, undefined> {
  const wb = read(bytes, { type: 'array', dense: true, cellNF: true, cellDates: false, cellHTML: false });
  const name = wb.SheetNames[0];
  const sheet = name === undefined ? undefined : wb.Sheets[name];
  if (!sheet) return;
  const rows = (sheet as unknown as { '!data'?: (Cell | undefined)[][] })['!data'] ?? [];
  const epoch = wb.Workbook?.WBProps?.date1904 ? EPOCH_1904 : EPOCH_1900;
  // Every row gets the width of the widest row, so short rows still line up with the header.
  let width = 0;
  for (const r of rows) if (r && r.length > width) width = r.length;
  let out = '';
  for (let ri = 0; ri < rows.length; ri++) {
    const r = rows[ri];
    let line = '';
    for (let c = 0; c < width; c++) {
      if (c > 0) line += ',';
      line += quote(cellText(r?.[c], epoch));
    }
    out += `${line}\r\n`;
    if (out.length >= CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
}
