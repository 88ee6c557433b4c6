// The aggregated-facts formats: recognised by their header, rows read into weighted
// events or rejected with a reason, every JSON shape of the query's result, fuzzed.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../domain/event';
import { FACT_COLUMNS } from '../kql/query';
import { factsCsvFormat } from './facts-csv';
import { factsJsonFormat } from './facts-json';
import { registerBuiltinFormats } from './index';
import { detectFormat } from './registry';
import type { FormatDefinition, ParseContext } from './types';

const ctx: ParseContext = { timeZone: 'UTC', fileName: 'x', files: [], scratch: new Map() };

interface Out {
  events: NetworkEvent[];
  skipped: { line: number; reason: string }[];
  rejected: { line: number; reason: string }[];
}

function parse(format: FormatDefinition, text: string, chunk = 7): Out {
  const out: Out = { events: [], skipped: [], rejected: [] };
  const sink = {
    event: (e: NetworkEvent) => out.events.push(e),
    skip: (line: number, reason: string) => out.skipped.push({ line, reason }),
    reject: (line: number, reason: string) => out.rejected.push({ line, reason }),
  };
  const p = format.open(ctx);
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk), sink);
  p.end(sink);
  return out;
}

const HEADER = FACT_COLUMNS.join(',');
const GOOD =
  '2026-03-02T10:00:00.0000000Z,abc123,ws-0001.contoso.local,ada1@contoso.com,10.1.1.10,github.com,12,2,1500,,2026-03-02T10:01:02.1234567Z,2026-03-02T10:59:00.9999999Z';

beforeAll(() => registerBuiltinFormats());

describe('facts CSV', () => {
  it('is recognised by the slice query header, also with Sentinel "[UTC]" headers, and wins over Defender CSV', () => {
    expect(detectFormat(`${HEADER}\r\n${GOOD}\r\n`).format?.id).toBe('facts-csv');
    const sentinel = FACT_COLUMNS.map((c) => (c === 'Hour' || c.endsWith('Seen') ? `${c} [UTC]` : c)).join(',');
    expect(factsCsvFormat.sniff(sentinel)).toBe(0.99);
    expect(factsCsvFormat.sniff('FirstSeen,LastSeen,Host,DeviceId,Transactions')).toBe(0.9);
    expect(factsCsvFormat.sniff('Hour,DeviceId,Host,Transactions')).toBe(0);
    const defender = readFileSync('shared/formats/fixtures/defender/plaso/advanced_hunting_test.csv', 'utf8');
    expect(factsCsvFormat.sniff(defender)).toBe(0);
    expect(detectFormat(defender).format?.id).toBe('defender-csv');
  });

  it('reads a row as one event weighing its count, with its first and last seen', () => {
    const { events, rejected } = parse(factsCsvFormat, `${HEADER}\r\n${GOOD}\r\n`);
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e).toMatchObject({
      time: Date.UTC(2026, 2, 2, 10, 1, 2, 123),
      deviceId: 'abc123',
      deviceName: 'ws-0001.contoso.local',
      user: 'ada1@contoso.com',
      localIp: '10.1.1.10',
      host: 'github.com',
      remoteIp: null,
      bytesUp: 1500,
      bytesDown: null,
      aggregate: {
        count: 12,
        blocked: 2,
        firstSeen: Date.UTC(2026, 2, 2, 10, 1, 2, 123),
        lastSeen: Date.UTC(2026, 2, 2, 10, 59, 0, 999),
      },
    });
  });

  it('takes an IP in Host as the remote address, and columns in any order', () => {
    const text =
      'Transactions,Host,LastSeen,FirstSeen,DeviceName,Account,LocalIP\n3,::FFFF:198.51.100.7,2026-03-02T10:05:00Z,2026-03-02T10:00:01Z,PC01,,\n';
    const { events, rejected } = parse(factsCsvFormat, text);
    expect(rejected).toEqual([]);
    expect(events[0]).toMatchObject({
      host: null,
      remoteIp: '198.51.100.7',
      deviceId: null,
      deviceName: 'PC01',
      user: null,
    });
    expect(events[0].aggregate?.count).toBe(3);
    expect(events[0].eventKey).toContain('pc01');
  });

  it('rejects rows that cannot be one hour of facts, with the line and why', () => {
    const rows = [
      GOOD.replace(',12,2,', ',0,0,'),
      GOOD.replace(',12,2,', ',1.5,0,'),
      GOOD.replace(',12,2,', ',3,4,'),
      GOOD.replace('2026-03-02T10:59:00.9999999Z', '2026-03-02T11:00:00.0000000Z'),
      GOOD.replace('2026-03-02T10:59:00.9999999Z', '2026-03-02T10:00:00.0000000Z'),
      GOOD.replace('2026-03-02T10:00:00.0000000Z', '2026-03-02T09:00:00.0000000Z'),
      GOOD.replace('2026-03-02T10:01:02.1234567Z', 'yesterday'),
      GOOD.replace('abc123,ws-0001.contoso.local', ','),
      GOOD.replace('github.com', 'not a host!'),
      GOOD.replace(',1500,', ',-5,'),
      `${GOOD},extra`,
    ];
    const { events, rejected } = parse(factsCsvFormat, `${HEADER}\n${rows.join('\n')}\n`);
    expect(events).toEqual([]);
    expect(rejected.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(rejected.map((r) => r.reason)).toEqual([
      'Transactions is not a whole number of 1 or more',
      'Transactions is not a whole number of 1 or more',
      'Blocked is not a whole number between 0 and Transactions',
      'FirstSeen and LastSeen are not in order within one hour',
      'FirstSeen and LastSeen are not in order within one hour',
      'FirstSeen is not within the row’s Hour',
      'unreadable FirstSeen or LastSeen',
      'no DeviceId or DeviceName',
      'Host is neither a hostname nor an IP address',
      'BytesUp or BytesDown is not a number of 0 or more',
      '13 fields, the header has 12',
    ]);
  });

  it('reads the US display dates of a Sentinel export', () => {
    const text = `Hour [UTC],DeviceId,Host,Transactions,FirstSeen [UTC],LastSeen [UTC]\n"3/2/2026, 10:00:00.000 AM",d1,example.org,2,"3/2/2026, 10:15:00.250 AM","3/2/2026, 10:45:00.000 AM"\n`;
    const { events, rejected } = parse(factsCsvFormat, text);
    expect(rejected).toEqual([]);
    expect(events[0].aggregate).toEqual({
      count: 2,
      blocked: 0,
      firstSeen: Date.UTC(2026, 2, 2, 10, 15, 0, 250),
      lastSeen: Date.UTC(2026, 2, 2, 10, 45),
    });
  });
});

