/**
 * A scan worker thread of `analyze`: reads parts of a large Defender CSV for the
 * importing thread (shared/formats/defender-parts.ts). Bundled next to analyze.mjs.
 */
import { parentPort } from 'node:worker_threads';
import { CsvKernel } from '../../shared/formats/csv-kernel';
import { type ScanRequest, scanHandler } from '../../shared/formats/defender-parts';
import { nodePartDecoder } from './part-decoder';

const port = parentPort;
if (port) {
  const handle = scanHandler(nodePartDecoder(), () => new CsvKernel());
  port.on('message', (msg: ScanRequest) => {
    const r = handle(msg);
    if (r) port.postMessage(r.reply, r.transfer);
  });
}
