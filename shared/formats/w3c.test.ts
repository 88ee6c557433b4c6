import { describe, expect, it } from 'vitest';
import {
  collectRecords,
  expectEveryRowOnce,
  fuzzOverwrite,
  lcg32,
  randomCuts,
  readFixture,
  splitAt,
} from './testing/harness';
import { w3cFormat } from './w3c';

const BLUECOAT = readFixture('w3c/bluecoat-proxysg.log');
const IIS = readFixture('w3c/iis.log');
const TMG = readFixture('w3c/tmg-webproxy.log');
const NO_DATE = readFixture('w3c/no-date-marker.log');

const run = (text: string, timeZone = 'UTC', cuts: number[] = []) =>
  collectRecords(w3cFormat, splitAt(text, cuts), { timeZone, fileName: 'access.log' });

describe('w3c: Blue Coat ProxySG (main format, then a mid-file #Fields change)', () => {
  const o = run(BLUECOAT, 'America/New_York');

  it('counts rows: 9 transactions, 2 skipped, 1 rejected', () => {
    expect(o.events.length).toBe(9);
    expect(o.skips).toEqual([
      { line: 10, reason: 'w3c: proxy authentication challenge (407), not a transaction' },
      { line: 13, reason: 'w3c: no destination host or IP' },
    ]);
    expect(o.rejects).toEqual([{ line: 15, reason: 'w3c: field count differs from #Fields' }]);
  });

  it('reads quoted values, users and bytes; #Date makes date/time UTC whatever the import zone', () => {
    expect(o.events[0]).toEqual({
      time: Date.UTC(2024, 2, 4, 9, 0, 1),
      deviceId: null,
      deviceName: null,
      user: 'CORP\\alice',
      localIp: '10.20.1.15',
      remoteIp: null,
      remotePort: 443,
      host: 'www.dropbox.com',
      url: 'https://www.dropbox.com/home?preview=1',
      bytesUp: 912,
      bytesDown: 48211,
      action: 'allowed',
      process: null,
      eventKey: null,
    });
    expect(o.events[1]).toMatchObject({
      host: 'login.microsoftonline.com',
      url: null,
      remotePort: 443,
      bytesUp: 2210,
      bytesDown: 7345,
    });
  });

  it('marks DENIED, PROXIED+policy_denied as blocked and tcp_error as failed', () => {
    expect(o.events.map((e) => [e.host ?? e.remoteIp, e.action])).toEqual([
      ['www.dropbox.com', 'allowed'],
      ['login.microsoftonline.com', 'allowed'],
      ['wetransfer.com', 'blocked'],
      ['unreachable.example.net', 'failed'],
      ['casino.example.org', 'blocked'],
      ['198.51.100.23', 'allowed'],
      ['teams.microsoft.com', 'allowed'],
      ['pastebin.com', 'blocked'],
      ['slack.com', 'allowed'],
    ]);
  });

  it('uses the new column map after the mid-file #Fields: full URLs and upstream IPs', () => {
    expect(o.events[6]).toMatchObject({
      time: Date.UTC(2024, 2, 4, 10, 15, 0),
      user: 'erin',
      localIp: '10.20.2.7',
      remoteIp: '52.113.194.132',
      remotePort: 443,
      host: 'teams.microsoft.com',
      url: 'https://Teams.Microsoft.com:443/v2/?ring=general',
      bytesUp: 1311,
      bytesDown: 80443,
    });
    expect(o.events[8]).toMatchObject({ user: null, host: 'slack.com', remoteIp: null, remotePort: 443, url: null });
  });

  it('keeps an IP-literal host as the remote IP, not as a host', () => {
    expect(o.events[5]).toMatchObject({ host: null, remoteIp: '198.51.100.23', remotePort: 8080 });
  });
});

describe('w3c: IIS (server-side logs, two header blocks)', () => {
  const o = run(IIS);
  it('reads both blocks; s-ip is the remote for IIS', () => {
    expect(o.events.length).toBe(4);
    expect(o.skips.length + o.rejects.length).toBe(0);
    expect(o.events[0]).toMatchObject({
      time: Date.UTC(2024, 2, 5, 0, 0, 1),
      localIp: '203.0.113.77',
      remoteIp: '198.51.100.40',
      remotePort: 443,
      host: null,
      user: null,
      bytesUp: null,
      bytesDown: null,
    });
    expect(o.events[1].user).toBe('CONTOSO\\frank');
    expect(o.events[2]).toMatchObject({
      user: 'frank@contoso.com',
      host: 'mail.contoso.com',
      url: 'https://mail.contoso.com/owa/service.svc?action=GetFolder',
      bytesUp: 2310,
      bytesDown: 5123,
    });
  });
});

describe('w3c: Forefront TMG web proxy (tab-separated, values with spaces)', () => {
  const o = run(TMG);
  it('reads tab-separated rows and TMG denials', () => {
    expect(o.events.length).toBe(3);
    expect(o.events.map((e) => [e.user, e.host, e.remoteIp, e.remotePort, e.bytesUp, e.bytesDown, e.action])).toEqual([
      ['CONTOSO\\grace', 'www.box.com', '74.112.186.157', 443, 1410, 20955, 'allowed'],
      ['CONTOSO\\grace', 'mega.nz', null, 443, 512, 1801, 'blocked'],
      ['anonymous', 'download.windowsupdate.com', null, 80, 300, 58213, 'allowed'],
    ]);
    expect(o.events[0].time).toBe(Date.UTC(2024, 2, 6, 14, 2, 11));
  });
});

