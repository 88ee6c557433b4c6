import { describe, expect, it } from 'vitest';
import { emptyEvent, type NetworkEvent } from '../domain/event';
import { deviceKeyOf, FactAggregator } from './aggregate';

const HOUR = 3_600_000;

/** Seeded events over a few devices (one without any device key), mostly newest first, now and then out of order. */
function events(seed: number, n: number): NetworkEvent[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const out: NetworkEvent[] = [];
  let t = Date.UTC(2026, 9, 5, 23);
  for (let i = 0; i < n; i++) {
    t -= Math.floor(rnd() * 60_000);
    const e = emptyEvent(rnd() < 0.02 ? t + 3 * HOUR : t);
    const d = Math.floor(rnd() * 6);
    if (d < 3) e.deviceId = `dev-${d}`;
    else if (d < 5) e.deviceName = `PC-${d}`;
    e.user = rnd() < 0.5 ? 'alice' : 'bob';
    e.host = ['a.example.com', 'b.example.com', null][Math.floor(rnd() * 3)];
    e.remoteIp = '20.1.1.1';
    out.push(e);
  }
  return out;
}

describe('FactAggregator', () => {
  it('gives every device hour of its facts, first occurrences in fact order, fewer times than there are facts', () => {
    for (const seed of [1, 2, 3]) {
      const evs = events(seed, 5000);
      const agg = new FactAggregator();
      for (const e of evs) agg.add(e);
      const given: string[] = [];
      agg.forEachDeviceHour((device, hour) => given.push(`${device}|${hour}`));
      const expected = [...new Set(evs.map((e) => `${deviceKeyOf(e)}|${Math.floor(e.time / HOUR)}`))];
      expect(expected.some((k) => k.startsWith('null|'))).toBe(true);
      expect([...new Set(given)]).toEqual(expected);
      expect(given.length).toBeLessThan(agg.size);
    }
  });
});
