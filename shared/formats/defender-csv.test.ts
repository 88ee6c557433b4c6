import { describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../domain/event';
import { CsvStream } from './csv-stream';
import { DefenderNormalizer, defenderEventHash, isoTime } from './defender-common';
import { defenderCsvFormat } from './defender-csv';
import { byReport, collectLogged, mulberry32, readFixture, splitAt } from './testing/harness';
import type { ParseContext } from './types';

// Readable DeviceId|Timestamp|ReportId keys, so tests can find events by ReportId.
DefenderNormalizer.readableKeys = true;

const PLASO = readFixture('defender/plaso/advanced_hunting_test.csv');
const PLASO_BOM = readFixture('defender/plaso/advanced_hunting_test_002.csv');
const SENTINEL = readFixture('defender/handmade/sentinel-device-network-events.csv');

const csv = (chunks: string[] | string, ctx?: Partial<ParseContext>) =>
  collectLogged(defenderCsvFormat, chunks, { fileName: 't.csv', ...ctx });

function tally(pairs: [number, string][]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const [, reason] of pairs) t[reason] = (t[reason] ?? 0) + 1;
  return t;
}

/** Splits at 1 to 40 random offsets plus five one-character chunks; offsets are distinct, so no chunk is empty. */
function randomSplitPairs(text: string, rand: () => number): string[] {
  const cuts = new Set<number>();
  const n = 1 + Math.floor(rand() * 40);
  for (let i = 0; i < n; i++) cuts.add(Math.floor(rand() * text.length));
  // Some one-character chunks, to split \r\n pairs and "" escapes.
  for (let i = 0; i < 5; i++) {
    const at = Math.floor(rand() * text.length);
    cuts.add(at);
    cuts.add(at + 1);
  }
  const sorted = [...cuts].filter((c) => c > 0 && c < text.length).sort((a, b) => a - b);
  return splitAt(text, sorted);
}

/** Data records a CSV reader sees (header excluded): the rows a parser must account for. */
function csvDataRows(text: string): number {
  const s = new CsvStream(',');
  let n = 0;
  s.push(text, () => n++);
  s.end(() => n++);
  return Math.max(0, n - 1);
}

