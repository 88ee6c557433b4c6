/**
 * Discovery policies, raised as signals per report: new high-volume app, new
 * high-upload app, new popular app, new risky app, and data exfiltration to
 * unsanctioned apps. An app is "new" when the report first sees it after its
 * learning period (the first days of the report's data, when everything is
 * new). Thresholds come from settings; so does the severity (the one used for
 * signals sent to Defender for Endpoint). One signal per app per report per
 * 90 days: the first policy an app matches speaks for it, with any other
 * policy it matched that day named in the description. Snapshot reports never
 * raise signals. Byte-based policies say n/a where the data has no bytes,
 * rather than reading unknown as zero.
 */
import type { PolicyThresholds, Severity } from '../domain/settings';
import type { SignalRow } from '../export/reports';
import type { AppInfo, DailyRollups, EntityAppDays } from './daily';
import type { ReportDef, TimeWindow } from './reports';
import { byEntityAndDay, uploadFloorOf } from './risk';
import { appLabel, bytesLabel, countLabel, dayLabel } from './risk-text';

export const SIGNAL_TYPES = {
  exfiltration: 'Data exfiltration to unsanctioned apps',
  highUpload: 'New high-upload app',
  risky: 'New risky app',
  highVolume: 'New high-volume app',
  popular: 'New popular app',
} as const;
export type SignalType = (typeof SIGNAL_TYPES)[keyof typeof SIGNAL_TYPES];

export interface SignalParams {
  /** Days from the report's first data during which every app counts as known, not new. */
  learningDays: number;
  /** One signal per app per report within this many days. */
  dedupeDays: number;
  /** A new risky app must have had this many transactions in one day: a stray visit is not use. */
  riskyMinTransactions: number;
  /** Popularity counts the distinct users (or devices) active on the app within this many days. */
  popularDays: number;
}

export const DEFAULT_SIGNAL_PARAMS: SignalParams = {
  learningDays: 7,
  dedupeDays: 90,
  riskyMinTransactions: 50,
  popularDays: 7,
};

export interface SignalOptions {
  report: Pick<ReportDef, 'name' | 'raisesSignals'>;
  thresholds: PolicyThresholds;
  severity: Severity;
  window?: TimeWindow;
  params?: Partial<SignalParams>;
}

export interface SignalResult {
  signals: SignalRow[];
  /** Policies that could not run on this data, with why. */
  notApplicable: string[];
}

const DAY = 86_400_000;

interface Match {
  type: SignalType;
  text: string;
}

interface Pending {
  time: number;
  app: number;
  entity: string;
  /** Text before the first match's: who or what the signal is about. */
  prefix: string;
  matches: Match[];
  /** The device's key, when the signal is about one. */
  device?: string;
}

/**
 * A new app's days that may raise its signal: every day of its first dedupeDays (a later day can only repeat the
 * app, and the 90-day rule drops it), as rows [start, end) of the base's `days`. What the days hold does not depend
 * on the thresholds the signals are judged with, nor on the analyst's judgement of the app:
 * which day raises the signal, and with which policies, is decided when signals are raised (`raised`).
 */
interface NewApp {
  app: number;
  firstSeen: number;
  /** Popularity counts users (else devices: the app's data has no users). */
  byUsers: boolean;
  start: number;
  end: number;
}

/** New apps' days, by row: last event time, day, transactions, upload and traffic (NaN: unknown), distinct users (or devices) in the trailing popularDays. */
interface NewAppDays {
  time: Float64Array;
  day: Int32Array;
  transactions: Float64Array;
  up: Float64Array;
  traffic: Float64Array;
  active: Int32Array;
}

/**
 * The settings signals are judged with, rather than computed from: the policy thresholds and the severity. A change
 * to them raises the signals again from the same base (`resignaled`), in milliseconds — for the upload threshold, one
 * at least the base's (it kept the large uploads past its own).
 */
export interface SignalJudgement {
  thresholds: PolicyThresholds;
  severity: Severity;
}

/** A device's day of upload past the threshold to an app: exfiltration if the app is unsanctioned. */
interface LargeUpload {
  time: number;
  app: number;
  /** The device's label and key. */
  label: string;
  device: string;
  up: number;
  day: number;
}

/** The signals of a report's rollups, with what they were raised from: newer tags, scores or thresholds raise them again (`resignaled`). */
export interface SignalBase extends SignalResult {
  prep: {
    newApps: NewApp[];
    days: NewAppDays;
    uploads: LargeUpload[];
    /**
     * The largest device upload to an app in a day left out of `uploads` for its size (-Infinity when none: no byte
     * counts): a threshold past it judges no more than they hold (`signalsServeUploads`). Absent when stored by an
     * earlier build.
     */
    uploadLeftOut: number;
    opts: Omit<SignalOptions, 'window'>;
    p: SignalParams;
  } | null;
}

