/**
 * The whole pack running as a user runs it: both emulators of the demo (`startDemo`), a real Node-RED
 * process with the pack installed from `npm pack`, the example flows deployed through the Admin API
 * (credentials in POST /flows, environment as the demo sets it), and the comms websocket. Used by the
 * end-to-end suites (test/e2e) and the benchmarks (bench/).
 *
 * Also what the suites check against: the shipments the 1C data calls for, computed from the demo
 * world and the 1C emulator's own documents — never from what the pack did.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo, type DemoSetup, type DemoStartOptions } from '../../lib/emulators/demo';
import type { DemoOptions } from '../../lib/emulators/demo-data';
import type { EmulatorDocument } from '../../lib/emulators/cz/documents';
import { SHIP_GOODS_GROUPS } from '../../lib/cz/product-groups';
import { readSellerTitle, type SellerTitle } from '../../lib/edo/buyer';
import { decodeCp1251 } from '../../lib/edo/cp1251';
import { adminGet, deployFlows, startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { Comms } from './ws-comms';

export type FlowNode = Record<string, unknown>;

export interface StackOptions {
  world?: DemoOptions;
  cz?: DemoStartOptions['cz'];
  onec?: DemoStartOptions['onec'];
  suz?: DemoStartOptions['suz'];
  /** example files to deploy (default: every one, standard-sync first, as `npm start` does) */
  examples?: string[];
  /** change the flows before they are deployed (default: none — the examples as shipped) */
  transform?: (flows: FlowNode[]) => FlowNode[];
  /** connect to the comms websocket (default true) */
  comms?: boolean;
  /** keep Node-RED's output here (default: <dir>/node-red.log) */
  logFile?: string;
  /** called with the running emulators just before the flows are deployed (the benchmark's clock) */
  beforeDeploy?: (demo: DemoSetup) => void;
}

export interface JournalEntryView {
  key: string;
  group: string;
  state: string;
  status: string | null;
  type: string;
  productGroup: string;
  part: number;
  parts: number;
  number: string | null;
  entity: string | null;
  ref: string;
  documentId: string | null;
  errors: string[];
  lastError: string | null;
  attempts: number;
}

export interface JournalView {
  journals: Array<{
    participantInn: string;
    stand: string;
    summary: Record<string, number>;
    entries: JournalEntryView[];
  }>;
}

export interface Stack {
  dir: string;
  demo: DemoSetup;
  rt: Runtime;
  comms?: Comms;
  flows: FlowNode[];
  /** Node-RED killed with SIGKILL (or stopped), then started again on the same user directory */
  restart(how?: 'kill' | 'stop'): Promise<void>;
  /** GET /znakflow/journal (every entry) */
  journal(): Promise<JournalView>;
  /** press an inject node's button (POST /inject/<id>) */
  inject(id: string): Promise<void>;
  stop(): Promise<void>;
}

