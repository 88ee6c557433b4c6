import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../domain/event';
import type { FormatDefinition, FormatId, ParseContext } from './types';
import { epochTextToMs, normalizeZeekHost, streamsInHead, unescapeZeek } from './zeek-core';
import { createZeekJsonFormat, zeekJsonFormat } from './zeek-json';
import { createZeekTsvFormat, zeekTsvFormat } from './zeek-tsv';

const FIX = join(__dirname, 'fixtures', 'zeek');
const gz = (p: string) => gunzipSync(readFileSync(join(FIX, p))).toString('utf8');

const SSL_TSV = gz('brim/zeek-default/ssl.log.gz');
const DNS_TSV = gz('brim/zeek-default/dns.log.gz');
const X509_TSV = gz('brim/zeek-default/x509.log.gz');
const SSL_JSON = gz('brim/zeek-json/ssl.json.gz');
const APT29 = gz('otrf/apt29-day2-combined_zeek.log.gz');

interface Out {
  events: NetworkEvent[];
  skips: { line: number; reason: string }[];
  rejects: { line: number; reason: string }[];
}

function ctxFor(files: { name: string; formatId: FormatId; text: string }[]): ParseContext {
  return {
    timeZone: 'UTC',
    fileName: files[0]?.name ?? 'x.log',
    files: files.map((f) => ({ name: f.name, formatId: f.formatId, head: f.text.slice(0, 65536) })),
    scratch: new Map(),
  };
}

function run(fmt: FormatDefinition, text: string, ctx: ParseContext, chunks?: number[], out?: Out): Out {
  const o: Out = out ?? { events: [], skips: [], rejects: [] };
  const sink = {
    event: (e: NetworkEvent) => o.events.push(e),
    skip: (line: number, reason: string) => o.skips.push({ line, reason }),
    reject: (line: number, reason: string) => o.rejects.push({ line, reason }),
  };
  const p = fmt.open(ctx);
  let at = 0;
  for (const cut of chunks ?? []) {
    p.push(text.slice(at, cut), sink);
    at = cut;
  }
  p.push(text.slice(at), sink);
  p.end(sink);
  return o;
}

/** One file on its own: ctx.files holds just it. */
function runOne(fmt: FormatDefinition, name: string, text: string, chunks?: number[]): Out {
  return run(fmt, text, ctxFor([{ name, formatId: fmt.id, text }]), chunks);
}

