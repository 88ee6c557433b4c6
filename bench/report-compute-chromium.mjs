// `report-compute`'s stages in a worker in Debian's Chromium, beside the same stages in Node, on the same working
// set: where the browser's engine is slower than Node's, stage by stage (s13: a window's rollups and bases took the
// UI ~1.5-4x what report-compute takes in Node). Builds bench/out/report-compute-web/ and bench/out/report-compute/
// (unless --no-build), serves the worker and the file on 127.0.0.1 only, runs the worker in a fresh profile, and
// prints one JSON line per engine and a table of the stages' median wall ms side by side.
//
//   node bench/report-compute-chromium.mjs <file> [--scale 10] [--runs 2] [--no-node] [--no-build]
//                                           [--profile out.cpuprofile]
// --profile records a CPU profile of the worker over its runs (the stages only, not the parse) and prints the
// functions with the most self time.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ARGS, CHROMIUM, selfTimes, workerProfiler } from './chromium-import.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) {
  console.error(
    'usage: node bench/report-compute-chromium.mjs <file> [--scale k] [--runs n] [--no-node] [--no-build] [--profile out.cpuprofile] [--store-read n]',
  );
  process.exit(64);
}
const scale = Number(flag('scale') ?? 1);
const runs = Number(flag('runs') ?? 1);
const profileOut = flag('profile');
/** --store-read n: only the facts written to IndexedDB and read back into a working set, two ways, n rounds. */
const storeReadRuns = Number(flag('store-read') ?? 0);

function build(config) {
  const r = spawnSync('npx', ['vite', 'build', '--config', config, '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`vite build --config ${config} failed`);
}
if (!args.includes('--no-build')) {
  build('bench/vite.report-compute-web.config.ts');
  if (!args.includes('--no-node') && !args.includes('--store-read')) build('bench/vite.report-compute.config.ts');
}

/** Serves the page, the worker bundle and the file, on loopback only. */
function serve() {
  const worker = join(root, 'bench/out/report-compute-web/report-compute-web.mjs');
  const page = '<!doctype html><meta charset="utf-8"><title>report-compute</title>';
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    } else if (req.url === '/report-compute-web.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(worker));
    } else if (req.url === '/data') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
      createReadStream(resolve(file)).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function inChromium() {
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'cloudscope-rc-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // gc() in the worker, as `node --expose-gc` has it: a collection before each run, as in Node.
    args: [...ARGS, '--js-flags=--expose-gc'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const profiler = profileOut ? await workerProfiler(context, page) : null;
    await page.goto(url);
    await page.evaluate(() => {
      const w = new Worker('/report-compute-web.mjs', { type: 'module', name: 'engine report-compute' });
      window.__ask = (m) =>
        new Promise((ok, fail) => {
          w.onmessage = (e) => (e.data.error ? fail(new Error(e.data.error)) : ok(e.data));
          w.onerror = (e) => fail(new Error(e.message));
          w.postMessage(m);
        });
    });
    const loaded = await page.evaluate((scale) => window.__ask({ cmd: 'load', url: '/data', scale }), scale);
    if (storeReadRuns > 0) {
      const sr = await page.evaluate((runs) => window.__ask({ cmd: 'storeRead', runs }), storeReadRuns);
      return { engine: 'chromium', file, ...loaded, storeRead: sr };
    }
    await profiler?.start();
    const r = await page.evaluate((runs) => window.__ask({ cmd: 'run', runs }), runs);
    let hotSpots;
    if (profiler) {
      const p = await profiler.stop();
      writeFileSync(profileOut, JSON.stringify(p));
      hotSpots = selfTimes(p, 25);
    }
    const version = context.browser()?.version() ?? '';
    return { engine: 'chromium', version, file, scale, ...loaded, ...r, hotSpots };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
  }
}

function inNode() {
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      join(root, 'bench/out/report-compute/report-compute.mjs'),
      file,
      '--scale',
      String(scale),
      '--runs',
      String(runs),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`report-compute in Node failed: ${r.stderr}`);
  return { engine: 'node', version: process.version, ...JSON.parse(r.stdout) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
results.push(await inChromium());
if (!args.includes('--no-node') && storeReadRuns === 0) results.push(inNode());
for (const r of results) {
  const { hotSpots, ...line } = r;
  console.log(JSON.stringify(line));
  if (hotSpots) {
    console.error('worker self time:');
    for (const h of hotSpots)
      console.error(`  ${h.seconds.toFixed(3).padStart(7)} s ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.fn}`);
  }
}
const [c, n] = results;
if (n) {
  const same = Object.keys(c.digests).filter((k) => c.digests[k] === n.digests[k]);
  console.error(
    `digests equal in both engines: ${same.length} of ${Object.keys(c.digests).length} (${same.join(', ')})`,
  );
  console.error(`${'stage'.padEnd(22)} ${'chromium'.padStart(9)} ${'node'.padStart(9)}  ratio`);
  for (const k of Object.keys(c.samples[0])) {
    if (k.endsWith('Cpu') || k.endsWith('MB') || !(k in n.samples[0]) || /Rows|Days/.test(k)) continue;
    const a = median(c.samples.map((s) => s[k]));
    const b = median(n.samples.map((s) => s[k]));
    console.error(
      `${k.padEnd(22)} ${String(a).padStart(9)} ${String(b).padStart(9)}  ${b > 0 ? (a / b).toFixed(2) : '-'}`,
    );
  }
}
