/**
 * The pack's editor plugin: the «Честный ЗНАК» sidebar tab and the admin endpoints behind it —
 * the journal of every deployed connection with the summaries of the services its desk holds
 * (ЭДО Лайт, СУЗ: lib/cz/summaries.ts), and metrics in Prometheus text format.
 * Both endpoints need the editor's read permission when adminAuth is on.
 */
import type { CzDesk } from '../../lib/cz/desk';
import {
  connectionServices,
  exportServiceCounters,
  servicesOfJournal,
  type ConnectionServices,
  type DeskOf,
} from '../../lib/cz/summaries';
import { journalView, openJournals, statusGroup, type StatusGroup } from '../../lib/journal/journal';
import { gauge, METRICS, renderPrometheus, resetGauge } from '../../lib/metrics';
import type { AdminRequest, AdminResponse, NodeAPI } from '../../nodes/shared/types';

interface PluginAPI extends NodeAPI {
  plugins: { registerPlugin(id: string, def: Record<string, unknown>): void };
  nodes: NodeAPI['nodes'] & { eachNode?(cb: (n: { id: string; type: string }) => void): void };
}

/** The desks of the deployed cz-connection nodes. */
function deployedDesks(RED: PluginAPI): DeskOf[] {
  const out: DeskOf[] = [];
  RED.nodes.eachNode?.((n) => {
    if (n.type !== 'cz-connection') return;
    const node = RED.nodes.getNode(n.id) as { desk?: CzDesk; name?: string } | null;
    if (node?.desk) out.push({ id: n.id, name: node.name, desk: node.desk });
  });
  return out;
}

function services(RED: PluginAPI): ConnectionServices[] {
  try {
    return connectionServices(deployedDesks(RED));
  } catch {
    return []; // the documents are served whatever a service does
  }
}

const GROUPS: readonly StatusGroup[] = ['all', 'pending', 'accepted', 'rejected', 'failed', 'unknown'];

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export = function (RED: PluginAPI): void {
  RED.plugins.registerPlugin('znakflow-sidebar', { type: 'znakflow-sidebar' });

  RED.httpAdmin.get(
    '/znakflow/journal',
    RED.auth.needsPermission('znakflow.read'),
    (req: AdminRequest, res: AdminResponse) => {
      const g = first(req.query['status']) ?? 'all';
      const group = (GROUPS as readonly string[]).includes(g) ? (g as StatusGroup) : 'all';
      const q = first(req.query['q']) ?? '';
      const limit = Math.max(1, Math.min(1000, Number(first(req.query['limit']) ?? 200) || 200));
      const withServices = services(RED);
      const journals: Array<Record<string, unknown>> = openJournals().map((j) => {
        // newest first; how many match the filter (up to 1 000 counted), the newest `limit` sent
        const matching = journalView(j, { group, q, limit: 1000 });
        return {
          participantInn: j.participantInn ?? '',
          stand: j.stand ?? '',
          summary: j.summary(),
          services: servicesOfJournal(withServices, j.participantInn ?? '', j.stand ?? ''),
          matching: matching.length,
          entries: matching.slice(0, limit).map((e) => ({
            key: e.key,
            group: statusGroup(e),
            state: e.state,
            status: e.status ?? null,
            type: e.type,
            productGroup: e.productGroup,
            part: e.part,
            parts: e.parts,
            number: e.source.number ?? null,
            date: e.source.date ?? null,
            entity: e.source.entity ?? null,
            ref: e.source.ref,
            documentId: e.documentId ?? null,
            sentAt: e.sentAt ?? null,
            errors: e.errors ?? [],
            lastError: e.lastError ?? null,
            attempts: e.attempts,
            updatedAt: e.updatedAt,
          })),
        };
      });
      // a connection whose services show something but whose journal is not open (no document sent)
      for (const c of withServices) {
        const seen = journals.some((j) => j['participantInn'] === c.participantInn && j['stand'] === c.stand);
        if (seen) continue;
        journals.push({
          participantInn: c.participantInn,
          stand: c.stand,
          summary: null,
          services: servicesOfJournal(withServices, c.participantInn, c.stand),
          matching: 0,
          entries: [],
        });
      }
      res.json({ journals });
    },
  );

  RED.httpAdmin.get(
    '/znakflow/metrics',
    RED.auth.needsPermission('znakflow.read'),
    (_req: AdminRequest, res: AdminResponse) => {
      resetGauge(METRICS.documents.name);
      for (const j of openJournals()) {
        const counts: Record<string, number> = {
          pending: 0,
          accepted: 0,
          rejected: 0,
          failed: 0,
          unknown: 0,
        };
        for (const e of j.all()) counts[statusGroup(e)] = (counts[statusGroup(e)] ?? 0) + 1;
        for (const [status, n] of Object.entries(counts)) {
          gauge('documents', { participant: j.participantInn ?? '', status }, n);
        }
      }
      exportServiceCounters(services(RED));
      res.type('text/plain; version=0.0.4; charset=utf-8').send(renderPrometheus());
    },
  );
};
