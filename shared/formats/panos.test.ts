import { describe, expect, it } from 'vitest';
import { panosFormat, splitCsvLine } from './panos';
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

const utc = (s: string) => Date.parse(s);

interface Expected {
  '@timestamp': string;
  source: { ip: string; port: number; bytes?: number; user?: { name: string } };
  destination: { ip: string; port: number; bytes?: number; domain?: string };
  url?: { original: string; domain: string };
  event: { timezone: string };
}

describe('PAN-OS TRAFFIC against Elastic expected output', () => {
  const expected = JSON.parse(readFixture('panos/test-panw-panos-traffic-sample.log-expected.first2.json'))
    .expected as Expected[];
  // Elastic ran these with the firewall in America/New_York
  const out = run(panosFormat, readFixture('panos/test-panw-panos-traffic-sample.first2.log'), 'America/New_York');
  expected.forEach((d, i) => {
    it(`line ${i + 1}: time, addresses, bytes`, () => {
      expect(d.event.timezone).toBe('America/New_York');
      const e = out.events[i];
      expect(e.time).toBe(utc(d['@timestamp']));
      expect(e.localIp).toBe(d.source.ip);
      expect(e.remoteIp).toBe(d.destination.ip);
      expect(e.remotePort).toBe(d.destination.port === 0 ? null : d.destination.port); // ICMP has no port
      expect(e.bytesUp).toBe(d.source.bytes);
      expect(e.bytesDown).toBe(d.destination.bytes);
      expect(e.user).toBe(d.source.user?.name ?? null);
      expect(e.host).toBeNull();
      expect(e.action).toBe('allowed');
      checkEvent(e);
    });
  });
  it('gives the same time in UTC when the firewall runs in UTC', () => {
    expect(run(panosFormat, readFixture('panos/test-panw-panos-traffic-sample.first2.log')).events[0].time).toBe(
      utc('2018-11-30T16:09:07Z'),
    );
  });
});

describe('PAN-OS THREAT/url against Elastic expected output', () => {
  const [d] = JSON.parse(readFixture('panos/test-panw-panos-threat-url-no-xff-sample.log-expected.json'))
    .expected as Expected[];
  it('maps the URL to host, no bytes', () => {
    expect(d.event.timezone).toBe('+09:30');
    const out = run(panosFormat, readFixture('panos/test-panw-panos-threat-url-no-xff-sample.log'), 'Australia/Darwin'); // +09:30, no DST
    expect(out.events.length).toBe(1);
    const e = out.events[0];
    expect(e.time).toBe(utc(d['@timestamp']));
    expect(e.host).toBe(d.destination.domain);
    expect(e.host).toBe(d.url!.domain);
    expect(e.url).toBe(d.url!.original);
    expect(e.localIp).toBe(d.source.ip);
    expect(e.remoteIp).toBe(d.destination.ip);
    expect(e.remotePort).toBe(d.destination.port);
    expect([e.bytesUp, e.bytesDown]).toEqual([null, null]);
    expect(e.eventKey).toBe('panos|012801096514|THREAT|7726');
  });
});

