import { ZnakFlowError } from '../../lib/errors';
import type { CzDesk, DeskJournal } from '../../lib/cz/desk';
import { confirmTarget } from '../../lib/journal/ack';
import { journalKey } from '../../lib/journal/journal';
import type { SendResult } from '../../lib/journal/outbox';
import { confirmTo, czDesk, deskUser } from '../shared/desk';
import { migrate } from '../shared/migrate';
import { onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { passingReason } from '../shared/retry';
import { StatusHelper } from '../shared/status';
import type { NodeAPI, NodeMessage, RuntimeNode } from '../shared/types';
import { CZ_SEND_MIGRATIONS, sendSettingsSchema, type SendSettings } from './model';

interface CzMsg {
  type?: string;
  productGroup?: string;
  key?: string;
  part?: number;
  parts?: number;
  total?: number;
  [k: string]: unknown;
}

interface OnecMsg {
  entity?: string;
  ref?: string;
  dataVersion?: string;
  number?: string;
  date?: string;
  kind?: string;
  preset?: string;
  watch?: { connection?: string; node?: string };
}

function obj<T>(v: unknown): T | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : undefined;
}

/** Retry delays for failures that may pass (network, 5xx, 429, an interrupted send not yet checkable). */
const BACKOFF_MS = [2000, 5000, 10000, 30000, 60000];

