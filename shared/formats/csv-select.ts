/**
 * A column-selective CSV scanner for wide exports read by a few known columns
 * (the Defender hot path). The first non-blank record is the header and comes
 * back whole; from then on only the selected columns are cut into strings, the
 * others are stepped over and counted, so a record with the wrong number of
 * fields can still be rejected by its 1-based physical line.
 *
 * Why not PapaParse here: it materialises every field of every row into a
 * fresh array (40 strings a row on the full schema, of which the Defender
 * normaliser reads 17), and that garbage was the largest single cost of the
 * import. Measured with bench/parse-only.ts (CPU seconds, Node 20, 0.5M rows,
 * same events out): parse only 3.3 -> 2.1 s on the 14-column export and
 * 7.4 -> 3.8 s on the 40-column one, together with the normaliser changes of
 * the same round. PapaParse stays the reader of every other CSV format
 * (csv-stream.ts).
 *
 * Dialect: what PapaParse (through CsvStream) reads, checked by a differential
 * test on random text. Fields are separated by the delimiter; a field starting
 * with `"` is quoted, `""` inside it is one quote, and it may hold delimiters
 * and line breaks; a closing quote must be followed by whitespace then the
 * delimiter or a line end, else it is a literal character; a quoted field
 * still open at the end of input runs to the end, as written. Records end at
 * CRLF when the first line does (a bare LF is then part of a field), else at
 * LF; a CR ending the last field is dropped. Blank lines are skipped but
 * counted; a leading BOM is dropped. Text may be pushed in chunks split
 * anywhere, even inside a quoted field or a CRLF. One deliberate difference:
 * line feeds inside the whitespace after a closing quote count as lines here
 * (CsvStream misses them), so line numbers stay physical.
 */

import type { CsvKernel } from './csv-kernel';
import { decodeUtf8, hasHigh, type PartDecoder, type PartText, utf8OfBytes } from './part-text';

const QUOTE = 34;
const LF = 10;
const CR = 13;
const COMMA = 44;
/** How Windows PowerShell's Export-Csv starts a file (unless told -NoTypeInformation). */
export const TYPE_LINE = '#TYPE ';

/**
 * The delimiter of a header line s[from, to): whichever of `candidates` it holds most of outside quotes, the first
 * (a comma) when tied or none.
 */
export function delimiterOfLine(
  s: string,
  from = 0,
  to = s.length,
  candidates: readonly string[] = [',', '\t', ';'],
): string {
  let best = candidates[0];
  let most = 0;
  for (const d of candidates) {
    let n = 0;
    let inQuote = false;
    for (let i = from; i < to; i++) {
      const c = s[i];
      if (c === '"') inQuote = !inQuote;
      else if (c === d && !inQuote) n++;
    }
    if (n > most) {
      best = d;
      most = n;
    }
  }
  return best;
}

export class CsvSelect {
  /** Selected cells of the current record, by slot ('' when the record is too short). */
  readonly values: string[] = [];
  /** Fields in the current record. */
  fieldCount = 0;
  /** 1-based physical line the current record starts on. */
  line = 0;
  /**
   * The current record's time in milliseconds when the kernel read it (`useKernel`'s `timeSlot`; its value is
   * then ''), else NaN.
   */
  timeMs = Number.NaN;

