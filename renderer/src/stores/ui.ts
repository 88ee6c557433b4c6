/** Small UI state shared across the shell: the title of an entity page (a device's or app's name). */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export const useUiStore = defineStore('ui', () => {
  const pageTitle = ref<string | null>(null);
  return { pageTitle };
});
