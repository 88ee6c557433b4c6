// analyze's file reader: every byte once, in order, chunk by chunk; the file closed at the end or on cancel.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStream } from './file-stream';

const dir = mkdtempSync(join(tmpdir(), 'cloudscope-file-stream-'));

function fileOf(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function chunksOf(s: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of s as unknown as AsyncIterable<Uint8Array>) out.push(c);
  return out;
}

describe('fileStream', () => {
  const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) & 255);

  it('gives every byte of the file in order, in chunks of the size asked for and a short last one', async () => {
    const chunks = await chunksOf(fileStream(fileOf('a.bin', bytes), 4096));
    expect(chunks.map((c) => c.byteLength)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
    // Each chunk is a buffer of its own (a worker may take it over), not a view into a shared pool.
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(3);
  });

  it('ends without a chunk for an empty file, and with one whole chunk when the size divides the file', async () => {
    expect(await chunksOf(fileStream(fileOf('empty.bin', new Uint8Array(0)), 4096))).toEqual([]);
    const whole = await chunksOf(fileStream(fileOf('b.bin', bytes.subarray(0, 8192)), 4096));
    expect(whole.map((c) => c.byteLength)).toEqual([4096, 4096]);
  });

  it('opens the file only when read, and fails the read, not the call, when it cannot', async () => {
    const s = fileStream(join(dir, 'missing.bin'));
    await expect(chunksOf(s)).rejects.toThrow(/ENOENT/);
  });

  it('stops reading when the reader cancels', async () => {
    const s = fileStream(fileOf('c.bin', bytes), 1000);
    const reader = s.getReader();
    const first = await reader.read();
    expect(first.value?.byteLength).toBe(1000);
    await reader.cancel();
    expect((await reader.read()).done).toBe(true);
  });
});
