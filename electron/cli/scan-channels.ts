/** Scan worker threads for `analyze` (see shared/formats/defender-parts.ts). */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { channelOf, type ScanChannel, type ScanReply } from '../../shared/formats/defender-parts';

/** The worker script, built next to analyze.mjs; absent when the command runs from its TypeScript sources. */
const SCRIPT = new URL('./scan-worker.mjs', import.meta.url);

/**
 * Default number of scan workers: one per core but the one the importing thread needs (it takes every
 * row; measured on 2 cores: 1 worker as fast as 2, with less contention), at least 1, at most 4.
 */
export function defaultScanThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** `n` worker threads as scan channels; none when the worker script is not there (sources, tests). */
export function nodeScanChannels(n: number, script: URL = SCRIPT): ScanChannel[] {
  if (n <= 0 || script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return [];
  return Array.from({ length: n }, () => {
    const worker = new Worker(script);
    // A channel may be made before a reader listens (analyze starts its workers early): a failure before
    // then is told to the reader when it first posts, as it would have been told had it listened.
    let lost: Error | null = null;
    const fail = (e: Error) => {
      if (ch.onError) ch.onError(e);
      else lost ??= e;
    };
    const ch = channelOf(
      (msg, transfer) => {
        if (lost === null) worker.postMessage(msg, transfer);
        else {
          const e = lost;
          setTimeout(() => ch.onError?.(e), 0);
        }
      },
      () => void worker.terminate(),
    );
    worker.on('message', (r: ScanReply) => ch.onReply?.(r));
    // A worker that dies fails the import (rolled back), with its message.
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`a scan worker stopped (exit code ${code})`));
    });
    return ch;
  });
}
