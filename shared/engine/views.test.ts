import { describe, expect, it } from 'vitest';
import type { AppRow, IpRow, Tables } from './query';
import { dashboard, queryTable } from './views';

function ip(i: number, transactions: number, download: number | null): IpRow {
  return {
    ip: `10.0.${i >> 8}.${i & 255}`,
    apps: 1,
    users: 1,
    devices: 1,
    transactions,
    blocked: 0,
    traffic: download,
    upload: null,
    download,
    firstSeen: 0,
    lastSeen: 0,
  } as IpRow;
}

function tables(ips: IpRow[]): Tables {
  return {
    apps: [],
    devices: [],
    users: [],
    ips,
    summary: {} as Tables['summary'],
  };
}

describe('queryTable', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ip(i, (i * 7919) % 1000, i % 10 === 0 ? null : i));
  const t = tables(rows);
  const page = (offset: number, sort: { key: string; dir: 'asc' | 'desc' }, search = '') =>
    queryTable(t, { entity: 'ips', sort, search, offset, limit: 100 });

  it('pages through one ordering: the pages joined equal the whole table sorted', () => {
    const sort = { key: 'transactions', dir: 'desc' as const };
    const joined = Array.from({ length: 10 }, (_, p) => page(p * 100, sort).rows).flat();
    expect(joined.map((r) => (r as IpRow).transactions)).toEqual(rows.map((r) => r.transactions).sort((a, b) => b - a));
  });

  it('answers a new sort, direction or search with its own order, not a cached one', () => {
    const desc = page(0, { key: 'download', dir: 'desc' }).rows as IpRow[];
    const asc = page(0, { key: 'download', dir: 'asc' }).rows as IpRow[];
    expect(desc[0].download).toBe(999);
    expect(asc[0].download).toBe(1);
    // Unknown bytes sort last in both directions.
    const last = page(900, { key: 'download', dir: 'asc' }).rows as IpRow[];
    expect(last.at(-1)?.download).toBeNull();
    const found = page(0, { key: 'download', dir: 'desc' }, '10.0.3.');
    expect(found.total).toBe(1000 - 768);
    expect(found.rows.every((r) => (r as IpRow).ip.startsWith('10.0.3.'))).toBe(true);
  });

  it('filters devices and users by risk level, and apps by score range (bounds included)', () => {
    const levels = ['High', 'Medium', 'Low', 'Informational'];
    const devices = Array.from({ length: 40 }, (_, i) => ({
      ...ip(i, i, null),
      key: `d${i}`,
      riskLevel: levels[i % 4],
    }));
    const users = devices.map((d, i) => ({ ...d, user: `u${i}`, riskLevel: levels[(i + 1) % 4] }));
    const apps = Array.from({ length: 101 }, (_, i) => ({ key: `a${i}`, score: i / 10, noise: false, tags: [] }));
    const tt = { ...tables([]), devices, users, apps } as unknown as Tables;
    const high = queryTable(tt, { entity: 'devices', riskLevel: 'High', offset: 0, limit: 100 });
    expect(high.total).toBe(10);
    expect(high.rows.every((r) => (r as unknown as { riskLevel: string }).riskLevel === 'High')).toBe(true);
    const lowUsers = queryTable(tt, { entity: 'users', riskLevel: 'Low', offset: 0, limit: 100 });
    expect(lowUsers.rows.map((r) => (r as unknown as { user: string }).user)).toEqual(
      users.filter((u) => u.riskLevel === 'Low').map((u) => u.user),
    );
    expect(queryTable(tt, { entity: 'devices', riskLevel: null, offset: 0, limit: 100 }).total).toBe(40);
    const medium = queryTable(tt, { entity: 'apps', minScore: 4, maxScore: 6.9, offset: 0, limit: 200 });
    expect(medium.total).toBe(30);
    // A score band (the dashboard's) filters the apps it counts.
    const inBand = (band: string) => queryTable(tt, { entity: 'apps', band, offset: 0, limit: 200 }).total;
    expect([inBand('high'), inBand('medium'), inBand('low')]).toEqual([40, 30, 31]);
    expect(queryTable(tt, { entity: 'apps', band: 'no such band', offset: 0, limit: 200 }).total).toBe(101);
  });

  it('filters IP addresses by subnet (host bits cleared, IPv6 too), and ignores what is not one', () => {
    const v6 = [
      { ...ip(0, 1, null), ip: '2001:db8::5' },
      { ...ip(0, 1, null), ip: '2001:db9::5' },
    ];
    const tt = tables([...rows.slice(0, 600), ...v6]);
    const inNet = (subnet: string) =>
      queryTable(tt, { entity: 'ips', subnet, sort: { key: 'ip', dir: 'asc' }, offset: 0, limit: 1000 }).rows.map(
        (r) => (r as IpRow).ip,
      );
    expect(inNet('10.0.1.0/24')).toHaveLength(256);
    expect(inNet('10.0.1.0/24').every((x) => x.startsWith('10.0.1.'))).toBe(true);
    expect(inNet('10.0.1.77/24')).toEqual(inNet('10.0.1.0/24'));
    expect(inNet('10.0.2.0/23')).toHaveLength(600 - 512);
    expect(inNet('10.0.0.7')).toEqual(['10.0.0.7']);
    expect(inNet('2001:db8::/32')).toEqual(['2001:db8::5']);
    expect(inNet('10.0.0.0/33')).toHaveLength(602);
    expect(inNet('not a subnet')).toHaveLength(602);
  });

  it('sorts text naturally (numbers inside names by value)', () => {
    const byIp = page(0, { key: 'ip', dir: 'asc' }).rows as IpRow[];
    expect(byIp.slice(0, 3).map((r) => r.ip)).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2']);
    expect(byIp[10].ip).toBe('10.0.0.10');
  });
});

describe('dashboard', () => {
  const app = (i: number, users: number, traffic: number | null): AppRow =>
    ({
      key: `a${i}`,
      appId: `a${i}`,
      name: `App ${i}`,
      category: 'Cloud storage',
      score: 5,
      noData: false,
      tags: [],
      noise: false,
      users,
      ips: 1,
      devices: 1,
      domains: [],
      transactions: 20 - i,
      blocked: 0,
      traffic,
      upload: null,
      download: traffic,
      firstSeen: 0,
      lastSeen: 0,
    }) as AppRow;

  it('ranks only apps that have some of what is ranked (no 0-user apps among the top apps by users)', () => {
    const apps = [app(0, 0, null), app(1, 3, 500), app(2, 0, 900), app(3, 7, null), app(4, 1, 0)];
    const d = dashboard({ ...tables([]), apps, summary: { traffic: 1400 } as Tables['summary'] }, []);
    expect(d.topByUsers.map((a) => a.name)).toEqual(['App 3', 'App 1', 'App 4']);
    expect(d.topByTraffic.map((a) => a.name)).toEqual(['App 2', 'App 1']);
    expect(d.topByTransactions.map((a) => a.name)).toEqual(['App 0', 'App 1', 'App 2', 'App 3', 'App 4']);
    const none = dashboard({ ...tables([]), apps: apps.map((a) => ({ ...a, users: 0 })) }, []);
    expect(none.topByUsers).toEqual([]);
  });
});
