// Renderer-only build (vite build / preview), vitest and the browser tests use this config.
// electron.vite.config.ts builds main + preload + the same renderer for the desktop app.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: 'renderer',
  base: './',
  // Generated sample telemetry and licence notices ship beside the app ("Open sample data").
  publicDir: '../resources',
  plugins: [vue()],
  // __BUILD_ID__ tells one build from another: dashboards a build stored are not served by the next (its
  // computations may differ).
  define: {
    __APP_VERSION__: JSON.stringify(process.env.npm_package_version ?? '0.1.0'),
    __BUILD_ID__: JSON.stringify(new Date().toISOString()),
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  worker: { format: 'es' },
  test: {
    root: '.',
    include: ['shared/**/*.test.ts', 'renderer/**/*.test.ts', 'electron/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30000,
  },
});
