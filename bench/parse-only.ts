/**
 * One stage of the import pipeline over one file in Node, without the store, to
 * see where the time of a full import goes:
 * - `read`: bytes → text (TextDecoder, as the engine decodes);
 * - `sha`: the pure-JS SHA-256 the browser worker hashes with (Node uses its native one);
 * - `parse`: text → the format's parser → NetworkEvents, counted and dropped;
 * - `aggregate`: parse plus the hourly FactAggregator (what the store receives).
 * Built by `bench/vite.bench.config.ts` to `bench/out/js/parse-only.mjs`; prints one JSON line.
 *
 *   node bench/out/js/parse-only.mjs <file> --stage parse [--format defender-csv]
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { NetworkEvent } from '../shared/domain/event';
import { FactAggregator } from '../shared/engine/aggregate';
import { Sha256 } from '../shared/engine/sha256';
import { HEAD_CHARS } from '../shared/engine/source';
import { registerBuiltinFormats } from '../shared/formats/index';
import { detectFormat, formatById } from '../shared/formats/registry';
import type { FormatParser, ParseContext, ParseSink } from '../shared/formats/types';

type Stage = 'read' | 'sha' | 'parse' | 'aggregate';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const stage = (flag('stage') ?? 'parse') as Stage;
  if (!file || !['read', 'sha', 'parse', 'aggregate'].includes(stage)) {
    console.error('usage: node bench/out/js/parse-only.mjs <file> [--stage read|sha|parse|aggregate] [--format id]');
    process.exit(64);
  }
  registerBuiltinFormats();
  const size = (await stat(file)).size;
  const started = performance.now();
  const decoder = new TextDecoder('utf-8');
  const hasher = stage === 'sha' ? new Sha256() : null;
  const agg = stage === 'aggregate' ? new FactAggregator() : null;
  let events = 0;
  let skipped = 0;
  let rejected = 0;
  let chars = 0;
  const sink: ParseSink = {
    event(e: NetworkEvent) {
      events++;
      agg?.add(e);
    },
    skip() {
      skipped++;
    },
    reject() {
      rejected++;
    },
  };
  let parser: FormatParser | null = null;
  let formatId = '';
  let pending = '';
  const feed = (text: string, last: boolean) => {
    if (stage === 'read' || stage === 'sha') return;
    if (!parser) {
      pending += text;
      if (pending.length < HEAD_CHARS && !last) return;
      const format = flag('format')
        ? formatById(flag('format') as string)
        : detectFormat(pending.slice(0, HEAD_CHARS)).format;
      if (!format) throw new Error(`${file}: no format recognised`);
      formatId = format.id;
      const ctx: ParseContext = {
        timeZone: 'UTC',
        fileName: file,
        files: [{ name: file, formatId: format.id, head: pending.slice(0, HEAD_CHARS) }],
        scratch: new Map(),
      };
      parser = format.open(ctx);
      text = pending;
      pending = '';
    }
    parser.push(text, sink);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    const bytes = chunk as Buffer;
    if (hasher) {
      hasher.update(bytes);
      continue;
    }
    const text = decoder.decode(bytes, { stream: true });
    chars += text.length;
    feed(text, false);
  }
  if (hasher) hasher.digest();
  else {
    const tail = decoder.decode();
    chars += tail.length;
    feed(tail, true);
    (parser as FormatParser | null)?.end(sink);
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = events + skipped + rejected;
  process.stdout.write(
    `${JSON.stringify({
      file,
      stage,
      format: formatId || null,
      bytes: size,
      chars,
      rows,
      events,
      skipped,
      rejected,
      facts: agg ? agg.size : null,
      seconds,
      cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      rowsPerSec: rows > 0 ? rows / seconds : null,
      mbPerSec: size / 1e6 / seconds,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

void main();
