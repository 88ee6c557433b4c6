import { describe, expect, it } from 'vitest';
import { stripSyslog, syslogTime } from './syslog';
import {
  clean,
  decideOnFirstLine,
  hostFromUrl,
  isBlockedAction,
  isIpLiteral,
  JsonRecordStream,
  normalizeHost,
  parseDateTime,
  parseUtcOffset,
  splitUrlAuthority,
  toCount,
  toPort,
} from './syslog-values';

const utc = (s: string) => Date.parse(s);

describe('stripSyslog', () => {
  it('reads RFC 3164 with PRI, host and message', () => {
    const env = stripSyslog('<14>Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,0128');
    expect(env).toEqual({ message: '1,2018/11/30 16:09:07,0128', timestamp: 'Nov 30 16:09:08', host: 'PA-220' });
  });
  it('reads RFC 3164 without PRI and with a space-padded day', () => {
    const env = stripSyslog('Mar  9 01:02:03 fw01 date=2023-03-09 time=01:02:03');
    expect(env).toEqual({ message: 'date=2023-03-09 time=01:02:03', timestamp: 'Mar  9 01:02:03', host: 'fw01' });
  });
  it('does not take the message for a host', () => {
    expect(stripSyslog('Dec 27 11:23:49 CEF:0|a|b|c|d|e|f|x=y')).toEqual({
      message: 'CEF:0|a|b|c|d|e|f|x=y',
      timestamp: 'Dec 27 11:23:49',
      host: null,
    });
    expect(stripSyslog('Dec 27 11:23:49 sshd[12]: hello').message).toBe('sshd[12]: hello');
  });
  it('reads a year between day and time', () => {
    expect(stripSyslog('Mar 09 2023 12:00:00 host msg here')).toEqual({
      message: 'msg here',
      timestamp: 'Mar 09 2023 12:00:00',
      host: 'host',
    });
  });
  it('reads RFC 5424 with nil and bracketed structured data', () => {
    expect(stripSyslog('<134>1 2023-03-09T12:00:00.000Z menlo msip - - - CEF:0|x')).toEqual({
      message: 'CEF:0|x',
      timestamp: '2023-03-09T12:00:00.000Z',
      host: 'menlo',
    });
    const sd =
      '<165>1 2003-10-11T22:14:15.003Z mymachine evntslog - ID47 [exampleSDID@32473 iut="3" eventID="10\\]11"][x@1 a="b"] \uFEFFAn application event';
    expect(stripSyslog(sd)).toEqual({
      message: 'An application event',
      timestamp: '2003-10-11T22:14:15.003Z',
      host: 'mymachine',
    });
    expect(stripSyslog('<14>1 - - - - - - msg').timestamp).toBeNull();
  });
  it('reads a collector file line with an ISO stamp', () => {
    expect(stripSyslog('2023-03-09T12:00:00+01:00 fw01 type=traffic')).toEqual({
      message: 'type=traffic',
      timestamp: '2023-03-09T12:00:00+01:00',
      host: 'fw01',
    });
  });
  it('removes a bare PRI and leaves other lines alone', () => {
    expect(stripSyslog('<189>date=2020-04-23 time=01:16:08').message).toBe('date=2020-04-23 time=01:16:08');
    expect(stripSyslog('<14>1,2018/11/30 16:09:07,x').message).toBe('1,2018/11/30 16:09:07,x');
    expect(stripSyslog('Mon Jun 20 15:29:11 2022\tx').message).toBe('Mon Jun 20 15:29:11 2022\tx');
    expect(stripSyslog('')).toEqual({ message: '', timestamp: null, host: null });
    expect(stripSyslog('<>x').message).toBe('<>x');
  });
  it('turns the envelope time into UTC ms, RFC 3164 years inferred', () => {
    expect(syslogTime(stripSyslog('<1>1 2023-03-09T12:00:00Z h a p m - x'), 'UTC')).toBe(utc('2023-03-09T12:00:00Z'));
    const t = syslogTime(stripSyslog('Jan  2 03:04:05 h msg'), 'UTC');
    const d = new Date(t);
    expect([d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]).toEqual([
      0, 2, 3, 4, 5,
    ]);
    expect(Number.isNaN(syslogTime(stripSyslog('no envelope'), 'UTC'))).toBe(true);
  });
});

