// Node-side entry points (the web-mode server, the headless analyze and kql commands),
// bundled to plain ESM so they run with `node`, no TypeScript loader at run time.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  /^node:/,
  // SheetJS stays a package of its own: a megabyte of code, loaded only when a workbook comes.
  '@e965/xlsx',
];

export default defineConfig({
  // The other dependencies are bundled in: loading them as packages (resolving, CommonJS parsing) cost every run of
  // analyze ~0.1 s of CPU, a twentieth of a 0.5M-row import (bench/RESULTS.md).
  ssr: { noExternal: ['fake-indexeddb', 'dexie', 'papaparse', 'fflate', 'tldts', 'tldts-core', 'valibot'] },
  build: {
    ssr: true,
    outDir: 'dist/node',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      input: {
        web: 'electron/cli/web.ts',
        analyze: 'electron/cli/analyze.ts',
        kql: 'electron/cli/kql.ts',
        // A worker thread of analyze, loaded by its file name (electron/cli/scan-channels.ts).
        'scan-worker': 'electron/cli/scan-worker.ts',
      },
      external,
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
