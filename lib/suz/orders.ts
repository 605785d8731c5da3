/**
 * Orders of marking codes, exactly once (docs/suz.md): check the cost against the balance of the
 * product group, order (journalled first), wait for the buffer to become ACTIVE, fetch the codes in
 * blocks (each `blockId` journalled before its codes are handed on), close the order; and reports
 * sent once and followed to their final status.
 *
 * - A lost answer to `POST order` («СУЗ API v3» §4.4.1) or a crash after it: the order is looked up
 *   in `order/list` — by our key in `productionOrderId` when СУЗ echoes it, otherwise by product
 *   group, GTINs and quantities created within the time window of the call — before anything is
 *   ordered again.
 * - A block fetched but not handed on is fetched again with `order/codes/retry`; a `GET codes` whose
 *   answer was lost is found with `order/codes/blocks` (⚠ see lib/suz/client.ts).
 * - Every emitted code is paid from the personal account of its product group («Описание True API»
 *   v553 §3.6 balance, kopecks): the price per code is 50 kopecks without VAT (Постановление
 *   Правительства РФ от 26.04.2019 № 577) and VAT 22 % (from 2026) by default, both configurable.
 */
import { checkGtin } from '../codes/gtin';
import { tryParseCode } from '../codes/parse';
import type { CzClient } from '../cz/client';
import { productGroup } from '../cz/product-groups';
import { isPassing, sleep } from '../retry';
import { ZnakFlowError } from '../errors';
import {
  FINAL_REPORT_STATUSES,
  type AggregationInput,
  type CodeBlock,
  type DropoutInput,
  type OrderInfo,
  type ReportKind,
  type SuzCallOptions,
  type SuzClient,
  type UtilisationInput,
} from './client';
import { suzInvalid } from './errors';
import {
  canonical,
  orderKey,
  sha,
  type BlockEntry,
  type OrderEntry,
  type OrderLine,
  type ReportEntry,
  type SuzJournal,
} from './journal';

export interface Pricing {
  /** price of one code without VAT, kopecks (default 50) */
  priceKopecks: number;
  /** VAT, percent (default 22) */
  vatPercent: number;
}

export const DEFAULT_PRICING: Pricing = { priceKopecks: 50, vatPercent: 22 };

export interface SuzOrdersOptions {
  suz: SuzClient;
  /** the True API client of the same participant (balance; code status after a lost report answer) */
  cz: CzClient;
  journal: SuzJournal;
  pricing?: Partial<Pricing>;
  /** skip the balance check (e.g. a contract paid otherwise) */
  skipBalanceCheck?: boolean;
  /** how often buffers and reports are asked (default 1000 ms) */
  pollMs?: number;
  /** how long a buffer may stay PENDING (default 10 min) */
  activeWaitMs?: number;
  /** codes per block (default 10 000, at most 150 000 per call, §4.4.4) */
  blockSize?: number;
  /** after a lost order answer, how far after the call an order still counts as ours (default 10 min) */
  lookupWindowMs?: number;
  /** after a lost report answer, how long the codes may take to change status (default 60 s) */
  reportSettleMs?: number;
  /** told every balance read (kopecks; undefined: no personal account), e.g. for the sidebar */
  onBalance?: (productGroup: string, balanceKopecks: number | undefined) => void;
}

export interface OrderRequest {
  productGroup: string;
  products: OrderLine[];
  /** the client-side key (default derived from `source` or from the request) */
  key?: string;
  source?: { ref?: string; dataVersion?: string; number?: string };
  /** e.g. `releaseMethodType`, `createMethodType` */
  attributes?: Record<string, unknown>;
  serviceProviderId?: string;
  /** who resumes it after a restart (e.g. the node id; kept in the journal entry) */
  owner?: string;
}

export interface DeliveredBlock extends CodeBlock {
  orderKey: string;
  orderId: string;
  gtin: string;
  /** delivered again after a crash or a failed hand-off (`codes/retry`) */
  again: boolean;
}

