/**
 * AdditionalFields of an inspection or DNS row read straight from the CSV cell as
 * written (every `"` of the JSON doubled), without unescaping the cell and without
 * JSON.parse: only the keys the normaliser reads of such rows are cut out.
 *
 * Why: on a full-schema export ~10% of rows are inspections whose AdditionalFields
 * (~300 characters, a dozen keys) the normaliser reads for a host, a uid and a
 * direction; `replaceAll('""', '"')` then JSON.parse of every such cell was ~0.4 s
 * of the scan workers' ~3.3 s per 0.5M rows (bench/scan-parts.ts).
 *
 * Only the plain shape Defender writes is read here: `{}` or a flat object, no
 * whitespace, keys and values strings without backslashes or control characters
 * (values may also be true, false or null). Anything else returns false and the
 * caller reads the cell as before, so every value read here is what JSON.parse
 * of the unescaped cell gives (a differential test holds both to it).
 */
import { ownCopy } from './defender-values';

/** The AdditionalFields keys `prepRow` reads of an inspection or DNS row (see `readsAdditionalKeys`). */
export interface AdditionalKeys {
  direction: unknown;
  uid: unknown;
  server_name: unknown;
  host: unknown;
  orig_bytes: unknown;
  resp_bytes: unknown;
  query: unknown;
  answers: unknown;
}

export function emptyAdditionalKeys(): AdditionalKeys {
  return {
    direction: undefined,
    uid: undefined,
    server_name: undefined,
    host: undefined,
    orig_bytes: undefined,
    resp_bytes: undefined,
    query: undefined,
    answers: undefined,
  };
}

const QUOTE = 34;
const COLON = 58;
const COMMA = 44;
const OPEN = 123;
const CLOSE = 125;
/** A control character (below U+0020), which JSON strings may not hold as written. */
const CONTROL = /[^ -\uffff]/;
/** Marks a string value not cut yet. */
const STRING = Symbol('string');

/**
 * Fills `out` from `raw`, AdditionalFields JSON with its quotes doubled (a quoted CSV cell as written);
 * false when it is not of the plain shape (then `out` is left in any state).
 */
export function readDoubledAdditional(raw: string, out: AdditionalKeys): boolean {
  const n = raw.length;
  if (n < 2 || raw.charCodeAt(0) !== OPEN || raw.charCodeAt(n - 1) !== CLOSE) return false;
  if (raw.indexOf('\\') >= 0 || CONTROL.test(raw)) return false;
  out.direction = undefined;
  out.uid = undefined;
  out.server_name = undefined;
  out.host = undefined;
  out.orig_bytes = undefined;
  out.resp_bytes = undefined;
  out.query = undefined;
  out.answers = undefined;
  if (n === 2) return true;
  let p = 1;
  for (;;) {
    // A key: `""name""`; its text holds no quote (a JSON string without backslashes cannot).
    if (raw.charCodeAt(p) !== QUOTE || raw.charCodeAt(p + 1) !== QUOTE) return false;
    const ks = p + 2;
    const ke = raw.indexOf('"', ks);
    if (ke < 0 || raw.charCodeAt(ke + 1) !== QUOTE || raw.charCodeAt(ke + 2) !== COLON) return false;
    p = ke + 3;
    // A string value is raw[vs, ve), cut only for a key that is read.
    let value: unknown = STRING;
    let vs = 0;
    let ve = 0;
    const c = raw.charCodeAt(p);
    if (c === QUOTE) {
      if (raw.charCodeAt(p + 1) !== QUOTE) return false;
      vs = p + 2;
      ve = raw.indexOf('"', vs);
      if (ve < 0 || raw.charCodeAt(ve + 1) !== QUOTE) return false;
      p = ve + 2;
    } else if (c === 116 /* t */ && raw.startsWith('true', p)) {
      value = true;
      p += 4;
    } else if (c === 102 /* f */ && raw.startsWith('false', p)) {
      value = false;
      p += 5;
    } else if (c === 110 /* n */ && raw.startsWith('null', p)) {
      value = null;
      p += 4;
    } else return false;
    setKey(raw, ks, ke - ks, value, vs, ve, out);
    const next = raw.charCodeAt(p);
    if (next === COMMA) {
      p++;
      continue;
    }
    return next === CLOSE && p === n - 1;
  }
}

/**
 * Sets the key raw[ks, ks + len) of `out` to `v` (raw[vs, ve) for STRING) when it is one of
 * AdditionalKeys; a later duplicate wins, as in JSON.parse.
 */
function setKey(raw: string, ks: number, len: number, v: unknown, vs: number, ve: number, out: AdditionalKeys): void {
  switch (len) {
    case 3:
      if (raw.startsWith('uid', ks)) out.uid = cut(raw, v, vs, ve);
      return;
    case 4:
      if (raw.startsWith('host', ks)) out.host = cut(raw, v, vs, ve);
      return;
    case 5:
      if (raw.startsWith('query', ks)) out.query = cut(raw, v, vs, ve);
      return;
    case 7:
      if (raw.startsWith('answers', ks)) out.answers = cut(raw, v, vs, ve);
      return;
    case 9:
      if (raw.startsWith('direction', ks)) out.direction = cut(raw, v, vs, ve);
      return;
    case 10:
      if (raw.startsWith('orig_bytes', ks)) out.orig_bytes = cut(raw, v, vs, ve);
      else if (raw.startsWith('resp_bytes', ks)) out.resp_bytes = cut(raw, v, vs, ve);
      return;
    case 11:
      if (raw.startsWith('server_name', ks)) out.server_name = cut(raw, v, vs, ve);
      return;
  }
}

/**
 * The value, a string cut as an own copy when V8 would make it a slice: an inspection's host may be kept
 * with its event, and must not keep the text chunk the cell was cut from alive (V8 copies slices under 13
 * characters anyway).
 */
function cut(raw: string, v: unknown, vs: number, ve: number): unknown {
  if (v !== STRING) return v;
  const s = raw.slice(vs, ve);
  return s.length < 13 ? s : ownCopy(s);
}