  private delim: number;
  /** Whether the delimiter is still to be told from the first line (see the constructor). */
  private guessDelimiter: boolean;
  /** 'auto': also skips a PowerShell type line before the header (see the constructor). */
  private readonly tolerant: boolean;
  private rest = '';
  private nextLine = 1;
  private started = false;
  /** Line ends: CRLF or LF, decided from the first line (as CsvStream does); null until known. */
  private crlf: boolean | null = null;
  private header: string[] | null = null;
  /** Column → slot, -1 for a column nobody reads. */
  private slotOf = new Int32Array(0);
  /** Slot → column. */
  private columns: number[] = [];
  /** Per slot: 1 when `values[slot]` is an own copy (see the repeat check in scan). */
  private owned = new Uint8Array(0);
  /** Per slot: 1 for a column cut as written (`""` left doubled) until the caller asks, see `unescaped`. */
  private raw = new Uint8Array(0);
  /** Per slot of a raw column: 1 when the current record's value still holds `""` escapes. */
  private rawEscaped = new Uint8Array(0);
  /** Per slot: the interned values of a column that repeats a few thousand values at most, see `select`. */
  private interned: (string[] | null)[] = [];
  /**
   * While a part read one character per byte is scanned (`pushPart`): the ascending positions of its
   * non-ASCII bytes, and the first of them not before the current record.
   */
  private high: Int32Array | null = null;
  private highCount = 0;
  private highAt = 0;
  /** Where the string being scanned starts in the part; -1 when it is a join of pieces (every record checked). */
  private highBase = 0;
  /** Per slot: the values a record read one character per byte had before being decoded, and the last decoded. */
  private saved: string[] = [];
  private decodedFrom: string[] = [];
  private decodedTo: string[] = [];
  /** The WebAssembly record kernel reading parts with this scanner (`useKernel`), and the strings of its ids. */
  private kernel: CsvKernel | null = null;
  private kernelStrings: string[] = [];

  /**
   * `delimiter` 'auto': the one of `,`, tab and `;` the header line holds most of (a comma when none), decided once that
   * line is read — an export saved again by a spreadsheet in a locale whose list separator is `;`, or copied as
   * tab-separated text, reads as the original does; and a first line `#TYPE …` (what Windows PowerShell's Export-Csv
   * writes before the header) is skipped as a blank line is.
   */
  constructor(delimiter = ',') {
    this.tolerant = delimiter === 'auto';
    this.guessDelimiter = this.tolerant;
    this.delim = this.guessDelimiter ? COMMA : delimiter.charCodeAt(0);
  }

  /** The delimiter (before an 'auto' one is decided: a comma). */
  get delimiter(): string {
    return String.fromCharCode(this.delim);
  }

  /**
   * Which columns to cut from now on: `columns[slot]` is the column read into `values[slot]` (-1: none).
   * Slots in `rawSlots` keep quoted values as written (`""` doubled): a big cell most records never
   * read is not copied to unescape it; `unescaped(slot)` gives the value. Slots in `internSlots`
   * (columns of few distinct values: devices, users, hosts) hand out one own string per value
   * instead of a fresh slice per record: less garbage, and Map lookups downstream reuse its hash.
   */
  select(columns: readonly number[], rawSlots: readonly number[] = [], internSlots: readonly number[] = []): void {
    let width = 0;
    for (const c of columns) if (c + 1 > width) width = c + 1;
    this.slotOf = new Int32Array(width).fill(-1);
    this.columns = columns.slice();
    this.owned = new Uint8Array(columns.length);
    this.raw = new Uint8Array(columns.length);
    for (const k of rawSlots) this.raw[k] = 1;
    this.rawEscaped = new Uint8Array(columns.length);
    this.interned = columns.map(() => null);
    for (const k of internSlots) this.interned[k] = new Array<string>(INTERN_SIZE).fill('');
    this.values.length = columns.length;
    this.saved = columns.map(() => '');
    this.decodedFrom = columns.map(() => '');
    this.decodedTo = columns.map(() => '');
    for (let k = 0; k < columns.length; k++) {
      this.values[k] = '';
      if (columns[k] >= 0) this.slotOf[columns[k]] = k;
    }
  }

  /**
   * Reads a part of a file that starts at a record boundary after the header (a scan worker's
   * share): no header, no BOM, line ends as the whole file has them. Lines count from 1 in the part.
   */
  startPart(crlf: boolean): void {
    this.rest = '';
    this.nextLine = 1;
    this.started = true;
    this.crlf = crlf;
    this.header = [];
  }

