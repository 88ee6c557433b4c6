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
 *
 * Only the new chunk is ever scanned; a value or line spanning chunks is kept as
 * a list of parts and joined once, so a single 200 MB value (a one-line API
 * answer) costs linear time, not a re-scan of everything so far per chunk.
 */

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
  // Before the mode is known: the text so far, and the first non-blank character.
  private pending: string[] = [];
  private firstChar = 0;
  // Lines mode
  private lineParts: string[] = [];
  private lineNo = 0;
  // Structural mode
  private depth = 0;
  private inString = false;
  /** Backslashes ending the previous chunk inside a string (they may escape a quote in this one). */
  private carriedSlashes = 0;
  private inArray = false;
  /** A value is being read; its text so far from earlier chunks is in `valueParts`. */
  private inValue = false;
  private valueParts: string[] = [];
  private startRow = 0;
  /** The value being read is a bare scalar (number, literal, garbage) at the base depth. */
  private scalar = false;
  private line = 1;
  private index = 0;
  /** A run of stray characters between values, reported once per line. */
  private garbageLine = 0;

  push(text: string, h: JsonScanHandler): void {
    if (text.length === 0) return;
    if (this.mode === Mode.Unknown) {
      this.pending.push(text);
      if (!this.decide(text, false)) return;
      const all = this.pending.join('');
      this.pending = [];
      this.feed(all, h);
      return;
    }
    this.feed(text, h);
  }

  end(h: JsonScanHandler): void {
    if (this.mode === Mode.Unknown) {
      this.decide('', true);
      const all = this.pending.join('');
      this.pending = [];
      this.feed(all, h);
    }
    if (this.mode === Mode.Lines) {
      if (this.lineParts.length > 0) {
        const line = this.lineParts.join('');
        this.lineParts = [];
        this.onLine(line, ++this.lineNo, h);
      }
      return;
    }
    if (this.inValue) {
      const text = this.valueParts.join('');
      this.valueParts = [];
      this.inValue = false;
      this.parseValue(text, this.startRow, h, 'truncated JSON');
    }
  }

  /** Picks the mode once the first non-blank line is complete (or at the end). */
  private decide(text: string, atEnd: boolean): boolean {
    let from = 0;
    if (this.firstChar === 0) {
      while (from < text.length && isSpace(text.charCodeAt(from))) from++;
      if (from < text.length) this.firstChar = text.charCodeAt(from);
    }
    if (this.firstChar === 0) {
      if (atEnd) this.mode = Mode.Structural;
      return atEnd;
    }
    if (this.firstChar === 91 /* [ */) {
      // An array is always read element by element, even on one line: it may be huge.
      this.mode = Mode.Structural;
      return true;
    }
    if (!atEnd && text.indexOf('\n', from) < 0) return false;
    const all = this.pending.join('');
    this.pending = [all];
    let p = 0;
    while (p < all.length && isSpace(all.charCodeAt(p))) p++;
    const nl = all.indexOf('\n', p);
    const first = all.slice(p, nl < 0 ? all.length : nl).trim();
    const lines =
      this.firstChar === 123 /* { */
        ? first.charCodeAt(first.length - 1) === 125 /* } */ || parses(first)
        : parses(first);
    this.mode = lines ? Mode.Lines : Mode.Structural;
    return true;
  }

  private feed(text: string, h: JsonScanHandler): void {
    if (text.length === 0) return;
    if (this.mode === Mode.Lines) this.lines(text, h);
    else this.scan(text, h);
  }

  private lines(text: string, h: JsonScanHandler): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      let line = text.slice(start, nl);
      if (this.lineParts.length > 0) {
        this.lineParts.push(line);
        line = this.lineParts.join('');
        this.lineParts = [];
      }
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      this.onLine(line, ++this.lineNo, h);
      start = nl + 1;
    }
    if (start < text.length) this.lineParts.push(text.slice(start));
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

  private straySymbol(h: JsonScanHandler): void {
    if (this.garbageLine !== this.line) {
      this.garbageLine = this.line;
      h.bad(this.line, 'not JSON');
    }
  }

  private scan(text: string, h: JsonScanHandler): void {
    const n = text.length;
    let i = 0;
    /** Start in `text` of the current value's text (0 when it began in an earlier chunk). */
    let vs = 0;
    const begin = (at: number, scalar: boolean) => {
      this.inValue = true;
      this.scalar = scalar;
      this.startRow = this.inArray ? ++this.index : this.line;
      vs = at;
    };
    const finish = (endExclusive: number) => {
      let t = text.slice(vs, endExclusive);
      if (this.valueParts.length > 0) {
        this.valueParts.push(t);
        t = this.valueParts.join('');
        this.valueParts = [];
      }
      this.inValue = false;
      this.scalar = false;
      this.parseValue(t, this.startRow, h, 'invalid JSON');
    };
    while (i < n) {
      if (this.inString) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          let run = 0;
          for (let k = n - 1; k >= i && text.charCodeAt(k) === 92; k--) run++;
          this.carriedSlashes = run === n - i ? this.carriedSlashes + run : run;
          i = n;
          break;
        }
        let run = 0;
        for (let k = q - 1; k >= i && text.charCodeAt(k) === 92; k--) run++;
        if (run === q - i) run += this.carriedSlashes;
        this.carriedSlashes = 0;
        i = q + 1;
        if ((run & 1) === 1) continue; // escaped quote
        this.inString = false;
        if (this.inValue && !this.scalar && this.depth === this.baseDepth()) finish(i);
        continue;
      }
      const c = text.charCodeAt(i);
      if (this.scalar) {
        // A bare scalar ends at whitespace or structure; that character is then read again.
        if (isSpace(c) || c === 44 || c === 93 || c === 125 || c === 91 || c === 123 || c === 34) {
          finish(i);
          continue;
        }
        i++;
        continue;
      }
      switch (c) {
        case 34: // "
          if (!this.inValue) begin(i, false);
          this.inString = true;
          this.carriedSlashes = 0;
          break;
        case 123: // {
        case 91: // [
          if (!this.inValue) {
            if (c === 91 && this.depth === 0 && !this.inArray) {
              this.inArray = true;
              this.depth = 1;
              break;
            }
            begin(i, false);
          }
          this.depth++;
          break;
        case 125: // }
        case 93: // ]
          if (this.inValue && this.depth > this.baseDepth()) {
            this.depth--;
            if (this.depth === this.baseDepth()) finish(i + 1);
          } else if (this.inArray && this.depth === 1) {
            if (this.inValue) finish(i);
            this.inArray = false;
            this.depth = 0;
          } else {
            this.straySymbol(h);
          }
          break;
        case 44: // ,
          if (!(this.inArray && this.depth === 1) && !this.inValue) this.straySymbol(h);
          break;
        case 10:
          this.line++;
          break;
        default:
          if (!isSpace(c) && !this.inValue) {
            if (this.inArray || isScalarStart(c)) begin(i, true);
            else this.straySymbol(h);
          }
      }
      i++;
    }
    if (this.inValue) this.valueParts.push(vs === 0 ? text : text.slice(vs));
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
