import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration } from '../services/format';
import { useJobsStore } from './jobs';

beforeEach(() => setActivePinia(createPinia()));

describe('jobs store', () => {
  it('tracks a job from queued to done and cancels through its controller', () => {
    const jobs = useJobsStore();
    const ac = new AbortController();
    jobs.start('j1', 'Import x.csv', ac);
    expect(jobs.running).toHaveLength(1);
    jobs.update({ ...jobs.jobs[0], status: 'running', rowsDone: 10, fraction: 0.5 });
    expect(jobs.jobs[0].rowsDone).toBe(10);
    jobs.cancel('j1');
    expect(ac.signal.aborted).toBe(true);
    jobs.settle('j1', 'cancelled', 'Nothing was imported');
    expect(jobs.running).toHaveLength(0);
    expect(jobs.jobs[0].message).toBe('Nothing was imported');
    jobs.dismiss('j1');
    expect(jobs.jobs).toEqual([]);
  });
});

describe('formatting for people', () => {
  it('formats counts, bytes and durations, with n/a for unknown', () => {
    expect(formatCount(3412)).toBe('3,412');
    expect(formatCount(null)).toBe('n/a');
    expect(formatBytes(1.2 * 1024 ** 3)).toBe('1.2 GB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(Number.NaN)).toBe('n/a');
    expect(formatDuration(125)).toBe('2m 05s');
  });
});