describe('defender-csv on the plaso portal export (union of all Device* tables)', () => {
  const r = csv(PLASO);

  it('accounts for all 129 data rows: 20 transactions, 109 skipped, none rejected', () => {
    expect(r.events.length + r.skips.length + r.rejects.length).toBe(129);
    expect(r.events).toHaveLength(20);
    expect(r.skips).toHaveLength(109);
    expect(r.rejects).toEqual([]);
  });

  it('skips the 97 rows of other tables and 12 of the 32 DeviceNetworkEvents rows, each with its reason', () => {
    expect(tally(r.skips)).toEqual({
      'not a network event (DeviceEvents)': 63,
      'not a network event (UrlClickEvents)': 6,
      'not a network event (DeviceProcessEvents)': 2,
      'not a network event (DeviceFileEvents)': 8,
      'not a network event (DeviceImageLoadEvents)': 2,
      'not a network event (DeviceLogonEvents)': 6,
      'not a network event (DeviceRegistryEvents)': 10,
      'DNS inspection (feeds host resolution)': 2,
      'inbound connection': 2,
      'listening socket': 2,
      'inbound internet scan': 2,
      'network signature match': 2,
      'inspection merged into its connection': 2,
    });
    const network = r.skips.filter(([, why]) => !why.startsWith('not a network event'));
    expect(r.events.length + network.length).toBe(32);
  });

  it('reports skipped rows by their physical line', () => {
    const at = new Map(r.skips.map(([l, why]) => [l, why]));
    expect(at.get(2)).toBe('not a network event (DeviceEvents)'); // AntivirusDetection
    expect(at.get(74)).toBe('not a network event (DeviceProcessEvents)');
    expect(at.get(78)).toBe('DNS inspection (feeds host resolution)');
    expect(at.get(88)).toBe('inbound connection');
    expect(at.get(90)).toBe('listening socket');
    expect(at.get(92)).toBe('inbound internet scan');
    expect(at.get(99)).toBe('network signature match');
    // SslConnectionInspected of the chrome.exe connection on line 80 (same socket, 0.8 s later)
    expect(at.get(102)).toBe('inspection merged into its connection');
    // Second FTP command of the same Zeek connection (same uid, 12 s later)
    expect(at.get(87)).toBe('inspection merged into its connection');
  });

  it('reads a connection with RemoteUrl: host, url, user (UPN), process, IPs, port, time, key', () => {
    const e = byReport(r.events).get('38944') as NetworkEvent;
    expect(e).toEqual({
      time: Date.UTC(2023, 11, 21, 19, 59, 50, 239),
      deviceId: 'jhdfaiouiuv4584fgasd64h5s4ghs54afd45gadf6',
      deviceName: 'test-hostname',
      user: 'test-user@test-company.tld',
      localIp: '192.168.0.100',
      remoteIp: '46.228.174.117',
      remotePort: 443,
      host: 'sync.1rx.io',
      url: 'https://sync.1rx.io',
      bytesUp: null,
      bytesDown: null,
      action: 'allowed',
      process: 'chrome.exe',
      eventKey: 'jhdfaiouiuv4584fgasd64h5s4ghs54afd45gadf6|2023-12-21T19:59:50.239Z|38944',
      eventHash: defenderEventHash(
        'jhdfaiouiuv4584fgasd64h5s4ghs54afd45gadf6',
        Date.UTC(2023, 11, 21, 19, 59, 50, 239),
        '38944',
      ),
    });
  });

  it('unmaps IPv4-mapped IPv6, keeps plain IPv6, and leaves unknown users null', () => {
    const m = byReport(r.events);
    const found = m.get('2119396412') as NetworkEvent;
    expect([found.localIp, found.remoteIp, found.user, found.process]).toEqual([
      '192.168.1.162',
      '172.64.149.247',
      null,
      'UDClientService.exe',
    ]);
    // The other ConnectionFound row of the same socket is another row, not an inspection: both count.
    expect(m.get('2119396511')?.remoteIp).toBe('172.64.149.247');
    expect(m.get('87806')?.remoteIp).toBe('2a02:c0:ac::e51:1');
    expect(m.get('87806')?.localIp).toBe('2a01:799:c1c:3100:61c5:1902:ca4f:db0d');
  });

  it('marks failed connections and builds DOMAIN\\name users when there is no UPN', () => {
    const e = byReport(r.events).get('42716') as NetworkEvent;
    expect(e.action).toBe('failed');
    expect(e.user).toBe('nt authority\\system');
    expect(r.events.filter((x) => x.action === 'failed')).toHaveLength(2);
    expect(r.events.filter((x) => x.action === 'blocked')).toHaveLength(0);
  });

  it('takes hosts from standalone inspections, and bytes only from orig_bytes/resp_bytes', () => {
    const m = byReport(r.events);
    expect(m.get('38952')?.host).toBe('match.sharethrough.com'); // SSL server_name
    expect(m.get('105728')?.host).toBe('x1.c.lencr.org'); // HTTP host
    expect(m.get('61622')?.host).toBe('www.msftconnecttest.com');
    const icmp = m.get('48652') as NetworkEvent;
    expect([icmp.bytesUp, icmp.bytesDown, icmp.remotePort, icmp.host]).toEqual([192, 192, null, null]);
    const withBytes = r.events.filter((e) => e.bytesUp !== null || e.bytesDown !== null);
    expect(withBytes.map((e) => e.eventKey?.split('|')[2]).sort()).toEqual(['148324', '48652']);
    // NTLM's AdditionalFields `hostname` is the client's name, never the server's.
    expect(m.get('213568')?.host).toBeNull();
  });

  it('gives every event a de-duplication key', () => {
    for (const e of r.events)
      expect(e.eventKey).toMatch(/^jhdfaiouiuv4584fgasd64h5s4ghs54afd45gadf6\|2023-12-21T[\d:.]+Z\|\d+$/);
    expect(new Set(r.events.map((e) => e.eventKey)).size).toBe(20);
  });

  it('gives the same result for the copy that starts with a BOM', () => {
    expect(PLASO_BOM.charCodeAt(0)).toBe(0xfeff);
    expect(csv(PLASO_BOM).log).toEqual(r.log);
  });

  it('gives the same result however the text is split into chunks', () => {
    const rand = mulberry32(4782);
    for (let k = 0; k < 60; k++) expect(csv(randomSplitPairs(PLASO, rand)).log).toEqual(r.log);
  });

  it("reads what PowerShell's Export-Csv makes of the export: a #TYPE line, every field quoted, CRLF, `;` with -UseCulture", () => {
    const rows: string[][] = [];
    const stream = new CsvStream(',');
    const take = (rec: { fields: string[] }) => rows.push(rec.fields);
    stream.push(PLASO, take);
    stream.end(take);
    expect(rows).toHaveLength(130);
    const quote = (f: string) => `"${f.replaceAll('"', '""')}"`;
    for (const delim of [',', ';']) {
      const text = `#TYPE System.Management.Automation.PSCustomObject\r\n${rows.map((row) => row.map(quote).join(delim)).join('\r\n')}\r\n`;
      expect(defenderCsvFormat.sniff(text.slice(0, 4096))).toBe(0.95);
      const ps = csv(text);
      expect(ps.events).toEqual(r.events);
      // Line numbers stay physical: one line more before each row.
      expect(ps.skips).toEqual(r.skips.map(([line, reason]) => [line + 1, reason]));
      expect(ps.rejects).toEqual([]);
    }
  });

  it('still merges when the export is sorted the other way round', () => {
    const [header, ...rows] = PLASO.trimEnd().split('\n');
    const reversed = [header, ...rows.reverse()].join('\n');
    const rr = csv(reversed);
    expect(rr.events).toHaveLength(20);
    expect(tally(rr.skips)['inspection merged into its connection']).toBe(2);
    expect(byReport(rr.events).get('38944')?.host).toBe('sync.1rx.io');
  });
});

