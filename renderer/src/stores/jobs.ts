/** Every long task's progress, in one place; components only render it. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobProgress } from '../../../shared/engine/job';

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<JobProgress[]>([]);
  const controllers = new Map<string, AbortController>();

  function update(p: JobProgress): void {
    const i = jobs.value.findIndex((j) => j.jobId === p.jobId);
    if (i >= 0) jobs.value[i] = p;
    else jobs.value.push(p);
  }

  /** Registers a job before its first progress report, so it shows as queued and can be cancelled. */
  function start(jobId: string, label: string, controller: AbortController): void {
    controllers.set(jobId, controller);
    update({
      jobId,
      label,
      status: 'queued',
      fraction: null,
      rowsDone: 0,
      bytesDone: 0,
      bytesTotal: null,
      rate: 0,
      etaSeconds: null,
      errors: 0,
    });
  }

  function cancel(jobId: string): void {
    controllers.get(jobId)?.abort();
  }

  function settle(jobId: string, status: JobProgress['status'], message?: string): void {
    controllers.delete(jobId);
    const j = jobs.value.find((x) => x.jobId === jobId);
    if (j) {
      j.status = status;
      if (message) j.message = message;
    }
    // Finished work leaves the panel by itself; failures stay until dismissed.
    if (status === 'completed') setTimeout(() => dismiss(jobId), 5000);
  }

  function dismiss(jobId: string): void {
    jobs.value = jobs.value.filter((j) => j.jobId !== jobId);
  }

  const running = computed(() => jobs.value.filter((j) => j.status === 'running' || j.status === 'queued'));
  return { jobs, running, start, update, cancel, settle, dismiss };
});
