// Bundles the risk-quality benchmark to plain ESM under bench/out/ (git-ignored), like vite.node.config.ts.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'bench/out/scenarios',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      input: { run: 'bench/scenarios/run.ts' },
      external: [...builtinModules, /^node:/, 'papaparse', 'tldts', 'valibot', 'dexie', 'fake-indexeddb', 'fflate'],
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
