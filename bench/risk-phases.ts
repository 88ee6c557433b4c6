/**
 * The risk work of one report, phase by phase, on one file's facts in Node: the daily rollups of a window ending
 * `--early-days` days before the data's last day (selection and app-days, devices, users, the users' app-day counts),
 * then the risk base of devices and of users over the all-time rollups, timed between its stages (the row index, the
 * first uses, the hours with the first entities, the rest). Each run's times, and a hash of what each produced, to
 * compare two builds (results must hash the same). Reads the fact blocks `report-compute --cache` keeps beside the
 * file (`<file>.blocks.v8`), else parses the file and keeps them there. Built with `bench/vite.report-compute.config.ts`:
 *
 *   node --expose-gc bench/out/report-compute/risk-phases.mjs <file> [--runs 3] [--early-days 2]
 *
 * (s14: the 10M Defender file has ~3× the entity-days of the 1M file replicated 10 times — time risk on it.)
 */
import { BUILTIN_CATALOG } from '../shared/catalog/builtin';
import { loadCatalog } from '../shared/catalog/loader';
import { createMatcher } from '../shared/catalog/matcher';
import { createScorer } from '../shared/catalog/score';
import { DEFAULT_SETTINGS } from '../shared/domain/settings';
import { computeDaily, dailySteps } from '../shared/engine/daily';
import { riskBaseStages, riskIn } from '../shared/engine/risk';
import { benchArgs, factBlocks } from './node-facts';
import { digest, workingSetOf } from './report-stages';

/** A hash of typed arrays, lists and records alike (rollups are too large for `digest`'s JSON). */
function hashAll(x: unknown): string {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    h = Math.imul(h ^ (v | 0), 0x01000193);
    h = Math.imul(h ^ Math.round((v - (v | 0)) * 1e6), 0x01000193);
  };
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) {
      const a = v as unknown as ArrayLike<number>;
      mix(a.length);
      for (let i = 0; i < a.length; i++) mix(Number.isNaN(a[i]) ? -7 : a[i]);
    } else if (Array.isArray(v)) {
      mix(v.length);
      for (const e of v) walk(e);
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v).sort()) {
        if (typeof (v as Record<string, unknown>)[k] === 'function') continue;
        walk(k);
        walk((v as Record<string, unknown>)[k]);
      }
    } else if (typeof v === 'string') {
      for (let i = 0; i < v.length; i++) mix(v.charCodeAt(i));
    } else if (typeof v === 'number') mix(Number.isNaN(v) ? -7 : v);
    else mix(v === null ? -1 : v ? 1 : 0);
  };
  walk(x);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Runs a generator to its end; ms between its yields, the first `named` apart and the rest summed. */
function phases<T>(g: Generator<void, T>, named: number): { value: T; ms: number[] } {
  const ms: number[] = [];
  let rest = 0;
  let t = performance.now();
  for (let k = 0; ; k++) {
    const x = g.next();
    const now = performance.now();
    if (k < named) ms.push(Math.round(now - t));
    else rest += now - t;
    t = now;
    if (x.done) {
      ms.push(Math.round(rest));
      return { value: x.value, ms };
    }
  }
}

async function main(): Promise<void> {
  const { file, flag } = benchArgs(
    'node --expose-gc bench/out/report-compute/risk-phases.mjs <file> [--runs n] [--early-days d]',
  );
  const runs = Number(flag('runs') ?? 3);
  const earlyDays = Number(flag('early-days') ?? 2);
  const blocks = await factBlocks(file, true);
  const ws = workingSetOf(blocks, 1);
  blocks.length = 0;
  const matcher = createMatcher(loadCatalog(BUILTIN_CATALOG, []));
  const app = { matcher, scorer: createScorer(matcher.catalog.date, DEFAULT_SETTINGS), tags: {}, overrides: {} };
  const sources = new Set(['bench-source']);
  const thresholds = DEFAULT_SETTINGS.thresholds;
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const daily = computeDaily(ws, { ...app, sources, from: null, to: null });
  void daily.user;
  const earlyTo = ((daily.lastDay ?? 0) - earlyDays) * 86_400_000;

  const samples: { rollups: number[]; device: number[]; user: number[] }[] = [];
  const hashes: Record<string, string> = {};
  for (let r = 0; r < runs; r++) {
    gc();
    // Selection and app-days, devices (the generator's stages), then users and their app-day counts (on first use).
    const early = phases(dailySteps(ws, { ...app, sources, from: null, to: earlyTo }), 2);
    let t = performance.now();
    const users = early.value.user;
    const usersMs = Math.round(performance.now() - t);
    t = performance.now();
    const counts = early.value.app.users;
    const rollups = [early.ms[0], early.ms[1], usersMs, Math.round(performance.now() - t)];
    const s = { rollups, device: [] as number[], user: [] as number[] };
    for (const dim of ['device', 'user'] as const) {
      gc();
      const b = phases(riskBaseStages(daily, dim, { thresholds }), 3);
      s[dim] = b.ms;
      if (r === 0) {
        const { slots: _slots, ...rest } = b.value;
        hashes[dim] = digest([rest, riskIn(b.value, { from: null, to: null })]);
      }
    }
    if (r === 0) hashes.rollups = hashAll([early.value.device, users, early.value.app, counts, early.value.apps]);
    samples.push(s);
  }
  process.stdout.write(
    `${JSON.stringify({
      file,
      facts: ws.n,
      deviceDays: daily.device.days.n,
      deviceRows: daily.device.rows.n,
      phases: {
        rollups: 'selection+app-days, devices, users, user counts',
        base: 'row index, first uses, hours+first entities, rest',
      },
      samples,
      hashes,
    })}\n`,
  );
}

void main();
