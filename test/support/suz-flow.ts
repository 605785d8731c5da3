/**
 * What the order-codes runs (test/e2e/order-codes*.test.ts) check against: the orders of codes the 1C
 * emulator's posted documents call for, and what the СУЗ and True API emulators saw — the orders
 * created, the blocks handed out, the utilisation reports and the introductions into circulation —
 * never what the pack says it did.
 */
import { tryParseCode } from '../../lib/codes/parse';
import { productGroup } from '../../lib/cz/product-groups';
import type { DemoSetup } from '../../lib/emulators/demo';
import { AUTO_UTILISATION_GROUPS, type SuzOrder } from '../../lib/emulators/suz';
import type { Stack } from './stack';

export const ORDERS = 'Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ';
/** «Статус Честный ЗНАК» of the orders' property set (lib/emulators/onec/store.ts DEMO_STATUS_PROPERTIES) */
export const ORDER_STATUS_PROPERTY = '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0006';
/** 61 kopecks a code: 50 kopecks + 22 % VAT, the example's and the emulator's price */
export const PRICE_KOPECKS = 61;

type Rec = Record<string, unknown>;

export interface WantedOrder {
  ref: string;
  number: string;
  pg: string;
  /** gtin → quantity */
  lines: Map<string, number>;
  quantity: number;
}

/** The posted 1C orders of codes (from the 1C emulator's own store). */
export function wantedOrders(demo: DemoSetup): WantedOrder[] {
  const items = new Map(demo.world.items.map((i) => [i.ref, i]));
  return demo.onec.store
    .rows(ORDERS)
    .filter((o) => o['Posted'] === true && o['DeletionMark'] !== true)
    .map((o) => {
      const rows = (o['Товары'] as Rec[] | undefined) ?? [];
      const lines = new Map<string, number>();
      for (const r of rows)
        lines.set(String(r['GTIN']), (lines.get(String(r['GTIN'])) ?? 0) + Number(r['Количество']));
      return {
        ref: String(o['Ref_Key']).toLowerCase(),
        number: String(o['Number']),
        pg: items.get(String(rows[0]?.['Номенклатура_Key']))?.pg ?? '',
        lines,
        quantity: [...lines.values()].reduce((a, b) => a + b, 0),
      };
    });
}

const signature = (pg: string, lines: Map<string, number>): string =>
  `${pg}|${[...lines]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([g, q]) => `${g}×${q}`)
    .join(',')}`;

/** The СУЗ orders that match a wanted order (same group, GTINs and quantities). */
export function ordersFor(demo: DemoSetup, w: WantedOrder): SuzOrder[] {
  const want = signature(w.pg, w.lines);
  return [...demo.suz.orders.values()].filter(
    (o) => signature(o.productGroup, new Map(o.buffers.map((b) => [b.gtin, b.quantity]))) === want,
  );
}

/** Normalised codes of every block СУЗ handed out for an order. */
export function emittedCodes(demo: DemoSetup, orderId: string): string[] {
  return [...demo.suz.blocks.values()]
    .filter((b) => b.orderId === orderId)
    .flatMap((b) => b.codes.map(cisOfFull));
}

export function cisOfFull(full: string): string {
  const p = tryParseCode(full);
  return p.ok ? p.value.cis : full;
}

/** How many times each normalised code was in a utilisation report that СУЗ took (any status), and in a SUCCESS one. */
export function reportedCodes(demo: DemoSetup): { sent: Map<string, number>; success: Map<string, number> } {
  const sent = new Map<string, number>();
  const success = new Map<string, number>();
  for (const r of demo.suz.reports.values()) {
    if (r.kind !== 'utilisation') continue;
    for (const c of (r.body['sntins'] as string[] | undefined) ?? []) {
      const cis = cisOfFull(c);
      sent.set(cis, (sent.get(cis) ?? 0) + 1);
      if (r.status === 'SUCCESS') success.set(cis, (success.get(cis) ?? 0) + 1);
    }
  }
  return { sent, success };
}

export interface Introduction {
  id: string;
  status: string;
  codes: string[];
}

/** The LP_INTRODUCE_GOODS documents the True API emulator received from the organisation. */
export function introductions(demo: DemoSetup): Introduction[] {
  return demo.cz
    .documents()
    .filter((d) => d.type === 'LP_INTRODUCE_GOODS' && d.participantInn === demo.world.organisation.inn)
    .map((d) => {
      const body = (d.body ?? JSON.parse(d.raw.toString('utf8'))) as Rec;
      const products = (body['products'] as Rec[] | undefined) ?? [];
      return {
        id: d.number,
        status: d.status,
        codes: products.map((p) => String(p['uit_code'] ?? p['uitu_code'])),
      };
    });
}

/** The balance of a product group of the demo organisation, kopecks. */
export function balanceOf(demo: DemoSetup, pg: string): number {
  const id = productGroup(pg)?.id;
  const part = demo.cz.registry.participant(demo.world.organisation.inn);
  return typeof id === 'number' ? (part?.balances.get(id) ?? 0) : 0;
}

export function setBalance(demo: DemoSetup, pg: string, kopecks: number): void {
  const id = productGroup(pg)?.id;
  const part = demo.cz.registry.participant(demo.world.organisation.inn);
  if (typeof id === 'number' && part) part.balances.set(id, kopecks);
}

