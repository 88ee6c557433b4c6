// Main-process pieces tested as plain functions with fakes: no Electron here.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../shared/domain/settings';
import { HeldEvents } from '../../shared/ipc/contract';
import { FileRegistry, safeFileName, writeFileAtomic } from './files';
import { createHandlers, type MainDeps } from './handlers';
import { type IpcMainLike, isTrustedSender, registerHandlers } from './ipc';
import { RecentFiles } from './recent';
import { type KeyValueStore, SettingsService } from './settings';
import { isAllowedNavigation, secureWebPreferences } from './window';

const dir = mkdtempSync(join(tmpdir(), 'cloudscope-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryStore(): KeyValueStore {
  const m = new Map<string, unknown>();
  return { get: (k) => m.get(k), set: (k, v) => void m.set(k, v) };
}

function deps(over: Partial<MainDeps> = {}): MainDeps {
  return {
    appInfo: { name: 'Cloudscope', version: '0.1.0', platform: 'linux', userDataDir: dir },
    settings: new SettingsService(memoryStore()),
    files: new FileRegistry(),
    recent: new RecentFiles(memoryStore()),
    collector: Promise.resolve(null),
    showOpenDialog: async () => [],
    showSaveDialog: async () => null,
    openExternal: async () => {},
    printToPdf: async (html) => new TextEncoder().encode(`%PDF-fake ${html.length}`),
    ...over,
  };
}

describe('settings service', () => {
  it('returns defaults, merges patches, notifies listeners', () => {
    const s = new SettingsService(memoryStore());
    expect(s.get()).toEqual(DEFAULT_SETTINGS);
    const seen = vi.fn();
    s.onChange(seen);
    const next = s.set({ signalSeverity: 'High', blockUnsanctionedApps: false });
    expect(next.signalSeverity).toBe('High');
    expect(s.get().blockUnsanctionedApps).toBe(false);
    expect(seen).toHaveBeenCalledWith(next);
  });
  it('ignores values of the wrong type', () => {
    const s = new SettingsService(memoryStore());
    expect(s.set({ warnBypassHours: 'x' as unknown as number }).warnBypassHours).toBe(DEFAULT_SETTINGS.warnBypassHours);
  });
  it('keeps the window state under its own key, apart from the settings, and drops damaged values', () => {
    const store = memoryStore();
    const s = new SettingsService(store);
    const seen = vi.fn();
    s.onChange(seen);
    expect(s.windowState()).toBeNull();
    s.setWindowState({ bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true });
    expect(s.windowState()).toEqual({ bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true });
    expect(seen).not.toHaveBeenCalled();
    expect(s.get()).toEqual(DEFAULT_SETTINGS);
    s.setWindowState({ bounds: { x: Number.NaN, y: 0, width: 10, height: 10 }, maximized: false });
    expect(s.windowState()?.bounds.x).toBe(10);
    store.set('windowState', { bounds: { x: 0, y: 0, width: -5, height: 100 } });
    expect(s.windowState()).toBeNull();
  });
});

describe('file access by token', () => {
  it('reads bounded chunks of a chosen file and refuses unknown tokens', async () => {
    const path = join(dir, 'events.csv');
    writeFileSync(path, 'abcdefghij');
    const recent = new RecentFiles(memoryStore());
    const h = createHandlers(deps({ showOpenDialog: async () => [path], recent }));
    const [ref] = await h['files.open']();
    expect(ref.name).toBe('events.csv');
    expect(ref.size).toBe(10);
    expect(new TextDecoder().decode(await h['files.read'](ref.token, 3, 4))).toBe('defg');
    expect((await h['files.read'](ref.token, 10, 4)).byteLength).toBe(0);
    await expect(h['files.read']('nope', 0, 1)).rejects.toThrow(/Unknown file token/);
    await expect(h['files.read'](ref.token, -1, 1)).rejects.toThrow(/Invalid read range/);
    expect(recent.list()).toEqual([path]);
  });
});

describe('exports', () => {
  it('sanitises names so they cannot leave the folder', () => {
    expect(safeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeFileName('a\u0000b:c?.csv')).toBe('a_b_c_.csv');
    expect(safeFileName('...')).toBe('export');
  });
  it('writes atomically via a temp file and leaves no temp behind', async () => {
    const out = mkdtempSync(join(dir, 'out-'));
    const p = await writeFileAtomic(out, '../escape.csv', 'x,y\n');
    expect(p.startsWith(out)).toBe(true);
    expect(readFileSync(p, 'utf8')).toBe('x,y\n');
    expect(readdirSync(out)).toEqual(['_escape.csv']);
  });
  it('saves through the dialog, and not at all when cancelled', async () => {
    const target = join(dir, 'apps.csv');
    expect(await createHandlers(deps())['export.save']({ suggestedName: 'apps.csv', data: 'a' })).toEqual({
      saved: false,
    });
    const r = await createHandlers(deps({ showSaveDialog: async () => target }))['export.save']({
      suggestedName: 'apps.csv',
      data: 'App\n',
    });
    expect(r).toEqual({ saved: true, path: target });
    expect(readFileSync(target, 'utf8')).toBe('App\n');
  });
});

describe('PDF export', () => {
  it('prints the report through the renderer-free printer and saves it atomically where the analyst chose', async () => {
    const target = join(dir, 'report.pdf');
    const h = createHandlers(
      deps({ showSaveDialog: async (_n, filter) => (filter?.extensions[0] === 'pdf' ? target : null) }),
    );
    expect(await h['export.pdf']({ suggestedName: 'report.pdf', html: '<h1>x</h1>' })).toEqual({
      saved: true,
      path: target,
    });
    expect(readFileSync(target, 'utf8')).toBe('%PDF-fake 10');
    expect(await createHandlers(deps())['export.pdf']({ suggestedName: 'r.pdf', html: '' })).toEqual({ saved: false });
  });
});

describe('external links', () => {
  it('opens https only', async () => {
    const opened: string[] = [];
    const h = createHandlers(deps({ openExternal: async (u) => void opened.push(u) }));
    expect(await h['shell.openExternal']('https://learn.microsoft.com/')).toBe(true);
    expect(await h['shell.openExternal']('file:///etc/passwd')).toBe(false);
    expect(await h['shell.openExternal']('javascript:alert(1)')).toBe(false);
    expect(await h['shell.openExternal']('https://user:pw@evil.example/')).toBe(false);
    expect(opened).toEqual(['https://learn.microsoft.com/']);
  });
});

describe('IPC registration', () => {
  it('registers every contract channel and refuses untrusted frames', async () => {
    const registered = new Map<string, (e: { senderFrame?: { url: string } | null }, ...a: unknown[]) => unknown>();
    const ipc: IpcMainLike = { handle: (c, l) => void registered.set(c, l) };
    registerHandlers(ipc, createHandlers(deps()));
    expect([...registered.keys()].sort()).toEqual(
      [
        'app.info',
        'export.save',
        'export.pdf',
        'files.open',
        'files.read',
        'settings.get',
        'settings.set',
        'shell.openExternal',
        'live.session',
        'live.pending',
        'live.read',
        'live.ack',
        'live.status',
      ].sort(),
    );
    const info = registered.get('app.info')!;
    await expect(info({ senderFrame: { url: 'file:///app/index.html' } })).resolves.toMatchObject({
      name: 'Cloudscope',
    });
    await expect(info({ senderFrame: { url: 'https://evil.example/' } })).rejects.toThrow(/untrusted/);
    expect(isTrustedSender('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});

describe('events held for the first listener (preload)', () => {
  it('keeps files handed over before the app subscribed, gives them to the first listener once', () => {
    const h = new HeldEvents();
    const ref = [{ token: 't', name: 'a.csv', size: 1 }];
    expect(h.arrive('files.opened', ref)).toBe(true);
    expect(h.arrive('menu.command', 'import')).toBe(false);
    const first = h.subscribe('files.opened');
    expect(first.held).toEqual([ref]);
    expect(h.arrive('files.opened', ref)).toBe(false);
    expect(h.subscribe('files.opened').held).toEqual([]);
  });
  it('holds again once every listener has gone, and only a bounded number', () => {
    const h = new HeldEvents();
    const a = h.subscribe('files.opened');
    a.release();
    a.release();
    for (let i = 0; i < 100; i++) h.arrive('files.opened', i);
    expect(h.subscribe('files.opened').held).toHaveLength(64);
  });
});

describe('window hardening', () => {
  it('is sandboxed with context isolation and no Node', () => {
    const p = secureWebPreferences('/x/preload.cjs');
    expect(p).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
    });
  });
  it('allows navigation only within the app', () => {
    expect(isAllowedNavigation('file:///app/index.html#/apps', 'file:///app/index.html')).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', 'file:///app/index.html')).toBe(false);
    expect(isAllowedNavigation('http://localhost:5173/#/x', 'http://localhost:5173/')).toBe(true);
  });
});
