/**
 * Settings persistence: the only module that imports electron-store. The store
 * is injected behind a tiny interface so handlers are testable with a Map.
 */
import { DEFAULT_SETTINGS, normalizeSettings, type Settings } from '../../shared/domain/settings';

export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export class SettingsService {
  private listeners = new Set<(s: Settings) => void>();
  constructor(private readonly store: KeyValueStore) {}

  get(): Settings {
    return normalizeSettings(this.store.get('settings') ?? DEFAULT_SETTINGS);
  }

  set(patch: Partial<Settings>): Settings {
    const next = normalizeSettings({ ...this.get(), ...patch });
    this.store.set('settings', next);
    for (const l of this.listeners) l(next);
    return next;
  }

  onChange(l: (s: Settings) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** The real store, created lazily so Node tests never load Electron-bound modules. */
export async function createElectronStore(): Promise<KeyValueStore> {
  const { default: Store } = await import('electron-store');
  return new Store({
    name: 'settings',
    schema: { settings: { type: 'object' } },
    clearInvalidConfig: true,
  }) as unknown as KeyValueStore;
}
