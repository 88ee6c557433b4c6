// Files the OS hands the app, through the real FileRegistry and recent list: no Electron.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileRef } from '../../shared/ipc/contract';
import { FileRegistry } from './files';
import { describeOpenFailures, LaunchQueue, openPaths, pathsFromArgv } from './opening';
import { RecentFiles } from './recent';
import type { KeyValueStore } from './settings';

const dir = mkdtempSync(join(tmpdir(), 'cloudscope-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryStore(): KeyValueStore {
  const m = new Map<string, unknown>();
  return { get: (k) => m.get(k), set: (k, v) => void m.set(k, v) };
}

describe('command-line files', () => {
  it('skips the executable, the app folder when unpackaged, and flags; resolves against the launching folder', () => {
    expect(
      pathsFromArgv(['/opt/Cloudscope/cloudscope', 'logs/a.csv', '--no-sandbox', '/tmp/b.log'], {
        defaultApp: false,
        cwd: '/home/ann',
      }),
    ).toEqual(['/home/ann/logs/a.csv', '/tmp/b.log']);
    expect(pathsFromArgv(['/usr/bin/electron', '.', 'c.csv'], { defaultApp: true, cwd: '/w' })).toEqual(['/w/c.csv']);
    // What a second instance's argv can look like: Chromium's switches appended, macOS's process serial number.
    expect(
      pathsFromArgv(['/Applications/Cloudscope', '-psn_0_4242', 'x.csv', '--allow-file-access-from-files', ''], {
        defaultApp: false,
        cwd: '/Users/ann',
      }),
    ).toEqual(['/Users/ann/x.csv']);
    expect(pathsFromArgv(['/opt/cloudscope'], { defaultApp: false, cwd: '/' })).toEqual([]);
    // A Linux desktop entry's %U: file URIs, percent-encoded.
    expect(
      pathsFromArgv(['/opt/cloudscope', 'file:///home/ann/My%20Logs/a.csv', 'file://otherhost/x.csv'], {
        defaultApp: false,
        cwd: '/',
      }),
    ).toEqual(['/home/ann/My Logs/a.csv']);
  });
});

describe('opening files', () => {
  it('hands opened files to the window in one event, adds them to the recent list, and drops ones that are gone', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, 'one');
    writeFileSync(b, 'three');
    const recent = new RecentFiles(memoryStore());
    recent.add(join(dir, 'gone.csv'));
    const files = new FileRegistry();
    const sent: FileRef[][] = [];
    const r = await openPaths([a, join(dir, 'gone.csv'), b, dir], { files, recent, send: (refs) => sent.push(refs) });
    expect(sent).toHaveLength(1);
    expect(sent[0].map((f) => [f.name, f.size])).toEqual([
      ['a.csv', 3],
      ['b.csv', 5],
    ]);
    expect(new TextDecoder().decode(await files.read(sent[0][1].token, 0, 10))).toBe('three');
    expect(recent.list()).toEqual([b, a]);
    expect(r.failed.map((f) => f.path)).toEqual([join(dir, 'gone.csv'), dir]);
    expect(describeOpenFailures(r.failed)).toMatchObject({ message: 'Cloudscope could not open 2 files' });
    expect(describeOpenFailures(r.failed)!.detail).toContain('not a file');
    expect(describeOpenFailures([])).toBeNull();
  });

  it('sends nothing when nothing opened', async () => {
    const sent: FileRef[][] = [];
    const r = await openPaths([join(dir, 'missing')], {
      files: new FileRegistry(),
      recent: new RecentFiles(memoryStore()),
      send: (refs) => sent.push(refs),
    });
    expect(sent).toEqual([]);
    expect(describeOpenFailures(r.failed)?.message).toBe('Cloudscope could not open a file');
  });

  it('holds files that arrive before the window is ready, then passes them on in order', () => {
    const opened: string[][] = [];
    const q = new LaunchQueue((p) => opened.push(p));
    q.push(['/a']);
    q.push([]);
    q.push(['/b', '/c']);
    expect(opened).toEqual([]);
    q.ready();
    expect(opened).toEqual([['/a', '/b', '/c']]);
    q.push(['/d']);
    q.ready();
    expect(opened).toEqual([['/a', '/b', '/c'], ['/d']]);
  });
});
