import { describe, expect, it } from 'vitest';
import { IntKeyTable } from './int-key-table';

describe('IntKeyTable', () => {
  it('answers as a Map does under random sets, gets and deletes, through growth and wrap-around', () => {
    let s = 12345;
    const rnd = () => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s / 0x7fffffff;
    };
    for (const [bits, range] of [
      [3, 40],
      [4, 2000],
      [12, 1 << 30],
    ] as const) {
      const t = new IntKeyTable<number>(bits);
      const m = new Map<number, number>();
      for (let op = 0; op < 20_000; op++) {
        // Keys from a small pool collide and wrap around often; a few from anywhere.
        const key = rnd() < 0.9 ? Math.floor(rnd() * range) : Math.floor(rnd() * 0x3fffffff);
        const r = rnd();
        if (r < 0.45) {
          t.set(key, op);
          m.set(key, op);
        } else if (r < 0.85) {
          t.delete(key);
          m.delete(key);
        } else expect(t.get(key)).toBe(m.get(key));
        expect(t.size).toBe(m.size);
      }
      for (const [k, v] of m) expect(t.get(k)).toBe(v);
      t.clear();
      expect(t.size).toBe(0);
      for (const k of m.keys()) expect(t.get(k)).toBeUndefined();
    }
  });
});
