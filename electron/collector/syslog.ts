/**
 * Syslog over TCP on loopback, newline-framed (RFC 6587 "non-transparent
 * framing", what rsyslog/syslog-ng forward with by default): each line is one
 * message — a CEF event, a Squid access line, a FortiGate key=value record.
 *
 * Lines are grouped per connection and per kind of line (so one batch holds
 * one format, which the engine detects from the head) and spooled as a batch
 * after `flushLines` lines, `flushBytes` bytes or `flushMs` of quiet. TCP
 * syslog has no acknowledgement: lines not yet spooled when the process dies
 * are lost, at most one flush interval's worth. When the spool is full the
 * socket stops being read, so TCP itself slows the sender down; memory stays
 * bounded by `maxConnections × (flushBytes + maxLineBytes)`.
 *
 * A batch is identified by the SHA-256 of its bytes, as every batch is: two
 * flushes with byte-identical lines count once. Log lines carry their own
 * timestamps, so that only happens when the same lines really arrive twice.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { isLoopbackAddress } from './http-api';
import { type Spool, SpoolFullError } from './spool';
import type { CollectorStats } from './stats';

export interface SyslogOptions {
  host: string;
  port: number;
  spool: Spool;
  stats: CollectorStats;
  maxLineBytes?: number;
  flushLines?: number;
  flushBytes?: number;
  flushMs?: number;
  maxConnections?: number;
  /** Wait before retrying a flush the spool refused. */
  retryMs?: number;
}

export interface SyslogListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

export type LineKind = 'cef' | 'fortigate' | 'squid' | 'other';

/** Cheap per-line sorting so each batch holds one format; the engine does the real detection. */
export function lineKind(line: string): LineKind {
  if (/CEF:\s?\d+\|/.test(line)) return 'cef';
  if (/\blogid="?\d+/.test(line) && /\btype="?\w+/.test(line)) return 'fortigate';
  if (/(^|\s)\d{9,10}\.\d{3}\s+-?\d+\s+\S+\s+[A-Z_]+\/\d{3}\s/.test(line)) return 'squid';
  return 'other';
}

interface Pending {
  lines: string[];
  bytes: number;
}

class Connection {
  private partial = '';
  private partialBytes = 0;
  private skippingLongLine = false;
  private readonly pending = new Map<LineKind, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private ended = false;
  private stopping = false;

  constructor(
    private readonly socket: Socket,
    private readonly o: Required<Omit<SyslogOptions, 'host' | 'port'>>,
    private readonly label: string,
    private readonly onClosed: () => void,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(text));
    socket.on('end', () => void this.finish());
    socket.on('error', () => void this.finish());
    socket.on('close', () => void this.finish());
  }

  private onData(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const piece = text.slice(start, nl < 0 ? text.length : nl);
      if (this.skippingLongLine) {
        if (nl >= 0) this.skippingLongLine = false;
      } else {
        this.partial += piece;
        this.partialBytes += Buffer.byteLength(piece);
        if (this.partialBytes > this.o.maxLineBytes) {
          this.o.stats.error('syslog', `${this.label}: a line longer than ${this.o.maxLineBytes} bytes was dropped`);
          this.partial = '';
          this.partialBytes = 0;
          this.skippingLongLine = nl < 0;
        } else if (nl >= 0) {
          this.addLine(this.partial);
          this.partial = '';
          this.partialBytes = 0;
        }
      }
      if (nl < 0) break;
      start = nl + 1;
    }
    if (this.totalBytes() >= this.o.flushBytes || this.totalLines() >= this.o.flushLines) void this.flush();
    else this.arm();
  }

  private addLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    const kind = lineKind(line);
    let p = this.pending.get(kind);
    if (!p) {
      p = { lines: [], bytes: 0 };
      this.pending.set(kind, p);
    }
    p.lines.push(line);
    p.bytes += Buffer.byteLength(line) + 1;
  }

  private totalBytes(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.bytes;
    return n;
  }

  private totalLines(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.lines.length;
    return n;
  }

  private arm(): void {
    if (this.timer || this.totalLines() === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.o.flushMs);
  }

  /** Spools every pending group; while it runs (or the spool is full) the socket is not read. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.totalLines() === 0) return Promise.resolve();
    this.socket.pause();
    this.flushing = (async () => {
      try {
        for (const [kind, p] of [...this.pending]) {
          const bytes = Buffer.from(`${p.lines.join('\n')}\n`, 'utf8');
          for (;;) {
            try {
              const r = await this.o.spool.put(bytes, {
                kind: 'syslog',
                contentType: 'text/plain; charset=utf-8',
                name: `syslog-${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`,
                events: p.lines.length,
              });
              if (!r.duplicate) this.o.stats.batch(p.lines.length);
              break;
            } catch (e) {
              if (!(e instanceof SpoolFullError) || e.reason === 'batch-too-large') {
                this.o.stats.error(
                  'syslog',
                  `${this.label}: ${p.lines.length} lines could not be stored: ${(e as Error).message}`,
                );
                break;
              }
              if (this.stopping) {
                this.o.stats.error(
                  'syslog',
                  `${this.label}: ${p.lines.length} lines dropped at shutdown: the spool is full`,
                );
                break;
              }
              await this.o.spool.roomMayHaveFreed(this.o.retryMs);
            }
          }
          this.pending.delete(kind);
        }
      } finally {
        this.flushing = null;
        if (!this.ended) this.socket.resume();
      }
      if (this.totalLines() > 0) this.arm();
    })();
    return this.flushing;
  }

  private async finish(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.partial.trim().length > 0 && !this.skippingLongLine) this.addLine(this.partial);
    this.partial = '';
    await this.flush();
    if (this.flushing) await this.flushing;
    this.onClosed();
  }

  /** Listener closing: spool what has arrived, then drop the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.socket.destroy();
    await this.finish();
  }
}

export function startSyslog(opts: SyslogOptions): Promise<SyslogListener> {
  const o = {
    spool: opts.spool,
    stats: opts.stats,
    maxLineBytes: opts.maxLineBytes ?? 64 * 1024,
    flushLines: opts.flushLines ?? 5000,
    flushBytes: opts.flushBytes ?? 1024 * 1024,
    flushMs: opts.flushMs ?? 1000,
    maxConnections: opts.maxConnections ?? 32,
    retryMs: opts.retryMs ?? 1000,
  };
  const connections = new Set<Connection>();
  const server: Server = createServer((socket) => {
    if (!isLoopbackAddress(socket.remoteAddress)) {
      socket.destroy();
      return;
    }
    const label = `syslog ${socket.remoteAddress}:${socket.remotePort}`;
    const c = new Connection(socket, o, label, () => connections.delete(c));
    connections.add(c);
  });
  server.maxConnections = o.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      server.on('error', (e) => o.stats.error('syslog', e.message));
      const addr = server.address() as AddressInfo;
      resolve({
        host: opts.host,
        port: addr.port,
        close: async () => {
          const closed = new Promise<void>((r) => server.close(() => r()));
          await Promise.all([...connections].map((c) => c.stop()));
          await closed;
        },
      });
    });
  });
}