  /**
   * Reads a whole part after `startPart`, as a `PartDecoder` gave it: decoded text, or one character per
   * byte, in which case the selected values of each record holding a non-ASCII byte are decoded from their
   * bytes before `onRecord` sees them (and put back after, so repeats and interning stay in the part's terms).
   */
  pushPart(part: PartText, onRecord: () => void): void {
    const { texts, starts } = part;
    if (part.high === null) {
      for (let i = 0; i < texts.length; i++) this.push(texts[i], noHeaderInPart, onRecord);
      return;
    }
    this.high = part.high;
    this.highCount = part.highCount;
    this.highAt = 0;
    try {
      for (let i = 0; i < texts.length; i++) {
        this.highBase = starts[i];
        this.push(texts[i], noHeaderInPart, onRecord);
      }
    } finally {
      this.high = null;
    }
  }

  /**
   * Reads parts with a WebAssembly record kernel from now on (after `select`; see csv-kernel.ts), or
   * without one (null). Its table of interned values lasts until the next call. `timeSlot`: the slot whose
   * ISO times the kernel reads as UTC (`timeMs`), -1 none.
   */
  useKernel(kernel: CsvKernel | null, timeSlot = -1): void {
    this.kernel = kernel;
    this.kernelStrings = [];
    kernel?.start(
      this.slotOf,
      this.interned.map((t) => t !== null),
      timeSlot,
    );
  }

  /**
   * `pushPart` for a part given as its bytes: the kernel reads the records it can (most), `pushPart` the rest
   * of the part from the first record it cannot read, as `decode` gives it. Values are cut from the bytes read
   * one character per byte (`decode.oneByte`), a window at a time — a text of the whole part, held while its
   * records are read, outlived young-generation collections and made the heap grow ~50 MB a thread (full
   * 0.5M file) — or decoded as UTF-8 when they hold a non-ASCII byte. Same values, counts and line numbers
   * as `pushPart` (the differential tests cover it).
   */
  pushKernel(bytes: Uint8Array, decode: PartDecoder, onRecord: () => void): void {
    const kernel = this.kernel;
    const oneByte = decode.oneByte;
    if (kernel === null || oneByte === undefined || this.rest.length > 0) {
      this.pushPart(decode(bytes), onRecord);
      return;
    }
    const strings = this.kernelStrings;
    const values = this.values;
    const raw = this.raw;
    const rawEscaped = this.rawEscaped;
    const slotCount = values.length;
    const lineBase = this.nextLine;
    kernel.load(bytes, this.delim, this.crlf === true);
    let text = '';
    let textFrom = 0;
    let textTo = 0;
    let from = 0;
    let line = 0;
    for (;;) {
      const n = kernel.scan(from, line);
      kernel.newValues((id, a, b) => {
        strings[id] = decodeUtf8(bytes.subarray(a, b));
      });
      const out = kernel.records(n);
      const stride = kernel.stride;
      for (let r = 0, o = 0; r < n; r++, o += stride) {
        this.timeMs = Number.NaN;
        for (let k = 0, j = o + 4; k < slotCount; k++, j += 2) {
          const x = out[j];
          const y = out[j + 1];
          rawEscaped[k] = 0;
          if (y === -1) {
            values[k] = strings[x];
            continue;
          }
          if (y <= 0) {
            // -2: a time the kernel read (see `timeMs`).
            if (y === -2) this.timeMs = out[o + 3] * 4294967296 + (out[o + 2] >>> 0);
            values[k] = '';
            continue;
          }
          const b = y & KERNEL_END;
          let v: string;
          if ((y & KERNEL_HIGH) !== 0) v = decodeUtf8(bytes.subarray(x, b));
          else {
            if (x < textFrom || b > textTo) {
              textFrom = x;
              textTo = Math.min(bytes.length, Math.max(b, x + KERNEL_WINDOW));
              text = oneByte(bytes.subarray(textFrom, textTo));
            }
            v = text.slice(x - textFrom, b - textFrom);
          }
          if ((y & KERNEL_ESCAPED) !== 0) {
            if (raw[k] === 1) rawEscaped[k] = 1;
            else v = v.replaceAll('""', '"');
          }
          values[k] = v;
        }
        this.fieldCount = out[o + 1];
        this.line = lineBase + out[o];
        onRecord();
      }
      from = kernel.stopOffset();
      line = kernel.lineAt();
      if (from >= bytes.length || n === 0) break;
    }
    this.nextLine = lineBase + line;
    // The rest of the part from the record the kernel stopped at: a record start, and line `line`.
    if (from < bytes.length) this.pushPart(decode(bytes.subarray(from)), onRecord);
  }

