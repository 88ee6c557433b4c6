import { describe, expect, it } from 'vitest';
import { DefenderNormalizer } from './defender-common';
import { defenderEventHubFormat } from './defender-eventhub';
import { defenderJsonFormat } from './defender-json';
import { byReport, collectLogged, mulberry32, randomSplit, readFixture } from './testing/harness';

// Readable DeviceId|Timestamp|ReportId keys, so tests can find events by ReportId.
DefenderNormalizer.readableKeys = true;

const ELASTIC = readFixture('defender/elastic/test-device.log');
const ELASTIC_NET = readFixture('defender/elastic/test-device.DeviceNetworkEvents-only.log');
const HUB_NDJSON = readFixture('defender/handmade/eventhub-batches.ndjson');
const HUB_PRETTY = readFixture('defender/handmade/eventhub-batches-pretty.json');

const hub = (chunks: string[] | string) => collectLogged(defenderEventHubFormat, chunks, { fileName: 't.json' });

describe('defender-eventhub on the elastic m365_defender sample (storage export, one record per line)', () => {
  const r = hub(ELASTIC);

  it('accounts for all 31 records: 9 transactions, 22 skipped', () => {
    expect(r.events).toHaveLength(9);
    expect(r.skips).toHaveLength(22);
    expect(r.rejects).toEqual([]);
  });

  it('skips other categories by table name, and inbound or non-transaction network rows', () => {
    const at = new Map(r.skips);
    expect(at.get(1)).toBe('not a network event (DeviceEvents)');
    expect(at.get(2)).toBe('not a network event (DeviceFileCertificateInfo)');
    expect(at.get(7)).toBe('not a network event (DeviceInfo)');
    expect(at.get(10)).toBe('not a network event (DeviceNetworkInfo)');
    expect(at.get(29)).toBe('not a network event (DeviceProcessEvents)');
    expect(at.get(9)).toBe('network signature match');
    expect(at.get(15)).toBe('DNS inspection (feeds host resolution)');
    expect(at.get(16)).toBe('inbound inspection'); // NTLM with direction In
    expect(at.get(21)).toBe('inbound connection');
    expect(at.get(22)).toBe('inbound inspection'); // ICMP with direction In
    expect(at.get(26)).toBe('inbound internet scan');
    // Line 30 repeats line 27's SMTP inspection (same ReportId and Zeek uid, IPs "-").
    expect(at.get(30)).toBe('inspection merged into its connection');
  });

  it('agrees with the elastic pipeline on source IP, destination, host and time', () => {
    // Values from packages/m365_defender/data_stream/event/_dev/test/pipeline/test-device.log-expected.json
    // (elastic/integrations, commit 021d77a8c45b98e1aa36100754b24feda9c7e7fa):
    //   line 14 ConnectionFailed: @timestamp 2023-07-19T12:17:42.778Z, source.ip 89.160.20.112,
    //     destination.ip 175.16.199.0, url.original "subdomain.domain.tld", related.user ["username"]
    //   line 19 ConnectionSuccess: source.ip 89.160.20.112 (port 50830), url.original "url.com",
    //     process.name msoia.exe, related.user ["username"]
    //   line 20 SslConnectionInspected: destination 175.16.199.0:8531, network.direction outbound,
    //     additional_fields.server_name janeslaptop1.corporatedomain
    //   line 16 NtlmAuthenticationInspected: network.direction inbound
    const m = byReport(r.events);
    expect(m.get('110313')).toMatchObject({
      time: Date.parse('2023-07-19T12:17:42.778Z'),
      localIp: '89.160.20.112',
      remoteIp: '175.16.199.0',
      remotePort: 80,
      host: 'subdomain.domain.tld',
      action: 'failed',
      deviceName: 'janeslaptop1.corporatedomain',
    });
    expect(m.get('29293')).toMatchObject({ localIp: '89.160.20.112', host: 'url.com', process: 'msoia.exe' });
    expect(m.get('6694')).toMatchObject({
      remoteIp: '175.16.199.0',
      remotePort: 8531,
      host: 'janeslaptop1.corporatedomain',
    });
    expect(m.has('33108')).toBe(false);
    // Where we differ on purpose: the contract prefers the UPN over the account name elastic shows.
    expect(m.get('110313')?.user).toBe('email@domain');
    expect(m.get('29293')?.user).toBe('email@domain');
  });

  it('reads AdditionalFields given as text or as an object, and user DOMAIN\\name without UPN', () => {
    const m = byReport(r.events);
    expect(m.get('19673')?.host).toBe('www.gstatic.com'); // text, HTTP CONNECT through a proxy on 8080
    expect(m.get('654984')).toMatchObject({ user: 'macbookpro-123\\root', process: 'telemetryd_v2' });
    expect(m.get('654894')).toMatchObject({ remoteIp: '2a02:cf40::', localIp: '2a02:cf40::', user: null });
  });

  it('gives the same events for the network-only extract', () => {
    const only = hub(ELASTIC_NET);
    expect(only.events.map((e) => JSON.stringify(e))).toEqual(r.events.map((e) => JSON.stringify(e)));
    expect(only.events.length + only.skips.length + only.rejects.length).toBe(17);
    expect(only.skips.filter(([, why]) => why.startsWith('not a network event'))).toEqual([]);
  });

  it('gives the same result for any chunking', () => {
    const rand = mulberry32(31);
    for (let k = 0; k < 40; k++) expect(hub(randomSplit(ELASTIC, rand, 30)).log).toEqual(r.log);
  });
});

