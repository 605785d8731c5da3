/**
 * What the suz-order node does with an order, kept out of the node (docs/suz.md): make sure the
 * connection id exists, run the order exactly once under its key (SuzOrders, one at a time per key),
 * hand every block on as a message, and sort the outcome — closed, refused or held for money, declined
 * by СУЗ, failed (a passing failure resumes by itself after `retryMs`). After a restart the node's own
 * unfinished orders are resumed: nothing ordered twice, blocks fetched but not delivered fetched again.
 */
import { setMaxListeners } from 'node:events';
import { toZnakFlowError, ZnakFlowError } from '../errors';
import type { MessageParts, SuzError, SuzMeta } from '../message';
import { redact } from '../redact';
import { sleep } from '../retry';
import type { SuzDeskService } from './desk';
import type { BlockEntry, OrderEntry } from './journal';
import {
  orderKeyOf,
  type DeliveredBlock,
  type OrderRequest,
  type OrderResult,
  type SuzOrdersOptions,
} from './orders';
import { blockMeta } from './request';

export type OrderOutcome = 'closed' | 'refused' | 'held' | 'declined' | 'failed';

/** Where the messages go; `ctx` is the incoming message's (undefined for a resumed order). */
export interface OrderEmitter<C> {
  block(codes: string[], suz: Partial<SuzMeta>, parts: MessageParts, ctx: C | undefined): void;
  done(suz: Partial<SuzMeta>, ctx: C | undefined): void;
  refused(suz: Partial<SuzMeta>, ctx: C | undefined): void;
}

export interface OrderRunnerOptions<C> {
  service: SuzDeskService;
  /**
   * A node down the flow confirms the blocks (suz-report journals a final report per block): only
   * then are delivered blocks not confirmed delivered again after a start (docs/suz.md).
   */
  confirmed?: () => boolean;
  /** who resumes the order after a restart (the node id) */
  owner: string;
  orders?: Partial<Omit<SuzOrdersOptions, 'suz' | 'cz' | 'journal'>>;
  /** the balance is short: refuse (output «refused») or hold and look again every `holdMs` */
  onShort: 'refuse' | 'hold';
  holdMs: number;
  /** after a passing failure, resume the node's unfinished orders after this long */
  retryMs: number;
  emit: OrderEmitter<C>;
  /** what the node is doing, for its status */
  onState?(s: { kind: 'working' | 'holding' | 'retrying' | 'idle'; error?: ZnakFlowError }): void;
}

/** A failure that is the request's own (bad input): Catch, before anything is ordered. */
export function isBadRequest(e: ZnakFlowError): boolean {
  return e.code === 'SUZ_INVALID_ARGUMENT' || e.code === 'VALIDATION' || e.source === 'input';
}

function isShort(e: ZnakFlowError): boolean {
  return e.code === 'SUZ_BALANCE_SHORT' || e.code === 'SUZ_NO_ACCOUNT';
}

export function suzError(e: ZnakFlowError): SuzError {
  return {
    code: e.code,
    message: redact(e.message),
    ru: redact(e.ru),
    en: redact(e.en),
    retryable: e.retryable,
  };
}

export class SuzOrderRunner<C> {
  private readonly controller = new AbortController();
  private retryTimer?: NodeJS.Timeout;
  private resuming?: Promise<void>;
  private closed = false;
  private busy = 0;

