/**
 * Any delimited text file with a header row, mapped to NetworkEvent fields by the
 * user (ctx.mapping: normalized field -> header name). Never auto-detected: the
 * user picks it in the import dialog, which proposes `suggestMapping(headers)`.
 *
 * Delimiter: the mapping's, else the most frequent of tab, semicolon, comma and
 * pipe in the header line. Headers match exactly, else case- and
 * space-insensitively. Time accepts ISO 8601, epoch numbers (s/ms/µs/ns) and the
 * common written forms (see parseDateTime); zone-less values are read in
 * ctx.timeZone. A `host` column holding URLs is reduced to the URL's host; with no
 * host column, the host comes from the URL column. Action words meaning
 * blocked/denied -> blocked, failed/error -> failed, anything else allowed.
 * Without ctx.mapping the suggested mapping is used.
 */
import { emptyEvent, type NetworkEvent } from '../domain/event';
import { delimiterOfLine, TYPE_LINE } from './csv-select';
import { CsvStream } from './csv-stream';
import {
  clean,
  cleanIp,
  decideOnFirstLine,
  hostFromUrl,
  isBlockedAction,
  normalizeHost,
  parseDateTime,
  placeHost,
  toPort,
} from './syslog-values';
import type { CustomMapping, FormatDefinition, FormatParser, ParseContext, ParseSink } from './types';

type Field = keyof NetworkEvent;

/** Aliases per field, compared after lowercasing and dropping everything but letters and digits. */
const ALIASES: ReadonlyArray<[Field, readonly string[]]> = [
  [
    'time',
    [
      'timestamp',
      'time',
      'datetime',
      'date',
      'eventtime',
      'timegenerated',
      'timegeneratedutc',
      'ts',
      'starttime',
      'receivetime',
      'generatedtime',
      'logtime',
      'created',
      'when',
    ],
  ],
  ['deviceId', ['deviceid', 'agentid', 'machineid', 'endpointid', 'sensorid']],
  [
    'deviceName',
    [
      'devicename',
      'computername',
      'computer',
      'machinename',
      'machine',
      'workstation',
      'endpoint',
      'clienthost',
      'clienthostname',
      'sourcehostname',
      'sourcehost',
      'srchost',
      'devicehostname',
    ],
  ],
  [
    'user',
    [
      'user',
      'username',
      'userprincipalname',
      'upn',
      'account',
      'accountname',
      'accountupn',
      'initiatingprocessaccountupn',
      'initiatingprocessaccountname',
      'login',
      'suser',
      'sourceusername',
      'srcuser',
      'csusername',
      'userid',
      'email',
    ],
  ],
  [
    'localIp',
    ['localip', 'sourceip', 'srcip', 'src', 'clientip', 'cip', 'sourceaddress', 'srcaddr', 'client', 'localaddress'],
  ],
  [
    'remoteIp',
    [
      'remoteip',
      'destinationip',
      'dstip',
      'dst',
      'destip',
      'serverip',
      'sip',
      'destinationaddress',
      'dstaddr',
      'remoteaddress',
    ],
  ],
  ['remotePort', ['remoteport', 'destinationport', 'dstport', 'dport', 'dpt', 'serverport', 'destport', 'port']],
  [
    'host',
    [
      'host',
      'remoteurl',
      'destinationhost',
      'destinationhostname',
      'desthost',
      'dhost',
      'hostname',
      'domain',
      'fqdn',
      'servername',
      'sni',
      'cshost',
      'site',
      'website',
      'requesthost',
    ],
  ],
  ['url', ['url', 'requesturl', 'fullurl', 'uri', 'csuri', 'request', 'link']],
  [
    'bytesUp',
    [
      'bytesup',
      'bytessent',
      'sentbytes',
      'sent',
      'upload',
      'uploadbytes',
      'bytesout',
      'outbytes',
      'requestsize',
      'reqsize',
      'csbytes',
      'txbytes',
    ],
  ],
  [
    'bytesDown',
    [
      'bytesdown',
      'bytesreceived',
      'receivedbytes',
      'received',
      'download',
      'downloadbytes',
      'bytesin',
      'inbytes',
      'responsesize',
      'respsize',
      'scbytes',
      'rxbytes',
    ],
  ],
  ['action', ['action', 'actiontype', 'disposition', 'verdict', 'decision', 'act', 'result']],
  ['process', ['process', 'processname', 'initiatingprocessfilename', 'image', 'exe', 'application']],
  ['eventKey', ['eventkey', 'eventid', 'recordid', 'id']],
];

function norm(h: string): string {
  let out = '';
  const s = h.toLowerCase();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) out += s[i];
  }
  return out;
}

/** The fields a custom mapping can name a column for, in the order the dialog offers them. */
export const CUSTOM_FIELDS: readonly Field[] = ALIASES.map(([field]) => field);

/**
 * The header's column that `name` names, as the parser finds it (exactly, else trimmed and in any case), or -1.
 * Mapped names the header lacks are read as empty columns by the parser: a caller that can say so first does.
 */
