/**
 * The True API emulator's HTTP server («Описание True API» v553): the production paths under
 * `/api/v3/true-api/…` and `/api/v4/true-api/…` (every method under both), the balance paths also
 * without the version prefix (⚠ v553 §3.6 gives no version), the reference's exact error texts and shapes (JSON
 * `error_message`, XML 401s), 50 requests per second per participant with 429, and fault knobs.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ErrorDetail } from '../../errors';
import { productGroup } from '../../cz/product-groups';
import { demoWorld, type DemoWorld } from '../demo-data';
import {
  processDocument,
  SUBMITTABLE_TYPES,
  TWO_TITLE_TYPES,
  typeForGroup,
  VIEW_ONLY_TYPES,
  type EmulatorDocument,
} from './documents';
import { Registry, type CodeRecord } from './registry';
import { emulatorNormalize, emulatorValidate } from './validate';
import { verifySignature } from './verify';
import { createEdoRoutes, type EdoEmulatorApi, type EdoEmulatorOptions } from '../edo';
import { udDocument, udInfo } from '../edo/gis';

export interface FaultOptions {
  /** share of requests answered 429 (0…1) */
  rate429?: number;
  /** share of requests answered 500/502/503/504 */
  rate5xx?: number;
  /** share of requests left without an answer (the connection is closed after `hangMs`) */
  rateTimeout?: number;
  /** how long an unanswered request is held before its connection is closed (default 30 s) */
  hangMs?: number;
  /**
   * for the calls that change something (`lk/documents/create`, `auth/simpleSignIn`): probability
   * that a 5xx or timeout happens *after* the work was done — the document stored, the challenge used
   * — so that the client cannot know (default 0.5)
   */
  afterProcessing?: number;
  /** restrict faults to these routes (e.g. `lk/documents/create`, `doc/list`); all when empty */
  routes?: string[];
  /** random source (tests) */
  random?: () => number;
}

export interface CzEmulatorOptions {
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** the demo world to seed from (default `demoWorld()`); `null` for an empty registry */
  world?: DemoWorld | null;
  /** the CA whose certificates are trusted (PEM) */
  caCertPath: string;
  /** time from receipt to final status (default 500 ms) */
  processingDelayMs?: number;
  /** time during which a new document is invisible to doc/info and doc/list (default 0) */
  visibilityDelayMs?: number;
  /** token lifetime (default 10 h; never beyond the signer certificate's notAfter) */
  tokenTtlMs?: number;
  /**
   * Which True API rules the stand follows (default `2027`). `2027`: sign-in only for the UUID token
   * (`unitedToken: true`, `uuid` of auth/key mandatory, `inn` allowed with it, `expireDate` answered),
   * doc/list with `dateFrom` and `dateTo` together and a capped range (CRPT «Planned True API
   * changes» v552.0). `2026`: the stand before that (JWT answers, the INN-signed «единый токен»
   * without a challenge, `inn` refused with `unitedToken`, doc/list dates optional) — for tests of
   * old stands.
   */
  apiRules?: '2027' | '2026';
  /** 2027 rules: the largest dateFrom…dateTo range of doc/list (the real cap is not published; default 30 days) */
  docListMaxRangeMs?: number;
  /**
   * 2027 rules: the sign-in answer `{uuidToken, expireDate}` (default) or `both`, with a `token` too
   * (⚠ a secondary source describes the answer as `{token, uuidToken, expireDate}`; unconfirmed)
   */
  signInAnswer?: 'uuid' | 'both';
  /** lifetime of an auth/key challenge (default 5 min) */
  challengeTtlMs?: number;
  /** requests per second per participant before 429 (default 50; 0 = no limit) */
  rateLimit?: number;
  /** added latency per request: fixed, or [min, max] */
  latencyMs?: number | [number, number];
  faults?: FaultOptions;
  /** registered receivers accept shipments automatically after this delay (demo) */
  autoAcceptMs?: number;
  /** ≤ 30 MB (§1.2) */
  maxDocumentBytes?: number;
  /** ≤ 30 000 codes (§1.2) */
  maxCodes?: number;
  /** require CAdES-BES signingCertificateV2 (default true) */
  requireCades?: boolean;
  opensslBin?: string;
  /** structural validation per document type (default: `validateDocument` of lib/documents) */
  validate?: (type: string, body: unknown, pg?: string) => ErrorDetail[];
  /** normalisation of codes written in documents */
  normalize?: (raw: string, pg?: string) => string;
  log?: (line: string) => void;
  /** services answered on the same host (e.g. the СУЗ emulator, lib/emulators/suz) */
  mounts?: Array<(host: EmulatorHost) => EmulatorMount>;
  /** the ЭДО Лайт emulator served on the same port (lib/emulators/edo) */
  edo?: EdoEmulatorOptions;
  /**
   * take LP_SHIP_GOODS for every product group, as stands before 1 March 2022 did (default false: for
   * furs only, as production — the other groups ship by УПД through ЭДО Лайт)
   */
  legacyShipGoods?: boolean;
}

/** What a mounted service may use of the True API emulator. */
export interface EmulatorHost {
  registry: Registry;
  /** verify a CMS signature (GOST, against the emulator's CA) */
  verify(signature: string, content?: Buffer): ReturnType<typeof verifySignature>;
  /** take an auth/key challenge (once): its `data`, or undefined when unknown or expired */
  takeChallenge(uuid: string): string | undefined;
  /** run `fn` after `ms` (cancelled when the emulator stops) */
  later(ms: number, fn: () => void): void;
  log(line: string): void;
}

/** A mounted service: answers the requests it knows (true), leaves the others to True API (false). */
export interface EmulatorMount {
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): Promise<boolean>;
  stop?(): void;
}

