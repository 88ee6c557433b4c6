/**
 * The KQL query generator for large fleets, as one pure call for the Data
 * sources screen and the `kql` command: the counting query for a window, and
 * given its result (or a number of slices) the slice queries.
 */
import { countingQuery, type KqlTarget, type Slice, sliceQuery, TARGETS, utcDay, windowOfDays } from './query';
import { type DayCount, evenSlices, planSlices } from './slices';

export {
  COUNT_COLUMNS,
  countingQuery,
  deviceFilterClause,
  FACT_COLUMNS,
  KQL_APPROXIMATIONS,
  type KqlOptions,
  type KqlTarget,
  type Slice,
  sliceQuery,
  TARGETS,
  WHERE_TO_RUN,
  windowOfDays,
} from './query';
export { type CountsParse, type DayCount, evenSlices, parseCountsCsv, planSlices } from './slices';

const DAY = 86_400_000;

export interface KqlPlanRequest {
  target: KqlTarget;
  /** Device filter patterns; empty = all devices. */
  devices?: readonly string[];
  /** Whole UTC days before `end` (used when no counts are given). */
  days?: number;
  /** End of the window (exclusive), rounded down to 00:00 UTC; default now. */
  end?: number;
  /** The counting query's result: the window becomes its days, slices are sized from it. */
  counts?: readonly DayCount[];
  /** Without counts: this many slices of equal time (or device shares). */
  slices?: number;
  /** Facts per slice to aim at; default the target's (under its row cap). */
  rowsPerSlice?: number;
  /** For the retention warning; default Date.now(). */
  now?: number;
}

export interface KqlPlan {
  from: number;
  to: number;
  rowsPerSlice: number;
  counting: string;
  /** Empty until counts (or a number of slices) are given. */
  slices: { slice: Slice; query: string }[];
  warnings: string[];
}

export function kqlPlan(req: KqlPlanRequest): KqlPlan {
  const t = TARGETS[req.target];
  const opts = { target: req.target, devices: req.devices ?? [] };
  const rowsPerSlice = req.rowsPerSlice ?? t.defaultRowsPerSlice;
  const warnings: string[] = [];
  if (rowsPerSlice > t.rowCap) {
    warnings.push(
      `${rowsPerSlice.toLocaleString('en-US')} rows per slice is above the ${t.label} cap of ${t.rowCap.toLocaleString('en-US')} rows per query: results would be cut short.`,
    );
  }
  let from: number;
  let to: number;
  let slices: Slice[] = [];
  if (req.counts && req.counts.length > 0) {
    const days = req.counts.map((c) => utcDay(c.day));
    from = Math.min(...days);
    to = Math.max(...days) + DAY;
    slices = planSlices(req.counts, rowsPerSlice);
    const heavy = req.counts.filter((c) => c.facts > rowsPerSlice);
    if (heavy.length > 0) {
      warnings.push(
        `${heavy.length} day(s) hold more facts than one slice: they are split into device shares. If one device alone fills a slice, its result is cut at the cap — lower --rows-per-slice does not help then; narrow --devices instead.`,
      );
    }
  } else {
    ({ from, to } = windowOfDays(req.days ?? 30, req.end));
    if (req.slices !== undefined) slices = evenSlices(from, to, req.slices);
  }
  if (t.retentionDays !== null) {
    const now = req.now ?? Date.now();
    const oldest = now - t.retentionDays * DAY;
    if (from < oldest) {
      const firstWholeDay = utcDay(oldest) === oldest ? oldest : utcDay(oldest) + DAY;
      const complete = Math.floor((to - firstWholeDay) / DAY);
      warnings.push(
        `${t.label} keeps ${t.retentionDays} days: nothing before ${new Date(oldest).toISOString().slice(0, 16)}Z is left, so the window's first day(s) come back partial or empty (--days ${Math.max(1, complete)} asks only for complete days; a Sentinel workspace with longer retention can go further).`,
      );
    }
  }
  return {
    from,
    to,
    rowsPerSlice,
    counting: countingQuery(opts, from, to),
    slices: slices.map((slice) => ({ slice, query: sliceQuery(opts, slice) })),
    warnings,
  };
}