export function columnIndex(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const k = name.trim().toLowerCase();
  return header.findIndex((h) => h.trim().toLowerCase() === k);
}

/**
 * Proposes a mapping from header names: each field takes the first header that
 * matches one of its aliases (earlier aliases win), and a header serves one field.
 * "hostname" is read as the destination host, as proxy logs use it.
 */
export function suggestMapping(headers: string[]): CustomMapping {
  const normalized = headers.map(norm);
  const used = new Set<number>();
  const columns: CustomMapping['columns'] = {};
  for (const [field, aliases] of ALIASES) {
    for (const alias of aliases) {
      const i = normalized.findIndex((h, k) => h === alias && !used.has(k));
      if (i >= 0) {
        used.add(i);
        columns[field] = headers[i];
        break;
      }
    }
  }
  return { columns };
}

function count(v: string | null): number | null {
  if (v === null) return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

function actionOf(v: string | null): NetworkEvent['action'] {
  if (v === null) return 'allowed';
  if (isBlockedAction(v)) return 'blocked';
  const lower = v.toLowerCase();
  return lower.indexOf('fail') >= 0 || lower.indexOf('error') >= 0 ? 'failed' : 'allowed';
}

type Index = Partial<Record<Field, number>>;

function indexColumns(header: string[], mapping: CustomMapping): Index {
  const idx: Index = {};
  for (const [field, name] of Object.entries(mapping.columns) as [Field, string | undefined][]) {
    if (!name) continue;
    const i = columnIndex(header, name);
    if (i >= 0) idx[field] = i;
  }
  return idx;
}

function row(fields: string[], idx: Index, line: number, sink: ParseSink, timeZone: string): void {
  const get = (f: Field): string | null => {
    const i = idx[f];
    return i === undefined ? null : clean(fields[i]);
  };
  const url = get('url');
  const partial = { host: null as string | null, remoteIp: cleanIp(get('remoteIp')) };
  const rawHost = get('host');
  if (rawHost !== null) {
    placeHost(partial, rawHost.indexOf('/') >= 0 ? hostFromUrl(rawHost) : normalizeHost(rawHost));
  }
  if (partial.host === null && url !== null) placeHost(partial, hostFromUrl(url));
  if (partial.host === null && partial.remoteIp === null) {
    sink.skip(line, 'no destination (host, URL or remote IP)');
    return;
  }
  const t = get('time');
  const time = t === null ? Number.NaN : parseDateTime(t, timeZone);
  if (Number.isNaN(time)) {
    sink.reject(line, t === null ? 'empty time' : `unreadable time "${t.slice(0, 40)}"`);
    return;
  }
  const e = emptyEvent(time);
  e.host = partial.host;
  e.remoteIp = partial.remoteIp;
  e.remotePort = toPort(get('remotePort'));
  e.url = url;
  e.deviceId = get('deviceId');
  e.deviceName = get('deviceName');
  e.user = get('user');
  e.localIp = cleanIp(get('localIp'));
  e.bytesUp = count(get('bytesUp'));
  e.bytesDown = count(get('bytesDown'));
  e.action = actionOf(get('action'));
  e.process = get('process');
  e.eventKey = get('eventKey');
  sink.event(e);
}

/**
 * The delimiter of a custom CSV's header line: whichever of comma, tab, semicolon and pipe it holds most of outside
 * quotes (comma when tied), or null when it holds none (no columns to map). The preview offers the headers this
 * splits, so the mapping names the columns the parser reads.
 */
export function customCsvDelimiter(header: string): string | null {
  const d = delimiterOfLine(header, 0, header.length, [',', '\t', ';', '|']);
  return header.includes(d) ? d : null;
}

function open(ctx: ParseContext): FormatParser {
  return decideOnFirstLine((first) => {
    const csv = new CsvStream(ctx.mapping?.delimiter || (customCsvDelimiter(first) ?? ','));
    let idx: Index | null = null;
    let sinkRef: ParseSink | null = null;
    const onRecord = (r: { fields: string[]; line: number }) => {
      if (idx === null) {
        // PowerShell's type line before the header (Export-Csv without -NoTypeInformation).
        if (r.fields.length === 1 && r.fields[0].startsWith(TYPE_LINE)) return;
        idx = indexColumns(r.fields, ctx.mapping ?? suggestMapping(r.fields));
        return;
      }
      if (idx.time === undefined) sinkRef!.reject(r.line, 'no time column mapped');
      else row(r.fields, idx, r.line, sinkRef!, ctx.timeZone);
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
  }, isTypeLine);
}

const isTypeLine = (line: string) => line.startsWith(TYPE_LINE);

export const customCsvFormat: FormatDefinition = {
  id: 'custom-csv',
  label: 'Custom CSV (columns mapped by you)',
  usesLocalTime: true,
  // whatever the file has can be mapped
  missingFields: [],
  sniff() {
    return 0;
  },
  open,
};