export interface CzEmulator {
  url: string;
  port: number;
  registry: Registry;
  /** ЭДО Лайт: documents, the simulated buyer, knobs (lib/emulators/edo) */
  edo: EdoEmulatorApi;
  /** requests per route key (`auth/key`, `lk/documents/create`, …) and per answer class */
  counters: Record<string, number>;
  /** live knobs: change them while running */
  options: Required<
    Pick<
      CzEmulatorOptions,
      | 'processingDelayMs'
      | 'visibilityDelayMs'
      | 'tokenTtlMs'
      | 'rateLimit'
      | 'apiRules'
      | 'docListMaxRangeMs'
      | 'signInAnswer'
      | 'legacyShipGoods'
    >
  > & {
    faults: FaultOptions;
    latencyMs?: number | [number, number];
    autoAcceptMs?: number;
  };
  /** every document received, in order (copies) */
  documents(): EmulatorDocument[];
  document(id: string): EmulatorDocument | undefined;
  /** force the next `count` requests (of `route`, or any) to fail this way */
  injectFault(kind: '429' | '5xx' | 'timeout', count?: number, route?: string): void;
  /** make every issued token expire now */
  expireTokens(): void;
  /** resolves when every received document has been processed */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface TokenRecord {
  inn: string;
  pid: number;
  exp: number;
}

interface Challenge {
  data: string;
  exp: number;
}

/** Where an answer goes: the client, or nowhere (a fault that hides a stored document). */
interface Reply {
  send(status: number, headers: Record<string, string>, body: string): void;
}

interface Ctx {
  req: http.IncomingMessage;
  reply: Reply;
  method: string;
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  token?: TokenRecord;
  tokenText?: string;
  tokenState: 'none' | 'valid' | 'expired' | 'invalid';
}

const MB = 1024 * 1024;

const ROUTES: Array<{ method: string; re: RegExp; route: string; keys?: string[]; versions: 'api' | 'any' }> =
  [
    { method: 'GET', re: /^\/auth\/key$/, route: 'auth/key', versions: 'api' },
    { method: 'POST', re: /^\/auth\/simpleSignIn$/, route: 'auth/simpleSignIn', versions: 'api' },
    { method: 'POST', re: /^\/lk\/documents\/create$/, route: 'lk/documents/create', versions: 'api' },
    { method: 'GET', re: /^\/doc\/list$/, route: 'doc/list', versions: 'api' },
    { method: 'GET', re: /^\/doc\/([^/]+)\/info$/, route: 'doc/info', keys: ['id'], versions: 'api' },
    { method: 'POST', re: /^\/cises\/info$/, route: 'cises/info', versions: 'api' },
    { method: 'GET', re: /^\/mods\/list$/, route: 'mods/list', versions: 'api' },
    { method: 'GET', re: /^\/elk\/product-groups\/balance\/all$/, route: 'balance/all', versions: 'any' },
    { method: 'GET', re: /^\/elk\/product-groups\/balance$/, route: 'balance', versions: 'any' },
  ];

/** Whether an Accept header admits JSON or text answers (absent = anything). */
function acceptable(accept: string | undefined): boolean {
  if (!accept || !accept.trim()) return true;
  return accept
    .split(',')
    .map((p) => (p.split(';')[0] ?? '').trim().toLowerCase())
    .some((t) =>
      ['*/*', 'application/*', 'application/json', 'text/*', 'text/plain', 'application/xml'].includes(t),
    );
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

function randomLetters(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(65 + (b % 26));
  return s;
}

export async function startCzEmulator(opts: CzEmulatorOptions): Promise<CzEmulator> {
  if (!opts.caCertPath || !fs.existsSync(opts.caCertPath)) {
    throw new Error(`CA certificate not found: ${opts.caCertPath}`);
  }
  const registry = new Registry();
  if (opts.world !== null) registry.seed(opts.world ?? demoWorld());
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-cz-emu-'));
  const secret = randomBytes(32);
  const tokens = new Map<string, TokenRecord>();
  const challenges = new Map<string, Challenge>();
  const docs: EmulatorDocument[] = [];
  const byId = new Map<string, EmulatorDocument>();
  const counters: Record<string, number> = {};
  const windows = new Map<string, number[]>();
  const forced: Array<{ kind: '429' | '5xx' | 'timeout'; route?: string }> = [];
  const hanging = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const settleWaiters: Array<() => void> = [];
  let processTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const live: CzEmulator['options'] = {
    processingDelayMs: opts.processingDelayMs ?? 500,
    visibilityDelayMs: opts.visibilityDelayMs ?? 0,
    tokenTtlMs: opts.tokenTtlMs ?? 10 * 3600 * 1000,
    apiRules: opts.apiRules ?? '2027',
    docListMaxRangeMs: opts.docListMaxRangeMs ?? 30 * 86400000,
    signInAnswer: opts.signInAnswer ?? 'uuid',
    legacyShipGoods: opts.legacyShipGoods ?? false,
    rateLimit: opts.rateLimit ?? 50,
    faults: { ...opts.faults },
    latencyMs: opts.latencyMs,
    autoAcceptMs: opts.autoAcceptMs,
  };
  const maxDocumentBytes = opts.maxDocumentBytes ?? 30 * MB;
  const maxCodes = opts.maxCodes ?? 30000;
  const validate = opts.validate ?? emulatorValidate;
  const normalize = opts.normalize ?? emulatorNormalize;
  const log = opts.log ?? (() => undefined);
  const count = (k: string): void => {
    counters[k] = (counters[k] ?? 0) + 1;
  };
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  // -- answers -----------------------------------------------------------------------------------

  const json = (c: Ctx, status: number, body: unknown): void => {
    count(`responses/${status}`);
    if (status >= 500) count('responses/5xx');
    c.reply.send(status, { 'Content-Type': 'application/json;charset=UTF-8' }, JSON.stringify(body));
  };
  const fail = (c: Ctx, status: number, message: string): void => json(c, status, { error_message: message });
  const text = (c: Ctx, status: number, body: string): void => {
    c.reply.send(status, { 'Content-Type': 'text/plain;charset=UTF-8' }, body);
  };
  /** 401 as most True API methods give it: XML (§2.2). */
  const unauthorizedXml = (c: Ctx): void => {
    count('responses/401');
    const xml = { 'Content-Type': 'application/xml;charset=UTF-8' };
    if (c.tokenState === 'none') {
      c.reply.send(
        401,
        xml,
        '<UnauthorizedException><error>unauthorized</error><error_description>Full authentication is required to access this resource</error_description></UnauthorizedException>',
      );
    } else {
      const what = c.tokenState === 'expired' ? 'Access token expired' : 'Invalid access token';
      c.reply.send(
        401,
        xml,
        `<InvalidTokenException><error>invalid_token</error><error_description>${what}: ${c.tokenText ?? ''}</error_description></InvalidTokenException>`,
      );
    }
  };

  // -- tokens ------------------------------------------------------------------------------------

  const issueToken = (
    inn: string,
    pid: number,
    united: boolean,
    notAfter?: number,
  ): TokenRecord & { value: string } => {
    const now = Date.now();
    // «The lifetime cannot exceed the expiration date of the EQES and/or machine-readable PoA» (v552.0,
    // the rules of the UUID token); a JWT of the old stand lives its full lifetime
    const exp = Math.min(now + live.tokenTtlMs, united ? (notAfter ?? Infinity) : Infinity);
    let value: string;
    if (united) {
      value = randomUUID();
    } else {
      const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
      const payload = b64url(
        JSON.stringify({
          pid,
          inn,
          user_status: 'ACTIVE',
          iat: Math.floor(now / 1000),
          exp: Math.floor(exp / 1000),
          jti: randomUUID(),
        }),
      );
      const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      value = `${header}.${payload}.${sig}`;
    }
    tokens.set(value, { inn, pid, exp });
    return { value, inn, pid, exp };
  };

  const readToken = (req: http.IncomingMessage): Pick<Ctx, 'token' | 'tokenText' | 'tokenState'> => {
    const h = req.headers.authorization;
    if (!h) return { tokenState: 'none' };
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    const value = m?.[1]?.trim();
    if (!value) return { tokenState: 'invalid', tokenText: h };
    const rec = tokens.get(value);
    if (!rec) return { tokenState: 'invalid', tokenText: value };
    if (rec.exp <= Date.now()) return { tokenState: 'expired', tokenText: value };
    return { token: rec, tokenText: value, tokenState: 'valid' };
  };

  /** A CMS signature checked against the emulator's CA, for the services on the same host (ЭДО Лайт, СУЗ). */
  const verifyCms = (sig: string, content?: Buffer): ReturnType<typeof verifySignature> =>
    verifySignature(sig, content, {
      caCertPath: opts.caCertPath,
      tmpDir,
      opensslBin: opts.opensslBin,
      requireCades: opts.requireCades,
    });

  const edo = createEdoRoutes(
    {
      registry,
      auth: (req) => ({ inn: readToken(req).token?.inn, state: readToken(req).tokenState }),
      later,
      log,
      verify: verifyCms,
    },
    opts.edo,
  );

  /** The УПД ГИС МТ has (after the buyer's signature), as documents of doc/list (lib/emulators/edo/gis.ts). */
  const udDocuments = (): EmulatorDocument[] =>
    edo.api.documents().flatMap((d) => {
      const v = udDocument(d);
      return v ? [v] : [];
    });

  // -- rate limit and faults -----------------------------------------------------------------

  /** Sliding one-second window of arrivals per participant (arrival = when the request came in). */
  const overLimit = (key: string, now: number): boolean => {
    if (!live.rateLimit) return false;
    // arrivals may be recorded slightly out of order (bodies end at different times): filter, not shift
    const w = (windows.get(key) ?? []).filter((t) => t > now - 1000 && t <= now + 1000);
    windows.set(key, w);
    if (w.filter((t) => t <= now).length >= live.rateLimit) return true;
    w.push(now);
    return false;
  };

  const pickFault = (route: string): '429' | '5xx' | 'timeout' | undefined => {
    const i = forced.findIndex((f) => !f.route || f.route === route);
    if (i >= 0) return forced.splice(i, 1)[0]?.kind;
    const f = live.faults;
    if (f.routes && f.routes.length > 0 && !f.routes.includes(route)) return undefined;
    const r = (f.random ?? Math.random)();
    const p429 = f.rate429 ?? 0;
    const p5xx = f.rate5xx ?? 0;
    const pTo = f.rateTimeout ?? 0;
    if (r < p429) return '429';
    if (r < p429 + p5xx) return '5xx';
    if (r < p429 + p5xx + pTo) return 'timeout';
    return undefined;
  };

  const serverError = (c: Ctx): void => {
    const r = Math.floor((live.faults.random ?? Math.random)() * 4);
    if (r === 1) {
      count('responses/5xx');
      count('responses/502');
      c.reply.send(
        502,
        { 'Content-Type': 'text/html' },
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
      );
      return;
    }
    const [status, message] = (
      [
        [500, 'Ошибка при выполнении запроса'],
        [502, 'Ошибка при выполнении запроса'],
        [503, 'Удаленная система недоступна'],
        [504, 'Отсутствует ответ системы'],
      ] as const
    )[r] as readonly [number, string];
    fail(c, status, message);
  };

  const hang = (c: Ctx): void => {
    count('faults/timeout');
    const socket = c.req.socket;
    hanging.add(socket);
    later(live.faults.hangMs ?? 30000, () => {
      hanging.delete(socket);
      socket.destroy();
    });
  };

  // -- documents ---------------------------------------------------------------------------------

  const schedule = (): void => {
    if (processTimer || stopped) return;
    const next = docs.find((d) => !d.processedAt);
    if (!next) {
      for (const w of settleWaiters.splice(0)) w();
      return;
    }
    processTimer = setTimeout(
      () => {
        processTimer = undefined;
        const now = Date.now();
        for (const d of docs) {
          if (d.processedAt) continue;
          if (d.processAt > now) break;
          try {
            processDocument(d, {
              registry,
              document: (id) => byId.get(id),
              validate,
              normalize,
              now: new Date(),
              maxCodes,
            });
          } catch (err) {
            d.status = 'PROCESSING_ERROR';
            d.errors = [`0: ${err instanceof Error ? err.message : String(err)}`];
            d.processedAt = new Date().toISOString();
          }
          log(`cz: ${d.type} ${d.number} → ${d.status}${d.errors.length ? ` ${d.errors.join('; ')}` : ''}`);
          if (
            d.type === 'LP_SHIP_GOODS' &&
            d.status === 'WAIT_ACCEPTANCE' &&
            live.autoAcceptMs !== undefined
          ) {
            later(live.autoAcceptMs, () => autoAccept(d));
          }
        }
        schedule();
      },
      Math.max(0, next.processAt - Date.now()),
    );
  };

  let lastStamp = 0;
  /** Store a received document; docDate/receivedAt strictly increase, so that list order is stable. */
  const addDocument = (
    d: Omit<EmulatorDocument, 'visibleAt' | 'processAt' | 'docDate' | 'receivedAt'>,
  ): EmulatorDocument => {
    const now = Date.now();
    lastStamp = Math.max(now, lastStamp + 1);
    const stamp = new Date(lastStamp).toISOString();
    const doc: EmulatorDocument = {
      ...d,
      docDate: stamp,
      receivedAt: stamp,
      visibleAt: now + live.visibilityDelayMs,
      processAt: now + live.processingDelayMs,
    };
    docs.push(doc);
    byId.set(doc.number, doc);
    schedule();
    return doc;
  };

  const autoAccept = (ship: EmulatorDocument): void => {
    if (ship.status !== 'WAIT_ACCEPTANCE' || !ship.receiverInn) return;
    const sb = (ship.body ?? {}) as Record<string, unknown>;
    const now = new Date().toISOString();
    const body = {
      release_order_number: ship.number,
      trade_sender_inn: ship.senderInn,
      trade_recipient_inn: ship.receiverInn,
      document_number: `ПР-${ship.number.slice(0, 8)}`,
      document_date: now,
      transfer_date: sb['transfer_date'] ?? now,
      acceptance_date: now,
      turnover_type: sb['turnover_type'] ?? 'SELLING',
      accept_all: true,
      products: [],
    };
    const pg = ship.pg;
    addDocument({
      number: randomUUID(),
      type: 'LP_ACCEPT_GOODS',
      documentFormat: 'MANUAL',
      pg,
      pgId: productGroup(pg)?.id ?? null,
      raw: Buffer.from(JSON.stringify(body)),
      signature: '',
      participantInn: ship.receiverInn,
      senderInn: ship.receiverInn,
      senderName: ship.receiverName,
      receiverInn: ship.senderInn,
      receiverName: ship.senderName,
      status: 'IN_PROGRESS',
      errors: [],
      commonErrors: [],
      relatedDocId: ship.number,
      turnoverType: null,
      invoiceNumber: null,
      invoiceDate: null,
      codes: [],
    });
  };

  const visibleTo = (d: EmulatorDocument, inn: string): boolean =>
    d.visibleAt <= Date.now() && (d.participantInn === inn || d.senderInn === inn || d.receiverInn === inn);

  const listItem = (d: EmulatorDocument, inn: string): Record<string, unknown> => ({
    number: d.number,
    docDate: d.docDate,
    receivedAt: d.receivedAt,
    type: d.type,
    status: d.status,
    senderInn: d.senderInn,
    senderName: d.senderName,
    receiverInn: d.receiverInn,
    receiverName: d.receiverName,
    invoiceNumber: d.invoiceNumber,
    relatedDocId: d.relatedDocId,
    downloadDesc: d.errors.join('; '),
    input: d.receiverInn === inn && d.senderInn !== inn,
    errors: d.errors.length > 0 ? [...d.errors] : null,
    productGroup: d.pg,
    productGroupId: d.pgId,
    eliminationReason: null,
  });

  const infoItem = (d: EmulatorDocument, inn: string, q: URLSearchParams): Record<string, unknown> => ({
    number: d.number,
    docDate: d.docDate,
    receivedAt: d.receivedAt,
    type: d.type,
    status: d.status,
    senderInn: d.senderInn,
    senderName: d.senderName,
    receiverInn: d.receiverInn,
    receiverName: d.receiverName,
    invoiceNumber: d.invoiceNumber,
    invoiceDate: d.invoiceDate,
    relatedDocId: d.relatedDocId,
    easCrossborderExportAcceptance: null,
    turnoverType: d.turnoverType,
    body: q.get('body') === 'true' ? (d.body ?? null) : null,
    content: q.get('content') === 'true' ? d.raw.toString('utf8') : null,
    input: d.receiverInn === inn && d.senderInn !== inn,
    errors: d.errors.length > 0 ? [...d.errors] : null,
    commonErrors: d.commonErrors.length > 0 ? d.commonErrors.map((e) => ({ ...e })) : null,
    productGroup: [d.pg],
    productGroupId: d.pgId !== null ? [d.pgId] : [],
    eliminationReason: null,
  });

  const cisInfo = (requested: string, rec: CodeRecord): Record<string, unknown> => {
    const owner = registry.participant(rec.ownerInn);
    const producer = registry.participant(rec.producerInn);
    return {
      requestedCis: requested,
      cis: rec.cis,
      cisWithoutBrackets: rec.cis,
      applicationDate: rec.applicationDate ?? null,
      introducedDate: rec.introducedDate ?? null,
      gtin: rec.gtin || null,
      tnVedEaes: rec.tnved ?? null,
      tnVedEaesGroup: rec.tnved ? rec.tnved.slice(0, 4) : null,
      productName: rec.productName ?? null,
      productGroupId: productGroup(rec.pg)?.id ?? null,
      productGroup: rec.pg,
      emissionDate: rec.emissionDate,
      emissionType: rec.emissionType,
      generalPackageType: rec.packageType === 'UNIT' ? 'UNIT' : rec.packageType,
      packageType: rec.packageType,
      ownerInn: rec.ownerInn,
      ownerName: owner?.name ?? null,
      status: rec.status,
      statusEx: rec.statusEx ?? null,
      withdrawReason: rec.withdrawReason ?? null,
      turnoverType: rec.turnoverType ?? null,
      child: [...rec.children],
      parent: rec.parent ?? null,
      producerInn: rec.producerInn,
      producerName: producer?.name ?? null,
    };
  };

  // -- handlers ----------------------------------------------------------------------------------

  const parseJsonBody = (c: Ctx): { ok: true; value: unknown } | { ok: false } => {
    if (c.body.length === 0) return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(c.body.toString('utf8')) };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      fail(c, 400, `JSON parse error: ${why}`);
      return { ok: false };
    }
  };

