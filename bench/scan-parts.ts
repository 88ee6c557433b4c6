/**
 * The scan workers' share of a Defender CSV import, on one thread and without the
 * normaliser: the file cut into parts as `readDefenderCsvInParts` cuts it, each part's
 * body read by `scanHandler` (decode, CsvSelect, prepRow, batch columns), with a digest
 * of every part's rows (as the importing thread reads them back) to compare two builds. Built by `bench/vite.bench.config.ts`.
 *
 *   node bench/out/js/scan-parts.mjs <defender.csv> [--runs 3] [--part-mib 2] [--take] [--utf8]
 * Parts are read as `analyze` reads them (one byte per character, see shared/formats/part-text.ts);
 * --utf8 decodes them as the browser does (the digest must be the same).
 * With --take, each run then times the importing thread's share of those parts too: every batch read back
 * into the normaliser (`takePart`), its events into an hourly FactAggregator (no store, no event keys).
 * Prints one JSON line per run: wall and CPU seconds for the parts (the digest not counted), seconds to decode
 * them alone, digest.
 */
import { openSync, readSync, statSync } from 'node:fs';
import { nodePartDecoder } from '../electron/cli/part-decoder';
import type { NetworkEvent } from '../shared/domain/event';
import { FactAggregator } from '../shared/engine/aggregate';
import { CsvKernel } from '../shared/formats/csv-kernel';
import { type PrepBatch, PrepBatchReader } from '../shared/formats/defender-batch';
import { PrepKind } from '../shared/formats/defender-common';
import { DefenderCsvParser } from '../shared/formats/defender-csv';
import { scanHandler } from '../shared/formats/defender-parts';
import { utf8PartDecoder } from '../shared/formats/part-text';
import type { ParseSink } from '../shared/formats/types';

const FIRST_BYTES = 64 << 10;

function lineEnd(b: Uint8Array, from: number, crlf: boolean, back: boolean): number {
  for (
    let i = back ? b.lastIndexOf(10) : b.indexOf(10, from);
    i >= 0;
    i = back ? b.lastIndexOf(10, i - 1) : b.indexOf(10, i + 1)
  ) {
    if (!crlf || (i > 0 && b[i - 1] === 13)) return i;
    if (back && i === 0) break;
  }
  return -1;
}

/** FNV-1a over the rows of a batch as the importing thread reads them back (independent of the batch's encoding). */
class RowDigest {
  h = 0x811c9dc5;
  private readonly reader = new PrepBatchReader();

  private num(x: number): void {
    this.h = Math.imul(this.h ^ (x | 0), 0x01000193);
    this.h = Math.imul(this.h ^ ((x / 4294967296) | 0), 0x01000193);
  }
  private str(s: string | null): void {
    if (s === null) {
      this.num(-7);
      return;
    }
    this.num(s.length);
    for (let i = 0; i < s.length; i++) this.num(s.charCodeAt(i));
  }
  batch(b: PrepBatch): void {
    this.num(b.lines);
    this.reader.read(b, 0, (p) => {
      this.num(p.kind);
      this.num(p.line);
      this.str(p.reason);
      if (p.kind === PrepKind.Connection || p.kind === PrepKind.Inspection) {
        for (const s of [p.deviceId, p.deviceName, p.devKey, p.user, p.localIp, p.remoteIp, p.host, p.url]) this.str(s);
        for (const s of [p.process, p.uid, p.action, p.reportId]) this.str(s);
        for (const x of [p.time, p.remotePort, p.localPort, p.eventHash, p.key]) this.num(x);
        this.num(p.bytesUp ?? -7);
        this.num(p.bytesDown ?? -7);
      } else if (p.kind === PrepKind.Dns) {
        this.str(p.devKey);
        this.str(p.dnsName);
        for (const ip of p.dnsIps) this.str(ip);
      }
    });
  }
}

/** The importing thread's share: every batch through the normaliser, its events into an aggregator. */
function takeAll(parser: DefenderCsvParser, batches: PrepBatch[]) {
  const agg = new FactAggregator();
  let events = 0;
  const sink: ParseSink = {
    transient: true,
    event(e: NetworkEvent) {
      events++;
      agg.add(e);
    },
    skip() {},
    reject() {},
  };
  const reader = new PrepBatchReader();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const b of batches) parser.takePart(b, reader, sink);
  parser.end(sink);
  const cpu = process.cpuUsage(cpu0);
  return {
    takeSeconds: (performance.now() - t0) / 1000,
    takeCpuSeconds: (cpu.user + cpu.system) / 1e6,
    events,
    facts: agg.size,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args[0];
  const flag = (name: string, d: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const runs = flag('runs', 3);
  const take = args.includes('--take');
  const utf8 = args.includes('--utf8');
  const partBytes = flag('part-mib', 2) * (1 << 20);
  const fd = openSync(file, 'r');
  const size = statSync(file).size;
  const first = new Uint8Array(FIRST_BYTES);
  readSync(fd, first, 0, FIRST_BYTES, 0);
  const openParser = () => {
    const parser = new DefenderCsvParser({ timeZone: 'UTC', fileName: file, files: [], scratch: new Map() });
    const sink: ParseSink = { event() {}, skip() {}, reject() {} };
    parser.push(new TextDecoder('utf-8').decode(first, { stream: true }), sink);
    return parser;
  };
  const { layout, crlf } = openParser();
  if (!layout || crlf === null) throw new Error('no header in the first part');
  const parts: Uint8Array[] = [];
  for (let off = FIRST_BYTES; off < size; off += partBytes) {
    const b = new Uint8Array(Math.min(partBytes, size - off));
    readSync(fd, b, 0, b.length, off);
    const f = lineEnd(b, 0, crlf, false);
    const l = lineEnd(b, 0, crlf, true);
    if (f >= 0 && l > f) parts.push(b.subarray(f + 1, l + 1));
  }
  for (let run = 0; run < runs; run++) {
    const handle = utf8
      ? scanHandler(utf8PartDecoder())
      : scanHandler(nodePartDecoder(), process.argv.includes('--js') ? null : () => new CsvKernel());
    handle({ t: 'layout', layout, crlf });
    const digest = new RowDigest();
    let digestSeconds = 0;
    let rows = 0;
    let misaligned = 0;
    /** Strings numbered in the worker's table (and held by the importing thread's). */
    let strings = 0;
    const kept: PrepBatch[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const p of parts) {
      const reply = handle({ t: 'part', seq: 0, bytes: p, from: 0, to: p.length })?.reply;
      if (reply?.t !== 'part') throw new Error('a part failed');
      if (!reply.aligned) misaligned++;
      rows += reply.batch.rows;
      strings += reply.batch.strings.length;
      const d0 = performance.now();
      digest.batch(reply.batch);
      digestSeconds += (performance.now() - d0) / 1000;
      if (take) kept.push(reply.batch);
      else handle({ t: 'recycle', batch: reply.batch });
    }
    const seconds = (performance.now() - t0) / 1000 - digestSeconds;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6 - digestSeconds;
    const taken = take ? takeAll(openParser(), kept) : null;
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const t1 = performance.now();
    for (const p of parts) decoder.decode(p);
    const decodeSeconds = (performance.now() - t1) / 1000;
    process.stdout.write(
      `${JSON.stringify({ run, parts: parts.length, rows, strings, misaligned, seconds, cpuSeconds, decodeSeconds, digest: (digest.h >>> 0).toString(16), ...taken })}\n`,
    );
  }
}

main();