  /** Whether the text pushed so far ends inside a record (a part then did not end at a record boundary). */
  get partial(): boolean {
    return this.rest.length > 0;
  }

  /** Whether records end at CRLF (null until the first line break is seen). */
  get crlfLineEnds(): boolean | null {
    return this.crlf;
  }

  /** Physical lines read so far. */
  get linesRead(): number {
    return this.nextLine - 1;
  }

  /** Counts lines read elsewhere (a scan worker's part), so later line numbers stay physical. */
  skipLines(n: number): void {
    this.nextLine += n;
  }

  /** Whether the value of a raw slot of the current record holds `""` escapes (a quoted cell as written). */
  escaped(slot: number): boolean {
    return this.rawEscaped[slot] === 1;
  }

  /** The value of a slot of the current record, `""` escapes resolved (for raw slots). */
  unescaped(slot: number): string {
    const v = this.values[slot];
    return this.rawEscaped[slot] === 1 ? v.replaceAll('""', '"') : v;
  }

  /**
   * Feeds a chunk: `onHeader` gets the first record's fields (call `select` in it),
   * `onRecord` is called once per later record with `values`, `fieldCount` and `line` set.
   */
  push(text: string, onHeader: (fields: string[]) => void, onRecord: () => void): void {
    let s = text;
    if (!this.started) {
      if (s.length === 0) return;
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    if (this.crlf === null) {
      s = this.rest + s;
      this.rest = '';
      const nl = s.indexOf('\n');
      if (nl < 0) {
        this.rest = s;
        return;
      }
      this.crlf = nl > 0 && s.charCodeAt(nl - 1) === CR;
      if (this.guessDelimiter) {
        // From the header: the first line neither blank nor PowerShell's type line (both skipped before it).
        let from = 0;
        let to = nl;
        while (
          to >= 0 &&
          (to === from || (to === from + 1 && s.charCodeAt(from) === CR) || s.startsWith(TYPE_LINE, from))
        ) {
          from = to + 1;
          to = s.indexOf('\n', from);
        }
        if (to >= 0) {
          this.guessDelimiter = false;
          this.delim = delimiterOfLine(s, from, to).charCodeAt(0);
        } else {
          // Only blank lines so far: wait for the header.
          this.rest = s;
          this.crlf = null;
          return;
        }
      }
      this.scan(s, 0, true, onHeader, onRecord);
      return;
    }
    if (this.rest.length === 0) {
      this.scan(s, 0, true, onHeader, onRecord);
      return;
    }
    // Finish the record cut at the end of the previous chunk on a small string of its own, then scan
    // this chunk as it is: characters of a concatenation (a cons string) read twice as slowly (measured).
    const nl = s.indexOf('\n');
    if (nl < 0) {
      this.rest += s;
      return;
    }
    const head = this.rest + s.slice(0, nl + 1);
    this.rest = '';
    // A join of two pieces of a part: its positions are not the part's, so every record of it is checked.
    const base = this.highBase;
    this.highBase = -1;
    this.scan(head, 0, true, onHeader, onRecord);
    if (this.rest.length === 0) {
      this.highBase = base;
      this.scan(s, nl + 1, true, onHeader, onRecord);
    } else {
      // The record goes on past that line (a quoted line break): read on from where it started.
      const r = this.rest;
      this.rest = '';
      this.scan(r + s.slice(nl + 1), 0, true, onHeader, onRecord);
    }
    this.highBase = base;
  }

  /** Reads what is left (a last record without a line break). */
  end(onHeader: (fields: string[]) => void, onRecord: () => void): void {
    const s = this.rest;
    this.rest = '';
    if (this.crlf === null) this.crlf = false;
    if (this.guessDelimiter) {
      this.guessDelimiter = false;
      this.delim = delimiterOfLine(s, 0, s.length).charCodeAt(0);
    }
    if (s.length > 0) this.scan(s, 0, false, onHeader, onRecord);
  }

  private scan(
    s: string,
    from: number,
    more: boolean,
    onHeader: (fields: string[]) => void,
    onRecord: () => void,
  ): void {
    const n = s.length;
    const delim = this.delim;
    const delimStr = String.fromCharCode(delim);
    const crlf = this.crlf === true;
    // Next delimiter, next LF and next line end at or after the current field (n: none), found by indexOf
    // (native, twice as fast as reading char codes here) and reused until the scan passes them.
    let dl = -1;
    let lf = -1;
    let eol = -1;
    // The fast path's own: next LF and next quote at or after the record start (n: none).
    let fastLf = -1;
    let fastQuote = -1;
    let pos = from;
    while (pos < n) {
      const all = this.header === null;
      if (!all) {
        if (fastLf < pos) {
          fastLf = s.indexOf('\n', pos);
          if (fastLf < 0) fastLf = n;
        }
        if (fastQuote < pos) {
          fastQuote = s.indexOf('"', pos);
          if (fastQuote < 0) fastQuote = n;
        }
        if (fastLf < n && (!crlf || (fastLf > pos && s.charCodeAt(fastLf - 1) === CR))) {
          // A record on one line without a quote (most records): fields end at delimiters, no state to track.
          if (fastQuote > fastLf) {
            this.fastRecord(s, pos, fastLf, crlf, delimStr, onRecord);
            pos = fastLf + 1;
            continue;
          }
          // On one line with plainly quoted fields (a full export's command lines and AdditionalFields).
          if (this.quotedRecord(s, pos, fastLf, crlf, delimStr, onRecord)) {
            pos = fastLf + 1;
            continue;
          }
        }
      }
      const fields: string[] | null = all ? [] : null;
      const slotOf = this.slotOf;
      const width = slotOf.length;
      const values = this.values;
      const owned = this.owned;
      const raw = this.raw;
      const rawEscaped = this.rawEscaped;
      const start = pos;
      let p = pos;
      let col = 0;
      let breaks = 0;
      let firstLen = 0;
      let complete = true;
      let recordEnd = n;
      for (;;) {
        // p is at the start of field `col`.
        let value = '';
        let next: number; // the delimiter or line end after the field (n: end of input)
        let isDelim = false;
        const slot = col < width ? slotOf[col] : -1;
        if (p < n && s.charCodeAt(p) === QUOTE) {
          let q = p + 1;
          let escaped = false;
          let close = -1;
          let lateBreaks = 0;
          next = -1;
          for (;;) {
            const e = s.indexOf('"', q);
            if (e < 0) break;
            if (e + 1 < n && s.charCodeAt(e + 1) === QUOTE) {
              escaped = true;
              q = e + 2;
              continue;
            }
            // After a closing quote, whitespace up to the delimiter or the line end is dropped (as PapaParse does).
            let k = e + 1;
            let c = -1;
            for (; k < n; k++) {
              c = s.charCodeAt(k);
              if (c === delim || (crlf ? c === CR && k + 1 < n && s.charCodeAt(k + 1) === LF : c === LF)) break;
              if (!isSpace(c)) break;
            }
            if (k >= n) {
              if (more) break;
              if (k === e + 1) {
                close = e;
                next = n;
                break;
              }
            } else if (c === delim) {
              close = e;
              next = k;
              isDelim = true;
              lateBreaks = k > e + 1 ? countLf(s, e + 1, k) : 0;
              break;
            } else if (c === LF || c === CR) {
              close = e;
              next = crlf ? k + 1 : k;
              lateBreaks = k > e + 1 ? countLf(s, e + 1, k) : 0;
              break;
            }
            q = e + 1; // a stray quote inside the field: a literal character
          }
          if (close < 0) {
            if (more) {
              complete = false;
              break;
            }
            close = n; // still open at the end of input: the rest is the field, as written
            next = n;
            escaped = false;
          }
          if (slot >= 0 || all || col === 0) {
            value = s.slice(p + 1, close);
            const keepRaw = escaped && slot >= 0 && raw[slot] === 1;
            if (escaped && !keepRaw) value = value.replaceAll('""', '"');
            if (slot >= 0) rawEscaped[slot] = keepRaw ? 1 : 0;
            // CsvStream drops a CR ending the last field of a record, quoted or not.
            if (!isDelim && value.length > 0 && value.charCodeAt(value.length - 1) === CR) value = value.slice(0, -1);
            if (slot >= 0) owned[slot] = 0;
          }
          if (lf <= p) {
            lf = s.indexOf('\n', p + 1);
            if (lf < 0) lf = n;
          }
          if (lf < close) breaks += countLf(s, lf, close);
          breaks += lateBreaks;
        } else {
          if (dl < p) {
            dl = s.indexOf(delimStr, p);
            if (dl < 0) dl = n;
          }
          if (lf < p) {
            lf = s.indexOf('\n', p);
            if (lf < 0) lf = n;
          }
          if (!crlf) eol = lf;
          else if (eol < p) {
            eol = lf;
            while (eol < n && s.charCodeAt(eol - 1) !== CR) {
              eol = s.indexOf('\n', eol + 1);
              if (eol < 0) eol = n;
            }
          }
          let end: number;
          if (dl < eol) {
            end = dl;
            isDelim = true;
          } else if (eol < n) {
            end = eol;
          } else if (more) {
            complete = false;
            break;
          } else {
            end = n;
          }
          next = end;
          if (lf < end) breaks += countLf(s, lf, end); // bare LFs inside a field of a CRLF file
          if (!isDelim) {
            // The CR of a CRLF line end, then one more as CsvStream drops a CR ending the last field.
            if (crlf && end < n) end--;
            if (end > p && s.charCodeAt(end - 1) === CR) end--;
          }
          if (slot >= 0) value = this.cut(slot, s, p, end);
          else if (all || col === 0) value = s.slice(p, end);
        }
        if (col === 0) firstLen = value.length;
        if (all) (fields as string[]).push(value);
        else if (slot >= 0) values[slot] = value;
        col++;
        if (isDelim) {
          p = next + 1;
          continue;
        }
        recordEnd = next;
        break;
      }
      if (!complete) {
        this.rest = s.slice(start);
        return;
      }
      pos = recordEnd + 1;
      const line = this.nextLine;
      this.nextLine += breaks + 1;
      if (col === 1 && firstLen === 0) continue; // blank line
      if (all && this.tolerant && (fields as string[])[0].startsWith(TYPE_LINE)) continue; // PowerShell's type line
      if (all) {
        // Kept for the whole file: own copies, not slices that would keep the first chunk alive.
        for (let k = 0; k < (fields as string[]).length; k++)
          (fields as string[])[k] = ownCopy((fields as string[])[k]);
        this.header = fields;
        onHeader(fields as string[]);
        continue;
      }
      this.record(col, line, onRecord, start, recordEnd);
    }
  }

  /** Hands the record just cut, s[start, end), to `onRecord`: `col` fields, from physical line `line`. */
  private record(col: number, line: number, onRecord: () => void, start: number, end: number): void {
    if (col < this.slotOf.length) {
      // Columns past the end of a short record read as empty.
      const columns = this.columns;
      for (let k = 0; k < columns.length; k++) {
        if (columns[k] >= col) {
          this.values[k] = '';
          this.rawEscaped[k] = 0;
        }
      }
    }
    this.fieldCount = col;
    this.line = line;
    this.timeMs = Number.NaN;
    if (this.high !== null && this.holdsHigh(start, end)) this.decodedRecord(onRecord);
    else onRecord();
  }

  /** Whether s[start, end) of the part being read holds a non-ASCII byte (records come in ascending order). */
  private holdsHigh(start: number, end: number): boolean {
    if (this.highBase < 0) return true;
    start += this.highBase;
    end += this.highBase;
    const high = this.high as Int32Array;
    const n = this.highCount;
    let i = this.highAt;
    while (i < n && high[i] < start) i++;
    this.highAt = i;
    return i < n && high[i] < end;
  }

  /** `onRecord` with the record's non-ASCII values decoded from their bytes, then the values as they were. */
  private decodedRecord(onRecord: () => void): void {
    const values = this.values;
    const saved = this.saved;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      saved[k] = v;
      if (!hasHigh(v)) continue;
      // A value often repeats from record to record (a user, a device): decoded once.
      if (v !== this.decodedFrom[k]) {
        this.decodedFrom[k] = v;
        this.decodedTo[k] = utf8OfBytes(v);
      }
      values[k] = this.decodedTo[k];
    }
    try {
      onRecord();
    } finally {
      for (let k = 0; k < values.length; k++) values[k] = saved[k];
    }
  }

