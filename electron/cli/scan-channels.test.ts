// Scan worker threads as analyze makes them, with scripts of the test's own (the real one is built next to analyze.mjs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/formats/testing/harness';
import { nodePartDecoder } from './part-decoder';
import { nodeScanChannels } from './scan-channels';

const dir = mkdtempSync(join(tmpdir(), 'cloudscope-scan-channels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, text: string): URL {
  const file = join(dir, name);
  writeFileSync(file, text);
  return pathToFileURL(file);
}

describe('nodeScanChannels', () => {
  it('tells a reader that listens late that its worker failed before, when it first posts', async () => {
    const [ch] = nodeScanChannels(1, script('broken.mjs', "throw new Error('cannot load here');\n"));
    // The worker fails while nobody listens (analyze starts its workers before the import reads).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const told = new Promise<Error>((resolve) => {
      ch.onError = resolve;
    });
    ch.post({ t: 'recycle', batch: undefined as never }, []);
    expect((await told).message).toContain('cannot load here');
    ch.close();
  });

  it('passes messages both ways to a worker that loads', async () => {
    const [ch] = nodeScanChannels(
      1,
      script(
        'echo.mjs',
        "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => parentPort.postMessage({ t: 'ready', seq: -1 }));\n",
      ),
    );
    const reply = new Promise((resolve) => {
      ch.onReply = resolve;
    });
    ch.post({ t: 'layout', layout: undefined as never, crlf: false }, []);
    expect(await reply).toEqual({ t: 'ready', seq: -1 });
    ch.close();
  });

  it('makes none without a script', () => {
    expect(nodeScanChannels(2, pathToFileURL(join(dir, 'missing.mjs')))).toEqual([]);
  });
});

describe('nodePartDecoder', () => {
  it('gives one character per byte and the position of every non-ASCII byte, at any alignment', () => {
    const rnd = mulberry32(9);
    const decode = nodePartDecoder();
    for (let round = 0; round < 200; round++) {
      const buf = new Uint8Array(64 + Math.floor(rnd() * 300));
      const density = round % 4 === 0 ? 0 : rnd() * 0.2;
      for (let i = 0; i < buf.length; i++)
        buf[i] = rnd() < density ? 0x80 + Math.floor(rnd() * 128) : 32 + Math.floor(rnd() * 90);
      const from = Math.floor(rnd() * 8);
      const part = buf.subarray(from, buf.length - Math.floor(rnd() * 8));
      const { texts, high, highCount } = decode(part);
      const text = texts.join('');
      expect(Array.from(text, (c: string) => c.charCodeAt(0))).toEqual(Array.from(part));
      const want = Array.from(part.keys()).filter((i) => part[i] >= 0x80);
      expect(high === null ? [] : Array.from(high.subarray(0, highCount))).toEqual(want);
    }
  });
});
