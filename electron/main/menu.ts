/**
 * The application menu as a template built by a pure function, so its items,
 * shortcuts and the Open Recent list are tested as data; index.ts only hands
 * the result to Menu.buildFromTemplate and rebuilds it when the list changes.
 * No developer-tools entry on purpose (see docs/SECURITY.md).
 */
import { basename, dirname } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/ipc/contract';

export interface MenuActions {
  command(c: MenuCommand): void;
  /** Reopens a recent file through the file registry (→ 'files.opened'). */
  openRecent(path: string): void;
  clearRecent(): void;
}

export interface MenuOptions {
  platform: string;
  /** Recent imports, newest first. */
  recent: readonly string[];
  /** The user's home folder, shown as `~` in recent paths (not on Windows). */
  home?: string;
}

/**
 * A recent file's menu label: its name, then the folder it is in. `&` is
 * doubled because Windows and Linux menus read a single one as a mnemonic
 * marker and would swallow it.
 */
export function recentLabel(path: string, home: string | undefined, platform: string): string {
  let folder = dirname(path);
  if (home && platform !== 'win32' && (folder === home || folder.startsWith(`${home}/`))) {
    folder = `~${folder.slice(home.length)}`;
  }
  return `${basename(path)} — ${folder}`.replaceAll('&', '&&');
}

function recentSubmenu(o: MenuOptions, a: MenuActions): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] =
    o.recent.length === 0
      ? [{ label: 'No recent imports', enabled: false }]
      : o.recent.map((path) => ({ label: recentLabel(path, o.home, o.platform), click: () => a.openRecent(path) }));
  return [
    ...items,
    { type: 'separator' },
    { label: 'Clear Recently Opened', enabled: o.recent.length > 0, click: () => a.clearRecent() },
  ];
}

export function buildMenuTemplate(o: MenuOptions, a: MenuActions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const cmd = (c: MenuCommand) => () => a.command(c);
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Import telemetry…', accelerator: 'CmdOrCtrl+O', click: cmd('import') },
        { label: 'Open Recent', submenu: recentSubmenu(o, a) },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: cmd('export') },
        { type: 'separator' },
        // On macOS, Quit lives in the app menu and File ends with Close Window.
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    // Without Edit roles, macOS has no copy/paste shortcuts in text fields.
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Reload data', accelerator: 'CmdOrCtrl+R', click: cmd('reload') },
        { label: 'Toggle theme', accelerator: 'CmdOrCtrl+Shift+L', click: cmd('toggleTheme') },
        { type: 'separator' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'resetZoom' },
        { role: 'togglefullscreen' },
      ],
    },
  ];
  return mac ? [{ role: 'appMenu' }, ...template, { role: 'windowMenu' }] : template;
}