describe('w3c: time zones', () => {
  it('without a #Date marker, date/time take the import zone; localtime offsets and gmttime win', () => {
    const berlin = run(NO_DATE, 'Europe/Berlin');
    expect(berlin.events.map((e) => e.time)).toEqual([
      Date.UTC(2024, 6, 1, 10, 0, 0), // 12:00 CEST
      Date.UTC(2024, 6, 1, 10, 0, 1), // localtime with +0200
      Date.UTC(2024, 6, 1, 10, 0, 2), // localtime without offset: import zone
      Date.UTC(2024, 6, 1, 10, 0, 3), // gmttime
    ]);
    const utc = run(NO_DATE);
    expect(utc.events.map((e) => e.time)).toEqual([
      Date.UTC(2024, 6, 1, 12, 0, 0),
      Date.UTC(2024, 6, 1, 10, 0, 1),
      Date.UTC(2024, 6, 1, 12, 0, 2),
      Date.UTC(2024, 6, 1, 10, 0, 3),
    ]);
    expect(w3cFormat.usesLocalTime).toBe(true);
  });

  it('reads Unix timestamps and fractional seconds; rejects rows without a readable time', () => {
    const text = [
      '#Fields: timestamp c-ip cs-username sc-result-code sc-bytes cs-bytes cs-url',
      '1700000000.250 10.9.0.1 "jo smith" TCP_DENIED 100 50 https://drive.google.com/x',
      '#Fields: date time c-ip cs-host',
      '2024-02-30 10:00:00.5 10.9.0.1 a.example.com',
      '2024-02-03 10:00:00.5 10.9.0.1 a.example.com',
      'no-date 10:00 10.9.0.1 a.example.com',
    ].join('\n');
    const o = run(text);
    expect(o.events.map((e) => [e.time, e.user, e.host, e.action, e.remotePort])).toEqual([
      [1700000000250, 'jo smith', 'drive.google.com', 'blocked', 443],
      [Date.UTC(2024, 1, 3, 10, 0, 0, 500), null, 'a.example.com', 'allowed', null],
    ]);
    expect(o.rejects).toEqual([
      { line: 4, reason: 'w3c: invalid or missing date/time' }, // 30 February is no date
      { line: 6, reason: 'w3c: invalid or missing date/time' },
    ]);
  });

  it('ignores unknown field names, even ones that are Object.prototype keys', () => {
    const o = run(
      '#Date: 2024-01-01\n#Fields: constructor __proto__ toString date time c-ip cs-host\na b c 2024-01-01 00:00:00 1.2.3.4 x.com\n',
    );
    expect(o.events.map((e) => [e.time, e.localIp, e.host])).toEqual([[Date.UTC(2024, 0, 1), '1.2.3.4', 'x.com']]);
  });

  it('rejects data rows before any #Fields directive', () => {
    const o = run(
      '2024-01-01 00:00:00 1.2.3.4 x\n#Fields: date time c-ip cs-host\n2024-01-01 00:00:00 1.2.3.4 x.com\n',
    );
    expect(o.rejects).toEqual([{ line: 1, reason: 'w3c: data row before a #Fields directive' }]);
    expect(o.events.length).toBe(1);
  });
});

describe('w3c robustness', () => {
  it('gives the same result however the text is split into chunks', () => {
    const text = BLUECOAT + IIS + TMG + NO_DATE;
    const whole = run(text, 'Europe/Paris');
    const rand = lcg32(3);
    for (let i = 0; i < 30; i++) {
      expect(run(text, 'Europe/Paris', randomCuts(text.length, 1 + Math.floor(rand() * 120), rand))).toEqual(whole);
    }
  });

  it('never throws on random or truncated input and reports every row exactly once', () => {
    const rand = lcg32(17);
    const bits = [
      ' ',
      '"',
      '""',
      '\t',
      '\n',
      '#Fields: date time c-ip cs-host\n',
      '#Date: x\n',
      '-',
      '2024-01-01',
      '12:00:00',
      '[',
      ']',
      ':',
      '%',
      'DENIED',
    ];
    const sample = BLUECOAT + TMG;
    for (let i = 0; i < 300; i++) {
      const text = fuzzOverwrite(sample, bits, i, rand);
      const o = run(text, 'UTC', randomCuts(text.length, 5, rand));
      const expected = text
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
        .map((l, n) => [l, n + 1] as const)
        .filter(([l]) => l.length > 0 && !l.startsWith('#') && l.trim().length > 0)
        .map(([, n]) => n);
      expectEveryRowOnce(o, expected.length);
    }
  });

  it('sniffs W3C files and nothing else', () => {
    for (const t of [BLUECOAT, IIS, TMG, NO_DATE]) expect(w3cFormat.sniff(t)).toBe(0.95);
    expect(w3cFormat.sniff('#separator \\x09\n#fields\tts\tuid\n')).toBe(0);
    expect(
      w3cFormat.sniff('1157689312.049 5006 10.105.21.199 TCP_MISS/200 19763 CONNECT a:443 - DIRECT/1.2.3.4 -\n'),
    ).toBe(0);
    expect(w3cFormat.sniff('#Software: X\n#Version: 1.0\n')).toBe(0.7);
  });
});
