/**
 * The live collector in the desktop app. Main hosts it — its own loopback HTTP
 * listener and syslog over TCP, data in the user-data folder — and serves the
 * engine's pull over IPC: the renderer lists, reads and acknowledges spooled
 * batches through `live.*` and hears of new ones on `live.batch`. The token
 * stays in main: nothing here returns it, and no session route exists.
 */
import { readFile } from 'node:fs/promises';
import type { LiveBatchInfo, LiveSessionInfo, LiveStatusInfo } from '../../shared/ipc/contract';
import { Collector, type CollectorOptions } from '../collector/collector';
import { type BatchMeta, isBatchId } from '../collector/spool';
import type { InvokeHandlers } from './ipc';

/** Where senders reach the desktop collector (web mode's server is on 5178). */
export const DESKTOP_HTTP_PORT = 5179;
export const DESKTOP_SYSLOG_PORT = 5514;
/** Batches one `live.pending` lists; the engine asks again after importing them. */
const PENDING_LIMIT = 1000;

export interface DesktopCollectorOptions {
  dataDir: string;
  /** 0 picks a free port. */
  httpPort?: number;
  /** null: no syslog listener; 0 picks a free port. */
  syslogPort?: number | null;
  /** Everything else Collector.start takes (limits, a watched folder), for tests and later settings. */
  extra?: Omit<CollectorOptions, 'dataDir' | 'syslog'>;
}

function inUse(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Starts the collector with its HTTP listener. A usual port another program
 * holds does not stop the app: the listener takes a free port, and the move
 * is recorded as a collector error so the live indicator and Data sources show
 * it (senders configured for the usual port must be pointed at the new one).
 */
export async function startDesktopCollector(o: DesktopCollectorOptions): Promise<Collector> {
  const httpPort = o.httpPort ?? DESKTOP_HTTP_PORT;
  const syslogPort = o.syslogPort === undefined ? DESKTOP_SYSLOG_PORT : o.syslogPort;
  const start = (port: number | null) =>
    Collector.start({ folder: null, ...o.extra, dataDir: o.dataDir, syslog: port === null ? null : { port } });
  let c: Collector;
  let syslogMoved = false;
  try {
    c = await start(syslogPort);
  } catch (e) {
    if (!inUse(e) || !syslogPort) throw e;
    c = await start(0);
    syslogMoved = true;
  }
  try {
    if (syslogMoved) {
      const actual = c.status().syslog?.port;
      c.stats.error('syslog', `Port ${syslogPort} is in use by another program: syslog listens on ${actual} instead.`);
    }
    try {
      await c.listenHttp(httpPort);
    } catch (e) {
      if (!inUse(e) || httpPort === 0) throw e;
      const l = await c.listenHttp(0);
      c.stats.error(
        'http',
        `Port ${httpPort} is in use by another program: the collector listens on ${l.port} instead. ` +
          'Senders configured for the usual port reach that program, not Cloudscope.',
      );
    }
  } catch (e) {
    await c.close();
    throw e;
  }
  return c;
}

export function batchInfo(m: BatchMeta): LiveBatchInfo {
  return {
    id: m.id,
    size: m.size,
    contentType: m.contentType,
    kind: m.kind,
    name: m.name,
    events: m.events,
    receivedAt: m.receivedAt,
  };
}

export function sessionInfo(c: Collector): LiveSessionInfo | null {
  const s = c.status();
  if (!s.batchesUrl) return null;
  return { batchesUrl: s.batchesUrl, tokenFile: s.tokenFile, syslog: s.syslog, folder: s.folder };
}

export function statusInfo(c: Collector): LiveStatusInfo {
  const s = c.status();
  return {
    eventsPerSecond: s.eventsPerSecond,
    eventsTotal: s.eventsTotal,
    batchesTotal: s.batchesTotal,
    lastBatchAt: s.lastBatchAt,
    errors: s.errors,
    spool: { batches: s.spool.batches, bytes: s.spool.bytes },
  };
}

const validId = (id: unknown): id is string => typeof id === 'string' && isBatchId(id);

export type LiveChannelName = 'live.session' | 'live.pending' | 'live.read' | 'live.ack' | 'live.status';

/**
 * The `live.*` handlers over a collector that may still be starting (or have
 * failed to: null). Bad ids from the renderer are answered, never thrown on.
 */
export function createLiveHandlers(collector: Promise<Collector | null>): Pick<InvokeHandlers, LiveChannelName> {
  return {
    'live.session': async () => {
      const c = await collector;
      return c ? sessionInfo(c) : null;
    },
    'live.pending': async () => {
      const c = await collector;
      return c ? c.spool.list(PENDING_LIMIT).map(batchInfo) : [];
    },
    'live.read': async (id) => {
      const c = await collector;
      if (!c || !validId(id) || !c.spool.get(id)) return null;
      try {
        const b = await readFile(c.spool.dataPath(id));
        // A view into a larger (pooled) buffer would carry all of it across IPC: copy then.
        return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
          ? new Uint8Array(b.buffer)
          : new Uint8Array(b);
      } catch {
        return null; // acknowledged (deleted) between the check and the read
      }
    },
    'live.ack': async (id) => {
      const c = await collector;
      if (c && validId(id)) await c.spool.ack(id);
      return undefined;
    },
    'live.status': async () => {
      const c = await collector;
      return c ? statusInfo(c) : null;
    },
  };
}

/**
 * Calls `send` for every batch the collector spools from now on — the same
 * spool subscription the web mode's event stream uses. Returns the unsubscribe.
 */
export function forwardNewBatches(c: Collector, send: (b: LiveBatchInfo) => void): () => void {
  return c.spool.onAdded((m) => send(batchInfo(m)));
}

/** Closes the collector (pending spool writes land first), giving up after `ms` so quitting never hangs. */
export async function stopCollector(c: Collector | null, ms = 5000): Promise<'closed' | 'timeout'> {
  if (!c) return 'closed';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), ms);
  });
  try {
    return await Promise.race([c.close().then(() => 'closed' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