/** Честный ЗНАК (or a check of the message) refused this document itself: retrying cannot help. */
function refusedDocument(err: unknown): boolean {
  return (
    err instanceof ZnakFlowError &&
    !err.retryable &&
    (err.source === 'cz' || err.source === 'input') &&
    err.code !== 'AUTH_FAILED' &&
    err.code !== 'ABORTED'
  );
}

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, 'cz-send', (node, def) => {
    const config = migrate(def, CZ_SEND_MIGRATIONS);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let services: DeskJournal | undefined;
    let conn: CzDesk | undefined;
    let closed = false;
    const timers = new Set<NodeJS.Timeout>();
    const retryMs = Math.max(0, Number(config['retryMinutes'] ?? 60)) * 60000;
    let offChange: (() => void) | undefined;
    let summaryTimer: NodeJS.Timeout | undefined;

    const showSummary = (): void => {
      if (!services || status.busy > 0) return;
      const s = services.journal.summary();
      status.set(s.rejected > 0 ? 'yellow' : 'green', 'dot', 'cz-send.status.summary', {
        sent: s.sent,
        pending: s.pending,
        rejected: s.rejected,
      });
    };

    const user = deskUser(node, status, () => showSummary());
    const ensure = (): { services: DeskJournal; conn: CzDesk } => {
      if (!services || !conn) {
        conn = czDesk(RED, config['connection']);
        conn.register(user);
        services = conn.journal();
        offChange = services.journal.onChange(() => {
          clearTimeout(summaryTimer);
          summaryTimer = setTimeout(showSummary, 500);
        });
      }
      return { services, conn };
    };
    try {
      ensure();
      showSummary();
    } catch (err) {
      status.set(
        'red',
        'ring',
        err instanceof ZnakFlowError && err.code === 'NO_CONNECTION'
          ? 'znakflow.status.no-connection'
          : 'znakflow.status.invalid-config',
      );
    }

    const sendWithRetries = async (s: SendSettings): Promise<SendResult> => {
      const { services: svc, conn: c } = ensure();
      const settleMs = Number(config['settleSeconds'] ?? 20) * 1000;
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const doc = {
            key: s.key,
            type: s.type,
            productGroup: s.productGroup,
            part: s.part,
            parts: s.parts,
            total: s.total,
            source: s.source,
            body: s.body,
            format: 'MANUAL' as const,
          };
          // the connection's send slots, shared by all its cz-send nodes (its `concurrency` setting)
          return await c.slots.run(() => svc.outbox.send(doc, s.signature, { settleMs }));
        } catch (err) {
          const retryable = err instanceof ZnakFlowError && err.retryable;
          if (!retryable || closed || Date.now() - started > retryMs) throw err;
          // Waiting on the journal only (an interrupted send not yet checkable, an earlier version
          // still processed) costs no request: look again every few seconds.
          const local = err.code === 'RECONCILE_WAIT' || err.code === 'EARLIER_VERSION_PENDING';
          const backoff = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 60000;
          const delay = local ? Math.min(backoff, 5000) : backoff;
          // what waits, for how long, and why (e.g. `ДМ00-000012: retry in 30 s (HTTP 503)`)
          status.progress('yellow', 'ring', 'cz-send.status.retrying', {
            key: s.source.number ?? s.key,
            seconds: Math.round(delay / 1000),
            reason: passingReason(err),
          });
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              timers.delete(t);
              resolve();
            }, delay);
            timers.add(t);
          });
          if (closed) throw err;
        }
      }
    };

    onInput<SendSettings>(node, status, {
      busyKey: 'cz-send.status.sending',
      async settings(msg: NodeMessage) {
        const cz = obj<CzMsg>(msg['cz']) ?? {};
        const onec = obj<OnecMsg>(msg['onec']) ?? {};
        const typed = await typedFields(RED, node, config, msg, ['documentType', 'productGroup']);
        const type = (typed['documentType'] as string) || cz.type || '';
        const { conn: c } = ensure();
        const productGroup =
          (typed['productGroup'] as string) || cz.productGroup || c.settings?.productGroup || '';
        const part = Number(cz.part ?? 1);
        const source = { ...onec, ref: onec.ref ?? '', dataVersion: onec.dataVersion ?? '' };
        let key = cz.key;
        if (!key) {
          if (!onec.ref || !onec.dataVersion) {
            throw new ZnakFlowError({
              code: 'NO_JOURNAL_KEY',
              field: 'msg.cz.key',
              ru: 'нужен msg.cz.key или msg.onec.ref и msg.onec.dataVersion: без них документ нельзя отправить ровно один раз',
              en: 'msg.cz.key, or msg.onec.ref with msg.onec.dataVersion, is required to send the document exactly once',
              source: 'input',
            });
          }
          key = journalKey(source, type, productGroup, part);
        }
        return {
          type,
          productGroup,
          key,
          part,
          parts: Number(cz.parts ?? 1),
          total: Number(cz.total ?? (msg.parts as { count?: number } | undefined)?.count ?? 1),
          body: msg.payload,
          signature: typeof msg['signature'] === 'string' ? msg['signature'] : undefined,
          authSignature: typeof msg['authSignature'] === 'string' ? msg['authSignature'] : undefined,
          source: {
            entity: source.entity,
            ref: source.ref || key,
            dataVersion: source.dataVersion || '',
            number: source.number,
            date: source.date,
            kind: source.kind,
            preset: source.preset,
          },
          ackTo: confirmTarget(onec.watch),
        };
      },
      schema: sendSettingsSchema,
      async run({ settings: s, msg, send }) {
        let r: SendResult;
        try {
          r = await sendWithRetries(s);
        } catch (err) {
          // A definite refusal of the document (a business error) is an outcome too: it goes to
          // Catch, and the document is not delivered again until 1C has a new version. Passing
          // failures, and failures that are not the document's (the sign-in, the signer, the
          // configuration, a redeploy), are not acknowledged: onec-read delivers the version again.
          if (refusedDocument(err)) {
            confirmTo(RED, s.ackTo, {
              ref: s.source.ref,
              dataVersion: s.source.dataVersion,
              key: s.key,
              total: s.total,
            });
          }
          throw err;
        }
        const cz = obj<CzMsg>(msg['cz']) ?? {};
        msg['cz'] = {
          ...cz,
          type: s.type,
          productGroup: s.productGroup,
          key: s.key,
          documentId: r.documentId,
          sentAt: r.sentAt,
          duplicate: r.duplicate,
          adopted: r.adopted,
          ...(r.earlier ? { sentVersion: r.earlier.dataVersion } : {}),
        };
        if (r.earlier?.changed) {
          node.warn(
            RED._('cz-send.warn.changedAfterSend', {
              number: s.source.number ?? s.source.ref,
              id: r.documentId,
              status: r.entry.status ?? r.entry.state,
            }),
          );
        }
        confirmTo(RED, s.ackTo, {
          ref: s.source.ref,
          dataVersion: s.source.dataVersion,
          key: s.key,
          total: s.total,
        });
        services?.poller.sent();
        send(r.duplicate ? [null, msg] : [msg, null]);
        return { statusKey: r.duplicate ? 'cz-send.status.duplicate' : 'cz-send.status.sent' };
      },
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      clearTimeout(summaryTimer);
      offChange?.();
      conn?.deregister(user);
      services = undefined;
      done();
    });
  });
};