  /**
   * s[p, end) (unquoted) as the value of `slot`: interned, or the previous record's string again when the
   * value repeats (device, user, action…: no new string, and Map lookups downstream hit the cached hash or
   * identity), else a slice.
   */
  private cut(slot: number, s: string, p: number, end: number): string {
    this.rawEscaped[slot] = 0;
    const len = end - p;
    const table = this.interned[slot];
    if (table !== null && len <= INTERN_MAX_LEN) {
      this.owned[slot] = 1;
      return internAt(table, s, p, end);
    }
    const prev = this.values[slot];
    if (len > 0 && prev.length === len && s.startsWith(prev, p)) {
      if (this.owned[slot]) return prev;
      // Kept across records, so it must not pin the chunk it was cut from (V8 copies slices shorter than
      // 13 characters anyway).
      this.owned[slot] = 1;
      return len >= 13 ? ownCopy(prev) : prev;
    }
    this.owned[slot] = 0;
    return s.slice(p, end);
  }

  /**
   * scan's fast path: the record s[pos, lf) holds no quote and ends at `lf` (a record end). Same
   * values, counts and line numbers as the general path (the differential test covers both).
   */
  private fastRecord(s: string, pos: number, lf: number, crlf: boolean, delimStr: string, onRecord: () => void): void {
    // The CR of a CRLF line end, then one more as CsvStream drops a CR ending the last field.
    let end = lf;
    if (crlf) end--;
    if (end > pos && s.charCodeAt(end - 1) === CR) end--;
    const line = this.nextLine++;
    if (end === pos) return; // blank line
    const slotOf = this.slotOf;
    const width = slotOf.length;
    const values = this.values;
    let p = pos;
    let col = 0;
    for (;;) {
      let fe = s.indexOf(delimStr, p);
      const last = fe < 0 || fe >= end;
      if (last) fe = end;
      const slot = col < width ? slotOf[col] : -1;
      if (slot >= 0) values[slot] = this.cut(slot, s, p, fe);
      col++;
      if (last) break;
      p = fe + 1;
    }
    this.record(col, line, onRecord, pos, lf);
  }

