/**
 * The service summaries of the deployed connections (the ЭДО Лайт and СУЗ sides a desk holds,
 * `DeskService.summary`, lib/cz/desk.ts), as the pack's journal endpoint serves them beside the documents
 * of each participant's journal, and their counters as metrics (README «Metrics / Метрики»).
 */
import { gauge, METRICS, resetGauge } from '../metrics';
import type { CzDesk, DeskServiceSummary } from './desk';
import { baseUrl } from './settings';

/** A deployed connection: its node id, its name in the flow and its desk. */
export interface DeskOf {
  id: string;
  name?: string;
  desk: CzDesk;
}

/** The service summaries of one connection. */
export interface ConnectionServices {
  /** the cz-connection node id */
  connection: string;
  /** its name in the flow (empty when it has none) */
  name: string;
  participantInn: string;
  /** the True API base the connection's journal is kept for (the journal's `stand`) */
  stand: string;
  services: DeskServiceSummary[];
}

/** Every connection with valid settings and at least one service that shows something. */
export function connectionServices(desks: readonly DeskOf[]): ConnectionServices[] {
  const out: ConnectionServices[] = [];
  for (const d of desks) {
    const s = d.desk.settings;
    if (!s || d.desk.state.kind === 'closed') continue;
    const services = d.desk.summaries();
    if (!services.length) continue;
    out.push({
      connection: d.id,
      name: d.name ?? '',
      participantInn: s.participantInn,
      stand: baseUrl(s),
      services,
    });
  }
  return out;
}

/** The services of the connections that keep the journal of (`participantInn`, `stand`). */
export function servicesOfJournal(
  all: readonly ConnectionServices[],
  participantInn: string,
  stand: string,
): Array<DeskServiceSummary & { connection: string; connectionName: string }> {
  return all
    .filter((c) => c.participantInn === participantInn && c.stand === stand)
    .flatMap((c) => c.services.map((s) => ({ ...s, connection: c.connection, connectionName: c.name })));
}

/**
 * `znakflow_service_counter{connection,kind,name}`: every counter of every summary, filled again from
 * the current state (a connection removed by a deploy leaves no stale series).
 */
export function exportServiceCounters(all: readonly ConnectionServices[]): void {
  resetGauge(METRICS.serviceCounter.name);
  for (const c of all) {
    for (const s of c.services) {
      for (const [name, value] of Object.entries(s.counters ?? {})) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        gauge('serviceCounter', { connection: c.name || c.connection, kind: s.kind, name }, value);
      }
    }
  }
}
