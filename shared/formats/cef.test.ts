import { describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../domain/event';
import { cefFormat, parseCef, sentinelCslFormat } from './cef';
import { fortigateFormat } from './fortigate';
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
import type { FormatDefinition } from './types';

const utc = (s: string) => Date.parse(s);

describe('CEF escaping', () => {
  it('unescapes \\| and \\\\ in the header', () => {
    const r = parseCef('CEF:0|Ven\\|dor|Pro\\\\duct|1.0|sig|na\\|me|5|src=1.1.1.1')!;
    expect([r.version, r.vendor, r.product, r.deviceVersion, r.signatureId, r.name, r.severity]).toEqual([
      '0',
      'Ven|dor',
      'Pro\\duct',
      '1.0',
      'sig',
      'na|me',
      '5',
    ]);
    expect(r.ext.get('src')).toBe('1.1.1.1');
  });
  it('unescapes \\= \\\\ \\n \\r in values and ends a value at the next " key="', () => {
    const r = parseCef(
      'CEF:0|v|p|1|s|n|5|msg=a\\=b c\\\\d e\\nf\\rg dst=2.2.2.2 filePath=C:\\\\dir\\\\ act=x cs6=a | b cs6Label=pipes request=http://x/?a=b&c=d suser= dpt=443',
    )!;
    expect(Object.fromEntries(r.ext)).toEqual({
      msg: 'a=b c\\d e\nf\rg',
      dst: '2.2.2.2',
      filePath: 'C:\\dir\\',
      act: 'x',
      cs6: 'a | b',
      cs6Label: 'pipes',
      request: 'http://x/?a=b&c=d',
      suser: '',
      dpt: '443',
    });
  });
  it('keeps an escaped = followed by a space-free word inside the value', () => {
    const r = parseCef('CEF:0|v|p|1|s|n|5|request=http://h/p?abc\\=def msg=Disallow x\\=y z')!;
    expect(r.ext.get('request')).toBe('http://h/p?abc=def');
    expect(r.ext.get('msg')).toBe('Disallow x=y z');
  });
  it('tolerates a leading space, "CEF: 0" and an empty extension', () => {
    expect(parseCef('CEF:0|v|p|1|s|n|5| act=Allowed src=1.2.3.4')!.ext.get('act')).toBe('Allowed');
    expect(parseCef('CEF: 0|Fortinet|Fortigate|v6|1|n|4|a=b')!.version).toBe('0');
    expect(parseCef('CEF:0|v|p|1|s|n|5|')!.ext.size).toBe(0);
    expect(parseCef('CEF:0|v|p|1|s|n|5')!.severity).toBe('5');
    expect(parseCef('CEF:0|v|p|1|s')).toBeNull();
    expect(parseCef('not cef')).toBeNull();
  });
});

describe('CEF against the elastic/beats golden output', () => {
  // beats names extensions by their full CEF names (and writes cn2 as DeviceCustomNumber2)
  const FULL: Record<string, string> = {
    src: 'sourceAddress',
    dst: 'destinationAddress',
    suser: 'sourceUserName',
    duser: 'destinationUserName',
    shost: 'sourceHostName',
    dvchost: 'deviceHostName',
    dvc: 'deviceAddress',
    act: 'deviceAction',
    msg: 'message',
    fname: 'filename',
    fsize: 'fileSize',
    dmac: 'destinationMacAddress',
    smac: 'sourceMacAddress',
    out: 'bytesOut',
    proto: 'transportProtocol',
    spt: 'sourcePort',
    dpt: 'destinationPort',
    cnt: 'baseEventCount',
    request: 'requestUrl',
    suid: 'sourceUserId',
    dlat: 'destinationGeoLatitude',
    dlong: 'destinationGeoLongitude',
    cn1: 'deviceCustomNumber1',
    cn1Label: 'deviceCustomNumber1Label',
    cn2: 'DeviceCustomNumber2',
    cn2Label: 'deviceCustomNumber2Label',
    cn3: 'deviceCustomNumber3',
    cn3Label: 'deviceCustomNumber3Label',
  };
  for (let i = 1; i <= 6; i++) {
    FULL[`cs${i}`] = `deviceCustomString${i}`;
    FULL[`cs${i}Label`] = `deviceCustomString${i}Label`;
  }
  const flatten = (o: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}) => {
    for (const [k, v] of Object.entries(o)) {
      if (v !== null && typeof v === 'object') flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
      else out[prefix + k] = v;
    }
    return out;
  };
  const lines = readFixture('cef/samples.log').trimEnd().split('\n');
  const golden = JSON.parse(readFixture('cef/samples.log.golden.json')) as {
    cef: {
      name: string;
      severity: string;
      device: { vendor: string; product: string };
      extensions?: Record<string, unknown>;
    };
    event: { original: string };
  }[];
  it('has one golden document per line', () => {
    expect(lines.length).toBe(15);
    expect(golden.map((g) => g.event.original)).toEqual(lines);
  });
  lines.forEach((line, i) => {
    it(`line ${i + 1}: header and every extension value`, () => {
      const r = parseCef(line)!;
      const g = golden[i].cef;
      expect([r.vendor, r.product, r.name, r.severity]).toEqual([
        g.device.vendor,
        g.device.product,
        g.name,
        g.severity,
      ]);
      const mine: Record<string, string> = {};
      for (const [k, v] of r.ext) mine[FULL[k] ?? k] = v;
      expect(mine).toEqual(flatten(g.extensions ?? {}));
    });
  });
  it('reports every sample row: no rt means no event time', () => {
    const out = run(cefFormat, readFixture('cef/samples.log'));
    expect(out.events.length).toBe(0);
    expect(out.skips.map((s) => s[0])).toEqual([2, 3, 4, 6, 8, 15]);
    expect(out.rejects.map((s) => s[0])).toEqual([1, 5, 7, 9, 10, 11, 12, 13, 14]);
    expect(new Set(out.rejects.map((r) => r[1]))).toEqual(
      new Set(['no readable event time (rt/start/end or syslog timestamp)']),
    );
  });
  it('maps the network rows once they carry a time', () => {
    const withRt = lines.map((l) => `${l} rt=1678363200000`).join('\n');
    const out = run(cefFormat, withRt);
    expect(out.events.length).toBe(9);
    const byLine = new Map<number, NetworkEvent>();
    const sink = {
      event: (e: NetworkEvent) => byLine.set(cur, e),
      skip() {},
      reject() {},
    };
    let cur = 0;
    const p = cefFormat.open({ timeZone: 'UTC', fileName: 'f', files: [], scratch: new Map() });
    for (const [i, l] of withRt.split('\n').entries()) {
      cur = i + 1;
      p.push(`${l}\n`, sink);
    }
    p.end(sink);
    const tcp = byLine.get(5)!;
    expect(tcp.time).toBe(1678363200000);
    expect([tcp.localIp, tcp.remoteIp, tcp.remotePort, tcp.bytesUp, tcp.bytesDown, tcp.action]).toEqual([
      '192.168.126.150',
      '72.14.204.147',
      80,
      1019, // golden: destination.bytes (beats reads `out` as bytes from the destination; see cef.ts)
      null,
      'allowed',
    ]);
    expect(byLine.get(7)!.action).toBe('blocked'); // act=IDS:Reset
    expect(byLine.get(9)!.host).toBe('example.com'); // request=example.com, no dst
    const citrix = byLine.get(11)!;
    expect([citrix.host, citrix.url, citrix.action, citrix.localIp]).toEqual([
      'vpx247.example.net',
      'http://vpx247.example.net/FFC/login_post.html?abc=def',
      'allowed', // act=not blocked
      '10.217.253.78',
    ]);
    expect(byLine.get(10)!.action).toBe('blocked');
    expect(byLine.get(1)!.remoteIp).toBe('12.121.122.82');
  });
});