export const SALES = 'Document_РеализацияТоваровУслуг';
export const REGISTER = 'InformationRegister_ДополнительныеСведения';

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-e2e-'));
  const demo = await startDemo({
    dir,
    world: opts.world,
    cz: opts.cz,
    onec: opts.onec,
    suz: opts.suz,
    examples: opts.examples,
  });
  const flows = (opts.transform ?? ((f) => f))(demo.flows as FlowNode[]);
  const userDir = path.join(dir, 'node-red');
  const logFile = opts.logFile ?? path.join(dir, 'node-red.log');
  let rt: Runtime;
  try {
    rt = await startRuntime({ userDir, env: demo.env, logFile });
    opts.beforeDeploy?.(demo);
    await deployFlows(rt, flows, { credentials: demo.credentials });
  } catch (err) {
    await demo.stop();
    throw err;
  }
  const stack: Stack = {
    dir,
    demo,
    rt,
    flows,
    comms: opts.comms === false ? undefined : await Comms.connect(rt.url),
    async restart(how = 'kill') {
      stack.comms?.close();
      if (how === 'kill') await stack.rt.kill9();
      else await stack.rt.stop();
      stack.rt = await startRuntime({ userDir, env: demo.env, logFile, skipInstall: true });
      if (opts.comms !== false) stack.comms = await Comms.connect(stack.rt.url);
    },
    async journal() {
      const r = await adminGet(stack.rt, '/znakflow/journal?limit=1000');
      if (r.status !== 200) throw new Error(`GET /znakflow/journal: ${r.status}`);
      return (await r.json()) as JournalView;
    },
    async inject(id: string) {
      const r = await fetch(`${stack.rt.url}/inject/${id}`, { method: 'POST' });
      if (r.status !== 200) throw new Error(`POST /inject/${id}: ${r.status} ${await r.text()}`);
    },
    async stop() {
      stack.comms?.close();
      await stack.rt.stop().catch(() => undefined);
      await demo.stop();
      if (!process.env['ZNAKFLOW_KEEP_E2E']) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Wait until `fn` gives a truthy value; polls every `everyMs`. The message says what was awaited. */
export async function waitFor<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string | (() => string | Promise<string>),
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : await what()}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A flow node by id (throws when the example lacks it). */
export function nodeOf(flows: FlowNode[], id: string): FlowNode {
  const n = flows.find((x) => x['id'] === id);
  if (!n) throw new Error(`no node ${id} in the flows`);
  return n;
}

// -------------------------------------------------------------------------------------------------
// What the 1C data calls for

export interface ExpectedShipment {
  /** 1C Ref_Key and number of the sale */
  ref: string;
  number: string;
  pg: string;
  receiverInn: string;
  /** normalised codes (leaves of aggregates) */
  codes: string[];
  /** the codes as the sale lists them: units normalised, aggregates as their SSCC / code (what a УПД holds) */
  topCodes: string[];
  /** how it ships: LP_SHIP_GOODS for furs, a УПД through ЭДО Лайт for every other group */
  route: 'LP_SHIP_GOODS' | 'UPD';
}

type Rec = Record<string, unknown>;

/**
 * The documents the 1C emulator's posted sales call for: one per product group — a УПД through ЭДО
 * Лайт, LP_SHIP_GOODS for furs — with every marking code (boxes expanded to what they hold, and as the
 * sale lists them), read from the emulator's own store. A УПД to a buyer not registered in ГИС МТ is not
 * among them: it is refused before sending.
 */
export function expectedShipments(demo: DemoSetup): ExpectedShipment[] {
  const store = demo.onec.store;
  const items = new Map(demo.world.items.map((i) => [i.ref, i]));
  const codesCatalog = new Map(
    store.rows('Catalog_ШтрихкодыУпаковокТоваров').map((r) => [String(r['Ref_Key']).toLowerCase(), r]),
  );
  const leaves = (ref: string, depth = 0): Rec[] => {
    const c = codesCatalog.get(ref.toLowerCase());
    if (!c || depth > 10) return [];
    const nested = (c['ВложенныеШтрихкоды'] as Rec[] | undefined) ?? [];
    if (nested.length === 0) return [c];
    return nested.flatMap((n) => leaves(String(n['Штрихкод_Key']), depth + 1));
  };
  const out: ExpectedShipment[] = [];
  const counterparties = new Map(
    store.rows('Catalog_Контрагенты').map((r) => [String(r['Ref_Key']).toLowerCase(), r]),
  );
  for (const sale of store.rows(SALES)) {
    if (sale['Posted'] !== true || sale['DeletionMark'] === true) continue;
    const byPg = new Map<string, string[]>();
    const topByPg = new Map<string, string[]>();
    for (const row of (sale['ШтрихкодыУпаковок'] as Rec[] | undefined) ?? []) {
      const top = codesCatalog.get(String(row['ШтрихкодУпаковки_Key']).toLowerCase());
      for (const leaf of leaves(String(row['ШтрихкодУпаковки_Key']))) {
        const item = items.get(String(leaf['Номенклатура_Key']));
        if (!item?.pg) continue;
        const list = byPg.get(item.pg) ?? [];
        list.push(cisOf(String(leaf['ЗначениеШтрихкода'])));
        byPg.set(item.pg, list);
        const tops = topByPg.get(item.pg) ?? [];
        const t = cisOf(String(top?.['ЗначениеШтрихкода'] ?? ''));
        if (!tops.includes(t)) tops.push(t);
        topByPg.set(item.pg, tops);
      }
    }
    const buyer = counterparties.get(String(sale['Контрагент_Key']).toLowerCase());
    const registered = !!demo.cz.registry.participant(String(buyer?.['ИНН'] ?? ''))?.registered;
    for (const [pg, codes] of byPg) {
      // a УПД to a buyer ЭДО Лайт does not know is refused before sending (edo-send's output 2)
      if (!registered && !SHIP_GOODS_GROUPS.includes(pg)) continue;
      out.push({
        ref: String(sale['Ref_Key']),
        number: String(sale['Number']),
        pg,
        receiverInn: String(buyer?.['ИНН'] ?? ''),
        codes: codes.sort(),
        topCodes: (topByPg.get(pg) ?? []).sort(),
        route: SHIP_GOODS_GROUPS.includes(pg) ? 'LP_SHIP_GOODS' : 'UPD',
      });
    }
  }
  return out;
}

/** 01 + GTIN + 21 + serial out of the stored value (full GS1 text with GS, or already short). */
export function cisOf(stored: string): string {
  const gs = stored.indexOf('\u001d');
  const head = gs >= 0 ? stored.slice(0, gs) : stored;
  return /^01\d{14}21/.test(head) ? head : stored;
}

/** Final statuses of what the standard flow sends: ЧЗ statuses, and the УПД outcomes of edo-status. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'CHECKED_OK',
  'CHECKED_NOT_OK',
  'WAIT_ACCEPTANCE',
  'WAIT_PARTICIPANT_REGISTRATION',
  'ACCEPTED',
  'REJECTED',
  'REFUSED',
]);

export interface SentShipment {
  /** the Честный ЗНАК document id, or the ЭДО Лайт id of a УПД (what is written into 1C) */
  id: string;
  /** the 1C number (a УПД's `/k` suffix of a sale of several groups taken off) */
  number: string;
  pg: string;
  /** ЧЗ status; for a УПД its outcome as edo-status names it (ACCEPTED, REJECTED, REFUSED, …) */
  status: string;
  errors: string[];
  senderInn: string | null;
  receiverInn: string | null;
  /** the LP_SHIP_GOODS body ({} for a УПД) */
  body: Rec;
  /** the codes: LP_SHIP_GOODS `uit_code`s; a УПД's КИЗ and НомУпак */
  codes: string[];
  type: 'LP_SHIP_GOODS' | 'UPD';
  /** a УПД: its ИдФайл, number as written, total with VAT (roubles), the seller's title read back */
  upd?: {
    fileId: string;
    number: string;
    totalPrice: number;
    title: SellerTitle;
    edoStatus: number;
    /** the file as uploaded, decoded from windows-1251 */
    xml: string;
  };
}

