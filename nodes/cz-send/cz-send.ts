import { ZnakFlowError } from '../../lib/errors';
import { isRefusal, passingReason, RetryTimers, SEND_BACKOFF_MS } from '../../lib/retry';
import type { CzDesk, DeskJournal } from '../../lib/cz/desk';
import { sendableDocument, sendRequest, sentCz } from '../../lib/journal/send';
import type { SendResult } from '../../lib/journal/outbox';
import { confirmSettled, czDesk, deskUser } from '../shared/desk';
import { migrate } from '../shared/migrate';
import { onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { StatusHelper } from '../shared/status';
import type { NodeAPI, NodeMessage, RuntimeNode } from '../shared/types';
import {
  CZ_SEND_DEFAULTS,
  CZ_SEND_MIGRATIONS,
  CZ_SEND_NODE,
  sendSettingsSchema,
  type SendSettings,
} from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, CZ_SEND_NODE, (node, def) => {
    const config = migrate(def, CZ_SEND_MIGRATIONS);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let services: DeskJournal | undefined;
    let conn: CzDesk | undefined;
    // Failures that may pass are tried again within the window (the journal makes it exactly once).
    const retries = new RetryTimers();
    const retryMs = Math.max(0, Number(config['retryMinutes'] ?? CZ_SEND_DEFAULTS.retryMinutes)) * 60000;
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
      const settleMs = Number(config['settleSeconds'] ?? CZ_SEND_DEFAULTS.settleSeconds) * 1000;
      const doc = sendableDocument(s);
      return retries.run(
        // the connection's send slots, shared by all its cz-send nodes (its `concurrency` setting)
        () => c.slots.run(() => svc.outbox.send(doc, s.signature, { settleMs })),
        {
          windowMs: retryMs,
          window: 'elapsed',
          backoffMs: SEND_BACKOFF_MS,
          onWait(err, delay) {
            // what waits, for how long, and why (e.g. `ДМ00-000012: retry in 30 s (HTTP 503)`)
            status.progress('yellow', 'ring', 'cz-send.status.retrying', {
              key: s.source.number ?? s.key,
              seconds: Math.round(delay / 1000),
              reason: passingReason(err),
            });
          },
        },
      );
    };

    onInput<SendSettings>(node, status, {
      busyKey: 'cz-send.status.sending',
      async settings(msg: NodeMessage) {
        const typed = await typedFields(RED, node, config, msg, ['documentType', 'productGroup']);
        const { conn: c } = ensure();
        return sendRequest(msg, {
          documentType: typed['documentType'] as string,
          productGroup: typed['productGroup'] as string,
          connectionProductGroup: c.settings?.productGroup,
        });
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
          if (isRefusal(err)) confirmSettled(RED, s);
          throw err;
        }
        msg['cz'] = sentCz(msg['cz'], s, r);
        if (r.earlier?.changed) {
          node.warn(
            RED._('cz-send.warn.changedAfterSend', {
              number: s.source.number ?? s.source.ref,
              id: r.documentId,
              status: r.entry.status ?? r.entry.state,
            }),
          );
        }
        confirmSettled(RED, s);
        services?.poller.sent();
        send(r.duplicate ? [null, msg] : [msg, null]);
        return { statusKey: r.duplicate ? 'cz-send.status.duplicate' : 'cz-send.status.sent' };
      },
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      retries.close();
      clearTimeout(summaryTimer);
      offChange?.();
      conn?.deregister(user);
      services = undefined;
      done();
    });
  });
};
