// A Defender CSV read with scan workers (here: channels that scan on this thread, in their own
// reader objects, exactly as a worker would) reports the same events, skips and rejections, in the
// same order and with the same line numbers, as one reader of the whole text — however the file
// is cut, with quoted line breaks, CRLF, a BOM, multi-byte characters, DNS answers and inspections
// that merge across the cuts.
import { describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../domain/event';
import { CsvKernel } from './csv-kernel';
import { type DefenderCsvParser, defenderCsvFormat } from './defender-csv';
import { channelOf, inThreadChannel, readDefenderCsvInParts, type ScanChannel } from './defender-parts';
import { oneBytePartDecoder, type PartDecoder } from './part-text';
import { collectLogged, mulberry32, readFixture } from './testing/harness';
import type { ParseSink } from './types';

const HEADER = [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'RemoteIP',
  'RemotePort',
  'RemoteUrl',
  'LocalIP',
  'LocalPort',
  'Protocol',
  'InitiatingProcessFileName',
  'InitiatingProcessCommandLine',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountUpn',
  'ReportId',
  'AdditionalFields',
];

const q = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** A seeded export: mostly time-descending, with the row kinds the normaliser treats differently. */
/** `dates`: as the portal writes them; to the second; or as a day-first locale writes them (to the second). */
function makeCsv(
  seed: number,
  rows: number,
  crlf: boolean,
  bom: boolean,
  delim = ',',
  dates: 'portal' | 'seconds' | 'day-first' = 'portal',
): string {
  const dayFirst = dates === 'day-first';
  const rnd = mulberry32(seed);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const devices = ['dev-a', 'dev-b', 'dev-ç', 'dev-d'];
  const ips = ['20.1.1.1', '20.1.1.2', '52.9.9.9', '2001:db8::1', '13.107.6.152'];
  const hosts = ['', '', 'teams.microsoft.com', 'www.dropbox.com', '例え.jp', 'mega.nz'];
  // Dates to the second start on a day a month cannot be (as most days are): a day-first export can tell.
  let t = Date.UTC(2026, 9, dates === 'portal' ? 1 : 20, 12);
  const out: string[] = [HEADER.join(delim)];
  let lastConn: string[] | null = null;
  for (let i = 0; i < rows; i++) {
    t -= Math.floor(rnd() * 4000);
    if (rnd() < 0.01) t += 200_000; // out of order now and then
    const iso = new Date(t).toISOString();
    // As a day-first locale writes it (to the second), or as the portal does.
    const ts = dayFirst
      ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 19)}`
      : dates === 'seconds'
        ? `${iso.slice(0, 19)}Z`
        : iso.replace('Z', '0000Z');
    const dev = pick(devices);
    const r = rnd();
    let row: string[];
    const lport = String(40000 + Math.floor(rnd() * 50));
    const rip = pick(ips);
    const cmd = rnd() < 0.05 ? q(`powershell -c "Get-Item",\n  x${i}`) : rnd() < 0.3 ? q('a, "b"') : 'proc.exe -x';
    if (r < 0.55) {
      row = [
        ts,
        dev,
        `${dev}.contoso.com`,
        pick(['ConnectionSuccess', 'ConnectionFailed', 'ConnectionAttempt']),
        rip,
        '443',
        pick(hosts),
        '10.0.0.5',
        lport,
        'Tcp',
        'chrome.exe',
        cmd,
        'alice',
        'alice@contoso.com',
        String(i),
        '',
      ];
      lastConn = row;
    } else if (r < 0.7 && lastConn) {
      // An inspection of the previous connection's socket, a second or so later or earlier.
      const af = JSON.stringify({
        direction: 'Out',
        server_name: pick(hosts) || 'files.example.org',
        uid: `C${i % 7}`,
      });
      row = [
        ts,
        lastConn[1],
        lastConn[2],
        pick(['SslConnectionInspected', 'HttpConnectionInspected']),
        lastConn[4],
        lastConn[5],
        '',
        lastConn[7],
        lastConn[8],
        'Tcp',
        '',
        '',
        '',
        '',
        String(i),
        q(af),
      ];
    } else if (r < 0.8) {
      const af = JSON.stringify({ direction: 'Out', query: 'cdn.example.net', answers: [rip, 'cname.example.net'] });
      row = [
        ts,
        dev,
        `${dev}.contoso.com`,
        'DnsConnectionInspected',
        '10.0.0.1',
        '53',
        '',
        '10.0.0.5',
        lport,
        'Udp',
        '',
        '',
        '',
        '',
        String(i),
        q(af),
      ];
    } else if (r < 0.86) {
      row = [
        ts,
        dev,
        dev,
        'InboundConnectionAccepted',
        rip,
        '50000',
        '',
        '10.0.0.5',
        '443',
        'Tcp',
        'svc.exe',
        '',
        'system',
        '',
        String(i),
        '',
      ];
    } else if (r < 0.9) {
      row = [ts, dev, dev, 'FileCreated', '', '', '', '', '', '', 'x.exe', '', '', '', String(i), ''];
    } else if (r < 0.93) {
      row = [ts, dev, dev, 'ConnectionSuccess', rip, '443', ''].concat(['only', 'seven']); // wrong field count
    } else if (r < 0.95) {
      row = ['not a time', dev, dev, 'ConnectionSuccess', rip, '443', '', '', '', '', '', '', '', '', String(i), ''];
    } else if (r < 0.97) {
      row = [
        ts,
        dev,
        dev,
        'ConnectionSuccess',
        rip,
        '443',
        pick(hosts),
        '10.0.0.5',
        lport,
        'Tcp',
        'é.exe',
        '',
        'bob',
        '',
        String(i),
        q(JSON.stringify({ action: 'Blocked' })),
      ];
    } else {
      out.push(''); // a blank line
      continue;
    }
    out.push(row.join(delim));
  }
  const eol = crlf ? '\r\n' : '\n';
  return (bom ? '\ufeff' : '') + out.join(eol) + (rnd() < 0.5 ? eol : '');
}

function chunksOf(bytes: Uint8Array, rnd: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(rnd() * 700);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

async function* iterate(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/**
 * A sink writing what it is told to `log`. A transient one keeps no event (as the import's), and counts
 * the events it is handed again: objects the normaliser filled once more after an earlier event.
 */
function loggingSink(transient = false): ParseSink & { log: string[]; reused: number } {
  const seen = new WeakSet<NetworkEvent>();
  const sink = {
    transient,
    log: [] as string[],
    reused: 0,
    event: (e: NetworkEvent) => {
      if (seen.has(e)) sink.reused++;
      seen.add(e);
      sink.log.push(`E ${JSON.stringify(e)}`);
    },
    skip: (l: number, r: string) => sink.log.push(`S ${l} ${r}`),
    reject: (l: number, r: string) => sink.log.push(`R ${l} ${r}`),
  };
  return sink;
}

async function inParts(
  text: string | Uint8Array,
  seed: number,
  workers: number,
  stats = { fromWorkers: 0, readHere: 0 },
  make: () => ScanChannel[] = () => Array.from({ length: workers }, () => inThreadChannel()),
  readyTimeoutMs?: number,
  sink = loggingSink(),
  partDecoder?: PartDecoder,
  kernel: (() => CsvKernel) | null = null,
): Promise<string[]> {
  const rnd = mulberry32(seed);
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  // The file's head, as the import gives it to its parser.
  const head = new TextDecoder().decode(bytes.subarray(0, 64 << 10));
  const parser = defenderCsvFormat.open({
    timeZone: 'UTC',
    fileName: 'f',
    files: [{ name: 'f', formatId: 'defender-csv', head }],
    scratch: new Map(),
  });
  const channels = make();
  const partBytes = 64 + Math.floor(rnd() * 3000);
  const firstBytes = 16 + Math.floor(rnd() * 2000);
  for await (const _ of readDefenderCsvInParts(
    iterate(chunksOf(bytes, rnd)),
    parser as DefenderCsvParser,
    sink,
    channels,
    {
      partBytes,
      firstBytes,
      depth: 1 + Math.floor(rnd() * 3),
      stats,
      readyTimeoutMs,
      partDecoder,
      kernel: kernel ?? undefined,
    },
  ));
  parser.end(sink);
  return sink.log;
}

/** A worker whose script cannot start: it fails before answering anything. */
function deadChannel(): ScanChannel {
  const ch: ScanChannel = {
    onReply: null,
    onError: null,
    post() {
      setTimeout(() => ch.onError?.(new Error('cannot load the scan worker')), 0);
    },
    close() {},
  };
  return ch;
}

/** One character per byte, and whether all bytes are ASCII (what `analyze`'s part decoder does natively). */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}
const ascii = (b: Uint8Array) => b.every((x) => x < 0x80);

describe('Defender CSV read in parts by scan workers', () => {
  it('leaves out a worker that fails to start, and reads alone when none starts', async () => {
    const text = makeCsv(77, 600, false, true);
    const whole = collectLogged(defenderCsvFormat, text).log;
    const some = { fromWorkers: 0, readHere: 0 };
    expect(await inParts(text, 3, 0, some, () => [deadChannel(), inThreadChannel()])).toEqual(whole);
    expect(some.fromWorkers).toBeGreaterThan(0);
    const none = { fromWorkers: 0, readHere: 0 };
    expect(await inParts(text, 3, 0, none, () => [deadChannel()])).toEqual(whole);
    expect(none).toEqual({ fromWorkers: 0, readHere: 0 });
    // One that never answers at all is given up on after the timeout.
    const silent: ScanChannel = { onReply: null, onError: null, post() {}, close() {} };
    const quiet = { fromWorkers: 0, readHere: 0 };
    expect(await inParts(text, 3, 0, quiet, () => [silent, inThreadChannel()], 50)).toEqual(whole);
    expect(quiet.fromWorkers).toBeGreaterThan(0);
  });

  it('fails the read when a worker dies holding parts', async () => {
    const text = makeCsv(78, 600, false, false);
    const dying = (): ScanChannel => {
      const ch = inThreadChannel();
      const post = ch.post;
      ch.post = (msg, transfer) => {
        if (msg.t === 'part') setTimeout(() => ch.onError?.(new Error('scan worker crashed')), 0);
        else post(msg, transfer);
      };
      return ch;
    };
    await expect(inParts(text, 4, 0, undefined, () => [dying()])).rejects.toThrow('scan worker crashed');
  });

  it('reports exactly what one reader reports, on generated exports cut anywhere', async () => {
    for (let seed = 1; seed <= 24; seed++) {
      const text = makeCsv(seed, 400, seed % 3 === 0, seed % 2 === 0);
      const whole = collectLogged(defenderCsvFormat, text).log;
      expect(whole.some((l) => l.startsWith('E '))).toBe(true);
      const stats = { fromWorkers: 0, readHere: 0 };
      const parts = await inParts(text, seed * 31, 1 + (seed % 3), stats);
      expect(parts, `seed ${seed}`).toEqual(whole);
      expect(stats.fromWorkers, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('reports the same to a sink that keeps no events, which gets the same objects filled again', async () => {
    // Over MERGE_BUFFER rows: these exports step back in time now and then, so events wait until the buffer is full.
    for (let seed = 1; seed <= 3; seed++) {
      const text = makeCsv(seed, 10_000, seed % 3 === 0, seed % 2 === 0);
      const whole = collectLogged(defenderCsvFormat, text).log;
      const alone = loggingSink(true);
      const parser = defenderCsvFormat.open({ timeZone: 'UTC', fileName: 'f', files: [], scratch: new Map() });
      parser.push(text, alone);
      parser.end(alone);
      expect(alone.log, `seed ${seed}`).toEqual(whole);
      expect(alone.reused, `seed ${seed}`).toBeGreaterThan(0);
      const helped = loggingSink(true);
      expect(await inParts(text, seed * 7, 2, undefined, undefined, undefined, helped), `seed ${seed}`).toEqual(whole);
      expect(helped.reused, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('gives a sink that keeps its events a new object for every event', async () => {
    const kept = loggingSink();
    await inParts(makeCsv(5, 600, false, false), 9, 2, undefined, undefined, undefined, kept);
    expect(kept.log.some((l) => l.startsWith('E '))).toBe(true);
    expect(kept.reused).toBe(0);
  });

  it('scans later parts itself while a slow worker holds the next one, and reports the same', async () => {
    const slow = (): ScanChannel => {
      const inner = inThreadChannel();
      const outer = channelOf(
        (msg, transfer) => inner.post(msg, transfer),
        () => inner.close(),
      );
      // Its replies come 20 ms late: the reader would wait for every part.
      inner.onReply = (r) => setTimeout(() => outer.onReply?.(r), 20);
      return outer;
    };
    for (const seed of [21, 22]) {
      const text = makeCsv(seed, 1500, seed % 2 === 0, true);
      const whole = collectLogged(defenderCsvFormat, text).log;
      const stats = { fromWorkers: 0, readHere: 0, scannedHere: 0 };
      expect(await inParts(text, seed, 1, stats, () => [slow()]), `seed ${seed}`).toEqual(whole);
      expect(stats.fromWorkers, `seed ${seed}`).toBeGreaterThan(0);
      expect(stats.scannedHere, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('merges an inspection into its connection when a cut falls between them', async () => {
    const text = makeCsv(99, 3000, false, false);
    const whole = collectLogged(defenderCsvFormat, text).log;
    const merged = whole.filter((l) => l.includes('inspection merged')).length;
    expect(merged).toBeGreaterThan(50);
    for (const seed of [5, 6, 7]) expect(await inParts(text, seed, 2)).toEqual(whole);
  });

  it('reads parts one byte per character (as analyze does) as it reads them decoded, malformed UTF-8 included', async () => {
    const enc = new TextEncoder();
    // User names with multi-byte characters, and byte sequences no UTF-8 decoder reads as written: a lead
    // byte before a delimiter, a cut 3-byte sequence, a lone continuation byte, a BOM inside the file.
    const users = [
      enc.encode('Zoë'),
      enc.encode('Łukasz 例'),
      new Uint8Array([0x61, 0xc3]),
      new Uint8Array([0xe4, 0xbd, 0x61]),
      new Uint8Array([0x80, 0x62]),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x63]),
      enc.encode('alice'),
    ];
    const needle = enc.encode(',alice,alice@contoso.com,');
    const domain = enc.encode('@contoso.com');
    for (let seed = 1; seed <= 8; seed++) {
      const rnd = mulberry32(seed * 101);
      const src = enc.encode(makeCsv(seed, 400, seed % 3 === 0, seed % 2 === 0));
      const out: number[] = [];
      for (let i = 0; i < src.length; i++) {
        if (src[i] === 0x2c && needle.every((b, k) => src[i + k] === b)) {
          // The account name and UPN (the user the normaliser reports), or the name alone.
          const u = users[Math.floor(rnd() * users.length)];
          out.push(0x2c, ...u, 0x2c);
          if (rnd() < 0.7) out.push(...u, ...domain);
          out.push(0x2c);
          i += needle.length - 1;
        } else out.push(src[i]);
      }
      const bytes = new Uint8Array(out);
      const whole = collectLogged(defenderCsvFormat, new TextDecoder().decode(bytes)).log;
      expect(
        whole.some((l) => l.includes('\ufffd')),
        `seed ${seed}`,
      ).toBe(true);
      expect(
        whole.some((l) => l.includes('Zoë')),
        `seed ${seed}`,
      ).toBe(true);
      // Parts in pieces of ~one line (records of quoted line breaks span pieces), or whole.
      const piece = 40 + seed * 20;
      // With the WebAssembly record kernel too, as `analyze` reads parts (csv-kernel.ts).
      for (const kernel of [null, () => new CsvKernel()])
        for (const decoder of [oneBytePartDecoder(latin1, null, piece), oneBytePartDecoder(latin1, ascii)]) {
          const stats = { fromWorkers: 0, readHere: 0 };
          const make = () => [inThreadChannel(decoder, kernel), inThreadChannel(decoder, kernel)];
          const parts = await inParts(bytes, seed * 7, 2, stats, make, undefined, loggingSink(), decoder, kernel);
          expect(parts, `seed ${seed}`).toEqual(whole);
          expect(stats.fromWorkers, `seed ${seed}`).toBeGreaterThan(0);
        }
    }
  });

  it('reads an export a spreadsheet saved with `;` or tabs between fields as the comma one, in parts too', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const whole = collectLogged(defenderCsvFormat, makeCsv(seed, 400, seed % 3 === 0, seed % 2 === 0)).log;
      expect(whole.filter((l) => l.startsWith('E ')).length).toBeGreaterThan(100);
      for (const delim of [';', '\t']) {
        const text = makeCsv(seed, 400, seed % 3 === 0, seed % 2 === 0, delim);
        expect(defenderCsvFormat.sniff(text.slice(0, 4096)), `seed ${seed}`).toBe(0.95);
        expect(collectLogged(defenderCsvFormat, text).log, `seed ${seed}`).toEqual(whole);
        const stats = { fromWorkers: 0, readHere: 0 };
        expect(await inParts(text, seed * 13, 2, stats), `seed ${seed}`).toEqual(whole);
        expect(stats.fromWorkers).toBeGreaterThan(0);
        const kernel = () => new CsvKernel();
        const ascii1 = oneBytePartDecoder(latin1, ascii);
        const withKernel = () => [inThreadChannel(ascii1, kernel), inThreadChannel(ascii1, kernel)];
        const k = { fromWorkers: 0, readHere: 0 };
        expect(await inParts(text, seed * 13, 2, k, withKernel, undefined, loggingSink(), ascii1, kernel)).toEqual(
          whole,
        );
        expect(k.fromWorkers).toBeGreaterThan(0);
      }
    }
  });

  it('reads day-first slash dates day first, told from the first rows, in parts too', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const iso = collectLogged(defenderCsvFormat, makeCsv(seed, 400, false, false, ';', 'seconds'));
      const text = makeCsv(seed, 400, false, false, ';', 'day-first');
      expect(text.slice(0, 1000)).toMatch(/\n20\/10\/2026 \d\d:\d\d:\d\d;/);
      const whole = collectLogged(defenderCsvFormat, text);
      expect(whole.events.length).toBeGreaterThan(100);
      expect(whole.log).toEqual(iso.log);
      expect(await inParts(text, seed * 5, 2), `seed ${seed}`).toEqual(whole.log);
    }
  });

  it('reads slash dates as the analyst says when told, whatever the first rows show', async () => {
    const dayFirst = makeCsv(2, 300, false, false, ';', 'day-first');
    const iso = collectLogged(defenderCsvFormat, makeCsv(2, 300, false, false, ';', 'seconds')).log;
    expect(collectLogged(defenderCsvFormat, dayFirst, { slashDates: 'day-first' }).log).toEqual(iso);
    // Told month first, a day over 12 cannot be a month: every dated row rejected.
    const monthFirst = collectLogged(defenderCsvFormat, dayFirst, { slashDates: 'month-first' });
    expect(monthFirst.events).toEqual([]);
    expect(monthFirst.rejects.filter(([, r]) => r === 'unreadable Timestamp').length).toBeGreaterThan(200);
    // A file whose first rows cannot tell (every day under 13) reads month first unless told.
    const ambiguous = dayFirst.replaceAll('20/10/2026', '05/10/2026').replaceAll('19/10/2026', '04/10/2026');
    const times = (ctx = {}) => collectLogged(defenderCsvFormat, ambiguous, ctx).events.map((e) => e.time);
    expect(times()[0]).toBeLessThan(Date.UTC(2026, 5, 1)); // 10 May or 10 April
    expect(times({ slashDates: 'day-first' })[0]).toBeGreaterThan(Date.UTC(2026, 9, 4));
  });

  it('reads the real samples the same way', async () => {
    for (const f of ['defender/plaso/advanced_hunting_test.csv', 'defender/plaso/advanced_hunting_test_002.csv']) {
      const text = readFixture(f);
      const whole = collectLogged(defenderCsvFormat, text).log;
      for (const seed of [1, 2, 3]) expect(await inParts(text, seed, 2), f).toEqual(whole);
    }
  });

  it('uses the workers when the cuts hold, and reads a part itself when a quoted line break spans a cut', async () => {
    // Every line end inside a quoted field: a worker's part that starts or ends there is read again here.
    const rows = [HEADER.join(',')];
    for (let i = 0; i < 300; i++) {
      const ts = new Date(Date.UTC(2026, 9, 1) - i * 1000).toISOString();
      const cmd = i % 6 === 0 ? q('line one\nline two\nline three') : 'plain';
      if (i % 50 === 25) rows.push(`${ts},dev,too,few`);
      rows.push(
        [
          ts,
          'dev',
          'dev',
          'ConnectionSuccess',
          '20.1.1.1',
          '443',
          'a.example.com',
          '10.0.0.5',
          String(40000 + i),
          'Tcp',
          'p.exe',
          cmd,
          'u',
          '',
          String(i),
          '',
        ].join(','),
      );
    }
    const text = rows.join('\n');
    const whole = collectLogged(defenderCsvFormat, text).log;
    expect(whole.filter((l) => l.startsWith('E ')).length).toBe(300);
    expect(whole.filter((l) => l.startsWith('R ')).length).toBe(6);
    const stats = { fromWorkers: 0, readHere: 0 };
    for (const seed of [11, 12, 13, 14]) expect(await inParts(text, seed, 2, stats)).toEqual(whole);
    expect(stats.fromWorkers).toBeGreaterThan(0);
    expect(stats.readHere).toBeGreaterThan(0);
  });
});
