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

/**
 * The live collector as the desktop main process hosts it. The collector's
 * token never crosses: main pulls and acknowledges batches for the renderer.
 */
export interface LiveSessionInfo {
  /** Where senders POST batches (with the token from `tokenFile`). */
  batchesUrl: string;
  tokenFile: string;
  syslog: { host: string; port: number } | null;
  folder: { path: string; mode: string } | null;
}

/** A spooled batch waiting for the engine. */
export interface LiveBatchInfo {
  /** SHA-256 of the bytes, lowercase hex. */
  id: string;
  size: number;
  contentType: string;
  kind: string;
  /** Name for the import's provenance. */
  name: string;
  /** Records or lines in the batch; null when unknown. */
  events: number | null;
  /** When the collector stored it (UTC ms). */
  receivedAt: number;
}

export interface LiveStatusInfo {
  eventsPerSecond: number;
  eventsTotal: number;
  batchesTotal: number;
  lastBatchAt: number | null;
  errors: { count: number; recent: { at: number; source: string; message: string }[] };
  spool: { batches: number; bytes: number };
}

/** invoke channels: name -> [args tuple, result] */
export interface InvokeContract {
  'app.info': { args: []; result: AppInfo };
  'settings.get': { args: []; result: Settings };
  'settings.set': { args: [patch: Partial<Settings>]; result: Settings };
  'files.open': { args: []; result: FileRef[] };
  'files.read': { args: [token: string, offset: number, length: number]; result: Uint8Array };
  'export.save': { args: [req: SaveRequest]; result: { saved: boolean; path?: string } };
  /** Prints a self-contained HTML report to PDF (Chromium's printToPDF in a hidden, script-less window) and saves it. */
  'export.pdf': { args: [req: { suggestedName: string; html: string }]; result: { saved: boolean; path?: string } };
  'shell.openExternal': { args: [url: string]; result: boolean };
  /** Null when the desktop collector is not running (it failed to start: see the error log). */
  'live.session': { args: []; result: LiveSessionInfo | null };
  'live.pending': { args: []; result: LiveBatchInfo[] };
  /** A batch's bytes, or null when it is not pending (already acknowledged, or not an id). */
  'live.read': { args: [id: string]; result: Uint8Array | null };
  /** The engine committed the batch's import: main deletes it from the spool. */
  'live.ack': { args: [id: string]; result: undefined };
  'live.status': { args: []; result: LiveStatusInfo | null };
}

/** events sent from main to the renderer: name -> payload */
export interface EventContract {
  'settings.changed': Settings;
  'files.opened': FileRef[];
  'menu.command': MenuCommand;
  /** The collector spooled a new batch (the desktop twin of the web mode's `batch` server-sent event). */
  'live.batch': LiveBatchInfo;
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
  'export.pdf',
  'shell.openExternal',
  'live.session',
  'live.pending',
  'live.read',
  'live.ack',
  'live.status',
];
export const EVENT_CHANNELS: readonly EventChannel[] = [
  'settings.changed',
  'files.opened',
  'menu.command',
  'live.batch',
];

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

/**
 * Events that must not be lost when they arrive before the page has subscribed:
 * files the OS hands over at launch are sent as soon as the window has loaded,
 * which can be before the app's first `on('files.opened')`.
 */
export const HELD_EVENT_CHANNELS: readonly EventChannel[] = ['files.opened'];
const MAX_HELD = 64;

/**
 * The preload's hold for those events: payloads arriving while a channel has no
 * listener are kept (a bounded number) and handed to its first subscriber, once.
 */
export class HeldEvents {
  private readonly held = new Map<EventChannel, unknown[]>();
  private readonly listening = new Map<EventChannel, number>();

  /** An event arrived; returns true when it was held because nobody listens yet. */
  arrive(channel: EventChannel, payload: unknown): boolean {
    if (!HELD_EVENT_CHANNELS.includes(channel) || (this.listening.get(channel) ?? 0) > 0) return false;
    const list = this.held.get(channel) ?? [];
    if (list.length >= MAX_HELD) return false;
    list.push(payload);
    this.held.set(channel, list);
    return true;
  }

  /** A listener subscribes: takes what was held for the channel, and a function to call when it unsubscribes. */
  subscribe(channel: EventChannel): { held: unknown[]; release: () => void } {
    this.listening.set(channel, (this.listening.get(channel) ?? 0) + 1);
    const held = this.held.get(channel) ?? [];
    this.held.delete(channel);
    let released = false;
    return {
      held,
      release: () => {
        if (released) return;
        released = true;
        this.listening.set(channel, (this.listening.get(channel) ?? 1) - 1);
      },
    };
  }
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