  constructor(private readonly o: OrderRunnerOptions<C>) {
    // every call of this node's orders listens to this signal while it runs (and stops listening
    // after): many orders and blocks at once are not a leak
    setMaxListeners(0, this.controller.signal);
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private orders() {
    return this.o.service.orders(this.o.orders);
  }

  private blocksPlanned(e: OrderEntry | undefined): number | undefined {
    if (!e) return undefined;
    const size = Math.min(this.o.orders?.blockSize ?? 10000, 150000);
    return e.products.reduce((n, p) => n + Math.ceil(p.quantity / size), 0);
  }

  private deliver(ctx: C | undefined) {
    return async (b: DeliveredBlock): Promise<void> => {
      const j = this.o.service.journal;
      const e = j.get<OrderEntry>(b.orderKey);
      const index = Math.max(
        0,
        j.blocksOf(b.orderKey).findIndex((x) => x.blockId === b.blockId),
      );
      const suz = blockMeta(b, {
        omsId: this.o.service.omsId,
        productGroup: e?.productGroup ?? '',
        index,
        source: e?.source,
      });
      const count = this.blocksPlanned(e);
      this.o.emit.block(b.codes, suz, { id: b.orderKey, index, ...(count ? { count } : {}) }, ctx);
    };
  }

  private outcomeMeta(key: string, extra: Partial<SuzMeta>): Partial<SuzMeta> {
    const e = this.o.service.journal.get<OrderEntry>(key);
    return {
      key,
      omsId: this.o.service.omsId,
      ...(e
        ? {
            productGroup: e.productGroup,
            orderId: e.orderId,
            quantity: e.products.reduce((n, p) => n + p.quantity, 0),
            costKopecks: e.costKopecks,
            source: e.source,
          }
        : {}),
      ...extra,
    };
  }

  /**
   * One order (a message's, or a resumed one): exactly once, its blocks emitted as they come. Bad
   * input throws (Catch); the other outcomes are emitted and returned.
   */
  async order(req: OrderRequest, ctx?: C): Promise<{ outcome: OrderOutcome; error?: ZnakFlowError }> {
    const key = orderKeyOf(req);
    const r: OrderRequest = { ...req, key, owner: this.o.owner };
    let held = false;
    this.busy++;
    try {
      for (;;) {
        this.o.onState?.({ kind: 'working' });
        let result: OrderResult;
        try {
          await this.o.service.ready({ signal: this.signal });
          result = await this.o.service.exclusive(key, () =>
            this.orders().order(r, this.deliver(ctx), { signal: this.signal }),
          );
        } catch (err) {
          const e = toZnakFlowError(err, 'suz');
          if (this.closed || e.code === 'ABORTED') throw e;
          if (isShort(e) && this.o.onShort === 'hold') {
            if (!held) this.o.emit.refused(this.outcomeMeta(key, { state: 'held', error: suzError(e) }), ctx);
            held = true;
            this.o.onState?.({ kind: 'holding', error: e });
            await sleep(this.o.holdMs, this.signal);
            continue;
          }
          if (isBadRequest(e) && !isShort(e)) throw e;
          const outcome: OrderOutcome = isShort(e)
            ? 'refused'
            : e.code === 'SUZ_ORDER_DECLINED'
              ? 'declined'
              : 'failed';
          this.o.emit.refused(this.outcomeMeta(key, { state: outcome, error: suzError(e) }), ctx);
          if (outcome === 'failed' && e.retryable) this.scheduleResume(e);
          return { outcome, error: e };
        }
        this.o.emit.done(
          this.outcomeMeta(key, { state: 'closed', codes: result.codes, blocks: result.blocks }),
          ctx,
        );
        return { outcome: 'closed' };
      }
    } finally {
      this.busy--;
      if (this.busy === 0 && !this.retryTimer) this.o.onState?.({ kind: 'idle' });
    }
  }

  /** The node's own unfinished orders, resumed one after the other (after a start or a failure). */
  resume(): Promise<void> {
    this.resuming ??= (async () => {
      const j = this.o.service.journal;
      for (const e of j.orders()) {
        if (this.closed) return;
        if (e.owner !== this.o.owner) continue;
        if (e.state === 'closed' || e.state === 'declined' || e.state === 'failed') continue;
        await this.order({
          key: e.key,
          productGroup: e.productGroup,
          products: e.products,
          source: e.source,
        }).catch(() => undefined);
      }
    })().finally(() => {
      this.resuming = undefined;
    });
    return this.resuming;
  }

  /**
   * After a start: this node's delivered blocks that no report confirmed are delivered again
   * (`again: true`) — only when a confirming node (suz-report) uses the same station, otherwise a
   * delivered block stays delivered (nobody would ever confirm it).
   */
  async redeliver(): Promise<number> {
    if (this.closed || !this.o.confirmed?.()) return 0;
    const blocks = this.unconfirmed();
    if (blocks.length === 0) return 0;
    this.busy++;
    try {
      await this.o.service.ready({ signal: this.signal });
      const orders = this.orders();
      let n = 0;
      for (const b of blocks) {
        // one block at a time under its order's lock: a resumed order never delivers it in between
        const r = await this.o.service
          .exclusive(b.orderKey, () =>
            orders.redeliverUnconfirmed([b], this.deliver(undefined), { signal: this.signal }),
          )
          .catch(() => ({ blocks: 0 }));
        n += r.blocks;
      }
      return n;
    } catch {
      return 0;
    } finally {
      this.busy--;
    }
  }

  /** This node's delivered blocks not confirmed yet (counted only when a confirming node is there). */
  unconfirmed(): BlockEntry[] {
    if (!this.o.confirmed?.()) return [];
    return this.o.service.journal.unconfirmedBlocks((e) => e.owner === this.o.owner);
  }

  /** Unfinished orders of this owner in the journal. */
  unfinished(): number {
    return this.o.service.journal
      .orders()
      .filter((e) => e.owner === this.o.owner && !['closed', 'declined', 'failed'].includes(e.state)).length;
  }

  private scheduleResume(e: ZnakFlowError): void {
    if (this.closed || this.retryTimer) return;
    this.o.onState?.({ kind: 'retrying', error: e });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.resume();
    }, this.o.retryMs);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.controller.abort(
      new ZnakFlowError({
        code: 'ABORTED',
        ru: 'заказ кодов прерван (узел остановлен); он продолжится при следующем запуске',
        en: 'the order of codes was interrupted (node stopped); it resumes on the next start',
        source: 'suz',
      }),
    );
  }
}