describe('PAN-OS sample and variants', () => {
  it('head of the real traffic sample: 33 events, the session start skipped', () => {
    const out = run(panosFormat, readFixture('panos/test-panw-panos-traffic-sample.head.log'));
    expect(out.events.length).toBe(33);
    expect(out.skips).toEqual([[23, 'session start log (the end log carries the final counts)']]);
    expect(out.rejects).toEqual([]);
    // subtypes drop and deny are blocked even though their action field says allow
    const blocked = out.events.filter((e) => e.action === 'blocked');
    expect(blocked.map((e) => e.eventKey)).toEqual([
      'panos|012801096514|TRAFFIC|32091135',
      'panos|012801096514|TRAFFIC|32091136',
    ]);
    // the odd "" and "test" subtypes are still traffic
    expect(out.events.some((e) => e.eventKey === 'panos|012801096514|TRAFFIC|32091137')).toBe(true);
    expect(out.events.some((e) => e.eventKey === 'panos|012801096514|TRAFFIC|32091138')).toBe(true);
    const totalUp = out.events.reduce((s, e) => s + (e.bytesUp ?? 0), 0);
    expect(totalUp).toBeGreaterThan(0);
  });
  it('newer tails, envelopes, quoted URLs, other log types', () => {
    const out = run(panosFormat, readFixture('panos/constructed-variants.log'), 'America/Chicago');
    expect(out.events.length).toBe(2);
    expect(out.events[0]).toMatchObject({
      time: utc('2018-11-30T21:09:07.123Z'), // the high resolution timestamp carries its own offset
      user: 'acme\\jdoe',
      bytesUp: 1758,
      bytesDown: 5976,
    });
    expect(out.events[1]).toMatchObject({
      time: utc('2018-11-30T22:44:36Z'), // generated time in Chicago (CST)
      host: 'www.example.com',
      url: 'www.Example.com:8080/a,b?c=1',
      user: 'jdoe@acme.example',
      action: 'blocked', // block-url
    });
    expect(out.skips).toEqual([
      [3, 'threat log "virus" (an alert, not a transaction)'],
      [4, 'PAN-OS SYSTEM log (not a transaction)'],
    ]);
    expect(out.rejects).toEqual([
      [5, 'not a PAN-OS CSV log line (no log type in field 4)'],
      [6, 'truncated TRAFFIC line (19 fields)'],
    ]);
  });
  it('web interface CSV export with a header row', () => {
    const out = run(panosFormat, readFixture('panos/webui-traffic-export.csv'));
    const syslog = run(panosFormat, readFixture('panos/test-panw-panos-traffic-sample.head.log'));
    expect(out.events.length).toBe(3);
    expect(out.events[1].user).toBe('acme\\jdoe');
    for (let i = 0; i < 3; i++) {
      const { user: _u, eventKey: _k, ...a } = out.events[i];
      const { user: _u2, eventKey: _k2, ...b } = syslog.events[i];
      expect(a).toEqual(b);
    }
  });
  it('splits quoted CSV fields', () => {
    expect(splitCsvLine('a,"b,c",d')).toEqual(['a', 'b,c', 'd']);
    expect(splitCsvLine('a,"say ""hi""",')).toEqual(['a', 'say "hi"', '']);
    expect(splitCsvLine('"x"')).toEqual(['x']);
    expect(splitCsvLine('a,')).toEqual(['a', '']);
    expect(splitCsvLine('"unterminated,x')).toEqual(['unterminated,x']);
    expect(splitCsvLine('')).toEqual(['']);
  });
});

const P_FIXTURES = [
  'panos/test-panw-panos-traffic-sample.head.log',
  'panos/test-panw-panos-traffic-sample.first2.log',
  'panos/test-panw-panos-threat-url-no-xff-sample.log',
  'panos/constructed-variants.log',
  'panos/webui-traffic-export.csv',
];

describe('streaming and robustness', () => {
  for (const file of P_FIXTURES) {
    it(`${file}: same result for any chunking`, () => {
      expectSameForAnyChunking(panosFormat, readFixture(file), 'Europe/Berlin', false);
    });
    it(`${file}: is recognized as PAN-OS`, () => {
      expectRecognizedAs('panos', readFixture(file));
    });
  }
  it('fuzz: random and truncated input never throws, every line is counted once', () => {
    const rnd = lcg31(99);
    const pieces = [
      ',',
      '"',
      'TRAFFIC',
      'THREAT',
      'url',
      '2018/11/30 16:09:07',
      '1',
      'x',
      '\n',
      '<14>',
      'Nov 30 16:09:08 PA ',
      ' ',
    ];
    const base =
      readFixture('panos/test-panw-panos-traffic-sample.head.log') + readFixture('panos/constructed-variants.log');
    for (let round = 0; round < 300; round++) {
      const text = fuzzSplice(base, pieces, round, rnd);
      const out = run(panosFormat, randomChunks(text, round + 5), 'Asia/Tokyo');
      const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
      if (!/receive\s*time/i.test(first)) {
        const nonBlank = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
        expect(out.events.length + out.skips.length + out.rejects.length).toBe(nonBlank);
      }
      for (const e of out.events) checkEvent(e);
      expect(() => panosFormat.sniff(text)).not.toThrow();
    }
  });
});
