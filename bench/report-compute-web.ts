/**
 * `report-compute`'s stages in a worker in Chromium (see `report-stages.ts`; driven by
 * `report-compute-chromium.mjs`). Messages: `{ cmd: 'load', url, scale }` fetches the telemetry file from the
 * bench's loopback server, parses it and builds the working set, and answers `{ loaded, facts, … }`;
 * `{ cmd: 'run', runs }` times the stages and answers `{ samples, digests }`. Errors answer `{ error }`.
 * The store hook is a structured clone (what IndexedDB makes of a record): `storeBases` times the whole clone,
 * `reviveBases` only the judging (Node splits serialize and deserialize between the two).
 */

import type { WorkingSet } from '../shared/engine/working-set';
import { blocksOf, factsOf, runStages, workingSetOf } from './report-stages';

let ws: WorkingSet | null = null;

async function* bodyChunks(url: string): AsyncIterable<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

self.onmessage = async (e: MessageEvent) => {
  const m = e.data as { cmd: 'load'; url: string; scale: number } | { cmd: 'run'; runs: number };
  try {
    if (m.cmd === 'load') {
      let t = performance.now();
      const agg = await factsOf(m.url, bodyChunks(m.url));
      const parseSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      ws = workingSetOf(blocksOf(agg), m.scale);
      const loadSeconds = (performance.now() - t) / 1000;
      self.postMessage({
        loaded: true,
        facts: ws.n,
        devices: new Set(ws.device.subarray(0, ws.n)).size,
        parseSeconds: Math.round(parseSeconds * 10) / 10,
        loadSeconds: Math.round(loadSeconds * 100) / 100,
      });
    } else {
      if (!ws) throw new Error('run before load');
      const gc = (globalThis as { gc?: () => void }).gc;
      const r = runStages(ws, m.runs, {
        gc,
        store: (x) => {
          const copy = structuredClone(x);
          return { bytes: null, back: () => copy };
        },
      });
      self.postMessage(r);
    }
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) });
  }
};
