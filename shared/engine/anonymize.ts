/**
 * Anonymization of user and device names in every view and export: each real
 * name gets a stable pseudonym ("User-3F2A9C", "Device-81BD0E"), derived from a
 * hash so the same name reads the same across screens and sessions. Revealing
 * the real name behind a pseudonym is an explicit act, recorded in the audit log
 * by the caller.
 */

import type { SignalRow } from '../export/reports';
import { hashKey } from './import';
import type { Tables } from './query';
import type { HistoryRow } from './views';

export type PseudonymKind = 'User' | 'Device';

export class Pseudonyms {
  private readonly toReal = new Map<string, string>();

  of(kind: PseudonymKind, real: string): string {
    const p = `${kind}-${hashKey(`${kind}\u0000${real}`).toString(16).slice(-6).toUpperCase().padStart(6, '0')}`;
    this.toReal.set(p, real);
    return p;
  }

  /** The real name behind a pseudonym this table has handed out; undefined when unknown. */
  real(pseudonym: string): string | undefined {
    return this.toReal.get(pseudonym);
  }
}

/** Replaces device and user names (and device ids) in the computed tables, in place. */
export function anonymizeTables(t: Tables, p: Pseudonyms): void {
  for (const d of t.devices) {
    const pseudo = p.of('Device', d.key);
    d.key = pseudo;
    d.name = pseudo;
    d.deviceId = null;
  }
  for (const u of t.users) u.user = p.of('User', u.user);
}

/**
 * Signals about one device with the device named by its pseudonym (entity, the description it opens, its key), as
 * copies: one risk base's signal rows serve every window.
 */
export function anonymizeSignals(signals: readonly SignalRow[], p: Pseudonyms): SignalRow[] {
  return signals.map((s) => {
    if (s.device === undefined) return s;
    const pseudo = p.of('Device', s.device);
    const description = s.description.startsWith(s.entity)
      ? `${pseudo}${s.description.slice(s.entity.length)}`
      : s.description;
    return { ...s, entity: pseudo, device: pseudo, description };
  });
}

export function anonymizeHistory(rows: HistoryRow[], kind: PseudonymKind, p: Pseudonyms): HistoryRow[] {
  return rows.map((r) => ({ ...r, value: p.of(kind, r.value) }));
}