describe('facts JSON', () => {
  const obj = {
    Hour: '2026-03-02T10:00:00Z',
    DeviceId: 'abc123',
    DeviceName: 'ws-0001.contoso.local',
    Account: 'contoso\\ada',
    LocalIP: '10.1.1.10',
    Host: 'GitHub.com.',
    Transactions: 5,
    Blocked: 0,
    BytesUp: null,
    BytesDown: 42,
    FirstSeen: '2026-03-02T10:00:05Z',
    LastSeen: '2026-03-02T10:10:00Z',
  };

  it('reads arrays, NDJSON, the hunting API answers and the Log Analytics answer alike', () => {
    const shapes = [
      JSON.stringify([obj, obj]),
      `${JSON.stringify(obj)}\n${JSON.stringify(obj)}\n`,
      JSON.stringify({ Schema: [], Results: [obj, obj] }),
      JSON.stringify({ schema: [], results: [obj, obj] }),
      JSON.stringify({
        tables: [
          {
            name: 'PrimaryResult',
            columns: Object.keys(obj).map((name) => ({ name, type: 'string' })),
            rows: [Object.values(obj), Object.values(obj)],
          },
        ],
      }),
    ];
    for (const text of shapes) {
      expect(detectFormat(text).format?.id).toBe('facts-json');
      const { events, rejected } = parse(factsJsonFormat, text, 13);
      expect(rejected).toEqual([]);
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ host: 'github.com', user: 'contoso\\ada', bytesUp: null, bytesDown: 42 });
      expect(events[0].aggregate?.count).toBe(5);
    }
  });

  it('rejects what is not a row object', () => {
    const { events, rejected } = parse(factsJsonFormat, JSON.stringify([obj, 3, { ...obj, Transactions: 'many' }]));
    expect(events).toHaveLength(1);
    expect(rejected).toEqual([
      { line: 2, reason: 'not a JSON object' },
      { line: 3, reason: 'Transactions is not a whole number of 1 or more' },
    ]);
  });
});

describe('fuzz', () => {
  // Seeded so a failure reproduces.
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const alphabet = `,"\n\r{}[]:0123456789abcdefT-Z. ${HEADER}`;

  it('never throws and accounts for every row, on random and truncated input', () => {
    const base = `${HEADER}\n${GOOD}\n${GOOD.replace('github.com', '10.0.0.1')}\n`;
    const json = JSON.stringify([
      {
        Hour: '2026-03-02T10:00:00Z',
        DeviceId: 'd',
        Host: 'a.b',
        Transactions: 1,
        FirstSeen: '2026-03-02T10:00:00Z',
        LastSeen: '2026-03-02T10:00:00Z',
      },
    ]);
    for (let i = 0; i < 300; i++) {
      const cut = base.slice(0, Math.floor(rnd() * base.length));
      let noise = '';
      for (let k = 0; k < 60; k++) noise += alphabet[Math.floor(rnd() * alphabet.length)];
      for (const text of [cut, `${HEADER}\n${noise}`, json.slice(0, Math.floor(rnd() * json.length)), noise]) {
        for (const f of [factsCsvFormat, factsJsonFormat]) {
          expect(() => parse(f, text, 1 + Math.floor(rnd() * 9))).not.toThrow();
          expect(() => f.sniff(text)).not.toThrow();
        }
      }
    }
    // Two good rows and one truncated: two events and one rejection, nothing lost.
    const { events, rejected } = parse(factsCsvFormat, `${base}2026-03-02T10:00:00Z,d`);
    expect(events.length + rejected.length).toBe(3);
  });
});
