/** The browser host: settings in localStorage, a file input for picking, downloads for saving. */
import { normalizeSettings, type Settings } from '../../../shared/domain/settings';
import type { MenuCommand } from '../../../shared/ipc/contract';
import { type HostBridge, type HostFile, hostFileFromBlob } from './host';
import { WebLiveChannel } from './live-web';

const KEY = 'cloudscope.settings';

export class WebHost implements HostBridge {
  readonly kind = 'web' as const;
  readonly live = new WebLiveChannel();
  private readonly listeners = new Set<(s: Settings) => void>();

  constructor(private readonly storage: Storage) {}

  async getSettings(): Promise<Settings> {
    let raw: unknown = null;
    try {
      raw = JSON.parse(this.storage.getItem(KEY) ?? 'null');
    } catch {
      raw = null;
    }
    return normalizeSettings(raw);
  }

  async setSettings(patch: Partial<Settings>): Promise<Settings> {
    const next = normalizeSettings({ ...(await this.getSettings()), ...patch });
    this.storage.setItem(KEY, JSON.stringify(next));
    for (const l of this.listeners) l(next);
    return next;
  }

  onSettingsChanged(listener: (s: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pickFiles(): Promise<HostFile[]> {
    return new Promise((resolve) => {
      const input = document.createElement('input');
      input.type = 'file';
      input.multiple = true;
      input.addEventListener('change', () => resolve(Array.from(input.files ?? []).map(hostFileFromBlob)));
      input.addEventListener('cancel', () => resolve([]));
      input.click();
    });
  }

  async save(suggestedName: string, data: string | Uint8Array, mime: string): Promise<boolean> {
    const blob = new Blob([typeof data === 'string' ? data : new Uint8Array(data)], { type: mime });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = suggestedName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return true;
  }

  async printReport(_suggestedName: string, html: string): Promise<boolean> {
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
    const w = window.open(url, '_blank');
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    if (!w) throw new Error('the browser blocked the report window; allow pop-ups for this page, or export the HTML');
    return true;
  }

  async openExternal(url: string): Promise<boolean> {
    if (!url.startsWith('https://')) return false;
    window.open(url, '_blank', 'noopener,noreferrer');
    return true;
  }

  onMenuCommand(_listener: (c: MenuCommand) => void): () => void {
    return () => {};
  }

  onFilesOpened(_listener: (files: HostFile[]) => void): () => void {
    return () => {};
  }
}
