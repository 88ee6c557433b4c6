/**
 * `report-compute`'s stages in a worker in Chromium (see `report-stages.ts`; driven by
 * `report-compute-chromium.mjs`). Messages: `{ cmd: 'load', url, scale }` fetches the telemetry file from the
 * bench's loopback server, parses it and builds the working set, and answers `{ loaded, facts, … }`;
 * `{ cmd: 'run', runs }` times the stages and answers `{ samples, digests }`. Errors answer `{ error }`.
 * The store hook is a structured clone (what IndexedDB makes of a record): `storeBases` times the whole clone,
 * `reviveBases` only the judging (Node splits serialize and deserialize between the two).
 * `{ cmd: 'storeRead', runs }` writes the loaded facts into IndexedDB as an import writes them (blocks of 4,096 facts
 * over one import dictionary) and times reading them back into a working set, `WorkingSet.readImport` against the same
 * reads one request after another (its code before s17), alternating: answers `{ blocks, facts, ahead, oneByOne }` (ms).
 */

import type { FactAggregator } from '../shared/engine/aggregate';
import { WorkingSet } from '../shared/engine/working-set';
import { type CloudscopeDb, openDb } from '../shared/store/db';
import { ImportDictionary } from '../shared/store/fact-block';
import { blocksOf, factsOf, runStages, workingSetOf } from './report-stages';

let ws: WorkingSet | null = null;
let facts: FactAggregator | null = null;

/** The import's blocks read one store request after another (`readImport` before s17), for the comparison. */
async function readOneByOne(into: WorkingSet, db: CloudscopeDb, importId: string): Promise<void> {
  const keys = await db.factBlocks.where('importId').equals(importId).primaryKeys();
  for (let k = 0; k < keys.length; k += 64) {
    for (const b of await db.factBlocks.bulkGet(keys.slice(k, k + 64))) if (b) into.addBlock(b);
  }
}

async function storeRead(runs: number) {
  if (!facts) throw new Error('storeRead before load');
  const db = await openDb('bench-store-read');
  await db.factBlocks.clear();
  const blocks = facts.toBlocks('bench-import', 'bench-source', 4096, new ImportDictionary());
  for (let k = 0; k < blocks.length; k += 64) await db.factBlocks.bulkAdd(blocks.slice(k, k + 64));
  const ahead: number[] = [];
  const oneByOne: number[] = [];
  let n = -1;
  for (let r = 0; r < runs; r++) {
    for (const [read, times] of [
      [(w: WorkingSet) => w.readImport(db, 'bench-import'), ahead],
      [(w: WorkingSet) => readOneByOne(w, db, 'bench-import'), oneByOne],
    ] as const) {
      const w = new WorkingSet();
      w.reserve(facts.size);
      const t = performance.now();
      await read(w);
      times.push(Math.round(performance.now() - t));
      if (n >= 0 && w.n !== n) throw new Error(`read ${w.n} facts, then ${n}`);
      n = w.n;
    }
  }
  db.close();
  return { blocks: blocks.length, facts: n, ahead, oneByOne };
}

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
  const m = e.data as
    | { cmd: 'load'; url: string; scale: number }
    | { cmd: 'run'; runs: number }
    | { cmd: 'storeRead'; runs: number };
  try {
    if (m.cmd === 'load') {
      let t = performance.now();
      const agg = await factsOf(m.url, bodyChunks(m.url));
      facts = agg;
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
    } else if (m.cmd === 'storeRead') {
      self.postMessage(await storeRead(m.runs));
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
