/**
 * The 1C OData emulator: a standalone HTTP server that behaves like a 1C:Enterprise 8.3 web
 * publication of an УТ 11 base (1C guide §17.4 «Стандартный интерфейс OData»), seeded with the shared demo world.
 *
 * ```ts
 * const emu = await startOnecEmulator({ port: 0 });           // http://127.0.0.1:<port>/demo
 * emu.store.addSale({ lines: [{ itemRef: emu.store.world.items[0].ref, quantity: 2 }] });
 * emu.faults.add({ kind: 'timeout', match: 'Catalog_Номенклатура' });
 * console.log(emu.requests.total, emu.requests.maxUrlBytes);
 * await emu.stop();
 * ```
 *
 * Also a CLI: `znakflow-emulator 1c --port 8081` (see ./cli.ts).
 */
import { demoWorld, type DemoWorld } from '../demo-data';
import { OnecHttpServer, type Fault, type RequestCounters } from './server';
import { ENTITY_SETS } from './schema';
import { OnecStore } from './store';

export {
  OnecStore,
  DEMO_STATUS_PROPERTY,
  DEMO_DOCID_PROPERTY,
  DEMO_PROPERTY_SETS,
  DEMO_STATUS_PROPERTIES,
  formulaIdentifier,
  dataVersionOf,
  type AddPropertyOptions,
  type AddPropertySetOptions,
  type Rec,
  type AddSaleOptions,
  type SaleLine,
} from './store';
export type { Fault, FaultKind, RequestCounters, RequestLogEntry } from './server';
export { ENTITY_SETS, type EntitySetDef, type FieldDef } from './schema';

export interface OnecEmulatorOptions {
  /** default 0 (an ephemeral port); the CLI uses 8081 */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** publication name (default `demo`): `http://host:port/<base>/odata/standard.odata/` */
  base?: string;
  /** the data to serve (default `demoWorld()`) */
  world?: DemoWorld;
  /** Basic-auth users and passwords (default `{ odata: 'odata' }`) */
  users?: Record<string, string>;
  /** delay before every answer, ms */
  latencyMs?: number;
  /** share of requests answered with IIS's HTML 503 (0..1) */
  failRate?: number;
  /** delay of the first request after `idleMs` without requests (1C starting a session) */
  coldStartMs?: number;
  idleMs?: number;
  /** entity sets left out of the OData composition (answer 404) */
  unpublished?: string[];
  /**
   * Attributes this base's configuration does not have, by entity set (an older БСП without
   * `ИдентификаторДляФормул`, `Заголовок`…): absent from the data and `$metadata`, and named in
   * `$select`/`$filter` they are answered with 400 «Сегмент пути … не найден!», as 1C does.
   */
  withoutFields?: Record<string, string[]>;
  /** `$inlinecount=allpages` makes `$top`/`$skip` ignored, as the 1C guide says (default true) */
  inlinecountIgnoresPaging?: boolean;
  /** IIS `maxQueryString` (default 2 048 bytes) */
  maxQueryBytes?: number;
}

export interface OnecEmulator {
  /** publication root, e.g. `http://127.0.0.1:8081/demo` (what `onec-connection.url` takes) */
  url: string;
  /** `<url>/odata/standard.odata/` */
  serviceRoot: string;
  port: number;
  /** request counters (total, per method, per entity set, longest URL, recent log) */
  requests: RequestCounters;
  /** the data: read, add and change entities (e.g. post a new sale, bump DataVersion) */
  store: OnecStore;
  /** inject failures into the next matching requests */
  faults: { add(f: Fault): void; clear(): void };
  stop(): Promise<void>;
}

export async function startOnecEmulator(opts: OnecEmulatorOptions = {}): Promise<OnecEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const base = (opts.base ?? 'demo').replace(/^\/+|\/+$/g, '');
  const without = opts.withoutFields ?? {};
  const defs = ENTITY_SETS.map((d) =>
    without[d.name] ? { ...d, fields: d.fields.filter((f) => !without[d.name]!.includes(f.name)) } : d,
  );
  const store = new OnecStore(opts.world ?? demoWorld(), defs);
  const server = new OnecHttpServer({
    store,
    base,
    users: opts.users ?? { odata: 'odata' },
    latencyMs: opts.latencyMs ?? 0,
    failRate: opts.failRate ?? 0,
    coldStartMs: opts.coldStartMs ?? 0,
    idleMs: opts.idleMs ?? 60000,
    unpublished: new Set(opts.unpublished ?? []),
    inlinecountIgnoresPaging: opts.inlinecountIgnoresPaging ?? true,
    maxQueryBytes: opts.maxQueryBytes ?? 2048,
  });
  const port = await server.listen(opts.port ?? 0, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/${base}`;
  return {
    url,
    serviceRoot: `${url}/odata/standard.odata/`,
    port,
    requests: server.counters,
    store,
    faults: { add: (f) => server.addFault(f), clear: () => server.clearFaults() },
    stop: () => server.close(),
  };
}
