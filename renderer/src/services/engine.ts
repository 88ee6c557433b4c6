/** Starts the engine worker once and gives stores a typed client for it. */
import type { EngineMethods } from '../../../shared/engine/protocol';
import { RpcClient } from '../../../shared/engine/rpc';

let client: RpcClient<EngineMethods> | null = null;
let ready: Promise<void> | null = null;

export function getEngine(): { client: RpcClient<EngineMethods>; ready: Promise<void> } {
  if (!client) {
    const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'engine',
    });
    client = new RpcClient<EngineMethods>(worker);
    const c = client;
    ready = new Promise<void>((resolve, reject) => {
      const offReady = c.on('engine.ready', () => {
        offReady();
        resolve();
      });
      c.on('engine.failed', (msg) => reject(new Error(`The engine could not open its database: ${String(msg)}`)));
      worker.addEventListener('error', (e) => reject(new Error(`The engine worker failed to start: ${e.message}`)));
    });
  }
  return { client, ready: ready! };
}

/** A plain deep copy of store state, since postMessage refuses Vue's reactive proxies. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