  const authKey = (c: Ctx): void => {
    const uuid = randomUUID();
    const data = randomLetters(30);
    challenges.set(uuid, { data, exp: Date.now() + (opts.challengeTtlMs ?? 5 * 60000) });
    json(c, 200, { uuid, data });
  };

  const signIn = async (c: Ctx): Promise<void> => {
    if (c.body.length === 0) return fail(c, 400, 'Тело запроса не может быть пустым');
    const p = parseJsonBody(c);
    if (!p.ok) return;
    const b = (p.value ?? {}) as Record<string, unknown>;
    if (typeof b !== 'object' || Array.isArray(b)) return fail(c, 400, 'Тело запроса не может быть пустым');
    const rules2027 = live.apiRules === '2027';
    const united = b['unitedToken'] === true;
    const inn = typeof b['inn'] === 'string' ? b['inn'] : undefined;
    if (!rules2027 && inn !== undefined && united)
      return fail(c, 400, 'Одновременное заполнение inn и unitedToken невозможно');
    const uuid = typeof b['uuid'] === 'string' && b['uuid'] ? b['uuid'] : undefined;
    // 2027: «uuid — mandatory» (v552.0); before, a «единый токен» could be asked without auth/key
    if (!uuid && (rules2027 || !united))
      return fail(c, 400, 'В запросе отсутствует идентификатор авторизации (UUID)');
    const data = typeof b['data'] === 'string' && b['data'] ? b['data'] : undefined;
    if (!data) return fail(c, 400, 'В запросе отсутствует параметр data');
    if (rules2027 && !united) {
      // ⚠ The operator's text for a JWT request after 2026 is not published (v552.0 says only that JWT
      // support ends with 2026); this one is made up in the operator's style.
      return fail(
        c,
        400,
        'Выпуск JWT-токенов прекращён с 01.01.2027. Запросите единый токен аутентификации (UUID): unitedToken = true',
      );
    }
    if (inn !== undefined && !/^(\d{10}|\d{12})$/.test(inn)) {
      return fail(
        c,
        400,
        'В параметре inn должен быть передан ИНН организации, под которой планируется авторизация от МЧД',
      );
    }
    let challenge: Challenge | undefined;
    if (uuid) {
      challenge = challenges.get(uuid);
      challenges.delete(uuid); // a challenge is used once
      if (!challenge || challenge.exp < Date.now())
        return fail(c, 400, `UUID не найден в хранилище ключей. UUID = ${uuid}`);
    }
    const v = await verifySignature(data, undefined, {
      caCertPath: opts.caCertPath,
      tmpDir,
      opensslBin: opts.opensslBin,
      requireCades: opts.requireCades,
    });
    if (!v.ok && v.kind === 'malformed') return fail(c, 400, 'Подпись не валидна');
    const info = v.ok ? v.info : v.info;
    if (info.detached) return fail(c, 400, 'Ошибка при проверке подписи');
    const cert = info.signerCertificate;
    const signed = info.content?.toString('utf8');
    if (challenge && signed !== challenge.data) return fail(c, 400, 'Ошибка при проверке подписи');
    if (!v.ok) return fail(c, 403, `Подпись невалидна. Код ошибки: ${v.reason}`);
    const certInn = cert?.participantInn;
    if (!certInn) return fail(c, 403, 'В сертификате отсутствует ИНН');
    // «единый токен» without a challenge: the signed data is the organisation INN (§2.2) ⚠
    if (!challenge && signed !== certInn) return fail(c, 400, 'Ошибка при проверке подписи');
    const who = inn ?? certInn;
    const part = registry.participant(who);
    if (inn !== undefined && inn !== certInn && part && !part.trustees.has(certInn)) {
      // МЧД: the signer must be trusted by the organisation whose INN is sent (Описание True API §2.2)
      return fail(
        c,
        403,
        `ИНН организации ${inn} не найден среди доверенных организаций для физического лица ИНН ${certInn}`,
      );
    }
    if (!part) {
      return fail(
        c,
        403,
        who.length === 12
          ? 'Авторизация невозможна. ИП не зарегистрирован или заблокирован'
          : 'Пользователь не найден',
      );
    }
    if (!part.registered) {
      return fail(
        c,
        403,
        who.length === 12
          ? 'Авторизация невозможна. ИП не зарегистрирован или заблокирован'
          : 'Организация в ГИС МТ не зарегистрирована',
      );
    }
    if (part.blocked) return fail(c, 403, "Организация находится в статусе - 'Заблокирован'");
    const issued = issueToken(part.inn, part.pid, united, cert?.notAfter.getTime());
    if (!united) return json(c, 200, { token: issued.value });
    if (!rules2027) return json(c, 200, { uuidToken: issued.value });
    // v552.0: «expireDate … Format: yyyy-MM-ddTHH:mm:ss.SSSZ»
    const expire = new Date(issued.exp).toISOString();
    if (live.signInAnswer === 'both') {
      const jwt = issueToken(part.inn, part.pid, false);
      return json(c, 200, { token: jwt.value, uuidToken: issued.value, expireDate: expire });
    }
    json(c, 200, { uuidToken: issued.value, expireDate: expire });
  };

