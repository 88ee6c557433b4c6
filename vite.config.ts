// Renderer-only build (vite build / preview), vitest and the browser tests use this config.
// electron.vite.config.ts builds main + preload + the same renderer for the desktop app.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [vue()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        advancedChunks: { groups: [{ name: 'echarts', test: /node_modules[\\/](echarts|zrender)/ }] },
      },
    },
  },
  worker: { format: 'es' },
  test: {
    root: '.',
    include: ['shared/**/*.test.ts', 'renderer/**/*.test.ts', 'electron/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30000,
  },
});
