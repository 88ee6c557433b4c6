/**
 * A file's bytes for `analyze`, as the web stream the import reads. Not `Readable.toWeb(createReadStream())`:
 * Node 20's adapter copies every chunk it passes on (to detach it from the stream's buffer pool), one more
 * pass over the whole file on the importing thread (~0.2 s of CPU on a 350 MB export, measured with
 * `--cpu-prof`), and a read stream opens its file at once, so a folder of many files held one descriptor each
 * until the import reached them. Here each chunk is read into a buffer of its own and handed on as it is,
 * and the file is opened on the first read and closed at its end or when the reader cancels.
 */
import { Buffer } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';

export const FILE_CHUNK_BYTES = 4 << 20;

export function fileStream(path: string, chunkBytes = FILE_CHUNK_BYTES): ReadableStream<Uint8Array> {
  let file: FileHandle | null = null;
  let done = false;
  const close = async () => {
    done = true;
    const f = file;
    file = null;
    await f?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (done) return;
        try {
          file ??= await open(path, 'r');
          const buf = Buffer.allocUnsafeSlow(chunkBytes);
          let filled = 0;
          // One chunk may take several reads (a pipe, a network drive); a short chunk only at the end.
          while (filled < chunkBytes) {
            const { bytesRead } = await file.read(buf, filled, chunkBytes - filled, null);
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
          if (filled > 0) controller.enqueue(filled === chunkBytes ? buf : buf.subarray(0, filled));
          if (filled < chunkBytes) {
            await close();
            controller.close();
          }
        } catch (e) {
          await close().catch(() => undefined);
          throw e;
        }
      },
      async cancel() {
        await close();
      },
    },
    // One chunk read ahead while the import works on the one before (as a read stream does).
    { highWaterMark: 1 },
  );
}

/** A file's first `n` bytes (fewer when it is shorter): enough to tell its format, header or fingerprint. */
export async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