  /**
   * scan's second fast path: the record s[pos, lf) ends at `lf` (a record end) and each of its quoted
   * fields closes on that line, its closing quote followed by the delimiter or the line end. Anything
   * else (a line break or whitespace after a closing quote, a stray quote, a lone field) returns false
   * before the record is handed on, and the general path reads the record again from `pos`: the values
   * this one cut are the same strings the general path cuts. Same values, counts and line numbers as the
   * general path (the differential tests cover both).
   */
  private quotedRecord(
    s: string,
    pos: number,
    lf: number,
    crlf: boolean,
    delimStr: string,
    onRecord: () => void,
  ): boolean {
    const delim = this.delim;
    // Where the record's text ends: before the CR of a CRLF line end.
    const recEnd = crlf ? lf - 1 : lf;
    const slotOf = this.slotOf;
    const width = slotOf.length;
    const values = this.values;
    const raw = this.raw;
    let p = pos;
    let col = 0;
    for (;;) {
      const slot = col < width ? slotOf[col] : -1;
      if (s.charCodeAt(p) === QUOTE) {
        let q = p + 1;
        let escaped = false;
        let close = s.indexOf('"', q);
        while (close >= 0 && close < recEnd && s.charCodeAt(close + 1) === QUOTE) {
          escaped = true;
          q = close + 2;
          close = s.indexOf('"', q);
        }
        if (close < 0 || close >= recEnd) return false;
        const after = close + 1;
        const last = after === recEnd;
        if (!last && s.charCodeAt(after) !== delim) return false;
        if (slot >= 0) {
          let value = s.slice(p + 1, close);
          const keepRaw = escaped && raw[slot] === 1;
          if (escaped && !keepRaw) value = value.replaceAll('""', '"');
          // CsvStream drops a CR ending the last field of a record, quoted or not.
          if (last && value.length > 0 && value.charCodeAt(value.length - 1) === CR) value = value.slice(0, -1);
          this.rawEscaped[slot] = keepRaw ? 1 : 0;
          this.owned[slot] = 0;
          values[slot] = value;
        }
        col++;
        if (last) break;
        p = after + 1;
        continue;
      }
      const fe = s.indexOf(delimStr, p);
      if (fe < 0 || fe >= recEnd) {
        // The last field; one more CR dropped as CsvStream drops a CR ending the last field.
        let end = recEnd;
        if (end > p && s.charCodeAt(end - 1) === CR) end--;
        if (slot >= 0) values[slot] = this.cut(slot, s, p, end);
        col++;
        break;
      }
      if (slot >= 0) values[slot] = this.cut(slot, s, p, fe);
      col++;
      p = fe + 1;
    }
    // A lone field may be a blank line (`""`): the general path decides.
    if (col === 1) return false;
    this.record(col, this.nextLine++, onRecord, pos, lf);
    return true;
  }
}

