/** Registers every built-in format with the registry; the engine calls this once before importing. */
import { cefFormat } from './cef';
import { sentinelCslFormat } from './cef-sentinel';
import { customCsvFormat } from './custom-csv';
import { defenderCsvFormat } from './defender-csv';
import { defenderEventHubFormat } from './defender-eventhub';
import { defenderJsonFormat } from './defender-json';
import { defenderXlsxFormat } from './defender-xlsx';
import { factsCsvFormat } from './facts-csv';
import { factsJsonFormat } from './facts-json';
import { fortigateFormat } from './fortigate';
import { panosFormat } from './panos';
import { registerFormats } from './registry';
import { squidFormat } from './squid';
import { w3cFormat } from './w3c';
import { zeekJsonFormat } from './zeek-json';
import { zeekTsvFormat } from './zeek-tsv';
import { zscalerNssFormat } from './zscaler';

export const BUILTIN_FORMATS = [
  defenderCsvFormat,
  defenderJsonFormat,
  defenderEventHubFormat,
  defenderXlsxFormat,
  zeekTsvFormat,
  zeekJsonFormat,
  squidFormat,
  w3cFormat,
  cefFormat,
  sentinelCslFormat,
  zscalerNssFormat,
  panosFormat,
  fortigateFormat,
  customCsvFormat,
  factsCsvFormat,
  factsJsonFormat,
];

export function registerBuiltinFormats(): void {
  registerFormats(BUILTIN_FORMATS);
}
