import { describe, expect, it } from 'vitest';
import { cefFormat } from './cef';
import { registerBuiltinFormats } from './index';
import { detectFormat } from './registry';
import {
  checkEvent,
  expectRecognizedAs,
  expectSameForAnyChunking,
  fuzzSplice,
  lcg31,
  randomChunks,
  readFixture,
  run,
} from './testing/harness';
import { NSS_DEFAULT_WEB_FIELDS, zscalerNssFormat } from './zscaler';

const utc = (s: string) => Date.parse(s);

describe('Zscaler NSS JSON feed against Elastic expected output', () => {
  const expected = JSON.parse(readFixture('zscaler/test-web.log-expected.json')).expected as {
    '@timestamp': string;
    destination: { ip: string };
    source: { nat: { ip: string }; user: { name: string } };
    user: { email: string };
    http: { request: { bytes: number }; response: { bytes: number } };
    url: { original: string };
    related: { hosts: string[] };
    event: { original: string };
  }[];
  const out = run(zscalerNssFormat, readFixture('zscaler/test-web.log'));
  it('reads all 5 records', () => {
    expect(out.events.length).toBe(5);
    expect(out.skips.length + out.rejects.length).toBe(0);
    expect(expected.map((d) => d.event.original)).toEqual(readFixture('zscaler/test-web.log').trimEnd().split('\n'));
  });
  expected.forEach((d, i) => {
    it(`record ${i + 1}: time, IPs, user, host, bytes`, () => {
      const e = out.events[i];
      expect(e.time).toBe(utc(d['@timestamp']));
      expect(e.remoteIp).toBe(d.destination.ip);
      // Elastic files cip under source.nat.ip; without cintip it is the best client address there is
      expect(e.localIp).toBe(d.source.nat.ip);
      expect(e.user).toBe(d.user.email);
      expect(e.bytesUp).toBe(d.http.request.bytes);
      expect(e.bytesDown).toBe(d.http.response.bytes);
      expect(e.url).toBe(d.url.original);
      expect(e.host).toBe(d.url.original.split('/')[0].toLowerCase());
      expect(e.deviceName).toBe(d.related.hosts[0]);
      expect(e.action).toBe('blocked');
      checkEvent(e);
    });
  });
  it('reads the newer revision (6 records, CONNECT host:port)', () => {
    const o = run(zscalerNssFormat, readFixture('zscaler/test-web.newer-revision.log'));
    expect(o.events.length).toBe(6);
    expect(o.events[5]).toMatchObject({
      host: 'www.example.com',
      remotePort: 443,
      action: 'allowed',
      time: utc('2022-08-29T09:20:35Z'),
    });
  });
  it('reads the feed wall clock in the import time zone', () => {
    const o = run(zscalerNssFormat, readFixture('zscaler/test-web.log'), 'Asia/Kolkata');
    expect(o.events[0].time).toBe(utc('2021-12-31T01:37:07Z'));
  });
});