/** A kernel record's value end and its flags (see build/wasm/csv-kernel.ts). */
const KERNEL_END = 0x1fffffff;
const KERNEL_ESCAPED = 1 << 30;
const KERNEL_HIGH = 1 << 29;
/** Bytes read as text at a time for the kernel's values (see `pushKernel`). */
const KERNEL_WINDOW = 64 << 10;

const INTERN_SIZE = 65_536;
/** The top bits of a multiply index the table (FNV's low bits spread badly). */
const INTERN_SHIFT = 32 - 16;
const INTERN_MAX_LEN = 256;

/**
 * s[p, end) as the string a direct-mapped table keeps for it: hashing the characters costs
 * less than the slice it saves (measured on Defender exports: less garbage, and Map lookups
 * in the normaliser and the aggregator find the hash cached in the string). A new value
 * takes its slot over, as an own copy (a slice would keep its chunk alive).
 */
function internAt(table: string[], s: string, p: number, end: number): string {
  const len = end - p;
  if (len === 0) return '';
  let h = 0x811c9dc5 ^ len;
  for (let i = p; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  // Two ways: a value evicted from its slot by another moves to the slot's pair, so two values that share
  // a slot do not evict each other on every other row (measured: 16% misses with one way and 16k slots).
  const slot = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> INTERN_SHIFT;
  const known = table[slot];
  if (known.length === len && s.startsWith(known, p)) return known;
  const other = table[slot ^ 1];
  if (other.length === len && s.startsWith(other, p)) {
    table[slot ^ 1] = known;
    table[slot] = other;
    return other;
  }
  // Slices under 13 characters are copies already (V8 makes no sliced string that short).
  const own = len < 13 ? s.slice(p, end) : ownCopy(s.slice(p, end));
  table[slot ^ 1] = known;
  table[slot] = own;
  return own;
}

/** A string that owns its characters (not a slice of a larger string). */
function ownCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Whitespace as String.prototype.trim sees it. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Line feeds in s[from, to). */
function countLf(s: string, from: number, to: number): number {
  let n = 0;
  for (let j = s.indexOf('\n', from); j >= 0 && j < to; j = s.indexOf('\n', j + 1)) n++;
  return n;
}

function noHeaderInPart(): void {
  throw new Error('a part has no header');
}