describe('CEF vendor variants', () => {
  it('Zscaler NSS CEF: both documented templates, local rt', () => {
    const out = run(cefFormat, readFixture('cef/zscaler-nss-cef.log'), 'America/Los_Angeles');
    expect(out.events.length).toBe(3);
    const [a, b, c] = out.events;
    expect(a).toMatchObject({
      time: utc('2022-06-20T22:29:11Z'), // rt=Jun 20 2022 15:29:11 in Los Angeles (PDT)
      user: 'jdoe@safemarch.com',
      localIp: '172.17.3.49',
      remoteIp: '66.211.175.229',
      host: 'www.ebay.com',
      url: 'www.ebay.com/itm/123?ref=nav',
      bytesUp: 72, // out=reqsize
      bytesDown: 14061, // in=respsize
      action: 'allowed',
    });
    expect(b).toMatchObject({ host: 'casino.example.net', url: 'casino.example.net/play?x=1&y=2', action: 'blocked' });
    // the 5.7 template has no rt: the syslog envelope (no year) is the time
    const d = new Date(c.time);
    expect([d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]).toEqual([6, 20, 22, 30]);
    expect([c.localIp, c.host, c.bytesUp, c.bytesDown]).toEqual(['192.168.7.7', 'www.dropbox.com', 1520, 88211]);
  });
  it('FortiGate CEF matches the same log in key=value form', () => {
    const out = run(cefFormat, readFixture('cef/fortigate-cef.log'));
    expect(out.events.length).toBe(3);
    expect(out.skips).toEqual([[4, 'no destination (not a network transaction)']]);
    const kv = run(fortigateFormat, readFixture('fortigate/fortios-doc-webfilter.log'));
    expect(out.events[0]).toEqual(kv.events[0]);
    expect(out.events[0]).toMatchObject({
      time: 1545938629000,
      user: 'bob', // FortiGate writes the user as duser
      host: 'ambrishsriv.wixsite.com',
      url: 'http://ambrishsriv.wixsite.com/bizsquads',
      bytesUp: 96,
      bytesDown: 0,
      action: 'blocked',
    });
    expect(out.events[1]).toMatchObject({
      time: 1752661924123, // FTNTFGTeventtime in ns
      user: 'alice', // FTNTFGTunauthuser
      bytesUp: 8421,
      bytesDown: 61325,
      remotePort: 443,
      action: 'allowed',
    });
    expect(out.events[2]).toMatchObject({ time: 1752661927000, action: 'blocked', remotePort: 3389 });
  });
  it('Menlo-style CEF: epoch ms, IANA zone in rt, zone-less rt', () => {
    const out = run(cefFormat, readFixture('cef/menlo-cef.log'), 'America/New_York');
    expect(out.events.map((e) => e.time)).toEqual([
      1678363200123,
      utc('2023-03-09T12:00:05Z'), // "Mar 09 2023 13:00:05 Europe/Paris"
      utc('2023-03-09T12:00:09Z'), // "Mar 09 2023 07:00:09" in New York
    ]);
    expect(out.events[0]).toMatchObject({ deviceName: 'CAROL-PC', host: 'docs.google.com', remotePort: 443 });
    expect(out.events[1]).toMatchObject({
      host: 'files.example-share.io',
      bytesUp: 5242880,
      bytesDown: 512,
      action: 'blocked',
    });
    expect(out.events[2]).toMatchObject({ host: 'www.wikipedia.org', remoteIp: null, user: 'dave@contoso.com' });
  });
  it('takes users, hosts and device names from custom string labels', () => {
    const line =
      'CEF:0|Acme|Proxy|1|1|web|1|rt=1678363200000 src=10.0.0.1 cs1=Alice@Contoso.com cs1Label=login cs2=App.Example.COM cs2Label=hostname cs3=PC-1 cs3Label=devicehostname';
    const out = run(cefFormat, line);
    expect(out.events[0]).toMatchObject({ user: 'Alice@Contoso.com', host: 'app.example.com', deviceName: 'PC-1' });
  });
  it('rejects lines that are not CEF and incomplete headers', () => {
    const out = run(cefFormat, 'hello world\nCEF:0|a|b|c\n\n   \nCEF:0|a|b|c|d|e|f|rt=1678363200000 dst=1.2.3.4');
    expect(out.rejects).toEqual([
      [1, 'not a CEF line'],
      [2, 'incomplete CEF header (fewer than 7 fields)'],
    ]);
    expect(out.events.length).toBe(1);
  });
});