describe('Zscaler NSS templates', () => {
  it('default CSV without header (Zscaler documented example first)', () => {
    const o = run(zscalerNssFormat, readFixture('zscaler/nss-default-web.csv'));
    expect(o.events.length).toBe(4);
    expect(o.rejects).toEqual([[5, 'too few fields (2)']]);
    expect(o.events[0]).toMatchObject({
      time: utc('2022-06-20T15:29:11Z'),
      user: 'new-gre',
      host: 'ebay.com',
      url: 'ebay.com/',
      action: 'blocked',
      bytesUp: 72,
      bytesDown: 14061,
      localIp: '172.17.3.49',
      remoteIp: '66.211.175.229',
      deviceName: null, // "NA"
    });
    expect(o.events[2]).toMatchObject({
      host: 'login.microsoftonline.com',
      remotePort: 443,
      deviceName: 'LAPTOP-JD01',
    });
    // an IP in the URL is a remote IP, not a hostname
    expect(o.events[3]).toMatchObject({ host: null, remoteIp: '203.0.113.80', bytesDown: 1048576 });
  });
  it('default TSV gives the same events as the CSV', () => {
    const csv = run(zscalerNssFormat, readFixture('zscaler/nss-default-web.csv'));
    const tsv = run(zscalerNssFormat, readFixture('zscaler/nss-default-web.tsv'));
    expect(tsv).toEqual(csv);
  });
  it('the positional template is the JSON template order', () => {
    const keys = Object.keys(JSON.parse(readFixture('zscaler/test-web.log').split('\n')[0]).event);
    expect([...NSS_DEFAULT_WEB_FIELDS]).toEqual(keys);
  });
  it('CSV with a header row, in any column order', () => {
    const o = run(zscalerNssFormat, readFixture('zscaler/nss-header.csv'), 'Europe/London');
    expect(o.events.length).toBe(2);
    expect(o.skips).toEqual([[4, 'no destination host or server IP']]);
    expect(o.events[0]).toMatchObject({
      time: utc('2022-06-20T14:29:11Z'), // BST
      host: 'teams.microsoft.com',
      user: 'jdoe@safemarch.com',
      localIp: '10.20.30.40',
      bytesUp: 2048,
      bytesDown: 4096,
      deviceName: 'LAPTOP-JD01',
    });
    expect(o.events[1]).toMatchObject({ user: null, action: 'blocked', bytesDown: 0 });
  });
  it('Splunk-style tab-separated name=value, with and without syslog envelope', () => {
    const o = run(zscalerNssFormat, readFixture('zscaler/nss-splunk-kv.log'));
    expect(o.events.length).toBe(2);
    expect(o.events[0]).toMatchObject({
      time: utc('2022-06-20T15:29:11Z'),
      user: 'jdoe@safemarch.com',
      host: 'www.ebay.com',
      url: 'www.ebay.com/itm/1',
      localIp: '172.17.3.49', // ClientIP, not clientpublicIP
      remoteIp: '66.211.175.229',
      bytesUp: 234,
      bytesDown: 1000,
      action: 'allowed',
      eventKey: 'zscaler|7111881413405966337',
    });
    expect(o.events[1]).toMatchObject({ host: 'casino.example.net', action: 'blocked', user: 'bob@safemarch.com' });
  });
  it('space-separated name=value', () => {
    const line =
      'datetime=2022-06-20T15:29:11Z user=a@b.c url=https://x.example/p serverip=1.2.3.4 ClientIP=10.0.0.9 requestsize=5 responsesize=6 action=Blocked';
    const o = run(zscalerNssFormat, line);
    expect(o.events[0]).toMatchObject({
      host: 'x.example',
      localIp: '10.0.0.9',
      bytesUp: 5,
      bytesDown: 6,
      action: 'blocked',
    });
  });
  it('JSON array, cintip preferred over cip, record id as event key', () => {
    const o = run(zscalerNssFormat, readFixture('zscaler/nss-web-array.json'));
    expect(o.events.length).toBe(1);
    expect(o.skips).toEqual([[20, 'no destination host or server IP']]);
    expect(o.events[0]).toMatchObject({
      localIp: '192.168.7.7',
      host: 'www.box.com',
      eventKey: 'zscaler|7111881413405966400',
    });
  });
  it('bare event objects, epochtime, broken lines', () => {
    const text = [
      '{"epochtime":"1655738951","eurl":"a.example/x","cip":"10.0.0.1","sip":"1.1.1.1"}',
      '{"time":"garbage","eurl":"a.example"}',
      '{"eurl":"a.example"}',
      '{"time": ',
      '<13>Jun 20 15:29:11 nss {"time":"Mon Jun 20 15:29:11 2022","eurl":"b.example"},',
    ].join('\n');
    const o = run(zscalerNssFormat, text);
    expect(o.events.map((e) => [e.time, e.host])).toEqual([
      [1655738951000, 'a.example'],
      [utc('2022-06-20T15:29:11Z'), 'b.example'],
    ]);
    expect(o.rejects).toEqual([
      [2, 'unreadable time'],
      [3, 'no time field'],
      [4, 'invalid JSON'],
    ]);
  });
  it('hands CEF lines to the CEF reader', () => {
    const text = readFixture('cef/zscaler-nss-cef.log');
    expect(run(zscalerNssFormat, text, 'UTC').events.slice(0, 2)).toEqual(
      run(cefFormat, text, 'UTC').events.slice(0, 2),
    );
  });
});

