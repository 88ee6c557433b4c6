/**
 * The main process's IPC handlers as plain functions of their collaborators,
 * so tests call them directly without Electron.
 */
import { type FileRef, isSafeExternalUrl } from '../../shared/ipc/contract';
import type { Collector } from '../collector/collector';
import type { FileRegistry } from './files';
import { writeFileAtomic } from './files';
import type { InvokeHandlers } from './ipc';
import { createLiveHandlers } from './live';
import type { RecentFiles } from './recent';
import type { SettingsService } from './settings';

export interface MainDeps {
  appInfo: { name: string; version: string; platform: string; userDataDir: string };
  settings: SettingsService;
  files: FileRegistry;
  /** Files opened through the dialog join File ▸ Open Recent. */
  recent: Pick<RecentFiles, 'add'>;
  /** The live collector, once started; null when it could not start. */
  collector: Promise<Collector | null>;
  /** Native open dialog: returns chosen paths (empty when cancelled). */
  showOpenDialog(): Promise<string[]>;
  /** Native save dialog: returns the chosen path or null. */
  showSaveDialog(suggestedName: string, filter?: { name: string; extensions: string[] }): Promise<string | null>;
  openExternal(url: string): Promise<void>;
  /** Renders HTML to PDF bytes (a hidden BrowserWindow with JavaScript off, then printToPDF). */
  printToPdf(html: string): Promise<Uint8Array>;
}

export function createHandlers(deps: MainDeps): InvokeHandlers {
  return {
    'app.info': () => deps.appInfo,
    'settings.get': () => deps.settings.get(),
    'settings.set': (patch) => deps.settings.set(patch),
    'files.open': async () => {
      const refs: FileRef[] = [];
      for (const p of await deps.showOpenDialog()) {
        refs.push(await deps.files.add(p));
        deps.recent.add(p);
      }
      return refs;
    },
    'files.read': (token, offset, length) => deps.files.read(token, offset, length),
    'export.save': async (req) => {
      const chosen = await deps.showSaveDialog(req.suggestedName, req.filter);
      if (!chosen) return { saved: false };
      const { dirname, basename } = await import('node:path');
      const path = await writeFileAtomic(dirname(chosen), basename(chosen), req.data);
      return { saved: true, path };
    },
    'export.pdf': async ({ suggestedName, html }) => {
      const chosen = await deps.showSaveDialog(suggestedName, { name: 'PDF', extensions: ['pdf'] });
      if (!chosen) return { saved: false };
      const pdf = await deps.printToPdf(html);
      const { dirname, basename } = await import('node:path');
      return { saved: true, path: await writeFileAtomic(dirname(chosen), basename(chosen), pdf) };
    },
    'shell.openExternal': async (url) => {
      if (!isSafeExternalUrl(url)) return false;
      await deps.openExternal(url);
      return true;
    },
    ...createLiveHandlers(deps.collector),
  };
}