describe('defender-csv on a Sentinel / Log Analytics export', () => {
  const r = csv(SENTINEL);

  it('reads US display dates in [UTC] columns and the Type column', () => {
    expect(r.events).toHaveLength(5);
    expect(r.skips).toEqual([
      [4, 'inbound connection'],
      [5, 'inspection merged into its connection'],
      [8, 'DNS inspection (feeds host resolution)'],
    ]);
    expect(r.rejects).toEqual([
      [9, 'unreadable Timestamp'],
      [10, 'no DeviceId or DeviceName'],
    ]);
    const m = byReport(r.events);
    expect(m.get('9001')).toMatchObject({
      time: Date.UTC(2023, 4, 25, 13, 5, 7, 2),
      user: 'CONTOSO\\bob',
      action: 'failed',
      host: null,
      remoteIp: '198.51.100.7',
    });
    // 12 AM is midnight
    expect(m.get('5000')?.time).toBe(Date.UTC(2023, 4, 25, 0, 0, 1));
    expect(m.get('5000')?.host).toBe('cloud.example.org');
  });

  it('uses Timestamp, not the ingestion time TimeGenerated', () => {
    expect(byReport(r.events).get('7001')?.time).toBe(Date.UTC(2023, 4, 25, 4, 32, 49, 469));
  });

  it('merges an inspection listed before its connection (newest-first order)', () => {
    expect(byReport(r.events).get('7001')).toMatchObject({
      host: 'teams.microsoft.com',
      user: 'alice@contoso.com',
      process: 'ms-teams.exe',
    });
  });

  it('names a connection by a DNS answer of the same device', () => {
    expect(byReport(r.events).get('6999')?.host).toBe('files.example-cdn.net');
  });

  it('keeps a URL with a path and drops the device name from local accounts', () => {
    expect(byReport(r.events).get('9000')).toMatchObject({
      host: 'www.dropbox.com',
      url: 'https://www.dropbox.com/s/abc123/report.xlsx',
      remoteIp: '192.0.2.44',
      localIp: '10.20.30.40',
      user: 'localadmin',
    });
  });

  it('trusts "[UTC]" over the import time zone, and uses the zone when the header gives none', () => {
    expect(csv(SENTINEL, { timeZone: 'Europe/Berlin' }).log).toEqual(r.log);
    const noUnit = SENTINEL.replace('"Timestamp [UTC]"', '"Timestamp"');
    const berlin = byReport(csv(noUnit, { timeZone: 'Europe/Berlin' }).events);
    expect(berlin.get('7001')?.time).toBe(Date.UTC(2023, 4, 25, 2, 32, 49, 469));
  });

  it('is split-invariant too (quoted cells with line breaks)', () => {
    const rand = mulberry32(7);
    for (let k = 0; k < 40; k++) expect(csv(randomSplitPairs(SENTINEL, rand)).log).toEqual(r.log);
  });
});

