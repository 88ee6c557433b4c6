/**
 * Checks an HTTP batch before it is spooled, so a sender learns at once that a
 * batch can never be imported (instead of the engine finding out later):
 * - application/x-ndjson: UTF-8, one JSON object per non-blank line (any shape
 *   the Defender/Zeek JSON readers take: table rows, Event Hub documents...);
 * - application/json: the Defender streaming-API document `{"records":[…]}`.
 * The bytes are spooled unchanged; the engine parses them with the same
 * readers as files.
 */
import type { BatchKind } from './spool';

export const NDJSON_TYPES: ReadonlySet<string> = new Set(['application/x-ndjson', 'application/ndjson']);
export const JSON_TYPE = 'application/json';

export type BodyCheck =
  | { ok: true; kind: BatchKind; contentType: string; events: number }
  | { ok: false; status: 400 | 415; message: string };

/** The media type without parameters, lowercased; null when the charset is not UTF-8. */
export function mediaType(header: string | undefined): { type: string; utf8: boolean } {
  const [type, ...params] = (header ?? '').split(';');
  let utf8 = true;
  for (const p of params) {
    const [k, v] = p.split('=').map((x) => x.trim().toLowerCase());
    if (k === 'charset' && v.replace(/"/g, '') !== 'utf-8' && v.replace(/"/g, '') !== 'utf8') utf8 = false;
  }
  return { type: type.trim().toLowerCase(), utf8 };
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function checkBatchBody(contentTypeHeader: string | undefined, bytes: Uint8Array): BodyCheck {
  const { type, utf8 } = mediaType(contentTypeHeader);
  const ndjson = NDJSON_TYPES.has(type);
  if ((!ndjson && type !== JSON_TYPE) || !utf8) {
    return {
      ok: false,
      status: 415,
      message:
        'Send Content-Type: application/x-ndjson (one JSON event per line) or application/json ({"records":[…]}), in UTF-8.',
    };
  }
  const text = decodeUtf8(bytes);
  if (text === null) return { ok: false, status: 400, message: 'The body is not valid UTF-8.' };

  if (ndjson) {
    let events = 0;
    let line = 0;
    let start = 0;
    while (start <= text.length) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      line++;
      const raw = text.slice(start, end).trim();
      if (raw.length > 0) {
        let v: unknown;
        try {
          v = JSON.parse(raw);
        } catch {
          return { ok: false, status: 400, message: `Line ${line} is not JSON: send one JSON object per line.` };
        }
        if (!isObject(v)) return { ok: false, status: 400, message: `Line ${line} is not a JSON object.` };
        events++;
      }
      if (nl < 0) break;
      start = nl + 1;
    }
    if (events === 0) return { ok: false, status: 400, message: 'The batch holds no events.' };
    return { ok: true, kind: 'http-ndjson', contentType: 'application/x-ndjson', events };
  }

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, message: 'The body is not JSON.' };
  }
  if (!isObject(doc) || !Array.isArray(doc.records)) {
    return {
      ok: false,
      status: 400,
      message:
        'application/json takes the streaming-API shape {"records":[…]}; send other JSON as application/x-ndjson.',
    };
  }
  if (doc.records.length === 0) return { ok: false, status: 400, message: 'The batch holds no events.' };
  if (!doc.records.every(isObject))
    return { ok: false, status: 400, message: 'Every element of "records" must be an object.' };
  return { ok: true, kind: 'http-json', contentType: JSON_TYPE, events: doc.records.length };
}
