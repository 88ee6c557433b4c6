/**
 * What the live indicator shows: events per second over a short window, the
 * last batch, refusals by reason and the most recent errors. Fixed-size
 * buffers only, whatever the traffic.
 */

const WINDOW_SECONDS = 10;
const RECENT_ERRORS = 20;

export type RefusalReason =
  | 'unauthorized'
  | 'forbidden'
  | 'tooLarge'
  | 'busy'
  | 'invalid'
  | 'unsupportedMediaType'
  | 'duplicate';

export interface CollectorError {
  at: number;
  source: 'http' | 'syslog' | 'folder' | 'spool';
  message: string;
}

export interface StatsSnapshot {
  eventsPerSecond: number;
  eventsTotal: number;
  batchesTotal: number;
  lastBatchAt: number | null;
  refused: Record<RefusalReason, number>;
  errors: { count: number; recent: CollectorError[] };
}

export class CollectorStats {
  private readonly buckets = new Float64Array(WINDOW_SECONDS);
  private bucketSecond = 0;
  private eventsTotal = 0;
  private batchesTotal = 0;
  private lastBatchAt: number | null = null;
  private readonly refused: Record<RefusalReason, number> = {
    unauthorized: 0,
    forbidden: 0,
    tooLarge: 0,
    busy: 0,
    invalid: 0,
    unsupportedMediaType: 0,
    duplicate: 0,
  };
  private errorCount = 0;
  private readonly recent: CollectorError[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Moves the window to the current second, zeroing the seconds that passed without traffic. */
  private advance(t: number): void {
    const sec = Math.floor(t / 1000);
    if (this.bucketSecond === 0) this.bucketSecond = sec;
    const gap = sec - this.bucketSecond;
    if (gap <= 0) return;
    for (let i = 1; i <= Math.min(gap, WINDOW_SECONDS); i++) {
      this.buckets[(this.bucketSecond + i) % WINDOW_SECONDS] = 0;
    }
    this.bucketSecond = sec;
  }

  /** A new batch was spooled with `events` events (null: unknown, counts as a batch only). */
  batch(events: number | null): void {
    const t = this.now();
    this.advance(t);
    if (events !== null) {
      this.buckets[this.bucketSecond % WINDOW_SECONDS] += events;
      this.eventsTotal += events;
    }
    this.batchesTotal++;
    this.lastBatchAt = t;
  }

  refuse(reason: RefusalReason): void {
    this.refused[reason]++;
  }

  error(source: CollectorError['source'], message: string): void {
    this.errorCount++;
    this.recent.push({ at: this.now(), source, message });
    if (this.recent.length > RECENT_ERRORS) this.recent.shift();
  }

  snapshot(): StatsSnapshot {
    this.advance(this.now());
    let sum = 0;
    for (const b of this.buckets) sum += b;
    return {
      eventsPerSecond: sum / WINDOW_SECONDS,
      eventsTotal: this.eventsTotal,
      batchesTotal: this.batchesTotal,
      lastBatchAt: this.lastBatchAt,
      refused: { ...this.refused },
      errors: { count: this.errorCount, recent: [...this.recent] },
    };
  }
}
