/**
 * The СУЗ side of a participant's desk (lib/cz/desk.ts, docs/suz.md): one SuzClient, one СУЗ journal
 * and the exactly-once orders service per `cz-connection`, made on first use under the key `suz` and
 * closed with the desk. The client token comes from True API `simpleSignIn/{omsConnection}` with the
 * connection's signer («Описание True API» v553 §11.1); without an `omsConnection` the installation is
 * registered once with the registration key («СУЗ-Облако 4.0. Руководство программиста» §9.2.1) and
 * the id it gets is kept in the state directory, so a restart does not register it again.
 */
import os from 'node:os';
import path from 'node:path';
import { productGroup } from '../cz/product-groups';
import type { CzConnection } from '../cz/connection';
import type { CzDesk, DeskService, DeskServiceSummary } from '../cz/desk';
import { baseUrl, type CzConnectionSettings } from '../cz/settings';
import { ZnakFlowError } from '../errors';
import { readJson, writeJsonAtomic } from '../store/atomic';
import { SuzClient, type SuzCallOptions, type SuzClientOptions } from './client';
import { suzJournalFile, SuzJournal, type BlockEntry, type OrderEntry, type ReportEntry } from './journal';
import { roubles, SuzOrders, type SuzOrdersOptions } from './orders';
import { suzBaseUrl, suzRegistrationUrl } from './settings';

export const SUZ_SERVICE = 'suz';

/** A balance seen when an order was checked (kopecks; undefined: no personal account). */
export interface SeenBalance {
  kopecks?: number;
  at: string;
}

/** Where the registered connection id of a station is kept. */
export function suzConnectionFile(stateDirectory: string, omsId: string): string {
  return path.join(stateDirectory, `suz-connection-${omsId}.json`);
}

function noOmsId(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'SUZ_NO_OMS',
    field: 'omsId',
    ru: 'в подключении к Честному ЗНАКу не указан omsId (идентификатор СУЗ из её настроек)',
    en: 'the Chestny ZNAK connection has no omsId (the СУЗ id from its settings)',
    source: 'config',
  });
}

function noConnection(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'SUZ_NO_CONNECTION_ID',
    field: 'omsConnection',
    ru: 'в подключении не указан идентификатор соединения СУЗ (omsConnection) и нет ключа регистрации: возьмите идентификатор в СУЗ («Устройства») или укажите ключ регистрации',
    en: 'the connection has no СУЗ connection id (omsConnection) and no registration key: take the id from СУЗ («Устройства») or give a registration key',
    source: 'config',
  });
}

export interface SuzServiceOptions {
  /** client options (tests: retries, timeouts) */
  client?: Partial<SuzClientOptions>;
  /** the name the installation is registered under (default `ZnakFlow <host>`) */
  name?: string;
}

/** The СУЗ service of one desk. */
export class SuzDeskService implements DeskService {
  readonly client: SuzClient;
  readonly journal: SuzJournal;
  readonly omsId: string;
  /** balances of product groups as last read (for the sidebar) */
  readonly balances = new Map<string, SeenBalance>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private registering?: Promise<void>;
  private closed = false;

  constructor(
    private readonly conn: CzConnection,
    private readonly settings: CzConnectionSettings,
    private readonly stateDirectory: string,
    private readonly registrationKey: string | undefined,
    private readonly opts: SuzServiceOptions = {},
  ) {
    if (!settings.omsId) throw noOmsId();
    this.omsId = settings.omsId;
    const registered = this.registered();
    if (!settings.omsConnection && !registered && !registrationKey) throw noConnection();
    this.client = new SuzClient({
      cz: conn.client,
      signer: conn.signer,
      baseUrl: suzBaseUrl(settings),
      registrationUrl: suzRegistrationUrl(settings),
      omsId: settings.omsId,
      omsConnection: settings.omsConnection || registered,
      rateLimit: settings.omsRateLimit,
      timeoutMs: settings.timeout,
      participantInn: settings.participantInn,
      ...opts.client,
    });
    this.journal = new SuzJournal(suzJournalFile(stateDirectory, settings.omsId));
  }

