/**
 * The live collector: loopback-only listeners that turn telemetry pushed at
 * Cloudscope into durable batches for the engine to import.
 *
 * A plain Node module (no Electron): the desktop main process and the
 * web-mode server both host it. Its data folder holds:
 *   collector-token               the per-install token (0600)
 *   collector-spool/              batches waiting for an engine (see spool.ts)
 *   collector-folder-<hash>.json  what the watched folder has spooled
 *
 * Sources: HTTP (NDJSON and the Defender streaming-API JSON shape; http-api.ts),
 * syslog over TCP (syslog.ts) and a watched folder (folder.ts). The engine pulls
 * spooled batches and acknowledges each after its import committed.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { type FolderWatcher, watchFolder } from './folder';
import {
  API_PREFIX,
  type CollectorApi,
  createCollectorApi,
  type HttpLimits,
  isAllowedRequest,
  sendJson,
} from './http-api';
import { Spool, type SpoolLimits } from './spool';
import { CollectorStats, type StatsSnapshot } from './stats';
import { type SyslogListener, startSyslog } from './syslog';
import { loadOrCreateToken } from './token';

export type LoopbackHost = '127.0.0.1' | '::1';

export interface CollectorOptions {
  dataDir: string;
  /** Loopback address for the collector's own listeners (HTTP in the desktop app, syslog). */
  host?: LoopbackHost;
  spool?: Partial<SpoolLimits>;
  http?: Partial<HttpLimits>;
  /** Syslog over TCP; port 0 picks a free one. */
  syslog?: { port: number; flushMs?: number; flushLines?: number; flushBytes?: number; maxLineBytes?: number } | null;
  folder?: { path: string; settleMs?: number; pollMs?: number } | null;
}

export interface CollectorStatus extends StatsSnapshot {
  spool: { batches: number; bytes: number; maxBatches: number; maxBytes: number };
  tokenFile: string;
  /** Where senders POST batches, once an HTTP listener is known. */
  batchesUrl: string | null;
  syslog: { host: string; port: number } | null;
  folder: { path: string; mode: FolderWatcher['mode'] } | null;
}

export interface HttpListener {
  port: number;
  url: string;
  close(): Promise<void>;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export class Collector {
  readonly api: CollectorApi;
  private batchesUrl: string | null = null;
  private readonly servers = new Set<Server>();
  private syslog: SyslogListener | null = null;
  private folder: FolderWatcher | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly token: string,
    readonly tokenFile: string,
    readonly spool: Spool,
    readonly stats: CollectorStats,
    readonly host: LoopbackHost,
    http: Partial<HttpLimits> | undefined,
  ) {
    this.api = createCollectorApi({
      token,
      spool,
      stats,
      limits: http,
      describe: () => {
        const { spool: _s, ...rest } = this.status();
        return rest;
      },
    });
  }

  /** Opens the token and the spool, then starts the syslog and folder sources that are configured. */
  static async start(opts: CollectorOptions): Promise<Collector> {
    const host = opts.host ?? '127.0.0.1';
    if (host !== '127.0.0.1' && host !== '::1') throw new Error('The collector listens on loopback only');
    const dataDir = resolve(opts.dataDir);
    const { token, path } = await loadOrCreateToken(dataDir);
    const spool = await Spool.open(join(dataDir, 'collector-spool'), opts.spool);
    const c = new Collector(token, path, spool, new CollectorStats(), host, opts.http);
    try {
      if (opts.syslog) c.syslog = await startSyslog({ ...opts.syslog, host, spool, stats: c.stats });
      if (opts.folder) {
        const folderPath = resolve(opts.folder.path);
        const key = createHash('sha256').update(folderPath).digest('hex').slice(0, 12);
        c.folder = await watchFolder({
          path: folderPath,
          spool,
          stats: c.stats,
          statePath: join(dataDir, `collector-folder-${key}.json`),
          settleMs: opts.folder.settleMs,
          pollMs: opts.folder.pollMs,
        });
      }
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  /** Records where the HTTP API is reachable when another server (web mode) hosts it. */
  setBatchesUrl(url: string): void {
    this.batchesUrl = url;
  }

  /**
   * The collector's own HTTP listener (the desktop app, where no web server
   * runs): the API routes and nothing else, on loopback.
   */
  listenHttp(port = 0): Promise<HttpListener> {
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://collector.invalid');
      if (await this.api.handle(req, res, url)) return;
      if (!isAllowedRequest(req)) sendJson(res, 403, { error: 'Forbidden' });
      else sendJson(res, 404, { error: `The collector answers under ${API_PREFIX} only.` });
    });
    // Slow or stalled clients must not hold upload slots for long.
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    server.maxConnections = 128;
    return new Promise((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        const actual = (server.address() as AddressInfo).port;
        this.servers.add(server);
        const url = `http://${hostForUrl(this.host)}:${actual}${API_PREFIX}batches`;
        this.batchesUrl = url;
        resolvePromise({
          port: actual,
          url,
          close: () => this.closeServer(server),
        });
      });
    });
  }

  /**
   * Stops at once: open connections are cut (a batch not yet answered was not
   * acknowledged, so its sender retries), writes already under way finish.
   */
  private closeServer(server: Server): Promise<void> {
    this.servers.delete(server);
    return new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  }

  status(): CollectorStatus {
    return {
      ...this.stats.snapshot(),
      spool: this.spool.usage(),
      tokenFile: this.tokenFile,
      batchesUrl: this.batchesUrl,
      syslog: this.syslog ? { host: this.syslog.host, port: this.syslog.port } : null,
      folder: this.folder ? { path: this.folder.path, mode: this.folder.mode } : null,
    };
  }

  /** The watched folder, when one is configured (to scan on demand). */
  get folderWatcher(): FolderWatcher | null {
    return this.folder;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.api.closeStreams();
      await Promise.all([...this.servers].map((s) => this.closeServer(s)));
      await this.syslog?.close();
      await this.folder?.close();
      await this.spool.close();
    })();
    return this.closing;
  }
}
