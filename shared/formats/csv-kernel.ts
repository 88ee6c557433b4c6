/**
 * The WebAssembly record kernel of CsvSelect (`useKernel`, `pushKernel`): the source is
 * build/wasm/csv-kernel.ts (AssemblyScript), compiled with SIMD by `npm run build:wasm` into
 * csv-kernel-wasm.ts, which a test keeps equal to what the source compiles to.
 *
 * Why: on a full-schema Defender export CsvSelect's quoted-record path was the largest cost of the
 * import (bench/RESULTS.md, s13–s17): stepping over 40 fields with `indexOf` and interning the
 * selected values (a hash over their characters, a compare with the table's string). In JavaScript a
 * loop over bytes was slower than `indexOf` (s17); the kernel finds delimiters, quotes and line feeds
 * 16 bytes at a time and interns values by their bytes, so a value seen before costs no string.
 * `analyze` reads parts with it in Node; the browser keeps the JavaScript scanner (its CSP allows no
 * WebAssembly, and its parts are decoded UTF-8, not one character per byte).
 */
import { CSV_KERNEL_WASM } from './csv-kernel-wasm';

interface KernelExports {
  memory: WebAssembly.Memory;
  init(slots: number, width: number): number;
  internFlags(): number;
  setMode(delim: number, crlf: number): void;
  part(len: number): number;
  output(): number;
  newIds(): number;
  newIdCount(): number;
  stopOffset(): number;
  lineAt(): number;
  scan(from: number, startLine: number): number;
  setTimeSlot(slot: number): void;
}

let compiled: WebAssembly.Module | null = null;

function kernelModule(): WebAssembly.Module {
  if (compiled === null) {
    const bin = atob(CSV_KERNEL_WASM);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** One kernel instance: one file's interned values at a time (`start`), one part at a time (`load`). */
export class CsvKernel {
  private readonly k: KernelExports;
  /** Int32s per record in `records()`: line, field count, the time (two), then two per slot. */
  stride = 4;

  constructor() {
    this.k = new WebAssembly.Instance(kernelModule(), {}).exports as unknown as KernelExports;
  }

  /**
   * Starts a file: `slotOf[column]` is the slot read from that column (-1: none); `interned[slot]`; `timeSlot`:
   * the slot whose ISO times are read as UTC milliseconds (-1: none).
   */
  start(slotOf: Int32Array, interned: readonly boolean[], timeSlot = -1): void {
    const k = this.k;
    const slots = interned.length;
    this.stride = 4 + 2 * slots;
    const at = k.init(slots, slotOf.length);
    k.setTimeSlot(timeSlot);
    new Int32Array(k.memory.buffer, at, slotOf.length).set(slotOf);
    const flags = new Uint8Array(k.memory.buffer, k.internFlags(), slots);
    for (let s = 0; s < slots; s++) flags[s] = interned[s] ? 1 : 0;
  }

  /** Copies a part in (values holding a non-ASCII byte are flagged). */
  load(bytes: Uint8Array, delim: number, crlf: boolean): void {
    const k = this.k;
    const at = k.part(bytes.length);
    new Uint8Array(k.memory.buffer, at, bytes.length).set(bytes);
    k.setMode(delim, crlf ? 1 : 0);
  }

  /** Reads records from `from` (a record start on line `line`, both from 0 in the part); how many. */
  scan(from: number, line: number): number {
    return this.k.scan(from, line);
  }

  /** The last scan's `n` records (a view valid until the next scan). */
  records(n: number): Int32Array {
    const k = this.k;
    return new Int32Array(k.memory.buffer, k.output(), n * this.stride);
  }

  /** The values the last scan interned first: id and where its bytes are in the part. */
  newValues(take: (id: number, start: number, end: number) => void): void {
    const k = this.k;
    const n = k.newIdCount();
    if (n === 0) return;
    const v = new Int32Array(k.memory.buffer, k.newIds(), n * 3);
    for (let i = 0; i < n * 3; i += 3) take(v[i], v[i + 1], v[i + 2]);
  }

  /** Where the last scan stopped (the part's end, a full output, or a record it does not read) and its line. */
  stopOffset(): number {
    return this.k.stopOffset();
  }
  lineAt(): number {
    return this.k.lineAt();
  }
}
