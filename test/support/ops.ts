/**
 * The operations test bed: the demo (both emulators), the standard flow in a real Node-RED installed
 * from `npm pack`, the comms websocket, and the knobs an outage or a long run needs — 1C taken off
 * the network and brought back on the same port with the same data, Честный ЗНАК answering 503, new
 * sales posted in 1C whose codes Честный ЗНАК knows, a test-only probe of the Node-RED process
 * (memory, handles), and the bookkeeping of what arrived where.
 */
import { SHIP_GOODS_GROUPS } from '../../lib/cz/product-groups';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeCode } from '../../lib/codes';
import { startDemo, type DemoSetup, type DemoStartOptions } from '../../lib/emulators/demo';
import { OnecHttpServer } from '../../lib/emulators/onec/server';
import { adminGet, deployFlows, startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { Comms } from './comms';

export const STATUS_PROPERTY = '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0001';
export const SALES = 'Document_РеализацияТоваровУслуг';

/** Node ids of the standard flow (examples/standard-sync.json). */
export const STD = {
  read: 'zf-std-read',
  map: 'zf-std-map',
  send: 'zf-std-send',
  status: 'zf-std-status',
  edoSend: 'zf-std-edo-send',
  edoStatus: 'zf-std-edo-status',
  writeOk: 'zf-std-write-ok',
  writeRejected: 'zf-std-write-rejected',
  writeInvalid: 'zf-std-write-invalid',
  errors: 'zf-std-debug-errors',
} as const;

/**
 * A test-only probe in the Node-RED process (settings.js `httpAdminMiddleware`): `GET /zf-probe`
 * answers its memory after a full GC and its active handles and resources by type.
 */
export const PROBE_SETTINGS_JS = `{
  httpAdminMiddleware: function (req, res, next) {
    if (req.url !== '/zf-probe') return next();
    let gc = global.gc;
    if (!gc) {
      require('v8').setFlagsFromString('--expose_gc');
      gc = require('vm').runInNewContext('gc');
    }
    gc(); gc();
    const count = (list) => list.reduce((m, n) => { m[n] = (m[n] || 0) + 1; return m; }, {});
    const handles = count(process._getActiveHandles().map((h) => (h && h.constructor && h.constructor.name) || typeof h));
    const resources = count(process.getActiveResourcesInfo());
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ memory: process.memoryUsage(), handles, resources, pid: process.pid }));
  }
}`;

export interface Probe {
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
  handles: Record<string, number>;
  resources: Record<string, number>;
  pid: number;
}

export async function probe(rt: Runtime): Promise<Probe> {
  const r = await adminGet(rt, '/zf-probe');
  if (r.status !== 200) throw new Error(`probe: HTTP ${r.status}`);
  return (await r.json()) as Probe;
}

export interface OpsBed {
  demo: DemoSetup;
  rt: Runtime;
  comms: Comms;
  dir: string;
  /** the flows as deployed */
  flows: Array<Record<string, unknown>>;
  deploy(flows?: Array<Record<string, unknown>>): Promise<void>;
  /** take the 1C publication off the network (connections refused) */
  onecDown(): Promise<void>;
  /** bring it back on the same port with the same data */
  onecUp(): Promise<void>;
  /** Честный ЗНАК answers every request with 503 «Удаленная система недоступна» until `czUp` */
  czDown(): void;
  czUp(): void;
  /** post a new sale in 1C whose codes Честный ЗНАК knows (INTRODUCED, owned by the organisation) */
  postSale(opts?: { lines?: Array<{ item: number; quantity: number }>; counterparty?: number }): {
    ref: string;
    number: string;
  };
  /** documents received by Честный ЗНАК per (1C number, product group) */
  received(): Map<string, number>;
  /** the outcome records written back into 1C, per document Ref_Key */
  outcomes(): Map<string, string>;
  journal(): Promise<JournalView>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export interface JournalView {
  journals: Array<{
    participantInn: string;
    stand: string;
    summary: {
      total: number;
      pending: number;
      sent: number;
      accepted: number;
      rejected: number;
      failed: number;
      unknown: number;
    };
    entries: Array<{ key: string; number: string | null; status: string | null; group: string }>;
  }>;
}

/** The standard flow, with its poll intervals shortened (bounded runs) or as shipped. */
export function standardFlows(
  demo: DemoSetup,
  fast: { interval?: number; pollSeconds?: number; settleSeconds?: number } = {},
): Array<Record<string, unknown>> {
  return demo.flows.map((n) => {
    if (n['type'] === 'onec-read' && fast.interval) return { ...n, interval: fast.interval };
    if (n['type'] === 'cz-status' && fast.pollSeconds) return { ...n, pollSeconds: fast.pollSeconds };
    if (n['type'] === 'cz-send' && fast.settleSeconds) return { ...n, settleSeconds: fast.settleSeconds };
    return n;
  });
}

export async function startOpsBed(
  opts: {
    demo?: Partial<DemoStartOptions>;
    fast?: { interval?: number; pollSeconds?: number; settleSeconds?: number };
    settings?: Record<string, unknown>;
    deploy?: boolean;
  } = {},
): Promise<OpsBed> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-ops-'));
  const demo = await startDemo({ dir, examples: ['standard-sync.json'], ...opts.demo });
  let rt: Runtime | undefined;
  let comms: Comms | undefined;
  try {
    rt = await startRuntime({
      env: demo.env,
      settingsJs: PROBE_SETTINGS_JS,
      settings: opts.settings,
      logFile: path.join(dir, 'node-red.log'),
    });
    comms = await Comms.connect(rt.url);
  } catch (err) {
    await rt?.stop();
    await demo.stop();
    throw err;
  }
  const runtime = rt;
  const onecPort = demo.onec.port;
  const store = demo.onec.store;
  let onecServer: OnecHttpServer | undefined;
  let onecIsDown = false;
  const flows = standardFlows(demo, opts.fast);
  const bed: OpsBed = {
    demo,
    rt: runtime,
    comms,
    dir,
    flows,
    async deploy(f = flows) {
      await deployFlows(runtime, f, { credentials: demo.credentials });
    },
    async onecDown() {
      if (onecIsDown) return;
      onecIsDown = true;
      if (onecServer) await onecServer.close();
      else await demo.onec.stop();
    },
    async onecUp() {
      if (!onecIsDown) return;
      // The same publication with the same data, as when IIS or the 1C server process comes back.
      onecServer = new OnecHttpServer({
        store,
        base: 'demo',
        users: { [demo.onecUser.username]: demo.onecUser.password },
        latencyMs: 0,
        failRate: 0,
        coldStartMs: 0,
        idleMs: 60000,
        unpublished: new Set(),
        inlinecountIgnoresPaging: true,
        maxQueryBytes: 2048,
      });
      await onecServer.listen(onecPort, '127.0.0.1');
      onecIsDown = false;
    },
    czDown() {
      // Every request answered 5xx; the emulator's pick among 500/502/503/504 lands on 503 for this
      // random value, and before any processing (not the "lost answer" case).
      demo.cz.options.faults = { rate5xx: 1, afterProcessing: 0, random: () => 0.6 };
    },
    czUp() {
      demo.cz.options.faults = {};
    },
    postSale(o = {}) {
      const items = demo.world.items;
      const lines = (o.lines ?? [{ item: 0, quantity: 2 }]).map((l) => ({
        itemRef: (items[l.item] ?? items[0])!.ref,
        quantity: l.quantity,
      }));
      const counterparty = demo.world.counterparties[o.counterparty ?? 0]!;
      const rec = store.addSale({ counterpartyRef: counterparty.ref, lines });
      // Честный ЗНАК knows the new codes: INTRODUCED, owned by the organisation.
      for (const row of rec['ШтрихкодыУпаковок'] as Array<Record<string, unknown>>) {
        const code = store.find('Catalog_ШтрихкодыУпаковокТоваров', String(row['ШтрихкодУпаковки_Key']));
        if (!code) continue;
        const item = items.find((i) => i.ref === code['Номенклатура_Key']);
        if (!item?.pg) continue;
        demo.cz.registry.addCode({
          cis: normalizeCode(String(code['ЗначениеШтрихкода']), item.pg),
          gtin: item.gtin,
          pg: item.pg,
          ownerInn: demo.world.organisation.inn,
          producerInn: demo.world.organisation.inn,
          status: 'INTRODUCED',
          productName: item.name,
          tnved: item.tnved,
        });
      }
      return { ref: String(rec['Ref_Key']), number: String(rec['Number']) };
    },
    received() {
      const out = new Map<string, number>();
      for (const d of demo.cz.documents()) {
        const body = (d.body ?? {}) as Record<string, unknown>;
        const k = `${String(body['document_num'] ?? d.number)}|${d.pg}`;
        out.set(k, (out.get(k) ?? 0) + 1);
      }
      // the УПД through ЭДО Лайт (the `/k` suffix of a sale of several groups taken off)
      for (const d of demo.cz.edo.documents()) {
        if (d.sellerInn !== demo.world.organisation.inn) continue;
        const k = `${d.number.replace(/\/\d+$/, '')}|${d.pg}`;
        out.set(k, (out.get(k) ?? 0) + 1);
      }
      return out;
    },
    outcomes() {
      const out = new Map<string, string>();
      for (const r of store.list('InformationRegister_ДополнительныеСведения')) {
        if (r['Свойство_Key'] !== STATUS_PROPERTY) continue;
        out.set(String(r['Объект']).toLowerCase(), String(r['Значение']));
      }
      return out;
    },
    async journal() {
      return (await (await adminGet(runtime, '/znakflow/journal?limit=1000')).json()) as JournalView;
    },
    async metrics() {
      return (await adminGet(runtime, '/znakflow/metrics')).text();
    },
    async stop() {
      comms?.close();
      await runtime.stop();
      if (onecServer) await onecServer.close();
      await demo.stop();
    },
  };
  if (opts.deploy !== false) await bed.deploy();
  return bed;
}

/**
 * Posted, not deletion-marked sales in 1C with marked goods: each must reach Честный ЗНАК (a УПД per
 * group through ЭДО Лайт, LP_SHIP_GOODS for furs); `groups` are those that become a document.
 */
export function postedSales(bed: OpsBed): Array<{ ref: string; number: string; groups: string[] }> {
  const store = bed.demo.onec.store;
  const items = new Map(bed.demo.world.items.map((i) => [i.ref, i]));
  return store
    .list(SALES)
    .filter((d) => d['Posted'] === true && d['DeletionMark'] !== true)
    .map((d) => {
      const groups = new Set<string>();
      const buyer = store.find('Catalog_Контрагенты', String(d['Контрагент_Key']));
      // a УПД to a buyer ЭДО Лайт does not know is refused before sending (its reason is written to 1C)
      const known = !!bed.demo.cz.registry.participant(String(buyer?.['ИНН'] ?? ''))?.registered;
      for (const row of d['Товары'] as Array<Record<string, unknown>>) {
        const pg = items.get(String(row['Номенклатура_Key']))?.pg;
        if (pg && (known || SHIP_GOODS_GROUPS.includes(pg))) groups.add(pg);
      }
      return { ref: String(d['Ref_Key']).toLowerCase(), number: String(d['Number']), groups: [...groups] };
    })
    .filter((d) => d.groups.length > 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
