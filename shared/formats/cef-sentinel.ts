/**
 * Microsoft Sentinel / Log Analytics `CommonSecurityLog` exports: the CEF
 * records Sentinel collected, already split into columns (DeviceVendor,
 * SourceIP, DestinationIP, RequestURL, SourceUserName, SentBytes, ReceivedBytes,
 * ...). Read as a JSON array (the portal's and the API's export, pretty printed
 * or not), one JSON object per line, or a CSV export with a header row.
 *
 * Time is TimeGenerated, which Log Analytics stores in UTC (the portal writes it
 * as "3/30/2022, 10:52:35.857 AM", the CSV header says "TimeGenerated [UTC]"),
 * so ctx.timeZone is not needed; ReceiptTime/StartTime are fallbacks.
 * SentBytes is CEF `out` and ReceivedBytes CEF `in` (see cef.ts for why that is
 * bytes up / bytes down).
 */
import { emptyEvent } from '../domain/event';
import { CsvStream } from './csv-stream';
import {
  clean,
  cleanIp,
  decideOnFirstLine,
  hostFromUrl,
  isBlockedAction,
  JsonRecordStream,
  jsonText,
  normalizeHost,
  parseDateTime,
  parseJsonObject,
  placeHost,
  toCount,
  toPort,
} from './syslog-values';
import type { FormatDefinition, FormatId, FormatParser, ParseSink } from './types';

type Getter = (column: string) => string | null;

function rowToEvent(get: Getter, line: number, sink: ParseSink): void {
  const partial = { host: null as string | null, remoteIp: cleanIp(get('DestinationIP')) };
  const url = clean(get('RequestURL'));
  placeHost(partial, normalizeHost(get('DestinationHostName')));
  if (partial.host === null && url !== null) placeHost(partial, hostFromUrl(url));
  if (partial.host === null) placeHost(partial, normalizeHost(get('DestinationDnsDomain')));
  if (partial.host === null && partial.remoteIp === null) {
    sink.skip(line, 'no destination (not a network transaction)');
    return;
  }
  let time = Number.NaN;
  for (const col of ['TimeGenerated', 'ReceiptTime', 'StartTime']) {
    const v = clean(get(col));
    if (v === null) continue;
    time = parseDateTime(v, 'UTC');
    if (!Number.isNaN(time)) break;
  }
  if (Number.isNaN(time)) {
    sink.reject(line, 'no readable TimeGenerated');
    return;
  }
  const e = emptyEvent(time);
  e.host = partial.host;
  e.remoteIp = partial.remoteIp;
  e.remotePort = toPort(get('DestinationPort'));
  e.url = url;
  e.localIp = cleanIp(get('SourceIP'));
  e.user =
    clean(get('SourceUserName')) ?? (get('DeviceVendor') === 'Fortinet' ? clean(get('DestinationUserName')) : null);
  e.deviceName = clean(get('SourceHostName'));
  e.process = clean(get('SourceProcessName'));
  e.bytesUp = toCount(get('SentBytes'));
  e.bytesDown = toCount(get('ReceivedBytes'));
  const act = clean(get('DeviceAction')) ?? clean(get('SimplifiedDeviceAction'));
  if (isBlockedAction(act)) e.action = 'blocked';
  sink.event(e);
}

function openJson(): FormatParser {
  const stream = new JsonRecordStream();
  let sinkRef: ParseSink | null = null;
  const onRecord = (json: string, line: number) => {
    const sink = sinkRef!;
    const obj = parseJsonObject(json);
    if (obj === null) {
      sink.reject(line, 'invalid JSON record');
      return;
    }
    rowToEvent((c) => jsonText(obj[c]), line, sink);
  };
  const onGarbage = (line: number, reason: string) => sinkRef!.reject(line, reason);
  return {
    push(text, sink) {
      sinkRef = sink;
      stream.push(text, onRecord, onGarbage);
    },
    end(sink) {
      sinkRef = sink;
      stream.end(onGarbage);
    },
  };
}

function openCsv(firstLine: string): FormatParser {
  const delimiter = firstLine.indexOf('\t') >= 0 ? '\t' : firstLine.indexOf(';') > firstLine.indexOf(',') ? ';' : ',';
  const csv = new CsvStream(delimiter);
  let index: Map<string, number> | null = null;
  let sinkRef: ParseSink | null = null;
  const onRecord = (r: { fields: string[]; line: number }) => {
    if (index === null) {
      index = new Map();
      r.fields.forEach((h, i) => {
        // "TimeGenerated [UTC]" in portal exports
        const name = h.replace(/\s*\[[^\]]*\]\s*$/, '').trim();
        if (!index!.has(name)) index!.set(name, i);
      });
      return;
    }
    const fields = r.fields;
    const map = index;
    rowToEvent(
      (c) => {
        const i = map.get(c);
        return i === undefined ? null : (fields[i] ?? null);
      },
      r.line,
      sinkRef!,
    );
  };
  return {
    push(text, sink) {
      sinkRef = sink;
      csv.push(text, onRecord);
    },
    end(sink) {
      sinkRef = sink;
      csv.end(onRecord);
    },
  };
}

export const sentinelCslFormat: FormatDefinition = {
  // Needs 'sentinel-csl' in the FormatId union (requested from the lead).
  id: 'sentinel-csl' as FormatId,
  label: 'Microsoft Sentinel CommonSecurityLog export (JSON or CSV)',
  usesLocalTime: false,
  missingFields: ['deviceId', 'eventKey'],
  sniff(head) {
    try {
      const h = head.slice(0, 65536);
      const first = h.trimStart().charCodeAt(0);
      const vendor = h.indexOf('DeviceVendor') >= 0;
      const product = h.indexOf('DeviceProduct') >= 0;
      if (!vendor || !product) return 0;
      const hasTime = h.indexOf('TimeGenerated') >= 0;
      const network = h.indexOf('SourceIP') >= 0 || h.indexOf('DestinationIP') >= 0;
      if (first === 91 || first === 123) return h.indexOf('"DeviceVendor"') >= 0 ? (hasTime ? 0.95 : 0.8) : 0;
      return hasTime && network ? 0.85 : 0;
    } catch {
      return 0;
    }
  },
  open() {
    return decideOnFirstLine((line) => {
      const c = line.trimStart().charCodeAt(0);
      return c === 91 || c === 123 ? openJson() : openCsv(line);
    });
  },
};
