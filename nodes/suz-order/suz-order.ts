import type { CzDesk } from '../../lib/cz/desk';
import { withSuz, type MessageParts, type SuzMeta } from '../../lib/message';
import { suzService, type SuzDeskService } from '../../lib/suz/desk';
import { orderRequestOf } from '../../lib/suz/request';
import { SuzOrderRunner, type OrderEmitter } from '../../lib/suz/runner';
import { czDesk, deskUser } from '../shared/desk';
import { downstreamTypes } from '../shared/graph';
import { migrate } from '../shared/migrate';
import { onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { checkedConfig, startOrShow } from '../shared/start';
import { StatusHelper } from '../shared/status';
import type { NodeAPI, NodeMessage, RuntimeNode, SendFn } from '../shared/types';
import {
  orderDefaults,
  SUZ_ORDER_MIGRATIONS,
  SUZ_ORDER_NODE,
  suzOrderConfigSchema,
  type SuzOrderConfig,
} from './model';
import { z } from 'zod';

/** The incoming message and its send function (undefined for a resumed order). */
interface Ctx {
  msg: NodeMessage;
  send: SendFn;
}

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, SUZ_ORDER_NODE, (node, def) => {
    const raw = migrate(def, SUZ_ORDER_MIGRATIONS);
    const { config, problem } = checkedConfig(suzOrderConfigSchema, raw);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let desk: CzDesk | undefined;
    let runner: SuzOrderRunner<Ctx> | undefined;
    let service: SuzDeskService | undefined;
    const user = deskUser(node, status);

    const out = (ctx: Ctx | undefined, msgs: Array<NodeMessage | null>): void =>
      ctx ? ctx.send(msgs) : node.send(msgs);
    const emit: OrderEmitter<Ctx> = {
      block(codes: string[], suz: Partial<SuzMeta>, parts: MessageParts, ctx) {
        const m: NodeMessage = ctx ? RED.util.cloneMessage(ctx.msg) : {};
        m.payload = codes;
        m['suz'] = { ...suz };
        m.parts = ctx?.msg.parts ? { ...parts, parts: ctx.msg.parts } : parts;
        out(ctx, [m, null, null]);
      },
      done(suz, ctx) {
        const m = ctx ? ctx.msg : { payload: { ...suz } };
        out(ctx, [null, withSuz(m, suz), null]);
      },
      refused(suz, ctx) {
        // a held message goes on later: the notice is a copy
        const m = ctx ? (suz.state === 'held' ? RED.util.cloneMessage(ctx.msg) : ctx.msg) : {};
        if (!ctx) m.payload = { ...suz };
        out(ctx, [null, null, withSuz(m, suz)]);
      },
    };

    /** The connection's desk and СУЗ service, and this node's runner (made on first use). */
    const ensure = (c: SuzOrderConfig): SuzOrderRunner<Ctx> => {
      if (runner) return runner;
      desk ??= czDesk(RED, raw['connection']);
      desk.register(user);
      service = suzService(desk);
      runner = new SuzOrderRunner<Ctx>({
        service,
        owner: node.id,
        // blocks are confirmed by a suz-report down the flow (its final report per block)
        confirmed: () => downstreamTypes(RED, node, 0).includes('suz-report'),
        orders: {
          pricing: { priceKopecks: c.priceKopecks, vatPercent: c.vatPercent },
          pollMs: c.pollSeconds * 1000,
          blockSize: c.blockSize,
          activeWaitMs: c.activeWaitMinutes * 60000,
        },
        onShort: c.onShort,
        holdMs: c.holdSeconds * 1000,
        retryMs: c.retrySeconds * 1000,
        emit,
        onState(s) {
          if (s.kind === 'holding') {
            status.progress('yellow', 'ring', 'suz-order.status.holding', { code: s.error?.code ?? '' });
          } else if (s.kind === 'retrying') {
            status.progress('yellow', 'ring', 'suz-order.status.retrying', { code: s.error?.code ?? '' });
          }
        },
      });
      return runner;
    };

    startOrShow(node, status, problem, () => {
      const r = ensure(config as SuzOrderConfig);
      // after a restart or a redeploy: blocks no report confirmed are delivered again, this node's
      // unfinished orders go on (nothing ordered, reported or introduced twice)
      const count = r.unfinished() + r.unconfirmed().length;
      if (count > 0) {
        status.progress('blue', 'ring', 'suz-order.status.resuming', { count });
        setImmediate(
          () =>
            void r
              .redeliver()
              .then(() => r.resume())
              .then(() => status.set('green', 'dot', 'suz-order.status.ready')),
        );
      }
    });

    onInput(node, status, {
      busyKey: 'suz-order.status.ordering',
      async settings(msg) {
        if (!config) throw problem;
        const t = await typedFields(RED, node, raw, msg, ['productGroup']);
        const pg = (t['productGroup'] as string) || undefined;
        ensure(config);
        const fallback = pg ?? desk?.settings?.productGroup;
        return { request: orderRequestOf(msg, orderDefaults(config, fallback)) };
      },
      schema: z.object({ request: z.custom<ReturnType<typeof orderRequestOf>>() }),
      async run({ settings, msg, send }) {
        const r = ensure(config as SuzOrderConfig);
        const { outcome, error } = await r.order(settings.request, { msg, send });
        if (outcome === 'failed' && error) throw error;
        return { statusKey: `suz-order.status.${outcome}` };
      },
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      runner?.close();
      runner = undefined;
      desk?.deregister(user);
      desk = undefined;
      done();
    });
  });
};