/** A УПД's EDO status as the outcome edo-status gives (lib/edo/follow.ts), for the oracles. */
function updOutcome(status: number): string {
  if (status === 61) return 'ACCEPTED';
  if (status === 62) return 'REJECTED';
  if ([5, 6, 8, 14, 15].includes(status)) return 'REFUSED';
  if ([18, 64, 65].includes(status)) return 'ANNULLED';
  return `EDO_${status}`;
}

/**
 * What Честный ЗНАК and ЭДО Лайт received from the organisation, in order: its LP_SHIP_GOODS documents
 * (True API emulator), then its УПД (ЭДО Лайт emulator).
 */
export function sentShipments(demo: DemoSetup): SentShipment[] {
  return [...sentLpShipGoods(demo), ...sentUpds(demo)];
}

/** The УПД the ЭДО Лайт emulator received from the organisation, in order. */
export function sentUpds(demo: DemoSetup): SentShipment[] {
  const org = demo.world.organisation.inn;
  return demo.cz.edo
    .documents()
    .filter((d) => d.sellerInn === org)
    .map((d) => ({
      id: d.id,
      number: d.number.replace(/\/\d+$/, ''),
      pg: d.pg,
      status: updOutcome(d.status),
      errors: d.refusal ? [d.refusal.text] : [],
      senderInn: d.sellerInn,
      receiverInn: d.buyerInn,
      body: {},
      codes: [...d.codes].sort(),
      type: 'UPD' as const,
      upd: {
        fileId: d.fileId,
        number: d.number,
        totalPrice: d.totalPrice,
        title: readSellerTitle(d.bytes),
        xml: decodeCp1251(d.bytes),
        edoStatus: d.status,
      },
    }));
}

/** The LP_SHIP_GOODS documents the True API emulator received from the organisation, in order. */
export function sentLpShipGoods(demo: DemoSetup): SentShipment[] {
  const org = demo.world.organisation.inn;
  return demo.cz
    .documents()
    .filter((d: EmulatorDocument) => d.type === 'LP_SHIP_GOODS' && d.participantInn === org)
    .map((d) => {
      const body = (d.body ?? JSON.parse(d.raw.toString('utf8'))) as Rec;
      const products = (body['products'] as Rec[] | undefined) ?? [];
      return {
        id: d.number,
        number: String(body['document_num'] ?? ''),
        pg: d.pg,
        status: d.status,
        errors: d.errors,
        senderInn: d.senderInn,
        receiverInn: d.receiverInn,
        body,
        codes: products.map((p) => String(p['uit_code'])).sort(),
        type: 'LP_SHIP_GOODS' as const,
      };
    });
}

/** How many documents Честный ЗНАК received per (1C number, product group). */
export function countPerSaleAndGroup(sent: SentShipment[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of sent) m.set(`${s.number}|${s.pg}`, (m.get(`${s.number}|${s.pg}`) ?? 0) + 1);
  return m;
}

