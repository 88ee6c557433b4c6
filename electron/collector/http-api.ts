/**
 * The collector's HTTP API, as one request handler that mounts on any loopback
 * server (the web-mode server, or the collector's own listener in the desktop app):
 *
 *   POST /api/collector/batches              a batch (NDJSON or {"records":[…]}): 202 new, 200 duplicate
 *   GET  /api/collector/pending              batches waiting for an engine, oldest first
 *   GET  /api/collector/batches/<id>         a batch's bytes
 *   POST /api/collector/batches/<id>/ack     the engine committed it: delete from the spool
 *   GET  /api/collector/events               server-sent events: `batch` (new), `ack` (imported)
 *   GET  /api/collector/status               events/s, last batch, refusals, errors, spool usage
 *
 * Every route needs `Authorization: Bearer <token>`, a loopback peer, and a Host
 * (and Origin, when sent) naming this very listener — no DNS rebinding, no
 * cross-site requests. Nothing answers with CORS headers, so no other origin
 * can read a response.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAllowedHost, isAllowedOrigin } from '../web/server';
import { checkBatchBody } from './batch-body';
import { type BatchMeta, isBatchId, type Spool, SpoolFullError } from './spool';
import type { CollectorStats, RefusalReason } from './stats';
import { bearerMatches } from './token';

export const API_PREFIX = '/api/collector/';

export interface HttpLimits {
  /** Largest accepted request body (413 above). */
  maxBodyBytes: number;
  /** Bodies read at once; more get 429 (bounds memory: maxBodyBytes × this). */
  maxConcurrentUploads: number;
  /** Open event streams at once. */
  maxEventStreams: number;
  /** Retry-After, in seconds, on 429. */
  retryAfterSeconds: number;
  /** Interval of the keep-alive comment on event streams. */
  heartbeatMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxConcurrentUploads: 4,
  maxEventStreams: 16,
  retryAfterSeconds: 5,
  heartbeatMs: 15_000,
};

/** Bytes of an unwanted body read and dropped before the connection is cut. */
const DRAIN_LIMIT = 1024 * 1024;
/** An event stream whose client stops reading is dropped past this many unsent bytes. */
const STREAM_BACKLOG_LIMIT = 1024 * 1024;

export interface CollectorApiDeps {
  token: string;
  spool: Spool;
  stats: CollectorStats;
  /** Extra status fields (listener addresses, token file) merged into GET /status. */
  describe(): Record<string, unknown>;
  limits?: Partial<HttpLimits>;
}

export interface CollectorApi {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Ends every event stream (before the server closes). */
  closeStreams(): void;
}

export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

/** Host, Origin and peer checks shared by every collector route (and the web session route). */
export function isAllowedRequest(req: IncomingMessage): boolean {
  const port = req.socket.localPort ?? -1;
  return (
    isLoopbackAddress(req.socket.remoteAddress) &&
    isAllowedHost(req.headers.host, port) &&
    isAllowedOrigin(req.headers.origin, port)
  );
}

const BASE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Answers before (or instead of) reading the body, then reads and drops a
 * little of it so the client sees the answer rather than a reset connection.
 */
function refuseUpload(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, body, { ...headers, Connection: 'close' });
  let drained = 0;
  req.on('data', (c: Buffer) => {
    drained += c.length;
    if (drained > DRAIN_LIMIT) req.destroy();
  });
  req.resume();
}

type BodyResult = { ok: true; bytes: Buffer } | { ok: false; tooLarge: boolean };

function readBody(req: IncomingMessage, max: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        parts.length = 0;
        finish({ ok: false, tooLarge: true });
        return;
      }
      parts.push(c);
    });
    req.on('end', () => finish({ ok: true, bytes: Buffer.concat(parts, size) }));
    req.on('error', () => finish({ ok: false, tooLarge: false }));
    req.on('close', () => finish({ ok: false, tooLarge: false }));
  });
}

