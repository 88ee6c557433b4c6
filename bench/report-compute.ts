/**
 * The cold cost of one report view in Node: what `EngineState.computed()` and the dashboard
 * do on the first view after an import — computeTables, the daily rollups, device and user
 * risk, discovery signals, the timeline; then what a window over rollups already judged costs
 * (the risk bases, riskInWindow), a window ending 3 days before the data's last day (rollups and bases of its own:
 * `early…`) and the dashboard's riskiest devices (topDevices) — each timed on its own, over a working set built
 * from one telemetry file (parsed and aggregated in memory, no store), optionally replicated
 * over more devices (`--scale k`: k copies of every fact, each copy with its own devices,
 * users and IPs; hosts and days unchanged) to reach 10M-event fact counts without a
 * 2.5-minute import. Prints one JSON line, with a digest of every result so runs before and
 * after a change can be compared for identical output. Each stage gives wall ms and CPU ms (`…Cpu`,
 * this process only: steadier than wall time on a shared machine); with `--held`, also `…HeldMB`, the heap plus array
 * buffers still held after each stage (after a collection, which `total` then includes), over what was held before
 * the first stage. `--cache` keeps the file's fact blocks beside it (`<file>.blocks.v8`, v8-serialized) and reads them
 * from there while the file is older than them: seconds instead of a parse (80 s for 10M rows). The stages are in `report-stages.ts`; `report-compute-chromium.mjs` runs the same in Chromium.
 * Built by `bench/vite.report-compute.config.ts` to `bench/out/report-compute/report-compute.mjs`.
 *
 *   node --expose-gc bench/out/report-compute/report-compute.mjs <file> [--scale 10] [--runs 2] [--held] [--cache]
 */
import { deserialize, serialize } from 'node:v8';
import { benchArgs, factBlocks } from './node-facts';
import { runStages, workingSetOf } from './report-stages';

async function main(): Promise<void> {
  const { file, flag, has } = benchArgs(
    'node --expose-gc bench/out/report-compute/report-compute.mjs <file> [--scale k] [--runs n] [--held] [--cache]',
  );
  const scale = Number(flag('scale') ?? 1);
  const runs = Number(flag('runs') ?? 1);
  const measureHeld = has('held');

  let t = performance.now();
  const blocks = await factBlocks(file, has('cache'));
  const parseSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const ws = workingSetOf(blocks, scale);
  blocks.length = 0;
  const loadSeconds = (performance.now() - t) / 1000;

  const { samples, digests } = runStages(
    ws,
    runs,
    {
      cpuMs: () => {
        const c = process.cpuUsage();
        return (c.user + c.system) / 1000;
      },
      heapUsed: () => process.memoryUsage().heapUsed,
      // Typed arrays live outside the JS heap: retained memory is heap plus array buffers.
      held: () => {
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      },
      gc: (globalThis as { gc?: () => void }).gc,
      store: (x) => {
        const bytes = serialize(x);
        return { bytes: bytes.length, back: () => deserialize(bytes) };
      },
    },
    measureHeld,
  );
  process.stdout.write(
    `${JSON.stringify({
      file,
      scale,
      facts: ws.n,
      devices: new Set(ws.device.subarray(0, ws.n)).size,
      parseSeconds: Math.round(parseSeconds * 10) / 10,
      loadSeconds: Math.round(loadSeconds * 100) / 100,
      samples,
      digests,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

void main();
