/**
 * The СУЗ (OMS) emulator, mounted on the True API emulator's host (`mounts` of startCzEmulator):
 * `omsUrl` empty → the same `url`, as on a custom `cz-connection` (docs/suz.md). It follows
 * «СУЗ-Облако 4.0. Руководство программиста» v4.55 (API 3.0.27, «СУЗ API v3» below):
 *
 * - `POST /api/v3/integration/connection` (registration key + `X-Signature`, §9.2.1);
 * - the client token from `POST /api/v3/true-api/auth/simpleSignIn/{omsConnection}` («Описание True
 *   API» v553 §11.1) — one per connection, a new one invalidates the old, 10 h;
 * - `clientToken` on every call, `X-Signature` (detached CMS of the exact body bytes, verified with
 *   GOST) on every POST — an attached one gets 413 (§2.3.1, §6.2.2); an order whose signature does
 *   not verify is accepted and then DECLINED with the reason a real trace shows;
 * - orders with asynchronous buffers `PENDING` → `ACTIVE` → `EXHAUSTED` / `CLOSED`, codes of each
 *   group's form (codes.ts), `codes` by block, `order/codes/retry`, `order/close`;
 * - the personal account of the product group debited per emitted code when the buffer becomes
 *   ACTIVE (a buffer the balance does not cover is REJECTED), so the True API balance moves;
 * - emitted codes enter the True API registry as `EMITTED`; a utilisation report makes them
 *   `APPLIED` («Описание True API» codes status dictionary), so a later introduction is checked
 *   against them; for lp, shoes, perfumery, tires and electronics СУЗ makes the utilisation report by
 *   itself (§4.4.11): their codes are APPLIED when handed out;
 * - utilisation, aggregation and dropout reports with `report/info` (`PENDING` → `SUCCESS` /
 *   `FAILED`), the documented error body `{fieldErrors, globalErrors, success:false}` (§6.2).
 *   ⚠ The texts of the emulator's errors are not published; they are written in the station's style.
 * - fault switches: `loseAnswer(route)` does the work and then drops the connection (the exactly-once
 *   tests), `injectFault('5xx' | '429', route)` answers an error without doing anything, and `faults`
 *   (rates of 429, 5xx and lost answers, seeded) does either at random on every call.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { tryParseCode } from '../../codes/parse';
import { productGroup } from '../../cz/product-groups';
import { isValidGs1 } from '../../codes/gtin';
import type { EmulatorHost, EmulatorMount } from '../cz/server';
import type { CodeRecord, Registry } from '../cz/registry';
import { SANDBOX_REGISTRATION_KEY } from '../../suz/settings';
import { emitCode, selfMadeLength } from './codes';

/** The demo station of the demo organisation (lib/emulators/demo-data.ts). */
export const DEMO_OMS_ID = '5b1a9c4e-2f3d-4e8a-9b7c-1d2e3f405162';
export const DEMO_OMS_CONNECTION = '0c6f1e2d-3a4b-4c5d-8e9f-a0b1c2d3e4f5';

export interface SuzEmulatorOptions {
  /** stations: omsId → the participant INN it belongs to (default: the demo organisation's) */
  stations?: Array<{ omsId: string; inn: string; connections?: string[] }>;
  /** accepted `X-RegistrationKey`s (default the sandbox's public key) */
  registrationKeys?: string[];
  /** kopecks debited per emitted code (default 61: 50 kopecks + 22 % VAT, ⚠ see docs/suz.md) */
  priceKopecks?: number;
  /** time from order to ACTIVE buffers (default 300 ms) */
  emissionDelayMs?: number;
  /** time from report to its final status (default 200 ms) */
  reportDelayMs?: number;
  /** client token lifetime (default 10 h) */
  tokenTtlMs?: number;
  /** echo `attributes.productionOrderId` in order/list (default true) */
  echoProductionOrderId?: boolean;
  /** random faults on every call (the exactly-once tests); none by default */
  faults?: SuzFaultOptions;
}

/**
 * Random faults: a share of the calls is answered 429 or 5xx without doing anything, or does its work
 * and then drops the connection (a lost answer: an order created, a block handed out, a report taken).
 */
export interface SuzFaultOptions {
  rate429?: number;
  rate5xx?: number;
  /** share of calls whose answer is lost after the work was done */
  rateLost?: number;
  /** only these routes (all when empty) */
  routes?: SuzRoute[];
  /** random source (a seeded one repeats a run) */
  random?: () => number;
}

export type SuzRoute =
  | 'integration/connection'
  | 'signIn'
  | 'ping'
  | 'order'
  | 'order/list'
  | 'order/status'
  | 'codes'
  | 'order/codes/retry'
  | 'order/codes/blocks'
  | 'order/close'
  | 'utilisation'
  | 'aggregation'
  | 'dropout'
  | 'report/info';

