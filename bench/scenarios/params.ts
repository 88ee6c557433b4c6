/**
 * The fleet scenarios the risk benchmark reports, fixed before any detector
 * tuning: the reported seeds are never used while tuning (tuning uses
 * TUNING_SEEDS), and changing anything here after the fact invalidates the
 * "Risk quality" section of bench/RESULTS.md.
 *
 * Everything is in the fleet's local time unless named `Utc`; the fleet sits
 * at UTC+1 all period (no DST change inside it).
 */

export const REPORTED_SEEDS: readonly number[] = [9101, 9102, 9103];
export const TUNING_SEEDS: readonly number[] = [1, 2, 3];

export interface FleetParams {
  devices: number;
  days: number;
  /** First day, a Monday (UTC date). */
  start: string;
  tzOffsetHours: number;
  /** Working day: start hour ~ N(mean, sd) per device, length likewise; per-day jitter in hours. */
  workStartMean: number;
  workStartSd: number;
  workLengthMean: number;
  workLengthSd: number;
  dayJitterHours: number;
  /** Per workday: absent (sick, leave); overtime by 1–3 h; an early start by 1–2 h. */
  absentProb: number;
  overtimeProb: number;
  earlyProb: number;
  /** Devices with a 5-workday holiday somewhere in the period. */
  holidayShare: number;
  /** Devices that also work some weekend days, at this fraction of their weekday volume. */
  weekendWorkerShare: number;
  weekendDayProb: number;
  weekendScale: number;
  /** Laptops left on overnight: infrastructure (noise) traffic at night, nothing else. */
  alwaysOnShare: number;
  /** 24×7 build agents: app traffic every hour, steady daily uploads. */
  serverShare: number;
  /** Work transactions per active day: lognormal across devices (median, sigma) and day to day (sigma). */
  txMedian: number;
  txDeviceSigma: number;
  txDaySigma: number;
  /** Heavy days at 2–4× a device's volume. */
  heavyDayProb: number;
  /** Occasional catalog apps: pool size and visits per device-day (Poisson), 3–30 transactions each. */
  occasionalPool: number;
  occasionalPerDay: number;
  /** Long tail of unidentified domains (Zipf), visits per device-day, 1–12 transactions each. */
  longTailDomains: number;
  longTailZipf: number;
  longTailPerDay: number;
  /** Bytes per transaction (proxy formats only): lognormal medians and sigma. */
  upMedian: number;
  upSigma: number;
  downMedian: number;
  downSigma: number;
  /** Meetings: share of workdays with a call, upload per minute of call, call length 20–90 min. */
  meetingProb: number;
  meetingUpPerMinute: number;
  /** Legitimate file uploads to sanctioned storage: share of workdays, lognormal median and sigma. */
  fileUploadProb: number;
  fileUploadMedian: number;
  fileUploadSigma: number;
  /** Devices that routinely use an unsanctioned app, small volumes, from the first day. */
  routineUnsanctionedShare: number;
  /** Download-heavy decoys: daily download range, and one day of a huge download from an app new to them. */
  downloadDecoyShare: number;
  decoyDailyDownload: [number, number];
  decoyHugeDownload: [number, number];
  /** Fleet-wide rollouts: start day, share of devices adopting, adoption spread over workdays, first-day sync upload. */
  rollouts: { app: string; startDay: number }[];
  rolloutShare: number;
  rolloutSpreadWorkdays: number;
  rolloutSyncMedian: number;
  /** A maintenance night: share of devices woken at 02:00 local to reach device management. */
  maintenanceDay: number;
  maintenanceShare: number;
  /** Planted anomalies: devices per kind, days they fall in (inclusive range). */
  plantedPerKind: number;
  plantedDays: [number, number];
}

export const FLEET: FleetParams = {
  devices: 300,
  days: 42,
  start: '2026-09-07',
  tzOffsetHours: 1,
  workStartMean: 8,
  workStartSd: 0.75,
  workLengthMean: 9,
  workLengthSd: 0.75,
  dayJitterHours: 0.5,
  absentProb: 0.04,
  overtimeProb: 0.06,
  earlyProb: 0.03,
  holidayShare: 0.15,
  weekendWorkerShare: 0.08,
  weekendDayProb: 0.5,
  weekendScale: 0.4,
  alwaysOnShare: 0.25,
  serverShare: 0.02,
  txMedian: 100,
  txDeviceSigma: 0.6,
  txDaySigma: 0.35,
  heavyDayProb: 0.03,
  occasionalPool: 120,
  occasionalPerDay: 1,
  longTailDomains: 5000,
  longTailZipf: 1.1,
  longTailPerDay: 4,
  upMedian: 1500,
  upSigma: 1.2,
  downMedian: 25_000,
  downSigma: 1.5,
  meetingProb: 0.25,
  meetingUpPerMinute: 1_500_000,
  fileUploadProb: 0.04,
  fileUploadMedian: 60 * 1024 * 1024,
  fileUploadSigma: 1,
  routineUnsanctionedShare: 0.04,
  downloadDecoyShare: 0.05,
  decoyDailyDownload: [1 * 1024 ** 3, 10 * 1024 ** 3],
  decoyHugeDownload: [20 * 1024 ** 3, 60 * 1024 ** 3],
  rollouts: [
    { app: 'notion', startDay: 17 },
    { app: 'egnyte', startDay: 24 },
  ],
  rolloutShare: 0.65,
  rolloutSpreadWorkdays: 4,
  rolloutSyncMedian: 150 * 1024 * 1024,
  maintenanceDay: 29,
  maintenanceShare: 0.45,
  plantedPerKind: 3,
  plantedDays: [21, 41],
};