describe('defender-csv semantics on small inputs', () => {
  const H =
    'Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,InitiatingProcessFileName,InitiatingProcessAccountDomain,InitiatingProcessAccountName,InitiatingProcessAccountUpn,ReportId,AdditionalFields\n';
  const row = (cells: string[]) =>
    `${cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')}\n`;

  it('counts ActionTypes containing Blocked, and AdditionalFields saying so, as blocked', () => {
    const r = csv(
      H +
        row([
          '2024-01-01T00:00:00Z',
          'd1',
          'pc1',
          'ConnectionBlocked',
          '1.1.1.1',
          '443',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '1',
          '',
        ]) +
        row([
          '2024-01-01T00:00:01Z',
          'd1',
          'pc1',
          'ConnectionAttempt',
          '1.1.1.2',
          '443',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '2',
          '{"IsBlocked":true}',
        ]) +
        row([
          '2024-01-01T00:00:02Z',
          'd1',
          'pc1',
          'ConnectionSuccess',
          '1.1.1.3',
          '443',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '3',
          '{"Blockchain":"no"}',
        ]),
    );
    expect(r.events.map((e) => e.action)).toEqual(['blocked', 'blocked', 'allowed']);
  });

  it('skips inbound inspections and merges only within a few seconds', () => {
    const ins = (t: string, rid: string, af: object) =>
      row([
        t,
        'd1',
        'pc1',
        'SslConnectionInspected',
        '2.2.2.2',
        '443',
        '',
        '10.0.0.1',
        '5000',
        '',
        '',
        '',
        '',
        rid,
        JSON.stringify(af),
      ]);
    const r = csv(
      H +
        row([
          '2024-01-01T00:00:00Z',
          'd1',
          'pc1',
          'ConnectionSuccess',
          '2.2.2.2',
          '443',
          '',
          '10.0.0.1',
          '5000',
          'app.exe',
          '',
          '',
          '',
          '1',
          '',
        ]) +
        ins('2024-01-01T00:00:03Z', '2', { direction: 'Out', server_name: 'near.example.com', uid: 'A' }) +
        ins('2024-01-01T00:01:00Z', '3', { direction: 'Out', server_name: 'later.example.com', uid: 'B' }) +
        ins('2024-01-01T00:01:01Z', '4', { direction: 'In', server_name: 'inbound.example.com', uid: 'C' }),
    );
    expect(r.skips).toEqual([
      [3, 'inspection merged into its connection'],
      [5, 'inbound inspection'],
    ]);
    expect(r.events.map((e) => [e.host, e.process])).toEqual([
      ['near.example.com', 'app.exe'],
      ['later.example.com', null],
    ]);
  });

  it('keeps the RemoteUrl host over an inspection host, and fills what the connection lacks', () => {
    const r = csv(
      H +
        row([
          '2024-01-01T00:00:01Z',
          'd1',
          'pc1',
          'IcmpConnectionInspected',
          '3.3.3.3',
          '7',
          '',
          '10.0.0.1',
          '7',
          '',
          '',
          '',
          '',
          '2',
          '{"direction":"Out","orig_bytes":"10","resp_bytes":"20"}',
        ]) +
        row([
          '2024-01-01T00:00:00Z',
          'd1',
          'pc1',
          'ConnectionSuccess',
          '3.3.3.3',
          '7',
          'echo.example.com',
          '10.0.0.1',
          '7',
          'ping',
          '',
          '',
          '',
          '1',
          '',
        ]),
    );
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ host: 'echo.example.com', bytesUp: 10, bytesDown: 20, process: 'ping' });
    expect(r.skips).toEqual([[2, 'inspection merged into its connection']]);
  });

  it('does not merge across devices, and uses DNS answers only for their own device', () => {
    const dns = JSON.stringify({
      direction: 'Out',
      query: 'Files.Example.NET.',
      answers: '["cdn.example.net","4.4.4.4"]',
    });
    const r = csv(
      H +
        row([
          '2024-01-01T00:00:00Z',
          'd1',
          'pc1',
          'DnsConnectionInspected',
          '10.0.0.53',
          '53',
          '',
          '10.0.0.1',
          '6000',
          '',
          '',
          '',
          '',
          '1',
          dns,
        ]) +
        row([
          '2024-01-01T00:00:01Z',
          'd1',
          'pc1',
          'ConnectionSuccess',
          '4.4.4.4',
          '443',
          '',
          '10.0.0.1',
          '6001',
          '',
          '',
          '',
          '',
          '2',
          '',
        ]) +
        row([
          '2024-01-01T00:00:01Z',
          'd2',
          'pc2',
          'ConnectionSuccess',
          '4.4.4.4',
          '443',
          '',
          '10.0.0.2',
          '6001',
          '',
          '',
          '',
          '',
          '3',
          '',
        ]),
    );
    expect(r.events.map((e) => [e.deviceId, e.host])).toEqual([
      ['d1', 'files.example.net'],
      ['d2', null],
    ]);
  });

  it('shares DNS answers with the files parsed after it in the same import', () => {
    const scratch = new Map<string, unknown>();
    const dns = JSON.stringify({ direction: 'Out', query: 'a.example.org', answers: ['5.5.5.5'] });
    csv(
      H +
        row([
          '2024-01-01T00:00:00Z',
          'd1',
          'pc1',
          'DnsConnectionInspected',
          '10.0.0.53',
          '53',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '1',
          dns,
        ]),
      { scratch },
    );
    const r = csv(
      H +
        row([
          '2024-01-01T00:00:01Z',
          'd1',
          'pc1',
          'ConnectionSuccess',
          '5.5.5.5',
          '443',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '2',
          '',
        ]),
      { scratch },
    );
    expect(r.events[0].host).toBe('a.example.org');
  });

  it('builds users as the contract says', () => {
    const u = (dom: string, name: string, upn: string, device = 'pc1.corp.example') =>
      csv(
        H +
          row([
            '2024-01-01T00:00:00Z',
            'd1',
            device,
            'ConnectionSuccess',
            '6.6.6.6',
            '443',
            '',
            '',
            '',
            '',
            dom,
            name,
            upn,
            '1',
            '',
          ]),
      ).events[0].user;
    expect(u('CORP', 'ann', 'ann@corp.example')).toBe('ann@corp.example');
    expect(u('CORP', 'ann', '')).toBe('CORP\\ann');
    expect(u('PC1', 'admin', '')).toBe('admin');
    expect(u('', 'ann', '')).toBe('ann');
    expect(u('CORP', '', '')).toBeNull();
  });

  it('rejects rows that do not match the header or lack time or device', () => {
    const r = csv(
      H +
        'x,y\n' +
        row(['yesterday', 'd1', 'pc1', 'ConnectionSuccess', '1.1.1.1', '443', '', '', '', '', '', '', '', '1', '']) +
        row([
          '2024-01-01T00:00:00Z',
          '',
          '',
          'ConnectionSuccess',
          '1.1.1.1',
          '443',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '2',
          '',
        ]) +
        row([
          '2024-02-30T00:00:00Z',
          'd1',
          'pc1',
          'ConnectionSuccess',
          '1.1.1.1',
          '443',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '3',
          '',
        ]),
    );
    expect(r.rejects).toEqual([
      [2, '2 fields, the header has 15'],
      [3, 'unreadable Timestamp'],
      [4, 'no DeviceId or DeviceName'],
      [5, 'unreadable Timestamp'], // 30 February is no date
    ]);
    expect(r.events).toHaveLength(0);
  });

  it('takes every row of a projected hunt without ActionType as a connection', () => {
    const r = csv(
      'Timestamp,DeviceName,RemoteUrl,RemoteIP\n2024-01-01T00:00:00Z,pc1,https://Box.com/x,::FFFF:7.7.7.7\n',
    );
    expect(r.events[0]).toMatchObject({
      host: 'box.com',
      url: 'https://Box.com/x',
      remoteIp: '7.7.7.7',
      deviceId: null,
    });
    expect(r.events[0].eventKey).toBeNull();
    expect(r.events[0].eventHash).toBeNull();
  });

  it('merges across many rows of a newest-first export, and across an out-of-order one', () => {
    const conn = (i: number, t: number, port: number) =>
      row([
        new Date(t).toISOString(),
        'd1',
        'pc1',
        'ConnectionSuccess',
        '9.9.9.9',
        '443',
        '',
        '10.0.0.1',
        String(port),
        '',
        '',
        '',
        '',
        String(i),
        '',
      ]);
    const ssl = (t: number) =>
      row([
        new Date(t).toISOString(),
        'd1',
        'pc1',
        'SslConnectionInspected',
        '9.9.9.9',
        '443',
        '',
        '10.0.0.1',
        '7777',
        '',
        '',
        '',
        '',
        'ssl',
        '{"direction":"Out","server_name":"far.example.com"}',
      ]);
    const t0 = Date.UTC(2024, 0, 1, 12);
    for (const shuffled of [false, true]) {
      const rows: string[] = [];
      for (let i = 0; i < 3000; i++) {
        const t = t0 - i * 10; // newest first, 10 ms apart
        if (i === 0) rows.push(ssl(t0 + 2500));
        rows.push(conn(i, shuffled && i % 7 === 0 ? t - 20_000 : t, i === 250 ? 7777 : 20000 + i));
      }
      const r = csv(H + rows.join(''));
      expect(r.events).toHaveLength(3000);
      expect(r.skips).toEqual([[2, 'inspection merged into its connection']]);
      expect(r.events.find((e) => e.eventKey?.endsWith('|250'))?.host).toBe('far.example.com');
    }
  });

  it('merges inspections of one Zeek uid within a minute only', () => {
    const ftp = (t: string, rid: string, port: string) =>
      row([
        t,
        'd1',
        'pc1',
        'FtpConnectionInspected',
        '8.8.4.4',
        '21',
        '',
        '10.0.0.1',
        port,
        '',
        '',
        '',
        '',
        rid,
        '{"direction":"Out","uid":"Cftp1"}',
      ]);
    const r = csv(
      H +
        ftp('2024-01-01T00:00:00Z', '1', '5000') +
        ftp('2024-01-01T00:00:50Z', '2', '5001') +
        ftp('2024-01-01T00:02:00Z', '3', '5002'),
    );
    expect(r.events).toHaveLength(2);
    expect(r.skips).toEqual([[3, 'inspection merged into its connection']]);
  });

  it('lets no inspection merge, by uid, into a connection already handed on', () => {
    const at = (sec: number) => new Date(Date.UTC(2024, 0, 1, 0, 10) + sec * 1000).toISOString();
    const cells = (t: number, action: string, port: string, rid: string, af: string) =>
      row([at(t), 'd1', 'pc1', action, '8.8.4.4', port, '', '10.0.0.1', '5000', '', '', '', '', rid, af]);
    const ssl = (t: number, port: string, rid: string, uid: string, host: string) =>
      cells(t, 'SslConnectionInspected', port, rid, JSON.stringify({ direction: 'Out', uid, server_name: host }));
    const r = csv(
      H +
        // Two inspections of one socket, with different uids, both taken over by their connection.
        ssl(4, '443', '1', 'U1', 'one.example.com') +
        ssl(-4, '443', '2', 'U2', 'two.example.com') +
        cells(0, 'ConnectionSuccess', '443', '3', '') +
        // Far enough back (newest-first export) to hand the connection to the sink.
        row([
          at(-70),
          'd1',
          'pc1',
          'ConnectionSuccess',
          '9.9.9.9',
          '53',
          '',
          '10.0.0.1',
          '6000',
          '',
          '',
          '',
          '',
          '4',
          '',
        ]) +
        // 30 s from the connection, sharing a uid with it, but another socket: after the connection
        // left, nothing can take it over any more, so it must stay an event of its own.
        ssl(-30, '8443', '5', 'U1', 'late.example.com') +
        ssl(-31, '8443', '6', 'U2', 'later.example.com'),
    );
    // Row 7 joins row 6 (same socket, 1 s apart); row 6 must not vanish into the connection.
    expect(r.skips.sort((a, b) => a[0] - b[0])).toEqual([
      [2, 'inspection merged into its connection'],
      [3, 'inspection merged into its connection'],
      [7, 'inspection merged into its connection'],
    ]);
    expect(r.events.map((e) => e.host ?? e.remoteIp).sort()).toEqual([
      '9.9.9.9',
      'late.example.com',
      'two.example.com',
    ]);
  });

  it('flushes events that wait longer than the merge buffer, in order, without losing any', () => {
    let text = H;
    for (let i = 0; i < 10_000; i++) {
      const t = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
      text += row([
        t,
        'd1',
        'pc1',
        'ConnectionSuccess',
        '8.8.8.8',
        '443',
        '',
        '10.0.0.1',
        String(1024 + (i % 60000)),
        '',
        '',
        '',
        '',
        String(i),
        '',
      ]);
    }
    const r = csv(text);
    expect(r.events).toHaveLength(10_000);
    expect(r.events.map((e) => Number(e.eventKey?.split('|')[2]))).toEqual([...Array(10_000).keys()]);
  });
});

