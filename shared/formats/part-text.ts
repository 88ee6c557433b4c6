/**
 * A part of a Defender CSV as the scan reads it. UTF-8 decoding is the default and what every browser
 * does fast; Node's decoder is slow on text that is not ASCII (~0.5 GB/s on this machine, against ~3 GB/s
 * for copying bytes into a one-byte string), and a full-schema export is rarely ASCII: "Microsoft®
 * Windows®" in a product-name column nobody reads is enough to make each part a two-byte string. So in
 * Node a part can be read as one byte per character instead, with the positions of its non-ASCII bytes:
 * every delimiter, quote and line break is ASCII and never part of a UTF-8 sequence, so records and
 * fields fall exactly where they fall in the decoded text, and only the selected values of the records
 * that hold a non-ASCII byte are decoded again, from their bytes (`CsvSelect.pushPart`, `utf8OfBytes`).
 */

export interface PartText {
  /** The part's text in pieces, read one after another (`starts[i]`: where piece i starts in the part). */
  texts: string[];
  starts: number[];
  /**
   * Null: `texts` are the decoded text. Else they hold one character per byte (char code = byte), and
   * `high[0, highCount)` are the ascending positions in the part of its bytes ≥ 0x80.
   */
  high: Int32Array | null;
  highCount: number;
}

export interface PartDecoder {
  (bytes: Uint8Array): PartText;
  /**
   * Of a decoder that reads parts one character per byte: that reading of any bytes (what the record kernel's
   * reader cuts ASCII values from, csv-kernel.ts).
   */
  oneByte?: (bytes: Uint8Array) => string;
}

/** UTF-8, as the browser reads parts. A part starts after a line end: a BOM there is a character. */
export function utf8PartDecoder(): PartDecoder {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  // Whole: decoding in pieces as below measured no faster in Chromium (12 alternating 1M imports).
  return (bytes) => ({ texts: [decoder.decode(bytes)], starts: [0], high: null, highCount: 0 });
}

/** Calls `take` for pieces of `bytes` of about `piece` bytes, each but the last ending after a line feed. */
function cutAfterLineFeeds(bytes: Uint8Array, piece: number, take: (at: number, end: number) => void): void {
  if (bytes.length === 0) take(0, 0);
  for (let at = 0; at < bytes.length; ) {
    let end = at + piece >= bytes.length ? bytes.length : bytes.indexOf(10, at + piece) + 1;
    if (end <= 0) end = bytes.length;
    take(at, end);
    at = end;
  }
}

/**
 * One character per byte, with the non-ASCII positions: `oneByte` turns bytes into such a string (Node:
 * `Buffer#toString('latin1')`), `isAscii` answers for a whole part at once where the platform can (Node's
 * `buffer.isAscii`); without it every part is searched. The text comes in pieces of about `piece` bytes
 * cut after a line feed, each an ordinary young string: Node makes a string of ~1 MB or more an external
 * one (memory outside the heap, which V8 counts as pressure: more full collections on the importing
 * thread, whose heap is large; `analyze` on the full 0.5M file ~0.25 s slower than with UTF-8 parts), and
 * strings over 128 KB go to the large-object space (bench/scan-parts on the full 0.5M file: pieces of
 * 512 KB 1.92-2.08 s, 96 KB 1.76-1.91 s, 48 KB the same); joining pieces costs a copy when V8 flattens.
 */
export function oneBytePartDecoder(
  oneByte: (bytes: Uint8Array) => string,
  isAscii: ((bytes: Uint8Array) => boolean) | null = null,
  piece = 96 << 10,
): PartDecoder {
  let high = new Int32Array(1024);
  const whole = utf8PartDecoder();
  const decode: PartDecoder = (bytes) => {
    // An ASCII part whole, as before (the same one-byte string; in 96 KB pieces the 10M projected file took
    // 40.5 s against 34.3 s, with more system time).
    if (isAscii?.(bytes)) return whole(bytes);
    const texts: string[] = [];
    const starts: number[] = [];
    cutAfterLineFeeds(bytes, piece, (at, end) => {
      texts.push(oneByte(bytes.subarray(at, end)));
      starts.push(at);
    });
    let n = 0;
    const note = (p: number) => {
      if (n === high.length) {
        const grown = new Int32Array(high.length * 2);
        grown.set(high);
        high = grown;
      }
      high[n++] = p;
    };
    const len = bytes.byteLength;
    // Byte by byte up to a 4-byte boundary, then four at a time.
    let i = 0;
    const lead = Math.min(len, (4 - (bytes.byteOffset & 3)) & 3);
    for (; i < lead; i++) if (bytes[i] >= 0x80) note(i);
    const words = (len - i) >> 2;
    if (words > 0) {
      const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
      // Four words at a time (most hold no high bit), then the word, then its bytes.
      const quads = words & ~3;
      for (let k = 0; k < quads; k += 4) {
        if (((w[k] | w[k + 1] | w[k + 2] | w[k + 3]) & 0x80808080) === 0) continue;
        for (let j = k; j < k + 4; j++) {
          if ((w[j] & 0x80808080) === 0) continue;
          const at = i + (j << 2);
          for (let b = at; b < at + 4; b++) if (bytes[b] >= 0x80) note(b);
        }
      }
      for (let j = quads; j < words; j++) {
        if ((w[j] & 0x80808080) === 0) continue;
        const at = i + (j << 2);
        for (let b = at; b < at + 4; b++) if (bytes[b] >= 0x80) note(b);
      }
      i += words << 2;
    }
    for (; i < len; i++) if (bytes[i] >= 0x80) note(i);
    // The positions array is reused: read it before decoding the next part.
    return { texts, starts, high: n === 0 ? null : high, highCount: n };
  };
  decode.oneByte = oneByte;
  return decode;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Bytes decoded as UTF-8 (a BOM kept as a character, malformed sequences as U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** The text of a one-character-per-byte string's bytes, decoded as UTF-8 (what decoding the part would give). */
export function utf8OfBytes(v: string): string {
  const b = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) b[i] = v.charCodeAt(i);
  return utf8.decode(b);
}

/** Whether a string holds a character ≥ 0x80. */
export function hasHigh(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) >= 0x80) return true;
  return false;
}
