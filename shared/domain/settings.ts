/**
 * Settings the analyst knows from the cloud product's "Microsoft Defender for
 * Endpoint" page and score metrics, with defaults. The same keys are used by
 * the desktop settings store, the web host and `analyze --settings <file.json>`.
 */
export type Severity = 'Informational' | 'Low' | 'Medium' | 'High';
export const SEVERITIES: readonly Severity[] = ['Informational', 'Low', 'Medium', 'High'];

export type Weight = 0 | 1 | 2 | 3 | 4; // Ignored, Low, Medium, High, Very High
export const WEIGHT_LABELS = ['Ignored', 'Low', 'Medium', 'High', 'Very High'] as const;

export interface PolicyThresholds {
  /** New high-volume app: traffic in bytes (or transactions when the source has no bytes). */
  highVolumeBytes: number;
  highVolumeTransactions: number;
  /** New high-upload app: upload in bytes. */
  highUploadBytes: number;
  /** New popular app: distinct users (or devices). */
  popularUsers: number;
  /** New risky app: score at or below this. */
  riskyScore: number;
}

export interface Settings {
  theme: 'system' | 'light' | 'dark';
  /** Enable endpoint integration: the Defender-managed endpoints ("Win10 Endpoint Users") report. */
  endpointIntegration: boolean;
  /** Unsanctioned apps become Block indicators (monitored apps Warn); Audit when off. */
  blockUnsanctionedApps: boolean;
  /** Severity for signals sent to Defender for Endpoint. */
  signalSeverity: Severity;
  /** Warn-mode bypass duration for monitored apps, in hours. */
  warnBypassHours: number;
  /** Whether unknown attribute values count against an app's score. */
  unknownCountsAgainst: boolean;
  groupWeights: Record<'general' | 'security' | 'compliance' | 'legal', Weight>;
  attributeWeights: Record<string, Weight>;
  /** Anonymize user and device names in views and exports. */
  anonymize: boolean;
  /** Keep facts for this many days after the data's last event; null = forever. */
  retentionDays: number | null;
  thresholds: PolicyThresholds;
}

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  endpointIntegration: true,
  blockUnsanctionedApps: true,
  signalSeverity: 'Medium',
  warnBypassHours: 1,
  unknownCountsAgainst: false,
  groupWeights: { general: 2, security: 2, compliance: 2, legal: 2 },
  attributeWeights: {},
  anonymize: false,
  retentionDays: null,
  thresholds: {
    highVolumeBytes: 500 * 1024 * 1024,
    highVolumeTransactions: 10_000,
    highUploadBytes: 100 * 1024 * 1024,
    popularUsers: 10,
    riskyScore: 4,
  },
};

/** Fills missing keys from the defaults and drops unknown ones (settings files from older versions). */
export function normalizeSettings(input: unknown): Settings {
  const src = (input && typeof input === 'object' ? input : {}) as Partial<Settings>;
  const out: Settings = structuredClone(DEFAULT_SETTINGS);
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const v = src[key];
    if (v === undefined) continue;
    const d = DEFAULT_SETTINGS[key];
    if (d !== null && typeof d === 'object' && !Array.isArray(d)) {
      if (v && typeof v === 'object') Object.assign(out[key] as object, v);
    } else if (d === null || typeof v === typeof d) {
      (out as unknown as Record<string, unknown>)[key] = v;
    }
  }
  if (!SEVERITIES.includes(out.signalSeverity)) out.signalSeverity = DEFAULT_SETTINGS.signalSeverity;
  // A threshold is a number of bytes, transactions, users or a score: anything else (a blank form field) is the default.
  for (const key of Object.keys(DEFAULT_SETTINGS.thresholds) as (keyof PolicyThresholds)[]) {
    const v = out.thresholds[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (key === 'riskyScore' && v > 10))
      out.thresholds[key] = DEFAULT_SETTINGS.thresholds[key];
  }
  for (const key of Object.keys(out.thresholds))
    if (!(key in DEFAULT_SETTINGS.thresholds)) delete (out.thresholds as unknown as Record<string, unknown>)[key];
  return out;
}
