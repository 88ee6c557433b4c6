/**
 * The collector's spool: every batch the collector acknowledges is on disk
 * first, and stays there until an engine says it has committed the import.
 *
 * On disk, per batch: `<sha256>.json` (metadata) and `<sha256>.data` (the bytes
 * exactly as received). Both are written as a temp file, fsynced and renamed,
 * metadata first, so a batch exists once its `.data` name does; then the folder
 * itself is fsynced so the rename survives a power cut. Temp files and metadata
 * without data (a crash mid-write) are swept when the spool opens.
 *
 * Acknowledged ids are appended (fsynced) to `acked.log` before the files are
 * deleted, so an ack interrupted by a crash completes at the next open, and a
 * sender repeating a batch an engine already imported gets "duplicate" instead
 * of a second import. The journal keeps the most recent ids only; the engine's
 * own check (an import whose SHA-256 it already has adds nothing) covers older ones.
 *
 * Bounded: at most `maxBatches` batches and `maxBytes` bytes, counting writes in
 * flight; a put that does not fit throws SpoolFullError (HTTP answers 429, the
 * syslog listener stops reading its sockets, the folder watcher waits).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export type BatchKind = 'http-ndjson' | 'http-json' | 'syslog' | 'folder';

export interface BatchMeta {
  /** SHA-256 of the bytes, lowercase hex: the batch's identity. */
  id: string;
  size: number;
  kind: BatchKind;
  /** Content type to read the bytes with (application/x-ndjson, application/json, text/plain). */
  contentType: string;
  /** Name shown in the import's provenance. */
  name: string;
  /** Records (JSON) or non-blank lines (text) in the batch; null when unknown (compressed files). */
  events: number | null;
  /** When the collector stored it (UTC ms). */
  receivedAt: number;
}

export type BatchInfo = Pick<BatchMeta, 'kind' | 'contentType' | 'name' | 'events'>;

export interface PutResult {
  meta: BatchMeta;
  /** True when the spool already held this batch or an engine already acknowledged it. */
  duplicate: boolean;
}

export interface SpoolLimits {
  maxBytes: number;
  maxBatches: number;
  /** How many acknowledged ids are remembered to answer repeated deliveries. */
  ackedMemory: number;
}

export const DEFAULT_SPOOL_LIMITS: SpoolLimits = {
  maxBytes: 1024 * 1024 * 1024,
  maxBatches: 10_000,
  ackedMemory: 10_000,
};

export class SpoolFullError extends Error {
  constructor(readonly reason: 'bytes' | 'batches' | 'batch-too-large') {
    super(
      reason === 'batch-too-large'
        ? 'The batch is larger than the whole spool'
        : `The spool is full (${reason}): an engine has to import pending batches first`,
    );
  }
}

const ID_RE = /^[0-9a-f]{64}$/;
const KINDS: ReadonlySet<string> = new Set(['http-ndjson', 'http-json', 'syslog', 'folder']);
const ACKED_LOG = 'acked.log';

export function isBatchId(s: string): boolean {
  return ID_RE.test(s);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let tmpCounter = 0;
function tmpName(dir: string, base: string): string {
  tmpCounter = (tmpCounter + 1) % 1e9;
  return join(dir, `${base}.${process.pid}.${Date.now().toString(36)}.${tmpCounter}.tmp`);
}

async function writeDurable(path: string, dir: string, base: string, data: string | Uint8Array): Promise<void> {
  const tmp = tmpName(dir, base);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Makes renames in `dir` durable; a no-op where folders cannot be opened (Windows). */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    /* not supported on this platform */
  } finally {
    await fh?.close().catch(() => {});
  }
}

function parseMeta(id: string, text: string, size: number, fallbackAt: number): BatchMeta {
  let m: Partial<BatchMeta> = {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object') m = v as Partial<BatchMeta>;
  } catch {
    /* damaged metadata: the bytes still count, with neutral metadata */
  }
  return {
    id,
    size,
    kind: typeof m.kind === 'string' && KINDS.has(m.kind) ? m.kind : 'folder',
    contentType: typeof m.contentType === 'string' ? m.contentType : 'application/octet-stream',
    name: typeof m.name === 'string' && m.name.length > 0 ? m.name : `batch-${id.slice(0, 12)}`,
    events: typeof m.events === 'number' && Number.isSafeInteger(m.events) && m.events >= 0 ? m.events : null,
    receivedAt: typeof m.receivedAt === 'number' && Number.isFinite(m.receivedAt) ? m.receivedAt : fallbackAt,
  };
}

