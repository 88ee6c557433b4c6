/** Growing the typed-array columns the engine keeps (facts, accumulators, rollups). */
export type TypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/**
 * A new array of `length` elements holding `a`'s values first (the rest zero), of `a`'s own kind or of `kind`
 * (to widen a column whose values no longer fit). Called when a column grows, never per element.
 */
export function resized<T extends TypedArray>(a: T, length: number, kind?: new (length: number) => T): T {
  const b = new (kind ?? (a.constructor as new (length: number) => T))(length);
  b.set(a.length > length ? a.subarray(0, length) : a);
  return b;
}
