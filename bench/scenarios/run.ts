/**
 * The risk-quality benchmark: generates fleets, runs the real analyze command
 * on them (the built `dist/node/analyze.mjs`, as a separate process), and
 * scores its devices.csv and signals.csv against the ground truth.
 *
 *   npx vite build --config vite.node.config.ts
 *   npx vite build --config bench/scenarios/vite.config.ts
 *   node bench/out/scenarios/run.mjs [--set tuning|reported] [--formats defender,zeek] [--seeds 1,2] [--keep] [--markdown]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Evaluation, evaluate, readCsv } from './evaluate';
import { buildScenario } from './fleet';
import { FLEET, REPORTED_SEEDS, TUNING_SEEDS } from './params';
import { type ScenarioFormat, writeScenario } from './writers';

interface Options {
  set: 'tuning' | 'reported';
  formats: ScenarioFormat[];
  seeds: number[] | null;
  keep: boolean;
  markdown: boolean;
  cli: string;
}

function parse(argv: string[]): Options {
  const o: Options = {
    set: 'tuning',
    formats: ['defender', 'zeek'],
    seeds: null,
    keep: false,
    markdown: false,
    cli: 'dist/node/analyze.mjs',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--set') o.set = argv[++i] === 'reported' ? 'reported' : 'tuning';
    else if (a === '--formats') o.formats = argv[++i].split(',') as ScenarioFormat[];
    else if (a === '--seeds') o.seeds = argv[++i].split(',').map(Number);
    else if (a === '--keep') o.keep = true;
    else if (a === '--markdown') o.markdown = true;
    else if (a === '--cli') o.cli = argv[++i];
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

interface RunResult {
  format: ScenarioFormat;
  seed: number;
  rows: number;
  analyzeSeconds: number;
  e: Evaluation;
}

async function runOne(format: ScenarioFormat, seed: number, o: Options): Promise<RunResult> {
  const base = resolve('bench/.data/scenarios', `${format}-${seed}`);
  await rm(base, { recursive: true, force: true });
  const input = join(base, 'input');
  const out = join(base, 'out');
  const bytes = format !== 'defender';
  const s = buildScenario(FLEET, seed, bytes);
  const w = await writeScenario(s, format, input);
  const tagsFile = join(base, 'tags.csv');
  const tagRows = Object.entries(s.truth.tags).flatMap(([id, tags]) => tags.map((t) => `${id},${t}`));
  await writeFile(tagsFile, `App,Tag\n${tagRows.join('\n')}\n`);
  const display = (idx: number) => (format === 'defender' ? s.devices[idx].name : s.devices[idx].ip);
  const truth = {
    planted: s.truth.planted.map((p) => ({ ...p, device: display(p.device) })),
    decoys: Object.fromEntries(Object.entries(s.truth.decoys).map(([k, v]) => [k, v.map(display)])),
    expectedSignals: s.truth.expectedSignals,
  };
  await writeFile(join(base, 'truth.json'), JSON.stringify(truth, null, 2));
  const t = performance.now();
  execFileSync(
    process.execPath,
    [
      o.cli,
      input,
      '--out',
      out,
      '--source',
      format === 'defender' ? 'Defender fleet' : 'Zeek sensor',
      '--tags',
      tagsFile,
      '--quiet',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 26 },
  );
  const analyzeSeconds = (performance.now() - t) / 1000;
  const devices = readCsv(readFileSync(join(out, 'devices.csv'), 'utf8')).map((r) => ({
    device: r.Device,
    level: r['Risk level'],
    reasons: r.Reasons,
  }));
  const signals = readCsv(readFileSync(join(out, 'signals.csv'), 'utf8')).map((r) => ({
    type: r.Type,
    app: r.App,
    entity: r.Entity,
    description: r.Description,
  }));
  const e = evaluate(truth, devices, signals);
  if (!o.keep) await rm(input, { recursive: true, force: true });
  return { format, seed, rows: w.rows, analyzeSeconds, e };
}

const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);

function report(r: RunResult): string {
  const e = r.e;
  const lines = [
    `${r.format} seed ${r.seed}: ${r.rows.toLocaleString('en-US')} transactions, analyze ${r.analyzeSeconds.toFixed(1)} s`,
    `  planted High with a naming reason: ${e.plantedHighNamed}/${e.planted} (High ${e.plantedHigh}, High+Medium ${e.plantedHighOrMedium})`,
    `  ordinary High: ${e.ordinaryHigh}/${e.ordinary} (${pct(e.ordinaryHigh, e.ordinary)}), Medium: ${e.ordinaryMedium}`,
    `  precision High ${pct(e.highPrecision, 1)}, High+Medium ${pct(e.highOrMediumPrecision, 1)}`,
    `  decoys: ${Object.entries(e.decoys)
      .map(([k, v]) => `${k} ${v.high}H/${v.medium}M of ${v.n}`)
      .join(', ')}`,
    `  signals: ${e.signals}, required found ${e.signalsRequiredFound}/${e.signalsRequired}, expected ${e.signalsExpected}, other ${e.signalsOther.length}`,
  ];
  for (const m of e.missed) lines.push(`  MISSED ${m.kind} ${m.device} (${m.app}): ${m.level} — ${m.reasons}`);
  for (const x of e.ordinaryHighExamples) lines.push(`  ordinary High ${x.device}: ${x.reasons}`);
  for (const x of e.signalsOther.slice(0, 10)) lines.push(`  other signal: ${x.type} — ${x.app}`);
  for (const x of e.signalsMissed) lines.push(`  missed signal: ${x}`);
  return lines.join('\n');
}

function markdownRow(r: RunResult): string {
  const e = r.e;
  const decoyHigh = Object.values(e.decoys).reduce((a, v) => a + v.high, 0);
  return `| ${r.format} | ${r.seed} | ${r.rows.toLocaleString('en-US')} | ${e.plantedHighNamed}/${e.planted} | ${e.ordinaryHigh}/${e.ordinary} (${pct(e.ordinaryHigh, e.ordinary)}) | ${e.ordinaryMedium} | ${pct(e.highPrecision, 1)} | ${pct(e.highOrMediumPrecision, 1)} | ${decoyHigh} | ${e.signalsRequiredFound}/${e.signalsRequired} | ${e.signalsExpected}/${e.signals} |`;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (!existsSync(o.cli)) {
    throw new Error(`${o.cli} not found: build it first with npx vite build --config vite.node.config.ts`);
  }
  await mkdir('bench/.data/scenarios', { recursive: true });
  const seeds = o.seeds ?? [...(o.set === 'reported' ? REPORTED_SEEDS : TUNING_SEEDS)];
  const results: RunResult[] = [];
  for (const format of o.formats) {
    for (const seed of seeds) {
      const r = await runOne(format, seed, o);
      results.push(r);
      console.log(report(r));
    }
  }
  if (o.markdown) {
    console.log(
      '\n| Format | Seed | Transactions | Planted High, reason names it | Ordinary High | Ordinary Medium | Precision High | Precision High+Medium | Decoys High | Required signals | Signals on expected apps |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) console.log(markdownRow(r));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
