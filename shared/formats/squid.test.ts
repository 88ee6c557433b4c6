import { describe, expect, it } from 'vitest';
import { squidFormat } from './squid';
import { epochSecondsToMs, parseClfTime, splitTokens, urlHostPort } from './squid-w3c-common';
import {
  collectRecords,
  expectEveryRowOnce,
  fuzzOverwrite,
  lcg32,
  randomCuts,
  readFixture,
  splitAt,
} from './testing/harness';

const ACCESS = readFixture('squid/test-access.log');
const EXTENSIVE = readFixture('squid/test-access-extensive.log');
const EXPECTED = JSON.parse(readFixture('squid/test-access-extensive.log-expected.json')).expected as Ecs[];

interface Ecs {
  '@timestamp': string;
  source: { ip: string; bytes?: number; user?: { name: string } };
  destination: { bytes: number; ip?: string; port?: number };
  url: { domain?: string; original: string };
}

const run = (text: string, cuts: number[] = [], timeZone = 'UTC') =>
  collectRecords(squidFormat, splitAt(text, cuts), { timeZone, fileName: 'access.log' });

function reasons(list: { reason: string }[]): Record<string, number> {
  const r: Record<string, number> = {};
  for (const x of list) r[x.reason] = (r[x.reason] ?? 0) + 1;
  return r;
}

describe('squid native access.log (elastic sample)', () => {
  const o = run(ACCESS);

  it('counts: 85 transactions, 15 proxy authentication challenges skipped', () => {
    expect(o.events.length).toBe(85);
    expect(reasons(o.skips)).toEqual({ 'squid: proxy authentication challenge (407), not a transaction': 15 });
    expect(o.rejects).toEqual([]);
  });

  it('keeps the users and clients of the sample', () => {
    const users: Record<string, number> = {};
    for (const e of o.events) users[String(e.user)] = (users[String(e.user)] ?? 0) + 1;
    // Every unauthenticated row of this log is a 407 challenge.
    expect(users).toEqual({ adeolaegbedokun: 47, badeyek: 32, nazsoau: 6 });
    expect([...new Set(o.events.map((e) => e.localIp))].sort()).toEqual([
      '10.105.21.199',
      '10.105.33.214',
      '10.105.47.218',
      '81.2.69.145',
    ]);
  });

  it('reads a CONNECT row and a GET row field by field', () => {
    expect(o.events[0]).toEqual({
      time: 1157689312049,
      deviceId: null,
      deviceName: null,
      user: 'badeyek',
      localIp: '10.105.21.199',
      remoteIp: '175.16.199.115',
      remotePort: 443,
      host: 'login.yahoo.com',
      url: null,
      bytesUp: null,
      bytesDown: 19763,
      action: 'allowed',
      process: null,
      eventKey: null,
    });
    // TCP_HIT served from cache: NONE/- names no origin server.
    expect(o.events[3]).toMatchObject({
      time: 1157689321315,
      host: 'www.goonernews.com',
      remoteIp: null,
      remotePort: 80,
      url: 'http://www.goonernews.com/styles.css',
      bytesDown: 1464,
    });
  });

  it('every event has a host, bytesDown and no bytesUp (native Squid logs no request size)', () => {
    expect(o.events.every((e) => e.host !== null && e.bytesDown !== null && e.bytesUp === null)).toBe(true);
  });
});

describe('squid extensive custom logformat vs Elastic expected output', () => {
  const o = run(EXTENSIVE);

  it('matches source IP, user, host, bytes, port and time field by field', () => {
    expect(o.events.length).toBe(EXPECTED.length);
    expect(o.skips.length + o.rejects.length).toBe(0);
    EXPECTED.forEach((x, i) => {
      const e = o.events[i];
      expect(e.localIp).toBe(x.source.ip);
      expect(e.user).toBe(x.source.user?.name ?? null);
      const host = x.url.domain ?? x.url.original.replace(/:\d+$/, '');
      expect(e.host).toBe(host);
      expect(e.bytesDown).toBe(x.destination.bytes);
      expect(e.bytesUp).toBe(x.source.bytes ?? null);
      expect(e.time).toBe(Date.parse(x['@timestamp']));
      if (x.destination.port !== undefined) expect(e.remotePort).toBe(x.destination.port);
      expect(e.remoteIp).toBe(x.destination.ip ?? null);
    });
  });
});

