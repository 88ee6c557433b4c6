/** Scan workers of the engine worker, as scan channels (shared/formats/defender-parts.ts). */
import { channelOf, type ScanChannel, type ScanReply } from '../../../shared/formats/defender-parts';

/**
 * `n` workers from `make`; none when workers cannot be started here (the engine worker then reads alone).
 * A worker that fails before it answers is left out by the reader; one that fails holding parts fails the
 * import (rolled back) with its message.
 */
export function workerScanChannels(make: () => Worker, n: number): ScanChannel[] {
  const out: ScanChannel[] = [];
  for (let i = 0; i < n; i++) {
    let worker: Worker;
    try {
      worker = make();
    } catch {
      break;
    }
    const ch = channelOf(
      (msg, transfer) => worker.postMessage(msg, transfer),
      () => worker.terminate(),
    );
    worker.addEventListener('message', (ev: MessageEvent<ScanReply>) => ch.onReply?.(ev.data));
    worker.addEventListener('error', (ev) => ch.onError?.(new Error(`a scan worker failed: ${ev.message}`)));
    out.push(ch);
  }
  return out;
}
