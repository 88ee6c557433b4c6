/**
 * Splits pushed text chunks into complete lines, tracking 1-based line numbers.
 * Handles \n and \r\n; a chunk may end anywhere, including between \r and \n.
 */
export class LineSplitter {
  private rest = '';
  private lineNo = 0;

  /** Calls `onLine` for each complete line in `text` (plus what was carried over). */
  push(text: string, onLine: (line: string, lineNo: number) => void): void {
    let buf = this.rest.length > 0 ? this.rest + text : text;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.lineNo++;
      onLine(buf.slice(start, end), this.lineNo);
      start = nl + 1;
    }
    this.rest = start === 0 ? buf : buf.slice(start);
    buf = '';
  }

  /** Flushes a last line that had no newline. */
  end(onLine: (line: string, lineNo: number) => void): void {
    if (this.rest.length > 0) {
      let line = this.rest;
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      this.rest = '';
      this.lineNo++;
      onLine(line, this.lineNo);
    }
  }
}
