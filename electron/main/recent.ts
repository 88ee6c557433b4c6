/**
 * Recent imports: the last files the analyst opened (dialog or open-with),
 * newest first, kept in the settings store so File ▸ Open Recent survives a
 * restart. Paths stay in the main process; the renderer only ever gets tokens.
 */
import { isAbsolute, resolve } from 'node:path';
import type { KeyValueStore } from './settings';

export const MAX_RECENT = 10;
const KEY = 'recentFiles';

export class RecentFiles {
  private readonly listeners = new Set<(paths: string[]) => void>();

  constructor(
    private readonly store: KeyValueStore,
    /** Windows and macOS file systems ignore case by default, so `C:\\A.csv` and `c:\\a.csv` are one file. */
    private readonly platform: string = process.platform,
  ) {}

  private same(a: string, b: string): boolean {
    return this.platform === 'linux' ? a === b : a.toLowerCase() === b.toLowerCase();
  }

  /** Newest first; whatever a damaged store holds is dropped, not trusted. */
  list(): string[] {
    const raw = this.store.get(KEY);
    if (!Array.isArray(raw)) return [];
    const out: string[] = [];
    for (const p of raw) {
      if (typeof p !== 'string' || p.length === 0 || p.includes('\0') || !isAbsolute(p)) continue;
      if (out.some((q) => this.same(p, q))) continue;
      out.push(p);
      if (out.length === MAX_RECENT) break;
    }
    return out;
  }

  add(path: string): void {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) return;
    const abs = resolve(path);
    this.write([abs, ...this.list().filter((p) => !this.same(p, abs))].slice(0, MAX_RECENT));
  }

  remove(path: string): void {
    const before = this.list();
    const after = before.filter((p) => !this.same(p, path));
    if (after.length !== before.length) this.write(after);
  }

  clear(): void {
    this.write([]);
  }

  onChange(l: (paths: string[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private write(paths: string[]): void {
    this.store.set(KEY, paths);
    for (const l of this.listeners) l(paths);
  }
}