/** A multi-file import as the pipeline runs it: one context, files in passOrder, one after the other. */
function runImport(files: { name: string; fmt: FormatDefinition; text: string }[]): Out & { order: string[] } {
  const ctx = ctxFor(files.map((f) => ({ name: f.name, formatId: f.fmt.id, text: f.text })));
  const sorted = files
    .map((f, i) => ({ f, i, k: f.fmt.passOrder?.(f.text.slice(0, 65536)) ?? 0 }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.f);
  const out: Out = { events: [], skips: [], rejects: [] };
  for (const f of sorted) run(f.fmt, f.text, { ...ctx, fileName: f.name }, undefined, out);
  return { ...out, order: sorted.map((f) => f.name) };
}

function reasons(list: { reason: string }[]): Record<string, number> {
  const r: Record<string, number> = {};
  for (const x of list) r[x.reason] = (r[x.reason] ?? 0) + 1;
  return r;
}

function dataRows(text: string, tsv: boolean): number[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: number[] = [];
  lines.forEach((l, i) => {
    const s = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (tsv ? s.length > 0 && !s.startsWith('#') : s.trim().length > 0) out.push(i + 1);
  });
  return out;
}

function reportedLines(o: Out): number[] {
  return [...o.skips.map((s) => s.line), ...o.rejects.map((r) => r.line)];
}

/** Deterministic PRNG so a failing split can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomCuts(len: number, n: number, rand: () => number): number[] {
  const cuts = Array.from({ length: n }, () => Math.floor(rand() * len));
  return [...new Set(cuts)].sort((a, b) => a - b);
}

// A small synthetic import (written for these tests): conn/ssl/http/dns of one sensor.
const HEAD = (path: string, fields: string) =>
  `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t${path}\n#open\t2024-05-01-10-00-00\n#fields\t${fields.split(' ').join('\t')}\n#types\t-\n`;
const row = (...v: (string | number)[]) => `${v.join('\t')}\n`;
const CONN_FIELDS =
  'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents';
const conn = (ts: string, uid: string, o: string, r: string, p: number, up: string, down: string, state = 'SF') =>
  row(ts, uid, o, 50000, r, p, 'tcp', '-', '1.0', up, down, state, 'T', 'F', 0, 'ShADadFf', 5, 500, 5, 500, '(empty)');
const SYN_CONN =
  HEAD('conn', CONN_FIELDS) +
  conn('1714557600.100000', 'Cssl01', '10.0.0.5', '52.1.1.1', 443, '1200', '50000') +
  conn('1714557601.200000', 'Chttp01', '10.0.0.5', '93.184.216.34', 80, '300', '1500') +
  conn('1714557602.300000', 'Cdns01', '10.0.0.5', '151.101.1.69', 443, '800', '9000') +
  conn('1714557603.400000', 'Cdns02', '10.0.0.9', '151.101.1.69', 443, '-', '-', 'S0') +
  conn('1714557604.500000', 'Cnone1', '10.0.0.5', '198.51.100.7', 22, '44', '55') +
  'not\tenough\tfields\n' +
  '#close\t2024-05-01-11-00-00\n';
const SYN_SSL =
  HEAD('ssl', 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p version cipher server_name established') +
  row(
    '1714557600.150000',
    'Cssl01',
    '10.0.0.5',
    50000,
    '52.1.1.1',
    443,
    'TLSv13',
    '-',
    'Login.MicrosoftOnline.com.',
    'T',
  ) +
  row('1714557610.000000', 'Cssl02', '10.0.0.5', 50001, '52.1.1.2', 443, 'TLSv13', '-', '-', 'F');
const SYN_HTTP =
  HEAD('http', 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p trans_depth method host uri status_code') +
  row(
    '1714557601.250000',
    'Chttp01',
    '10.0.0.5',
    50002,
    '93.184.216.34',
    80,
    1,
    'GET',
    'Example.com:80',
    '/index.html',
    200,
  ) +
  row('1714557601.250000', 'Chttp02', '10.0.0.5', 50003, '93.184.216.35', 80, 1, 'GET', '93.184.216.35', '/x', 200);
const SYN_DNS =
  HEAD('dns', 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto query qtype_name answers TTLs') +
  // The same IP answered for two names; 10.0.0.5 asked for one, 10.0.0.9 for the other.
  row(
    '1714557500.000000',
    'Dq1',
    '10.0.0.5',
    5353,
    '10.0.0.1',
    53,
    'udp',
    'www.reddit.com',
    'A',
    'reddit.map.fastly.net,151.101.1.69',
    '60,60',
  ) +
  row(
    '1714557550.000000',
    'Dq2',
    '10.0.0.9',
    5353,
    '10.0.0.1',
    53,
    'udp',
    'github.githubassets.com',
    'A',
    '151.101.1.69',
    '60',
  ) +
  row(
    '1714557560.000000',
    'Dq3',
    '10.0.0.5',
    5353,
    '10.0.0.1',
    53,
    'udp',
    '1.1.0.10.in-addr.arpa',
    'PTR',
    'gw.local',
    '60',
  );

describe('zeek-tsv', () => {
  it('reads the brim ssl.log on its own: every row is a transaction (no conn in the import)', () => {
    const o = runOne(zeekTsvFormat, 'ssl.log', SSL_TSV);
    expect(o.events.length).toBe(49_474);
    expect(o.skips.length).toBe(0);
    expect(o.rejects.length).toBe(0);
    // SNI present and not an IP literal (3,428 rows carry an IP as SNI: those stay unnamed here).
    expect(o.events.filter((e) => e.host !== null).length).toBe(11_642);
    expect(o.events[0]).toEqual({
      time: 1521911720615,
      deviceId: null,
      deviceName: null,
      user: null,
      localIp: '10.164.94.120',
      remoteIp: '10.47.3.200',
      remotePort: 443,
      host: null,
      url: null,
      bytesUp: null,
      bytesDown: null,
      action: 'allowed',
      process: null,
      eventKey: null,
    });
    const last = o.events[o.events.length - 1];
    expect(last).toMatchObject({
      time: 1521912990064,
      localIp: '10.47.7.155',
      remoteIp: '134.71.3.16',
      host: 'ise.wrccdc.org',
    });
  });

  it('skips dns and x509 rows with their reasons', () => {
    const dns = runOne(zeekTsvFormat, 'dns.log', DNS_TSV);
    expect(dns.events.length).toBe(0);
    expect(reasons(dns.skips)).toEqual({ 'zeek dns: name lookup, used to name connections by answer IP': 53_615 });
    const x509 = runOne(zeekTsvFormat, 'x509.log', X509_TSV);
    expect(reasons(x509.skips)).toEqual({ 'zeek x509 log: not a transaction': 348 });
    expect(x509.rejects.length + dns.rejects.length).toBe(0);
  });

  it('names ssl transactions by DNS answers when dns.log is in the same import', () => {
    const o = runImport([
      { name: 'ssl.log', fmt: zeekTsvFormat, text: SSL_TSV },
      { name: 'dns.log', fmt: zeekTsvFormat, text: DNS_TSV },
    ]);
    expect(o.order).toEqual(['dns.log', 'ssl.log']);
    expect(o.events.length).toBe(49_474);
    expect(o.skips.length).toBe(53_615);
    expect(o.events.filter((e) => e.host !== null).length).toBe(40_756);
    // uid CXbBd13BPVmJCp3PYf has no SNI; dns.log answered store.oompa.loompa -> 10.47.3.142.
    const e = o.events.find((x) => x.time === 1521911722773 && x.remoteIp === '10.47.3.142');
    expect(e).toMatchObject({ localIp: '10.164.94.120', remotePort: 8080, host: 'store.oompa.loompa' });
  });

  it('joins a multi-file import: ssl SNI > http Host > DNS (same client) > DNS (any client)', () => {
    const o = runImport([
      { name: 'conn.log', fmt: zeekTsvFormat, text: SYN_CONN },
      { name: 'http.log', fmt: zeekTsvFormat, text: SYN_HTTP },
      { name: 'ssl.log', fmt: zeekTsvFormat, text: SYN_SSL },
      { name: 'dns.log', fmt: zeekTsvFormat, text: SYN_DNS },
    ]);
    expect(o.order).toEqual(['dns.log', 'http.log', 'ssl.log', 'conn.log']);
    expect(o.events.map((e) => [e.remoteIp, e.host])).toEqual([
      ['52.1.1.1', 'login.microsoftonline.com'],
      ['93.184.216.34', 'example.com'],
      ['151.101.1.69', 'www.reddit.com'],
      ['151.101.1.69', 'github.githubassets.com'],
      ['198.51.100.7', null],
    ]);
    expect(o.events[0]).toMatchObject({
      time: 1714557600100,
      localIp: '10.0.0.5',
      remotePort: 443,
      bytesUp: 1200,
      bytesDown: 50000,
    });
    expect(o.events[3]).toMatchObject({ bytesUp: null, bytesDown: null, action: 'failed' });
    expect(reasons(o.skips)).toEqual({
      'zeek dns: name lookup, used to name connections by answer IP': 3,
      'zeek ssl: joined to conn by uid': 2,
      'zeek http: joined to conn by uid': 2,
    });
    expect(o.rejects).toEqual([{ line: 14, reason: 'zeek: field count differs from #fields' }]);
  });

  it('makes ssl and http rows the transactions when the import has no conn stream', () => {
    const o = runImport([
      { name: 'ssl.log', fmt: zeekTsvFormat, text: SYN_SSL },
      { name: 'http.log', fmt: zeekTsvFormat, text: SYN_HTTP },
    ]);
    expect(o.order).toEqual(['ssl.log', 'http.log']); // same pass: stable
    expect(o.events.map((e) => [e.remoteIp, e.host, e.url, e.action])).toEqual([
      ['52.1.1.1', 'login.microsoftonline.com', null, 'allowed'],
      ['52.1.1.2', null, null, 'failed'],
      ['93.184.216.34', 'example.com', 'http://example.com/index.html', 'allowed'],
      ['93.184.216.35', null, null, 'allowed'],
    ]);
    expect(o.events.every((e) => e.bytesUp === null && e.bytesDown === null)).toBe(true);
  });

  it('obeys #separator, escapes and a second header block in one file', () => {
    const text =
      '#separator \\x7c\n#set_separator|;\n#empty_field|(empty)\n#unset_field|-\n#path|ssl\n#fields|ts|uid|id.orig_h|id.orig_p|id.resp_h|id.resp_p|server_name\n' +
      '1700000000.5|C1|10.1.1.1|1000|20.1.1.1|443|a\\x7cb.example.com\n' +
      '1700000000.6|C2|10.1.1.1|1000|20.1.1.2|443|(empty)\n' +
      '#separator \\x09\n#path\tx509\n#fields\tts\tfingerprint\n1700000001.0\tabc\n';
    const o = runOne(zeekTsvFormat, 'mixed.log', text);
    expect(o.events.map((e) => e.host)).toEqual([null, null]); // "a|b.example.com" is not a host name
    expect(o.events[0].time).toBe(1700000000500);
    expect(o.skips).toEqual([{ line: 12, reason: 'zeek x509 log: not a transaction' }]);
    expect(unescapeZeek('a\\x7cb\\x2c\\xZZ')).toBe('a|b,\\xZZ');
  });

  it('ignores unknown columns, even ones named like Object.prototype keys', () => {
    const text =
      '#separator \\x09\n#path\tssl\n#fields\tconstructor\t__proto__\tts\tuid\tid.orig_h\tid.resp_h\tid.resp_p\tserver_name\nx\ty\t1700000000\tC1\t10.0.0.1\t20.0.0.1\t443\ta.example.com\n';
    expect(runOne(zeekTsvFormat, 'ssl.log', text).events.map((e) => [e.time, e.host])).toEqual([
      [1700000000000, 'a.example.com'],
    ]);
  });

  it('rejects data before #fields and unreadable conn rows', () => {
    const text = `1.0\tx\n${HEAD('conn', CONN_FIELDS)}${conn('abc', 'C1', '10.0.0.1', '1.1.1.1', 1, '1', '1')}${conn('1.5', 'C2', '-', '1.1.1.1', 1, '1', '1')}`;
    const o = runOne(zeekTsvFormat, 'conn.log', text);
    expect(o.rejects).toEqual([
      { line: 1, reason: 'zeek: data row before a #fields header' },
      { line: 10, reason: 'zeek conn: invalid ts' },
      { line: 11, reason: 'zeek conn: missing id.orig_h or id.resp_h' },
    ]);
  });

  it('gives the same result however the text is split into chunks', () => {
    const text = SSL_TSV.slice(0, 200_000);
    const whole = runOne(zeekTsvFormat, 'ssl.log', text);
    const rand = rng(42);
    for (let i = 0; i < 20; i++) {
      const parts = runOne(zeekTsvFormat, 'ssl.log', text, randomCuts(text.length, 1 + Math.floor(rand() * 200), rand));
      expect(parts).toEqual(whole);
    }
    const single = runOne(
      zeekTsvFormat,
      'conn.log',
      SYN_CONN,
      Array.from({ length: SYN_CONN.length }, (_, i) => i),
    );
    expect(single).toEqual(runOne(zeekTsvFormat, 'conn.log', SYN_CONN));
  });

  it('never throws on random or truncated input and reports every row exactly once', () => {
    const rand = rng(7);
    const alphabet = [
      '\t',
      '\n',
      '\r\n',
      '#',
      '-',
      '(empty)',
      '\\x09',
      '1.5',
      'conn',
      '#fields\t',
      '#path\tconn\n',
      'ts\tuid',
      '\n#fields\tts\tuid\tid.orig_h\tid.resp_h\n',
      'é',
      '"',
    ];
    const base = HEAD('conn', CONN_FIELDS) + SYN_CONN.split('\n').slice(8).join('\n');
    for (let i = 0; i < 300; i++) {
      let text: string;
      if (i % 3 === 0) text = base.slice(0, Math.floor(rand() * base.length));
      else if (i % 3 === 1) {
        const chars = base.split('');
        for (let k = 0; k < 10; k++)
          chars[Math.floor(rand() * chars.length)] = alphabet[Math.floor(rand() * alphabet.length)];
        text = chars.join('');
      } else text = Array.from({ length: 60 }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const o = runOne(zeekTsvFormat, 'fuzz.log', text, randomCuts(text.length, 5, rand));
      const lines = reportedLines(o);
      expect(o.events.length + lines.length).toBe(dataRows(text, true).length);
      expect(new Set(lines).size).toBe(lines.length);
    }
  });

  it('sniffs and orders files', () => {
    expect(zeekTsvFormat.sniff(SSL_TSV.slice(0, 65536))).toBe(1);
    expect(zeekTsvFormat.sniff(SSL_JSON.slice(0, 65536))).toBe(0);
    expect(zeekTsvFormat.sniff(APT29.slice(0, 65536))).toBe(0);
    expect(zeekTsvFormat.passOrder?.(DNS_TSV.slice(0, 65536))).toBe(0);
    expect(zeekTsvFormat.passOrder?.(SSL_TSV.slice(0, 65536))).toBe(1);
    expect(zeekTsvFormat.passOrder?.(SYN_CONN)).toBe(2);
  });
});

describe('zeek-json', () => {
  it('reads the brim ssl JSON exactly like its TSV twin', () => {
    const json = runOne(zeekJsonFormat, 'ssl.json', SSL_JSON);
    const tsv = runOne(zeekTsvFormat, 'ssl.log', SSL_TSV);
    expect(json.events.length).toBe(49_474);
    expect(json.skips.length + json.rejects.length).toBe(0);
    expect(json.events).toEqual(tsv.events);
  });

  it('reads the apt29 mixed file: conn rows are the transactions, named by ssl SNI and DNS', () => {
    const o = runOne(zeekJsonFormat, 'combined_zeek.log', APT29);
    expect(o.events.length).toBe(1172);
    expect(o.rejects.length).toBe(0);
    expect(reasons(o.skips)).toEqual({
      'zeek capture_loss log: not a transaction': 8,
      'zeek dce_rpc log: not a transaction': 388,
      'zeek dns: name lookup, used to name connections by answer IP': 250,
      'zeek files log: not a transaction': 33,
      'zeek http: joined to conn by uid': 1,
      'zeek kerberos log: not a transaction': 86,
      'zeek loaded_scripts log: not a transaction': 2880,
      'zeek notice log: not a transaction': 1,
      'zeek packet_filter log: not a transaction': 6,
      'zeek pe log: not a transaction': 1,
      'zeek reporter log: not a transaction': 65,
      'zeek smb_files log: not a transaction': 9,
      'zeek smb_mapping log: not a transaction': 23,
      'zeek ssl: joined to conn by uid': 686,
      'zeek stats log: not a transaction': 17,
      'zeek weird log: not a transaction': 26,
      'zeek x509 log: not a transaction': 12,
    });
    const bySni = (h: string) => o.events.filter((e) => e.host === h);
    // Every ssl row with an SNI comes after its conn row (up to ~1,000 rows later) and still joins.
    expect(bySni('login.live.com').length).toBe(3);
    expect(bySni('d.docs.live.net').length).toBe(3);
    expect(bySni('nexus.passport.com').length).toBe(3);
    expect(bySni('self.events.data.microsoft.com').length).toBe(1);
    expect(bySni('login.live.com')[0]).toMatchObject({
      time: 1588317589266,
      localIp: '10.0.1.5',
      remoteIp: '40.90.137.124',
      remotePort: 443,
      bytesUp: 894,
      bytesDown: 8605,
      action: 'allowed',
    });
    // Underscored keys, numbers as JSON numbers; the first conn row of the file.
    const first = o.events.find((e) => e.time === 1588316619797 && e.remotePort === 53);
    expect(first).toMatchObject({ localIp: '10.0.1.5', remoteIp: '10.0.0.4', bytesUp: 82, bytesDown: 207 });
    // Three conn rows have no orig_bytes/resp_bytes at all: unknown, not 0.
    expect(o.events.filter((e) => e.bytesUp === null).length).toBe(3);
  });

  it('holds conn rows in a bounded window: joins that arrive later than it are missed, counts stay the same', () => {
    const ctx = () => ctxFor([{ name: 'c.log', formatId: 'zeek-json', text: APT29 }]);
    const unnamed = (w: number) =>
      run(createZeekJsonFormat({ windowRows: w }), APT29, ctx()).events.filter((e) => !e.host);
    expect(unnamed(100).length).toBe(993); // DNS answers later in each host's section are missed
    expect(unnamed(50_000).length).toBe(682);
    const lines = [
      '{"_path":"conn","ts":1,"uid":"W1","id.orig_h":"10.0.0.5","id.resp_h":"52.1.1.1","id.resp_p":443}',
      ...Array.from({ length: 5 }, () => '{"_path":"weird","ts":1}'),
      '{"_path":"ssl","ts":1,"uid":"W1","id.orig_h":"10.0.0.5","id.resp_h":"52.1.1.1","id.resp_p":443,"server_name":"late.example.com"}',
    ].join('\n');
    const hostWith = (w: number) =>
      run(createZeekJsonFormat({ windowRows: w }), lines, ctxFor([])).events.map((e) => e.host);
    expect(hostWith(3)).toEqual([null]);
    expect(hostWith(10)).toEqual(['late.example.com']);
  });

  it('joins ssl that arrives after its conn row in one mixed file, with dotted, underscored or nested keys', () => {
    const lines = [
      '{"_path":"conn","ts":1714557600.1,"uid":"Ca","id.orig_h":"10.0.0.5","id.orig_p":1,"id.resp_h":"52.1.1.1","id.resp_p":443,"orig_bytes":10,"resp_bytes":20,"conn_state":"SF"}',
      '{"@stream":"conn","ts":"2024-05-01T10:00:01.250Z","uid":"Cb","id_orig_h":"10.0.0.6","id_resp_h":"52.1.1.2","id_resp_p":443,"conn_state":"REJ"}',
      '{"_path":"conn","ts":1714557602,"uid":"Cc","id":{"orig_h":"10.0.0.7","resp_h":"52.1.1.3","resp_p":8443},"orig_bytes":1,"resp_bytes":2}',
      '',
      'garbage',
      '[1,2]',
      '{"_path":"ssl","ts":1714557600.2,"uid":"Ca","id.orig_h":"10.0.0.5","id.resp_h":"52.1.1.1","id.resp_p":443,"server_name":"Teams.Microsoft.com"}',
      '{"_path":"http","ts":1714557602.1,"uid":"Cc","id":{"orig_h":"10.0.0.7","resp_h":"52.1.1.3","resp_p":8443},"host":"api.example.org:8443","uri":"/"}',
      '{"_path":"weird","ts":1714557602.2,"name":"bad"}',
    ];
    const text = lines.join('\r\n');
    const o = runOne(zeekJsonFormat, 'eve.json', text);
    expect(o.events.map((e) => [e.time, e.localIp, e.remoteIp, e.remotePort, e.host, e.bytesUp, e.action])).toEqual([
      [1714557600100, '10.0.0.5', '52.1.1.1', 443, 'teams.microsoft.com', 10, 'allowed'],
      [1714557601250, '10.0.0.6', '52.1.1.2', 443, null, null, 'failed'],
      [1714557602000, '10.0.0.7', '52.1.1.3', 8443, 'api.example.org', 1, 'allowed'],
    ]);
    expect(o.rejects).toEqual([
      { line: 5, reason: 'zeek: invalid JSON' },
      { line: 6, reason: 'zeek: JSON line is not an object' },
    ]);
    expect(o.skips).toEqual([
      { line: 7, reason: 'zeek ssl: joined to conn by uid' },
      { line: 8, reason: 'zeek http: joined to conn by uid' },
      { line: 9, reason: 'zeek weird log: not a transaction' },
    ]);
  });

  it('decides ssl rows of a mixed file whose head shows no conn when a conn row turns up', () => {
    const text = [
      '{"_path":"ssl","ts":1,"uid":"S1","id.orig_h":"10.0.0.5","id.resp_h":"52.1.1.1","id.resp_p":443,"server_name":"a.example.com"}',
      '{"_path":"conn","ts":2,"uid":"S1","id.orig_h":"10.0.0.5","id.resp_h":"52.1.1.1","id.resp_p":443}',
    ].join('\n');
    const o = run(zeekJsonFormat, text, ctxFor([{ name: 'x.json', formatId: 'zeek-json', text: '' }]));
    expect(o.events.map((e) => e.host)).toEqual(['a.example.com']);
    expect(o.skips).toEqual([{ line: 1, reason: 'zeek ssl: joined to conn by uid' }]);
  });

  it('infers the stream of untagged per-stream files from the name or the fields', () => {
    const rowJ =
      '{"ts":1700000000.25,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":1,"id.resp_h":"52.1.1.1","id.resp_p":443,"server_name":"x.example.com"}\n';
    expect(runOne(zeekJsonFormat, 'ssl.20240101.log', rowJ).events[0].host).toBe('x.example.com');
    expect(runOne(zeekJsonFormat, 'export.json', rowJ).events[0].host).toBe('x.example.com');
    const connJ =
      '{"ts":1700000000,"uid":"C1","id.orig_h":"10.0.0.5","id.resp_h":"52.1.1.1","id.resp_p":443,"orig_bytes":5,"resp_bytes":6,"conn_state":"SF"}\n';
    expect(runOne(zeekJsonFormat, 'export.json', connJ).events[0]).toMatchObject({ bytesUp: 5, bytesDown: 6 });
  });

  it('shares joins across JSON and TSV files of one import through ctx.scratch', () => {
    const sslJson =
      '{"ts":1714557600.15,"uid":"Cssl01","id.orig_h":"10.0.0.5","id.resp_h":"52.1.1.1","id.resp_p":443,"server_name":"outlook.office365.com"}\n';
    const o = runImport([
      { name: 'conn.log', fmt: zeekTsvFormat, text: SYN_CONN },
      { name: 'ssl.json', fmt: zeekJsonFormat, text: sslJson },
    ]);
    expect(o.order).toEqual(['ssl.json', 'conn.log']);
    expect(o.events[0].host).toBe('outlook.office365.com');
    expect(o.skips).toEqual([{ line: 1, reason: 'zeek ssl: joined to conn by uid' }]);
  });

  it('keeps its join maps within their caps', () => {
    const ctx = ctxFor([
      { name: 'dns.log', formatId: 'zeek-tsv', text: DNS_TSV },
      { name: 'ssl.log', formatId: 'zeek-tsv', text: SSL_TSV },
    ]);
    const small = createZeekTsvFormat({ maxUids: 1000, maxDnsKeys: 500, windowRows: 10 });
    run(small, DNS_TSV, { ...ctx, fileName: 'dns.log' });
    const o = run(small, SSL_TSV, { ...ctx, fileName: 'ssl.log' });
    expect(o.events.length).toBe(49_474);
    const state = ctx.scratch.get('zeek:join') as Record<string, Map<string, unknown>>;
    for (const k of ['sslByUid', 'httpByUid']) expect(state[k].size).toBeLessThanOrEqual(1000);
    for (const k of ['dnsByPair', 'dnsByIp']) expect(state[k].size).toBeLessThanOrEqual(500);
  });

  it('gives the same result however the text is split into chunks', () => {
    const whole = runOne(zeekJsonFormat, 'combined_zeek.log', APT29);
    const rand = rng(1234);
    for (let i = 0; i < 20; i++) {
      expect(
        runOne(
          zeekJsonFormat,
          'combined_zeek.log',
          APT29,
          randomCuts(APT29.length, 1 + Math.floor(rand() * 300), rand),
        ),
      ).toEqual(whole);
    }
  });

  it('never throws on random or truncated input and reports every row exactly once', () => {
    const rand = rng(99);
    const sample = APT29.split('\n').slice(0, 400).join('\n');
    const bits = [
      '{',
      '}',
      '"',
      ':',
      ',',
      '\n',
      '"_path":"conn"',
      '"ts":',
      '"uid":"C1"',
      '"id.orig_h":"1.2.3.4"',
      'null',
      '[',
      ']',
      '1e999',
      '"answers":[1,"x"]',
    ];
    for (let i = 0; i < 300; i++) {
      let text: string;
      if (i % 3 === 0) text = sample.slice(0, Math.floor(rand() * sample.length));
      else if (i % 3 === 1) {
        const chars = sample.split('');
        for (let k = 0; k < 30; k++) chars[Math.floor(rand() * chars.length)] = bits[Math.floor(rand() * bits.length)];
        text = chars.join('');
      } else text = Array.from({ length: 80 }, () => bits[Math.floor(rand() * bits.length)]).join('');
      const o = runOne(createZeekJsonFormat({ windowRows: 5 }), 'fuzz.json', text, randomCuts(text.length, 7, rand));
      const lines = reportedLines(o);
      expect(o.events.length + lines.length).toBe(dataRows(text, false).length);
      expect(new Set(lines).size).toBe(lines.length);
    }
  });

  it('sniffs and orders files', () => {
    expect(zeekJsonFormat.sniff(SSL_JSON.slice(0, 65536))).toBe(1);
    expect(zeekJsonFormat.sniff(APT29.slice(0, 65536))).toBe(1);
    expect(zeekJsonFormat.sniff(SSL_TSV.slice(0, 65536))).toBe(0);
    expect(zeekJsonFormat.sniff('{"Timestamp":"2024-01-01T00:00:00Z","DeviceId":"x","RemoteUrl":"a"}\n')).toBe(0);
    expect(zeekJsonFormat.sniff('not json at all')).toBe(0);
    expect(zeekJsonFormat.passOrder?.(SSL_JSON.slice(0, 65536))).toBe(1);
    expect(zeekJsonFormat.passOrder?.(APT29.slice(0, 65536))).toBe(2);
    // A mixed file whose head shows other streams but no conn yet still goes last.
    expect(zeekJsonFormat.passOrder?.('{"@stream":"loaded_scripts","ts":null}\n{"@stream":"dns","ts":1}\n')).toBe(2);
    expect(zeekJsonFormat.passOrder?.('{"_path":"dns","ts":1}\n{"_path":"ssl","ts":1}\n')).toBe(1);
  });
});

describe('zeek helpers', () => {
  it('normalizes hosts', () => {
    expect(normalizeZeekHost('WWW.Example.COM.')).toBe('www.example.com');
    expect(normalizeZeekHost('example.com:8080')).toBe('example.com');
    expect(normalizeZeekHost('10.1.2.3')).toBeNull();
    expect(normalizeZeekHost('[2001:db8::1]:443')).toBeNull();
    expect(normalizeZeekHost('2001:db8::1')).toBeNull();
    expect(normalizeZeekHost('-')).toBeNull();
    expect(normalizeZeekHost('(empty)')).toBeNull();
    expect(normalizeZeekHost('a b')).toBeNull();
  });
  it('reads epoch text exactly to the millisecond', () => {
    expect(epochTextToMs('1157689312.049')).toBe(1157689312049);
    expect(epochTextToMs('1521911720.865716')).toBe(1521911720865);
    expect(epochTextToMs('13.184015')).toBe(13184);
    expect(epochTextToMs('1700000000')).toBe(1700000000000);
    expect(epochTextToMs('x')).toBeNaN();
    expect(epochTextToMs('')).toBeNaN();
  });
  it('finds the streams in a file head', () => {
    expect([...streamsInHead(SSL_TSV.slice(0, 4096), 'a')]).toEqual(['ssl']);
    expect(streamsInHead(APT29.slice(0, 65536), 'a').has('conn')).toBe(true);
    expect([...streamsInHead('{"ts":1,"uid":"C","conn_state":"SF"}\n', 'x.json')]).toEqual(['conn']);
    expect([...streamsInHead('', 'conn.04:00:00-05:00:00.log')]).toEqual(['conn']);
  });
});
