/** The engine worker's state as the UI sees it: starting, ready (with store counts) or failed. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { EngineStatus } from '../../../shared/engine/protocol';
import { CancelledError } from '../../../shared/engine/rpc';
import { getEngine } from '../services/engine';
import { useJobsStore } from './jobs';

export const useEngineStore = defineStore('engine', () => {
  const state = ref<'starting' | 'ready' | 'failed'>('starting');
  const error = ref<string | null>(null);
  const status = ref<EngineStatus | null>(null);

  async function connect(): Promise<void> {
    const { client, ready } = getEngine();
    try {
      await ready;
      status.value = await client.call('engine.status', {});
      state.value = 'ready';
    } catch (e) {
      state.value = 'failed';
      error.value = e instanceof Error ? e.message : String(e);
    }
  }

  async function refresh(): Promise<void> {
    status.value = await getEngine().client.call('engine.status', {});
  }

  /** Runs the engine's cancellable self-test job through the jobs store. */
  async function selfTest(steps = 20, delayMs = 50): Promise<'completed' | 'cancelled'> {
    const jobs = useJobsStore();
    const ac = new AbortController();
    const jobId = `selftest-${Date.now()}`;
    jobs.start(jobId, 'Engine self-test', ac);
    try {
      await getEngine().client.call(
        'engine.selfTest',
        { steps, delayMs },
        {
          signal: ac.signal,
          onProgress: (p) => jobs.update({ ...p, jobId, label: 'Engine self-test' }),
        },
      );
      jobs.settle(jobId, 'completed');
      return 'completed';
    } catch (e) {
      if (e instanceof CancelledError) {
        jobs.settle(jobId, 'cancelled');
        return 'cancelled';
      }
      jobs.settle(jobId, 'failed', e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  return { state, error, status, connect, refresh, selfTest };
});
