import { computed } from 'vue';
import { DARK, LIGHT } from '../charts/options';
import { useSettingsStore } from '../stores/settings';

/** The chart palette of the current theme. */
export function useChartTheme() {
  const settings = useSettingsStore();
  return computed(() => (settings.theme === 'dark' ? DARK : LIGHT));
}
