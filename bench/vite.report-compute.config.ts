// Bundles bench/report-compute.ts and bench/risk-phases.ts (they import the engine from shared/) to bench/out/report-compute/,
// apart from bench/vite.bench.config.ts so either build leaves the other's output alone.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'bench/out/report-compute',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rolldownOptions: {
      input: { 'report-compute': 'bench/report-compute.ts', 'risk-phases': 'bench/risk-phases.ts' },
      external: [...builtinModules, /^node:/, 'papaparse', 'fflate', 'tldts', '@e965/xlsx', 'dexie', 'valibot'],
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
