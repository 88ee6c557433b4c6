import { describe, expect, it } from 'vitest';
import { fortigateFormat, parseFortiKv } from './fortigate';
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
  destination: { ip: string; port: number; bytes?: number };
  url?: { domain: string; path: string };
  event: { start: string; original: string; type?: string[] };
}

describe('FortiGate against Elastic expected output', () => {
  const expected = JSON.parse(readFixture('fortigate/test-fortinet.log-expected.first3.json')).expected as Expected[];
  const text = readFixture('fortigate/test-fortinet.log');
  const out = run(fortigateFormat, text);
  it('the expected documents are the first three lines', () => {
    expect(expected.map((d) => d.event.original)).toEqual(text.split('\n').slice(0, 3));
  });
  expected.forEach((d, i) => {
    it(`line ${i + 1}: eventtime, addresses, user, host, bytes`, () => {
      const e = out.events[i];
      expect(e.time).toBe(utc(d.event.start)); // Elastic keeps eventtime as event.start
      expect(e.localIp).toBe(d.source.ip);
      expect(e.remoteIp).toBe(d.destination.ip);
      expect(e.remotePort).toBe(d.destination.port);
      expect(e.user).toBe(d.source.user?.name ?? null);
      expect(e.host).toBe(d.url?.domain ?? null);
      expect(e.bytesUp).toBe(d.source.bytes);
      expect(e.bytesDown).toBe(d.destination.bytes);
      expect(e.action).toBe(d.event.type?.includes('denied') ? 'blocked' : 'allowed');
      if (d.url) expect(e.url).toBe(`https://${d.url.domain}${d.url.path}`);
      checkEvent(e);
    });
  });
  it('without eventtime, date and time are read in the log tz (Elastic @timestamp)', () => {
    const noEventtime = expected.map((d) => d.event.original.replace(/ eventtime=\d+/, '')).join('\n');
    const o = run(fortigateFormat, noEventtime, 'Asia/Tokyo');
    // line 2 has no tz: Elastic read it in UTC; we read it in the import zone
    expect(o.events[0].time).toBe(utc(expected[0]['@timestamp']));
    expect(o.events[2].time).toBe(utc(expected[2]['@timestamp']));
    expect(o.events[1].time).toBe(utc('2020-04-23T01:16:08+09:00'));
    expect(run(fortigateFormat, noEventtime, 'UTC').events[1].time).toBe(utc(expected[1]['@timestamp']));
  });
  it('IPS log with an escaped quote (test-fortinet-fix)', () => {
    const [d] = JSON.parse(readFixture('fortigate/test-fortinet-fix.log-expected.json')).expected as Expected[];
    const o = run(fortigateFormat, readFixture('fortigate/test-fortinet-fix.log'));
    expect(o.events.length).toBe(1);
    const e = o.events[0];
    expect(e.time).toBe(utc(d.event.start));
    expect(e.localIp).toBe(d.source.ip);
    expect(e.remoteIp).toBe(d.destination.ip);
    expect(e.remotePort).toBe(d.destination.port);
    // hostname="10.5.0.1" is an address, not a name
    expect(e.host).toBeNull();
    expect(e.url).toBe('/?sample=1');
  });
});

