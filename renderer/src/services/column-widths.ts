/**
 * Column widths for the virtualized tables. Their rows are laid out one by one (each row its own grid, placed by
 * itself), so the browser cannot size a column from its cells as a table does: the widths are measured here from
 * the header and the cells' text as pages of rows arrive, and only ever grow, so a column does not jump while the
 * analyst scrolls.
 */

export type ColumnKind = 'text' | 'count' | 'bytes' | 'time' | 'score' | 'tags' | 'risk';

export interface SizedColumn {
  label: string;
  kind: ColumnKind;
  /**
   * For a text column, how much of its widest text it keeps before the table scrolls sideways (CSS pixels,
   * "220px"; FLOOR_CAP when absent): a longer name is cut with an ellipsis when the table is narrow.
   */
  width?: string;
}

/** The width of a text in CSS pixels, in the header's font or in the cells'. */
export type Measure = (text: string, header: boolean) => number;

/** Left and right padding of a cell (VirtualRows.vue: 8px each side), and a pixel for rounding. */
export const CELL_PADDING = 17;
/** What the sorted column's header keeps for its arrow (" ▼"); the others keep nothing for it. */
export const SORT_ARROW = 16;
/**
 * A text column is never narrower than TEXT_MIN, keeps its widest text up to its `width` (FLOOR_CAP when absent)
 * and asks for no more than TEXT_CAP when there is room: a longer name is cut with an ellipsis (whole on hover).
 */
export const TEXT_MIN = 60;
export const FLOOR_CAP = 160;
export const TEXT_CAP = 320;
/** How many of a page's longest texts of a text column are measured (by length; the rest cannot be wider by much). */
const SAMPLE = 3;

/**
 * Kinds holding words: they share the table's spare width and cut a long text with an ellipsis (whole on hover,
 * table-rows.ts); the others are as wide as their widest text.
 */
export const WORDS = new Set<ColumnKind>(['text', 'tags']);

/**
 * The starting widths: each column's header, which may wrap between words (so its longest word, and the arrow
 * of column `sorted`); a text column at least TEXT_MIN.
 */
export function headerWidths(columns: readonly SizedColumn[], measure: Measure, sorted = -1): number[] {
  return columns.map((c, i) => {
    const word = Math.max(...c.label.split(/\s+/).map((w) => Math.ceil(measure(w, true))));
    return Math.max(word + (i === sorted ? SORT_ARROW : 0) + CELL_PADDING, WORDS.has(c.kind) ? TEXT_MIN : 0);
  });
}

/**
 * Widths grown to fit `rows` (each row's cell texts, in column order); null when none grew. A text column grows to
 * TEXT_CAP at most.
 */
export function grownWidths(
  widths: readonly number[],
  columns: readonly SizedColumn[],
  rows: readonly (readonly string[])[],
  measure: Measure,
): number[] | null {
  let out: number[] | null = null;
  columns.forEach((c, i) => {
    let w = 0;
    for (const t of WORDS.has(c.kind) ? longestTexts(rows, i) : distinctShapes(rows, i)) {
      w = Math.max(w, Math.ceil(measure(t, false)) + CELL_PADDING);
    }
    if (WORDS.has(c.kind)) w = Math.min(w, TEXT_CAP);
    if (w > widths[i]) {
      out ??= [...widths];
      out[i] = w;
    }
  });
  return out;
}

function longestTexts(rows: readonly (readonly string[])[], col: number): string[] {
  const top: string[] = [];
  for (const r of rows) {
    const t = r[col] ?? '';
    if (top.length < SAMPLE) {
      top.push(t);
      top.sort((a, b) => b.length - a.length);
    } else if (t.length > top[SAMPLE - 1].length) {
      top[SAMPLE - 1] = t;
      top.sort((a, b) => b.length - a.length);
    }
  }
  return top;
}

/**
 * A column of figures, times or levels: its texts with every digit a zero (as wide as tabular figures are), each
 * shape once — few ("0.0 KB", "0000 B", "00 Sept 0000, 00:00"), and of the same length but not the same width.
 */
function distinctShapes(rows: readonly (readonly string[])[], col: number): Set<string> {
  const shapes = new Set<string>();
  for (const r of rows) shapes.add((r[col] ?? '').replace(/[0-9]/g, '0'));
  return shapes;
}

/**
 * The CSS `grid-template-columns` every row shares, and the table's minimum width (narrower, it scrolls sideways):
 * figures, times and levels as wide as their widest text; text columns keep theirs up to their `width` and share
 * the rest in proportion to it.
 */
export function gridTemplate(
  columns: readonly SizedColumn[],
  widths: readonly number[],
): { template: string; minWidth: number } {
  let minWidth = 0;
  const tracks = columns.map((c, i) => {
    if (!WORDS.has(c.kind)) {
      minWidth += widths[i];
      return `${widths[i]}px`;
    }
    const floor = Math.min(widths[i], Number.parseFloat(c.width ?? '') || FLOOR_CAP);
    minWidth += floor;
    return `minmax(${floor}px, ${widths[i]}fr)`;
  });
  return { template: tracks.join(' '), minWidth };
}
