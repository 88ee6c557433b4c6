/**
 * Incremental SHA-256 for import provenance. WebCrypto's digest() needs the
 * whole input at once, which a 10M-row file must never be; Node injects its
 * native hasher instead (see `Hasher`), the browser hashes with this one in a
 * worker of its own (see `AsyncHasher`).
 */
export interface Hasher {
  update(bytes: Uint8Array): void;
  /** Lowercase hex digest. */
  digest(): string;
}

/**
 * A hasher that may work elsewhere (another worker) while the caller goes on: its digest may arrive later,
 * and `update` may ask the caller to wait (a promise) while too many bytes are still on their way.
 * Every `Hasher` is one.
 */
export interface AsyncHasher {
  /**
   * The bytes are the caller's again once `update` returns, unless `handOver` is true: then the caller
   * is done with them and the hasher may keep or detach them (transfer their buffer to a worker).
   */
  update(bytes: Uint8Array, handOver?: boolean): void | Promise<void>;
  /** Lowercase hex digest. */
  digest(): string | Promise<string>;
}

// Int32Array throughout: a Uint32Array read above 2^31 is a double in V8, which ran this at a third of the speed.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

function sigma0(a: number): number {
  return ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
}
function sigma1(e: number): number {
  return ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
}

/**
 * Compresses every whole 64-byte block of `data[off, end)` into `H`; returns the offset after the last one.
 * One call per chunk keeps the state in locals across blocks (no per-block property or array traffic).
 */
function blocks(H: Int32Array, w: Int32Array, data: Uint8Array, off: number, end: number): number {
  let h0 = H[0];
  let h1 = H[1];
  let h2 = H[2];
  let h3 = H[3];
  let h4 = H[4];
  let h5 = H[5];
  let h6 = H[6];
  let h7 = H[7];
  for (; off + 64 <= end; off += 64) {
    for (let t = 0, j = off; t < 16; t++, j += 4) {
      w[t] = (data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (((w[t - 16] + s0) | 0) + ((w[t - 7] + s1) | 0)) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    // Eight rounds per pass, each naming the working variables one step further along, instead of moving
    // all eight every round.
    for (let t = 0; t < 64; t += 8) {
      h = (h + sigma1(e) + (((e & f) ^ (~e & g)) | 0) + K[t] + w[t]) | 0;
      d = (d + h) | 0;
      h = (h + sigma0(a) + (((a & b) ^ (a & c) ^ (b & c)) | 0)) | 0;
      g = (g + sigma1(d) + (((d & e) ^ (~d & f)) | 0) + K[t + 1] + w[t + 1]) | 0;
      c = (c + g) | 0;
      g = (g + sigma0(h) + (((h & a) ^ (h & b) ^ (a & b)) | 0)) | 0;
      f = (f + sigma1(c) + (((c & d) ^ (~c & e)) | 0) + K[t + 2] + w[t + 2]) | 0;
      b = (b + f) | 0;
      f = (f + sigma0(g) + (((g & h) ^ (g & a) ^ (h & a)) | 0)) | 0;
      e = (e + sigma1(b) + (((b & c) ^ (~b & d)) | 0) + K[t + 3] + w[t + 3]) | 0;
      a = (a + e) | 0;
      e = (e + sigma0(f) + (((f & g) ^ (f & h) ^ (g & h)) | 0)) | 0;
      d = (d + sigma1(a) + (((a & b) ^ (~a & c)) | 0) + K[t + 4] + w[t + 4]) | 0;
      h = (h + d) | 0;
      d = (d + sigma0(e) + (((e & f) ^ (e & g) ^ (f & g)) | 0)) | 0;
      c = (c + sigma1(h) + (((h & a) ^ (~h & b)) | 0) + K[t + 5] + w[t + 5]) | 0;
      g = (g + c) | 0;
      c = (c + sigma0(d) + (((d & e) ^ (d & f) ^ (e & f)) | 0)) | 0;
      b = (b + sigma1(g) + (((g & h) ^ (~g & a)) | 0) + K[t + 6] + w[t + 6]) | 0;
      f = (f + b) | 0;
      b = (b + sigma0(c) + (((c & d) ^ (c & e) ^ (d & e)) | 0)) | 0;
      a = (a + sigma1(f) + (((f & g) ^ (~f & h)) | 0) + K[t + 7] + w[t + 7]) | 0;
      e = (e + a) | 0;
      a = (a + sigma0(b) + (((b & c) ^ (b & d) ^ (c & d)) | 0)) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  H[0] = h0;
  H[1] = h1;
  H[2] = h2;
  H[3] = h3;
  H[4] = h4;
  H[5] = h5;
  H[6] = h6;
  H[7] = h7;
  return off;
}

export class Sha256 implements Hasher {
  private readonly h = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private readonly w = new Int32Array(64);
  private readonly block = new Uint8Array(64);
  private blockLen = 0;
  private total = 0;

  update(bytes: Uint8Array): void {
    this.total += bytes.length;
    let i = 0;
    if (this.blockLen > 0) {
      const take = Math.min(64 - this.blockLen, bytes.length);
      this.block.set(bytes.subarray(0, take), this.blockLen);
      this.blockLen += take;
      i = take;
      if (this.blockLen === 64) {
        blocks(this.h, this.w, this.block, 0, 64);
        this.blockLen = 0;
      }
    }
    i = blocks(this.h, this.w, bytes, i, bytes.length);
    if (i < bytes.length) {
      this.block.set(bytes.subarray(i), 0);
      this.blockLen = bytes.length - i;
    }
  }

  digest(): string {
    const bitsHi = Math.floor((this.total * 8) / 2 ** 32);
    const bitsLo = (this.total * 8) >>> 0;
    const pad = new Uint8Array((this.blockLen < 56 ? 56 : 120) - this.blockLen + 8);
    pad[0] = 0x80;
    const dv = new DataView(pad.buffer);
    dv.setUint32(pad.length - 8, bitsHi);
    dv.setUint32(pad.length - 4, bitsLo);
    const total = this.total;
    this.update(pad);
    this.total = total;
    let out = '';
    for (const v of this.h) out += (v >>> 0).toString(16).padStart(8, '0');
    return out;
  }
}