interface BufferRec {
  gtin: string;
  quantity: number;
  templateId: number;
  cisType: string;
  serials?: string[];
  status: 'PENDING' | 'ACTIVE' | 'EXHAUSTED' | 'REJECTED' | 'CLOSED' | 'EXPIRED';
  passed: number;
  rejectionReason?: string;
}

export interface SuzOrder {
  orderId: string;
  omsId: string;
  inn: string;
  productGroup: string;
  status: 'CREATED' | 'PENDING' | 'DECLINED' | 'APPROVED' | 'READY' | 'CLOSED';
  createdTimestamp: number;
  declineReason?: string;
  productionOrderId?: string;
  buffers: BufferRec[];
  releaseMethodType?: string;
}

export interface SuzBlock {
  blockId: string;
  orderId: string;
  gtin: string;
  codes: string[];
  blockDateTime: number;
}

export interface SuzReport {
  reportId: string;
  kind: 'utilisation' | 'aggregation' | 'dropout';
  omsId: string;
  inn: string;
  productGroup?: string;
  status: 'PENDING' | 'SUCCESS' | 'FAILED';
  errorReason?: string;
  body: Record<string, unknown>;
}

export interface SuzEmulator {
  /** mount on the True API emulator: `startCzEmulator({ …, mounts: [suz.mount] })` */
  mount: (host: EmulatorHost) => EmulatorMount;
  orders: Map<string, SuzOrder>;
  blocks: Map<string, SuzBlock>;
  reports: Map<string, SuzReport>;
  /** requests per route, and `lost/<route>`, `faults/<route>` */
  counters: Record<string, number>;
  options: Required<Omit<SuzEmulatorOptions, 'stations' | 'registrationKeys' | 'faults'>>;
  /** the random faults now in force (may be changed while running; `{}` stops them) */
  faults: SuzFaultOptions;
  /** the next `count` calls of `route` do their work and then drop the connection without an answer */
  loseAnswer(route: SuzRoute, count?: number): void;
  /** the next `count` calls of `route` are answered with this error and do nothing */
  injectFault(kind: '5xx' | '429', route: SuzRoute, count?: number): void;
  /** make every client token expire now */
  expireTokens(): void;
  /** the station's connections (omsConnection → omsId) */
  connections: Map<string, { omsId: string; inn: string; name?: string; address?: string }>;
}

interface Ask {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  body: Buffer;
  route: SuzRoute;
  omsId?: string;
  inn?: string;
  lost: boolean;
}

const ROUTES: Array<{ method: string; path: string; route: SuzRoute }> = [
  { method: 'POST', path: '/api/v3/integration/connection', route: 'integration/connection' },
  { method: 'GET', path: '/api/v3/ping', route: 'ping' },
  { method: 'POST', path: '/api/v3/order', route: 'order' },
  { method: 'GET', path: '/api/v3/order/list', route: 'order/list' },
  { method: 'GET', path: '/api/v3/order/status', route: 'order/status' },
  { method: 'GET', path: '/api/v3/codes', route: 'codes' },
  { method: 'GET', path: '/api/v3/order/codes/retry', route: 'order/codes/retry' },
  { method: 'GET', path: '/api/v3/order/codes/blocks', route: 'order/codes/blocks' },
  { method: 'POST', path: '/api/v3/order/close', route: 'order/close' },
  { method: 'POST', path: '/api/v3/utilisation', route: 'utilisation' },
  { method: 'POST', path: '/api/v3/aggregation', route: 'aggregation' },
  { method: 'POST', path: '/api/v3/dropout', route: 'dropout' },
  { method: 'GET', path: '/api/v3/report/info', route: 'report/info' },
];

/** Groups whose utilisation report СУЗ makes by itself (§4.4.11). */
export const AUTO_UTILISATION_GROUPS: ReadonlySet<string> = new Set([
  'lp',
  'shoes',
  'perfumery',
  'tires',
  'electronics',
]);

const SIGNIN = /^\/api\/v3\/true-api\/auth\/simpleSignIn\/([^/]+)$/;

