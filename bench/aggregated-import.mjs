// `node bench/aggregated-import.mjs`: how much smaller and faster the aggregated-facts route is.
//
// 1. bundles the fleet generator and the Kusto reference (shared/kql/testing) and the
//    analyze command into bench/out/aggregated/ (--no-build reuses them);
// 2. generates a realistic fleet's raw DeviceNetworkEvents export (default 200 devices x
//    30 days, about 1,000 outbound activities per device per working day) and, from the same
//    rows, the facts the KQL slice queries return — one slice per day, each reading the
//    query's one-minute margin around it — into bench/.data/aggregated/;
// 3. runs `node analyze.mjs <file> --out <tmp> --quiet` on each (whole process: start-up,
//    import, reports), medians of --runs N (default 3), and checks both give the same summary.
//
// Options: --devices N, --days N, --activities N, --runs N, --no-build, --quick (20 devices x 7 days, 1 run).
// Prints a Markdown table for bench/RESULTS.md and writes bench/out/aggregated/results.json.
import { execFileSync, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'bench/out/aggregated');
const DATA = join(root, 'bench/.data/aggregated');
const argv = process.argv.slice(2);
const has = (f) => argv.includes(f);
const opt = (f, d) => {
  const i = argv.indexOf(f);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const quick = has('--quick');
const FLEET = {
  devices: opt('--devices', quick ? 20 : 200),
  days: opt('--days', quick ? 7 : 30),
  activitiesPerDay: opt('--activities', 1000),
  start: Date.UTC(2026, 1, 2),
  seed: 42,
};
const RUNS = quick ? 1 : opt('--runs', 3);
const DAY = 86_400_000;
const MARGIN = 60_000;
const log = (s) => process.stderr.write(`${s}\n`);

async function build() {
  log('bundling the generator, the Kusto reference and analyze into bench/out/aggregated/ …');
  const { build: viteBuild } = await import('vite');
  const { builtinModules } = await import('node:module');
  await viteBuild({
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      outDir: join(OUT, 'js'),
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rolldownOptions: {
        input: { fleet: 'shared/kql/testing/fleet.ts', reference: 'shared/kql/testing/kusto-reference.ts' },
        external: [...builtinModules, /^node:/, 'papaparse'],
        output: { format: 'es', entryFileNames: '[name].mjs' },
      },
    },
  });
  execFileSync(
    'npx',
    [
      'vite',
      'build',
      '--config',
      'vite.node.config.ts',
      '--outDir',
      join(OUT, 'node'),
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

/** Writes text through a stream, waiting when its buffer is full. */
function writer(path) {
  const s = createWriteStream(path);
  return {
    async write(text) {
      if (!s.write(text)) await new Promise((r) => s.once('drain', r));
    },
    end: () => new Promise((r) => s.end(r)),
  };
}

async function generate(rawPath, factsPath) {
  const { fleetRows, rawCsvHeader, rawCsvLine } = await import(pathToFileURL(join(OUT, 'js/fleet.mjs')).href);
  const { kustoFacts, factsCsv } = await import(pathToFileURL(join(OUT, 'js/reference.mjs')).href);
  const raw = writer(`${rawPath}.partial`);
  const facts = writer(`${factsPath}.partial`);
  await raw.write(rawCsvHeader());
  let header = true;
  const byDay = new Map();
  let next = 0;
  let rows = 0;
  let factRows = 0;
  // One slice per day, as the KQL would run it: that day's transactions, a minute of rows around it.
  const slice = async (d) => {
    const from = FLEET.start + d * DAY;
    const to = from + DAY;
    const near = [
      ...(byDay.get(d - 1) ?? []).filter((x) => x.ms >= from - MARGIN),
      ...(byDay.get(d) ?? []),
      ...(byDay.get(d + 1) ?? []).filter((x) => x.ms < to + MARGIN),
    ];
    const out = kustoFacts(near, { from, to });
    factRows += out.length;
    const text = factsCsv(out);
    await facts.write(header ? text : text.slice(text.indexOf('\n') + 1));
    header = false;
    byDay.delete(d - 1);
  };
  let buf = '';
  for (const x of fleetRows(FLEET)) {
    rows++;
    buf += rawCsvLine(x);
    if (buf.length > 1 << 20) {
      await raw.write(buf);
      buf = '';
    }
    const d = Math.floor((x.ms - FLEET.start) / DAY);
    const list = byDay.get(d);
    if (list) list.push(x);
    else byDay.set(d, [x]);
    while (next < d && x.ms >= FLEET.start + (next + 1) * DAY + MARGIN) await slice(next++);
  }
  await raw.write(buf);
  const last = Math.max(...byDay.keys());
  while (next <= last) await slice(next++);
  await raw.end();
  await facts.end();
  execFileSync('mv', [`${rawPath}.partial`, rawPath]);
  execFileSync('mv', [`${factsPath}.partial`, factsPath]);
  return { rows, factRows };
}

function timed(args) {
  const rusage = join(tmpdir(), `cloudscope-agg-time-${process.pid}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', rusage, process.execPath, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${err.trim()}`));
      const [kb, user, sys] = readFileSync(rusage, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      rmSync(rusage, { force: true });
      resolve({ wall, cpu: user + sys, rssMB: kb / 1024 });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function analyze(file) {
  const runs = [];
  let summary = null;
  for (let i = 0; i < RUNS; i++) {
    const out = mkdtempSync(join(tmpdir(), 'cloudscope-agg-'));
    runs.push(await timed([join(OUT, 'node/analyze.mjs'), file, '--out', out, '--quiet']));
    summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const imports = JSON.parse(readFileSync(join(out, 'imports.json'), 'utf8'));
    summary.rowsRead = imports[0].rowsRead;
    rmSync(out, { recursive: true, force: true });
  }
  return {
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    rssMB: median(runs.map((r) => r.rssMB)),
    summary,
  };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(DATA, { recursive: true });
  if (!has('--no-build') || !existsSync(join(OUT, 'node/analyze.mjs'))) await build();
  const tag = `${FLEET.devices}dev-${FLEET.days}d-${FLEET.activitiesPerDay}a-s${FLEET.seed}`;
  const rawPath = join(DATA, `raw-${tag}.csv`);
  const factsPath = join(DATA, `facts-${tag}.csv`);
  let gen = null;
  if (!existsSync(rawPath) || !existsSync(factsPath)) {
    log(`generating ${FLEET.devices} devices x ${FLEET.days} days …`);
    const t0 = performance.now();
    gen = await generate(rawPath, factsPath);
    log(
      `  ${gen.rows.toLocaleString('en-US')} raw rows, ${gen.factRows.toLocaleString('en-US')} facts in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const loadStart = loadavg()[0];
  log('analyze on the raw export …');
  const raw = await analyze(rawPath);
  log('analyze on the facts …');
  const facts = await analyze(factsPath);
  const same = ['apps', 'devices', 'users', 'ips', 'transactions', 'firstEvent', 'lastEvent'].every(
    (k) => raw.summary[k] === facts.summary[k],
  );
  const rawMB = statSync(rawPath).size / 1e6;
  const factsMB = statSync(factsPath).size / 1e6;
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      nproc: cpus().length,
      memGiB: +(totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      loadavgAtStart: loadStart.toFixed(2),
      loadavgAtEnd: loadavg()[0].toFixed(2),
    },
    fleet: FLEET,
    runs: RUNS,
    raw: { file: rawPath, MB: rawMB, rows: raw.summary.rowsRead, ...raw },
    facts: { file: factsPath, MB: factsMB, rows: facts.summary.rowsRead, ...facts },
    sameSummary: same,
  };
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(result, null, 2));
  const f1 = (x) => x.toFixed(1);
  const md = [
    `Fleet: ${FLEET.devices} devices x ${FLEET.days} days (seed ${FLEET.seed}), ${raw.summary.transactions.toLocaleString('en-US')} transactions; same summary from both files: ${same ? 'yes' : 'NO'}.`,
    '',
    '| Input | rows | MB | analyze wall s | CPU s | peak RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| raw DeviceNetworkEvents CSV | ${raw.summary.rowsRead.toLocaleString('en-US')} | ${f1(rawMB)} | ${raw.wall.toFixed(2)} | ${raw.cpu.toFixed(2)} | ${f1(raw.rssMB)} |`,
    `| hourly facts CSV (KQL result) | ${facts.summary.rowsRead.toLocaleString('en-US')} | ${f1(factsMB)} | ${facts.wall.toFixed(2)} | ${facts.cpu.toFixed(2)} | ${f1(facts.rssMB)} |`,
    `| ratio raw / facts | ${(raw.summary.rowsRead / facts.summary.rowsRead).toFixed(1)}x | ${(rawMB / factsMB).toFixed(1)}x | ${(raw.wall / facts.wall).toFixed(1)}x | ${(raw.cpu / facts.cpu).toFixed(1)}x | ${(raw.rssMB / facts.rssMB).toFixed(1)}x |`,
    '',
    `Medians of ${RUNS} run(s); load average ${result.machine.loadavgAtStart} at start, ${result.machine.loadavgAtEnd} at end.`,
  ].join('\n');
  writeFileSync(join(OUT, 'results.md'), `${md}\n`);
  process.stdout.write(`${md}\n`);
  if (!same) process.exitCode = 1;
}

main().catch((e) => {
  log(e.stack ?? String(e));
  process.exitCode = 1;
});
