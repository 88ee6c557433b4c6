/**
 * Starts the engine worker before anything else, then loads the UI: the worker fetches its code and opens the
 * case database while the UI's own code (Vue, ECharts, the views) loads, so reopening a large case shows its
 * dashboard sooner.
 */
import { getEngine } from './services/engine';

getEngine();
import('./app')
  .then(({ mountApp }) => mountApp())
  .catch((e: unknown) => {
    const app = document.getElementById('app');
    if (app) {
      app.setAttribute('role', 'alert');
      app.textContent = `Cloudscope could not load its interface (${e instanceof Error ? e.message : String(e)}). Restart the app; if it happens again, reinstall it.`;
    }
  });
