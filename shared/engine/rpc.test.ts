import { afterEach, describe, expect, it } from 'vitest';
import type { JobProgress } from './job';
import { CancelledError, type Port, RpcClient, RpcError, serve } from './rpc';

interface Methods {
  add: { params: { a: number; b: number }; result: number };
  slow: { params: { steps: number }; result: string };
  fail: { params: Record<string, never>; result: never };
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function pair() {
  const ch = new MessageChannel();
  channels.push(ch);
  ch.port1.start();
  ch.port2.start();
  serve<Methods>(ch.port2 as unknown as Port, {
    add: ({ a, b }) => a + b,
    slow: async ({ steps }, ctx) => {
      for (let i = 1; i <= steps; i++) {
        if (ctx.signal.aborted) throw new Error('aborted');
        ctx.progress({
          jobId: 'j',
          label: 'slow',
          status: 'running',
          fraction: i / steps,
          rowsDone: i,
          bytesDone: i,
          bytesTotal: steps,
          rate: 0,
          etaSeconds: null,
          errors: 0,
        });
        await new Promise((r) => setTimeout(r, 5));
      }
      return 'done';
    },
    fail: () => {
      throw Object.assign(new Error('bad file'), { hint: 'try another' });
    },
  });
  return new RpcClient<Methods>(ch.port1 as unknown as Port);
}

describe('rpc', () => {
  it('answers typed requests', async () => {
    expect(await pair().call('add', { a: 2, b: 3 })).toBe(5);
  });

  it('streams progress before the result', async () => {
    const seen: JobProgress[] = [];
    const r = await pair().call('slow', { steps: 4 }, { onProgress: (p) => seen.push(p) });
    expect(r).toBe('done');
    expect(seen.map((p) => p.rowsDone)).toEqual([1, 2, 3, 4]);
  });

  it('cancels through an AbortSignal', async () => {
    const ac = new AbortController();
    const client = pair();
    const p = client.call('slow', { steps: 1000 }, { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });

  it('carries the error message and hint', async () => {
    const err = await pair()
      .call('fail', {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).message).toBe('bad file');
    expect((err as RpcError).hint).toBe('try another');
  });
});