describe('defender-eventhub on {"records":[...]} batches', () => {
  const r = hub(HUB_NDJSON);

  it('reads batches one per line, numbering records through the file', () => {
    expect(r.events).toHaveLength(3);
    expect(r.skips).toEqual([
      [2, 'inspection merged into its connection'],
      [3, 'not a network event (DeviceProcessEvents)'],
      [4, 'DNS inspection (feeds host resolution)'],
      [7, 'inbound connection'],
      [8, 'not a network event (DeviceInfo)'],
    ]);
    expect(r.rejects).toEqual([]);
  });

  it('merges the HTTP inspection into its connection: host and bytes', () => {
    expect(byReport(r.events).get('5101')).toMatchObject({
      host: 'downloads.example.com',
      bytesUp: 512,
      bytesDown: 48213,
      user: 'dana@contoso.com',
      process: 'curl',
    });
  });

  it('names a connection from an earlier DNS answer and unmaps IPv4-mapped addresses', () => {
    const m = byReport(r.events);
    expect(m.get('5202')?.host).toBe('api.box.com');
    expect(m.get('5203')).toMatchObject({
      action: 'failed',
      remoteIp: '198.51.100.23',
      localIp: '10.1.0.15',
      host: 'upload.example.net',
      url: 'https://upload.example.net',
    });
  });

  it('reads pretty-printed concatenated batches the same way', () => {
    expect(hub(HUB_PRETTY).log).toEqual(r.log);
    const rand = mulberry32(8);
    for (let k = 0; k < 30; k++) expect(hub(randomSplit(HUB_PRETTY, rand, 30)).log).toEqual(r.log);
    for (let k = 0; k < 30; k++) expect(hub(randomSplit(HUB_NDJSON, rand, 30)).log).toEqual(r.log);
  });

  it('reads a bare array of records too', () => {
    const docs = HUB_NDJSON.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { records: unknown[] });
    const arr = JSON.stringify(docs.flatMap((d) => d.records));
    expect(hub(arr).log).toEqual(r.log);
  });

  it('never throws on truncated batches', () => {
    const rand = mulberry32(77);
    for (let k = 0; k < 100; k++) {
      const src = k % 2 === 0 ? HUB_PRETTY : ELASTIC;
      const text = src.slice(0, Math.floor(rand() * src.length));
      expect(hub(randomSplit(text, rand, 30)).log).toEqual(hub(text).log);
    }
  });
});

describe('defender-eventhub sniffing', () => {
  it('recognises the streaming shapes and leaves plain exports to defender-json', () => {
    expect(defenderEventHubFormat.sniff(ELASTIC.slice(0, 65536))).toBeGreaterThanOrEqual(0.9);
    expect(defenderEventHubFormat.sniff(HUB_PRETTY.slice(0, 65536))).toBeGreaterThanOrEqual(0.9);
    expect(defenderJsonFormat.sniff(HUB_PRETTY.slice(0, 65536))).toBeLessThan(defenderEventHubFormat.sniff(HUB_PRETTY));
    const plain =
      '[{"Timestamp":"2024-01-01T00:00:00Z","DeviceId":"d","ActionType":"ConnectionSuccess","RemoteIP":"1.1.1.1"}]';
    expect(defenderEventHubFormat.sniff(plain)).toBe(0);
    expect(defenderEventHubFormat.sniff('Timestamp,DeviceId\n')).toBe(0);
  });
});
