/**
 * Incremental reading of JSON exports pushed in chunks split anywhere: NDJSON
 * (one value per line), one big array (pretty-printed or not; PowerShell's
 * ConvertTo-Json, API dumps) or several top-level values one after the other
 * (concatenated Event Hub batches). Each value is handed over already parsed,
 * with its row number:
 * - NDJSON and top-level values: the 1-based line the value starts on;
 * - elements of a top-level array: their 1-based index in the array (counted
 *   across arrays if a file holds several), since one array is often one line.
 *
 * The mode is decided once, from the first non-blank line: a line that is a
 * complete value by itself (or at least looks like one object, so a corrupt
 * first record does not swallow the file) means NDJSON, where every line stands
 * alone and a bad line costs only itself. Otherwise a structural scanner follows
 * string and bracket nesting; there, an unterminated value runs to the end of the
 * input and is reported once.
 */
import { LineSplitter } from './lines';

export interface JsonScanHandler {
  value(v: unknown, row: number): void;
  bad(row: number, reason: string): void;
}

enum Mode {
  Unknown = 0,
  Lines = 1,
  Structural = 2,
}

export class JsonScanner {
  private mode: Mode = Mode.Unknown;
  private pending = '';
  /** Where the search for the end of the first line resumes (keeps a huge first line linear). */
  private seek = 0;
  private readonly lines = new LineSplitter();
  // Structural state
  private buf = '';
  private i = 0;
  private depth = 0;
  private inString = false;
  private inArray = false;
  /** Start of the value being read in `buf`, or -1 between values. */
  private start = -1;
  private startRow = 0;
  /** The value being read is a bare scalar (number, literal, garbage) at the base depth. */
  private scalar = false;
  private line = 1;
  private index = 0;
  /** A run of stray characters between values, reported once per line. */
  private garbageLine = 0;

  push(text: string, h: JsonScanHandler): void {
    if (this.mode === Mode.Unknown) {
      this.pending += text;
      if (!this.decide(false)) return;
      const all = this.pending;
      this.pending = '';
      this.feed(all, h);
      return;
    }
    this.feed(text, h);
  }

  end(h: JsonScanHandler): void {
    if (this.mode === Mode.Unknown) {
      this.decide(true);
      const all = this.pending;
      this.pending = '';
      this.feed(all, h);
    }
    if (this.mode === Mode.Lines) {
      this.lines.end((l, n) => this.onLine(l, n, h));
      return;
    }
    if (this.start >= 0) {
      const text = this.buf.slice(this.start);
      this.start = -1;
      this.parseValue(text, this.startRow, h, 'truncated JSON');
    }
    this.buf = '';
    this.i = 0;
  }

  /** Picks the mode once the first non-blank line is complete (or at the end). */
  private decide(atEnd: boolean): boolean {
    const s = this.pending;
    let p = 0;
    while (p < s.length && isSpace(s.charCodeAt(p))) p++;
    if (p >= s.length) {
      if (atEnd) this.mode = Mode.Structural;
      return atEnd;
    }
    const c = s.charCodeAt(p);
    if (c === 91 /* [ */) {
      // An array is always read element by element, even on one line: it may be huge.
      this.mode = Mode.Structural;
      return true;
    }
    const nl = s.indexOf('\n', Math.max(p, this.seek));
    if (nl < 0 && !atEnd) {
      this.seek = s.length;
      return false;
    }
    const first = s.slice(p, nl < 0 ? s.length : nl).trim();
    const lines =
      c === 123 /* { */ ? first.charCodeAt(first.length - 1) === 125 /* } */ || parses(first) : parses(first);
    this.mode = lines ? Mode.Lines : Mode.Structural;
    return true;
  }

  private feed(text: string, h: JsonScanHandler): void {
    if (text.length === 0) return;
    if (this.mode === Mode.Lines) this.lines.push(text, (l, n) => this.onLine(l, n, h));
    else this.scan(text, h);
  }

  private onLine(l: string, n: number, h: JsonScanHandler): void {
    let k = 0;
    while (k < l.length && isSpace(l.charCodeAt(k))) k++;
    if (k === l.length) return;
    this.parseValue(l, n, h, 'invalid JSON');
  }

  private parseValue(text: string, row: number, h: JsonScanHandler, reason: string): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      h.bad(row, reason);
      return;
    }
    h.value(v, row);
  }

  private beginValue(at: number, scalar: boolean): void {
    this.start = at;
    this.scalar = scalar;
    this.startRow = this.inArray ? ++this.index : this.line;
  }

  private finishValue(endExclusive: number, h: JsonScanHandler): void {
    const text = this.buf.slice(this.start, endExclusive);
    const row = this.startRow;
    this.start = -1;
    this.scalar = false;
    this.parseValue(text, row, h, 'invalid JSON');
  }

  private straySymbol(h: JsonScanHandler): void {
    if (this.garbageLine !== this.line) {
      this.garbageLine = this.line;
      h.bad(this.line, 'not JSON');
    }
  }

  private scan(text: string, h: JsonScanHandler): void {
    this.buf = this.buf.length > 0 ? this.buf + text : text;
    const buf = this.buf;
    const n = buf.length;
    let i = this.i;
    while (i < n) {
      if (this.inString) {
        const q = buf.indexOf('"', i);
        if (q < 0) {
          i = n;
          break;
        }
        let bs = 0;
        for (let k = q - 1; k >= 0 && buf.charCodeAt(k) === 92; k--) bs++;
        i = q + 1;
        if ((bs & 1) === 1) continue;
        this.inString = false;
        if (this.start >= 0 && this.depth === this.baseDepth() && !this.scalar) this.finishValue(i, h);
        continue;
      }
      const c = buf.charCodeAt(i);
      if (this.scalar) {
        // A bare scalar ends at whitespace or structure.
        if (isSpace(c) || c === 44 || c === 93 || c === 125 || c === 91 || c === 123 || c === 34) {
          this.finishValue(i, h);
          continue; // re-read this character between values
        }
        i++;
        continue;
      }
      switch (c) {
        case 34: // "
          if (this.start < 0) this.beginValue(i, false);
          this.inString = true;
          break;
        case 123: // {
        case 91: // [
          if (this.start < 0) {
            if (c === 91 && this.depth === 0 && !this.inArray) {
              this.inArray = true;
              this.depth = 1;
              break;
            }
            this.beginValue(i, false);
          }
          this.depth++;
          break;
        case 125: // }
        case 93: // ]
          if (this.start >= 0 && this.depth > this.baseDepth()) {
            this.depth--;
            if (this.depth === this.baseDepth()) this.finishValue(i + 1, h);
          } else if (this.inArray && this.depth === 1) {
            if (this.start >= 0) this.finishValue(i, h);
            this.inArray = false;
            this.depth = 0;
          } else {
            this.straySymbol(h);
          }
          break;
        case 44: // ,
          if (!(this.inArray && this.depth === 1) && this.start < 0) this.straySymbol(h);
          break;
        case 10:
          this.line++;
          break;
        default:
          if (!isSpace(c) && this.start < 0) {
            if (this.inArray || isScalarStart(c)) this.beginValue(i, true);
            else this.straySymbol(h);
          }
      }
      i++;
    }
    // Keep only the value being read.
    if (this.start >= 0) {
      this.buf = buf.slice(this.start);
      this.i = i - this.start;
      this.start = 0;
    } else {
      this.buf = '';
      this.i = 0;
    }
  }

  private baseDepth(): number {
    return this.inArray ? 1 : 0;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff;
}

function isScalarStart(c: number): boolean {
  return c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110;
}

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