/** Planted behaviour, one device each; byte-based kinds exist only in formats that carry bytes. */
export type PlantedKind =
  | 'tx-spike'
  | 'upload-spike'
  | 'exfil-low-score'
  | 'risky-first-use'
  | 'unsanctioned-first-use'
  | 'fleet-unseen'
  | 'off-hours';

export const PLANTED_KINDS: readonly PlantedKind[] = [
  'tx-spike',
  'upload-spike',
  'exfil-low-score',
  'risky-first-use',
  'unsanctioned-first-use',
  'fleet-unseen',
  'off-hours',
];
export const BYTE_KINDS: ReadonlySet<PlantedKind> = new Set(['upload-spike', 'exfil-low-score']);

/** What each planted kind does (ranges drawn uniformly). */
export const PLANTED = {
  /** Extra transactions to one of the device's own work apps: this many times its daily median, over 3–6 work hours. */
  txSpikeFactor: [12, 30] as [number, number],
  /** Upload to sanctioned storage the device already uses. */
  uploadSpikeBytes: [1.5 * 1024 ** 3, 5 * 1024 ** 3] as [number, number],
  /** Upload to a file-transfer app of score ≤ 4 (unsanctioned or untagged) the device never used. */
  exfilBytes: [0.5 * 1024 ** 3, 3 * 1024 ** 3] as [number, number],
  /** Risky app (score ≤ 4) nobody in the fleet uses: 1–3 consecutive days at this many transactions a day. */
  riskyTxPerDay: [60, 250] as [number, number],
  /** Unsanctioned app the device never used, one day. */
  unsanctionedTx: [20, 120] as [number, number],
  /** Beacon to a domain nobody else contacts: every 5–15 minutes, round the clock, 2–4 days. */
  beaconMinutes: [5, 15] as [number, number],
  beaconDays: [2, 4] as [number, number],
  /** Activity between 01:00 and 04:30 local on a work night, to the device's usual apps. */
  offHoursTx: [150, 500] as [number, number],
};

/** App pools by catalog id (hosts not in the catalog are unidentified on purpose). */
export const APPS = {
  core: [
    { host: 'teams.microsoft.com', weight: 30 },
    { host: 'outlook.office365.com', weight: 25 },
    { host: 'contoso.sharepoint.com', weight: 15 },
    { host: 'onedrive.live.com', weight: 12 },
    { host: 'login.microsoftonline.com', weight: 10 },
    { host: 'www.google.com', weight: 5 },
    { host: 'portal.corp.example', weight: 6 },
  ],
  roles: {
    engineering: ['github.com', 'contoso.atlassian.net', 'dev.azure.com', 'app.slack.com', 'console.aws.amazon.com'],
    sales: ['contoso.my.salesforce.com', 'app.hubspot.com', 'www.linkedin.com', 'zoom.us', 'app.gong.io'],
    finance: ['go.xero.com', 'wd5.myworkday.com', 'service.ariba.com', 'app.powerbi.com', 'app.smartsheet.com'],
    operations: ['contoso.service-now.com', 'contoso.zendesk.com', 'contoso.monday.com', 'trello.com', 'miro.com'],
  } as Record<string, string[]>,
  noise: [
    'download.windowsupdate.com',
    'crl.microsoft.com',
    'v10.events.data.microsoft.com',
    'ocsp.digicert.com',
    'definitionupdates.microsoft.com',
  ],
  sanctionedStorage: ['onedrive.live.com', 'contoso.sharepoint.com', 'drive.google.com', 'app.box.com'],
  meetings: ['teams.microsoft.com', 'zoom.us'],
  unsanctioned: [
    'wetransfer',
    'mega',
    'mediafire',
    '4shared',
    'terabox',
    'baidu-netdisk',
    'gofile',
    'file-io',
    'sendgb',
    'yandex-disk',
    'icedrive',
    'pcloud',
  ],
  /** Routine (baseline) unsanctioned use draws from these. */
  routineUnsanctioned: ['mega', 'mediafire', '4shared', 'pcloud'],
  plantedRisky: ['anydesk', 'teamviewer', 'deepseek', 'backblaze', 'wasabi', 'storj', 'koofr', 'jottacloud', 'filen'],
  plantedUnsanctioned: ['gofile', 'terabox', 'baidu-netdisk', 'yandex-disk', 'icedrive', 'sendgb'],
  plantedExfil: ['wetransfer', 'transfernow', 'file-io', 'smash', 'filemail', 'swisstransfer'],
  downloadHeavy: [
    'store.steampowered.com',
    'objects.githubusercontent.com',
    'www.netflix.com',
    'download.windowsupdate.com',
  ],
  decoyHuge: ['archive.org', 'vimeo.com', 'www.dropbox.com'],
  servers: ['github.com', 'dev.azure.com', 'console.aws.amazon.com', 's3.amazonaws.com'],
  maintenance: 'manage.microsoft.com',
};
