// A byte stream over random-access reads: the engine's Blob reader and the page's reader of a host file.

/**
 * Bytes pulled `chunk` at a time from `read(offset, length)` until it gives none: bounded memory whatever the
 * size, nothing read before the reader asks.
 */
export function pulledStream(
  read: (offset: number, length: number) => Promise<Uint8Array>,
  chunk = 4 << 20,
): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const bytes = await read(offset, chunk);
      if (bytes.byteLength === 0) {
        controller.close();
        return;
      }
      offset += bytes.byteLength;
      controller.enqueue(bytes);
    },
  });
}
