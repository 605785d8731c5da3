import { ZnakFlowError } from '../../lib/errors';
import { passingReason, RetryTimers, SEND_BACKOFF_MS } from '../../lib/retry';
import type { CzDesk } from '../../lib/cz/desk';
import { edoDesk, type EdoService } from '../../lib/edo/desk';
import { isUpdRefusal, saleUpds, sendPart, updMessage } from '../../lib/edo/send';
import { confirmTarget } from '../../lib/journal/ack';
import { onecOf } from '../../lib/message';
import { confirmTo, czDesk, deskUser } from '../shared/desk';
import { migrate } from '../shared/migrate';
import { onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { StatusHelper } from '../shared/status';
import type { NodeAPI, NodeMessage, RuntimeNode } from '../shared/types';
import {
  EDO_SEND_DEFAULTS,
  EDO_SEND_MIGRATIONS,
  EDO_SEND_NODE,
  edoSendSettingsSchema,
  rawSettings,
  type EdoSendNodeSettings,
} from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, EDO_SEND_NODE, (node, def) => {
    const config = migrate(def, EDO_SEND_MIGRATIONS);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let desk: CzDesk | undefined;
    let svc: EdoService | undefined;
    const retries = new RetryTimers();
    const retryMs = Math.max(0, Number(config['retryMinutes'] ?? EDO_SEND_DEFAULTS.retryMinutes)) * 60000;
    let offChange: (() => void) | undefined;
    let summaryTimer: NodeJS.Timeout | undefined;

    const showSummary = (): void => {
      if (!svc || status.busy > 0) return;
      const summary = svc.summary();
      const s = summary.counters ?? {};
      // yellow: rejected УПД, or the yearly limit of the ЭДО Лайт API near
      const fill = (s['rejected'] ?? 0) > 0 || summary.warning ? 'yellow' : 'green';
      status.set(fill, 'dot', 'edo-send.status.summary', {
        sent: s['outgoingThisYear'] ?? 0,
        limit: s['limit'] ?? 0,
        pending: s['pending'] ?? 0,
        rejected: s['rejected'] ?? 0,
      });
    };
    const user = deskUser(node, status, () => showSummary());
    const ensure = (): { desk: CzDesk; svc: EdoService } => {
      if (!desk || !svc) {
        const d = czDesk(RED, config['connection']);
        d.register(user);
        desk = d;
        svc = edoDesk(d);
        offChange = svc.journal.onChange(() => {
          clearTimeout(summaryTimer);
          summaryTimer = setTimeout(showSummary, 500);
        });
      }
      return { desk, svc };
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

    onInput<EdoSendNodeSettings>(node, status, {
      busyKey: 'edo-send.status.sending',
      async settings(msg: NodeMessage) {
        const typed = await typedFields(RED, node, config, msg, ['updFunction', 'signerPosition']);
        return rawSettings(config, typed);
      },
      schema: edoSendSettingsSchema,
      async run({ settings, msg, send }) {
        const { desk: d, svc: s } = ensure();
        const sale = await saleUpds(s, d.signer(), msg.payload, msg['onec'], settings);
        const count = sale.parts.length;
        // the version's documents down every route (furs go by LP_SHIP_GOODS on another branch)
        const total = sale.total;
        const partsId = count > 1 ? RED.util.generateId() : '';
        const ackTo = confirmTarget(onecOf(msg).watch);
        const ack = (key: string): void => {
          confirmTo(RED, ackTo, { ref: sale.source.ref, dataVersion: sale.source.dataVersion, key, total });
        };
        let sent = 0;
        let invalid = 0;
        for (const [index, p] of sale.parts.entries()) {
          const out = count === 1 ? msg : RED.util.cloneMessage(msg);
          if (count > 1) {
            const outer = msg.parts;
            out.parts = {
              id: partsId,
              index,
              count,
              type: 'array',
              len: 1,
              ...(outer ? { parts: outer } : {}),
            };
          }
          if (p.errors.length > 0 || !p.bytes) {
            send([null, updMessage(out, sale, p, total)]);
            invalid++;
            continue;
          }
          let r;
          try {
            r = await retries.run(() => d.slots.run(() => sendPart(s, sale, p)), {
              windowMs: retryMs,
              window: 'elapsed',
              backoffMs: SEND_BACKOFF_MS,
              onWait(err, delay) {
                status.progress('yellow', 'ring', 'edo-send.status.retrying', {
                  key: p.number || p.key,
                  seconds: Math.round(delay / 1000),
                  reason: passingReason(err),
                });
              },
            });
          } catch (err) {
            // a refusal of the document is an outcome (to Catch); a passing failure is not confirmed:
            // onec-read delivers the version again and the journal sends the same file
            if (isUpdRefusal(err)) ack(p.key);
            throw err;
          }
          ack(p.key);
          send([updMessage(out, sale, p, total, r), null]);
          sent++;
        }
        if (invalid > 0) {
          status.set('yellow', 'ring', 'edo-send.status.invalid', { sent, invalid });
          return { statusSet: true };
        }
        return { statusKey: 'edo-send.status.sent', statusVars: { sent } };
      },
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      retries.close();
      clearTimeout(summaryTimer);
      offChange?.();
      desk?.deregister(user);
      desk = undefined;
      svc = undefined;
      done();
    });
  });
};
