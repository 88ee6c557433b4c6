// Bundles bench/report-compute-web.ts (report-compute's stages as a worker for Chromium) to
// bench/out/report-compute-web/report-compute-web.mjs, dependencies included, as the app's worker is built.
import { defineConfig } from 'vite';

export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir: 'bench/out/report-compute-web',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: false,
    rolldownOptions: {
      input: { 'report-compute-web': 'bench/report-compute-web.ts' },
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
