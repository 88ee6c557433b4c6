/** Scan workers of the engine worker, as scan channels (shared/formats/defender-parts.ts). */
import type { ScanChannel, ScanReply } from '../../../shared/formats/defender-parts';

/** `n` workers from `make`; a worker that fails fails the import (rolled back) with its message. */
export function workerScanChannels(make: () => Worker, n: number): ScanChannel[] {
  return Array.from({ length: n }, () => {
    const worker = make();
    const ch: ScanChannel = {
      onReply: null,
      onError: null,
      post(msg, transfer) {
        worker.postMessage(msg, transfer);
      },
      close() {
        worker.terminate();
      },
    };
    worker.addEventListener('message', (ev: MessageEvent<ScanReply>) => ch.onReply?.(ev.data));
    worker.addEventListener('error', (ev) => ch.onError?.(new Error(`a scan worker failed: ${ev.message}`)));
    return ch;
  });
}