describe('parseDateTime', () => {
  const now = utc('2024-06-15T00:00:00Z');
  it('reads epochs in every unit', () => {
    for (const s of ['1678363200', '1678363200123', '1678363200123456', '1678363200123456789'])
      expect(Math.floor(parseDateTime(s, 'UTC') / 1000)).toBe(1678363200);
    expect(parseDateTime('1678363200123', 'UTC')).toBe(1678363200123);
    expect(Number.isNaN(parseDateTime('20230309', 'UTC'))).toBe(true);
  });
  it('reads ISO with and without zone', () => {
    expect(parseDateTime('2023-03-09T12:00:00Z', 'America/New_York')).toBe(utc('2023-03-09T12:00:00Z'));
    expect(parseDateTime('2023-03-09 12:00:00', 'America/New_York')).toBe(utc('2023-03-09T17:00:00Z'));
    expect(parseDateTime('2023-03-09 12:00:00 UTC', 'America/New_York')).toBe(utc('2023-03-09T12:00:00Z'));
  });
  it('reads the CEF date forms', () => {
    expect(parseDateTime('Mar 09 2023 12:00:00', 'UTC')).toBe(utc('2023-03-09T12:00:00Z'));
    expect(parseDateTime('Mar 09 2023 12:00:00', 'Europe/Paris')).toBe(utc('2023-03-09T11:00:00Z'));
    expect(parseDateTime('Mar 09 2023 12:00:00.250 GMT', 'Europe/Paris')).toBe(utc('2023-03-09T12:00:00.250Z'));
    expect(parseDateTime('Mar 09 2023 12:00:00 EST', 'UTC')).toBe(utc('2023-03-09T17:00:00Z'));
    expect(parseDateTime('Mar 09 2023 12:00:00 +0100', 'UTC')).toBe(utc('2023-03-09T11:00:00Z'));
    expect(parseDateTime('Mar 09 2023 12:00:00 Europe/Paris', 'UTC')).toBe(utc('2023-03-09T11:00:00Z'));
    expect(parseDateTime('Mar 09 12:00:00', 'UTC', now)).toBe(utc('2024-03-09T12:00:00Z'));
    // a year-less date that would be far in the future belongs to last year
    expect(parseDateTime('Dec 31 23:00:00', 'UTC', now)).toBe(utc('2023-12-31T23:00:00Z'));
  });
  it('reads Zscaler, PAN-OS, portal and European forms', () => {
    expect(parseDateTime('Fri Dec 31 07:07:07 2021', 'UTC')).toBe(utc('2021-12-31T07:07:07Z'));
    expect(parseDateTime('Thu Sep 6 22:55:48 2012', 'UTC')).toBe(utc('2012-09-06T22:55:48Z'));
    expect(parseDateTime('2018/11/30 16:09:07', 'America/New_York')).toBe(utc('2018-11-30T21:09:07Z'));
    expect(parseDateTime('3/30/2022, 10:52:35.857 AM', 'UTC')).toBe(utc('2022-03-30T10:52:35.857Z'));
    expect(parseDateTime('3/30/2022, 12:05:00 AM', 'UTC')).toBe(utc('2022-03-30T00:05:00Z'));
    expect(parseDateTime('3/30/2022 1:05 PM', 'UTC')).toBe(utc('2022-03-30T13:05:00Z'));
    expect(parseDateTime('31.12.2021 23:59', 'UTC')).toBe(utc('2021-12-31T23:59:00Z'));
    expect(parseDateTime('31/12/2021 23:59:01', 'UTC')).toBe(utc('2021-12-31T23:59:01Z'));
    expect(parseDateTime('09 March 2023 10:00', 'UTC')).toBe(utc('2023-03-09T10:00:00Z'));
    expect(parseDateTime('2023-03-09', 'UTC')).toBe(utc('2023-03-09T00:00:00Z'));
  });
  it('crosses DST in the import zone', () => {
    // New York: EST (-5) in January, EDT (-4) in July
    expect(parseDateTime('Jan 15 2023 12:00:00', 'America/New_York')).toBe(utc('2023-01-15T17:00:00Z'));
    expect(parseDateTime('Jul 15 2023 12:00:00', 'America/New_York')).toBe(utc('2023-07-15T16:00:00Z'));
  });
  it('returns NaN for garbage', () => {
    for (const s of [
      '',
      'x',
      'Mar',
      '12:00',
      '99/99/2023 10:00',
      'Feb 30 2023 10:00:00',
      '2023-13-01',
      'a'.repeat(100),
    ])
      expect(Number.isNaN(parseDateTime(s, 'UTC')), s).toBe(true);
  });
});

