/**
 * What the Node entries of the risk benches share (`report-compute.ts`, `risk-phases.ts`): their command line and a
 * file's fact blocks, parsed, or read from the cache `report-compute --cache` keeps beside the file.
 */
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import type { FactBlockRecord } from '../shared/store/records';
import { blocksOf, factsOf } from './report-stages';

/** The file argument, `--name value` flags and bare switches; exits with `usage` when no file is given. */
export function benchArgs(usage: string): {
  file: string;
  flag: (name: string) => string | undefined;
  has: (name: string) => boolean;
} {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file) {
    console.error(`usage: ${usage}`);
    process.exit(64);
  }
  return {
    file,
    flag: (name) => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? args[i + 1] : undefined;
    },
    has: (name) => args.includes(`--${name}`),
  };
}

/**
 * The file's fact blocks, parsed; with `cached`, read from `<file>.blocks.v8` while it is newer than the file, else
 * parsed and written there for the next run (seconds to read back instead of a parse — 80 s for 10M rows).
 */
export async function factBlocks(file: string, cached: boolean): Promise<FactBlockRecord[]> {
  const cache = `${file}.blocks.v8`;
  if (cached && existsSync(cache) && statSync(cache).mtimeMs > statSync(file).mtimeMs) {
    return deserialize(readFileSync(cache)) as FactBlockRecord[];
  }
  const blocks = blocksOf(await factsOf(file, createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })));
  if (cached) writeFileSync(cache, serialize(blocks));
  return blocks;
}