describe('Sentinel CommonSecurityLog export', () => {
  it('reads the JSON export (FortiGate and Zscaler rows)', () => {
    const out = run(sentinelCslFormat, readFixture('sentinel/CEF-ZScaler.json'));
    expect(out.rejects).toEqual([]);
    expect(out.events.length).toBe(2);
    expect(out.events[0]).toMatchObject({
      time: utc('2022-03-30T10:52:35.857Z'),
      localIp: '213.252.245.73',
      remoteIp: '192.168.20.58',
      remotePort: 3389,
      host: null,
    });
    expect(out.events[1]).toMatchObject({
      time: utc('2022-03-31T08:18:20.276Z'),
      user: 'benjamin@contoso.com',
      localIp: '192.168.20.44',
      remoteIp: '108.167.132.213',
      host: 'dayvidmarketingdireto.com.br',
      url: 'http://dayvidmarketingdireto.com.br/shii/office-RD117/',
      bytesUp: 307, // SentBytes = CEF out
      bytesDown: 550, // ReceivedBytes = CEF in
      action: 'allowed',
    });
  });
  it('reads the CSV export', () => {
    const out = run(sentinelCslFormat, readFixture('sentinel/commonsecuritylog-export.csv'), 'Asia/Tokyo');
    expect(out.events.length).toBe(2);
    expect(out.skips).toEqual([[4, 'no destination (not a network transaction)']]);
    expect(out.events[1]).toMatchObject({
      time: utc('2022-03-31T13:05:00Z'), // TimeGenerated is UTC whatever the import zone
      host: 'files.example-share.io',
      deviceName: 'WS-OLIVIA',
      action: 'blocked',
      bytesUp: 1200,
      bytesDown: 0,
    });
  });
  it('reads one object per line and reports broken records', () => {
    const text =
      '{"TimeGenerated":"2022-03-31T08:00:00Z","DeviceVendor":"Zscaler","DestinationHostName":"a.example"}\n{"TimeGenerated":"x","DestinationIP":"1.2.3.4"}\n{"broken": \n';
    const out = run(sentinelCslFormat, text);
    expect(out.events.length).toBe(1);
    expect(out.rejects).toEqual([
      [2, 'no readable TimeGenerated'],
      [3, 'truncated JSON record'],
    ]);
  });
});