/** Discovery signals in a window: `signalsIn(signalBase(…))`, where the rollups end with the window. */
export function discoverySignals(daily: DailyRollups, opts: SignalOptions): SignalResult {
  return signalsIn(signalBase(daily, opts), opts.window);
}

/**
 * Every signal the rollups raise, on any day, in the order a report lists them: which ones an app raises (and
 * which its 90 days of quiet after one drop) depends on the data before the window, never on the window, so one
 * base serves every window over the same rollups.
 */
export function signalBase(daily: DailyRollups, opts: Omit<SignalOptions, 'window'>): SignalBase {
  const p: SignalParams = { ...DEFAULT_SIGNAL_PARAMS, ...opts.params };
  const t = opts.thresholds;
  if (!opts.report.raisesSignals)
    return { signals: [], notApplicable: ['snapshot reports never raise signals'], prep: null };
  const apps = daily.apps;
  const ad = daily.app;
  let anyBytes = false;
  for (let i = 0; i < ad.n && !anyBytes; i++) if (!Number.isNaN(ad.up[i]) || !Number.isNaN(ad.down[i])) anyBytes = true;
  let anyUp = false;
  for (let i = 0; i < ad.n && !anyUp; i++) if (!Number.isNaN(ad.up[i])) anyUp = true;
  const notApplicable: string[] = [];
  if (!anyUp) {
    notApplicable.push(`${SIGNAL_TYPES.highUpload}: n/a, the data has no upload byte counts`);
    notApplicable.push(`${SIGNAL_TYPES.exfiltration}: n/a, the data has no upload byte counts`);
  }
  if (!anyBytes) notApplicable.push(`${SIGNAL_TYPES.highVolume}: judged on transactions, the data has no byte counts`);
  if (daily.firstDay === null) return { signals: [], notApplicable, prep: null };
  const knownUntil = daily.firstDay + p.learningDays;

  // Per app: its (app, day) rows in day order, and its users' (or devices') (entity, app, day) rows.
  const rowsOf: number[][] = Array.from({ length: apps.length }, () => []);
  for (let i = 0; i < ad.n; i++) rowsOf[ad.app[i]].push(i);
  for (const list of rowsOf) list.sort((a, b) => ad.day[a] - ad.day[b]);
  const span = daily.lastDay !== null ? daily.lastDay - daily.firstDay + 1 : 1;
  // The apps that can be new (first seen once the learning days are over): only their users are read.
  const maybeNew = new Uint8Array(apps.length);
  for (let a = 0; a < apps.length; a++)
    if (!apps[a].noise && rowsOf[a].length > 0 && ad.day[rowsOf[a][0]] >= knownUntil) maybeNew[a] = 1;
  const userDim = daily.userRowsOf ? daily.userRowsOf(maybeNew) : daily.user.rows;
  /** Per app, its (entity, app, day) rows in day order (row order within a day), by counting sorts. */
  const entityRowsOf = (rows: EntityAppDays) => {
    const order = byEntityAndDay(rows.n, rows.app, rows.day, apps.length, daily.firstDay as number, span);
    const start = new Int32Array(apps.length + 1);
    for (let i = 0; i < rows.n; i++) start[rows.app[i] + 1]++;
    for (let a = 0; a < apps.length; a++) start[a + 1] += start[a];
    return (a: number) => order.subarray(start[a], start[a + 1]);
  };
  const userRows = entityRowsOf(userDim);
  const deviceRows = entityRowsOf(daily.device.rows);

  const newApps: NewApp[] = [];
  const cols = {
    time: [] as number[],
    day: [] as number[],
    transactions: [] as number[],
    up: [] as number[],
    traffic: [] as number[],
    active: [] as number[],
  };
  for (let a = 0; a < apps.length; a++) {
    const info = apps[a];
    const rows = rowsOf[a];
    if (info.noise || rows.length === 0) continue;
    const firstSeen = ad.day[rows[0]];
    if (firstSeen < knownUntil) continue;
    const byUsers = userRows(a).length > 0;
    const dim = byUsers ? userDim : daily.device.rows;
    const active = (byUsers ? userRows : deviceRows)(a);
    const start = cols.day.length;
    // Distinct users (devices) active on the app in the trailing popularDays, by a sliding window.
    const inWindow = new Map<number, number>();
    let head = 0;
    let tail = 0;
    for (const i of rows) {
      const d = ad.day[i];
      if (d >= firstSeen + p.dedupeDays) break;
      for (; head < active.length && dim.day[active[head]] <= d; head++) {
        const e = dim.entity[active[head]];
        inWindow.set(e, (inWindow.get(e) ?? 0) + 1);
      }
      for (; tail < head && dim.day[active[tail]] <= d - p.popularDays; tail++) {
        const e = dim.entity[active[tail]];
        const c = (inWindow.get(e) ?? 1) - 1;
        if (c > 0) inWindow.set(e, c);
        else inWindow.delete(e);
      }
      const up = ad.up[i];
      cols.time.push(ad.last[i]);
      cols.day.push(d);
      cols.transactions.push(ad.transactions[i]);
      cols.up.push(up);
      cols.traffic.push(Number.isNaN(up) && Number.isNaN(ad.down[i]) ? Number.NaN : (up || 0) + (ad.down[i] || 0));
      cols.active.push(inWindow.size);
    }
    if (cols.day.length > start) newApps.push({ app: a, firstSeen, byUsers, start, end: cols.day.length });
  }
  const days: NewAppDays = {
    time: Float64Array.from(cols.time),
    day: Int32Array.from(cols.day),
    transactions: Float64Array.from(cols.transactions),
    up: Float64Array.from(cols.up),
    traffic: Float64Array.from(cols.traffic),
    active: Int32Array.from(cols.active),
  };

  // A device's upload past the threshold to one app in a day: exfiltration when the app is unsanctioned.
  const dev = daily.device;
  const uploads: LargeUpload[] = [];
  // From the floor below the threshold: a threshold lowered down to it judges this base (see uploadFloorOf).
  const uploadMin = uploadFloorOf(t);
  let uploadLeftOut = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < dev.rows.n; i++) {
    const up = dev.rows.up[i];
    if (Number.isNaN(up)) continue;
    if (up < uploadMin) {
      if (up > uploadLeftOut) uploadLeftOut = up;
      continue;
    }
    const e = dev.rows.entity[i];
    uploads.push({
      time: dev.rows.last[i],
      app: dev.rows.app[i],
      label: dev.labels[e],
      device: dev.keys[e],
      up,
      day: dev.rows.day[i],
    });
  }
  const prep = { newApps, days, uploads, uploadLeftOut, opts, p };
  return { ...raised(prep, apps, { thresholds: t, severity: opts.severity }), notApplicable, prep };
}