describe('value helpers', () => {
  it('parses UTC offsets', () => {
    expect(parseUtcOffset('-0500')).toBe(-300);
    expect(parseUtcOffset('+01:00')).toBe(60);
    expect(parseUtcOffset('UTC-5:00')).toBe(-300);
    expect(parseUtcOffset('GMT+2')).toBe(120);
    expect(parseUtcOffset('+0530')).toBe(330);
    expect(parseUtcOffset('UTC')).toBe(0);
    expect(parseUtcOffset('PST')).toBe(-480);
    expect(parseUtcOffset('Europe/Paris')).toBeNull();
    expect(parseUtcOffset('+99')).toBeNull();
  });
  it('cleans placeholders to null', () => {
    for (const s of ['', ' ', '-', 'None', 'NA', 'N/A', '(null)', 'null']) expect(clean(s)).toBeNull();
    expect(clean(' x ')).toBe('x');
    expect(clean('Nonesuch')).toBe('Nonesuch');
  });
  it('reads counts and ports, never inventing 0 for unknown', () => {
    expect(toCount('0')).toBe(0);
    expect(toCount('1234')).toBe(1234);
    expect(toCount('')).toBeNull();
    expect(toCount('-1')).toBeNull();
    expect(toCount('1.5')).toBeNull();
    expect(toPort('0')).toBeNull();
    expect(toPort('443')).toBe(443);
    expect(toPort('70000')).toBeNull();
  });
  it('normalizes hosts and URL authorities', () => {
    expect(normalizeHost('WWW.Example.COM.')).toBe('www.example.com');
    expect(normalizeHost('www.example.com:443')).toBe('www.example.com');
    expect(normalizeHost('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(splitUrlAuthority('https://user@Files.Example.io:8443/a?b')).toEqual({
      host: 'files.example.io',
      port: 8443,
    });
    expect(splitUrlAuthority('www.example.com:443')).toEqual({ host: 'www.example.com', port: 443 });
    expect(splitUrlAuthority('www.example.com.com/join/')).toEqual({ host: 'www.example.com.com', port: null });
    expect(hostFromUrl('/bizsquads')).toBeNull();
    expect(hostFromUrl('http://[2001:db8::1]:80/x')).toBe('2001:db8::1');
    expect(isIpLiteral('10.0.0.1')).toBe(true);
    expect(isIpLiteral('2001:db8::1')).toBe(true);
    expect(isIpLiteral('10.0.0')).toBe(false);
    expect(isIpLiteral('example.com')).toBe(false);
    expect(isIpLiteral('1.2.3.4.example')).toBe(false);
  });
  it('tells blocked from allowed actions', () => {
    for (const a of ['Blocked', 'deny', 'drop', 'reset-both', 'block-url', 'IDS:Reset', 'dropped', 'blocked'])
      expect(isBlockedAction(a), a).toBe(true);
    for (const a of [
      'Allowed',
      'allow',
      'accept',
      'passthrough',
      'not blocked',
      'close',
      'alert',
      'detected',
      'client-rst',
    ])
      expect(isBlockedAction(a), a).toBe(false);
    expect(isBlockedAction(null)).toBe(false);
  });
});

describe('JsonRecordStream', () => {
  const text = '[\n  {"a": "x}", "b": {"c": [1, 2]}},\n  {"a": "\\"{"}\n]\n{"n":1}\n garbage\n{"cut": ';
  function read(chunks: string[]) {
    const s = new JsonRecordStream();
    const out: string[] = [];
    for (const c of chunks)
      s.push(
        c,
        (j, l) => out.push(`R${l}:${j}`),
        (l, r) => out.push(`G${l}:${r}`),
      );
    s.end((l, r) => out.push(`G${l}:${r}`));
    return out;
  }
  it('cuts records with their first line, reports garbage once per line', () => {
    expect(read([text])).toEqual([
      'R2:{"a": "x}", "b": {"c": [1, 2]}}',
      'R3:{"a": "\\"{"}',
      'R5:{"n":1}',
      'G6:not a JSON object',
      'G7:truncated JSON record',
    ]);
  });
  it('is chunk-split invariant', () => {
    const whole = read([text]);
    for (let i = 1; i < text.length; i++) expect(read([text.slice(0, i), text.slice(i)])).toEqual(whole);
    expect(read(text.split(''))).toEqual(whole);
  });
  it('gives up on a record that never closes', () => {
    const s = new JsonRecordStream(100);
    const out: string[] = [];
    s.push(
      `{"a":"${'x'.repeat(200)}\n{"b":1}\n`,
      (j) => out.push(j),
      (l, r) => out.push(`${l} ${r}`),
    );
    expect(out[0]).toBe('1 JSON record too long or never closed');
  });
});

describe('decideOnFirstLine', () => {
  it('decides on the first non-blank line whatever the chunking', () => {
    const text = '\n\n  \nfirst line\nsecond\n';
    for (let i = 0; i <= text.length; i++) {
      const seen: string[] = [];
      let got = '';
      const p = decideOnFirstLine((first) => {
        seen.push(first);
        return {
          push: (t) => {
            got += t;
          },
          end: () => {},
        };
      });
      const sink = { event() {}, skip() {}, reject() {} };
      p.push(text.slice(0, i), sink);
      p.push(text.slice(i), sink);
      p.end(sink);
      expect(seen).toEqual(['first line']);
      expect(got).toBe(text);
    }
  });
  it('decides at end for a file without newline and never for a blank file', () => {
    const firsts: string[] = [];
    const mk = () =>
      decideOnFirstLine((f) => {
        firsts.push(f);
        return { push() {}, end() {} };
      });
    const sink = { event() {}, skip() {}, reject() {} };
    const a = mk();
    a.push('only', sink);
    a.end(sink);
    const b = mk();
    b.push('\n \n', sink);
    b.end(sink);
    expect(firsts).toEqual(['only']);
  });
});
