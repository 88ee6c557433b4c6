// Bundles the TypeScript bench entry points (they import the engine from shared/)
// to plain ESM in bench/out/js/, so the benchmark runs them with `node`.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'bench/out/js',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rolldownOptions: {
      input: { 'parse-only': 'bench/parse-only.ts', 'scan-parts': 'bench/scan-parts.ts' },
      external: [...builtinModules, /^node:/, 'papaparse', 'fflate', 'tldts', '@e965/xlsx', 'dexie', 'valibot'],
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
