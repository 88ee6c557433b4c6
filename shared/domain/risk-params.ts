/**
 * The risk rules' parameters and their defaults, in a module of their own (no engine code): the UI names some of them
 * (how long a baseline takes to learn, how far it looks back) and must not pull the engine into its bundle for that.
 */
export interface RiskParams {
  /** Days from an entity's first activity before it is judged. */
  learningDays: number;
  /** Active days of history (within the lookback) needed to judge a day. */
  minHistoryDays: number;
  /** Days of history a baseline looks back on. */
  lookbackDays: number;
  /** Transaction spike: ratio to the daily median for High / Medium, a floor in transactions, a robust z floor. */
  spikeRatioHigh: number;
  spikeRatioMedium: number;
  spikeMinTransactions: number;
  spikeRobustZ: number;
  /**
   * Upload spike: ratio to the daily upload median (the median's floor in bytes), and to the
   * entity's largest upload day in the lookback — daily uploads are heavy-tailed (a video call
   * uploads a hundred times a quiet day), so beating the median alone is ordinary.
   */
  uploadRatio: number;
  uploadFloorBytes: number;
  uploadPeakRatio: number;
  /** Uploads below this share of the high-upload threshold are never anomalies. */
  uploadMinShare: number;
  /** To an ordinary (sanctioned, well-rated, familiar) app, High needs this many times the high-upload threshold. */
  uploadOrdinaryHighFactor: number;
  /** First use is judged on the app's first days of use on the entity (the first contact is often one probe). */
  firstUseDays: number;
  /** First use: transactions that make it more than a glance, and that make a risky first use High. */
  firstUseTransactions: number;
  firstUseHighTransactions: number;
  /** First use of an app unseen in the fleet: Medium and High transactions, or High when contacted in this many distinct hours. */
  unseenMediumTransactions: number;
  unseenHighTransactions: number;
  beaconHours: number;
  /**
   * Off-hours: transactions needed, as a floor and as a share of the daily median; High needs
   * this larger share in hours the fleet rarely works (an evening of overtime is not a night's work).
   */
  offHoursMinTransactions: number;
  offHoursMedianShare: number;
  offHoursHighMedianShare: number;
  /** Hours the entity was active in on at least this many days are its habit. */
  offHoursHabitDays: number;
  /** High also needs the hours this far from any habitual hour (an early start is schedule drift, a night is not)… */
  offHoursDistance: number;
  /** …and this many days of history: a week is too little to know someone's rhythm. */
  offHoursHighHistoryDays: number;
  /** An hour of the day is one the fleet rarely works in when it carries less than this share of the fleet's transactions. */
  rareHourShare: number;
  /** Peers: this many other entities (at least), or this share of the fleet, within this many days. */
  peerMinCount: number;
  peerShare: number;
  peerDays: number;
  /**
   * An entity whose amount (log scale) lies beyond the peers' median by this many robust standard
   * deviations is not "doing the same" as them: a 3 GB upload is no part of a rollout's 150 MB syncs.
   */
  peerRobustZ: number;
  maxReasons: number;
}

export const DEFAULT_RISK_PARAMS: RiskParams = {
  learningDays: 7,
  minHistoryDays: 5,
  lookbackDays: 28,
  spikeRatioHigh: 10,
  spikeRatioMedium: 5,
  spikeMinTransactions: 500,
  spikeRobustZ: 6,
  uploadRatio: 10,
  uploadFloorBytes: 1024 * 1024,
  uploadPeakRatio: 2,
  uploadMinShare: 0.25,
  uploadOrdinaryHighFactor: 10,
  firstUseDays: 3,
  firstUseTransactions: 20,
  firstUseHighTransactions: 50,
  unseenMediumTransactions: 50,
  unseenHighTransactions: 100,
  beaconHours: 8,
  offHoursMinTransactions: 50,
  offHoursMedianShare: 0.25,
  offHoursHighMedianShare: 0.5,
  offHoursHabitDays: 2,
  offHoursDistance: 3,
  offHoursHighHistoryDays: 14,
  rareHourShare: 0.01,
  peerMinCount: 3,
  peerShare: 0.02,
  peerDays: 7,
  peerRobustZ: 3,
  maxReasons: 6,
};