/**
 * Documents received more than once for the same 1C document version and product group. Честный ЗНАК
 * does not know 1C's DataVersion, so a version is told apart by its content: the same 1C number, group
 * and codes twice is the same version sent twice (an edit that changes nothing must not be sent
 * again either). A corrected version (other codes) is not a duplicate.
 */
export function duplicates(sent: SentShipment[]): string[] {
  const m = new Map<string, number>();
  for (const s of sent) {
    const k = `${s.number}|${s.pg}|${s.codes.join(',')}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m].filter(([, n]) => n > 1).map(([k, n]) => `${k.split('|').slice(0, 2).join('|')} ×${n}`);
}

/** The value the pack wrote into 1C's additional information of a document (via OData), or undefined. */
export async function writtenBack(demo: DemoSetup, ref: string): Promise<string | undefined> {
  const values = await writtenBackAll(demo);
  return values.get(ref.toLowerCase());
}

/**
 * Every additional-information value of the demo's status property (of the sales' property set unless
 * another is named), by document ref (via OData).
 */
export async function writtenBackAll(
  demo: DemoSetup,
  property = '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0001',
): Promise<Map<string, string>> {
  const url = `${demo.onec.url}/odata/standard.odata/${encodeURIComponent(REGISTER)}?$format=json`;
  const auth = Buffer.from(`${demo.onecUser.username}:${demo.onecUser.password}`).toString('base64');
  const r = await fetch(url, { headers: { Authorization: `Basic ${auth}`, Accept: 'application/json' } });
  if (r.status !== 200) throw new Error(`1C register: HTTP ${r.status}`);
  const body = (await r.json()) as { value: Rec[] };
  const out = new Map<string, string>();
  for (const rec of body.value) {
    if (String(rec['Свойство_Key']) !== property) continue;
    out.set(String(rec['Объект']).toLowerCase(), String(rec['Значение'] ?? ''));
  }
  return out;
}

/** Change the watch interval of the standard flow's onec-read (the crash test and the benchmark). */
export function withWatchInterval(seconds: number): (flows: FlowNode[]) => FlowNode[] {
  return (flows) =>
    flows.map((n) => (n['type'] === 'onec-read' && n['mode'] === 'watch' ? { ...n, interval: seconds } : n));
}

/** Register codes of the 1C emulator (by catalog Ref_Key) in the True API emulator, owned by the organisation. */
export function registerCodesInCz(demo: DemoSetup, codeRefs: string[]): string[] {
  const store = demo.onec.store;
  const items = new Map(demo.world.items.map((i) => [i.ref, i]));
  const out: string[] = [];
  for (const ref of codeRefs) {
    const c = store.find('Catalog_ШтрихкодыУпаковокТоваров', ref);
    const item = items.get(String(c?.['Номенклатура_Key'] ?? ''));
    if (!c || !item?.pg) continue;
    const cis = cisOf(String(c['ЗначениеШтрихкода']));
    demo.cz.registry.addCode({
      cis,
      gtin: item.gtin,
      pg: item.pg,
      status: 'INTRODUCED',
      ownerInn: demo.world.organisation.inn,
      producerInn: demo.world.organisation.inn,
      productName: item.name,
      tnved: item.tnved,
      introducedDate: new Date(Date.now() - 86400000).toISOString(),
    });
    out.push(cis);
  }
  return out;
}

/**
 * A sale entered and posted in 1C while the flow runs (the 1C emulator makes new codes for it); its
 * codes are registered in Честный ЗНАК unless `registered` is false (then Честный ЗНАК rejects it).
 */
export function postSale(
  demo: DemoSetup,
  lines: Array<{ item: number; quantity: number }>,
  opts: { counterparty?: number; registered?: boolean; comment?: string } = {},
): { ref: string; number: string; codeRefs: string[] } {
  const rec = demo.onec.store.addSale({
    counterpartyRef: demo.world.counterparties[opts.counterparty ?? 0]?.ref,
    lines: lines.map((l) => ({
      itemRef: (demo.world.items[l.item] as { ref: string }).ref,
      quantity: l.quantity,
    })),
    comment: opts.comment ?? 'e2e',
  });
  const codeRefs = ((rec['ШтрихкодыУпаковок'] as Rec[] | undefined) ?? []).map((r) =>
    String(r['ШтрихкодУпаковки_Key']),
  );
  if (opts.registered !== false) registerCodesInCz(demo, codeRefs);
  return { ref: String(rec['Ref_Key']), number: String(rec['Number']), codeRefs };
}
