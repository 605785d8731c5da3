/**
 * The pack's editor plugin: the «Честный ЗНАК» sidebar tab and the admin endpoints behind it —
 * the journal of every deployed connection, and metrics in Prometheus text format.
 * Both endpoints need the editor's read permission when adminAuth is on.
 */
import { journalView, openJournals, statusGroup, type StatusGroup } from '../../lib/journal/journal';
import { gauge, METRICS, renderPrometheus, resetGauge } from '../../lib/metrics';
import type { AdminRequest, AdminResponse, NodeAPI } from '../../nodes/shared/types';

interface PluginAPI extends NodeAPI {
  plugins: { registerPlugin(id: string, def: Record<string, unknown>): void };
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
      const journals = openJournals().map((j) => {
        // newest first; how many match the filter (up to 1 000 counted), the newest `limit` sent
        const matching = journalView(j, { group, q, limit: 1000 });
        return {
          participantInn: j.participantInn ?? '',
          stand: j.stand ?? '',
          summary: j.summary(),
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
      res.type('text/plain; version=0.0.4; charset=utf-8').send(renderPrometheus());
    },
  );
};
