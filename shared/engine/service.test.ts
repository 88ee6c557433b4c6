// The engine's request handlers end to end over fake-indexeddb, as the worker serves them.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportRequest } from './protocol';
import type { AppRow } from './query';
import { createEngine, type Engine } from './service';
import type { ViewRequest } from './state';

const FX = 'shared/formats/fixtures';
const noSignal = { signal: new AbortController().signal, progress: () => {} };

function file(path: string): ImportRequest['files'][number] {
  const bytes = readFileSync(path);
  return { name: path.split('/').pop()!, size: bytes.byteLength, stream: new Blob([bytes]).stream() };
}

let engine: Engine;
let endpointSource = '';
beforeAll(async () => {
  engine = await createEngine({ dbName: 'service-test', indexedDB, IDBKeyRange });
  const h = engine.handlers;
  const r1 = await h['import.run'](
    { files: [file(`${FX}/defender/plaso/advanced_hunting_test.csv`)], source: { kind: 'continuous' } },
    noSignal,
  );
  endpointSource = r1.sourceId;
  await h['import.run'](
    { files: [file(`${FX}/squid/test-access-extensive.log`)], source: { name: 'Proxy', kind: 'continuous' } },
    noSignal,
  );
});

const view = (sourceId?: string): ViewRequest => ({
  report: { id: sourceId ? (sourceId === endpointSource ? 'endpoint' : `source:${sourceId}`) : 'global' },
  window: { preset: 'all' },
});

