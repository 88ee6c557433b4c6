/**
 * A watched folder for rotated log files: a file is spooled once it has stopped
 * changing for `settleMs` (a writer or a copy is done with it). A file that
 * later grows (same file, larger) has only its new bytes spooled, as their own
 * batch — right for line formats (Squid, FortiGate, CEF); header-bearing
 * formats (CSV, W3C, Zeek TSV) should land as finished files. A file replaced
 * by a different one (another inode, or smaller) is spooled whole again.
 *
 * fs.watch gives prompt notice where the OS supports it; a poll every `pollMs`
 * covers the rest (network shares, editors that replace files) and checks the
 * settle time. What was spooled is remembered in a state file, by name and
 * inode, so neither a restart nor a rotation (a rename) spools the same bytes
 * twice (and if one did, the SHA-256 of identical bytes would catch it).
 * Hidden files and names ending .tmp, .part, .partial, .crdownload or .swp are ignored.
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readHead } from '../cli/file-stream';
import { type Spool, SpoolFullError, writeJsonAtomic } from './spool';
import type { CollectorStats } from './stats';

export interface FolderOptions {
  path: string;
  spool: Spool;
  stats: CollectorStats;
  /** Where to keep what has been spooled (a JSON file). */
  statePath: string;
  settleMs?: number;
  pollMs?: number;
}

export interface FolderWatcher {
  path: string;
  mode: 'watch+poll' | 'poll';
  /** Scans now (tests and "check now" buttons); resolves when the scan is done. */
  scan(): Promise<void>;
  close(): Promise<void>;
}

interface FileState {
  /** Last name seen for this file (for messages; the key is the inode). */
  name: string;
  /** Bytes already spooled. */
  offset: number;
  /** SHA-256 of the first bytes, so a reused inode holding another file is not taken for this one. */
  head: string;
}

/** Bytes fingerprinted to recognise a file across renames. */
const FINGERPRINT_BYTES = 1024;

interface Seen {
  size: number;
  mtimeMs: number;
  ino: number;
  /** When this size/mtime was first seen. */
  since: number;
}

const IGNORED = /(^\.)|\.(tmp|part|partial|crdownload|swp)$/i;

function isCompressed(head: Buffer): boolean {
  return (head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0x50 && head[1] === 0x4b);
}

function fingerprint(head: Buffer, offset: number): string {
  return createHash('sha256')
    .update(head.subarray(0, Math.min(FINGERPRINT_BYTES, offset)))
    .digest('hex');
}

/** State key: the inode (stable across renames), or the name where the file system reports none. */
function keyOf(name: string, ino: number): string {
  return ino > 0 ? `ino:${ino}` : `name:${name}`;
}

export async function watchFolder(opts: FolderOptions): Promise<FolderWatcher> {
  const settleMs = opts.settleMs ?? 2000;
  const pollMs = opts.pollMs ?? 1000;
  const { spool, stats } = opts;
  const stateDir = dirname(opts.statePath);
  const stateName = basename(opts.statePath);

  let state: Record<string, FileState> = {};
  try {
    const v = JSON.parse(await readFile(opts.statePath, 'utf8')) as unknown;
    if (v && typeof v === 'object') state = v as Record<string, FileState>;
  } catch {
    /* no state yet */
  }
  const seen = new Map<string, Seen>();
  let closed = false;
  let scanning: Promise<void> | null = null;
  let rescan = false;

  const s = await stat(opts.path).catch(() => null);
  if (!s?.isDirectory()) throw new Error(`${opts.path} is not a folder`);

  /**
   * Spools what is new in a settled file. Progress is keyed by inode, so a
   * rotation that renames the file being written (access.log -> access.log.1)
   * continues where it was and spools only what was appended since.
   */
  async function ingest(name: string, full: string, cur: Seen): Promise<boolean> {
    const key = keyOf(name, cur.ino);
    const prev = state[key];
    const head = await readHead(full, FINGERPRINT_BYTES);
    const same = prev !== undefined && prev.offset <= cur.size && prev.head === fingerprint(head, prev.offset);
    const from = same ? prev.offset : 0;
    if (cur.size === from) {
      if (!same || prev.name === name) return false;
      state[key] = { ...prev, name }; // renamed, nothing new
      return true;
    }
    const compressed = isCompressed(head);
    // A compressed file cannot be split: it goes whole, every time it changes.
    const start = compressed ? 0 : from;
    const done = () => {
      state[key] = { name, offset: cur.size, head: fingerprint(head, cur.size) };
    };
    try {
      const r = await spool.putFileRange(
        full,
        start,
        cur.size,
        {
          kind: 'folder',
          contentType: compressed ? 'application/octet-stream' : 'text/plain; charset=utf-8',
          name: start === 0 ? name : `${name} (bytes ${start}–${cur.size})`,
        },
        !compressed,
      );
      if (!r.duplicate) stats.batch(r.meta.events);
      done();
      return true;
    } catch (e) {
      if (e instanceof SpoolFullError && e.reason !== 'batch-too-large') return false; // retried at the next scan
      stats.error('folder', `${name}: ${(e as Error).message}`);
      // Remember it anyway so a file that can never fit is not retried forever.
      done();
      return true;
    }
  }

  async function scanOnce(): Promise<void> {
    const now = Date.now();
    let names: string[];
    try {
      names = await readdir(opts.path);
    } catch (e) {
      stats.error('folder', `Cannot read ${opts.path}: ${(e as Error).message}`);
      return;
    }
    let changed = false;
    const present = new Set<string>();
    for (const name of names.sort()) {
      if (closed) return;
      if (IGNORED.test(name)) continue;
      const full = join(opts.path, name);
      const st = await stat(full).catch(() => null);
      if (!st?.isFile()) continue;
      present.add(keyOf(name, st.ino));
      const prev = seen.get(name);
      if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs || prev.ino !== st.ino) {
        seen.set(name, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, since: now });
        continue;
      }
      if (now - prev.since < settleMs) continue;
      if (await ingest(name, full, prev)) changed = true;
    }
    for (const [name, v] of [...seen]) if (!present.has(keyOf(name, v.ino))) seen.delete(name);
    for (const key of Object.keys(state)) {
      if (!present.has(key)) {
        delete state[key];
        changed = true;
      }
    }
    if (changed) {
      await writeJsonAtomic(stateDir, stateName, state).catch((e: Error) =>
        stats.error('folder', `Cannot save the folder state: ${e.message}`),
      );
    }
  }

  function scan(): Promise<void> {
    if (scanning) {
      rescan = true;
      return scanning;
    }
    scanning = (async () => {
      try {
        do {
          rescan = false;
          await scanOnce();
        } while (rescan && !closed);
      } finally {
        scanning = null;
      }
    })();
    return scanning;
  }

  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  try {
    watcher = watch(opts.path, { persistent: false }, () => {
      if (debounce) return;
      debounce = setTimeout(() => {
        debounce = null;
        void scan();
      }, 100);
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null; // fs.watch unsupported here: polling alone
  }
  const poll = setInterval(() => void scan(), Math.max(50, pollMs));
  poll.unref();
  void scan();

  return {
    path: opts.path,
    mode: watcher ? 'watch+poll' : 'poll',
    scan,
    close: async () => {
      closed = true;
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      watcher?.close();
      if (scanning) await scanning;
    },
  };
}
