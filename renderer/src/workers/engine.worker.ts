/// <reference lib="webworker" />
/**
 * The engine worker: owns the Dexie database and every long job. The UI thread
 * never parses or aggregates; it sends typed requests here.
 */
import type { EngineMethods } from '../../../shared/engine/protocol';
import { serve } from '../../../shared/engine/rpc';
import { createEngine } from '../../../shared/engine/service';
import { workerScanChannels } from './scan-channels';
import { workerHashers } from './worker-hasher';

declare const self: DedicatedWorkerGlobalScope;
declare const __APP_VERSION__: string;
declare const __BUILD_ID__: string;

/** Scan workers per large import: one per core but the one this worker needs (it takes every row), at most 4. */
const SCAN_WORKERS = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));

const queue: MessageEvent[] = [];
const early = (ev: MessageEvent) => queue.push(ev);
self.addEventListener('message', early);

// No dbName: the engine reopens the investigation (case) opened last; the first is "Default investigation".
createEngine({
  appVersion: __APP_VERSION__,
  // A reopened app answers dashboards it computed before from the store (this build's only).
  viewsStamp: `${__APP_VERSION__} ${__BUILD_ID__}`,
  persist: async () => (navigator.storage?.persist ? navigator.storage.persist() : false),
  // Import files are hashed on the other core while this worker parses them.
  createImportHasher: workerHashers(
    () => new Worker(new URL('./hash.worker.ts', import.meta.url), { type: 'module', name: 'hash' }),
  ),
  // Large Defender CSV files are read with scan workers on the other cores (started per import).
  scanWorkers: () =>
    workerScanChannels(
      () => new Worker(new URL('./scan.worker.ts', import.meta.url), { type: 'module', name: 'scan' }),
      SCAN_WORKERS,
    ),
}).then(
  (engine) => {
    self.removeEventListener('message', early);
    serve<EngineMethods>(self, engine.handlers);
    // Replay requests that arrived while the database was opening.
    for (const ev of queue) self.dispatchEvent(new MessageEvent('message', { data: ev.data }));
    self.postMessage({ kind: 'event', name: 'engine.ready', payload: null });
  },
  (e: unknown) => {
    self.postMessage({ kind: 'event', name: 'engine.failed', payload: e instanceof Error ? e.message : String(e) });
  },
);