export interface OrderResult {
  key: string;
  orderId: string;
  state: OrderEntry['state'];
  blocks: number;
  codes: number;
  costKopecks?: number;
}

export interface CostCheck {
  productGroup: string;
  quantity: number;
  perCodeKopecks: number;
  costKopecks: number;
  balanceKopecks: number;
}

/** The journal key of a request: its own `key`, else the 1C document ref + version, else a hash. */
export function orderKeyOf(req: OrderRequest): string {
  return (
    req.key ??
    (req.source?.ref
      ? orderKey({ ref: req.source.ref, dataVersion: req.source.dataVersion })
      : orderKey({
          request: { productGroup: req.productGroup, products: req.products, attributes: req.attributes },
        }))
  );
}

/** «1 234,56 ₽» */
export function roubles(kopecks: number): string {
  const neg = kopecks < 0;
  const k = Math.abs(Math.round(kopecks));
  const r = Math.floor(k / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${neg ? '-' : ''}${r},${String(k % 100).padStart(2, '0')} ₽`;
}

/** The cost of `quantity` codes with VAT, kopecks (rounded up). */
export function orderCost(quantity: number, pricing: Pricing = DEFAULT_PRICING): number {
  return Math.ceil((quantity * pricing.priceKopecks * (100 + pricing.vatPercent)) / 100);
}

function err(
  code: string,
  ru: string,
  en: string,
  extra: Partial<ConstructorParameters<typeof ZnakFlowError>[0]> = {},
) {
  return new ZnakFlowError({ code, ru, en, source: 'suz', ...extra });
}

export interface ReportCallOptions extends SuzCallOptions {
  /** how long to follow `report/info` before answering with the report still pending (default 10 min) */
  waitFinalMs?: number;
  /**
   * Does a final outcome with this status leave for a node that confirms it (suz-report: a cz-send or an
   * onec-write down that output)? Then the journal line that makes the report final also marks it
   * `awaiting`, so that no moment exists — a SIGKILL between two journal lines included — in which
   * its block counts as handed on before the confirmation came (docs/suz.md «Подтверждение блоков»).
   */
  awaitsConfirmation?: (status: string | undefined) => boolean;
}

function awaitingOf(call: ReportCallOptions, status: string | undefined): { awaiting?: boolean } {
  return call.awaitsConfirmation ? { awaiting: call.awaitsConfirmation(status) } : {};
}

/** An answer that may hide work done on the other side (a lost answer, a 5xx, a timeout). */
function ambiguous(e: unknown): boolean {
  return (
    e instanceof ZnakFlowError &&
    (e.code === 'SUZ_UNCERTAIN' ||
      e.code === 'SUZ_TIMEOUT' ||
      e.code === 'SUZ_NETWORK' ||
      (e.status ?? 0) >= 500)
  );
}

export class SuzOrders {
  private readonly pricing: Pricing;
  private readonly pollMs: number;

  constructor(private readonly o: SuzOrdersOptions) {
    this.pricing = { ...DEFAULT_PRICING, ...o.pricing };
    this.pollMs = o.pollMs ?? 1000;
  }

  /**
   * The balance of the product group against the cost of `quantity` codes; refuses (SUZ_BALANCE_SHORT)
   * with both amounts when the money is short.
   */
  async checkBalance(pg: string, quantity: number, call: SuzCallOptions = {}): Promise<CostCheck> {
    const g = productGroup(pg);
    if (!g || typeof g.id !== 'number') {
      throw suzInvalid(
        'productGroup',
        `неизвестная товарная группа «${pg}»`,
        `unknown product group "${pg}"`,
      );
    }
    const perCode = orderCost(1, this.pricing);
    const cost = orderCost(quantity, this.pricing);
    const [entry] = await this.o.cz.balance(g.id, call);
    const balance = entry?.balanceKopecks;
    this.o.onBalance?.(pg, balance);
    const vat = `${this.pricing.vatPercent} %`;
    if (balance === undefined) {
      throw err(
        'SUZ_NO_ACCOUNT',
        `нет лицевого счёта по товарной группе «${g.ru}» (${pg}): заказ ${quantity} кодов стоит ${roubles(cost)}`,
        `there is no personal account for the product group "${g.en}" (${pg}): an order of ${quantity} codes costs ${roubles(cost)}`,
        { field: 'productGroup' },
      );
    }
    if (balance < cost) {
      throw err(
        'SUZ_BALANCE_SHORT',
        `недостаточно средств на лицевом счёте по товарной группе «${g.ru}» (${pg}): заказ ${quantity} кодов стоит ${roubles(cost)} (${quantity} × ${roubles(perCode)} с НДС ${vat}), на счёте ${roubles(balance)}; пополните счёт не меньше чем на ${roubles(cost - balance)}. Ничего не заказано`,
        `not enough money on the personal account of the product group "${g.en}" (${pg}): an order of ${quantity} codes costs ${roubles(cost)} (${quantity} × ${roubles(perCode)} incl. ${vat} VAT), the balance is ${roubles(balance)}; top it up by at least ${roubles(cost - balance)}. Nothing was ordered`,
        { field: 'quantity' },
      );
    }
    return {
      productGroup: pg,
      quantity,
      perCodeKopecks: perCode,
      costKopecks: cost,
      balanceKopecks: balance,
    };
  }

  /**
   * Order, wait, fetch every block and hand it to `deliver`, close. Run again with the same key (after
   * a crash, a lost answer, a failed hand-off) it resumes: nothing is ordered twice, blocks not
   * handed on are fetched again.
   */
  async order(
    req: OrderRequest,
    deliver: (block: DeliveredBlock) => Promise<void>,
    call: SuzCallOptions = {},
  ): Promise<OrderResult> {
    const key = orderKeyOf(req);
    let e = this.o.journal.get<OrderEntry>(key);
    if (!e || e.state === 'failed') {
      this.validate(req);
    }
    if (e?.state === 'declined') throw this.declined(e);
    if (!e || e.state === 'failed') {
      const quantity = req.products.reduce((n, p) => n + p.quantity, 0);
      const cost = this.o.skipBalanceCheck
        ? undefined
        : await this.checkBalance(req.productGroup, quantity, call);
      const fields = {
        state: 'ordering' as const,
        productGroup: req.productGroup,
        products: req.products.map((p) => ({ ...p })),
        productionOrderId: `zf-${sha(key).slice(0, 32)}`,
        startedAt: Date.now(),
        costKopecks: cost?.costKopecks,
        source: req.source,
        owner: req.owner,
        lastError: undefined,
      };
      e = e
        ? this.o.journal.update<OrderEntry>(key, fields)
        : this.o.journal.add<OrderEntry>({ kind: 'order', key, ...fields });
      e = await this.create(e, req, call);
    } else if (e.state === 'ordering' || e.state === 'unknown') {
      // a crash or a lost answer after the entry was written: the order may exist
      const found = await this.lookup(e, call);
      e = found
        ? this.o.journal.update<OrderEntry>(key, { state: 'ordered', orderId: found.orderId })
        : await this.create(
            this.o.journal.update<OrderEntry>(key, { state: 'ordering', startedAt: Date.now() }),
            req,
            call,
          );
    }
    if (e.state !== 'ordered' && e.state !== 'closed')
      throw new Error(`order ${key}: unexpected state ${e.state}`);
    const orderId = e.orderId as string;
    let blocks = 0;
    let codes = 0;
    const count = (b: CodeBlock): void => {
      blocks++;
      codes += b.codes.length;
    };
    if (e.state === 'ordered') {
      // blocks journalled but not handed on: fetched again
      for (const b of this.o.journal.blocksOf(key).filter((x) => x.state === 'fetched')) {
        count(await this.redeliver(b, deliver, call));
      }
      for (const line of e.products) {
        await this.waitActive(e, line.gtin, call);
        e = await this.recoverFetching(
          this.o.journal.get<OrderEntry>(key) as OrderEntry,
          deliver,
          call,
          count,
        );
        for (;;) {
          const got = this.o.journal
            .blocksOf(key)
            .filter((b) => b.gtin === line.gtin)
            .reduce((n, b) => n + b.count, 0);
          const left = line.quantity - got;
          if (left <= 0) break;
          const n = Math.min(left, this.o.blockSize ?? 10000, 150000);
          e = this.o.journal.update<OrderEntry>(key, {
            fetching: { gtin: line.gtin, quantity: n, at: Date.now() },
          });
          let block: CodeBlock;
          try {
            block = await this.o.suz.getCodes(orderId, line.gtin, n, call);
          } catch (x) {
            if (!ambiguous(x)) throw x;
            // the block may have been handed out: find it before asking for more
            e = await this.recoverFetching(e, deliver, call, count);
            continue;
          }
          const be = this.o.journal.add<BlockEntry>({
            kind: 'block',
            key: `block:${block.blockId}`,
            orderKey: key,
            orderId,
            gtin: line.gtin,
            blockId: block.blockId,
            count: block.codes.length,
            state: 'fetched',
          });
          e = this.o.journal.update<OrderEntry>(key, { fetching: undefined });
          await deliver({ ...block, orderKey: key, orderId, gtin: line.gtin, again: false });
          this.o.journal.update<BlockEntry>(be.key, { state: 'delivered' });
          count(block);
        }
      }
      await this.o.suz.closeOrder(orderId, undefined, call);
      e = this.o.journal.update<OrderEntry>(key, { state: 'closed' });
    }
    return { key, orderId, state: e.state, blocks, codes, costKopecks: e.costKopecks };
  }

  /** Every unfinished order of the journal (or those `which` picks, e.g. one owner's), resumed. */
  async resume(
    deliver: (block: DeliveredBlock) => Promise<void>,
    call: SuzCallOptions = {},
    which: (e: OrderEntry) => boolean = () => true,
  ): Promise<OrderResult[]> {
    const out: OrderResult[] = [];
    for (const e of this.o.journal.orders()) {
      if (e.state === 'closed' || e.state === 'declined' || e.state === 'failed' || !which(e)) continue;
      out.push(
        await this.order(
          {
            key: e.key,
            productGroup: e.productGroup,
            products: e.products,
            source: e.source,
            owner: e.owner,
          },
          deliver,
          call,
        ),
      );
    }
    return out;
  }

  private validate(req: OrderRequest): void {
    if (!productGroup(req.productGroup)) {
      throw suzInvalid(
        'productGroup',
        `неизвестная товарная группа «${req.productGroup}»`,
        `unknown product group "${req.productGroup}"`,
      );
    }
    if (!Array.isArray(req.products) || req.products.length === 0) {
      throw suzInvalid('products', 'в заказе нет товаров', 'the order has no products');
    }
    req.products.forEach((p, i) => {
      const g = checkGtin(p.gtin);
      if (!g.ok) throw suzInvalid(`products[${i}].gtin`, g.ru, g.en);
      if (!Number.isInteger(p.quantity) || p.quantity < 1) {
        throw suzInvalid(
          `products[${i}].quantity`,
          'количество кодов — целое число от 1',
          'the quantity of codes is a whole number from 1',
        );
      }
      if (!Number.isInteger(p.templateId)) {
        throw suzInvalid(
          `products[${i}].templateId`,
          'не указан шаблон КМ (templateId)',
          'the code template (templateId) is missing',
        );
      }
    });
  }

  private async create(e: OrderEntry, req: OrderRequest, call: SuzCallOptions): Promise<OrderEntry> {
    try {
      const r = await this.o.suz.createOrder(
        {
          productGroup: e.productGroup,
          products: e.products.map((p) => ({
            gtin: p.gtin,
            quantity: p.quantity,
            serialNumberType: 'OPERATOR',
            templateId: p.templateId,
            ...(p.cisType ? { cisType: p.cisType } : {}),
          })),
          serviceProviderId: req.serviceProviderId,
          attributes: { ...req.attributes, productionOrderId: e.productionOrderId },
        },
        call,
      );
      return this.o.journal.update<OrderEntry>(e.key, { state: 'ordered', orderId: r.orderId });
    } catch (x) {
      if (ambiguous(x)) {
        this.o.journal.update<OrderEntry>(e.key, { state: 'unknown', lastError: (x as Error).message });
        const found = await this.lookup(e, call);
        if (found)
          return this.o.journal.update<OrderEntry>(e.key, { state: 'ordered', orderId: found.orderId });
        throw x;
      }
      this.o.journal.update<OrderEntry>(e.key, { state: 'failed', lastError: (x as Error).message });
      throw x;
    }
  }

  /** The order an entry stands for in order/list, or undefined (see the file comment). */
  private async lookup(e: OrderEntry, call: SuzCallOptions): Promise<OrderInfo | undefined> {
    const list = await this.o.suz.listOrders(call);
    const byKey = list.find((o) => o.productionOrderId === e.productionOrderId);
    if (byKey) return byKey;
    const claimed = new Set(
      this.o.journal
        .orders()
        .map((x) => x.orderId)
        .filter(Boolean),
    );
    const from = (e.startedAt ?? Date.parse(e.createdAt)) - 60000;
    const to = (e.startedAt ?? Date.parse(e.createdAt)) + (this.o.lookupWindowMs ?? 600000);
    const want = canonical(e.products.map((p) => [p.gtin, p.quantity]).sort());
    const at = e.startedAt ?? Date.parse(e.createdAt);
    // ours: not claimed by another entry, the same goods, created in the window of the call, and no
    // code handed out yet (we never knew its id, so nobody fetched for us); the closest in time wins
    const candidates = list.filter(
      (o) =>
        !claimed.has(o.orderId) &&
        (!o.productGroup || o.productGroup === e.productGroup) &&
        o.orderStatus !== 'CLOSED' &&
        typeof o.createdTimestamp === 'number' &&
        o.createdTimestamp >= from &&
        o.createdTimestamp <= to &&
        (o.buffers ?? []).every((b) => (b.totalPassed ?? 0) === 0) &&
        canonical((o.buffers ?? []).map((b) => [b.gtin, b.totalCodes ?? 0]).sort()) === want,
    );
    candidates.sort(
      (x, y) => Math.abs((x.createdTimestamp ?? 0) - at) - Math.abs((y.createdTimestamp ?? 0) - at),
    );
    return candidates[0];
  }

  private declined(e: OrderEntry): ZnakFlowError {
    return err(
      'SUZ_ORDER_DECLINED',
      `СУЗ отклонила заказ ${e.orderId ?? ''}: ${e.declineReason ?? 'причина не указана'}`,
      `СУЗ declined the order ${e.orderId ?? ''}: ${e.declineReason ?? 'no reason given'}`,
      { remoteText: e.declineReason },
    );
  }

  private async waitActive(e: OrderEntry, gtin: string, call: SuzCallOptions): Promise<void> {
    const deadline = Date.now() + (this.o.activeWaitMs ?? 600000);
    for (;;) {
      const [b] = await this.o.suz.bufferStatus(e.orderId as string, gtin, call);
      const s = b?.bufferStatus;
      if (s === 'ACTIVE' || s === 'EXHAUSTED' || s === 'CLOSED') return;
      if (s === 'REJECTED' || s === 'EXPIRED') {
        const d = this.o.journal.update<OrderEntry>(e.key, {
          state: 'declined',
          declineReason: b?.rejectionReason ?? s,
        });
        throw this.declined(d);
      }
      if (Date.now() > deadline) {
        throw err(
          'SUZ_BUFFER_TIMEOUT',
          `буфер кодов заказа ${e.orderId} (GTIN ${gtin}) не стал доступным (статус ${s ?? '?'}); заказ продолжится при следующем запуске`,
          `the code buffer of order ${e.orderId} (GTIN ${gtin}) did not become available (status ${s ?? '?'}); the order resumes on the next run`,
          { retryable: true },
        );
      }
      await sleep(this.pollMs, call.signal);
    }
  }

  /** A `GET codes` that may have handed out a block: journal every block of the order not known yet. */
  private async recoverFetching(
    e: OrderEntry,
    deliver: (block: DeliveredBlock) => Promise<void>,
    call: SuzCallOptions,
    count: (b: CodeBlock) => void,
  ): Promise<OrderEntry> {
    if (!e.fetching) return e;
    const gtin = e.fetching.gtin;
    for (const b of await this.o.suz.listBlocks(e.orderId as string, gtin, call)) {
      if (this.o.journal.get(`block:${b.blockId}`)) continue;
      const be = this.o.journal.add<BlockEntry>({
        kind: 'block',
        key: `block:${b.blockId}`,
        orderKey: e.key,
        orderId: e.orderId as string,
        gtin,
        blockId: b.blockId,
        count: b.quantity ?? 0,
        state: 'fetched',
      });
      count(await this.redeliver(be, deliver, call));
    }
    return this.o.journal.update<OrderEntry>(e.key, { fetching: undefined });
  }

  /**
   * Delivered blocks whose outcome nobody confirmed (docs/suz.md «Подтверждение блоков»): each
   * fetched again with `codes/retry` and delivered again (`again: true`); what follows is keyed by
   * the block id, so nothing is reported or introduced twice. A block that fails stays unconfirmed
   * (tried again at the next start); the others go on.
   */
  async redeliverUnconfirmed(
    blocks: BlockEntry[],
    deliver: (block: DeliveredBlock) => Promise<void>,
    call: SuzCallOptions = {},
  ): Promise<{ blocks: number; failed: number }> {
    let n = 0;
    let failed = 0;
    for (const b of blocks) {
      if (call.signal?.aborted) break;
      try {
        await this.redeliver(b, deliver, call);
        n++;
      } catch {
        failed++;
      }
    }
    return { blocks: n, failed };
  }

  private async redeliver(
    b: BlockEntry,
    deliver: (block: DeliveredBlock) => Promise<void>,
    call: SuzCallOptions,
  ): Promise<CodeBlock> {
    const block = await this.o.suz.retryCodes(b.blockId, call);
    if (b.count !== block.codes.length)
      this.o.journal.update<BlockEntry>(b.key, { count: block.codes.length });
    await deliver({ ...block, orderKey: b.orderKey, orderId: b.orderId, gtin: b.gtin, again: true });
    this.o.journal.update<BlockEntry>(b.key, { state: 'delivered' });
    return block;
  }

  /**
   * Send a report once and follow `report/info` to its final status. `id` names the report (e.g. the
   * 1C document ref + version); run again with the same id it does not send it twice.
   */
  async report(
    kind: ReportKind,
    id: string,
    body: UtilisationInput | AggregationInput | DropoutInput,
    call: ReportCallOptions = {},
  ): Promise<ReportEntry> {
    const key = `report:${kind}:${id}`;
    const codes = 'sntins' in body ? body.sntins : body.aggregationUnits.flatMap((u) => u.sntins);
    const pg = body.productGroup;
    const hash = sha(canonical(codes));
    let e = this.o.journal.get<ReportEntry>(key);
    if (e && e.codesHash !== hash) {
      throw suzInvalid(
        'sntins',
        `отчёт «${id}» уже отправлялся с другими кодами`,
        `the report "${id}" was already sent with other codes`,
      );
    }
    if (e?.state === 'final') return e;
    if (e && (e.state === 'sending' || e.state === 'unknown')) {
      e = await this.reportLookup(e, call);
    }
    if (!e || e.state === 'failed' || e.state === 'sending') {
      const sample = codes.slice(0, 5).map((c) => {
        const p = tryParseCode(c, pg);
        return p.ok ? p.value.cis : c;
      });
      const fields = { state: 'sending' as const, startedAt: Date.now(), lastError: undefined };
      if (e) this.o.journal.update<ReportEntry>(key, fields);
      else
        this.o.journal.add<ReportEntry>({
          kind: 'report',
          key,
          reportKind: kind,
          productGroup: pg,
          codesCount: codes.length,
          codesHash: hash,
          sample,
          ...fields,
        });
      try {
        const reportId = await this.o.suz.sendReport(kind, body, call);
        e = this.o.journal.update<ReportEntry>(key, { state: 'sent', reportId });
      } catch (x) {
        if (!ambiguous(x)) {
          // not received: a refusal of the report itself, or a failure that passes (429: sent again)
          this.o.journal.update<ReportEntry>(key, {
            state: 'failed',
            refused: !isPassing(x),
            lastError: (x as Error).message,
          });
          throw x;
        }
        e = await this.reportLookup(
          this.o.journal.update<ReportEntry>(key, { state: 'unknown', lastError: (x as Error).message }),
          call,
        );
        if (e.state !== 'final') throw x;
        return e;
      }
    }
    if (e.state === 'final') return e;
    return this.followReport(e, call);
  }

  /**
   * A report whose answer was lost: its codes tell whether it was received («Описание True API»
   * v553 §5.1.2 cises/info; statuses EMITTED → APPLIED after utilisation, WRITTEN_OFF after a
   * dropout, a parent after aggregation). Not changed yet, it is given `reportSettleMs` to arrive;
   * still unchanged, it counts as not received (state `sending`: it may be sent).
   */
  private async reportLookup(e: ReportEntry, call: ReportCallOptions): Promise<ReportEntry> {
    const settle = this.o.reportSettleMs ?? 60000;
    for (;;) {
      const info = await this.o.cz.cisesInfo(e.sample, { signal: call.signal });
      const done = info.every((i) => {
        const c = i.cisInfo as { status?: string; parent?: string | null } | undefined;
        if (e.reportKind === 'utilisation') return !!c?.status && c.status !== 'EMITTED';
        if (e.reportKind === 'dropout') return c?.status === 'WRITTEN_OFF';
        return !!c?.parent;
      });
      if (done) {
        return this.o.journal.update<ReportEntry>(e.key, {
          state: 'final',
          status: 'SUCCESS',
          inferred: true,
          ...awaitingOf(call, 'SUCCESS'),
        });
      }
      if (Date.now() >= (e.startedAt ?? 0) + settle) {
        return this.o.journal.update<ReportEntry>(e.key, { state: 'sending' });
      }
      await sleep(Math.min(this.pollMs, settle), call.signal);
    }
  }

  private async followReport(e: ReportEntry, call: ReportCallOptions): Promise<ReportEntry> {
    const deadline = Date.now() + (call.waitFinalMs ?? 600000);
    for (;;) {
      const r = await this.o.suz.reportInfo(e.reportId as string, call);
      if (FINAL_REPORT_STATUSES.includes(r.reportStatus)) {
        return this.o.journal.update<ReportEntry>(e.key, {
          state: 'final',
          status: r.reportStatus,
          errorReason: r.errorReason ?? undefined,
          ...awaitingOf(call, r.reportStatus),
        });
      }
      if (r.reportStatus !== e.status)
        e = this.o.journal.update<ReportEntry>(e.key, { status: r.reportStatus });
      if (Date.now() > deadline) return e;
      await sleep(this.pollMs, call.signal);
    }
  }
}