const CEF_FIXTURES: [string, FormatDefinition][] = [
  ['cef/samples.log', cefFormat],
  ['cef/zscaler-nss-cef.log', cefFormat],
  ['cef/fortigate-cef.log', cefFormat],
  ['cef/menlo-cef.log', cefFormat],
  ['sentinel/CEF-ZScaler.json', sentinelCslFormat],
  ['sentinel/commonsecuritylog-export.csv', sentinelCslFormat],
];

describe('streaming and robustness', () => {
  for (const [file, def] of CEF_FIXTURES) {
    it(`${file}: same result for any chunking`, () => {
      expectSameForAnyChunking(def, readFixture(file), 'Europe/Berlin', true);
    });
    it(`${file}: is recognized`, () => {
      expectRecognizedAs(def.id, readFixture(file));
    });
  }

  it('fuzz: random and truncated input never throws, every line is counted once', () => {
    const rnd = lcg31(42);
    const pieces = [
      'CEF:0|',
      '|',
      '\\',
      '=',
      ' ',
      'rt=',
      'dst=',
      'src=1.2.3.4',
      'request=',
      'http://',
      'Mar 09 2023 ',
      '12:00:00',
      '<14>',
      '\\|',
      '\\=',
      'a',
      '9',
      'dhost=X.',
      '\n',
      '\r\n',
      '"',
      '{',
      '}',
    ];
    const base = CEF_FIXTURES.filter(([f]) => f.startsWith('cef/'))
      .map(([f]) => readFixture(f))
      .join('\n');
    for (let round = 0; round < 300; round++) {
      const text = fuzzSplice(base, pieces, round, rnd, 20, 60);
      const out = run(cefFormat, randomChunks(text, round + 1), 'Europe/Paris');
      const nonBlank = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
      expect(out.events.length + out.skips.length + out.rejects.length).toBe(nonBlank);
      for (const e of out.events) checkEvent(e);
      // JSON reader: never throws, line numbers stay inside the text
      const js = run(sentinelCslFormat, randomChunks(`[${text}`, round + 7));
      const lines = text.split('\n').length;
      for (const [l] of [...js.skips, ...js.rejects]) expect(l >= 1 && l <= lines).toBe(true);
      expect(() => cefFormat.sniff(text) + sentinelCslFormat.sniff(text)).not.toThrow();
    }
  });
});
