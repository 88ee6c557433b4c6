/**
 * Every main <-> renderer crossing, declared once. Channels are named
 * `area.verb`; events `area.changed`. The preload exposes exactly these and
 * rejects anything else; main registers handlers through `registerHandlers`,
 * which the compiler checks against this table.
 */
import type { Settings } from '../domain/settings';

export interface FileRef {
  /** Opaque handle the main process gave out; never a path the renderer chose. */
  token: string;
  name: string;
  size: number;
}

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
  userDataDir: string;
}

export interface SaveRequest {
  suggestedName: string;
  /** File type filter label and extensions, e.g. { name: 'CSV', extensions: ['csv'] } */
  filter?: { name: string; extensions: string[] };
  data: string | Uint8Array;
}

/** invoke channels: name -> [args tuple, result] */
export interface InvokeContract {
  'app.info': { args: []; result: AppInfo };
  'settings.get': { args: []; result: Settings };
  'settings.set': { args: [patch: Partial<Settings>]; result: Settings };
  'files.open': { args: []; result: FileRef[] };
  'files.read': { args: [token: string, offset: number, length: number]; result: Uint8Array };
  'export.save': { args: [req: SaveRequest]; result: { saved: boolean; path?: string } };
  'shell.openExternal': { args: [url: string]; result: boolean };
}

/** events sent from main to the renderer: name -> payload */
export interface EventContract {
  'settings.changed': Settings;
  'files.opened': FileRef[];
  'menu.command': MenuCommand;
}

export type MenuCommand = 'import' | 'export' | 'reload' | 'toggleTheme';

export type InvokeChannel = keyof InvokeContract;
export type EventChannel = keyof EventContract;

export const INVOKE_CHANNELS: readonly InvokeChannel[] = [
  'app.info',
  'settings.get',
  'settings.set',
  'files.open',
  'files.read',
  'export.save',
  'shell.openExternal',
];
export const EVENT_CHANNELS: readonly EventChannel[] = ['settings.changed', 'files.opened', 'menu.command'];

/** The typed API the preload puts on `window.cloudscope`. */
export interface CloudscopeApi {
  invoke<C extends InvokeChannel>(channel: C, ...args: InvokeContract[C]['args']): Promise<InvokeContract[C]['result']>;
  /** Subscribes to a main-process event; returns its own unsubscribe function. */
  on<E extends EventChannel>(channel: E, listener: (payload: EventContract[E]) => void): () => void;
}

export function isInvokeChannel(c: unknown): c is InvokeChannel {
  return typeof c === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(c);
}
export function isEventChannel(c: unknown): c is EventChannel {
  return typeof c === 'string' && (EVENT_CHANNELS as readonly string[]).includes(c);
}

/** URLs the app may hand to the OS browser: https only, no credentials. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