describe('squid common / combined log format', () => {
  it('reads zones, users, CONNECT and Squid action tags', () => {
    const text = [
      '10.1.1.5 - alice [10/Oct/2024:13:55:36 +0200] "GET http://www.Example.com/a?b=1 HTTP/1.1" 200 2326 TCP_MISS:HIER_DIRECT',
      '10.1.1.6 bob - [10/Oct/2024:13:55:37 -0500] "CONNECT mail.google.com:443 HTTP/1.1" 200 5120 "-" "Mozilla/5.0 (X11; Linux x86_64)" TCP_TUNNEL:HIER_DIRECT',
      '10.1.1.7 - - [10/Oct/2024:13:55:38] "GET http://blocked.example.net/ HTTP/1.1" 403 1520 TCP_DENIED:HIER_NONE',
      '10.1.1.7 - - [10/Oct/2024:13:55:39 +0000] "GET http://origin403.example.net/ HTTP/1.1" 403 300',
      '10.1.1.8 - - [10/Oct/2024:13:55:40 +0000] "GET http://www.example.com/ HTTP/1.1" 407 3900 TCP_DENIED:HIER_NONE',
      '10.1.1.9 - - [10/Oct/2024:13:55:41 +0000] "-" 400 0 NONE:HIER_NONE',
      '10.1.1.9 - - [31/Foo/2024:13:55:41 +0000] "GET http://x.example/ HTTP/1.1" 200 1',
    ].join('\n');
    const o = run(text, [], 'Europe/Berlin');
    expect(
      o.events.map((e) => [e.time, e.localIp, e.user, e.host, e.remotePort, e.bytesDown, e.bytesUp, e.action, e.url]),
    ).toEqual([
      [
        Date.UTC(2024, 9, 10, 11, 55, 36),
        '10.1.1.5',
        'alice',
        'www.example.com',
        80,
        2326,
        null,
        'allowed',
        'http://www.Example.com/a?b=1',
      ],
      [Date.UTC(2024, 9, 10, 18, 55, 37), '10.1.1.6', 'bob', 'mail.google.com', 443, 5120, null, 'allowed', null],
      // No zone in the timestamp: the import's zone (Berlin, CEST = UTC+2).
      [
        Date.UTC(2024, 9, 10, 11, 55, 38),
        '10.1.1.7',
        null,
        'blocked.example.net',
        80,
        1520,
        null,
        'blocked',
        'http://blocked.example.net/',
      ],
      // A 403 without Squid's tag may come from the origin: not counted as blocked by the proxy.
      [
        Date.UTC(2024, 9, 10, 13, 55, 39),
        '10.1.1.7',
        null,
        'origin403.example.net',
        80,
        300,
        null,
        'allowed',
        'http://origin403.example.net/',
      ],
    ]);
    expect(o.skips).toEqual([
      { line: 5, reason: 'squid: proxy authentication challenge (407), not a transaction' },
      { line: 6, reason: 'squid: no destination host or IP' },
    ]);
    expect(o.rejects).toEqual([{ line: 7, reason: 'squid: invalid time' }]);
  });

  it("says when a time had no zone (read in the import's), and only then", () => {
    const localTimes = (text: string) => {
      const p = squidFormat.open({ timeZone: 'UTC', fileName: 'access.log', files: [], scratch: new Map() });
      const sink = { event() {}, skip() {}, reject() {} };
      p.push(text, sink);
      p.end(sink);
      return p.localTimes;
    };
    const line = (time: string) => `10.1.1.5 - alice [${time}] "GET http://www.example.com/ HTTP/1.1" 200 2326\n`;
    expect(localTimes(line('10/Oct/2024:13:55:36 +0200') + line('10/Oct/2024:13:55:37 -05:00'))).toBe(false);
    expect(localTimes(line('10/Oct/2024:13:55:36 +0200') + line('10/Oct/2024:13:55:38'))).toBe(true);
    // Native lines carry epoch seconds.
    expect(
      localTimes(
        '1700000000.123      5 10.2.0.1 TCP_MISS/200 3900 GET http://www.example.com/ - HIER_DIRECT/1.2.3.4 text/html\n',
      ),
    ).toBe(false);
  });
});

