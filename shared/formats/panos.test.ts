import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../domain/event';
import { cefFormat, sentinelCslFormat } from './cef';
import { fortigateFormat } from './fortigate';
import { panosFormat, splitCsvLine } from './panos';
import type { FormatDefinition } from './types';
import { zscalerNssFormat } from './zscaler';

const DIR = 'shared/formats/fixtures/';
const read = (f: string) => readFileSync(DIR + f, 'utf8');
const utc = (s: string) => Date.parse(s);

interface Out {
  events: NetworkEvent[];
  skips: [number, string][];
  rejects: [number, string][];
}

function run(def: FormatDefinition, chunks: string[] | string, timeZone = 'UTC'): Out {
  const out: Out = { events: [], skips: [], rejects: [] };
  const sink = {
    event: (e: NetworkEvent) => out.events.push(e),
    skip: (l: number, r: string) => out.skips.push([l, r]),
    reject: (l: number, r: string) => out.rejects.push([l, r]),
  };
  const p = def.open({ timeZone, fileName: 'f', files: [], scratch: new Map() });
  for (const c of typeof chunks === 'string' ? [chunks] : chunks) p.push(c, sink);
  p.end(sink);
  return out;
}

/** Splits text at pseudo-random points (seeded, reproducible). */
function randomChunks(text: string, seed: number): string[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = 1 + Math.floor(rnd() * 40);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Invariants every event must satisfy. */
function checkEvent(e: NetworkEvent): void {
  expect(Number.isFinite(e.time)).toBe(true);
  if (e.host !== null) {
    expect(e.host).toBe(e.host.toLowerCase());
    expect(e.host.endsWith('.')).toBe(false);
    expect(e.host.length).toBeGreaterThan(0);
  }
  expect(e.host !== null || e.remoteIp !== null).toBe(true);
  for (const n of [e.bytesUp, e.bytesDown, e.remotePort])
    if (n !== null) expect(Number.isInteger(n) && n >= 0).toBe(true);
  for (const s of [e.user, e.localIp, e.remoteIp, e.url, e.deviceName, e.process])
    if (s !== null) expect(s.length).toBeGreaterThan(0);
}

interface Expected {
  '@timestamp': string;
  source: { ip: string; port: number; bytes?: number; user?: { name: string } };
  destination: { ip: string; port: number; bytes?: number; domain?: string };
  url?: { original: string; domain: string };
  event: { timezone: string };
}

describe('PAN-OS TRAFFIC against Elastic expected output', () => {
  const expected = JSON.parse(read('panos/test-panw-panos-traffic-sample.log-expected.first2.json'))
    .expected as Expected[];
  // Elastic ran these with the firewall in America/New_York
  const out = run(panosFormat, read('panos/test-panw-panos-traffic-sample.first2.log'), 'America/New_York');
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
    expect(run(panosFormat, read('panos/test-panw-panos-traffic-sample.first2.log')).events[0].time).toBe(
      utc('2018-11-30T16:09:07Z'),
    );
  });
});

describe('PAN-OS THREAT/url against Elastic expected output', () => {
  const [d] = JSON.parse(read('panos/test-panw-panos-threat-url-no-xff-sample.log-expected.json'))
    .expected as Expected[];
  it('maps the URL to host, no bytes', () => {
    expect(d.event.timezone).toBe('+09:30');
    const out = run(panosFormat, read('panos/test-panw-panos-threat-url-no-xff-sample.log'), 'Australia/Darwin'); // +09:30, no DST
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
    const out = run(panosFormat, read('panos/test-panw-panos-traffic-sample.head.log'));
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
    const out = run(panosFormat, read('panos/constructed-variants.log'), 'America/Chicago');
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
    const out = run(panosFormat, read('panos/webui-traffic-export.csv'));
    const syslog = run(panosFormat, read('panos/test-panw-panos-traffic-sample.head.log'));
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
      const text = read(file);
      const whole = run(panosFormat, text, 'Europe/Berlin');
      for (let seed = 1; seed <= 25; seed++)
        expect(run(panosFormat, randomChunks(text, seed), 'Europe/Berlin')).toEqual(whole);
      expect(run(panosFormat, text.replace(/\n/g, '\r\n'), 'Europe/Berlin')).toEqual(whole);
      for (const e of whole.events) checkEvent(e);
    });
    it(`${file}: is recognized as PAN-OS`, () => {
      const head = read(file).slice(0, 65536);
      const all = [cefFormat, sentinelCslFormat, zscalerNssFormat, panosFormat, fortigateFormat];
      const best = all.map((f) => ({ id: f.id, s: f.sniff(head) })).sort((a, b) => b.s - a.s)[0];
      expect(best.id).toBe('panos');
      expect(best.s).toBeGreaterThan(0.5);
    });
  }
  it('fuzz: random and truncated input never throws, every line is counted once', () => {
    let seed = 99;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
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
    const base = read('panos/test-panw-panos-traffic-sample.head.log') + read('panos/constructed-variants.log');
    for (let round = 0; round < 300; round++) {
      let text: string;
      if (round % 3 === 0) text = base.slice(0, Math.floor(rnd() * base.length));
      else if (round % 3 === 1) {
        const a = Math.floor(rnd() * base.length);
        text = base.slice(0, a) + pieces[Math.floor(rnd() * pieces.length)] + base.slice(a + Math.floor(rnd() * 30));
      } else {
        text = '';
        for (let k = 0; k < 80; k++) text += pieces[Math.floor(rnd() * pieces.length)];
      }
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
