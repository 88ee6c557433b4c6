/**
 * File access for the renderer without giving it paths: the main process opens
 * files the analyst chose (dialog, drag-and-drop, open-with) and hands out
 * opaque tokens; the engine then pulls bounded chunks by token. Exports are
 * written through one helper: a fixed folder chosen by the analyst, a sanitised
 * name, and an atomic write (temp file + rename).
 */
import { randomUUID } from 'node:crypto';
import { open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { FileRef } from '../../shared/ipc/contract';

const MAX_CHUNK = 16 * 1024 * 1024;

export class FileRegistry {
  private readonly byToken = new Map<string, string>();

  async add(path: string): Promise<FileRef> {
    const s = await stat(path);
    if (!s.isFile()) throw new Error(`${basename(path)} is not a file`);
    const token = randomUUID();
    this.byToken.set(token, resolve(path));
    return { token, name: basename(path), size: s.size };
  }

  /** Reads `length` bytes at `offset` (bounded), an empty array at end of file. */
  async read(token: string, offset: number, length: number): Promise<Uint8Array> {
    const path = this.byToken.get(token);
    if (!path) throw new Error('Unknown file token: open the file again');
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new Error('Invalid read range');
    }
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(Math.min(length, MAX_CHUNK));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  forget(token: string): void {
    this.byToken.delete(token);
  }
}

/** A file name safe on every OS: no separators, no traversal, no control or reserved characters. */
export function safeFileName(name: string): string {
  const cleaned = Array.from(name, (ch) => (ch.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
    .join('')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return cleaned.length > 0 ? cleaned : 'export';
}

/**
 * Writes `data` to `dir/name` atomically. The target must stay inside `dir`
 * (after sanitising, a name can't escape it; the check guards the helper itself).
 */
export async function writeFileAtomic(dir: string, name: string, data: string | Uint8Array): Promise<string> {
  const root = resolve(dir);
  const target = resolve(join(root, safeFileName(name)));
  if (dirname(target) !== root || !target.startsWith(root + sep)) throw new Error('Export path escapes its folder');
  const tmp = `${target}.${randomUUID()}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  return target;
}
