/// <reference lib="webworker" />
/**
 * A scan worker: reads parts of a large Defender CSV for the engine worker, which keeps the
 * normaliser (shared/formats/defender-parts.ts). Started per import, stopped when it ends.
 */
import { type ScanRequest, scanHandler } from '../../../shared/formats/defender-parts';

declare const self: DedicatedWorkerGlobalScope;

const handle = scanHandler();
self.addEventListener('message', (ev: MessageEvent<ScanRequest>) => {
  const r = handle(ev.data);
  if (r) self.postMessage(r.reply, r.transfer);
});
