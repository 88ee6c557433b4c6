// The application menu and the recent imports behind File ▸ Open Recent, as data: no Electron.
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, type MenuActions, recentLabel } from './menu';
import { MAX_RECENT, RecentFiles } from './recent';
import type { KeyValueStore } from './settings';

function memoryStore(): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return { data, get: (k) => data.get(k), set: (k, v) => void data.set(k, v) };
}

function actions(): MenuActions & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    command: (c) => calls.push(['command', c]),
    openRecent: (p) => calls.push(['openRecent', p]),
    clearRecent: () => calls.push(['clearRecent']),
  };
}

const submenu = (item: MenuItemConstructorOptions | undefined) => item?.submenu as MenuItemConstructorOptions[];
const byLabel = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label === label);
const click = (item: MenuItemConstructorOptions | undefined) =>
  (item?.click as unknown as (() => void) | undefined)?.();

describe('recent imports', () => {
  it('keeps the last ten distinct paths, newest first, under their own key', () => {
    const store = memoryStore();
    const r = new RecentFiles(store, 'linux');
    const changes = vi.fn();
    r.onChange(changes);
    for (let i = 0; i < 12; i++) r.add(`/data/file-${i}.csv`);
    r.add('/data/file-5.csv');
    const list = r.list();
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]).toBe('/data/file-5.csv');
    expect(list.filter((p) => p === '/data/file-5.csv')).toHaveLength(1);
    expect(list).not.toContain('/data/file-0.csv');
    expect(store.data.get('recentFiles')).toEqual(list);
    expect(store.data.has('settings')).toBe(false);
    expect(changes).toHaveBeenCalledTimes(13);
    r.remove('/data/file-5.csv');
    expect(r.list()[0]).toBe('/data/file-11.csv');
    r.clear();
    expect(r.list()).toEqual([]);
  });

  it('treats paths differing only in case as one file where the file system does', () => {
    const win = new RecentFiles(memoryStore(), 'darwin');
    win.add('/Users/ann/Logs/a.csv');
    win.add('/users/ann/logs/A.csv');
    expect(win.list()).toEqual(['/users/ann/logs/A.csv']);
    const linux = new RecentFiles(memoryStore(), 'linux');
    linux.add('/home/ann/a.csv');
    linux.add('/home/ann/A.csv');
    expect(linux.list()).toHaveLength(2);
  });

  it('drops whatever a damaged store holds', () => {
    const store = memoryStore();
    store.set('recentFiles', ['/ok.csv', 42, '', 'relative/x.csv', '/nul\0.csv', '/ok.csv', null]);
    expect(new RecentFiles(store, 'linux').list()).toEqual(['/ok.csv']);
    store.set('recentFiles', 'not a list');
    expect(new RecentFiles(store, 'linux').list()).toEqual([]);
  });
});

describe('application menu', () => {
  it('lists recent imports under File ▸ Open Recent, each reopening its own path', () => {
    const a = actions();
    const recent = ['/home/ann/logs/squid & co.log', '/srv/fw/forti.log'];
    const file = submenu(buildMenuTemplate({ platform: 'linux', recent, home: '/home/ann' }, a)[0]);
    const items = submenu(byLabel(file, 'Open Recent'));
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      'squid && co.log — ~/logs',
      'forti.log — /srv/fw',
      'separator',
      'Clear Recently Opened',
    ]);
    click(items[1]);
    click(items[3]);
    expect(a.calls).toEqual([['openRecent', '/srv/fw/forti.log'], ['clearRecent']]);
    expect(items[3].enabled).toBe(true);
  });

  it('shows an empty, disabled list when nothing was opened', () => {
    const file = submenu(buildMenuTemplate({ platform: 'linux', recent: [] }, actions())[0]);
    const items = submenu(byLabel(file, 'Open Recent'));
    expect(items[0]).toMatchObject({ label: 'No recent imports', enabled: false });
    expect(byLabel(items, 'Clear Recently Opened')?.enabled).toBe(false);
  });

  it('keeps the usual shortcuts, sends menu commands, and has no developer tools', () => {
    const a = actions();
    const template = buildMenuTemplate({ platform: 'win32', recent: [] }, a);
    const file = submenu(template[0]);
    const view = submenu(template.find((m) => m.label === 'View'));
    expect(byLabel(file, 'Import telemetry…')?.accelerator).toBe('CmdOrCtrl+O');
    expect(byLabel(file, 'Export…')?.accelerator).toBe('CmdOrCtrl+E');
    expect(byLabel(view, 'Reload data')?.accelerator).toBe('CmdOrCtrl+R');
    expect(byLabel(view, 'Toggle theme')?.accelerator).toBe('CmdOrCtrl+Shift+L');
    for (const label of ['Import telemetry…', 'Export…']) click(byLabel(file, label));
    for (const label of ['Reload data', 'Toggle theme']) click(byLabel(view, label));
    expect(a.calls).toEqual([
      ['command', 'import'],
      ['command', 'export'],
      ['command', 'reload'],
      ['command', 'toggleTheme'],
    ]);
    expect(file.at(-1)?.role).toBe('quit');
    expect(template.some((m) => m.role === 'editMenu')).toBe(true);
    expect(JSON.stringify(template)).not.toMatch(/toggleDevTools|forceReload/i);
  });

  it('follows macOS conventions: app menu first, Close Window in File, a Window menu', () => {
    const template = buildMenuTemplate({ platform: 'darwin', recent: [] }, actions());
    expect(template[0].role).toBe('appMenu');
    expect(template.at(-1)?.role).toBe('windowMenu');
    expect(submenu(template[1]).at(-1)?.role).toBe('close');
  });

  it('labels recent files by name and folder, ~ for home except on Windows', () => {
    expect(recentLabel('/home/ann/a.csv', '/home/ann', 'linux')).toBe('a.csv — ~');
    expect(recentLabel('/home/annex/a.csv', '/home/ann', 'linux')).toBe('a.csv — /home/annex');
    expect(recentLabel('/home/ann/a.csv', '/home/ann', 'win32')).toBe('a.csv — /home/ann');
  });
});