/**
 * Whether a signal base's uploads (`prep`) can be judged with upload threshold `t`: the base kept the large uploads
 * from the floor of the threshold it was computed with, so `t` at least that, or past every upload it left out.
 */
export function signalsServeUploads(
  prep: Pick<NonNullable<SignalBase['prep']>, 'uploadLeftOut' | 'opts'>,
  t: Pick<PolicyThresholds, 'highUploadBytes'>,
): boolean {
  // `raised` leaves out an upload below the threshold (`up < t`): the same test, so the two agree to the byte.
  return t.highUploadBytes >= uploadFloorOf(prep.opts.thresholds) || prep.uploadLeftOut < t.highUploadBytes;
}

/** A signal base as plain data for the store: its signals come back from what they were raised from. */
export type StoredSignalBase = Omit<SignalBase, 'signals'>;

export function storedSignals(b: SignalBase): StoredSignalBase {
  const { signals: _signals, ...rest } = b;
  return rest;
}

/**
 * A stored signal base with `apps` as they are judged now (its own apps, in the same order, appraised again), and
 * the thresholds and severity of `judgement` (its own when not given).
 */
export function revivedSignals(d: StoredSignalBase, apps: readonly AppInfo[], judgement?: SignalJudgement): SignalBase {
  return d.prep ? resignaled({ ...d, signals: [] }, apps, judgement) : { ...d, signals: [] };
}

/**
 * The base's signals with the apps as `apps` judges them (the same apps in the same order: newer tags or scores), and
 * with the thresholds and severity of `judgement` when given (else those the base was computed with; an upload
 * threshold at least the base's).
 */
export function resignaled(base: SignalBase, apps: readonly AppInfo[], judgement?: SignalJudgement): SignalBase {
  if (!base.prep) return base;
  const j = judgement ?? { thresholds: base.prep.opts.thresholds, severity: base.prep.opts.severity };
  return { ...raised(base.prep, apps, j), notApplicable: base.notApplicable, prep: base.prep };
}