/** The values the pack wrote into the orders' «Статус Честный ЗНАК» (via OData), by order ref. */
export async function orderStatuses(demo: DemoSetup): Promise<Map<string, string>> {
  const url = `${demo.onec.url}/odata/standard.odata/${encodeURIComponent(
    'InformationRegister_ДополнительныеСведения',
  )}?$format=json`;
  const auth = Buffer.from(`${demo.onecUser.username}:${demo.onecUser.password}`).toString('base64');
  const r = await fetch(url, { headers: { Authorization: `Basic ${auth}`, Accept: 'application/json' } });
  if (r.status !== 200) throw new Error(`1C register: HTTP ${r.status}`);
  const out = new Map<string, string>();
  for (const rec of ((await r.json()) as { value: Rec[] }).value) {
    if (String(rec['Свойство_Key']) !== ORDER_STATUS_PROPERTY) continue;
    out.set(String(rec['Объект']).toLowerCase(), String(rec['Значение'] ?? ''));
  }
  return out;
}

export interface RunState {
  /** orders created in СУЗ per wanted order */
  created: Map<string, number>;
  /** codes emitted (handed out in blocks) per wanted order */
  emitted: Map<string, string[]>;
  /** codes not yet in a SUCCESS utilisation report / not yet in an accepted introduction */
  unreported: string[];
  unintroduced: string[];
  /** codes in more than one report / introduction */
  twiceReported: string[];
  twiceIntroduced: string[];
  /** orders whose outcome is not in 1C yet */
  unwritten: string[];
  /** introductions by status */
  intros: Record<string, number>;
  done: boolean;
}

/** Where a run of orders stands, from the emulators and the 1C register. */
export async function runState(s: Stack, wanted: WantedOrder[]): Promise<RunState> {
  const demo = s.demo;
  const created = new Map<string, number>();
  const emitted = new Map<string, string[]>();
  for (const w of wanted) {
    const os = ordersFor(demo, w);
    created.set(w.ref, os.length);
    emitted.set(
      w.ref,
      os.flatMap((o) => emittedCodes(demo, o.orderId)),
    );
  }
  const { sent, success } = reportedCodes(demo);
  const intros = introductions(demo);
  const introduced = new Map<string, number>();
  const accepted = new Set<string>();
  const docOf = new Map<string, string>();
  for (const d of intros) {
    for (const c of d.codes) {
      introduced.set(c, (introduced.get(c) ?? 0) + 1);
      docOf.set(c, d.id);
      if (d.status === 'CHECKED_OK') accepted.add(c);
    }
  }
  const all = [...emitted.values()].flat();
  const statuses = await orderStatuses(demo);
  const unwritten = wanted
    .filter((w) => {
      const v = statuses.get(w.ref) ?? '';
      const ids = new Set((emitted.get(w.ref) ?? []).map((c) => docOf.get(c)).filter(Boolean));
      return !(v.includes('[CHECKED_OK]') && [...ids].some((id) => v.includes(id as string)));
    })
    .map((w) => w.number);
  // For lp, shoes, perfumery, tires and electronics СУЗ makes the utilisation report by itself («СУЗ API v3»
  // §4.4.11): their codes are APPLIED when handed out, and suz-report may count a report whose answer was lost
  // as done by their status — applied by СУЗ's own report is applied.
  const applied = (c: string): boolean => {
    const rec = demo.cz.registry.code(c);
    return !!rec && AUTO_UTILISATION_GROUPS.has(rec.pg) && rec.status !== 'EMITTED';
  };
  const unreported = all.filter((c) => !success.get(c) && !applied(c));
  const unintroduced = all.filter((c) => !accepted.has(c));
  const st: RunState = {
    created,
    emitted,
    unreported,
    unintroduced,
    twiceReported: [...sent].filter(([, n]) => n > 1).map(([c]) => c),
    twiceIntroduced: [...introduced].filter(([, n]) => n > 1).map(([c]) => c),
    unwritten,
    intros: intros.reduce<Record<string, number>>(
      (m, d) => ({ ...m, [d.status]: (m[d.status] ?? 0) + 1 }),
      {},
    ),
    done: false,
  };
  st.done =
    wanted.every((w) => created.get(w.ref) === 1 && (emitted.get(w.ref)?.length ?? 0) === w.quantity) &&
    unreported.length === 0 &&
    unintroduced.length === 0 &&
    unwritten.length === 0;
  return st;
}

/** One line for a failure message. */
export function describeRun(st: RunState, wanted: WantedOrder[]): string {
  const orders = wanted
    .map(
      (w) =>
        `${w.number}: ${st.created.get(w.ref)} order(s), ${st.emitted.get(w.ref)?.length ?? 0}/${w.quantity} codes`,
    )
    .join('; ');
  return `${orders}; unreported ${st.unreported.length}, unintroduced ${st.unintroduced.length}, reported twice ${st.twiceReported.length}, introduced twice ${st.twiceIntroduced.length}, introductions ${JSON.stringify(st.intros)}, not in 1C [${st.unwritten.join(', ')}]`;
}
