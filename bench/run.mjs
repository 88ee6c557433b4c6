// `npm run bench`: the ingestion benchmark, whole process against whole process.
//
// 1. builds its own copy of the app and the Node entry points into bench/out/
//    (so it measures the current source and never disturbs dist/; --no-build reuses it);
// 2. generates the inputs into bench/.data/ once (deterministic by seed, reused after);
// 3. per file: parse-only and parse+aggregate throughput in Node (no store), then
//    `node analyze.mjs <file> --out <tmp> --quiet` and `node bench/duckdb-hourly.mjs`
//    side by side (wall time and peak RSS of each child, medians of 3 where the
//    target is), and the ratio ours/DuckDB;
// 4. the Chromium worker: file → committed IndexedDB through the app's Import dialog;
// 5. with --big: a 10M-row Defender CSV imported by `analyze` (peak RSS target < 1 GB).
//
// Options: --big (adds the 10M-row run; --big-only runs just that), --no-build, --no-chromium, --runs N (default 3), --quick (0.1M rows, 1 run; a smoke test).
// Writes bench/out/results.{json,md} (results-big.* with --big-only); figures for RESULTS.md come from there.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importOnce, startServer } from './chromium-import.mjs';
import { generateDefender } from './gen/defender.mjs';
import { generateSquid } from './gen/squid.mjs';
import { generateZeekConn } from './gen/zeek-conn.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'bench/out');
const DATA = join(root, 'bench/.data');
/** Bump when a generator's output changes, so stale inputs are not reused. */
const GEN_VERSION = 2;
const SEED = 1;

const argv = process.argv.slice(2);
const has = (f) => argv.includes(f);
const opt = (f, d) => {
  const i = argv.indexOf(f);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
if (has('--help')) {
  process.stdout.write(
    'usage: npm run bench -- [--big | --big-only] [--no-build] [--no-chromium] [--runs N] [--quick]\n' +
      'Needs ~1.7 GB in bench/.data/ (2.2 GB more with --big); the default run takes ~10 minutes.\n',
  );
  process.exit(0);
}
const quick = has('--quick');
const RUNS = quick ? 1 : opt('--runs', 3);
const log = (s) => process.stderr.write(`${s}\n`);

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
}

