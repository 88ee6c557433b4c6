/**
 * Hourly facts as CSV: the result of Cloudscope's KQL slice query exported from
 * advanced hunting or Sentinel Logs (see facts-common.ts for the row rules).
 */
import { type CsvRecord, CsvStream } from './csv-stream';
import { type FactsField, factsFieldOf, readFactRow, sniffFactsColumns } from './facts-common';
import type { FormatDefinition, FormatParser, ParseSink } from './types';

class FactsCsvParser implements FormatParser {
  private readonly csv = new CsvStream(',');
  private columns: Partial<Record<FactsField, number>> | null = null;
  private headerLen = 0;
  private fields: string[] = [];
  private readonly get = (f: FactsField): unknown => {
    const i = this.columns?.[f];
    return i === undefined ? undefined : this.fields[i];
  };

  push(text: string, sink: ParseSink): void {
    this.csv.push(text, (r) => this.record(r, sink));
  }

  end(sink: ParseSink): void {
    this.csv.end((r) => this.record(r, sink));
  }

  private record(rec: CsvRecord, sink: ParseSink): void {
    if (this.columns === null) {
      const names = rec.fields.slice();
      if (names.length > 0 && names[0].charCodeAt(0) === 0xfeff) names[0] = names[0].slice(1);
      const cols: Partial<Record<FactsField, number>> = {};
      names.forEach((n, i) => {
        const f = factsFieldOf(n);
        if (f && cols[f] === undefined) cols[f] = i;
      });
      this.columns = cols;
      this.headerLen = names.length;
      return;
    }
    if (rec.fields.length !== this.headerLen) {
      sink.reject(rec.line, `${rec.fields.length} fields, the header has ${this.headerLen}`);
      return;
    }
    this.fields = rec.fields;
    readFactRow(this.get, rec.line, sink);
  }
}

function headerCells(head: string): string[] {
  let s = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const nl = s.indexOf('\n');
  if (nl >= 0) s = s.slice(0, nl);
  if (s.length > 4000) return [];
  return s.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

export const factsCsvFormat: FormatDefinition = {
  id: 'facts-csv',
  label: 'Hourly facts — CSV export of Cloudscope’s KQL (Advanced hunting or Sentinel)',
  usesLocalTime: false,
  missingFields: ['remotePort', 'url', 'process'],
  aggregated: true,
  sniff(head: string): number {
    try {
      return sniffFactsColumns(headerCells(head));
    } catch {
      return 0;
    }
  },
  open(): FormatParser {
    return new FactsCsvParser();
  },
};
