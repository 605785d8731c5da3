/**
 * The journal's housekeeping settings. The journal itself, its outbox, tracker and polling loop
 * belong to the cz-connection's desk (lib/cz/desk.ts).
 */
import type { NodeAPI } from './types';

/**
 * The journal's housekeeping from Node-RED's settings.js (optional):
 * `znakflow: { journalDays: 30, journalCompactLines: 5000 }` — how long finished documents stay in
 * the journal (and the sidebar), and how many superseded lines the file may gather before it is
 * rewritten with the live entries only. Keep `journalDays` longer than any onec-read look-back.
 */
export function journalHousekeeping(RED: NodeAPI): { days?: number; compactLines?: number } {
  const z = (RED.settings as { znakflow?: unknown }).znakflow;
  const o = z && typeof z === 'object' ? (z as Record<string, unknown>) : {};
  const positive = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  const lines = positive(o['journalCompactLines']);
  return {
    days: positive(o['journalDays']),
    compactLines: lines === undefined ? undefined : Math.ceil(lines),
  };
}
