/**
 * What the UI needs from its host, with two implementations: Electron (through
 * the preload's window.cloudscope) and Web (file inputs, downloads, settings
 * kept in the browser). Components never touch either directly; stores do.
 */
import type { Settings } from '../../../shared/domain/settings';
import type { CloudscopeApi, MenuCommand } from '../../../shared/ipc/contract';
import { ElectronHost } from './host-electron';
import { WebHost } from './host-web';

/** A file the analyst chose, readable in bounded chunks. */
export interface HostFile {
  name: string;
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The file as a Blob, when the page has one (a browser File): the engine worker reads it itself. */
  blob?: Blob;
}

/** Where the live collector's spooled batches come from: the web server's API, or the desktop main process. */
export interface LiveSession {
  batchesUrl: string;
  tokenFile: string;
  syslog: { host: string; port: number } | null;
  folder: { path: string; mode: string } | null;
}
export interface LiveBatch {
  id: string;
  size: number;
  contentType: string;
}
export interface LiveStatusSnapshot {
  eventsPerSecond: number;
  eventsTotal: number;
  batchesTotal: number;
  lastBatchAt: number | null;
  errors: { count: number; recent: { at: number; source: string; message: string }[] };
  spool: { batches: number; bytes: number };
}
export interface LiveChannel {
  /** Null when this host runs no collector. */
  session(): Promise<LiveSession | null>;
  pending(): Promise<LiveBatch[]>;
  /** A batch's bytes, or null when it is gone (acknowledged by another engine). */
  read(id: string): Promise<Uint8Array | null>;
  ack(id: string): Promise<void>;
  status(): Promise<LiveStatusSnapshot>;
  /** Calls back when a new batch is spooled; returns its own unsubscribe function. */
  onBatch(listener: () => void): () => void;
}

export interface HostBridge {
  /** The live collector of this host. */
  readonly live: LiveChannel;
  readonly kind: 'electron' | 'web';
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  onSettingsChanged(listener: (s: Settings) => void): () => void;
  /** Shows the host's file picker; resolves to the chosen files (empty when cancelled). */
  pickFiles(): Promise<HostFile[]>;
  /** Saves an export: a native save dialog in Electron, a download in the browser. */
  save(suggestedName: string, data: string | Uint8Array, mime: string): Promise<boolean>;
  openExternal(url: string): Promise<boolean>;
  /**
   * A self-contained HTML report as PDF: the desktop prints it with Chromium's printToPDF and saves it;
   * the browser opens it in a window of its own for the print dialog ("Save as PDF").
   */
  printReport(suggestedName: string, html: string): Promise<boolean>;
  onMenuCommand(listener: (c: MenuCommand) => void): () => void;
  /** Files handed over by the OS (open-with, second launch). */
  onFilesOpened(listener: (files: HostFile[]) => void): () => void;
}

declare global {
  interface Window {
    cloudscope?: CloudscopeApi;
  }
}

let host: HostBridge | null = null;

export function getHost(): HostBridge {
  if (!host) host = window.cloudscope ? new ElectronHost(window.cloudscope) : new WebHost(window.localStorage);
  return host;
}

/** Wraps a browser File (drag-and-drop, file input) as a HostFile. */
export function hostFileFromBlob(file: File): HostFile {
  return {
    name: file.name,
    size: file.size,
    blob: file,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  };
}
