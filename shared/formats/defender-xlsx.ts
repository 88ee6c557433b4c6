/**
 * Advanced Hunting results saved as an Excel workbook: the format entry. The
 * pipeline turns the first worksheet into CSV text with `xlsxToCsvChunks`
 * (xlsx-csv.ts, kept apart so that SheetJS loads only when a workbook comes)
 * and the defender-csv reader parses it, so both share one set of column rules.
 */
import { defenderCsvFormat } from './defender-csv';
import type { FormatDefinition } from './types';

/**
 * Zip magic and a spreadsheet part name (`xl/...`), as they survive text decoding
 * of the head. Part order varies by writer (SheetJS puts xl/workbook.xml after
 * the sheets), so any `xl/` part will do; docx and pptx use word/ and ppt/.
 */
function looksLikeXlsx(head: string): boolean {
  return head.startsWith('PK\u0003\u0004') && head.includes('xl/');
}

/**
 * Entry for provenance ("detected format") of workbooks. Its parser reads the
 * CSV text `xlsxToCsvChunks` makes; any workbook scores low, since which table it
 * holds shows only once converted (the CSV head can then be sniffed with
 * defenderCsvFormat).
 */
export const defenderXlsxFormat: FormatDefinition = {
  id: 'defender-xlsx',
  label: 'Defender for Endpoint — Advanced Hunting Excel workbook',
  usesLocalTime: false,
  missingFields: [],
  sniff(head: string): number {
    try {
      return looksLikeXlsx(head) ? 0.3 : 0;
    } catch {
      return 0;
    }
  },
  open: defenderCsvFormat.open,
};
