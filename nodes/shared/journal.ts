/**
 * The journal, outbox and status tracker of one cz-connection, shared by every cz-send and
 * cz-status node that uses it, plus one status-polling loop per connection (several cz-status nodes
 * never poll Честный ЗНАК twice for the same documents).
 */
import { baseUrl } from '../../lib/cz/settings';
import { journalApi } from '../../lib/cz/journal-api';
import { Journal, journalFile, type JournalEntry } from '../../lib/journal/journal';
import { Outbox } from '../../lib/journal/outbox';
import { StatusTracker, type Outcome } from '../../lib/journal/tracker';
import { stateDir } from '../../lib/store/atomic';
import type { CzConnectionNode } from '../cz-connection/model';
import type { NodeAPI } from './types';

export interface PollSubscriber {
  intervalMs: number;
  /** extra entries to follow besides the journal's pending ones (none today) */
  onOutcomes(outcomes: Outcome[]): void;
  onError(err: unknown): void;
  onIdle?(pending: JournalEntry[]): void;
}

export interface JournalServices {
  journal: Journal;
  outbox: Outbox;
  tracker: StatusTracker;
  subscribe(sub: PollSubscriber): () => void;
  /** poll now (e.g. after a send), coalesced with a poll already running */
  pollSoon(): void;
  release(): void;
}

interface Shared extends JournalServices {
  refs: number;
}

const byConnection = new WeakMap<CzConnectionNode, Shared>();

export interface JournalSettings {
  /** reconcile an interrupted send only after this delay (ms) */
  settleMs?: number;
  horizonDays?: number;
}

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

export function journalServices(
  RED: NodeAPI,
  conn: CzConnectionNode,
  opts: JournalSettings = {},
): JournalServices {
  const existing = byConnection.get(conn);
  if (existing) {
    existing.refs++;
    return existing;
  }
  const client = conn.client();
  const settings = conn.settings;
  if (!settings) throw conn.problem ?? new Error('cz-connection has no settings');
  const file = journalFile(stateDir(RED.settings.userDir), baseUrl(settings), settings.participantInn);
  const housekeeping = journalHousekeeping(RED);
  const journal = Journal.open(file, {
    participantInn: settings.participantInn,
    stand: baseUrl(settings),
    horizonMs: (opts.horizonDays ?? housekeeping.days ?? 30) * 86400000,
    compactSlack: housekeeping.compactLines,
  });
  const api = journalApi(client);
  const outbox = new Outbox(journal, api, { settleMs: opts.settleMs });
  const tracker = new StatusTracker(journal, api);
  const subs = new Set<PollSubscriber>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const interval = (): number => Math.min(...[...subs].map((s) => s.intervalMs));
  const schedule = (ms: number): void => {
    if (closed || subs.size === 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => void pollNow(), ms);
  };
  const pollNow = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        const pending = journal.pending();
        if (pending.length > 0) {
          const outcomes = await tracker.poll(pending);
          for (const s of subs) s.onOutcomes(outcomes);
        }
        for (const s of subs) s.onIdle?.(journal.pending());
      } catch (err) {
        for (const s of subs) s.onError(err);
      }
    })();
    await running;
    running = undefined;
    if (again) {
      again = false;
      schedule(50);
    } else schedule(interval());
  };

  const shared: Shared = {
    refs: 1,
    journal,
    outbox,
    tracker,
    subscribe(sub) {
      subs.add(sub);
      schedule(Math.min(sub.intervalMs, 500));
      return () => {
        subs.delete(sub);
        if (subs.size === 0) clearTimeout(timer);
      };
    },
    pollSoon() {
      if (subs.size > 0 && !running) schedule(Math.min(interval(), 1000));
    },
    release() {
      shared.refs--;
      if (shared.refs <= 0) {
        closed = true;
        clearTimeout(timer);
        subs.clear();
        byConnection.delete(conn);
        journal.release();
      }
    },
  };
  byConnection.set(conn, shared);
  return shared;
}