  /** The connection id registered earlier for this station and registration host, if any. */
  private registered(): string | undefined {
    try {
      const r = readJson(suzConnectionFile(this.stateDirectory, this.settings.omsId as string)) as
        { omsConnection?: unknown; registrationUrl?: unknown } | undefined;
      return typeof r?.omsConnection === 'string' && r.registrationUrl === suzRegistrationUrl(this.settings)
        ? r.omsConnection
        : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The client is usable: it has a connection id (given, registered before, or registered now with the
   * registration key — once, kept in the state directory).
   */
  async ready(call: SuzCallOptions = {}): Promise<SuzClient> {
    if (this.client.omsConnection) return this.client;
    this.registering ??= (async () => {
      const r = await this.client.registerConnection(
        {
          registrationKey: this.registrationKey as string,
          address: os.hostname(),
          name: this.opts.name ?? `ZnakFlow ${os.hostname()}`,
        },
        call,
      );
      writeJsonAtomic(suzConnectionFile(this.stateDirectory, this.omsId), {
        omsId: this.omsId,
        omsConnection: r.omsConnection,
        registrationUrl: suzRegistrationUrl(this.settings),
        participantInn: this.settings.participantInn,
        stand: baseUrl(this.settings),
        registeredAt: new Date().toISOString(),
      });
    })().finally(() => {
      this.registering = undefined;
    });
    await this.registering;
    return this.client;
  }

  /** An orders service on the shared client and journal, with a node's own options. */
  orders(o: Partial<Omit<SuzOrdersOptions, 'suz' | 'cz' | 'journal'>> = {}): SuzOrders {
    return new SuzOrders({
      ...o,
      suz: this.client,
      cz: this.conn.client,
      journal: this.journal,
      onBalance: (pg, kopecks) => {
        this.balances.set(pg, { kopecks, at: new Date().toISOString() });
        o.onBalance?.(pg, kopecks);
      },
    });
  }

  /** Run `fn` alone for `key` (one order or report worked on once at a time, whoever asks). */
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Orders, blocks, reports and balances per product group, for the sidebar and metrics. */
  summary(): DeskServiceSummary {
    type Row = {
      orders: number;
      open: number;
      declined: number;
      blocks: number;
      undelivered: number;
      codes: number;
      reports: number;
      reportsFailed: number;
    };
    const rows = new Map<string, Row>();
    const row = (pg: string): Row => {
      let r = rows.get(pg);
      if (!r) {
        r = {
          orders: 0,
          open: 0,
          declined: 0,
          blocks: 0,
          undelivered: 0,
          codes: 0,
          reports: 0,
          reportsFailed: 0,
        };
        rows.set(pg, r);
      }
      return r;
    };
    const groupOf = new Map<string, string>();
    for (const e of this.journal.all()) {
      if (e.kind === 'order') {
        const o = e as OrderEntry;
        groupOf.set(o.key, o.productGroup);
        const r = row(o.productGroup);
        r.orders++;
        if (o.state === 'declined' || o.state === 'failed') r.declined++;
        else if (o.state !== 'closed') r.open++;
      }
    }
    for (const e of this.journal.all()) {
      if (e.kind === 'block') {
        const b = e as BlockEntry;
        const r = row(groupOf.get(b.orderKey) ?? '');
        r.blocks++;
        r.codes += b.count;
        if (b.state !== 'delivered') r.undelivered++;
      } else if (e.kind === 'report') {
        const p = e as ReportEntry;
        const r = row(p.productGroup ?? '');
        r.reports++;
        if (p.state === 'failed' || (p.state === 'final' && p.status !== 'SUCCESS')) r.reportsFailed++;
      }
    }
    for (const pg of this.balances.keys()) row(pg);
    const totals = { orders: 0, open: 0, blocks: 0, undelivered: 0, codes: 0, reports: 0, reportsFailed: 0 };
    const out: DeskServiceSummary['rows'] = [];
    for (const [pg, r] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r[k];
      const b = this.balances.get(pg);
      out.push({
        productGroup: pg,
        name: productGroup(pg)?.ru ?? pg,
        orders: r.orders,
        open: r.open,
        declined: r.declined,
        blocks: r.blocks,
        undelivered: r.undelivered,
        codes: r.codes,
        reports: r.reports,
        reportsFailed: r.reportsFailed,
        balance: b?.kopecks === undefined ? null : roubles(b.kopecks),
        balanceKopecks: b?.kopecks ?? null,
        balanceAt: b?.at ?? null,
      });
    }
    const summary: DeskServiceSummary = {
      kind: SUZ_SERVICE,
      title: { ru: `СУЗ ${this.omsId}`, en: `СУЗ (OMS) ${this.omsId}` },
      columns: [
        { key: 'productGroup', ru: 'Товарная группа', en: 'Product group' },
        { key: 'orders', ru: 'Заказы', en: 'Orders' },
        { key: 'open', ru: 'В работе', en: 'Open' },
        { key: 'blocks', ru: 'Блоки', en: 'Blocks' },
        { key: 'codes', ru: 'Коды', en: 'Codes' },
        { key: 'reports', ru: 'Отчёты', en: 'Reports' },
        { key: 'balance', ru: 'Баланс', en: 'Balance' },
      ],
      rows: out,
      counters: { ...totals },
    };
    if (totals.undelivered > 0) {
      summary.warning = {
        ru: `блоков кодов получено, но не передано дальше: ${totals.undelivered} (будут получены повторно)`,
        en: `blocks of codes received but not handed on: ${totals.undelivered} (they will be fetched again)`,
      };
    }
    return summary;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
    this.journal.close();
  }
}

/**
 * The СУЗ service of a desk (made on first use; throws the desk's problem, SUZ_NO_OMS without an
 * omsId, SUZ_NO_CONNECTION_ID without a connection id or a registration key).
 */
export function suzService(desk: CzDesk, opts: SuzServiceOptions = {}): SuzDeskService {
  return desk.service(SUZ_SERVICE, (conn) => {
    if (!desk.settings) throw noOmsId();
    return new SuzDeskService(conn, desk.settings, desk.stateDir, desk.omsRegistrationKey, opts);
  });
}
