/**
 * What every exporter hands back: named files, as text or bytes, ready for a
 * native save dialog, a browser download, a zip or a folder on disk.
 */

export interface ExportFile {
  /** File name, no folders: `indicators-001.csv`, `report.html`. */
  name: string;
  mime: string;
  content: string | Uint8Array;
}

/** Who made an export and when, for header comments and report footers. */
export interface ExportStamp {
  /** UTC epoch ms. */
  generatedAt: number;
  /** Product and version, e.g. "Cloudscope 0.1.0". */
  generator: string;
}

export const DEFAULT_GENERATOR = 'Cloudscope';

/**
 * User text (app names, tags) made safe for a one-line comment in a generated
 * script: control characters and the JavaScript line terminators U+2028/U+2029,
 * which would end a `//` comment in a PAC file, become spaces.
 */
export function oneLine(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 ? ' ' : ch;
  }
  return out.replace(/\s+/g, ' ').trim();
}
