/** The desktop host: everything goes through the preload's narrow, typed window.cloudscope. */
import type { Settings } from '../../../shared/domain/settings';
import type { CloudscopeApi, FileRef, MenuCommand } from '../../../shared/ipc/contract';
import type { HostBridge, HostFile, LiveBatch, LiveChannel, LiveSession, LiveStatusSnapshot } from './host';

/**
 * The desktop collector runs in the main process, which keeps its token: the
 * engine lists, reads and acknowledges spooled batches over `live.*` IPC and
 * hears of new ones on the `live.batch` event.
 */
export class ElectronLiveChannel implements LiveChannel {
  constructor(private readonly api: CloudscopeApi) {}

  session(): Promise<LiveSession | null> {
    return this.api.invoke('live.session');
  }
  pending(): Promise<LiveBatch[]> {
    return this.api.invoke('live.pending');
  }
  read(id: string): Promise<Uint8Array | null> {
    return this.api.invoke('live.read', id);
  }
  ack(id: string): Promise<void> {
    return this.api.invoke('live.ack', id);
  }
  async status(): Promise<LiveStatusSnapshot> {
    const s = await this.api.invoke('live.status');
    // No zeros standing in for a collector that is not there: the caller shows the error.
    if (!s) throw new Error('The live collector is not running (see cloudscope-errors.log in the user-data folder)');
    return s;
  }
  onBatch(listener: () => void): () => void {
    return this.api.on('live.batch', () => listener());
  }
}

export class ElectronHost implements HostBridge {
  readonly kind = 'electron' as const;
  readonly live: LiveChannel;
  constructor(private readonly api: CloudscopeApi) {
    this.live = new ElectronLiveChannel(api);
  }

  private toHostFile(ref: FileRef): HostFile {
    return {
      name: ref.name,
      size: ref.size,
      read: (offset, length) => this.api.invoke('files.read', ref.token, offset, length),
    };
  }

  getSettings(): Promise<Settings> {
    return this.api.invoke('settings.get');
  }
  setSettings(patch: Partial<Settings>): Promise<Settings> {
    return this.api.invoke('settings.set', patch);
  }
  onSettingsChanged(listener: (s: Settings) => void): () => void {
    return this.api.on('settings.changed', listener);
  }
  async pickFiles(): Promise<HostFile[]> {
    return (await this.api.invoke('files.open')).map((r) => this.toHostFile(r));
  }
  async save(suggestedName: string, data: string | Uint8Array): Promise<boolean> {
    const ext = suggestedName.includes('.') ? suggestedName.split('.').pop()! : '';
    const r = await this.api.invoke('export.save', {
      suggestedName,
      data,
      ...(ext ? { filter: { name: ext.toUpperCase(), extensions: [ext] } } : {}),
    });
    return r.saved;
  }
  async printReport(suggestedName: string, html: string): Promise<boolean> {
    return (await this.api.invoke('export.pdf', { suggestedName, html })).saved;
  }
  openExternal(url: string): Promise<boolean> {
    return this.api.invoke('shell.openExternal', url);
  }
  onMenuCommand(listener: (c: MenuCommand) => void): () => void {
    return this.api.on('menu.command', listener);
  }
  onFilesOpened(listener: (files: HostFile[]) => void): () => void {
    return this.api.on('files.opened', (refs) => listener(refs.map((r) => this.toHostFile(r))));
  }
}