describe('FortiGate sample rows', () => {
  it('counts every row of test-fortinet.log', () => {
    const o = run(fortigateFormat, readFixture('fortigate/test-fortinet.log'));
    expect(o.events.length).toBe(16);
    expect(o.skips.length).toBe(37);
    expect(o.rejects).toEqual([]);
    const reasons = new Map<string, number>();
    for (const [, r] of o.skips) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    expect(reasons.get('DNS lookup (its connection is logged as traffic)')).toBe(4);
    expect(reasons.get('local traffic (to or from the firewall itself)')).toBe(2);
    expect(reasons.get('no log type (not a traffic or UTM log)')).toBe(2);
    expect(reasons.get('event/system log (not traffic)')).toBe(8);
    expect(o.events.filter((e) => e.action === 'blocked').length).toBe(6);
    expect(o.events.find((e) => e.host === 'www.dailymotion.com')).toBeDefined();
    // unauthuser when there is no user; srcname as the device
    expect(o.events.find((e) => e.deviceName === 'HOSTNAME-FOR-PC')).toMatchObject({
      user: 'USER-NAME',
      action: 'blocked',
    });
  });
  it('reads eventtime in s, ms, µs and ns', () => {
    const base =
      'date=2023-03-09 time=12:00:00 type="traffic" subtype="forward" srcip=10.0.0.1 dstip=1.2.3.4 eventtime=';
    const lines = ['1678363200', '1678363200123', '1678363200123456', '1678363200123456789']
      .map((t) => base + t)
      .join('\n');
    expect(run(fortigateFormat, lines).events.map((e) => e.time)).toEqual([
      1678363200000, 1678363200123, 1678363200123, 1678363200123,
    ]);
  });
  it('reads date+time with the tz forms FortiOS writes, else the import zone', () => {
    const base = 'date=2023-03-09 time=12:00:00 type=traffic subtype=forward srcip=10.0.0.1 dstip=1.2.3.4';
    const text = [
      `${base} tz="+0100"`,
      `${base} tz="UTC-5:00"`,
      `${base} tz="-05:30"`,
      base,
      `${base} tz="bogus"`,
    ].join('\n');
    expect(run(fortigateFormat, text, 'America/Los_Angeles').events.map((e) => e.time)).toEqual([
      utc('2023-03-09T11:00:00Z'),
      utc('2023-03-09T17:00:00Z'),
      utc('2023-03-09T17:30:00Z'),
      utc('2023-03-09T20:00:00Z'),
      utc('2023-03-09T20:00:00Z'),
    ]);
  });
  it('parses quoted values with spaces, = and escaped quotes', () => {
    const m = new Map<string, string>();
    const n = parseFortiKv('a=1 msg="x = y \\"z\\" w" path="C:\\\\x" b= c=3 junk d="unterminated', m);
    expect(Object.fromEntries(m)).toEqual({
      a: '1',
      msg: 'x = y "z" w',
      path: 'C:\\x',
      b: '',
      c: '3',
      d: 'unterminated',
    });
    expect(n).toBe(6);
  });
  it('FortiManager-style keys and broken rows', () => {
    const text = [
      'date=2023-12-13 time=07:56:14 tz="+0200" devname=fw log_id=0001 type=utm subtype=voip srcip=10.1.1.2 dstip=192.168.1.10 dst_port=5060',
      'type=traffic subtype=forward srcip=10.0.0.1 dstip=1.2.3.4',
      'type=traffic subtype=forward srcip=10.0.0.1 eventtime=1678363200',
      'this has no pairs',
    ].join('\n');
    const o = run(fortigateFormat, text);
    expect(o.events.length).toBe(1);
    expect(o.events[0]).toMatchObject({ remotePort: 5060, time: utc('2023-12-13T05:56:14Z') });
    expect(o.rejects).toEqual([
      [2, 'no readable eventtime or date/time'],
      [4, 'no key=value fields'],
    ]);
    expect(o.skips).toEqual([[3, 'no destination']]);
  });
});

const F_FIXTURES = [
  'fortigate/test-fortinet.log',
  'fortigate/test-fortinet-fix.log',
  'fortigate/fortios-doc-webfilter.log',
];

describe('streaming and robustness', () => {
  for (const file of F_FIXTURES) {
    it(`${file}: same result for any chunking`, () => {
      expectSameForAnyChunking(fortigateFormat, readFixture(file), 'Europe/Berlin', false);
    });
    it(`${file}: is recognized as FortiGate`, () => {
      expectRecognizedAs('fortigate', readFixture(file));
    });
  }
  it('does not claim FortiGate CEF', () => {
    expect(fortigateFormat.sniff(readFixture('cef/fortigate-cef.log'))).toBe(0);
  });
  it('fuzz: random and truncated input never throws, every line is counted once', () => {
    const rnd = lcg31(1234);
    const pieces = [
      '=',
      '"',
      '\\',
      ' ',
      'type=traffic',
      'type=utm',
      'eventtime=',
      '1678363200',
      'dstip=1.2.3.4',
      'hostname=',
      'date=2023-03-09',
      'time=12:00:00',
      'tz=',
      '\n',
      'x',
    ];
    const base = readFixture('fortigate/test-fortinet.log');
    for (let round = 0; round < 300; round++) {
      const text = fuzzSplice(base, pieces, round, rnd);
      const out = run(fortigateFormat, randomChunks(text, round + 9), 'Europe/Paris');
      const nonBlank = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
      expect(out.events.length + out.skips.length + out.rejects.length).toBe(nonBlank);
      for (const e of out.events) checkEvent(e);
      expect(() => fortigateFormat.sniff(text)).not.toThrow();
    }
  });
});
