/**
 * Scores the analyze command's devices.csv and signals.csv against a
 * scenario's ground truth: recall of planted devices rated High with a reason
 * that names the planted behaviour, the share of ordinary devices rated High,
 * precision of High and of High+Medium, and recall/precision of signals.
 */
import Papa from 'papaparse';
import type { PlantedKind } from './params';

export interface DeviceOut {
  device: string;
  level: string;
  reasons: string;
}

export interface SignalOut {
  type: string;
  app: string;
  entity: string;
  description: string;
}

export function readCsv(text: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(text.trim(), { header: true, skipEmptyLines: true }).data;
}

/** Whether a reason text names the planted behaviour (fixed with the scenarios, before tuning). */
export function namesBehaviour(kind: PlantedKind, app: string, reasons: string): boolean {
  const r = reasons.toLowerCase();
  const a = app.toLowerCase();
  switch (kind) {
    case 'tx-spike':
      return r.includes(a) && /transactions/.test(r);
    case 'upload-spike':
    case 'exfil-low-score':
      return r.includes(a) && /uploaded/.test(r);
    case 'risky-first-use':
    case 'unsanctioned-first-use':
      return r.includes(a) && /first use/.test(r);
    case 'fleet-unseen':
      return r.includes(a) && /(first use|no other device)/.test(r);
    case 'off-hours':
      return /hours?/.test(r) && /(never active|active at)/.test(r);
  }
}

export interface Evaluation {
  planted: number;
  plantedHighNamed: number;
  plantedHigh: number;
  plantedHighOrMedium: number;
  missed: { kind: PlantedKind; device: string; app: string; level: string; reasons: string }[];
  byKind: Record<string, { planted: number; highNamed: number }>;
  ordinary: number;
  ordinaryHigh: number;
  ordinaryMedium: number;
  ordinaryHighExamples: { device: string; reasons: string }[];
  decoys: Record<string, { n: number; high: number; medium: number }>;
  highPrecision: number;
  highOrMediumPrecision: number;
  signals: number;
  signalsRequired: number;
  signalsRequiredFound: number;
  signalsExpected: number;
  signalsOther: { type: string; app: string }[];
  signalsMissed: string[];
}

export interface EvalTruth {
  planted: { kind: PlantedKind; device: string; app: string }[];
  decoys: Record<string, string[]>;
  expectedSignals: { app: string; required: boolean }[];
}

export function evaluate(truth: EvalTruth, devices: DeviceOut[], signals: SignalOut[]): Evaluation {
  const byDevice = new Map(devices.map((d) => [d.device, d]));
  const plantedDevices = new Set(truth.planted.map((p) => p.device));
  const e: Evaluation = {
    planted: truth.planted.length,
    plantedHighNamed: 0,
    plantedHigh: 0,
    plantedHighOrMedium: 0,
    missed: [],
    byKind: {},
    ordinary: 0,
    ordinaryHigh: 0,
    ordinaryMedium: 0,
    ordinaryHighExamples: [],
    decoys: {},
    highPrecision: 0,
    highOrMediumPrecision: 0,
    signals: signals.length,
    signalsRequired: 0,
    signalsRequiredFound: 0,
    signalsExpected: 0,
    signalsOther: [],
    signalsMissed: [],
  };
  for (const p of truth.planted) {
    const d = byDevice.get(p.device);
    const level = d?.level ?? '';
    const reasons = d?.reasons ?? '';
    if (!e.byKind[p.kind]) e.byKind[p.kind] = { planted: 0, highNamed: 0 };
    const k = e.byKind[p.kind];
    k.planted++;
    if (level === 'High') e.plantedHigh++;
    if (level === 'High' || level === 'Medium') e.plantedHighOrMedium++;
    if (level === 'High' && namesBehaviour(p.kind, p.app, reasons)) {
      e.plantedHighNamed++;
      k.highNamed++;
    } else {
      e.missed.push({ kind: p.kind, device: p.device, app: p.app, level, reasons });
    }
  }
  let high = 0;
  let highOrMedium = 0;
  let plantedHighDevices = 0;
  let plantedHmDevices = 0;
  for (const d of devices) {
    const isHigh = d.level === 'High';
    const isHm = isHigh || d.level === 'Medium';
    if (isHigh) high++;
    if (isHm) highOrMedium++;
    if (plantedDevices.has(d.device)) {
      if (isHigh) plantedHighDevices++;
      if (isHm) plantedHmDevices++;
      continue;
    }
    e.ordinary++;
    if (isHigh) {
      e.ordinaryHigh++;
      if (e.ordinaryHighExamples.length < 12) e.ordinaryHighExamples.push({ device: d.device, reasons: d.reasons });
    } else if (d.level === 'Medium') e.ordinaryMedium++;
  }
  for (const [role, list] of Object.entries(truth.decoys)) {
    const r = { n: 0, high: 0, medium: 0 };
    for (const name of list) {
      if (plantedDevices.has(name)) continue;
      r.n++;
      const level = byDevice.get(name)?.level;
      if (level === 'High') r.high++;
      else if (level === 'Medium') r.medium++;
    }
    e.decoys[role] = r;
  }
  e.highPrecision = high === 0 ? 1 : plantedHighDevices / high;
  e.highOrMediumPrecision = highOrMedium === 0 ? 1 : plantedHmDevices / highOrMedium;

  const expected = new Map(truth.expectedSignals.map((s) => [s.app.toLowerCase(), s]));
  const found = new Set<string>();
  for (const s of signals) {
    const x = expected.get(s.app.toLowerCase());
    if (x) {
      e.signalsExpected++;
      found.add(s.app.toLowerCase());
    } else e.signalsOther.push({ type: s.type, app: s.app });
  }
  for (const s of truth.expectedSignals) {
    if (!s.required) continue;
    e.signalsRequired++;
    if (found.has(s.app.toLowerCase())) e.signalsRequiredFound++;
    else e.signalsMissed.push(s.app);
  }
  return e;
}
