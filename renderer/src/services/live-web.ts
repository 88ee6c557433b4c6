/**
 * The live collector as the web-mode page reaches it: the server that served
 * the page hands over the token (never in a URL); the pull API takes it as a
 * bearer token; new batches are announced on an event stream read with fetch
 * (EventSource cannot send the header).
 */
import type { LiveBatch, LiveChannel, LiveSession, LiveStatusSnapshot } from './host';

export class WebLiveChannel implements LiveChannel {
  private token: string | null = null;
  private readonly listeners = new Set<() => void>();
  private listening = false;

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token ?? ''}` };
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const r = await fetch(`/api/collector/${path}`, {
      ...init,
      headers: { ...this.headers(), ...(init.headers ?? {}) },
    });
    if (!r.ok) throw new Error(`Live collector ${path}: HTTP ${r.status}`);
    return (await r.json()) as T;
  }

  async session(): Promise<LiveSession | null> {
    try {
      const r = await fetch('/api/collector/session');
      if (!r.ok) return null;
      const s = (await r.json()) as LiveSession & { token: string };
      this.token = s.token;
      return { batchesUrl: s.batchesUrl, tokenFile: s.tokenFile, syslog: s.syslog, folder: s.folder };
    } catch {
      return null;
    }
  }

  async pending(): Promise<LiveBatch[]> {
    return (await this.json<{ batches: LiveBatch[] }>('pending')).batches;
  }

  async read(id: string): Promise<Uint8Array | null> {
    const r = await fetch(`/api/collector/batches/${id}`, { headers: this.headers() });
    return r.ok ? new Uint8Array(await r.arrayBuffer()) : null;
  }

  async ack(id: string): Promise<void> {
    await fetch(`/api/collector/batches/${id}/ack`, { method: 'POST', headers: this.headers() });
  }

  status(): Promise<LiveStatusSnapshot> {
    return this.json<LiveStatusSnapshot>('status');
  }

  onBatch(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.listening) {
      this.listening = true;
      void this.listen();
    }
    return () => this.listeners.delete(listener);
  }

  private async listen(): Promise<void> {
    for (;;) {
      try {
        const r = await fetch('/api/collector/events', { headers: this.headers() });
        if (!r.body) throw new Error('no event stream');
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (value.includes('event: batch')) for (const l of this.listeners) l();
        }
      } catch {
        /* reconnect below */
      }
      await new Promise((res) => setTimeout(res, 3000));
    }
  }
}
