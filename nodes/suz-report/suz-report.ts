import { setMaxListeners } from 'node:events';
import { z } from 'zod';
import type { CzDesk } from '../../lib/cz/desk';
import { ZnakFlowError } from '../../lib/errors';
import { AckTracker } from '../../lib/journal/ack';
import { withSuz } from '../../lib/message';
import { passingReason, RetryTimers, SEND_BACKOFF_MS } from '../../lib/retry';
import { suzService, type SuzDeskService } from '../../lib/suz/desk';
import { reportKey } from '../../lib/suz/journal';
import { reportMeta, reportRequestOf, type ReportRequest } from '../../lib/suz/report';
import { czDesk, deskUser } from '../shared/desk';
import { portsLeadingTo } from '../shared/graph';
import { migrate } from '../shared/migrate';
import { onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { checkedConfig, startOrShow } from '../shared/start';
import { StatusHelper } from '../shared/status';
import type { NodeAPI, RuntimeNode } from '../shared/types';
import { reportPort, SUZ_REPORT_MIGRATIONS, SUZ_REPORT_NODE, suzReportConfigSchema } from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, SUZ_REPORT_NODE, (node, def) => {
    const raw = migrate(def, SUZ_REPORT_MIGRATIONS);
    const { config, problem } = checkedConfig(suzReportConfigSchema, raw);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    const controller = new AbortController();
    // every report in flight listens to it until it settles: many blocks at once are not a leak
    setMaxListeners(0, controller.signal);
    const user = deskUser(node, status);
    const retries = new RetryTimers();
    let desk: CzDesk | undefined;
    let service: SuzDeskService | undefined;
    let offAck: (() => void) | undefined;
    // Confirmations of outcomes from down the flow (cz-send: the introduction journalled; onec-write:
    // written), counted per report over the documents they became (msg.cz.total)
    const acks = new AckTracker();
    /** Is a node that confirms (cz-send, onec-write) down this output? */
    const confirming = portsLeadingTo(RED, node, ['cz-send', 'onec-write']);

    const ensure = (): SuzDeskService => {
      if (service && !service.isClosed) return service;
      desk ??= czDesk(RED, raw['connection']);
      desk.register(user);
      service = suzService(desk);
      const journal = service.journal;
      offAck?.();
      offAck = desk.confirmations.register(node.id, (a) => {
        if (acks.add(a)) journal.markAwaiting(a.ref, false);
      });
      return service;
    };
    startOrShow(node, status, problem, () => void ensure());

    onInput(node, status, {
      busyKey: 'suz-report.status.sending',
      async settings(msg) {
        if (!config) throw problem;
        const t = await typedFields(RED, node, raw, msg, ['codes', 'productGroup', 'reportId']);
        ensure();
        return {
          request: reportRequestOf(msg, t['codes'], {
            kind: config.kind,
            productGroup: (t['productGroup'] as string) || undefined,
            utilisationType: config.utilisationType,
            dropoutReason: config.dropoutReason,
            participantInn: desk?.settings?.participantInn ?? '',
            connectionGroup: desk?.settings?.productGroup,
            id: typeof t['reportId'] === 'string' ? t['reportId'] : undefined,
          }),
        };
      },
      schema: z.object({ request: z.custom<ReportRequest>() }),
      async run({ settings: { request: r }, msg, send }) {
        const c = config as NonNullable<typeof config>;
        const s = ensure();
        await s.ready({ signal: controller.signal });
        const orders = s.orders({ pollMs: c.pollSeconds * 1000, reportSettleMs: c.settleSeconds * 1000 });
        // a failure that passes (the station away, 429, a lost answer the journal cannot place yet) is
        // tried again within the wait for the outcome: the journal makes the repeat send nothing twice
        const e = await retries.run(
          () =>
            s.exclusive(reportKey(r.kind, r.id), () =>
              orders.report(r.kind, r.id, r.body, {
                signal: controller.signal,
                waitFinalMs: c.waitMinutes * 60000,
                // marked in the same journal line that makes the report final (a crash in between
                // would otherwise leave the block handed on with its outcome never confirmed)
                awaitsConfirmation: (status) => {
                  const p = reportPort('final', status);
                  return p < 2 && confirming(p);
                },
              }),
            ),
          {
            windowMs: c.waitMinutes * 60000,
            window: 'elapsed',
            backoffMs: SEND_BACKOFF_MS,
            onWait(err, delay) {
              status.progress('yellow', 'ring', 'suz-report.status.retrying', {
                seconds: Math.round(delay / 1000),
                reason: passingReason(err),
              });
            },
          },
        );
        const port = reportPort(e.state, e.status);
        // a final outcome going on to a node that confirms it: the block is handed on only once it has
        // (after a restart in between, suz-order delivers the block again, and this outcome with it);
        // marked again here for a report found final in the journal (e.g. journalled by an older flow)
        const tracked = port < 2 && confirming(port);
        if (port < 2) s.journal.markAwaiting(e.key, tracked);
        withSuz(msg, {
          omsId: s.omsId,
          productGroup: e.productGroup,
          report: reportMeta(e),
          ...(tracked ? { tracker: { connection: String(raw['connection']), node: node.id } } : {}),
        });
        const outs: Array<typeof msg | null> = [null, null, null];
        outs[port] = msg;
        send(outs);
        return {
          statusKey: `suz-report.status.${['success', 'failed', 'pending'][port]}`,
          statusVars: { status: e.status ?? e.state },
        };
      },
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      retries.close();
      controller.abort(
        new ZnakFlowError({
          code: 'ABORTED',
          ru: 'отчёт прерван (узел остановлен); он продолжится, если сообщение придёт снова',
          en: 'the report was interrupted (node stopped); it goes on when the message comes again',
          source: 'suz',
        }),
      );
      offAck?.();
      offAck = undefined;
      desk?.deregister(user);
      desk = undefined;
      done();
    });
  });
};