/** The signals raised, in the order a report lists them: one per app per dedupeDays, the first policy speaking. */
function raised(
  prep: NonNullable<SignalBase['prep']>,
  apps: readonly AppInfo[],
  { thresholds, severity }: SignalJudgement,
): Pick<SignalResult, 'signals'> {
  const { newApps, days, uploads, opts, p } = prep;
  if (!signalsServeUploads(prep, thresholds))
    throw new Error("signals judged with an upload threshold below their base's upload floor");
  const t = thresholds;
  const pending: Pending[] = [];
  for (const { app, firstSeen, byUsers, start, end } of newApps) {
    const score = apps[app].score;
    const risky = score !== null && score <= t.riskyScore;
    const who = byUsers ? 'users' : 'devices';
    for (let i = start; i < end; i++) {
      const d = days.day[i];
      const up = days.up[i];
      const traffic = days.traffic[i];
      const transactions = days.transactions[i];
      const k = days.active[i];
      const matches: Match[] = [];
      if (!Number.isNaN(up) && up >= t.highUploadBytes) {
        matches.push({
          type: SIGNAL_TYPES.highUpload,
          text: `${bytesLabel(up)} uploaded on ${dayLabel(d)} (threshold ${bytesLabel(t.highUploadBytes)})`,
        });
      }
      if (!Number.isNaN(traffic) ? traffic >= t.highVolumeBytes : transactions >= t.highVolumeTransactions) {
        matches.push({
          type: SIGNAL_TYPES.highVolume,
          text: Number.isNaN(traffic)
            ? `${countLabel(transactions)} transactions on ${dayLabel(d)} (threshold ${countLabel(t.highVolumeTransactions)})`
            : `${bytesLabel(traffic)} of traffic on ${dayLabel(d)} (threshold ${bytesLabel(t.highVolumeBytes)})`,
        });
      }
      if (k >= t.popularUsers) {
        matches.push({
          type: SIGNAL_TYPES.popular,
          text: `used by ${k} ${who} in the ${p.popularDays} days to ${dayLabel(d)} (threshold ${t.popularUsers})`,
        });
      }
      // "New risky app": from the app's score as it is judged now.
      if (risky && transactions >= p.riskyMinTransactions)
        matches.push({
          type: SIGNAL_TYPES.risky,
          text: `score at or below ${t.riskyScore}, ${countLabel(transactions)} transactions on ${dayLabel(d)}`,
        });
      if (matches.length === 0) continue;
      pending.push({
        time: days.time[i],
        app,
        entity: opts.report.name,
        prefix: `${appLabel(apps[app])} first seen ${dayLabel(firstSeen)}: `,
        matches,
      });
      break;
    }
  }
  for (const u of uploads) {
    if (u.up < t.highUploadBytes) continue;
    const a = u.app;
    if (apps[a].sanction !== 'Unsanctioned') continue;
    pending.push({
      time: u.time,
      app: a,
      entity: u.label,
      device: u.device,
      prefix: '',
      matches: [
        {
          type: SIGNAL_TYPES.exfiltration,
          text: `${u.label} uploaded ${bytesLabel(u.up)} to ${appLabel(apps[a])} on ${dayLabel(u.day)} (threshold ${bytesLabel(t.highUploadBytes)})`,
        },
      ],
    });
  }

  const order = Object.values(SIGNAL_TYPES) as SignalType[];
  const rank = (pp: Pending) => Math.min(...pp.matches.map((m) => order.indexOf(m.type)));
  pending.sort((x, y) => Math.floor(x.time / DAY) - Math.floor(y.time / DAY) || rank(x) - rank(y) || x.time - y.time);
  const lastSignal = new Map<number, number>();
  const signals: SignalRow[] = [];
  for (const s of pending) {
    const prev = lastSignal.get(s.app);
    if (prev !== undefined && s.time < prev + p.dedupeDays * DAY) continue;
    lastSignal.set(s.app, s.time);
    const matches = [...s.matches].sort((x, y) => order.indexOf(x.type) - order.indexOf(y.type));
    const [head, ...rest] = matches;
    const also = rest.map((m) => `; also ${m.type.toLowerCase()}: ${m.text}`).join('');
    signals.push({
      time: s.time,
      severity,
      type: head.type,
      entity: s.entity,
      app: apps[s.app].name,
      description: `${s.prefix}${head.text}${also}`,
      ...(s.device !== undefined ? { device: s.device } : {}),
    });
  }
  signals.sort((x, y) => x.time - y.time || x.app.localeCompare(y.app));
  return { signals };
}

/** The base's signals in a window (by their time), in the same order. */
export function signalsIn(base: SignalResult, window?: TimeWindow): SignalResult {
  const from = window?.from ?? Number.NEGATIVE_INFINITY;
  const to = window?.to ?? Number.POSITIVE_INFINITY;
  return { signals: base.signals.filter((s) => s.time >= from && s.time < to), notApplicable: base.notApplicable };
}