const Z_FIXTURES = [
  'zscaler/test-web.log',
  'zscaler/test-web.newer-revision.log',
  'zscaler/nss-default-web.csv',
  'zscaler/nss-default-web.tsv',
  'zscaler/nss-header.csv',
  'zscaler/nss-splunk-kv.log',
  'zscaler/nss-web-array.json',
];

describe('streaming and robustness', () => {
  for (const file of Z_FIXTURES) {
    it(`${file}: same result for any chunking`, () => {
      expectSameForAnyChunking(zscalerNssFormat, readFixture(file), 'Pacific/Auckland', true);
    });
    it(`${file}: is recognized as Zscaler`, () => {
      expectRecognizedAs('zscaler-nss', readFixture(file));
    });
  }
  it('does not claim other formats', () => {
    for (const f of [
      'fortigate/test-fortinet.log',
      'panos/test-panw-panos-traffic-sample.head.log',
      'cef/zscaler-nss-cef.log',
      'sentinel/CEF-ZScaler.json',
    ])
      expect(zscalerNssFormat.sniff(readFixture(f)), f).toBeLessThan(0.5);
  });

  it('leaves a CSV of generic column names to a custom mapping unless it would read its rows', () => {
    registerBuiltinFormats();
    const row = '\n2026-10-01 10:00:00,10.0.0.5,alice,https://www.dropbox.com/x,1200,5400,allowed\n';
    // No time column it knows ('timestamp'), or no destination ('host' is not NSS's 'hostname'): every row would
    // have been rejected or skipped as NSS; now no format claims the file and the analyst maps its columns.
    for (const header of [
      'timestamp,src_ip,user,url,bytes_out,bytes_in,action',
      'time,src_ip,user,host,bytes_out,bytes_in,action',
    ]) {
      expect(zscalerNssFormat.sniff(header + row), header).toBe(0);
      expect(detectFormat(header + row).format, header).toBeNull();
    }
    // Generic names it reads (a time and a URL): still a weak claim, and its rows read.
    const readable = 'time,src_ip,user,url,bytes_out,bytes_in,action';
    expect(zscalerNssFormat.sniff(readable + row)).toBe(0.3);
    expect(detectFormat(readable + row).format?.id).toBe('zscaler-nss');
    const out = run(zscalerNssFormat, readable + row, 'UTC');
    expect(out.events.map((e) => [e.host, e.user, e.bytesUp, e.bytesDown])).toEqual([
      ['www.dropbox.com', 'alice', null, null],
    ]);
  });

  it('fuzz: random and truncated input never throws', () => {
    const rnd = lcg31(7);
    const pieces = [
      '"',
      ',',
      '\t',
      '=',
      '{',
      '}',
      '[',
      ']',
      ':',
      '\\',
      'None',
      'eurl',
      'datetime=',
      'Mon Jun 20 15:29:11 2022',
      '\n',
      ' ',
      'x',
      '1',
    ];
    const bases = Z_FIXTURES.map(readFixture);
    for (let round = 0; round < 300; round++) {
      const base = bases[round % bases.length];
      const text = fuzzSplice(base, pieces, round, rnd);
      const out = run(zscalerNssFormat, randomChunks(text, round + 3), 'UTC');
      const lines = text.split('\n').length;
      const reported = [...out.skips, ...out.rejects].map((r) => r[0]);
      for (const l of reported) expect(l >= 1 && l <= lines).toBe(true);
      for (const e of out.events) checkEvent(e);
      // line-based dialects count each non-blank line exactly once
      const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
      if (first.trimStart().startsWith('{')) {
        const nonBlank = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
        expect(out.events.length + out.skips.length + out.rejects.length).toBe(nonBlank);
      }
      expect(() => zscalerNssFormat.sniff(text)).not.toThrow();
    }
  });
});
