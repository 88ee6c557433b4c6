// Test-only: the harness the format parsers' *.test.ts files share — feed chunks to a parser and
// collect what it reports, seeded chunk splitters and fuzz inputs, the invariants every event keeps,
// fixture reading. It imports vitest and node:fs, so tsconfig.shared.json and tsconfig.web.json
// exclude testing/ folders and nothing but a test may import it.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { NetworkEvent } from '../../domain/event';
import { cefFormat, sentinelCslFormat } from '../cef';
import { fortigateFormat } from '../fortigate';
import { panosFormat } from '../panos';
import type { FormatDefinition, FormatId, ParseContext, ParseSink } from '../types';
import { zscalerNssFormat } from '../zscaler';

/** A fixture's text; `path` is relative to shared/formats/fixtures. */
export function readFixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
}

/** What a parser reported, skips and rejects as `[line, reason]`. */
export interface Collected {
  events: NetworkEvent[];
  skips: [number, string][];
  rejects: [number, string][];
}

/** What a parser reported, skips and rejects as `{ line, reason }`. */
export interface CollectedRecords {
  events: NetworkEvent[];
  skips: { line: number; reason: string }[];
  rejects: { line: number; reason: string }[];
}

/** As `Collected`, plus `log`: every report in arrival order, so two runs can be compared interleaving included. */
export interface CollectedLog extends Collected {
  log: string[];
}

type Chunks = string[] | string;

/** Opens a fresh parser (UTC, file 'f', empty scratch unless `ctx` says otherwise), feeds it the chunks in order, ends it. */
function feed(def: FormatDefinition, chunks: Chunks, ctx: Partial<ParseContext>, sink: ParseSink): void {
  const p = def.open({ timeZone: 'UTC', fileName: 'f', files: [], scratch: new Map(), ...ctx });
  for (const c of typeof chunks === 'string' ? [chunks] : chunks) p.push(c, sink);
  p.end(sink);
}

/** The syslog-family suites' runner: the zone is what their tests vary, the rest of the context rarely. */
export function run(
  def: FormatDefinition,
  chunks: Chunks,
  timeZone = 'UTC',
  ctx: Partial<ParseContext> = {},
): Collected {
  const out: Collected = { events: [], skips: [], rejects: [] };
  const sink: ParseSink = {
    event: (e) => out.events.push(e),
    skip: (l, r) => out.skips.push([l, r]),
    reject: (l, r) => out.rejects.push([l, r]),
  };
  feed(def, chunks, { timeZone, ...ctx }, sink);
  return out;
}

export function collectRecords(
  def: FormatDefinition,
  chunks: Chunks,
  ctx: Partial<ParseContext> = {},
): CollectedRecords {
  const out: CollectedRecords = { events: [], skips: [], rejects: [] };
  feed(def, chunks, ctx, {
    event: (e) => out.events.push(e),
    skip: (line, reason) => out.skips.push({ line, reason }),
    reject: (line, reason) => out.rejects.push({ line, reason }),
  });
  return out;
}

export function collectLogged(def: FormatDefinition, chunks: Chunks, ctx: Partial<ParseContext> = {}): CollectedLog {
  const out: CollectedLog = { log: [], events: [], skips: [], rejects: [] };
  feed(def, chunks, ctx, {
    event(e) {
      out.events.push(e);
      out.log.push(`E ${JSON.stringify(e)}`);
    },
    skip(line, reason) {
      out.skips.push([line, reason]);
      out.log.push(`S ${line} ${reason}`);
    },
    reject(line, reason) {
      out.rejects.push([line, reason]);
      out.log.push(`R ${line} ${reason}`);
    },
  });
  return out;
}

// Three seeded generators, kept apart because each suite's recorded splits and fuzz cases come
// from its own sequence: a failing case replays only with the generator that produced it.

