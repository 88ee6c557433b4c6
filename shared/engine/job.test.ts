import { describe, expect, it } from 'vitest';
import { type JobProgress, ProgressMeter } from './job';

describe('ProgressMeter', () => {
  it('throttles, computes fraction from bytes, rate and ETA', () => {
    let t = 0;
    const out: JobProgress[] = [];
    const m = new ProgressMeter(
      'j1',
      'Import',
      (p) => out.push(p),
      250,
      () => t,
    );
    t = 100;
    m.report(10, 100, 1000, 0);
    t = 200;
    m.report(20, 200, 1000, 0); // throttled
    t = 1000;
    m.report(100, 500, 1000, 2);
    expect(out).toHaveLength(2);
    const last = out[1];
    expect(last.fraction).toBe(0.5);
    expect(last.rate).toBe(100);
    expect(last.etaSeconds).toBeCloseTo(1, 5);
    expect(last.errors).toBe(2);
    const done = m.finish('completed', 200, 1000, 1000, 2);
    expect(done.fraction).toBe(1);
    expect(done.status).toBe('completed');
  });

  it('has no fraction when the total is unknown', () => {
    const out: JobProgress[] = [];
    new ProgressMeter('j', 'x', (p) => out.push(p), 0).report(5, 50, null, 0, true);
    expect(out[0].fraction).toBeNull();
    expect(out[0].etaSeconds).toBeNull();
  });
});