function machine() {
  let mem = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  let chromium = 'not found';
  let duckdb = 'unknown';
  try {
    mem = sh('free', ['-h']).split('\n')[1].replace(/\s+/g, ' ');
  } catch {}
  try {
    chromium = sh(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {}
  try {
    duckdb = JSON.parse(readFileSync(join(root, 'node_modules/@duckdb/node-api/package.json'), 'utf8')).version;
  } catch {}
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: mem,
    node: process.version,
    chromium,
    duckdb,
    loadavgAtStart: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

function build() {
  log('building the app and Node entry points into bench/out/ …');
  sh('npx', ['vite', 'build', '--outDir', join(OUT, 'web'), '--emptyOutDir', '--logLevel', 'warn']);
  sh('npx', [
    'vite',
    'build',
    '--config',
    'vite.node.config.ts',
    '--outDir',
    'bench/out/node',
    '--emptyOutDir',
    '--logLevel',
    'warn',
  ]);
  sh('npx', ['vite', 'build', '--config', 'bench/vite.bench.config.ts']);
}

const human = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

function datasets(big) {
  const rows = quick ? [100_000] : [500_000, 1_000_000];
  const list = [];
  for (const shape of ['projected', 'full']) {
    for (const n of rows) {
      list.push({
        name: `defender-${shape}-${human(n)}`,
        kind: 'defender',
        shape,
        rows: n,
        ext: 'csv',
        target: n === 500_000,
      });
    }
  }
  const n = quick ? 100_000 : 1_000_000;
  list.push({ name: `zeek-conn-${human(n)}`, kind: 'zeek', rows: n, ext: 'log' });
  list.push({ name: `squid-${human(n)}`, kind: 'squid', rows: n, ext: 'log' });
  if (big)
    list.push({
      name: 'defender-projected-10M',
      kind: 'defender',
      shape: 'projected',
      rows: 10_000_000,
      ext: 'csv',
      big: true,
    });
  return list;
}

async function ensureData(d) {
  mkdirSync(DATA, { recursive: true });
  const path = join(DATA, `${d.name}-s${SEED}-g${GEN_VERSION}.${d.ext}`);
  if (existsSync(path)) return path;
  log(`generating ${relative(root, path)} …`);
  const tmp = `${path}.partial`;
  const t0 = performance.now();
  if (d.kind === 'defender') await generateDefender({ rows: d.rows, shape: d.shape, seed: SEED, out: tmp });
  else if (d.kind === 'zeek') await generateZeekConn({ rows: d.rows, seed: SEED, out: tmp });
  else await generateSquid({ rows: d.rows, seed: SEED, out: tmp });
  execFileSync('mv', [tmp, path]);
  log(`  ${(statSync(path).size / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return path;
}

/**
 * Runs a child under /usr/bin/time: wall seconds (measured here), CPU seconds
 * (user + system: steadier than wall time on a busy machine), peak RSS in MB, stdout.
 */
function timed(args) {
  const rusage = join(tmpdir(), `cloudscope-bench-time-${process.pid}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', rusage, process.execPath, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${err.trim()}`));
      const [kb, user, sys] = readFileSync(rusage, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      rmSync(rusage, { force: true });
      resolve({ wall, cpu: user + sys, rssMB: kb / 1024, stdout: out });
    });
  });
}

const lastJson = (s) =>
  JSON.parse(
    s
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function stage(path, name, format) {
  const r = await timed([
    join(OUT, 'js/parse-only.mjs'),
    path,
    '--stage',
    name,
    ...(format ? ['--format', format] : []),
  ]);
  return lastJson(r.stdout);
}

async function analyzeRun(path) {
  const out = mkdtempSync(join(tmpdir(), 'cloudscope-bench-out-'));
  try {
    const r = await timed([join(OUT, 'node/analyze.mjs'), path, '--out', out, '--quiet']);
    const imports = JSON.parse(readFileSync(join(out, 'imports.json'), 'utf8'));
    return {
      wall: r.wall,
      cpu: r.cpu,
      rssMB: r.rssMB,
      rowsRead: imports[0].rowsRead,
      accepted: imports[0].rowsAccepted,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function duckdbRun(path, kind) {
  const r = await timed([join(root, 'bench/duckdb-hourly.mjs'), path, '--kind', kind]);
  return { wall: r.wall, cpu: r.cpu, rssMB: r.rssMB, ...lastJson(r.stdout) };
}

const f1 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));
const f2 = (x) => x.toFixed(2);
const k = (x) => `${Math.round(x / 1000).toLocaleString('en-US')}k`;

async function main() {
  const started = performance.now();
  const info = machine();
  log(`machine: ${info.nproc} cores, ${info.cpu}, ${info.node}, ${info.chromium}, load ${info.loadavgAtStart}`);
  if (!has('--no-build') || !existsSync(join(OUT, 'node/analyze.mjs'))) build();
  const results = { machine: info, runs: RUNS, files: [], chromium: [], big: null };

  for (const d of has('--big-only') ? [] : datasets(false)) {
    const path = await ensureData(d);
    const bytes = statSync(path).size;
    const entry = { ...d, path: relative(root, path), bytes, stages: {}, ours: [], duckdb: [] };
    results.files.push(entry);
    log(`${d.name} (${(bytes / 1e6).toFixed(0)} MB, ${Math.round(bytes / d.rows)} B/row)`);
    const stages =
      d.name === (quick ? 'defender-projected-100k' : 'defender-projected-1M')
        ? ['read', 'sha', 'parse', 'aggregate']
        : ['parse', 'aggregate'];
    for (const s of stages) {
      entry.stages[s] = await stage(path, s);
      log(
        `  ${s}: ${f2(entry.stages[s].seconds)} s${entry.stages[s].rowsPerSec ? `, ${k(entry.stages[s].rowsPerSec)} rows/s` : `, ${f1(entry.stages[s].mbPerSec)} MB/s`}`,
      );
    }
    const runs = d.target ? RUNS : 1;
    for (let i = 0; i < runs; i++) {
      const o = await analyzeRun(path);
      entry.ours.push(o);
      const q = await duckdbRun(path, d.kind);
      entry.duckdb.push(q);
      log(
        `  run ${i + 1}: analyze ${f2(o.wall)} s (${f1(o.rssMB)} MB) · duckdb ${f2(q.wall)} s (${f1(q.rssMB)} MB) · ratio ${f2(o.wall / q.wall)}`,
      );
    }
    entry.oursMedian = median(entry.ours.map((x) => x.wall));
    entry.duckdbMedian = median(entry.duckdb.map((x) => x.wall));
    entry.ratio = entry.oursMedian / entry.duckdbMedian;
    entry.cpuRatio = median(entry.ours.map((x) => x.cpu)) / median(entry.duckdb.map((x) => x.cpu));
  }

  if (!has('--no-chromium') && !has('--big-only')) {
    const targets = results.files.filter((f) => f.kind === 'defender' && f.rows === (quick ? 100_000 : 1_000_000));
    const server = await startServer(join(OUT, 'node'));
    try {
      for (const f of targets) {
        const runs = f.shape === 'projected' ? RUNS : 1;
        const rs = [];
        for (let i = 0; i < runs; i++) {
          const r = await importOnce(server.url, join(root, f.path));
          rs.push(r);
          log(
            `chromium ${f.name} run ${i + 1}: ${f2(r.pageSeconds)} s in the page, ${k(r.rowsPerSec)} rows/s (seen from Node ${f2(r.wallSeconds)} s; engine ${f2(r.engineSeconds)} s)`,
          );
        }
        results.chromium.push({
          name: f.name,
          rows: f.rows,
          bytes: f.bytes,
          runs: rs,
          pageMedian: median(rs.map((r) => r.pageSeconds)),
          wallMedian: median(rs.map((r) => r.wallSeconds)),
          rowsPerSecMedian: median(rs.map((r) => r.rowsPerSec)),
          engineMedian: median(rs.map((r) => r.engineSeconds ?? Number.NaN)),
        });
      }
    } finally {
      await server.stop();
    }
  }

  if (has('--big') || has('--big-only')) {
    const d = datasets(true).find((x) => x.big);
    const path = await ensureData(d);
    log(`${d.name}: analyze (takes minutes) …`);
    const o = await analyzeRun(path);
    log(`  analyze ${f2(o.wall)} s, peak RSS ${f1(o.rssMB)} MB`);
    const q = await duckdbRun(path, d.kind);
    log(`  duckdb ${f2(q.wall)} s, peak RSS ${f1(q.rssMB)} MB`);
    results.big = { name: d.name, rows: d.rows, bytes: statSync(path).size, ours: o, duckdb: q };
  }

  results.totalSeconds = (performance.now() - started) / 1000;
  const base = has('--big-only') ? 'results-big' : 'results';
  writeFileSync(join(OUT, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const md = report(results);
  writeFileSync(join(OUT, `${base}.md`), md);
  process.stdout.write(md);
  log(`\nwritten: bench/out/${base}.json, bench/out/${base}.md (${f1(results.totalSeconds)} s in all)`);
}

function report(r) {
  const m = r.machine;
  const lines = [];
  lines.push(
    `Machine: ${m.nproc} cores (${m.cpu}), memory ${m.memory}, Node ${m.node}, ${m.chromium}, DuckDB node-api ${m.duckdb}`,
  );
  lines.push(`Date: ${m.date}; load average at start ${m.loadavgAtStart}; medians of ${r.runs} where marked *`);
  lines.push('');
  lines.push(
    '| File | MB | B/row | analyze s | DuckDB s | **ours/DuckDB** | CPU s ours / DuckDB | CPU ratio | peak RSS MB ours / DuckDB | groups ours / DuckDB |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of r.files) {
    const star = f.ours.length > 1 ? '*' : '';
    const cpu = (xs) => f1(median(xs.map((x) => x.cpu)));
    const rss = (xs) => Math.round(Math.max(...xs.map((x) => x.rssMB)));
    lines.push(
      `| ${f.name} | ${(f.bytes / 1e6).toFixed(0)} | ${Math.round(f.bytes / f.rows)} | ${f2(f.oursMedian)}${star} | ${f2(f.duckdbMedian)}${star} | **${f2(f.ratio)}** | ${cpu(f.ours)} / ${cpu(f.duckdb)} | ${f2(f.cpuRatio)} | ${rss(f.ours)} / ${rss(f.duckdb)} | ${f.stages.aggregate?.facts} / ${f.duckdb[0]?.groups} |`,
    );
  }
  lines.push('');
  lines.push(
    '| File | parse-only rows/s (peak MB) | parse+aggregate rows/s (peak MB) | full analyze rows/s | read MB/s | JS SHA-256 MB/s |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const f of r.files) {
    const s = f.stages;
    lines.push(
      `| ${f.name} | ${k(s.parse.rowsPerSec)} (${Math.round(s.parse.maxRssMB)}) | ${k(s.aggregate.rowsPerSec)} (${Math.round(s.aggregate.maxRssMB)}) | ${k(f.rows / f.oursMedian)} | ${s.read ? f1(s.read.mbPerSec) : ''} | ${s.sha ? f1(s.sha.mbPerSec) : ''} |`,
    );
  }
  if (r.chromium.length > 0) {
    lines.push('');
    lines.push(
      '| Chromium worker, file → committed IndexedDB | runs | s in the page (click → result) | rows/s | s seen from Node | engine s (import record) |',
    );
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const c of r.chromium) {
      lines.push(
        `| ${c.name} | ${c.runs.length} | ${f2(c.pageMedian)} | **${k(c.rowsPerSecMedian)}** | ${f2(c.wallMedian)} | ${f2(c.engineMedian)} |`,
      );
    }
  }
  if (r.big) {
    const b = r.big;
    lines.push('');
    lines.push('| 10M rows | MB | analyze s | analyze peak RSS MB | rows/s | DuckDB s | DuckDB peak RSS MB |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    lines.push(
      `| ${b.name} | ${(b.bytes / 1e6).toFixed(0)} | ${f1(b.ours.wall)} | **${f1(b.ours.rssMB)}** | ${k(b.rows / b.ours.wall)} | ${f1(b.duckdb.wall)} | ${f1(b.duckdb.rssMB)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

main().catch((e) => {
  log(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
