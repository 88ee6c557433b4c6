/**
 * The app score bands of the dashboard's App risk overview and of the Discovered apps Score filter, one definition
 * for both (scores have one decimal: a band holds the scores from `min` up to, not including, `max`).
 */
export const SCORE_BANDS = [
  { id: 'high', label: 'High risk (0–3)', min: 0, max: 3.95 },
  { id: 'medium', label: 'Medium risk (4–6)', min: 3.95, max: 6.95 },
  { id: 'low', label: 'Low risk (7–10)', min: 6.95, max: 10.01 },
] as const;

export type ScoreBand = (typeof SCORE_BANDS)[number];

/** The band of that id, or null. */
export function scoreBandOf(id: string | null | undefined): ScoreBand | null {
  return SCORE_BANDS.find((b) => b.id === id) ?? null;
}

/** Whether a score lies in a band (an unidentified app, no score, lies in none). */
export function inScoreBand(score: number | null, band: ScoreBand): boolean {
  return score !== null && score >= band.min && score < band.max;
}
