/**
 * The import preview: from the first bytes of a file, the detected format,
 * the first rows as normalized fields, what the source cannot provide, and —
 * for a CSV no format recognises — its headers and a proposed column mapping.
 */
import type { NetworkEvent } from '../domain/event';
import { TYPE_LINE } from '../formats/csv-select';
import { CsvStream } from '../formats/csv-stream';
import { customCsvDelimiter, suggestMapping } from '../formats/custom-csv';
import { detectFormat, formatById } from '../formats/registry';
import type { CustomMapping, FormatId, ParseSink, SlashDates } from '../formats/types';

export interface PreviewRequest {
  name: string;
  /** The first bytes of the file (a few hundred KB is plenty). */
  head: Uint8Array;
  /** The head is the whole file: its last line is whole too, with or without a line break after it. */
  whole?: boolean;
  formatId?: FormatId;
  mapping?: CustomMapping;
  timeZone?: string;
  slashDates?: SlashDates;
}

export interface PreviewResult {
  name: string;
  format: { id: FormatId; label: string; usesLocalTime: boolean } | null;
  tried: { id: FormatId; label: string; score: number }[];
  events: NetworkEvent[];
  skipped: Record<string, number>;
  rejected: { line: number; reason: string }[];
  /**
   * The first rows hold times without a zone, read in the request's zone: the format's (`usesLocalTime`), or this
   * file's of a format whose files may say it or not (a Defender CSV a spreadsheet or PowerShell wrote).
   */
  localTimes: boolean;
  /** How the first rows' dates like 05/10/2026 were read (null: none such), with the request's `slashDates`. */
  slashDates: 'day-first' | 'month-first' | null;
  /** They were read month first only because the first rows could not tell. */
  slashDatesUnsure: boolean;
  /** Normalized fields none of the preview rows had a value for ("n/a" in views). */
  missing: (keyof NetworkEvent)[];
  /** Header of a delimited file, when there is one (for custom mapping). */
  headers: string[] | null;
  suggested: CustomMapping | null;
  compressed: 'gzip' | 'zip' | null;
}

const FIELDS: (keyof NetworkEvent)[] = [
  'time',
  'deviceId',
  'deviceName',
  'user',
  'localIp',
  'remoteIp',
  'remotePort',
  'host',
  'url',
  'bytesUp',
  'bytesDown',
  'process',
];

async function gunzipPrefix(bytes: Uint8Array): Promise<Uint8Array> {
  // A prefix of a gzip stream decompresses up to where it stops; the truncation error is expected.
  const out: Uint8Array[] = [];
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.push(value);
    }
  } catch {
    /* truncated on purpose */
  }
  const total = out.reduce((a, b) => a + b.byteLength, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const b of out) {
    all.set(b, o);
    o += b.byteLength;
  }
  return all;
}

function headersOf(text: string): { headers: string[] | null } {
  // (After PowerShell's type line, when Export-Csv wrote one.)
  const body = text.startsWith(TYPE_LINE) ? text.slice(text.indexOf('\n') + 1) : text;
  const firstLine = body.slice(0, Math.max(0, body.indexOf('\n'))).replace(/\r$/, '');
  const delimiter = customCsvDelimiter(firstLine);
  if (delimiter === null) return { headers: null };
  let headers: string[] | null = null;
  const csv = new CsvStream(delimiter);
  csv.push(`${firstLine}\n`, (r) => {
    headers ??= r.fields.map((f) => f.trim());
  });
  return { headers };
}

export async function previewFile(req: PreviewRequest, maxRows = 20): Promise<PreviewResult> {
  let bytes = req.head;
  let compressed: PreviewResult['compressed'] = null;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    compressed = 'gzip';
    bytes = await gunzipPrefix(bytes);
  } else if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    compressed = 'zip';
  }
  let text = new TextDecoder().decode(bytes);
  // The last line of a prefix is usually cut: keep whole lines only (all of them when the head is the whole file).
  const nl = text.lastIndexOf('\n');
  if (nl > 0 && bytes.byteLength === req.head.byteLength && !req.whole) text = text.slice(0, nl + 1);
  const detection = detectFormat(text);
  const format = req.formatId ? (formatById(req.formatId) ?? null) : detection.format;
  const { headers } = headersOf(text);
  const result: PreviewResult = {
    name: req.name,
    format: format ? { id: format.id, label: format.label, usesLocalTime: format.usesLocalTime } : null,
    tried: detection.scores,
    events: [],
    skipped: {},
    rejected: [],
    missing: [],
    localTimes: format?.usesLocalTime ?? false,
    slashDates: null,
    slashDatesUnsure: false,
    headers,
    suggested: headers ? suggestMapping(headers) : null,
    compressed,
  };
  if (!format || compressed === 'zip') return result;
  const sink: ParseSink = {
    event: (e) => {
      if (result.events.length < maxRows) result.events.push(e);
    },
    skip: (_l, reason) => {
      result.skipped[reason] = (result.skipped[reason] ?? 0) + 1;
    },
    reject: (line, reason) => {
      if (result.rejected.length < maxRows) result.rejected.push({ line, reason });
    },
  };
  try {
    const parser = format.open({
      timeZone: req.timeZone ?? 'UTC',
      slashDates: req.slashDates,
      fileName: req.name,
      mapping: req.mapping,
      files: [{ name: req.name, formatId: format.id, head: text }],
      scratch: new Map(),
    });
    parser.push(text, sink);
    parser.end(sink);
    if (parser.localTimes) result.localTimes = true;
    result.slashDates = parser.slashDates ?? null;
    result.slashDatesUnsure = parser.slashDatesUnsure ?? false;
  } catch (e) {
    result.rejected.push({ line: 0, reason: `preview failed: ${e instanceof Error ? e.message : String(e)}` });
  }
  result.missing = FIELDS.filter((f) => result.events.length > 0 && result.events.every((e) => e[f] === null));
  return result;
}
