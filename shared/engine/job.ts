/**
 * One shape for every long task (import, export, rescoring), reported by the
 * engine and rendered by the UI's jobs store. Fraction comes from bytes read,
 * so it moves smoothly on huge files; null when the total is unknown.
 */
export type JobStatus = 'queued' | 'running' | 'completed' | 'cancelled' | 'failed';

export interface JobProgress {
  jobId: string;
  label: string;
  status: JobStatus;
  fraction: number | null;
  rowsDone: number;
  bytesDone: number;
  bytesTotal: number | null;
  /** rows per second over the job so far */
  rate: number;
  etaSeconds: number | null;
  errors: number;
  message?: string;
}

/** Builds throttled progress reports: at most one every `intervalMs`, plus the final one. */
export class ProgressMeter {
  private readonly started: number;
  private last = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly jobId: string,
    private readonly label: string,
    private readonly emit: (p: JobProgress) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.started = this.now();
  }

  report(rowsDone: number, bytesDone: number, bytesTotal: number | null, errors: number, force = false): void {
    const t = this.now();
    if (!force && t - this.last < this.intervalMs) return;
    this.last = t;
    this.emit(this.snapshot('running', rowsDone, bytesDone, bytesTotal, errors, t));
  }

  finish(
    status: JobStatus,
    rowsDone: number,
    bytesDone: number,
    bytesTotal: number | null,
    errors: number,
    message?: string,
  ): JobProgress {
    const p = this.snapshot(status, rowsDone, bytesDone, bytesTotal, errors, this.now());
    if (status === 'completed') {
      p.fraction = 1;
      p.etaSeconds = 0;
    }
    if (message) p.message = message;
    this.emit(p);
    return p;
  }

  private snapshot(
    status: JobStatus,
    rowsDone: number,
    bytesDone: number,
    bytesTotal: number | null,
    errors: number,
    t: number,
  ): JobProgress {
    const secs = Math.max((t - this.started) / 1000, 1e-3);
    const fraction = bytesTotal && bytesTotal > 0 ? Math.min(bytesDone / bytesTotal, 1) : null;
    const byteRate = bytesDone / secs;
    const etaSeconds =
      fraction !== null && bytesTotal !== null && byteRate > 0 && bytesDone > 0
        ? Math.max((bytesTotal - bytesDone) / byteRate, 0)
        : null;
    return {
      jobId: this.jobId,
      label: this.label,
      status,
      fraction,
      rowsDone,
      bytesDone,
      bytesTotal,
      rate: rowsDone / secs,
      etaSeconds,
      errors,
    };
  }
}