export function createSuzEmulator(opts: SuzEmulatorOptions = {}): SuzEmulator {
  const orders = new Map<string, SuzOrder>();
  const blocks = new Map<string, SuzBlock>();
  const reports = new Map<string, SuzReport>();
  const counters: Record<string, number> = {};
  const connections: SuzEmulator['connections'] = new Map();
  const stations = new Map<string, string>();
  const tokens = new Map<string, { omsConnection: string; exp: number }>();
  const tokenOf = new Map<string, string>();
  const lost: SuzRoute[] = [];
  const faults: Array<{ kind: '5xx' | '429'; route: SuzRoute }> = [];
  const keys = new Set(opts.registrationKeys ?? [SANDBOX_REGISTRATION_KEY]);
  const emulator: { faults: SuzFaultOptions } = { faults: { ...opts.faults } };
  /** The random fault of a call, if any (a forced one — injectFault, loseAnswer — comes first). */
  const randomFault = (route: SuzRoute): '429' | '5xx' | 'lost' | undefined => {
    const f = emulator.faults;
    if (f.routes && f.routes.length > 0 && !f.routes.includes(route)) return undefined;
    const p429 = f.rate429 ?? 0;
    const p5xx = f.rate5xx ?? 0;
    const pLost = f.rateLost ?? 0;
    if (p429 + p5xx + pLost <= 0) return undefined;
    const r = (f.random ?? Math.random)();
    if (r < p429) return '429';
    if (r < p429 + p5xx) return '5xx';
    if (r < p429 + p5xx + pLost) return 'lost';
    return undefined;
  };
  const live: SuzEmulator['options'] = {
    priceKopecks: opts.priceKopecks ?? 61,
    emissionDelayMs: opts.emissionDelayMs ?? 300,
    reportDelayMs: opts.reportDelayMs ?? 200,
    tokenTtlMs: opts.tokenTtlMs ?? 10 * 3600 * 1000,
    echoProductionOrderId: opts.echoProductionOrderId ?? true,
  };

  const count = (k: string): void => {
    counters[k] = (counters[k] ?? 0) + 1;
  };
  const mount = (host: EmulatorHost): EmulatorMount => {
    const registry: Registry = host.registry;
    const later = host.later;
    const seed = opts.stations ?? [
      {
        omsId: DEMO_OMS_ID,
        inn: [...registry.participants.values()][0]?.inn ?? '',
        connections: [DEMO_OMS_CONNECTION],
      },
    ];
    for (const s of seed) {
      stations.set(s.omsId, s.inn);
      for (const c of s.connections ?? []) connections.set(c, { omsId: s.omsId, inn: s.inn });
    }

    // -- answers -------------------------------------------------------------------------------

    const send = (a: Ask, status: number, body: unknown): boolean => {
      if (a.lost) {
        // the work is done; the answer never arrives
        count(`lost/${a.route}`);
        count('faults/lost');
        a.res.socket?.destroy();
        return true;
      }
      a.res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
      a.res.end(JSON.stringify(body));
      return true;
    };
    /** «СУЗ API v3» §6.2: `{fieldErrors, globalErrors, success: false}` */
    const globalError = (a: Ask, status: number, error: string): boolean =>
      send(a, status, { fieldErrors: [], globalErrors: [{ error, errorCode: status }], success: false });
    const fieldErrors = (a: Ask, errs: Array<[string, string]>): boolean =>
      send(a, 400, {
        fieldErrors: errs.map(([fieldName, fieldError]) => ({ fieldName, fieldError, errorCode: 400 })),
        globalErrors: [],
        success: false,
      });

    const jsonBody = (a: Ask): Record<string, unknown> | undefined => {
      try {
        const v = JSON.parse(a.body.toString('utf8')) as unknown;
        return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    };

    /** `X-Signature`: a detached signature of the exact body, by the station's participant (§2.3.1). */
    const checkSignature = async (
      a: Ask,
      inn: string | undefined,
    ): Promise<'ok' | 'answered' | { declined: string }> => {
      const sig = a.req.headers['x-signature'];
      if (typeof sig !== 'string' || !sig.trim()) {
        globalError(a, 400, 'Отсутствует обязательный заголовок X-Signature');
        return 'answered';
      }
      const v = await host.verify(sig.trim(), a.body);
      if (!v.ok && v.kind === 'malformed') {
        globalError(a, 400, 'Подпись X-Signature не является подписью CMS в base64');
        return 'answered';
      }
      const info = v.ok ? v.info : v.info;
      if (!info.detached) {
        // §6.2.2: an attached signature in X-Signature → 413
        globalError(a, 413, 'Подпись должна быть откреплённой (detached)');
        return 'answered';
      }
      if (!v.ok) {
        // the reason a real trace shows for a declined order (FairMark 4_5_8 GetOrderSummariesResponse)
        return {
          declined: `Signature validation failed: message-digest attribute value does not match calculated value (${v.reason})`,
        };
      }
      if (inn && info.signerCertificate?.participantInn !== inn) {
        return { declined: 'Signature validation failed: the signer is not the participant of the station' };
      }
      return 'ok';
    };

    // -- token ---------------------------------------------------------------------------------

    const signIn = async (a: Ask, omsConnection: string): Promise<boolean> => {
      const b = jsonBody(a);
      if (!b) return send(a, 400, { error_message: 'Тело запроса не может быть пустым' });
      const uuid = typeof b['uuid'] === 'string' ? b['uuid'] : '';
      const data = typeof b['data'] === 'string' ? b['data'] : '';
      if (!uuid)
        return send(a, 400, { error_message: 'В запросе отсутствует идентификатор авторизации (UUID)' });
      if (!data) return send(a, 400, { error_message: 'В запросе отсутствует параметр data' });
      const challenge = host.takeChallenge(uuid);
      if (challenge === undefined) {
        return send(a, 400, { error_message: `UUID не найден в хранилище ключей. UUID = ${uuid}` });
      }
      // «Описание True API» v553 §11.1: attached or detached signature of `data`
      let v = await host.verify(data);
      if (v.ok && v.info.detached) v = await host.verify(data, Buffer.from(challenge, 'utf8'));
      else if (!v.ok && v.kind === 'crypto' && v.info.detached) {
        v = await host.verify(data, Buffer.from(challenge, 'utf8'));
      }
      if (!v.ok && v.kind === 'malformed') return send(a, 400, { error_message: 'Подпись не валидна' });
      if (!v.ok) return send(a, 403, { error_message: `Подпись невалидна. Код ошибки: ${v.reason}` });
      if (!v.info.detached && v.info.content?.toString('utf8') !== challenge) {
        return send(a, 400, { error_message: 'Ошибка при проверке подписи' });
      }
      const conn = connections.get(decodeURIComponent(omsConnection));
      const inn = v.info.signerCertificate?.participantInn;
      if (!conn) {
        return send(a, 404, { error_message: `Соединение ${omsConnection} не найдено` });
      }
      if (inn !== conn.inn) {
        return send(a, 403, {
          error_message: 'Сертификат не принадлежит участнику, зарегистрировавшему соединение',
        });
      }
      // one token per installation: a new one invalidates the old (§9.1)
      const old = tokenOf.get(omsConnection);
      if (old) tokens.delete(old);
      const token = randomUUID();
      tokens.set(token, { omsConnection, exp: Date.now() + live.tokenTtlMs });
      tokenOf.set(omsConnection, token);
      return send(a, 200, { token });
    };

    /** `clientToken` → the connection's station and participant, or a 401. */
    const authorised = (a: Ask): boolean => {
      const t = a.req.headers['clienttoken'];
      const rec = typeof t === 'string' ? tokens.get(t.trim()) : undefined;
      if (!rec || rec.exp <= Date.now()) {
        globalError(a, 401, rec ? 'Срок действия токена истёк' : 'Токен не найден или недействителен');
        return false;
      }
      const conn = connections.get(rec.omsConnection);
      const omsId = a.url.searchParams.get('omsId') ?? '';
      if (!omsId) {
        fieldErrors(a, [['omsId', 'Обязательный параметр omsId не указан']]);
        return false;
      }
      if (!conn || conn.omsId !== omsId) {
        globalError(a, 403, `Соединение не относится к СУЗ с идентификатором ${omsId}`);
        return false;
      }
      a.omsId = omsId;
      a.inn = conn.inn;
      return true;
    };

    // -- orders --------------------------------------------------------------------------------

    const pgIdOf = (pg: string): number => productGroup(pg)?.id ?? -1;

    const activate = (o: SuzOrder): void => {
      if (o.status === 'DECLINED' || o.status === 'CLOSED') return;
      const pgId = pgIdOf(o.productGroup);
      const part = registry.participant(o.inn);
      for (const b of o.buffers) {
        if (b.status !== 'PENDING') continue;
        const cost = b.quantity * live.priceKopecks;
        const balance = part?.balances.get(pgId);
        if (balance === undefined || balance < cost) {
          b.status = 'REJECTED';
          b.rejectionReason = `Недостаточно средств на лицевом счёте: требуется ${cost} коп., доступно ${balance ?? 0} коп.`;
          continue;
        }
        part?.balances.set(pgId, balance - cost);
        b.status = 'ACTIVE';
      }
      o.status = o.buffers.some((b) => b.status === 'ACTIVE') ? 'READY' : 'DECLINED';
      if (o.status === 'DECLINED') o.declineReason = o.buffers[0]?.rejectionReason;
      host.log(`suz: order ${o.orderId} → ${o.status}`);
    };

    const createOrder = async (a: Ask): Promise<boolean> => {
      const b = jsonBody(a);
      if (!b) return globalError(a, 400, 'Тело запроса не является корректным JSON');
      const sig = await checkSignature(a, a.inn);
      if (sig === 'answered') return true;
      const pg = typeof b['productGroup'] === 'string' ? b['productGroup'] : '';
      const errs: Array<[string, string]> = [];
      if (!productGroup(pg)) errs.push(['productGroup', `Неизвестная товарная группа: ${pg}`]);
      const products = Array.isArray(b['products']) ? (b['products'] as Array<Record<string, unknown>>) : [];
      if (products.length === 0) errs.push(['products', 'Список товаров не может быть пустым']);
      if (products.length > 10) errs.push(['products', 'Количество GTIN в заказе не может быть больше 10']);
      const cap = products.length === 1 ? 2000000 : 150000;
      const buffers: BufferRec[] = [];
      products.forEach((p, i) => {
        const gtin = typeof p['gtin'] === 'string' ? p['gtin'] : '';
        const q = p['quantity'];
        if (!/^\d{14}$/.test(gtin) || !isValidGs1(gtin))
          errs.push([`products[${i}].gtin`, `Некорректный GTIN: ${gtin}`]);
        if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > cap) {
          errs.push([`products[${i}].quantity`, `Количество кодов должно быть от 1 до ${cap}`]);
        }
        const tpl = p['templateId'];
        if (typeof tpl !== 'number')
          errs.push([`products[${i}].templateId`, 'Не указан шаблон КМ (templateId)']);
        const snt = p['serialNumberType'];
        if (snt !== 'SELF_MADE' && snt !== 'OPERATOR') {
          errs.push([`products[${i}].serialNumberType`, 'Допустимые значения: SELF_MADE, OPERATOR']);
        }
        const serials = Array.isArray(p['serialNumbers']) ? (p['serialNumbers'] as unknown[]) : undefined;
        if (snt === 'SELF_MADE') {
          const len = selfMadeLength(pg, typeof tpl === 'number' ? tpl : undefined);
          if (!serials || serials.length !== q) {
            errs.push([
              `products[${i}].serialNumbers`,
              'Количество серийных номеров не совпадает с quantity',
            ]);
          } else if (serials.some((s) => typeof s !== 'string' || s.length !== len)) {
            errs.push([`products[${i}].serialNumbers`, `Длина серийного номера должна быть ${len}`]);
          }
        }
        buffers.push({
          gtin,
          quantity: typeof q === 'number' ? q : 0,
          templateId: typeof tpl === 'number' ? tpl : 0,
          cisType: typeof p['cisType'] === 'string' ? p['cisType'] : 'UNIT',
          serials: snt === 'SELF_MADE' ? (serials as string[] | undefined) : undefined,
          status: 'PENDING',
          passed: 0,
        });
      });
      if (errs.length > 0) return fieldErrors(a, errs);
      const attrs = (b['attributes'] ?? {}) as Record<string, unknown>;
      const o: SuzOrder = {
        orderId: randomUUID(),
        omsId: a.omsId as string,
        inn: a.inn as string,
        productGroup: pg,
        status: 'CREATED',
        createdTimestamp: Date.now(),
        productionOrderId:
          typeof attrs['productionOrderId'] === 'string' ? attrs['productionOrderId'] : undefined,
        releaseMethodType:
          typeof attrs['releaseMethodType'] === 'string' ? attrs['releaseMethodType'] : undefined,
        buffers,
      };
      if (typeof sig === 'object') {
        o.status = 'DECLINED';
        o.declineReason = sig.declined;
        for (const x of o.buffers) {
          x.status = 'REJECTED';
          x.rejectionReason = sig.declined;
        }
      } else {
        o.status = 'PENDING';
        later(live.emissionDelayMs, () => activate(o));
      }
      orders.set(o.orderId, o);
      host.log(
        `suz: order ${o.orderId} (${pg}, ${buffers.map((x) => `${x.gtin}×${x.quantity}`).join(', ')})`,
      );
      return send(a, 200, {
        omsId: o.omsId,
        orderId: o.orderId,
        expectedCompleteTimestamp: o.createdTimestamp + live.emissionDelayMs,
      });
    };

    const bufferInfo = (o: SuzOrder, b: BufferRec): Record<string, unknown> => ({
      orderId: o.orderId,
      gtin: b.gtin,
      bufferStatus: b.status,
      availableCodes: b.status === 'ACTIVE' ? b.quantity - b.passed : 0,
      leftInBuffer: b.status === 'ACTIVE' || b.status === 'PENDING' ? b.quantity - b.passed : 0,
      totalCodes: b.quantity,
      totalPassed: b.passed,
      unavailableCodes: b.status === 'ACTIVE' ? 0 : b.quantity - b.passed,
      poolsExhausted: b.passed >= b.quantity,
      rejectionReason: b.rejectionReason ?? null,
      expiredDate: o.createdTimestamp + 30 * 86400000,
      templateId: b.templateId,
      omsId: o.omsId,
    });

    const mine = (a: Ask, id: string | null): SuzOrder | undefined => {
      const o = id ? orders.get(id) : undefined;
      return o && o.omsId === a.omsId ? o : undefined;
    };

    const orderList = (a: Ask): boolean =>
      send(a, 200, {
        orderInfos: [...orders.values()]
          .filter((o) => o.omsId === a.omsId)
          .map((o) => ({
            orderId: o.orderId,
            orderStatus: o.status,
            createdTimestamp: o.createdTimestamp,
            declineReason: o.declineReason ?? null,
            productGroup: o.productGroup,
            ...(live.echoProductionOrderId && o.productionOrderId
              ? { productionOrderId: o.productionOrderId }
              : {}),
            buffers: o.buffers.map((b) => bufferInfo(o, b)),
          })),
      });

    const orderStatus = (a: Ask): boolean => {
      const o = mine(a, a.url.searchParams.get('orderId'));
      if (!o)
        return globalError(
          a,
          404,
          `Заказ с идентификатором ${a.url.searchParams.get('orderId') ?? ''} не найден`,
        );
      const gtin = a.url.searchParams.get('gtin');
      const list = o.buffers.filter((b) => !gtin || b.gtin === gtin);
      if (gtin && list.length === 0) return globalError(a, 404, `В заказе нет GTIN ${gtin}`);
      return send(
        a,
        200,
        list.map((b) => bufferInfo(o, b)),
      );
    };

    const register = (o: SuzOrder, full: string[]): void => {
      const now = new Date().toISOString();
      const auto = AUTO_UTILISATION_GROUPS.has(o.productGroup);
      for (const f of full) {
        const p = tryParseCode(f, o.productGroup);
        if (!p.ok) throw new Error(`emitted code does not parse: ${p.problem.en}`);
        const rec: Partial<CodeRecord> & { cis: string; pg: string; ownerInn: string } = {
          cis: p.value.cis,
          pg: o.productGroup,
          ownerInn: o.inn,
          producerInn: o.inn,
          status: auto ? 'APPLIED' : 'EMITTED',
          emissionDate: now,
          emissionType: o.releaseMethodType === 'IMPORT' ? 'FOREIGN' : 'LOCAL',
          ...(auto ? { applicationDate: now } : {}),
        };
        registry.addCode(rec);
      }
    };

    const codes = (a: Ask): boolean => {
      const q = a.url.searchParams;
      const o = mine(a, q.get('orderId'));
      if (!o) return globalError(a, 404, `Заказ с идентификатором ${q.get('orderId') ?? ''} не найден`);
      const b = o.buffers.find((x) => x.gtin === q.get('gtin'));
      if (!b) return globalError(a, 404, `В заказе нет GTIN ${q.get('gtin') ?? ''}`);
      const n = Number(q.get('quantity'));
      if (!Number.isInteger(n) || n < 1 || n > 150000) {
        return fieldErrors(a, [['quantity', 'Количество кодов должно быть от 1 до 150000']]);
      }
      if (b.status !== 'ACTIVE') return globalError(a, 400, `Буфер кодов маркировки в статусе ${b.status}`);
      const left = b.quantity - b.passed;
      if (n > left) return globalError(a, 400, `Недостаточно кодов в буфере: доступно ${left}`);
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const own = b.serials?.[b.passed + i];
        out.push(emitCode(o.productGroup, b.gtin, b.cisType, b.templateId, own).full);
      }
      b.passed += n;
      if (b.passed >= b.quantity) b.status = 'EXHAUSTED';
      register(o, out);
      const blk: SuzBlock = {
        blockId: randomUUID(),
        orderId: o.orderId,
        gtin: b.gtin,
        codes: out,
        blockDateTime: Date.now(),
      };
      blocks.set(blk.blockId, blk);
      return send(a, 200, { omsId: o.omsId, codes: out, blockId: blk.blockId });
    };

    const retry = (a: Ask): boolean => {
      const id = a.url.searchParams.get('blockId') ?? '';
      const blk = blocks.get(id);
      if (!blk || !mine(a, blk.orderId)) return globalError(a, 404, `Блок кодов ${id} не найден`);
      return send(a, 200, { omsId: a.omsId, codes: blk.codes, blockId: blk.blockId });
    };

    const blockList = (a: Ask): boolean => {
      const q = a.url.searchParams;
      const o = mine(a, q.get('orderId'));
      if (!o) return globalError(a, 404, `Заказ с идентификатором ${q.get('orderId') ?? ''} не найден`);
      const gtin = q.get('gtin');
      return send(a, 200, {
        omsId: o.omsId,
        orderId: o.orderId,
        gtin,
        blocks: [...blocks.values()]
          .filter((x) => x.orderId === o.orderId && (!gtin || x.gtin === gtin))
          .map((x) => ({ blockId: x.blockId, blockDateTime: x.blockDateTime, quantity: x.codes.length })),
      });
    };

    const close = async (a: Ask): Promise<boolean> => {
      const b = jsonBody(a);
      if (!b) return globalError(a, 400, 'Тело запроса не является корректным JSON');
      const sig = await checkSignature(a, a.inn);
      if (sig === 'answered') return true;
      if (typeof sig === 'object') return globalError(a, 400, sig.declined);
      const o = mine(a, typeof b['orderId'] === 'string' ? b['orderId'] : null);
      if (!o) return globalError(a, 404, `Заказ с идентификатором ${String(b['orderId'] ?? '')} не найден`);
      const gtin = typeof b['gtin'] === 'string' ? b['gtin'] : undefined;
      for (const x of o.buffers)
        if (!gtin || x.gtin === gtin) if (x.status !== 'REJECTED') x.status = 'CLOSED';
      if (o.buffers.every((x) => x.status === 'CLOSED' || x.status === 'REJECTED')) o.status = 'CLOSED';
      return send(a, 200, { omsId: o.omsId });
    };

    // -- reports -------------------------------------------------------------------------------

    const finish = (r: SuzReport, codesOf: string[]): void => {
      const problems: string[] = [];
      const recs: CodeRecord[] = [];
      for (const full of codesOf) {
        const p = tryParseCode(full, r.productGroup);
        const rec = p.ok ? registry.code(p.value.cis) : undefined;
        if (!rec) problems.push(`${p.ok ? p.value.cis : full}: КМ не найден`);
        else if (rec.ownerInn !== r.inn) problems.push(`${rec.cis}: КМ принадлежит другому участнику`);
        else if (r.kind === 'utilisation' && rec.status !== 'EMITTED' && !AUTO_UTILISATION_GROUPS.has(rec.pg))
          problems.push(`${rec.cis}: КМ в статусе ${rec.status}, нанесение невозможно`);
        else if (r.kind === 'utilisation' && r.productGroup && rec.pg !== r.productGroup)
          problems.push(`${rec.cis}: КМ другой товарной группы (${rec.pg})`);
        else recs.push(rec);
      }
      if (problems.length > 0) {
        r.status = 'FAILED';
        r.errorReason = problems.slice(0, 20).join('; ');
        return;
      }
      const now = new Date().toISOString();
      for (const rec of recs) {
        if (r.kind === 'utilisation') {
          rec.status = 'APPLIED';
          rec.applicationDate ??= now;
        } else if (r.kind === 'dropout') {
          rec.status = 'WRITTEN_OFF';
          rec.withdrawReason = String(r.body['dropoutReason'] ?? '');
        }
      }
      if (r.kind === 'aggregation') {
        for (const u of (r.body['aggregationUnits'] ?? []) as Array<Record<string, unknown>>) {
          const kids = ((u['sntins'] ?? []) as string[]).map((s) => {
            const p = tryParseCode(s, r.productGroup);
            return p.ok ? p.value.cis : s;
          });
          const first = registry.code(kids[0] ?? '');
          registry.addCode({
            cis: String(u['unitSerialNumber'] ?? ''),
            gtin: '',
            pg: first?.pg ?? r.productGroup ?? '',
            status: first?.status ?? 'APPLIED',
            ownerInn: r.inn,
            packageType: 'BOX',
            children: kids,
          });
          for (const k of kids) {
            const rec = registry.code(k);
            if (rec) rec.parent = String(u['unitSerialNumber'] ?? '');
          }
        }
      }
      r.status = 'SUCCESS';
    };

    const report = async (a: Ask, kind: SuzReport['kind']): Promise<boolean> => {
      const b = jsonBody(a);
      if (!b) return globalError(a, 400, 'Тело запроса не является корректным JSON');
      const sig = await checkSignature(a, a.inn);
      if (sig === 'answered') return true;
      if (typeof sig === 'object') return globalError(a, 400, sig.declined);
      const pg = typeof b['productGroup'] === 'string' ? b['productGroup'] : undefined;
      if (kind !== 'aggregation' && !productGroup(pg ?? '')) {
        return fieldErrors(a, [['productGroup', `Неизвестная товарная группа: ${pg ?? ''}`]]);
      }
      const list =
        kind === 'aggregation'
          ? ((b['aggregationUnits'] ?? []) as Array<Record<string, unknown>>).flatMap(
              (u) => (u['sntins'] ?? []) as string[],
            )
          : Array.isArray(b['sntins'])
            ? (b['sntins'] as string[])
            : [];
      if (list.length === 0) return fieldErrors(a, [['sntins', 'Список КМ не может быть пустым']]);
      if (list.length > 30000)
        return fieldErrors(a, [['sntins', 'Количество КМ в отчёте не может быть больше 30000']]);
      if (kind === 'dropout' && typeof b['dropoutReason'] !== 'string') {
        return fieldErrors(a, [['dropoutReason', 'Не указана причина выбытия']]);
      }
      if (kind === 'utilisation') {
        // §4.4.11: the full code with its check code
        const short = list.find((s) => {
          const p = tryParseCode(s, pg);
          return !p.ok || p.value.tail === '';
        });
        if (short !== undefined) {
          return fieldErrors(a, [
            ['sntins', `КМ должен передаваться полностью, с криптохвостом: ${short.slice(0, 40)}`],
          ]);
        }
      }
      const r: SuzReport = {
        reportId: randomUUID(),
        kind,
        omsId: a.omsId as string,
        inn: a.inn as string,
        productGroup: pg,
        status: 'PENDING',
        body: b,
      };
      reports.set(r.reportId, r);
      later(live.reportDelayMs, () => finish(r, list));
      return send(a, 200, { omsId: r.omsId, reportId: r.reportId });
    };

    const reportInfo = (a: Ask): boolean => {
      const id = a.url.searchParams.get('reportId') ?? '';
      const r = reports.get(id);
      if (!r || r.omsId !== a.omsId) return globalError(a, 404, `Отчёт с идентификатором ${id} не найден`);
      return send(a, 200, {
        omsId: r.omsId,
        reportId: r.reportId,
        reportStatus: r.status,
        ...(r.errorReason ? { errorReason: r.errorReason } : {}),
      });
    };

    // -- registration ----------------------------------------------------------------------------

    const registerConnection = async (a: Ask): Promise<boolean> => {
      const key = a.req.headers['x-registrationkey'];
      if (typeof key !== 'string' || !keys.has(key.trim())) {
        return globalError(a, 403, 'Ключ регистрации (X-RegistrationKey) не найден');
      }
      const omsId = a.url.searchParams.get('omsId') ?? '';
      const inn = stations.get(omsId);
      if (!inn) return globalError(a, 404, `СУЗ с идентификатором ${omsId} не найдена`);
      const b = jsonBody(a);
      if (!b) return globalError(a, 400, 'Тело запроса не является корректным JSON');
      const sig = await checkSignature(a, inn);
      if (sig === 'answered') return true;
      if (typeof sig === 'object') return globalError(a, 400, sig.declined);
      const omsConnection = randomUUID();
      const name = typeof b['name'] === 'string' ? b['name'] : '';
      connections.set(omsConnection, {
        omsId,
        inn,
        name,
        address: typeof b['address'] === 'string' ? b['address'] : '',
      });
      return send(a, 200, { status: 'SUCCESS', omsConnection, name });
    };

    // -- dispatch --------------------------------------------------------------------------------

    const dispatch = async (a: Ask, signInConn?: string): Promise<boolean> => {
      if (a.route === 'signIn') return signIn(a, signInConn ?? '');
      if (a.route === 'integration/connection') return registerConnection(a);
      if (!authorised(a)) return true;
      switch (a.route) {
        case 'ping':
          return send(a, 200, { omsId: a.omsId, apiVersion: '3.0.27', omsVersion: '4.55-emulator' });
        case 'order':
          return createOrder(a);
        case 'order/list':
          return orderList(a);
        case 'order/status':
          return orderStatus(a);
        case 'codes':
          return codes(a);
        case 'order/codes/retry':
          return retry(a);
        case 'order/codes/blocks':
          return blockList(a);
        case 'order/close':
          return close(a);
        case 'utilisation':
        case 'aggregation':
        case 'dropout':
          return report(a, a.route);
        case 'report/info':
          return reportInfo(a);
        default:
          return false;
      }
    };

    return {
      async handle(req, res, url, body) {
        const method = (req.method ?? 'GET').toUpperCase();
        const m = SIGNIN.exec(url.pathname);
        const r = m
          ? { route: 'signIn' as const }
          : ROUTES.find((x) => x.path === url.pathname && x.method === method);
        if (!r || (m && method !== 'POST')) return false;
        count(r.route);
        const f = faults.findIndex((x) => x.route === r.route);
        const li = f >= 0 ? -1 : lost.indexOf(r.route);
        if (li >= 0) lost.splice(li, 1);
        const fault = f >= 0 ? faults.splice(f, 1)[0]?.kind : li >= 0 ? 'lost' : randomFault(r.route);
        if (fault === '429' || fault === '5xx') {
          count(`faults/${r.route}`);
          count(`faults/${fault}`);
          const a: Ask = { req, res, url, body, route: r.route, lost: false };
          return fault === '429'
            ? globalError(a, 429, 'Превышено допустимое количество запросов')
            : globalError(a, 500, 'Внутренняя ошибка сервера. Повторите запрос через 30 секунд');
        }
        return dispatch({ req, res, url, body, route: r.route, lost: fault === 'lost' }, m?.[1]);
      },
    };
  };

  return {
    mount,
    orders,
    blocks,
    reports,
    counters,
    options: live,
    get faults() {
      return emulator.faults;
    },
    set faults(f: SuzFaultOptions) {
      emulator.faults = { ...f };
    },
    connections,
    loseAnswer(route, n = 1) {
      for (let i = 0; i < n; i++) lost.push(route);
    },
    injectFault(kind, route, n = 1) {
      for (let i = 0; i < n; i++) faults.push({ kind, route });
    },
    expireTokens() {
      for (const t of tokens.values()) t.exp = 0;
    },
  };
}
