/** The desktop host: everything goes through the preload's narrow, typed window.cloudscope. */
import type { Settings } from '../../../shared/domain/settings';
import type { CloudscopeApi, FileRef, MenuCommand } from '../../../shared/ipc/contract';
import type { HostBridge, HostFile, LiveChannel } from './host';

/** The desktop app hosts no collector yet (see docs/RELEASE.md): live telemetry is a web-mode feature for now. */
const NO_LIVE: LiveChannel = {
  session: async () => null,
  pending: async () => [],
  read: async () => null,
  ack: async () => {},
  status: async () => ({
    eventsPerSecond: 0,
    eventsTotal: 0,
    batchesTotal: 0,
    lastBatchAt: null,
    errors: { count: 0, recent: [] },
    spool: { batches: 0, bytes: 0 },
  }),
  onBatch: () => () => {},
};

export class ElectronHost implements HostBridge {
  readonly kind = 'electron' as const;
  readonly live = NO_LIVE;
  constructor(private readonly api: CloudscopeApi) {}

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