describe('defender-csv robustness', () => {
  const alphabet = [
    '"',
    ',',
    '\n',
    '\r\n',
    'a',
    '1',
    ' ',
    '{',
    '}',
    ':',
    'Z',
    'T',
    '-',
    'ConnectionSuccess',
    'SslConnectionInspected',
    '::ffff:',
    '""',
  ];

  it('never throws on random text and accounts for every record', () => {
    const rand = mulberry32(99);
    for (let k = 0; k < 300; k++) {
      let body = '';
      const n = Math.floor(rand() * 200);
      for (let i = 0; i < n; i++) body += alphabet[Math.floor(rand() * alphabet.length)];
      const text = rand() < 0.5 ? PLASO.slice(0, PLASO.indexOf('\n') + 1) + body : body;
      const r = csv(randomSplitPairs(text, rand));
      expect(r.events.length + r.skips.length + r.rejects.length).toBe(csvDataRows(text));
    }
  });

  it('never throws on truncated or mutated real exports and accounts for every record', () => {
    const rand = mulberry32(2023);
    for (let k = 0; k < 60; k++) {
      const base = rand() < 0.5 ? PLASO : SENTINEL;
      let text = base.slice(0, Math.floor(rand() * base.length));
      for (let m = 0; m < 5; m++) {
        const at = Math.floor(rand() * text.length);
        text =
          text.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + text.slice(at + Math.floor(rand() * 3));
      }
      const r = csv(randomSplitPairs(text, rand));
      expect(r.events.length + r.skips.length + r.rejects.length).toBe(csvDataRows(text));
      const lines = [...r.skips, ...r.rejects].map(([l]) => l);
      expect(new Set(lines).size).toBe(lines.length);
    }
  });

  it('accepts empty input and a header alone', () => {
    expect(csv('').log).toEqual([]);
    expect(csv(PLASO.slice(0, PLASO.indexOf('\n'))).log).toEqual([]);
  });
});