export interface SpoolOpenReport {
  /** Batches found pending. */
  batches: number;
  /** Temp files and orphaned metadata removed (writes a crash interrupted). */
  swept: number;
  /** Acks a crash interrupted, completed now. */
  completedAcks: number;
}

export class Spool {
  private readonly entries = new Map<string, BatchMeta>();
  private bytes = 0;
  private reservedBytes = 0;
  private reservedBatches = 0;
  private readonly inflight = new Map<string, Promise<PutResult>>();
  private readonly pendingWrites = new Set<Promise<unknown>>();
  private readonly acked = new Set<string>();
  private ackedOrder: string[] = [];
  private readonly addedListeners = new Set<(m: BatchMeta) => void>();
  private readonly ackedListeners = new Set<(id: string) => void>();
  private closed = false;
  private ackChain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly limits: SpoolLimits,
    readonly openReport: SpoolOpenReport,
  ) {}

  static async open(dir: string, limits: Partial<SpoolLimits> = {}): Promise<Spool> {
    const lim = { ...DEFAULT_SPOOL_LIMITS, ...limits };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const report: SpoolOpenReport = { batches: 0, swept: 0, completedAcks: 0 };
    const spool = new Spool(dir, lim, report);

    const ackedText = await readFile(join(dir, ACKED_LOG), 'utf8').catch(() => '');
    const ackedIds = ackedText.split('\n').filter((l) => ID_RE.test(l));
    spool.ackedOrder = ackedIds.slice(-lim.ackedMemory);
    for (const id of spool.ackedOrder) spool.acked.add(id);
    // Every journalled id counts for finishing interrupted acks, not only the remembered tail.
    const everAcked = new Set(ackedIds);

    const names = await readdir(dir);
    const dataIds = new Set<string>();
    const metaIds = new Set<string>();
    for (const n of names) {
      if (n.endsWith('.tmp')) {
        await unlink(join(dir, n)).catch(() => {});
        report.swept++;
        continue;
      }
      const [base, ext] = n.split('.', 2);
      if (!ID_RE.test(base)) continue;
      if (ext === 'data') dataIds.add(base);
      else if (ext === 'json') metaIds.add(base);
    }
    const loaded: BatchMeta[] = [];
    for (const id of dataIds) {
      if (everAcked.has(id)) {
        await unlink(join(dir, `${id}.data`)).catch(() => {});
        await unlink(join(dir, `${id}.json`)).catch(() => {});
        metaIds.delete(id);
        report.completedAcks++;
        continue;
      }
      const s = await stat(join(dir, `${id}.data`));
      const text = metaIds.has(id) ? await readFile(join(dir, `${id}.json`), 'utf8').catch(() => '') : '';
      loaded.push(parseMeta(id, text, s.size, s.mtimeMs));
      metaIds.delete(id);
    }
    for (const id of metaIds) {
      await unlink(join(dir, `${id}.json`)).catch(() => {});
      report.swept++;
    }
    loaded.sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1));
    for (const m of loaded) {
      spool.entries.set(m.id, m);
      spool.bytes += m.size;
    }
    report.batches = loaded.length;
    return spool;
  }

  /** Pending (not yet acknowledged) batches, oldest first. */
  list(limit = Number.POSITIVE_INFINITY): BatchMeta[] {
    const out: BatchMeta[] = [];
    for (const m of this.entries.values()) {
      if (out.length >= limit) break;
      out.push(m);
    }
    return out;
  }

  get(id: string): BatchMeta | undefined {
    return this.entries.get(id);
  }

  dataPath(id: string): string {
    if (!ID_RE.test(id)) throw new Error('Not a batch id');
    return join(this.dir, `${id}.data`);
  }

  usage(): { batches: number; bytes: number; maxBatches: number; maxBytes: number } {
    return {
      batches: this.entries.size,
      bytes: this.bytes,
      maxBatches: this.limits.maxBatches,
      maxBytes: this.limits.maxBytes,
    };
  }

  isAcked(id: string): boolean {
    return this.acked.has(id);
  }

  /** Whether a batch of `size` bytes would fit now (for answering 429 before reading a body). */
  hasRoom(size: number): boolean {
    return this.roomFor(size) === null;
  }

  private roomFor(size: number): SpoolFullError['reason'] | null {
    if (size > this.limits.maxBytes) return 'batch-too-large';
    if (this.entries.size + this.reservedBatches + 1 > this.limits.maxBatches) return 'batches';
    if (this.bytes + this.reservedBytes + size > this.limits.maxBytes) return 'bytes';
    return null;
  }

  private reserve(size: number): void {
    const full = this.roomFor(size);
    if (full) throw new SpoolFullError(full);
    this.reservedBytes += size;
    this.reservedBatches += 1;
  }

  private release(size: number): void {
    this.reservedBytes -= size;
    this.reservedBatches -= 1;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pendingWrites.add(p);
    p.then(
      () => this.pendingWrites.delete(p),
      () => this.pendingWrites.delete(p),
    );
    return p;
  }

  private knownResult(id: string): PutResult | null {
    const m = this.entries.get(id);
    if (m) return { meta: m, duplicate: true };
    return null;
  }

  /**
   * Stores a batch durably and resolves once it is on disk (then, and only
   * then, may the caller acknowledge it). Throws SpoolFullError when it does not fit.
   */
  put(bytes: Uint8Array, info: BatchInfo, now = Date.now()): Promise<PutResult> {
    if (this.closed) return Promise.reject(new Error('The spool is closed'));
    const id = sha256Hex(bytes);
    const known = this.knownResult(id);
    if (known) return Promise.resolve(known);
    if (this.acked.has(id))
      return Promise.resolve({ meta: { id, size: bytes.length, ...info, receivedAt: now }, duplicate: true });
    const running = this.inflight.get(id);
    if (running) return running.then((r) => ({ meta: r.meta, duplicate: true }));
    try {
      this.reserve(bytes.length);
    } catch (e) {
      return Promise.reject(e);
    }
    const meta: BatchMeta = { id, size: bytes.length, ...info, receivedAt: now };
    const p = this.track(
      (async () => {
        try {
          await this.commit(meta, (path) => writeDurable(path, this.dir, id, bytes));
          return { meta, duplicate: false };
        } finally {
          this.release(bytes.length);
          this.inflight.delete(id);
        }
      })(),
    );
    this.inflight.set(id, p);
    return p;
  }

  /**
   * Copies bytes [start, end) of a file into the spool as one batch, streaming
   * (never the whole file in memory), hashing and counting lines as it goes.
   */
  putFileRange(
    path: string,
    start: number,
    end: number,
    info: Omit<BatchInfo, 'events'>,
    countLines = true,
    now = Date.now(),
  ): Promise<PutResult> {
    if (this.closed) return Promise.reject(new Error('The spool is closed'));
    const size = Math.max(0, end - start);
    try {
      this.reserve(size);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.track(
      (async (): Promise<PutResult> => {
        const tmp = tmpName(this.dir, 'file');
        let handedOff = false;
        try {
          const hash = createHash('sha256');
          let copied = 0;
          let lines = 0;
          let lastByte = 0x0a;
          let lineHasText = false;
          const out = await open(tmp, 'wx', 0o600);
          try {
            if (size > 0) {
              for await (const chunk of createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 })) {
                const b = chunk as Buffer;
                hash.update(b);
                await out.write(b);
                copied += b.length;
                if (countLines) {
                  for (let i = 0; i < b.length; i++) {
                    const c = b[i];
                    if (c === 0x0a) {
                      if (lineHasText) lines++;
                      lineHasText = false;
                    } else if (c !== 0x0d && c !== 0x20 && c !== 0x09) lineHasText = true;
                  }
                }
                lastByte = b[b.length - 1];
              }
            }
            await out.sync();
          } finally {
            await out.close();
          }
          if (countLines && lastByte !== 0x0a && lineHasText) lines++;
          const id = hash.digest('hex');
          const meta: BatchMeta = { id, size: copied, ...info, events: countLines ? lines : null, receivedAt: now };
          const known = this.knownResult(id);
          const running = this.inflight.get(id);
          if (known || running || this.acked.has(id)) {
            await unlink(tmp).catch(() => {});
            return known ?? (running ? { meta: (await running).meta, duplicate: true } : { meta, duplicate: true });
          }
          const p = this.commit(meta, (target) => rename(tmp, target)).then(() => ({ meta, duplicate: false }));
          handedOff = true;
          this.inflight.set(id, p);
          try {
            return await p;
          } finally {
            this.inflight.delete(id);
          }
        } finally {
          this.release(size);
          if (!handedOff) await unlink(tmp).catch(() => {});
        }
      })(),
    );
  }

  /** Writes metadata, then the data (via `writeData`), then syncs the folder; registers the batch. */
  private async commit(meta: BatchMeta, writeData: (path: string) => Promise<void>): Promise<void> {
    const metaPath = join(this.dir, `${meta.id}.json`);
    const dataPath = join(this.dir, `${meta.id}.data`);
    await writeDurable(metaPath, this.dir, `${meta.id}-meta`, JSON.stringify(meta));
    try {
      await writeData(dataPath);
    } catch (e) {
      await unlink(metaPath).catch(() => {});
      throw e;
    }
    await syncDir(this.dir);
    this.entries.set(meta.id, meta);
    this.bytes += meta.size;
    for (const l of this.addedListeners) l(meta);
  }

  /**
   * An engine committed this batch's import: journal the id, then delete the
   * files. 'unknown' when the spool never held it (or it was acked long ago).
   */
  ack(id: string): Promise<'deleted' | 'already' | 'unknown'> {
    const run = async (): Promise<'deleted' | 'already' | 'unknown'> => {
      const m = this.entries.get(id);
      if (!m) return this.acked.has(id) ? 'already' : 'unknown';
      await this.journal(id);
      this.entries.delete(id);
      this.bytes -= m.size;
      await unlink(join(this.dir, `${id}.data`)).catch(() => {});
      await unlink(join(this.dir, `${id}.json`)).catch(() => {});
      for (const l of this.ackedListeners) l(id);
      return 'deleted';
    };
    // Acks run one at a time so the journal is appended and compacted in order.
    const p = this.ackChain.then(run, run);
    this.ackChain = p.catch(() => {});
    return p;
  }

  private async journal(id: string): Promise<void> {
    const path = join(this.dir, ACKED_LOG);
    const fh = await open(path, 'a', 0o600);
    try {
      await fh.write(`${id}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.acked.add(id);
    this.ackedOrder.push(id);
    if (this.ackedOrder.length > 2 * this.limits.ackedMemory) {
      const drop = this.ackedOrder.splice(0, this.ackedOrder.length - this.limits.ackedMemory);
      for (const d of drop) this.acked.delete(d);
      await writeDurable(path, this.dir, 'acked', `${this.ackedOrder.join('\n')}\n`);
    }
  }

  onAdded(l: (m: BatchMeta) => void): () => void {
    this.addedListeners.add(l);
    return () => this.addedListeners.delete(l);
  }

  onAcked(l: (id: string) => void): () => void {
    this.ackedListeners.add(l);
    return () => this.ackedListeners.delete(l);
  }

  /** Resolves at the next ack (which may have made room) or after `ms`, whichever comes first. */
  roomMayHaveFreed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let off: () => void = () => {};
      const timer = setTimeout(() => {
        off();
        resolve();
      }, ms);
      off = this.onAcked(() => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Refuses new writes and waits for the ones in flight to land (or fail). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pendingWrites, this.ackChain]);
  }
}

/** Writes a small JSON state file atomically (used by the folder watcher). */
export async function writeJsonAtomic(dir: string, name: string, value: unknown): Promise<void> {
  await writeDurable(join(dir, name), dir, name, JSON.stringify(value));
}
