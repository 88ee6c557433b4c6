import { describe, expect, it } from 'vitest';
import { customCsvFormat, suggestMapping } from './custom-csv';
import { lcg31, randomChunks, run } from './testing/harness';
import type { CustomMapping } from './types';

const utc = (s: string) => Date.parse(s);

/** Parses as an import of a user-mapped CSV file does: a .csv name, the mapping in the context. */
const parse = (chunks: string[] | string, timeZone = 'UTC', mapping?: CustomMapping) =>
  run(customCsvFormat, chunks, timeZone, { fileName: 'f.csv', mapping });

const PROXY = [
  'When,Client,Account,Target,Full URL,Up,Down,Verdict,Port',
  '2023-03-09 12:00:00,10.0.0.5,CONTOSO\\alice,App.Example.com.,https://app.example.com/x,100,2000,allowed,443',
  '1678363260,10.0.0.6,bob,,https://files.example.org:8443/u?a=1,"1,5",,BLOCKED,',
  '03/09/2023 01:02:03 PM,10.0.0.7,,203.0.113.9,,0,0,connection failed,8080',
  '"not a date",10.0.0.8,,x.example,,,,,',
  '2023-03-09T12:00:00Z,10.0.0.9,,,,,,,',
].join('\n');

const MAPPING: CustomMapping = {
  columns: {
    time: 'When',
    localIp: 'Client',
    user: 'Account',
    host: 'target', // matched case-insensitively
    url: 'Full URL',
    bytesUp: 'Up',
    bytesDown: 'Down',
    action: 'Verdict',
    remotePort: 'Port',
  },
};