describe('defender-csv sniffing', () => {
  it('recognises portal and Sentinel headers, with or without BOM', () => {
    expect(defenderCsvFormat.sniff(PLASO.slice(0, 65536))).toBeGreaterThanOrEqual(0.9);
    expect(defenderCsvFormat.sniff(PLASO_BOM.slice(0, 65536))).toBeGreaterThanOrEqual(0.9);
    expect(defenderCsvFormat.sniff(SENTINEL)).toBeGreaterThanOrEqual(0.9);
  });

  it('declines other text', () => {
    expect(defenderCsvFormat.sniff('')).toBe(0);
    expect(defenderCsvFormat.sniff('ts,uid,id.orig_h,id.orig_p\n1,2,3,4\n')).toBe(0);
    expect(defenderCsvFormat.sniff('{"Timestamp":"x","DeviceId":"y","ActionType":"z"}')).toBe(0);
    expect(defenderCsvFormat.sniff('date,time,s-ip,cs-method\n')).toBe(0);
  });
});

describe('event keys', () => {
  it('write the time as Date#toISOString does, for any time (keys must match across formats and versions)', () => {
    const rand = mulberry32(5);
    const times = [0, 1, 999, 3_599_999, 3_600_000, -1, -86_400_001, 1.5, 253_402_300_799_999, 253_402_300_800_000];
    for (let i = 0; i < 5000; i++) times.push(Math.floor(rand() * 4_102_444_800_000));
    for (let i = 0; i < 200; i++) times.push(1_700_000_000_000 + i * 997); // within a few hours: the cached hour
    for (const t of times) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });

  it('hash device, whole millisecond and ReportId to distinct 53-bit numbers', () => {
    const t = Date.UTC(2024, 0, 1, 12);
    const h = defenderEventHash('d1', t, '7');
    expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
    // 100 ns precision and a ms display precision (Sentinel) of one event agree, as the readable key did.
    expect(defenderEventHash('d1', t + 0.4567, '7')).toBe(h);
    for (const other of [
      defenderEventHash('d2', t, '7'),
      defenderEventHash('d1', t + 1, '7'),
      defenderEventHash('d1', t + 2 ** 32, '7'),
      defenderEventHash('d1', t, '8'),
      defenderEventHash('d17', t, ''),
      defenderEventHash('d', t, '17'),
    ])
      expect(other).not.toBe(h);
    // Near-identical keys, as one busy device's events are: no collision, and low bits (the key set's
    // slot index) spread evenly.
    const seen = new Set<number>();
    const low = new Int32Array(256);
    for (let dev = 0; dev < 20; dev++) {
      for (let i = 0; i < 10_000; i++) {
        const k = defenderEventHash(`device-${dev}`, t + i * 3, String(1000 + (i % 50)));
        seen.add(k);
        low[k & 255]++;
      }
    }
    expect(seen.size).toBe(200_000);
    expect(Math.min(...low)).toBeGreaterThan(600);
    expect(Math.max(...low)).toBeLessThan(970);
  });
});