  const create = async (c: Ctx): Promise<void> => {
    const tok = c.token as TokenRecord;
    const pg = c.query.get('pg');
    if (!pg) return fail(c, 400, 'Отсутствует обязательный параметр: pg');
    if (!productGroup(pg)) return fail(c, 400, 'Параметр pg требует значение типа ProductGroup');
    if (c.body.length === 0) return fail(c, 400, 'Required request body is missing: DocumentCreateRequest');
    const p = parseJsonBody(c);
    if (!p.ok) return;
    const b = p.value as Record<string, unknown>;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) {
      return fail(c, 400, 'JSON parse error: Cannot deserialize value of type DocumentCreateRequest');
    }
    for (const f of ['document_format', 'product_document', 'type', 'signature']) {
      if (typeof b[f] !== 'string' || b[f] === '') return fail(c, 400, `Отсутствует обязательное поле: ${f}`);
    }
    const format = b['document_format'] as string;
    const type = b['type'] as string;
    if (!['MANUAL', 'XML', 'CSV'].includes(format)) {
      return fail(
        c,
        400,
        `JSON parse error: Cannot deserialize value of type DocumentFormat from String "${format}"`,
      );
    }
    if (!SUBMITTABLE_TYPES.has(type) && !VIEW_ONLY_TYPES.has(type)) {
      return fail(
        c,
        400,
        `JSON parse error: Cannot deserialize value of type DocumentType from String "${type}"`,
      );
    }
    const second = ['second_product_document', 'second_signature'].filter(
      (f) => b[f] !== undefined && b[f] !== null,
    );
    if (TWO_TITLE_TYPES.has(type) && second.length < 2) {
      return fail(
        c,
        400,
        `Для типа документа ${type} не переданы параметры: <second_product_document>/<second_signature>`,
      );
    }
    if (!TWO_TITLE_TYPES.has(type) && second.length > 0) {
      return fail(
        c,
        400,
        `Для типа документа ${type} не допустимо указание параметров: <second_product_document>/<second_signature>`,
      );
    }
    const forGroup = typeForGroup(type, pg, live.legacyShipGoods);
    if (forGroup) return fail(c, forGroup.status, forGroup.message);
    const b64 = (b['product_document'] as string).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) {
      return fail(c, 400, 'Параметр product_document требует значение типа base64');
    }
    const raw = Buffer.from(b64, 'base64');
    if (raw.length > maxDocumentBytes) return fail(c, 413, 'Слишком большой запрос');
    const v = await verifySignature(b['signature'] as string, raw, {
      caCertPath: opts.caCertPath,
      tmpDir,
      opensslBin: opts.opensslBin,
      requireCades: opts.requireCades,
    });
    if (!v.ok) {
      log(`cz: document signature rejected: ${v.reason}`);
      return fail(c, 422, 'Ошибка проверки подписи');
    }
    if (!v.info.detached) return fail(c, 422, 'Ошибка проверки подписи');
    if (v.info.signerCertificate?.participantInn !== tok.inn) {
      log(`cz: document signed by ${v.info.signerCertificate?.participantInn ?? '?'} but sent by ${tok.inn}`);
      return fail(c, 422, 'Ошибка проверки подписи');
    }
    const me = registry.participant(tok.inn);
    const doc = addDocument({
      number: randomUUID(),
      type,
      documentFormat: format,
      pg,
      pgId: productGroup(pg)?.id ?? null,
      raw,
      signature: b['signature'] as string,
      participantInn: tok.inn,
      senderInn: tok.inn,
      senderName: me?.name ?? null,
      receiverInn: null,
      receiverName: null,
      status: 'IN_PROGRESS',
      errors: [],
      commonErrors: [],
      relatedDocId: null,
      turnoverType: null,
      invoiceNumber: null,
      invoiceDate: null,
      codes: [],
    });
    log(`cz: received ${type} ${doc.number} from ${tok.inn} (${raw.length} bytes)`);
    text(c, 200, doc.number);
  };

  const docList = (c: Ctx): void => {
    const me = (c.token as TokenRecord).inn;
    const q = c.query;
    const pg = q.get('pg');
    // ⚠ "at least one filter" (§6.2): pg is required anyway and counts as one (tolerant reading)
    if (!pg) return fail(c, 400, 'Отсутствует обязательный параметр: pg');
    const senderInn = q.get('senderInn');
    const receiverInn = q.get('receiverInn');
    if (senderInn && receiverInn) {
      return fail(c, 400, 'Параметры senderInn и receiverInn не могут быть указаны одновременно');
    }
    const limitRaw = q.get('limit');
    const limit = limitRaw === null ? 50 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1)
      return fail(c, 400, 'Параметр limit требует значение типа Integer');
    if (limit > 1000) return fail(c, 400, 'Значение параметра limit не может быть больше 1000');
    const order = (q.get('order') ?? 'DESC').toUpperCase();
    if (order !== 'ASC' && order !== 'DESC')
      return fail(c, 400, 'Параметр order требует значение типа SortOrder');
    const pageDir = (q.get('pageDir') ?? 'NEXT').toUpperCase();
    if (pageDir !== 'NEXT' && pageDir !== 'PREV')
      return fail(c, 400, 'Параметр pageDir требует значение типа PageDir');
    const dateOf = (name: string): number | undefined | null => {
      const v = q.get(name);
      if (v === null || v === '') return undefined;
      const t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v}Z`);
      return Number.isNaN(t) ? null : t;
    };
    const from = dateOf('dateFrom');
    const to = dateOf('dateTo');
    if (from === null) return fail(c, 400, 'Параметр dateFrom требует значение типа LocalDateTime');
    if (to === null) return fail(c, 400, 'Параметр dateTo требует значение типа LocalDateTime');
    const number = q.get('number');
    if (live.apiRules === '2027') {
      // CRPT «Planned True API changes» v552.0, «Mandatory indication of the date range when requesting a
      // list of documents». ⚠ Neither the texts of these errors nor the cap are published: made up here.
      if ((from === undefined) !== (to === undefined)) {
        return fail(c, 400, 'Параметры dateFrom и dateTo должны быть указаны вместе');
      }
      const exempt =
        !!q.get('documentStatus') ||
        q.getAll('documentType').some(Boolean) ||
        !!number ||
        (!!q.get('documentFormat') && (!!senderInn || !!receiverInn));
      if (from === undefined && !exempt) {
        return fail(
          c,
          400,
          'Не указан период: параметры dateFrom и dateTo обязательны, если не заданы documentStatus, documentType или number',
        );
      }
      if (from !== undefined && to !== undefined) {
        if (to < from) return fail(c, 400, 'Значение dateFrom не может быть больше dateTo');
        const cap = live.docListMaxRangeMs;
        if (cap > 0 && to - from > cap) {
          const days = Math.round((cap / 86400000) * 1000) / 1000;
          return fail(
            c,
            400,
            `Превышен допустимый период запроса: между dateFrom и dateTo не более ${days} дн.`,
          );
        }
      }
    }
    const did = number ? null : q.get('did');
    const ocv = q.get('orderedColumnValue');
    if (did && !ocv) return fail(c, 400, 'Отсутствует обязательный параметр: orderedColumnValue');
    const anchorTime = ocv ? Date.parse(ocv) : NaN;
    if (did && Number.isNaN(anchorTime))
      return fail(c, 400, 'Параметр orderedColumnValue требует значение типа LocalDateTime');
    const types = q
      .getAll('documentType')
      .flatMap((t) => t.split(','))
      .filter(Boolean);
    const status = q.get('documentStatus');
    const fmt = q.get('documentFormat');
    const input = q.get('input');
    const dir = order === 'ASC' ? 1 : -1;
    const cmp = (a: EmulatorDocument, b: EmulatorDocument): number => {
      const d = Date.parse(a.docDate) - Date.parse(b.docDate);
      return dir * (d !== 0 ? d : a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
    };
    let rows = [...docs, ...udDocuments()].filter((d) => {
      if (!visibleTo(d, me) || d.pg !== pg) return false;
      const t = Date.parse(d.docDate);
      if (from !== undefined && t < from) return false;
      if (to !== undefined && t > to) return false;
      if (number && d.number !== number) return false;
      if (status && d.status !== status) return false;
      if (types.length > 0 && !types.includes(d.type)) return false;
      if (fmt && d.documentFormat !== fmt) return false;
      if (senderInn && d.senderInn !== senderInn) return false;
      if (receiverInn && d.receiverInn !== receiverInn) return false;
      if (input === 'true' && !(d.receiverInn === me && d.senderInn !== me)) return false;
      if (input === 'false' && d.senderInn !== me) return false;
      return true;
    });
    rows.sort(cmp);
    if (did) {
      const anchor = { docDate: new Date(anchorTime).toISOString(), number: did } as EmulatorDocument;
      rows =
        pageDir === 'NEXT' ? rows.filter((d) => cmp(d, anchor) > 0) : rows.filter((d) => cmp(d, anchor) < 0);
    }
    let page: EmulatorDocument[];
    let more: boolean;
    if (did && pageDir === 'PREV') {
      page = rows.slice(Math.max(0, rows.length - limit));
      more = rows.length > limit;
    } else {
      page = rows.slice(0, limit);
      more = rows.length > limit;
    }
    json(c, 200, { results: page.map((d) => listItem(d, me)), nextPage: more });
  };

  const docInfo = (c: Ctx): void => {
    const me = (c.token as TokenRecord).inn;
    const id = decodeURIComponent(c.params['id'] ?? '');
    const d = byId.get(id);
    if (!d) {
      // a УПД is found by its ИдФайл (§6.4) once ГИС МТ has it
      const upd = edo.api.documents().find((x) => x.fileId === id);
      const view = upd ? udDocument(upd) : undefined;
      if (upd && view && visibleTo(view, me))
        return json(c, 200, [{ ...infoItem(view, me, c.query), ...udInfo(upd, c.query) }]);
    }
    // ⚠ the reference documents no error for unknown or foreign ids: the generic «… не найден» is used
    if (!d || !visibleTo(d, me)) return fail(c, 404, `Документ с номером ${id} не найден`);
    if (d.pg === 'furs' && !c.query.get('pg')) return fail(c, 400, 'Отсутствует обязательный параметр: pg');
    json(c, 200, [infoItem(d, me, c.query)]);
  };

  const cises = (c: Ctx): void => {
    if (c.body.length === 0) return fail(c, 400, 'Required request body is missing: List<String>');
    const p = parseJsonBody(c);
    if (!p.ok) return;
    if (!Array.isArray(p.value)) {
      return fail(
        c,
        400,
        'JSON parse error: Cannot deserialize instance of `java.util.ArrayList` out of START_OBJECT token',
      );
    }
    const list = p.value.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
    if (list.length === 0) return fail(c, 400, 'В запросе не указан ни один КМ');
    if (list.length > 1000) return fail(c, 400, 'Количество КМ в запросе не должно превышать 1000');
    const pg = c.query.get('pg');
    let found = 0;
    const out = list.map((requested) => {
      const cis = normalize(requested, pg ?? undefined);
      const rec = registry.code(cis);
      if (!rec || (pg && rec.pg !== pg)) {
        return { cisInfo: { requestedCis: requested, cis }, errorMessage: 'КИ не найден', errorCode: '404' };
      }
      found++;
      return { cisInfo: cisInfo(requested, rec) };
    });
    json(c, found === 0 ? 404 : 200, out);
  };

  /**
   * `GET /api/v3/true-api/mods/list` («Описание True API» v553 §3.3): the МОДs of participants —
   * `inns` (≤ 10, repeated or comma-separated; default the token's participant), `kpp`, `fiasId`,
   * `productGroups`, `limit` (1…1000, default 100), `page` (from 0) → `{result, total, nextPage}`.
   */
  const modsList = (c: Ctx): void => {
    const q = c.query;
    const split = (name: string): string[] =>
      q
        .getAll(name)
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '');
    const inns = split('inns');
    if (inns.length > 10) return fail(c, 400, 'Количество ИНН в запросе не должно превышать 10');
    const int = (name: string, def: number, min: number, max: number): number | string => {
      const raw = q.get(name);
      if (raw === null || raw === '') return def;
      const n = Number(raw);
      if (!Number.isInteger(n)) return `Параметр ${name} требует значение типа Integer`;
      if (n < min || n > max) return `Значение параметра ${name} должно быть от ${min} до ${max}`;
      return n;
    };
    const limit = int('limit', 100, 1, 1000);
    if (typeof limit === 'string') return fail(c, 400, limit);
    const page = int('page', 0, 0, Number.MAX_SAFE_INTEGER);
    if (typeof page === 'string') return fail(c, 400, page);
    const kpp = q.get('kpp')?.trim() || undefined;
    const fias = q.get('fiasId')?.trim().toLowerCase() || undefined;
    const groups = split('productGroups');
    const who = inns.length > 0 ? inns : [(c.token as TokenRecord).inn];
    const all = who
      .flatMap((inn) => registry.mods.get(inn) ?? [])
      .filter(
        (m) =>
          (!kpp || m.kpp === kpp) &&
          (!fias || m.fiasId.toLowerCase() === fias) &&
          (groups.length === 0 || m.productGroups.some((g) => groups.includes(g))),
      );
    const result = all.slice(page * limit, (page + 1) * limit).map((m) => ({
      inn: m.inn,
      kpp: m.kpp || null,
      fiasId: m.fiasId,
      address: m.address,
      productGroups: [...m.productGroups],
      isBlockedEgais: m.isBlockedEgais,
    }));
    json(c, 200, { result, total: all.length, nextPage: (page + 1) * limit < all.length });
  };

  const balance = (c: Ctx, all: boolean): void => {
    const tok = c.token as TokenRecord;
    const part = registry.participant(tok.inn);
    if (!part) return fail(c, 404, 'В токене отсутствует свойство pid');
    const entry = (pgId: number): Record<string, unknown> => {
      const bal = part.balances.get(pgId);
      return bal === undefined
        ? { organisationId: part.pid, productGroupId: pgId }
        : { balance: bal, contractId: part.pid * 100 + pgId, organisationId: part.pid, productGroupId: pgId };
    };
    if (all) return json(c, 200, [...part.balances.keys()].sort((a, b) => a - b).map(entry));
    const raw = c.query.get('productGroupId');
    if (raw === null || raw === '') return fail(c, 400, 'Отсутствует обязательный параметр: productGroupId');
    const id = Number(raw);
    if (!Number.isInteger(id)) return fail(c, 400, 'Параметр productGroupId требует значение типа Integer');
    json(c, 200, entry(id));
  };

  // -- dispatch ----------------------------------------------------------------------------------

  const route = (
    method: string,
    pathname: string,
  ): { route: string; params: Record<string, string> } | 'method' | undefined => {
    let rest = pathname;
    let versioned = false;
    const m = /^\/api\/v[34]\/true-api(\/.*)$/.exec(pathname);
    if (m?.[1]) {
      rest = m[1];
      versioned = true;
    }
    let wrongMethod = false;
    for (const r of ROUTES) {
      if (!versioned && r.versions === 'api') continue;
      const mm = r.re.exec(rest);
      if (!mm) continue;
      if (r.method !== method) {
        wrongMethod = true;
        continue;
      }
      const params: Record<string, string> = {};
      (r.keys ?? []).forEach((k, i) => {
        params[k] = mm[i + 1] ?? '';
      });
      return { route: r.route, params };
    }
    return wrongMethod ? 'method' : undefined;
  };

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    arrived: number,
  ): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    count('total');
    const edoRoute = edo.route(method, url);
    if (edoRoute) return handleEdo(req, res, url, body, arrived, edoRoute);
    const r = route(method, url.pathname);
    const c: Ctx = {
      req,
      reply: replyTo(res),
      method,
      route: typeof r === 'object' ? r.route : '',
      params: typeof r === 'object' ? r.params : {},
      query: url.searchParams,
      body,
      ...readToken(req),
    };
    for (const m of mounted) if (r === undefined && (await m.handle(req, res, url, body))) return;
    if (r === undefined) return fail(c, 404, 'Метод с указанным URL не найден');
    if (r === 'method') return fail(c, 405, `Request method '${method}' not supported`);
    if (!acceptable(req.headers.accept)) {
      // §1.5: no acceptable type among those the method may return → 406 with an empty body
      count('responses/406');
      return c.reply.send(406, {}, '');
    }
    count(c.route);
    await latency();
    const fault = pickFault(c.route);
    if (fault === '429') return fail(c, 429, 'Превышено допустимое количество запросов');
    const key = c.token ? `inn:${c.token.inn}` : `ip:${req.socket.remoteAddress ?? ''}`;
    if (overLimit(key, arrived)) return fail(c, 429, 'Превышено допустимое количество запросов');
    const after =
      !!fault &&
      (c.route === 'lk/documents/create' || c.route === 'auth/simpleSignIn') &&
      (live.faults.random ?? Math.random)() < (live.faults.afterProcessing ?? 0.5);
    if (fault && !after) return fault === 'timeout' ? hang(c) : serverError(c);
    if (fault && after) {
      // the document is received and stored, but the client never learns its id
      await dispatch({ ...c, reply: { send: () => undefined } });
      return fault === 'timeout' ? hang(c) : serverError(c);
    }
    await dispatch(c);
  };

  /** The client's answer channel. */
  const replyTo = (res: http.ServerResponse): Reply => ({
    send: (status, headers, b) => {
      res.writeHead(status, headers);
      res.end(b);
    },
  });

  /** The added latency of `latencyMs` (fixed, or uniform in [min, max]). */
  const latency = async (): Promise<void> => {
    const lat = live.latencyMs;
    if (lat === undefined) return;
    const ms = Array.isArray(lat) ? lat[0] + Math.random() * (lat[1] - lat[0]) : lat;
    if (ms > 0) await new Promise<void>((done) => later(ms, done));
  };

  /**
   * ЭДО Лайт on this host: the same knobs as True API — latency, the per-participant rate limit, and the
   * faults (`faults.routes` and `injectFault` name the EDO route keys, e.g. `edo/upload`). An upload hit
   * by a fault after processing is stored and its answer lost (the client cannot know it arrived).
   */
  const handleEdo = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
    arrived: number,
    edoRoute: string,
  ): Promise<void> => {
    const c: Ctx = {
      req,
      reply: replyTo(res),
      method: (req.method ?? 'GET').toUpperCase(),
      route: edoRoute,
      params: {},
      query: url.searchParams,
      body,
      ...readToken(req),
    };
    count(edoRoute);
    await latency();
    const fault = pickFault(edoRoute);
    if (fault === '429') return fail(c, 429, 'Превышено допустимое количество запросов');
    const key = c.token ? `inn:${c.token.inn}` : `ip:${req.socket.remoteAddress ?? ''}`;
    if (overLimit(key, arrived)) return fail(c, 429, 'Превышено допустимое количество запросов');
    const after =
      !!fault &&
      edoRoute === 'edo/upload' &&
      (live.faults.random ?? Math.random)() < (live.faults.afterProcessing ?? 0.5);
    if (fault && !after) return fault === 'timeout' ? hang(c) : serverError(c);
    if (fault && after) {
      // the УПД is received and stored, but the client never learns its id
      const nowhere = {
        headersSent: false,
        writeHead: () => nowhere,
        setHeader: () => nowhere,
        end: () => nowhere,
      } as unknown as http.ServerResponse;
      await edo.handle(req, nowhere, url, body);
      return fault === 'timeout' ? hang(c) : serverError(c);
    }
    await edo.handle(req, res, url, body);
  };

  const needsToken = (c: Ctx, jsonStyle: boolean): boolean => {
    if (c.tokenState === 'valid') return true;
    if (jsonStyle)
      fail(c, 401, 'Для доступа к этому ресурсу требуется полная аутентификация. Проверьте токен');
    else unauthorizedXml(c);
    return false;
  };

  const dispatch = async (c: Ctx): Promise<void> => {
    switch (c.route) {
      case 'auth/key':
        return authKey(c);
      case 'auth/simpleSignIn':
        return signIn(c);
      case 'lk/documents/create':
        if (needsToken(c, true)) await create(c);
        return;
      case 'doc/list':
        if (needsToken(c, false)) docList(c);
        return;
      case 'doc/info':
        if (needsToken(c, false)) docInfo(c);
        return;
      case 'cises/info':
        if (needsToken(c, false)) cises(c);
        return;
      case 'mods/list':
        if (needsToken(c, false)) modsList(c);
        return;
      case 'balance/all':
        if (needsToken(c, false)) balance(c, true);
        return;
      case 'balance':
        if (needsToken(c, false)) balance(c, false);
        return;
      default:
        return fail(c, 404, 'Метод с указанным URL не найден');
    }
  };

  const mounted = (opts.mounts ?? []).map((mount) =>
    mount({
      registry,
      verify: verifyCms,
      takeChallenge: (uuid) => {
        const ch = challenges.get(uuid);
        challenges.delete(uuid);
        return ch && ch.exp >= Date.now() ? ch.data : undefined;
      },
      later,
      log,
    }),
  );
  const maxBody = Math.ceil((maxDocumentBytes * 4) / 3) + 4 * MB;
  const server = http.createServer((req, res) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > maxBody) {
        tooBig = true;
        return;
      }
      chunks.push(d);
    });
    req.on('end', () => {
      if (tooBig) {
        res.writeHead(413, { 'Content-Type': 'application/json;charset=UTF-8', Connection: 'close' });
        res.end(JSON.stringify({ error_message: 'Слишком большой запрос' }));
        return;
      }
      handle(req, res, Buffer.concat(chunks), arrived).catch((err: unknown) => {
        log(`cz: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json;charset=UTF-8' });
          res.end(JSON.stringify({ error_message: 'Ошибка при выполнении запроса' }));
        }
      });
    });
    req.on('error', () => undefined);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';

  return {
    url: `http://${host}:${port}`,
    port,
    registry,
    edo: edo.api,
    counters,
    options: live,
    documents: () => docs.map((d) => ({ ...d, errors: [...d.errors], codes: [...d.codes] })),
    document: (id) => byId.get(id),
    injectFault: (kind, n = 1, r) => {
      for (let i = 0; i < n; i++) forced.push({ kind, route: r });
    },
    expireTokens: () => {
      for (const t of tokens.values()) t.exp = 0;
    },
    settle: (timeoutMs = 30000) =>
      new Promise<void>((resolve, reject) => {
        if (docs.every((d) => d.processedAt)) {
          resolve();
          return;
        }
        const t = setTimeout(() => reject(new Error('documents still processing')), timeoutMs);
        settleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      }),
    stop: async () => {
      stopped = true;
      for (const m of mounted) m.stop?.();
      if (processTimer) clearTimeout(processTimer);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const sock of hanging) sock.destroy();
      hanging.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}
