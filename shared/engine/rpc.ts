/**
 * A small typed request/response protocol between the UI and the engine worker
 * (and, unchanged, between tests and an engine in Node). Chosen over a generic
 * RPC library because cancellation and progress are first-class here: every
 * request may stream `progress` messages and may be cancelled by id, which
 * aborts the handler's AbortSignal.
 */
import type { JobProgress } from './job';

/** Anything with postMessage and message events: a Worker, the worker's global scope, a MessagePort. */
export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

/** A method table: name -> { params, result }. */
export type MethodTable<M> = { [K in keyof M]: { params: unknown; result: unknown } };

export type RpcMessage =
  | { kind: 'request'; id: number; method: string; params: unknown }
  | { kind: 'cancel'; id: number }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: RpcErrorShape }
  | { kind: 'progress'; id: number; progress: JobProgress }
  | { kind: 'event'; name: string; payload: unknown };

export interface RpcErrorShape {
  name: string;
  message: string;
  /** What the analyst can do about it, when we know. */
  hint?: string;
}

export interface HandlerContext {
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export type Handlers<M extends MethodTable<M>> = {
  [K in keyof M]: (params: M[K]['params'], ctx: HandlerContext) => Promise<M[K]['result']> | M[K]['result'];
};

export class RpcError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    name = 'RpcError',
  ) {
    super(message);
    this.name = name;
  }
}

export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

function toErrorShape(e: unknown): RpcErrorShape {
  if (e instanceof Error) {
    const hint = (e as { hint?: unknown }).hint;
    return { name: e.name, message: e.message, ...(typeof hint === 'string' ? { hint } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

/** Serves `handlers` on `port`. Returns a function that stops serving and emits events. */
export function serve<M extends MethodTable<M>>(
  port: Port,
  handlers: Handlers<M>,
): { stop(): void; emit(name: string, payload: unknown): void } {
  const running = new Map<number, AbortController>();
  const onMessage = (ev: MessageEvent): void => {
    const msg = ev.data as RpcMessage;
    if (!msg || typeof msg !== 'object') return;
    if (msg.kind === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    if (msg.kind !== 'request') return;
    const handler = (handlers as Record<string, ((p: unknown, c: HandlerContext) => unknown) | undefined>)[msg.method];
    if (!handler) {
      port.postMessage({
        kind: 'error',
        id: msg.id,
        error: { name: 'RpcError', message: `Unknown method ${msg.method}` },
      });
      return;
    }
    const ac = new AbortController();
    running.set(msg.id, ac);
    const ctx: HandlerContext = {
      signal: ac.signal,
      progress: (progress) => port.postMessage({ kind: 'progress', id: msg.id, progress }),
    };
    Promise.resolve()
      .then(() => handler(msg.params, ctx))
      .then(
        (result) => port.postMessage({ kind: 'result', id: msg.id, result }),
        (e: unknown) => {
          const error = ac.signal.aborted ? { name: 'CancelledError', message: 'Cancelled' } : toErrorShape(e);
          port.postMessage({ kind: 'error', id: msg.id, error });
        },
      )
      .finally(() => running.delete(msg.id));
  };
  port.addEventListener('message', onMessage);
  return {
    stop: () => port.removeEventListener('message', onMessage),
    emit: (name, payload) => port.postMessage({ kind: 'event', name, payload }),
  };
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

/** The calling side: typed `call`, cancellation through an AbortSignal, and event subscription. */
export class RpcClient<M extends MethodTable<M>> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: unknown): void; onProgress?: (p: JobProgress) => void }
  >();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly onMessage = (ev: MessageEvent): void => {
    const msg = ev.data as RpcMessage;
    if (!msg || typeof msg !== 'object') return;
    if (msg.kind === 'event') {
      for (const l of this.listeners.get(msg.name) ?? []) l(msg.payload);
      return;
    }
    if (msg.kind !== 'result' && msg.kind !== 'error' && msg.kind !== 'progress') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') p.onProgress?.(msg.progress);
    else {
      this.pending.delete(msg.id);
      if (msg.kind === 'result') p.resolve(msg.result);
      else if (msg.error.name === 'CancelledError') p.reject(new CancelledError());
      else p.reject(new RpcError(msg.error.message, msg.error.hint, msg.error.name));
    }
  };

  constructor(private readonly port: Port) {
    port.addEventListener('message', this.onMessage);
  }

  call<K extends keyof M & string>(
    method: K,
    params: M[K]['params'],
    opts: CallOptions = {},
    transfer?: Transferable[],
  ): Promise<M[K]['result']> {
    const id = this.nextId++;
    return new Promise<M[K]['result']>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new CancelledError());
        return;
      }
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: opts.onProgress });
      opts.signal?.addEventListener('abort', () => this.port.postMessage({ kind: 'cancel', id }), { once: true });
      this.port.postMessage({ kind: 'request', id, method, params }, transfer);
    });
  }

  /** Subscribes to an engine event; returns its own unsubscribe function. */
  on(name: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  dispose(): void {
    this.port.removeEventListener('message', this.onMessage);
    for (const p of this.pending.values()) p.reject(new RpcError('Engine closed'));
    this.pending.clear();
  }
}