describe('engine service', () => {
  it('lists the Global report, the endpoint report by its known name, and each source', async () => {
    const reports = await engine.handlers['reports.list']({}, noSignal);
    expect(reports.map((r) => r.name)).toEqual(['Global', 'Win10 Endpoint Users', 'Proxy']);
    const endpoint = reports.find((r) => r.kind === 'endpoint')!;
    expect(endpoint.altName).toBe('Defender-managed endpoints');
    // The Global report leaves endpoint telemetry out.
    expect(reports[0].transactions).toBe(reports.find((r) => r.name === 'Proxy')!.transactions);
  });

  it('answers the dashboard, with n/a bytes for the endpoint report where nothing is known', async () => {
    const d = await engine.handlers['query.dashboard'](view(), noSignal);
    expect(d.summary.transactions).toBeGreaterThan(0);
    expect(d.hasBytes).toBe(true);
    expect(d.timeline.reduce((a, p) => a + p.transactions, 0)).toBe(d.summary.transactions);
  });

  it('sorts, filters and pages tables in the engine', async () => {
    const v = view();
    const page = await engine.handlers['query.table'](
      {
        ...v,
        table: { entity: 'apps', sort: { key: 'transactions', dir: 'desc' }, offset: 0, limit: 3, hideNoise: false },
      },
      noSignal,
    );
    expect(page.rows.length).toBeLessThanOrEqual(3);
    const tx = page.rows.map((r) => r.transactions);
    expect([...tx].sort((a, b) => b - a)).toEqual(tx);
    const all = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', offset: 0, limit: 10_000, hideNoise: false } },
      noSignal,
    );
    expect(all.total).toBeGreaterThanOrEqual(page.total);
    const searched = await engine.handlers['query.table'](
      {
        ...v,
        table: {
          entity: 'apps',
          search: (all.rows[0] as AppRow).key.replace('?', '').slice(0, 6),
          offset: 0,
          limit: 50,
          hideNoise: false,
        },
      },
      noSignal,
    );
    expect(searched.total).toBeGreaterThan(0);
  });

  it('builds the device page from the same numbers as the Machines table', async () => {
    const v = view(endpointSource);
    const devices = await engine.handlers['query.table'](
      { ...v, table: { entity: 'devices', offset: 0, limit: 10 } },
      noSignal,
    );
    const d = devices.rows[0] as { key: string; transactions: number; name: string };
    const page = await engine.handlers['query.device']({ ...v, key: d.key }, noSignal);
    expect(page?.device.name).toBe('test-hostname');
    expect(page?.device.transactions).toBe(d.transactions);
    expect(page?.apps.reduce((a, x) => a + x.transactions, 0)).toBe(d.transactions);
    expect(page?.users.length).toBeGreaterThan(0);
    expect(page?.ips.reduce((a, x) => a + x.transactions, 0)).toBeLessThanOrEqual(d.transactions);
  });

  it('sends an app page without its lists when asked, and each list on its own as the whole page has it', async () => {
    const v = view(endpointSource);
    const apps = await engine.handlers['query.table'](
      {
        ...v,
        table: { entity: 'apps', offset: 0, limit: 1, hideNoise: false, sort: { key: 'transactions', dir: 'desc' } },
      },
      noSignal,
    );
    const key = (apps.rows[0] as { key: string }).key;
    const whole = await engine.handlers['query.app']({ ...v, key }, noSignal);
    const head = await engine.handlers['query.app']({ ...v, key, lists: false }, noSignal);
    expect(whole?.devices.length).toBeGreaterThan(0);
    expect(whole?.ips.length).toBeGreaterThan(0);
    expect(head).toEqual({ ...whole, users: [], devices: [], ips: [] });
    for (const of of ['users', 'devices', 'ips'] as const) {
      expect(await engine.handlers['query.appHistory']({ ...v, key, of }, noSignal)).toEqual(whole?.[of]);
    }
    expect(await engine.handlers['query.appHistory']({ ...v, key: 'no-such-app', of: 'users' }, noSignal)).toBeNull();
  });

  it('tags apps (audited) and re-scores on new weights without re-import', async () => {
    const v = view();
    const apps = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    const scored = apps.rows.find((r) => 'score' in r && r.score !== null && r.appId) as {
      appId: string;
      key: string;
      score: number;
    };
    expect(scored).toBeTruthy();
    await engine.handlers['tags.apply']({ appIds: [scored.appId], add: ['Unsanctioned'], remove: [] }, noSignal);
    const page = await engine.handlers['query.app']({ ...v, key: scored.key }, noSignal);
    expect(page?.app.tags).toContain('Unsanctioned');
    expect(await engine.db.audit.count()).toBeGreaterThan(0);
    expect(page?.breakdown?.groups.length).toBe(4);
    engine.handlers['engine.configure']({ settings: { unknownCountsAgainst: true } }, noSignal);
    const after = await engine.handlers['query.app']({ ...v, key: scored.key }, noSignal);
    expect(after!.app.score!).toBeLessThanOrEqual(scored.score);
  });

  it('filters by category and suggested query, and bulk-tags every match', async () => {
    const v = view();
    const all = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    const identified = (all.rows as AppRow[]).filter((r) => r.appId);
    const category = identified[0].category;
    const inCat = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', category, offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    expect((inCat.rows as AppRow[]).every((r) => r.category === category)).toBe(true);
    const scored = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', query: { score: { min: 0 } }, offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    expect(scored.total).toBe(identified.length);
    const n = await engine.handlers['tags.applyMatching'](
      {
        ...v,
        table: { entity: 'apps', category, offset: 0, limit: 0, hideNoise: false },
        add: ['Monitored'],
        remove: [],
      },
      noSignal,
    );
    expect(n).toBe(inCat.total);
    const tagged = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', tag: 'Monitored', offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    expect(tagged.total).toBe(n);
  });

  it('promotes an unidentified domain to a custom app, re-attributing past traffic without re-import', async () => {
    const v = view();
    const before = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', category: 'Unidentified', offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    const target = before.rows[0] as AppRow;
    const id = await engine.handlers['apps.addCustom'](
      {
        app: {
          name: 'Our partner portal',
          domains: [target.key.slice(1)],
          ips: [],
          category: 'Collaboration',
          notes: 'promoted',
        },
      },
      noSignal,
    );
    expect(id).toMatch(/^custom-/);
    const after = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', search: 'Our partner portal', offset: 0, limit: 10, hideNoise: false } },
      noSignal,
    );
    const row = after.rows[0] as AppRow;
    expect(row.tags).toContain('Custom app');
    expect(row.transactions).toBe(target.transactions);
    await expect(
      engine.handlers['apps.addCustom'](
        { app: { name: '', domains: [], ips: [], category: 'CRM', notes: '' } },
        noSignal,
      ),
    ).rejects.toThrow(/not saved/);
  });

  it('anonymizes user and device names everywhere, and records every reveal in the audit log', async () => {
    const v = view(endpointSource);
    engine.handlers['engine.configure']({ settings: { anonymize: true } }, noSignal);
    const devices = await engine.handlers['query.table'](
      { ...v, table: { entity: 'devices', offset: 0, limit: 10 } },
      noSignal,
    );
    const d = devices.rows[0] as { key: string; name: string; deviceId: string | null };
    expect(d.name).toMatch(/^Device-[0-9A-F]{6}$/);
    expect(d.deviceId).toBeNull();
    const page = await engine.handlers['query.device']({ ...v, key: d.key }, noSignal);
    expect(page?.users.every((u) => /^User-[0-9A-F]{6}$/.test(u.value))).toBe(true);
    // The activity chart's baseline, day by day, and the anomalies behind its risk level.
    expect(page?.baseline).toHaveLength(page?.timeline.length ?? -1);
    expect(Array.isArray(page?.device.anomalies)).toBe(true);
    const users = await engine.handlers['query.table'](
      { ...v, table: { entity: 'users', offset: 0, limit: 10 } },
      noSignal,
    );
    const u = users.rows[0] as { user: string };
    expect(u.user).toMatch(/^User-/);
    expect(await engine.handlers['query.user']({ ...v, key: u.user }, noSignal)).not.toBeNull();
    // An IP address's page: its totals are its row's, its devices (pseudonyms here) share its transactions.
    const ips = await engine.handlers['query.table'](
      { ...v, table: { entity: 'ips', offset: 0, limit: 10 } },
      noSignal,
    );
    const ip = ips.rows[0] as { ip: string; transactions: number };
    const ipPage = await engine.handlers['query.ip']({ ...v, key: ip.ip }, noSignal);
    expect(ipPage?.ip.transactions).toBe(ip.transactions);
    expect(ipPage?.devices.length).toBeGreaterThan(0);
    expect(ipPage?.devices.every((x) => /^Device-[0-9A-F]{6}$/.test(x.value))).toBe(true);
    expect(ipPage?.devices.reduce((n, x) => n + x.transactions, 0)).toBe(ip.transactions);
    expect(ipPage?.timeline.reduce((n, x) => n + x.transactions, 0)).toBe(ip.transactions);
    expect(await engine.handlers['query.ip']({ ...v, key: '192.0.2.254' }, noSignal)).toBeNull();
    const reveals = async () => (await engine.db.audit.toArray()).filter((a) => a.action === 'de-anonymize');
    const before = (await reveals()).length;
    expect(await engine.handlers['privacy.reveal']({ pseudonym: d.key }, noSignal)).toBe(
      'jhdfaiouiuv4584fgasd64h5s4ghs54afd45gadf6',
    );
    const audit = await reveals();
    expect(audit.length).toBe(before + 1);
    expect(audit.at(-1)?.target).toBe(d.key);
    engine.handlers['engine.configure']({ settings: { anonymize: false } }, noSignal);
    const plainRows = await engine.handlers['query.table'](
      { ...v, table: { entity: 'devices', offset: 0, limit: 10 } },
      noSignal,
    );
    expect((plainRows.rows[0] as { name: string }).name).toBe('test-hostname');
  });

  it('overrides a score with a note, audited, and removes the override', async () => {
    const v = view();
    const apps = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    const app = (apps.rows as AppRow[]).find((r) => r.appId && r.score !== null)!;
    await expect(
      engine.handlers['apps.override']({ appId: app.appId!, override: { score: 2, note: ' ' } }, noSignal),
    ).rejects.toThrow(/note/);
    await engine.handlers['apps.override'](
      { appId: app.appId!, override: { score: 2.5, note: 'Vendor breach last week' } },
      noSignal,
    );
    const page = await engine.handlers['query.app']({ ...v, key: app.key }, noSignal);
    expect(page?.app.score).toBe(2.5);
    expect(page?.breakdown?.overridden).toBe(true);
    expect(page?.breakdown?.note).toBe('Vendor breach last week');
    await engine.handlers['apps.override']({ appId: app.appId!, override: null }, noSignal);
    const back = await engine.handlers['query.app']({ ...v, key: app.key }, noSignal);
    expect(back?.app.score).toBe(app.score);
    const audit = (await engine.db.audit.toArray()).filter(
      (a) => a.action === 'score-override' && a.target === app.appId,
    );
    expect(audit).toHaveLength(2);
  });

  it('imports a newer catalog without losing tags, and keeps saved queries', async () => {
    const v = view();
    const apps = await engine.handlers['query.table'](
      { ...v, table: { entity: 'apps', offset: 0, limit: 1000, hideNoise: false } },
      noSignal,
    );
    const tagged = (apps.rows as AppRow[]).find((r) => r.appId && r.tags.length > 0)!;
    const { BUILTIN_CATALOG } = await import('../catalog/builtin');
    const original = BUILTIN_CATALOG.flatMap((f) => f.apps).find((a) => a.id === tagged.appId)!;
    const newer = {
      version: '2026.12.1',
      date: '2026-12-01',
      apps: [
        { ...original, name: `${original.name} (renamed)` },
        {
          ...original,
          id: 'brand-new-app',
          name: 'Brand new app',
          domains: ['brand-new-app.example.com'],
          sources: original.sources,
        },
      ],
    };
    await expect(
      engine.handlers['catalog.import']({ file: { version: 'x', apps: [{ id: 'Bad Id' }] } }, noSignal),
    ).rejects.toThrow(/Catalog not imported/);
    const r = await engine.handlers['catalog.import']({ file: newer }, noSignal);
    expect(r).toEqual({ version: '2026.12.1', apps: 2, added: 1 });
    const page = await engine.handlers['query.app']({ ...v, key: tagged.key }, noSignal);
    expect(page?.app.name).toBe(`${original.name} (renamed)`);
    expect(page?.app.tags).toEqual(tagged.tags);

    await engine.handlers['queries.save']({ name: 'Low scores', filter: { score: { max: 4 } } }, noSignal);
    const saved = await engine.handlers['queries.list']({}, noSignal);
    expect(saved.map((q) => q.name)).toEqual(['Low scores']);
  });

  it('renames and deletes a data source with all its data', async () => {
    const { sources } = await engine.handlers['sources.list']({}, noSignal);
    const proxy = sources.find((s) => s.name === 'Proxy')!;
    await engine.handlers['sources.rename']({ id: proxy.id, name: 'Edge proxy' }, noSignal);
    expect((await engine.handlers['reports.list']({}, noSignal)).some((r) => r.name === 'Edge proxy')).toBe(true);
    await engine.handlers['sources.delete']({ id: proxy.id }, noSignal);
    expect(await engine.db.factBlocks.where('sourceId').equals(proxy.id).count()).toBe(0);
    const reports = await engine.handlers['reports.list']({}, noSignal);
    expect(reports.map((r) => r.name)).toEqual(['Global', 'Win10 Endpoint Users']);
  });
});