describe('squid native edge cases', () => {
  it('blocked, failed, errors, escaped users, IPv6 and comments', () => {
    const text = [
      '# squid access log',
      '1700000000.123      5 10.2.0.1 TCP_DENIED/403 3900 GET http://gambling.example.com/ - HIER_NONE/- text/html',
      '1700000001.000      0 10.2.0.1 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -',
      '1700000002.000  30001 10.2.0.2 TCP_MISS_ABORTED/000 0 GET http://slow.example.com/x CORP%5Cjoe HIER_DIRECT/203.0.113.9 -',
      '1700000003.000     12 10.2.0.3 TCP_TUNNEL/200 4410 CONNECT [2001:db8::10]:443 - HIER_DIRECT/2001:db8::10 -',
      '1700000004.000     12 10.2.0.3 TCP_MISS/200 10 GET http://user:pw@Files.Example.org:8080/p - FIRSTUP_PARENT/10.9.9.9 -',
      '1700000005.000      1 Laptop-07.corp.example TCP_MISS/200 10 GET http://a.example.com/ - HIER_DIRECT/203.0.113.5 -',
      '',
      'garbage line',
      '1700000005 1 10.2.0.4',
    ].join('\n');
    const o = run(text);
    expect(o.events.map((e) => [e.time, e.user, e.host, e.remoteIp, e.remotePort, e.action])).toEqual([
      [1700000000123, null, 'gambling.example.com', null, 80, 'blocked'],
      [1700000002000, 'CORP\\joe', 'slow.example.com', '203.0.113.9', 80, 'failed'],
      [1700000003000, null, null, '2001:db8::10', 443, 'allowed'],
      // A parent proxy's address is not the remote server.
      [1700000004000, null, 'files.example.org', null, 8080, 'allowed'],
      [1700000005000, null, 'a.example.com', '203.0.113.5', 80, 'allowed'],
    ]);
    // log_fqdn: the client is a name, not an address.
    expect(o.events[4]).toMatchObject({ localIp: null, deviceName: 'laptop-07.corp.example' });
    expect(o.events[0]).toMatchObject({ localIp: '10.2.0.1', deviceName: null });
    expect(o.skips).toEqual([{ line: 3, reason: 'squid: no destination host or IP' }]);
    expect(o.rejects).toEqual([
      { line: 9, reason: 'squid: too few fields' },
      { line: 10, reason: 'squid: too few fields' },
    ]);
  });

  it('gives the same result however the text is split into chunks', () => {
    const whole = run(ACCESS + EXTENSIVE);
    const rand = lcg32(5);
    for (let i = 0; i < 30; i++) {
      const text = ACCESS + EXTENSIVE;
      expect(run(text, randomCuts(text.length, 1 + Math.floor(rand() * 100), rand))).toEqual(whole);
    }
  });

  it('never throws on random or truncated input and reports every row exactly once', () => {
    const rand = lcg32(11);
    const bits = [
      ' ',
      '"',
      '[',
      ']',
      '\n',
      '/',
      ':',
      '-',
      'TCP_DENIED/403',
      '1700000000.1',
      'CONNECT',
      'http://',
      '%',
      '%zz',
      '\t',
    ];
    const sample = ACCESS.split('\n').slice(0, 30).join('\n');
    for (let i = 0; i < 300; i++) {
      const text = fuzzOverwrite(sample, bits, i, rand);
      const o = run(text, randomCuts(text.length, 5, rand));
      const expected = text
        .split('\n')
        .map((l, n) => [l.replace(/\r$/, ''), n + 1] as const)
        .filter(([l]) => l.trim().length > 0 && !l.trim().startsWith('#'))
        .map(([, n]) => n);
      expectEveryRowOnce(o, expected.length);
    }
  });

  it('sniffs native and common logs, not others', () => {
    expect(squidFormat.sniff(ACCESS)).toBe(0.95);
    expect(squidFormat.sniff(EXTENSIVE)).toBe(0.95);
    expect(
      squidFormat.sniff(
        '10.1.1.5 - alice [10/Oct/2024:13:55:36 +0200] "GET http://a/ HTTP/1.1" 200 2326 TCP_MISS:HIER_DIRECT\n',
      ),
    ).toBe(0.8);
    expect(squidFormat.sniff('#Software: SGOS 6.7\n#Fields: date time c-ip\n')).toBe(0);
    expect(squidFormat.sniff('{"a":1}\n')).toBe(0);
    expect(squidFormat.sniff('')).toBe(0);
  });
});

describe('proxy text helpers', () => {
  it('splits quoted and bracketed tokens', () => {
    const t: string[] = [];
    const n = splitTokens('a  "b c" [d e] "x ""y"" z" "\\"q\\"" "open', t);
    expect(t.slice(0, n)).toEqual(['a', 'b c', 'd e', 'x "y" z', '"q"', 'open']);
    expect(splitTokens('a\t"b c"\t-', t, '\t')).toBe(3);
    expect(t.slice(0, 3)).toEqual(['a', 'b c', '-']);
  });
  it('extracts hosts and ports from proxy URLs', () => {
    const hp = { host: null, ip: null, port: null, scheme: null } as Parameters<typeof urlHostPort>[1];
    expect({ ...urlHostPort('https://WWW.Example.com./x', hp) }).toEqual({
      host: 'www.example.com',
      ip: null,
      port: 443,
      scheme: 'https',
    });
    expect({ ...urlHostPort('login.yahoo.com:443', hp) }).toEqual({
      host: 'login.yahoo.com',
      ip: null,
      port: 443,
      scheme: null,
    });
    expect({ ...urlHostPort('http://[2001:db8::1]:8080/', hp) }).toEqual({
      host: null,
      ip: '2001:db8::1',
      port: 8080,
      scheme: 'http',
    });
    expect({ ...urlHostPort('/relative/path', hp) }).toEqual({ host: null, ip: null, port: null, scheme: null });
    expect({ ...urlHostPort('error:invalid-request', hp) }).toEqual({ host: null, ip: null, port: null, scheme: null });
  });
  it('parses times', () => {
    expect(epochSecondsToMs('1157689312.049')).toBe(1157689312049);
    expect(parseClfTime('01/07/2024:10:00:03 GMT', 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 10, 0, 3));
    expect(parseClfTime('01/Jul/2024:12:00:03', 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 10, 0, 3));
    expect(parseClfTime('01/Jul/2024:12:00:03 +0530', 'UTC')).toBe(Date.UTC(2024, 6, 1, 6, 30, 3));
    expect(parseClfTime('nonsense', 'UTC')).toBeNaN();
  });
});
