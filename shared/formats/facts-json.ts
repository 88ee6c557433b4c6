/**
 * Hourly facts as JSON: the slice query's result from an API or a script — an
 * array or NDJSON of row objects, the hunting API answers (`{"Schema","Results"}`,
 * Graph's `{"schema","results"}`) or the Log Analytics query answer
 * (`{"tables":[{"columns","rows"}]}`). Rows inside a wrapper are numbered by
 * their position, others by the line they start on (see facts-common.ts for the
 * row rules).
 */
import { startsLikeJson } from './defender-json';
import { type JsonScanHandler, JsonScanner } from './defender-json-scanner';
import { cellString } from './defender-values';
import { type FactsField, factsFieldOf, readFactRow, sniffFactsColumns } from './facts-common';
import type { FormatDefinition, FormatParser, ParseSink } from './types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

class FactsJsonParser implements FormatParser {
  private readonly scanner = new JsonScanner();
  /** Key → field, learned once per distinct key. */
  private readonly keyField = new Map<string, FactsField | null>();
  private inner = 0;
  private sink: ParseSink | null = null;
  private readonly handler: JsonScanHandler = {
    value: (v, row) => this.value(v, row),
    bad: (row, reason) => this.sink?.reject(row, reason),
  };

  push(text: string, sink: ParseSink): void {
    this.sink = sink;
    this.scanner.push(text, this.handler);
  }

  end(sink: ParseSink): void {
    this.sink = sink;
    this.scanner.end(this.handler);
  }

  private value(v: unknown, row: number): void {
    const sink = this.sink as ParseSink;
    if (Array.isArray(v)) {
      for (const el of v) this.record(el, ++this.inner, sink);
      return;
    }
    if (!isObj(v)) {
      sink.reject(row, 'not a JSON object');
      return;
    }
    const wrapped = v.Results ?? v.results ?? v.value;
    if (Array.isArray(wrapped)) {
      for (const el of wrapped) this.record(el, ++this.inner, sink);
      return;
    }
    if (Array.isArray(v.tables)) {
      this.tables(v.tables, sink);
      return;
    }
    this.record(v, row, sink);
  }

  private record(v: unknown, row: number, sink: ParseSink): void {
    if (!isObj(v)) {
      sink.reject(row, 'not a JSON object');
      return;
    }
    const byField: Partial<Record<FactsField, unknown>> = {};
    for (const k in v) {
      let f = this.keyField.get(k);
      if (f === undefined) {
        f = factsFieldOf(k) ?? null;
        if (this.keyField.size < 10_000) this.keyField.set(k, f);
      }
      if (f !== null && byField[f] === undefined) byField[f] = v[k];
    }
    readFactRow((f) => byField[f], row, sink);
  }

  /** Log Analytics query answer: rows are arrays, named by `columns`. */
  private tables(tables: unknown[], sink: ParseSink): void {
    for (const t of tables) {
      if (!isObj(t) || !Array.isArray(t.columns) || !Array.isArray(t.rows)) continue;
      const names = t.columns.map((c) => (isObj(c) ? cellString(c.name ?? c.ColumnName) : cellString(c)));
      for (const values of t.rows) {
        const n = ++this.inner;
        if (!Array.isArray(values)) {
          sink.reject(n, 'not a row array');
          continue;
        }
        const o: Obj = {};
        for (let i = 0; i < names.length && i < values.length; i++) o[names[i]] = values[i];
        this.record(o, n, sink);
      }
    }
  }
}

/** Quoted key (or column) names in the head of a JSON file, for sniffing. */
function quotedNames(head: string): string[] {
  const out: string[] = [];
  const re = /"([A-Za-z_][A-Za-z0-9_ []*)"/g;
  for (let m = re.exec(head); m !== null && out.length < 2000; m = re.exec(head)) out.push(m[1]);
  return out;
}

export const factsJsonFormat: FormatDefinition = {
  id: 'facts-json',
  label: 'Hourly facts — JSON result of Cloudscope’s KQL (hunting or Log Analytics API)',
  usesLocalTime: false,
  missingFields: ['remotePort', 'url', 'process'],
  aggregated: true,
  sniff(head: string): number {
    try {
      return startsLikeJson(head) ? sniffFactsColumns(quotedNames(head)) : 0;
    } catch {
      return 0;
    }
  },
  open(): FormatParser {
    return new FactsJsonParser();
  },
};
