/**
 * Files the OS hands the app — command line, a second launch, macOS open-file,
 * File ▸ Open Recent — all take one path: into the FileRegistry (the renderer
 * gets tokens, never paths), onto the recent list, then one 'files.opened'
 * event. Those arriving before the window can receive them wait in a queue.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileRef } from '../../shared/ipc/contract';

/**
 * The file arguments of a command line. argv[0] is the executable; when run
 * unpackaged (`electron .`, `process.defaultApp`) argv[1] is the app folder.
 * Flags are skipped: Chromium appends switches of its own to a second
 * instance's argv, and macOS may pass `-psn_…`. Linux desktop entries pass
 * `file://` URIs (`Exec=cloudscope %U`). Relative paths are resolved against
 * the launching shell's folder, which for a second instance is not ours.
 */
export function pathsFromArgv(argv: readonly string[], o: { defaultApp: boolean; cwd: string }): string[] {
  return argv
    .slice(o.defaultApp ? 2 : 1)
    .filter((a) => typeof a === 'string' && a.length > 0 && !a.startsWith('-') && !a.includes('\0'))
    .flatMap((a) => {
      if (!a.startsWith('file:')) return [resolve(o.cwd, a)];
      try {
        return [fileURLToPath(a)];
      } catch {
        return []; // a file URI naming another host, or malformed
      }
    });
}

export interface OpenDeps {
  files: { add(path: string): Promise<FileRef> };
  recent: { add(path: string): void; remove(path: string): void };
  send(refs: FileRef[]): void;
}

export interface OpenResult {
  opened: FileRef[];
  failed: { path: string; reason: string }[];
}

/**
 * Opens each path; the ones that opened go to the window in one event and to
 * the recent list; the ones that did not (moved, deleted, a folder) leave the
 * recent list and are returned so the caller can say so.
 */
export async function openPaths(paths: readonly string[], deps: OpenDeps): Promise<OpenResult> {
  const result: OpenResult = { opened: [], failed: [] };
  for (const path of paths) {
    try {
      result.opened.push(await deps.files.add(path));
      deps.recent.add(path);
    } catch (e) {
      deps.recent.remove(path);
      result.failed.push({ path, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  if (result.opened.length > 0) deps.send(result.opened);
  return result;
}

/** Holds paths until the window has loaded, then passes them on in arrival order. */
export class LaunchQueue {
  private queued: string[] | null = [];
  constructor(private readonly open: (paths: string[]) => void) {}

  push(paths: readonly string[]): void {
    if (paths.length === 0) return;
    if (this.queued) this.queued.push(...paths);
    else this.open([...paths]);
  }

  /** The window can receive files now: flush what waited, and pass later paths straight on. */
  ready(): void {
    if (!this.queued) return;
    const waiting = this.queued;
    this.queued = null;
    if (waiting.length > 0) this.open(waiting);
  }
}

/** What to tell the analyst about files that could not be opened, or null when all opened. */
export function describeOpenFailures(failed: OpenResult['failed']): { message: string; detail: string } | null {
  if (failed.length === 0) return null;
  return {
    message:
      failed.length === 1 ? 'Cloudscope could not open a file' : `Cloudscope could not open ${failed.length} files`,
    detail: failed.map((f) => `${f.path}\n  ${f.reason}`).join('\n'),
  };
}