export function createCollectorApi(deps: CollectorApiDeps): CollectorApi {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...deps.limits };
  const { spool, stats } = deps;
  let uploads = 0;
  const streams = new Set<ServerResponse>();

  const refuse = (reason: RefusalReason) => stats.refuse(reason);
  const busy = (req: IncomingMessage, res: ServerResponse, message: string) => {
    refuse('busy');
    refuseUpload(req, res, 429, { error: message }, { 'Retry-After': String(limits.retryAfterSeconds) });
  };

  async function postBatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const declared = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') {
      refuse('unsupportedMediaType');
      refuseUpload(req, res, 415, { error: 'Send the batch uncompressed (no Content-Encoding).' });
      return;
    }
    if (declared !== null && (!Number.isSafeInteger(declared) || declared > limits.maxBodyBytes)) {
      refuse('tooLarge');
      refuseUpload(req, res, 413, { error: `A batch may hold at most ${limits.maxBodyBytes} bytes: split it.` });
      return;
    }
    if (uploads >= limits.maxConcurrentUploads) return busy(req, res, 'Too many batches arriving at once: retry.');
    if (!spool.hasRoom(declared ?? 1))
      return busy(req, res, 'The spool is full until an engine imports pending batches.');
    uploads++;
    let body: BodyResult;
    try {
      body = await readBody(req, limits.maxBodyBytes);
    } finally {
      uploads--;
    }
    if (!body.ok) {
      if (body.tooLarge) {
        refuse('tooLarge');
        refuseUpload(req, res, 413, { error: `A batch may hold at most ${limits.maxBodyBytes} bytes: split it.` });
      }
      return; // the client went away: nothing was acknowledged
    }
    const check = checkBatchBody(req.headers['content-type'], body.bytes);
    if (!check.ok) {
      refuse(check.status === 415 ? 'unsupportedMediaType' : 'invalid');
      sendJson(res, check.status, { error: check.message });
      return;
    }
    try {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const ext = check.kind === 'http-json' ? 'json' : 'ndjson';
      const r = await spool.put(body.bytes, {
        kind: check.kind,
        contentType: check.contentType,
        name: `live-${stamp}.${ext}`,
        events: check.events,
      });
      if (r.duplicate) {
        refuse('duplicate');
        sendJson(res, 200, { id: r.meta.id, duplicate: true, imported: spool.isAcked(r.meta.id) });
        return;
      }
      stats.batch(check.events);
      sendJson(res, 202, { id: r.meta.id, duplicate: false, events: check.events, bytes: r.meta.size });
    } catch (e) {
      if (e instanceof SpoolFullError) {
        refuse('busy');
        sendJson(res, 429, { error: e.message }, { 'Retry-After': String(limits.retryAfterSeconds) });
        return;
      }
      const code = (e as NodeJS.ErrnoException).code;
      stats.error('spool', `Could not store a batch: ${(e as Error).message}`);
      if (code === 'ENOSPC') sendJson(res, 507, { error: 'The disk holding the spool is full.' });
      else sendJson(res, 500, { error: 'The batch could not be stored; it was not acknowledged: retry.' });
    }
  }

  function sendBatch(req: IncomingMessage, res: ServerResponse, m: BatchMeta): void {
    const stream = createReadStream(spool.dataPath(m.id));
    stream.once('open', () => {
      res.writeHead(200, {
        ...BASE_HEADERS,
        'Content-Type': m.contentType,
        'Content-Length': m.size,
        'X-Cloudscope-Batch-Kind': m.kind,
        'X-Cloudscope-Batch-Name': encodeURIComponent(m.name),
      });
      if (req.method === 'HEAD') {
        stream.destroy();
        res.end();
      } else stream.pipe(res);
    });
    stream.once('error', () => {
      if (!res.headersSent) sendJson(res, 404, { error: 'No such pending batch (already imported?).' });
      else res.destroy();
    });
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= limits.maxEventStreams) {
      refuse('busy');
      sendJson(
        res,
        429,
        { error: 'Too many open event streams.' },
        { 'Retry-After': String(limits.retryAfterSeconds) },
      );
      return;
    }
    res.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const write = (text: string) => {
      if (res.writableLength > STREAM_BACKLOG_LIMIT) {
        res.destroy();
        return;
      }
      res.write(text);
    };
    write(`retry: 3000\n\nevent: hello\ndata: ${JSON.stringify({ pending: spool.usage().batches })}\n\n`);
    const offAdded = spool.onAdded((m) => write(`event: batch\nid: ${m.id}\ndata: ${JSON.stringify(m)}\n\n`));
    const offAcked = spool.onAcked((id) => write(`event: ack\ndata: ${JSON.stringify({ id })}\n\n`));
    const beat = setInterval(() => write(': keep-alive\n\n'), limits.heartbeatMs);
    beat.unref();
    streams.add(res);
    const cleanup = () => {
      clearInterval(beat);
      offAdded();
      offAcked();
      streams.delete(res);
    };
    res.on('close', cleanup);
    req.on('close', cleanup);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (!url.pathname.startsWith(API_PREFIX)) return false;
    if (!isAllowedRequest(req)) {
      refuse('forbidden');
      refuseUpload(req, res, 403, { error: 'Forbidden: the collector answers on its loopback address only.' });
      return true;
    }
    if (!bearerMatches(req.headers.authorization, deps.token)) {
      refuse('unauthorized');
      refuseUpload(
        req,
        res,
        401,
        { error: 'Send Authorization: Bearer <token> (the token file is shown by Cloudscope).' },
        {
          'WWW-Authenticate': 'Bearer realm="cloudscope-collector"',
        },
      );
      return true;
    }
    const path = url.pathname.slice(API_PREFIX.length);
    const method = req.method ?? 'GET';
    const parts = path.split('/');
    const allow = (m: string) => {
      refuseUpload(req, res, 405, { error: `Use ${m}.` }, { Allow: m });
      return true;
    };

    if (path === 'batches') {
      if (method !== 'POST') return allow('POST');
      await postBatch(req, res);
      return true;
    }
    if (path === 'pending') {
      if (method !== 'GET') return allow('GET');
      const limitParam = Number(url.searchParams.get('limit') ?? 1000);
      const limit = Number.isSafeInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, 10_000) : 1000;
      const u = spool.usage();
      sendJson(res, 200, { batches: spool.list(limit), total: u.batches, totalBytes: u.bytes });
      return true;
    }
    if (path === 'events') {
      if (method !== 'GET') return allow('GET');
      openStream(req, res);
      return true;
    }
    if (path === 'status') {
      if (method !== 'GET') return allow('GET');
      sendJson(res, 200, { ...stats.snapshot(), spool: spool.usage(), ...deps.describe() });
      return true;
    }
    if (parts[0] === 'batches' && parts.length >= 2 && parts.length <= 3) {
      const id = parts[1];
      if (!isBatchId(id)) {
        sendJson(res, 400, { error: 'A batch id is the SHA-256 of its bytes in lowercase hex.' });
        return true;
      }
      if (parts.length === 2) {
        if (method !== 'GET' && method !== 'HEAD') return allow('GET, HEAD');
        const m = spool.get(id);
        if (!m)
          sendJson(res, 404, { error: 'No such pending batch (already imported?).', imported: spool.isAcked(id) });
        else sendBatch(req, res, m);
        return true;
      }
      if (parts[2] === 'ack') {
        if (method !== 'POST') return allow('POST');
        req.resume();
        const r = await spool.ack(id);
        if (r === 'unknown') sendJson(res, 404, { error: 'No such batch.' });
        else sendJson(res, 200, { id, acked: true, deleted: r === 'deleted' });
        return true;
      }
    }
    sendJson(res, 404, { error: 'No such collector route.' });
    return true;
  }

  return {
    handle,
    closeStreams() {
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
