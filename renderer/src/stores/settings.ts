/** Settings as held by the host (electron-store or the browser), mirrored here for the UI. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { DEFAULT_SETTINGS, type Settings } from '../../../shared/domain/settings';
import { getHost } from '../services/host';

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings>(structuredClone(DEFAULT_SETTINGS));
  const systemDark = ref(typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
  const theme = computed<'light' | 'dark'>(() =>
    settings.value.theme === 'system' ? (systemDark.value ? 'dark' : 'light') : settings.value.theme,
  );

  async function load(): Promise<void> {
    const host = getHost();
    settings.value = await host.getSettings();
    host.onSettingsChanged((s) => {
      settings.value = s;
    });
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', (e) => {
      systemDark.value = e.matches;
    });
  }

  async function update(patch: Partial<Settings>): Promise<void> {
    settings.value = await getHost().setSettings(patch);
  }

  async function toggleTheme(): Promise<void> {
    await update({ theme: theme.value === 'dark' ? 'light' : 'dark' });
  }

  return { settings, theme, load, update, toggleTheme };
});
