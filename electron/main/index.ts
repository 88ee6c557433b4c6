/**
 * Cloudscope's Electron main process: windows, menus, dialogs, settings and
 * file access. It stays thin — parsing, aggregation and the database live in
 * the engine worker beside the window.
 *
 * Boot sequence:
 *   1. single-instance lock (a second launch hands its files to the first)
 *   2. crash logging to the user-data folder
 *   3. settings store
 *   4. IPC handlers from the contract
 *   5. the window, hardened (sandbox, context isolation, CSP, no navigation)
 *   6. the menu
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell } from 'electron';
import type { EventChannel, EventContract, MenuCommand } from '../../shared/ipc/contract';
import { FileRegistry } from './files';
import { createHandlers } from './handlers';
import { registerHandlers } from './ipc';
import { createElectronStore, SettingsService } from './settings';
import { CSP, isAllowedNavigation, secureWebPreferences } from './window';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
let win: BrowserWindow | null = null;
const files = new FileRegistry();

function send<E extends EventChannel>(channel: E, payload: EventContract[E]): void {
  win?.webContents.send(channel, payload);
}

async function openPaths(paths: string[]): Promise<void> {
  const refs = await Promise.all(paths.map((p) => files.add(p).catch(() => null)));
  const ok = refs.filter((r) => r !== null);
  if (ok.length > 0) send('files.opened', ok);
}

// 1. single-instance lock
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    void openPaths(argv.slice(1).filter((a) => !a.startsWith('-')));
  });

  // 2. crash logging: never a silent white window
  const logFile = () => join(app.getPath('userData'), 'cloudscope-errors.log');
  const logError = (kind: string, e: unknown) => {
    const line = `${new Date().toISOString()} ${kind}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
    try {
      appendFileSync(logFile(), line);
    } catch {
      /* the log itself failing must not crash the app */
    }
    if (app.isReady()) dialog.showErrorBox('Cloudscope hit an error', `${line}\nLogged to ${logFile()}`);
  };
  process.on('uncaughtException', (e) => logError('uncaughtException', e));
  process.on('unhandledRejection', (e) => logError('unhandledRejection', e));

  app.whenReady().then(async () => {
    // 3. settings
    const settings = new SettingsService(await createElectronStore());
    settings.onChange((s) => send('settings.changed', s));

    // 4. IPC
    registerHandlers(
      ipcMain,
      createHandlers({
        appInfo: {
          name: app.getName(),
          version: app.getVersion(),
          platform: process.platform,
          userDataDir: app.getPath('userData'),
        },
        settings,
        files,
        showOpenDialog: async () => {
          const r = await dialog.showOpenDialog({ properties: ['openFile', 'multiSelections'] });
          return r.canceled ? [] : r.filePaths;
        },
        showSaveDialog: async (suggestedName, filter) => {
          const r = await dialog.showSaveDialog({ defaultPath: suggestedName, filters: filter ? [filter] : [] });
          return r.canceled || !r.filePath ? null : r.filePath;
        },
        openExternal: (url) => shell.openExternal(url),
      }),
      devServerUrl,
    );

    // 5. the window
    session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    win = new BrowserWindow({
      width: 1400,
      height: 900,
      show: false,
      title: 'Cloudscope',
      webPreferences: secureWebPreferences(join(__dirname, '../preload/index.cjs')),
    });
    const appUrl = devServerUrl ?? `file://${join(__dirname, '../renderer/index.html')}`;
    win.webContents.on('will-navigate', (e, url) => {
      if (!isAllowedNavigation(url, appUrl)) e.preventDefault();
    });
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.on('ready-to-show', () => win?.show());
    win.webContents.on('render-process-gone', (_e, d) => logError('render-process-gone', d.reason));
    if (devServerUrl) await win.loadURL(devServerUrl);
    else await win.loadFile(join(__dirname, '../renderer/index.html'));

    // 6. the menu
    const cmd = (c: MenuCommand) => () => send('menu.command', c);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate([
        {
          label: 'File',
          submenu: [
            { label: 'Import telemetry…', accelerator: 'CmdOrCtrl+O', click: cmd('import') },
            { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: cmd('export') },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
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
      ]),
    );
    void openPaths(process.argv.slice(1).filter((a) => !a.startsWith('-') && a !== '.'));
  });

  app.on('window-all-closed', () => app.quit());
}
