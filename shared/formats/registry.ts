/**
 * Every format the importer knows, and detection from content (never the file
 * name): each format sniffs the head of the text and the most confident wins.
 */
import type { FormatDefinition, FormatId } from './types';

const formats: FormatDefinition[] = [];

/** Adds formats to the registry (called once by `formats/index.ts`). */
export function registerFormats(defs: FormatDefinition[]): void {
  for (const d of defs) if (!formats.some((f) => f.id === d.id)) formats.push(d);
}

export function allFormats(): readonly FormatDefinition[] {
  return formats;
}

export function formatById(id: FormatId | string): FormatDefinition | undefined {
  return formats.find((f) => f.id === id);
}

export interface Detection {
  format: FormatDefinition | null;
  /** Every format tried with its confidence, best first (for the "unknown format" message). */
  scores: { id: FormatId; label: string; score: number }[];
}

export function detectFormat(head: string): Detection {
  const scores = formats
    .map((f) => {
      let score = 0;
      try {
        score = f.sniff(head);
      } catch {
        score = 0;
      }
      return { id: f.id, label: f.label, score, f };
    })
    .sort((a, b) => b.score - a.score);
  const best = scores[0];
  return {
    format: best && best.score > 0 ? best.f : null,
    scores: scores.map(({ id, label, score }) => ({ id, label, score })),
  };
}
