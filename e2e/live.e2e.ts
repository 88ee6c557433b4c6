// Live telemetry in web mode: a batch POSTed to the loopback collector is imported by the open page,
// acknowledged only after it committed, and a repeated delivery adds nothing.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { actions } from './app-page';
import { openApp, type Session, screenshot } from './browser';

const baseUrl = inject('baseUrl');
const token = () => readFileSync(inject('collectorTokenFile'), 'utf8').trim();
let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

function ndjson(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        Timestamp: new Date(Date.UTC(2026, 10, 20, 9, 0, i)).toISOString(),
        DeviceId: 'live-device-1',
        DeviceName: 'live-laptop',
        ActionType: 'ConnectionSuccess',
        RemoteIP: '162.125.1.1',
        RemotePort: 443,
        RemoteUrl: 'www.dropbox.com',
        LocalIP: '10.1.1.7',
        InitiatingProcessAccountUpn: 'ana@example.com',
        ReportId: 1000 + i,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function post(body: string): Promise<number> {
  const r = await fetch(`${baseUrl}api/collector/batches`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/x-ndjson' },
    body,
  });
  return r.status;
}

describe('live collector', () => {
  it('refuses batches without the token', async () => {
    const r = await fetch(`${baseUrl}api/collector/batches`, { method: 'POST', body: ndjson(1) });
    expect(r.status).toBe(401);
  });

  it('imports a posted batch into the open page, acknowledges it, and ignores a repeat', async () => {
    session = await openApp(baseUrl);
    const { page } = session;
    const a = actions(page);
    await a.waitForEngine();
    await page.getByRole('link', { name: 'Live collector status' }).waitFor();
    const batch = ndjson(25);
    expect(await post(batch)).toBe(202);
    await a.goTo('Data sources');
    await page.getByTestId('live-imported').filter({ hasText: '25 events' }).waitFor({ timeout: 30_000 });
    await page.getByRole('region', { name: 'Data source Live collector' }).waitFor();
    expect(await post(batch)).toBe(200);
    const pending = await (
      await fetch(`${baseUrl}api/collector/pending`, { headers: { Authorization: `Bearer ${token()}` } })
    ).json();
    expect(pending.batches).toEqual([]);
    await screenshot(page, 'live-collector');
    await a.goTo('Machines');
    await page.getByRole('row', { name: /live-laptop/ }).waitFor();
    expect(session.errors).toEqual([]);
  });
});
