/**
 * Settings persistence: the only module that imports electron-store. The store
 * is injected behind a tiny interface so handlers are testable with a Map.
 * Besides the analyst's settings, the same store keeps what the shell
 * remembers for itself under keys of their own: the window state (here) and
 * the recent imports (recent.ts).
 */
import { DEFAULT_SETTINGS, normalizeSettings, type Settings } from '../../shared/domain/settings';
import { parseWindowState, type WindowState } from './window-state';

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

  /** The window's last size, position and maximized state; null on a first run or when damaged. */
  windowState(): WindowState | null {
    return parseWindowState(this.store.get('windowState'));
  }

  setWindowState(state: WindowState): void {
    const clean = parseWindowState(state);
    if (clean) this.store.set('windowState', clean);
  }
}

/** The real store, created lazily so Node tests never load Electron-bound modules. */
export async function createElectronStore(): Promise<KeyValueStore> {
  const { default: Store } = await import('electron-store');
  return new Store({
    name: 'settings',
    schema: {
      settings: { type: 'object' },
      windowState: { type: 'object' },
      recentFiles: { type: 'array' },
    },
    clearInvalidConfig: true,
  }) as unknown as KeyValueStore;
}