/** The classic C-library LCG (31 bits). */
export function lcg31(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** Numerical Recipes' 32-bit LCG. */
export function lcg32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** mulberry32: small, fast, well mixed. */
/**
 * CSV fields as full Defender exports have them, all read by CsvSelect's quoted-record path and the record
 * kernel: plain, empty, an empty quoted field, a quoted delimiter, a command line and AdditionalFields with
 * doubled quotes. The scanners' differential tests mix them with the shapes each leaves to the general path.
 */
export const QUOTED_RECORD_FIELDS: readonly string[] = [
  'plain',
  '',
  '""',
  '"a, b"',
  '"""C:\\Program Files\\x.exe"" --flag"',
  '"{""direction"":""Out"",""uid"":""C1""}"',
];

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits text into chunks of 1 to 40 characters at seeded points. */
export function randomChunks(text: string, seed: number): string[] {
  const rnd = lcg31(seed);
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = 1 + Math.floor(rnd() * 40);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Splits text at the given ascending offsets; repeated offsets give empty chunks, which parsers must take too. */
export function splitAt(text: string, cuts: readonly number[]): string[] {
  const out: string[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(text.slice(prev, c));
    prev = c;
  }
  out.push(text.slice(prev));
  return out;
}

/** Splits text at 1 to `maxCuts` random offsets (duplicates and 0 allowed). */
export function randomSplit(text: string, rand: () => number, maxCuts: number): string[] {
  const cuts: number[] = [];
  const n = 1 + Math.floor(rand() * maxCuts);
  for (let i = 0; i < n; i++) cuts.push(Math.floor(rand() * text.length));
  cuts.sort((a, b) => a - b);
  return splitAt(text, cuts);
}

/** Up to `n` distinct ascending offsets below `len`. */
export function randomCuts(len: number, n: number, rand: () => number): number[] {
  return [...new Set(Array.from({ length: n }, () => Math.floor(rand() * len)))].sort((a, b) => a - b);
}

/**
 * A fuzz input by round: a truncated `base`; `base` with one piece spliced in over up to
 * `maxGap` characters; or `noise` random pieces.
 */
export function fuzzSplice(
  base: string,
  pieces: readonly string[],
  round: number,
  rnd: () => number,
  maxGap = 30,
  noise = 80,
): string {
  if (round % 3 === 0) return base.slice(0, Math.floor(rnd() * base.length));
  if (round % 3 === 1) {
    const a = Math.floor(rnd() * base.length);
    return base.slice(0, a) + pieces[Math.floor(rnd() * pieces.length)] + base.slice(a + Math.floor(rnd() * maxGap));
  }
  let text = '';
  for (let k = 0; k < noise; k++) text += pieces[Math.floor(rnd() * pieces.length)];
  return text;
}

/** A fuzz input by round: a truncated `sample`; `sample` with 25 characters overwritten by pieces; or 80 pieces. */
export function fuzzOverwrite(sample: string, pieces: readonly string[], round: number, rand: () => number): string {
  if (round % 3 === 0) return sample.slice(0, Math.floor(rand() * sample.length));
  if (round % 3 === 1) {
    const ch = sample.split('');
    for (let k = 0; k < 25; k++) ch[Math.floor(rand() * ch.length)] = pieces[Math.floor(rand() * pieces.length)];
    return ch.join('');
  }
  return Array.from({ length: 80 }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
}

/** Invariants every event must satisfy. */
export function checkEvent(e: NetworkEvent): void {
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

/**
 * The same events, skips and rejects whole, in 25 seeded random chunkings, one character at a
 * time when `perCharacter`, and with CRLF line ends; every event keeps the invariants.
 */
export function expectSameForAnyChunking(
  def: FormatDefinition,
  text: string,
  timeZone: string,
  perCharacter: boolean,
): void {
  const whole = run(def, text, timeZone);
  for (let seed = 1; seed <= 25; seed++) expect(run(def, randomChunks(text, seed), timeZone)).toEqual(whole);
  if (perCharacter) expect(run(def, text.split(''), timeZone)).toEqual(whole);
  expect(run(def, text.replace(/\n/g, '\r\n'), timeZone)).toEqual(whole);
  for (const e of whole.events) checkEvent(e);
}

/** The syslog-family formats compete for the same files, so each one's sniff is checked against all of them. */
const SYSLOG_FAMILY = [cefFormat, sentinelCslFormat, zscalerNssFormat, panosFormat, fortigateFormat];

/** Among the syslog-family formats, `id` sniffs highest on the file's first 64 KiB, and above 0.5. */
export function expectRecognizedAs(id: FormatId, text: string): void {
  const head = text.slice(0, 65536);
  const best = SYSLOG_FAMILY.map((f) => ({ id: f.id, s: f.sniff(head) })).sort((a, b) => b.s - a.s)[0];
  expect(best.id).toBe(id);
  expect(best.s).toBeGreaterThan(0.5);
}

/** Every reported line is reported once, and events plus reports make up the `rows` the input holds. */
export function expectEveryRowOnce(out: CollectedRecords, rows: number): void {
  const lines = [...out.skips, ...out.rejects].map((x) => x.line);
  expect(out.events.length + lines.length).toBe(rows);
  expect(new Set(lines).size).toBe(lines.length);
}

/** Defender events by ReportId, the third part of their event key. */
export function byReport(events: NetworkEvent[]): Map<string, NetworkEvent> {
  return new Map(events.map((e) => [(e.eventKey ?? '').split('|')[2], e]));
}
