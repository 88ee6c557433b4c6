/**
 * Tests' workbooks: a CSV export saved as the one-sheet `.xlsx` the portal's "Export to Excel" writes (SheetJS,
 * compressed), for the Node and browser tests that check a workbook reads as the CSV it came from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { utils, write } from '@e965/xlsx';
import Papa from 'papaparse';

export function writeWorkbookOf(csvFile: string, xlsxFile: string): void {
  const rows = Papa.parse<string[]>(readFileSync(csvFile, 'utf8'), { skipEmptyLines: true }).data;
  const wb = utils.book_new();
  utils.book_append_sheet(wb, utils.aoa_to_sheet(rows), 'Results');
  writeFileSync(
    xlsxFile,
    new Uint8Array(write(wb, { type: 'array', bookType: 'xlsx', compression: true }) as ArrayBuffer),
  );
}
