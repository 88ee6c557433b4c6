import { describe, expect, it } from 'vitest';
import {
  fieldForColumn,
  normalizeColumnName,
  normalizeHost,
  normalizeIp,
  parseDefenderTime,
  parseDottedDateTime,
  parseRemoteUrl,
  parseUsDateTime,
  slashDateOrder,
} from './defender-values';

describe('column names', () => {
  it('normalises portal, Sentinel and OTRF spellings to one field', () => {
    expect(normalizeColumnName('Timestamp [UTC]')).toBe('timestamp');
    expect(fieldForColumn('TimeGenerated [UTC]')).toBe('timeGenerated');
    expect(fieldForColumn('ReportId_long')).toBe('reportId');
    expect(fieldForColumn('ReportId_string')).toBe('reportId');
    expect(fieldForColumn('AdditionalFields_string')).toBe('additional');
    expect(fieldForColumn('RemoteIP')).toBe('remoteIp');
    expect(fieldForColumn('remote_ip')).toBe('remoteIp');
    expect(fieldForColumn('$table')).toBe('table');
    expect(fieldForColumn('RemoteIPType')).toBeUndefined();
    expect(fieldForColumn('InitiatingProcessAccountSid')).toBeUndefined();
  });
});

describe('IP addresses', () => {
  it('unmaps IPv4-mapped IPv6 and keeps the rest', () => {
    expect(normalizeIp('::ffff:172.64.149.247')).toBe('172.64.149.247');
    expect(normalizeIp('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeIp('2A02:C0:AC::E51:1')).toBe('2a02:c0:ac::e51:1');
    expect(normalizeIp('::ffff')).toBe('::ffff');
    expect(normalizeIp(' 10.1.2.3 ')).toBe('10.1.2.3');
    expect(normalizeIp('-')).toBeNull();
    expect(normalizeIp('')).toBeNull();
  });
});

describe('hosts and RemoteUrl', () => {
  it('lowercases, drops trailing dots and ports, refuses IP literals and junk', () => {
    expect(normalizeHost('WWW.Example.COM.')).toBe('www.example.com');
    expect(normalizeHost('www.gstatic.com:443')).toBe('www.gstatic.com');
    expect(normalizeHost('10.0.0.1')).toBeNull();
    expect(normalizeHost('[2001:db8::1]:443')).toBeNull();
    expect(normalizeHost('2001:db8::1')).toBeNull();
    expect(normalizeHost('not a host')).toBeNull();
    expect(normalizeHost('')).toBeNull();
    expect(normalizeHost('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
  });

  it('takes the hostname of a URL and keeps the URL only when it has a scheme or a path', () => {
    expect(parseRemoteUrl('https://sync.1rx.io')).toEqual({ host: 'sync.1rx.io', url: 'https://sync.1rx.io' });
    expect(parseRemoteUrl('url.com')).toEqual({ host: 'url.com', url: null });
    expect(parseRemoteUrl('url.com/')).toEqual({ host: 'url.com', url: null });
    expect(parseRemoteUrl('Example.com/path?q=1')).toEqual({ host: 'example.com', url: 'Example.com/path?q=1' });
    expect(parseRemoteUrl('http://user:pw@Files.Example.net:8080/a')).toEqual({
      host: 'files.example.net',
      url: 'http://user:pw@Files.Example.net:8080/a',
    });
    expect(parseRemoteUrl('https://[2001:db8::1]/x').host).toBeNull();
    expect(parseRemoteUrl('203.0.113.9')).toEqual({ host: null, url: null });
    expect(parseRemoteUrl('')).toEqual({ host: null, url: null });
  });
});

describe('timestamps', () => {
  it('reads Defender ISO times with 7 fractional digits, truncating to the millisecond', () => {
    expect(parseDefenderTime('2023-12-21T19:04:59.0109752Z', 'UTC')).toBe(Date.UTC(2023, 11, 21, 19, 4, 59, 10));
    expect(parseDefenderTime('2023-12-21T19:50:51.679963Z', 'UTC')).toBe(Date.UTC(2023, 11, 21, 19, 50, 51, 679));
    expect(parseDefenderTime('2021-08-02T13:32:07Z', 'UTC')).toBe(Date.UTC(2021, 7, 2, 13, 32, 7));
  });

  it('honours offsets, and the zone for times without one', () => {
    expect(parseDefenderTime('2023-12-21T20:04:59.5+01:00', 'UTC')).toBe(Date.UTC(2023, 11, 21, 19, 4, 59, 500));
    expect(parseDefenderTime('2023-07-01 12:00:00', 'Europe/Berlin')).toBe(Date.UTC(2023, 6, 1, 10));
    expect(parseDefenderTime('2023-07-01T12:00:00Z', 'Europe/Berlin')).toBe(Date.UTC(2023, 6, 1, 12));
  });

  it('reads Log Analytics display dates', () => {
    expect(parseUsDateTime('5/25/2023, 4:32:49.469 AM', 'UTC')).toBe(Date.UTC(2023, 4, 25, 4, 32, 49, 469));
    expect(parseUsDateTime('5/25/2023, 4:32:49.469 PM', 'UTC')).toBe(Date.UTC(2023, 4, 25, 16, 32, 49, 469));
    expect(parseUsDateTime('12/1/2023, 12:00:00.000 AM', 'UTC')).toBe(Date.UTC(2023, 11, 1, 0));
    expect(parseUsDateTime('12/1/2023, 12:30:00 PM', 'UTC')).toBe(Date.UTC(2023, 11, 1, 12, 30));
    expect(parseUsDateTime('12/1/2023 23:30:00', 'UTC')).toBe(Date.UTC(2023, 11, 1, 23, 30));
    expect(parseDefenderTime('5/25/2023, 4:32:49.469 AM', 'UTC')).toBe(Date.UTC(2023, 4, 25, 4, 32, 49, 469));
  });

  it('reads dotted dates day first, as the locales that write them do (a spreadsheet or Export-Csv there)', () => {
    expect(parseDottedDateTime('5.10.2026 23:59:07', 'UTC')).toBe(Date.UTC(2026, 9, 5, 23, 59, 7));
    expect(parseDefenderTime('05.10.2026 23:59', 'UTC')).toBe(Date.UTC(2026, 9, 5, 23, 59));
    expect(parseDefenderTime('13.01.2026 08:00:00', 'UTC')).toBe(Date.UTC(2026, 0, 13, 8));
    // Local time without a zone: the import's zone.
    expect(parseDefenderTime('01.07.2023 12:00:00', 'Europe/Berlin')).toBe(Date.UTC(2023, 6, 1, 10));
    for (const bad of ['32.10.2026 10:00', '5.13.2026 10:00', '5.10.26 10:00', '5.10.2026'])
      expect(parseDefenderTime(bad, 'UTC'), bad).toBeNaN();
  });

  it("tells the order of a file's slash dates from its first timestamps, unsure when they cannot tell", () => {
    expect(slashDateOrder(['20/10/2026 12:00:00', '05/10/2026 23:59:59'])).toBe('day-first');
    expect(parseDefenderTime('05/10/2026 23:59:59', 'UTC', true)).toBe(Date.UTC(2026, 9, 5, 23, 59, 59));
    expect(parseDefenderTime('05/10/2026 23:59:59', 'UTC')).toBe(Date.UTC(2026, 4, 10, 23, 59, 59));
    // A month over 12 or a US clock: month first, whatever else.
    expect(slashDateOrder(['20/10/2026 12:00:00', '10/25/2026 12:00:00'])).toBe('month-first');
    expect(slashDateOrder(['5/25/2023, 4:32:49.469 AM'])).toBe('month-first');
    expect(slashDateOrder(['20/10/2026 12:00:00 PM'])).toBe('month-first');
    // Every day under 13: unsure (read month first); no slash date at all: nothing to tell.
    expect(slashDateOrder(['05/10/2026 23:59:59', '01/10/2026 00:00:00'])).toBe('unsure');
    expect(slashDateOrder(['2026-10-20T12:00:00Z', ''])).toBeNull();
  });

  it('reads epoch numbers and refuses anything else', () => {
    expect(parseDefenderTime(1_700_000_000_000, 'UTC')).toBe(1_700_000_000_000);
    expect(parseDefenderTime('1700000000', 'UTC')).toBe(1_700_000_000_000);
    for (const bad of [
      '',
      'yesterday',
      '13/45/2023, 1:00 PM',
      '2023-13-01T00:00:00Z',
      '5/25/23, 4:32 AM',
      '2023-12-21T25:00:00Z',
    ])
      expect(parseDefenderTime(bad, 'UTC')).toBeNaN();
  });
});

describe('UTC timestamps (the per-day fast path)', () => {
  it('reads every time of day as Date.parse does, across days, months and leap years', () => {
    let seed = 11;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    for (let i = 0; i < 2000; i++) {
      const t = Math.floor(rand() * 4_102_444_800_000); // 1970..2100
      const iso = new Date(t).toISOString(); // 2024-02-29T23:59:59.123Z
      const seven = `${iso.slice(0, 23)}${Math.floor(rand() * 10_000)
        .toString()
        .padStart(4, '0')}Z`;
      expect(parseDefenderTime(iso, 'Europe/Berlin')).toBe(t);
      expect(parseDefenderTime(seven, 'UTC')).toBe(t);
      expect(parseDefenderTime(iso.slice(0, 19), 'UTC')).toBe(Math.floor(t / 1000) * 1000);
    }
  });

  it('still rejects impossible dates and times on the fast path', () => {
    for (const s of [
      '2023-02-29T10:00:00Z',
      '2024-02-30T10:00:00Z',
      '2024-13-01T10:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T10:60:00Z',
      '2024-01-01T10:00:61Z',
    ]) {
      expect(parseDefenderTime(s, 'UTC')).toBeNaN();
    }
    expect(parseDefenderTime('2024-02-29T10:00:00Z', 'UTC')).toBe(Date.UTC(2024, 1, 29, 10));
    expect(parseDefenderTime('2024-01-01T10:00:60Z', 'UTC')).toBe(Date.UTC(2024, 0, 1, 10, 1));
  });
});
