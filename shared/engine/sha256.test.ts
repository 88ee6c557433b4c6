import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from './sha256';

function ours(chunks: Uint8Array[]): string {
  const h = new Sha256();
  for (const c of chunks) h.update(c);
  return h.digest();
}

describe('Sha256', () => {
  it('matches the known vectors', () => {
    expect(ours([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(ours([new TextEncoder().encode('abc')])).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('matches node:crypto for random data split anywhere', () => {
    for (const len of [55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const data = new Uint8Array(len).map((_, i) => (i * 131 + len) & 255);
      const cut = Math.floor(len / 3);
      const expected = createHash('sha256').update(data).digest('hex');
      expect(ours([data])).toBe(expected);
      expect(ours([data.subarray(0, cut), data.subarray(cut, cut + 1), data.subarray(cut + 1)])).toBe(expected);
    }
  });
  it('matches the million-a vector fed in uneven chunks', () => {
    const data = new Uint8Array(1_000_000).fill(0x61);
    const h = new Sha256();
    let off = 0;
    for (let n = 1; off < data.length; n = (n * 7 + 3) % 9001) {
      h.update(data.subarray(off, off + n));
      off += n;
    }
    expect(h.digest()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
});
