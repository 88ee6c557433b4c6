// Desktop build: main + preload (CommonJS, as a sandboxed preload must be) + the renderer.
// Never run `electron-vite dev|preview` in CI: they launch Electron, whose binary cannot be fetched here.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: 'electron/main/index.ts' }, external: ['electron', 'electron-store'] },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: 'electron/preload/index.ts' },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    publicDir: '../resources',
    plugins: [vue()],
    // __BUILD_ID__ tells one build from another: dashboards a build stored are not served by the next (its
    // computations may differ).
    define: {
      __APP_VERSION__: JSON.stringify(process.env.npm_package_version ?? '0.1.0'),
      __BUILD_ID__: JSON.stringify(new Date().toISOString()),
    },
    build: { outDir: 'out/renderer', chunkSizeWarningLimit: 1200, rollupOptions: { input: 'renderer/index.html' } },
    worker: { format: 'es' },
  },
});