describe('retention and delete all', () => {
  it('drops facts older than the retention window and can delete every data source', async () => {
    const e = await createEngine({ dbName: 'service-retention-test', indexedDB, IDBKeyRange });
    const csv = [
      'when,src,dest_host',
      '2024-03-01T10:00:00Z,10.0.0.5,www.dropbox.com',
      '2024-03-01T11:00:00Z,10.0.0.5,www.dropbox.com',
      '2024-03-19T10:00:00Z,10.0.0.6,github.com',
      '2024-03-20T10:00:00Z,10.0.0.6,github.com',
    ].join('\n');
    const bytes = new TextEncoder().encode(csv);
    await e.handlers['import.run'](
      {
        files: [{ name: 'x.csv', size: bytes.byteLength, stream: new Blob([bytes]).stream() }],
        source: { name: 'Gateway', kind: 'continuous' },
        formatId: 'custom-csv',
        mapping: { columns: { time: 'when', localIp: 'src', host: 'dest_host' } },
      },
      noSignal,
    );
    const v: ViewRequest = { report: { id: 'global' }, window: { preset: 'all' } };
    expect((await e.handlers['query.dashboard'](v, noSignal)).summary.transactions).toBe(4);
    expect(await e.handlers['data.retention']({ days: 7 }, noSignal)).toBe(2);
    const after = await e.handlers['query.dashboard'](v, noSignal);
    expect(after.summary.transactions).toBe(2);
    expect(after.summary.devices).toBe(1);
    await expect(e.handlers['data.retention']({ days: 0 }, noSignal)).rejects.toThrow(/at least 1/);
    await e.handlers['data.deleteAll']({}, noSignal);
    expect(await e.db.factBlocks.count()).toBe(0);
    expect((await e.handlers['reports.list']({}, noSignal)).every((r) => r.transactions === 0)).toBe(true);
  });
});