describe('custom CSV', () => {
  it('maps columns by header name', () => {
    const o = parse(PROXY, 'America/New_York', MAPPING);
    expect(o.events.length).toBe(3);
    expect(o.events[0]).toMatchObject({
      time: utc('2023-03-09T17:00:00Z'), // zone-less, New York (EST)
      localIp: '10.0.0.5',
      user: 'CONTOSO\\alice',
      host: 'app.example.com',
      url: 'https://app.example.com/x',
      bytesUp: 100,
      bytesDown: 2000,
      action: 'allowed',
      remotePort: 443,
    });
    expect(o.events[1]).toMatchObject({
      time: 1678363260000, // epoch seconds
      host: 'files.example.org', // from the URL
      bytesUp: null, // "1,5" is not a count
      bytesDown: null,
      action: 'blocked',
    });
    expect(o.events[2]).toMatchObject({
      time: utc('2023-03-09T18:02:03Z'),
      host: null,
      remoteIp: '203.0.113.9', // an IP in the host column
      bytesUp: 0,
      action: 'failed',
    });
    expect(o.rejects).toEqual([[5, 'unreadable time "not a date"']]);
    expect(o.skips).toEqual([[6, 'no destination (host, URL or remote IP)']]);
  });
  it('rejects every row when no time column is mapped', () => {
    const o = parse(PROXY, 'UTC', { columns: { host: 'Target' } });
    expect(o.events.length).toBe(0);
    expect(o.rejects.length).toBe(5);
    expect(o.rejects[0]).toEqual([2, 'no time column mapped']);
  });
  it('detects ; tab and | delimiters, or takes the mapping one', () => {
    for (const d of [';', '\t', '|']) {
      const text = PROXY.replace(/"1,5"/, '15').replace(/,/g, d);
      expect(parse(text, 'UTC', MAPPING).events.length, JSON.stringify(d)).toBe(3);
    }
    const odd = 'time~host\n2023-03-09T12:00:00Z~a.example\n';
    expect(parse(odd, 'UTC', { columns: { time: 'time', host: 'host' }, delimiter: '~' }).events[0].host).toBe(
      'a.example',
    );
  });
  it("reads past PowerShell's #TYPE line, lines kept physical", () => {
    const plain = parse(PROXY, 'UTC', MAPPING);
    const ps = parse(
      `#TYPE System.Management.Automation.PSCustomObject\n${PROXY.replace(/,/g, ';').replace('"1;5"', '15')}`,
      'UTC',
      MAPPING,
    );
    expect(ps.events.map((e) => [e.time, e.host])).toEqual(plain.events.map((e) => [e.time, e.host]));
    expect(ps.rejects).toEqual(plain.rejects.map(([line, reason]) => [line + 1, reason]));
  });
  it('falls back to the suggested mapping without ctx.mapping', () => {
    const text =
      'Timestamp,DeviceName,RemoteUrl,RemoteIP,RemotePort,LocalIP,InitiatingProcessFileName\n2023-03-09T12:00:00Z,pc1,www.Example.com,1.2.3.4,443,10.0.0.1,chrome.exe\n';
    const o = parse(text);
    expect(o.events[0]).toMatchObject({
      deviceName: 'pc1',
      host: 'www.example.com',
      remoteIp: '1.2.3.4',
      remotePort: 443,
      localIp: '10.0.0.1',
      process: 'chrome.exe',
    });
  });
  it('is never auto-detected', () => {
    expect(customCsvFormat.sniff(PROXY)).toBe(0);
  });
  it('same result for any chunking, quoted multi-line fields included', () => {
    const text = `${PROXY}\n2023-03-09 12:00:01,10.0.0.5,"multi\nline",h.example,,,,,\n`;
    const whole = parse(text, 'Europe/Berlin', MAPPING);
    expect(whole.events[3]).toMatchObject({ user: 'multi\nline', host: 'h.example' });
    for (let seed = 1; seed <= 40; seed++)
      expect(parse(randomChunks(text, seed), 'Europe/Berlin', MAPPING)).toEqual(whole);
    expect(parse(text.split(''), 'Europe/Berlin', MAPPING)).toEqual(whole);
  });
  it('fuzz: never throws, every record once with increasing lines', () => {
    const rnd = lcg31(5);
    const pieces = [',', '"', '\n', '\r\n', ';', 'x', '2023-03-09', ' 12:00', 'a.example', '1.2.3.4', '99'];
    for (let round = 0; round < 300; round++) {
      let text = round % 2 === 0 ? PROXY.slice(0, Math.floor(rnd() * PROXY.length)) : 'When,Target\n';
      for (let k = 0; k < 40; k++) text += pieces[Math.floor(rnd() * pieces.length)];
      const o = parse(randomChunks(text, round + 1), 'UTC', MAPPING);
      const lines = [...o.skips, ...o.rejects].map((r) => r[0]);
      for (const l of lines) expect(l).toBeGreaterThan(1);
      for (const e of o.events) expect(Number.isFinite(e.time)).toBe(true);
    }
  });
});

describe('suggestMapping', () => {
  it('proposes fields from common header names', () => {
    expect(
      suggestMapping([
        'Date/Time',
        'Source IP',
        'User Name',
        'Destination Host',
        'Dst Port',
        'Bytes Sent',
        'Bytes Received',
        'Action',
        'URL',
        'Hostname',
      ]),
    ).toEqual({
      columns: {
        time: 'Date/Time',
        localIp: 'Source IP',
        user: 'User Name',
        host: 'Destination Host',
        remotePort: 'Dst Port',
        bytesUp: 'Bytes Sent',
        bytesDown: 'Bytes Received',
        action: 'Action',
        url: 'URL',
      },
    });
  });
  it('reads Defender and Sentinel column names', () => {
    const m = suggestMapping([
      'TimeGenerated [UTC]',
      'DeviceId',
      'DeviceName',
      'RemoteUrl',
      'RemoteIP',
      'InitiatingProcessAccountUpn',
      'ActionType',
    ]);
    expect(m.columns).toMatchObject({
      time: 'TimeGenerated [UTC]',
      deviceId: 'DeviceId',
      deviceName: 'DeviceName',
      host: 'RemoteUrl',
      remoteIp: 'RemoteIP',
      user: 'InitiatingProcessAccountUpn',
      action: 'ActionType',
    });
  });
  it('uses each header once and leaves unknown ones out', () => {
    expect(suggestMapping(['foo', 'bar'])).toEqual({ columns: {} });
    expect(suggestMapping(['host', 'host']).columns).toEqual({ host: 'host' });
  });
});
