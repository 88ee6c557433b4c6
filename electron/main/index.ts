/**
 * Cloudscope's Electron main process: windows, menus, dialogs, settings, file
 * access and the live collector. It stays thin — parsing, aggregation and the
 * database live in the engine worker beside the window. What has logic lives
 * in the modules beside this one, as plain functions tested without Electron;
 * this file wires them to Electron.
 *
 * Boot sequence:
 *   1. single-instance lock (a second launch hands its files to the first); files the OS
 *      hands over (command line, second launch, macOS open-file) queue until step 8
 *   2. crash logging to the user-data folder
 *   3. settings store (settings, window state, recent imports)
 *   4. the live collector on loopback, started in the background (its token stays in main)
 *   5. IPC handlers from the contract
 *   6. the window, hardened (sandbox, context isolation, CSP, no navigation), where it was last time
 *   7. the menu, rebuilt when the recent imports change
 *   8. the queued files are opened; later ones open as they come
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell } from 'electron';
import type { EventChannel, EventContract } from '../../shared/ipc/contract';
import { createErrorLogger, ERROR_LOG_NAME } from './error-log';
import { FileRegistry } from './files';
import { createHandlers } from './handlers';
import { registerHandlers } from './ipc';
import { forwardNewBatches, startDesktopCollector, stopCollector } from './live';
import { buildMenuTemplate } from './menu';
import { describeOpenFailures, LaunchQueue, openPaths, pathsFromArgv } from './opening';
import { RecentFiles } from './recent';
import { createElectronStore, SettingsService } from './settings';
import { CSP, isAllowedNavigation, secureWebPreferences } from './window';
import { MIN_WINDOW_SIZE, placeWindow, trackWindowState } from './window-state';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
let win: BrowserWindow | null = null;
const files = new FileRegistry();

function send<E extends EventChannel>(channel: E, payload: EventContract[E]): void {
  if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
}

// 1. single-instance lock
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Assigned in step 3, once the recent list exists; the queue holds paths until step 8.
  let openNow: (paths: string[]) => void = () => {};
  const launch = new LaunchQueue((paths) => openNow(paths));
  const defaultApp = process.defaultApp === true;
  app.on('second-instance', (_event, argv, workingDirectory) => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    launch.push(pathsFromArgv(argv, { defaultApp, cwd: workingDirectory }));
  });
  // macOS hands over open-with and Dock drops as events, possibly before the app is ready.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    launch.push([path]);
  });
  launch.push(pathsFromArgv(process.argv, { defaultApp, cwd: process.cwd() }));

  // 2. crash logging: never a silent white window
  const logError = createErrorLogger({
    file: () => join(app.getPath('userData'), ERROR_LOG_NAME),
    append: (file, text) => appendFileSync(file, text),
    canShow: () => app.isReady(),
    show: (title, body) => dialog.showErrorBox(title, body),
  });
  process.on('uncaughtException', (e) => logError('uncaughtException', e));
  process.on('unhandledRejection', (e) => logError('unhandledRejection', e));

  app.whenReady().then(async () => {
    // 3. settings, window state and recent imports: one electron-store file
    const store = await createElectronStore();
    const settings = new SettingsService(store);
    settings.onChange((s) => send('settings.changed', s));
    const recent = new RecentFiles(store);
    openNow = (paths) => {
      void openPaths(paths, { files, recent, send: (refs) => send('files.opened', refs) }).then((r) => {
        const failure = describeOpenFailures(r.failed);
        if (failure && win && !win.isDestroyed()) void dialog.showMessageBox(win, { type: 'warning', ...failure });
      });
    };

    // 4. the live collector: loopback only; the renderer pulls batches over IPC and never sees the token
    const collector = startDesktopCollector({ dataDir: app.getPath('userData') }).then(
      (c) => {
        forwardNewBatches(c, (b) => send('live.batch', b));
        return c;
      },
      (e) => {
        logError('live-collector', e);
        return null;
      },
    );
    let collectorStopped = false;
    app.on('will-quit', (event) => {
      if (collectorStopped) return;
      // Let spool writes under way land before the process goes.
      event.preventDefault();
      collectorStopped = true;
      void collector
        .then((c) => stopCollector(c))
        .catch(() => 'closed')
        .finally(() => app.quit());
    });

    // 5. IPC
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
        recent,
        collector,
        showOpenDialog: async () => {
          const r = await dialog.showOpenDialog({ properties: ['openFile', 'multiSelections'] });
          return r.canceled ? [] : r.filePaths;
        },
        showSaveDialog: async (suggestedName, filter) => {
          const r = await dialog.showSaveDialog({ defaultPath: suggestedName, filters: filter ? [filter] : [] });
          return r.canceled || !r.filePath ? null : r.filePath;
        },
        openExternal: (url) => shell.openExternal(url),
        printToPdf: async (html) => {
          // A throwaway window: sandboxed, no preload, no JavaScript; the report is self-contained.
          const w = new BrowserWindow({
            show: false,
            webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
          });
          try {
            await w.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
            return new Uint8Array(await w.webContents.printToPDF({ printBackground: true, pageSize: 'A4' }));
          } finally {
            w.destroy();
          }
        },
      }),
      devServerUrl,
    );

    // 6. the window, where it was last time (on a display that still shows it)
    session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    const place = placeWindow(
      settings.windowState(),
      screen.getAllDisplays().map((d) => d.workArea),
      screen.getPrimaryDisplay().workArea,
    );
    const w = new BrowserWindow({
      x: place.x,
      y: place.y,
      width: place.width,
      height: place.height,
      minWidth: Math.min(MIN_WINDOW_SIZE.width, place.width),
      minHeight: Math.min(MIN_WINDOW_SIZE.height, place.height),
      show: false,
      title: 'Cloudscope',
      webPreferences: secureWebPreferences(join(__dirname, '../preload/index.cjs')),
    });
    win = w;
    trackWindowState(w, (s) => settings.setWindowState(s));
    w.on('closed', () => {
      win = null;
    });
    const appUrl = devServerUrl ?? `file://${join(__dirname, '../renderer/index.html')}`;
    w.webContents.on('will-navigate', (e, url) => {
      if (!isAllowedNavigation(url, appUrl)) e.preventDefault();
    });
    w.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    // maximize() also shows the window, so it waits for the first paint too.
    w.on('ready-to-show', () => {
      if (place.maximized) w.maximize();
      w.show();
    });
    w.webContents.on('render-process-gone', (_e, d) =>
      logError('render-process-gone', `${d.reason} (exit code ${d.exitCode})`),
    );
    if (devServerUrl) await w.loadURL(devServerUrl);
    else await w.loadFile(join(__dirname, '../renderer/index.html'));

    // 7. the menu
    const setMenu = () =>
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          buildMenuTemplate(
            { platform: process.platform, recent: recent.list(), home: app.getPath('home') },
            {
              command: (c) => send('menu.command', c),
              openRecent: (path) => launch.push([path]),
              clearRecent: () => recent.clear(),
            },
          ),
        ),
      );
    setMenu();
    recent.onChange(setMenu);

    // 8. files handed over so far
    launch.ready();
  });

  app.on('window-all-closed', () => app.quit());
}
