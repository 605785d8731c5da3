/**
 * The ЭДО Лайт emulator, served by the True API emulator's server (both path forms of the ЭДО Лайт
 * API: `/api/v1/…` as on `edo-gismt.crpt.ru`, and `/api/v3/true-api/edo/…` as announced in CRPT
 * «Planned True API changes» v552.0, «Migrating EDM Lite methods to True API»; lists also under
 * `/api/v3/true-api/elk/…`, «Описание True API» §3.5.4), with the operator's rules:
 *
 * - multipart field names `content` (the file, `application/xml`, named `<ИдФайл>.xml`), `signature`
 *   (detached CAdES-BES in base64, checked over the exact bytes with OpenSSL + GOST, its signer's INN =
 *   the seller's), `doc_id`; windows-1251 files only; the format 5.03 structure the operator requires
 *   (ФНС order ЕД-7-26/970@; `Подписант/@Должн` for СЧФДОП and ДОП);
 * - the same file name again answers the id of the document already received (idempotency);
 * - statuses 0 → 1 → 3 → 13 → 4 → 63 → 61 | 62, or 8 on a clarification request; the unsigned
 *   «Извещение о получении» after the buyer's first `GET …/content`;
 * - the 1 000 outgoing documents a year of the API; roaming and unregistered receivers refused with
 *   the operator's texts;
 * - a simulated buyer that signs or refuses by rule, and the ГИС МТ side: on the buyer's signature the
 *   codes are checked (exist, owned by the seller, in circulation, one product group) and change owner;
 *   the processing receipt `GET /api/v3/true-api/documents/edo/tpr/ud?fileId=<ИдФайл>` («Описание True
 *   API» §7.1) tells the outcome with the error texts of §7.3.1.
 *
 * Texts the sources do not give are the emulator's own and marked ⚠ (docs/edo.md).
 */
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { decodeCp1251, encodeCp1251 } from '../../edo/cp1251';
import {
  at,
  attr,
  child,
  childrenOf,
  declaredEncoding,
  parseXml,
  serialize,
  el,
  type XmlElement,
} from '../../edo/xml';
import { prepareUpd, type UpdInput } from '../../edo/upd';
import { buildBuyerTitle, readSellerTitle } from '../../edo/buyer';
import { productGroup } from '../../cz/product-groups';
import type { Registry } from '../cz/registry';
import type { VerifyResult } from '../cz/verify';
import { boundaryOf, parseMultipart, type FormPart } from './multipart';

/**
 * What a simulated buyer does with a УПД delivered to it: `sign` the buyer's title, `refuse` it (a
 * clarification request, status 8), leave it to a person (`manual`: `buyerSign`/`buyerRefuse`, or a real
 * buyer through the incoming methods), or `check` it as a careful buyer does before signing — every
 * code known, owned by the seller and in circulation (what ГИС МТ will check, «Описание True API» §7.3.1)
 * — and sign when all pass, refuse naming the codes otherwise.
 */
export type BuyerAction = 'sign' | 'refuse' | 'manual' | 'check';

export interface EdoEmulatorOptions {
  /** what simulated buyers do with a УПД delivered to them (default `sign`); per buyer INN in `buyerRules` */
  buyerAction?: BuyerAction;
  buyerRules?: Record<string, BuyerAction>;
  /** the reason a simulated buyer gives when refusing */
  refuseReason?: string;
  /** delivery (1 → 3) after this many ms (default 50) */
  deliveryMs?: number;
  /** the simulated buyer acts this many ms after delivery (default 100) */
  buyerDelayMs?: number;
  /** ГИС МТ processes a signed УПД (63 → 61 | 62) after this many ms (default 100) */
  gisDelayMs?: number;
  /** outgoing documents a year per participant (default 1000) */
  annualLimit?: number;
  /** INNs whose participants are on another EDO operator without roaming (uploads to them: 422) */
  roamingMissing?: string[];
}

export interface EdoEvent {
  id: string;
  docId: string;
  /** 113/115 ИОП, 110 УОУ … (ЭДО Лайт «Типы документов») */
  type: number;
  /** who must sign it */
  ownerInn: string;
  side: 'outgoing' | 'incoming';
  bytes: Buffer;
  signed: boolean;
}

export interface TprOperation {
  operationId: string;
  operationDate: number;
  operationType: string;
  details: Record<string, unknown>;
}

export interface EdoDocument {
  id: string;
  groupId: string;
  fileId: string;
  fileName: string;
  bytes: Buffer;
  sha256: string;
  signature: string;
  function: string;
  /** 524 СЧФДОП / 520 ДОП seller's title (970@) */
  type: number;
  number: string;
  /** ДД.ММ.ГГГГ as in the file */
  date: string;
  sellerInn: string;
  sellerName: string;
  buyerInn: string;
  buyerName: string;
  /** Unix seconds */
  createdAt: number;
  status: number;
  codes: string[];
  pg: string;
  totalPrice: number;
  totalVat: number;
  buyerTitle?: { id: string; fileId: string; bytes: Buffer; signature: string; signedAt: number };
  refusal?: { id: string; text: string; at: number };
  tprUd?: {
    state: 'SUCCESS' | 'FAILED' | 'IN_PROGRESS';
    code: number;
    description: string;
    operations: TprOperation[];
    sourceDocDate: number;
    resultDocDate?: number;
  };
  viewedByBuyer: boolean;
}

export interface EdoEmulatorApi {
  options: Required<Omit<EdoEmulatorOptions, 'roamingMissing' | 'buyerRules'>> & {
    roamingMissing: Set<string>;
    buyerRules: Record<string, BuyerAction>;
  };
  documents(): EdoDocument[];
  document(id: string): EdoDocument | undefined;
  events(): EdoEvent[];
  /** the EDO id of a participant (`2LT-…`) */
  edoId(inn: string): string | undefined;
  /** act as the buyer now */
  buyerSign(docId: string): void;
  buyerRefuse(docId: string, reason?: string): void;
  /** a supplier sends a УПД to a participant (an incoming document for the demo organisation) */
  sendIncoming(input: UpdInput): EdoDocument;
  /** the next `count` uploads (repeats of a file name included) are processed but answered 500 (a lost answer) */
  loseAnswers(count?: number): void;
  /** the next `count` answers of the buyer (buyer's title, УОУ) are processed but answered 500 */
  loseBuyerAnswers(count?: number): void;
  counters: Record<string, number>;
  /** resolves when no document is waiting for delivery, the buyer or ГИС МТ */
  settle(timeoutMs?: number): Promise<void>;
}

export interface EdoDeps {
  registry: Registry;
  /** the True API emulator's token check */
  auth(req: http.IncomingMessage): { inn?: string; state: 'none' | 'valid' | 'expired' | 'invalid' };
  verify(signatureB64: string, content: Buffer): Promise<VerifyResult>;
  later(ms: number, fn: () => void): void;
  log(line: string): void;
}

export interface EdoRoutes {
  /** true when the path is ЭДО Лайт's (then the request is answered) */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): Promise<boolean>;
  /**
   * The route key of an ЭДО Лайт request for the True API emulator's knobs (faults, latency, rate
   * limit): `edo/upload` (a seller's title), `edo/sign`, `edo/list`, `edo/info`, `edo/content`,
   * `edo/events`, `edo/title` (a buyer's title), `edo/uvtoch`, `edo/tpr/ud`, `edo/inn`; undefined for
   * any other path.
   */
  route(method: string, url: URL): string | undefined;
  api: EdoEmulatorApi;
}

interface Ctx {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  body: Buffer;
  inn: string;
}

const XML_TYPES = /^(application|text)\/xml\b/i;
const SECONDS = (): number => Math.floor(Date.now() / 1000);

/** «Описание True API» §7.3.1 «Документы ЭДО»: the texts of the ГИС МТ processing errors. */
const GIS = {
  notFound: (c: string): { code: number; text: string } => ({
    code: 22,
    text: `Коды маркировки ${c} не найдены в ГИС МТ`,
  }),
  notOwner: (inn: string, c: string) => ({
    code: 23,
    text: `У участника ${inn} нет полномочий на выполнение операции с Кодом Маркировки ${c}`,
  }),
  status: (s: string, c: string) => ({
    code: 24,
    text: `Статус ${s} Кода Маркировки ${c} не соответствует выполняемой операции`,
  }),
  mixed: () => ({ code: 102, text: 'Содержит коды маркировки разных товарных групп' }),
  brackets: () => ({
    code: 3,
    text: 'Недопустимо указывать скобки для идентификаторов применения AI 01, 21, 8005',
  }),
  short: (c: string) => ({ code: 79, text: `Неверный код маркировки ${c}` }),
};

function money(v: string | undefined): number {
  const n = Number(v ?? '0');
  return Number.isFinite(n) ? n : 0;
}

export function createEdoRoutes(deps: EdoDeps, opts: EdoEmulatorOptions = {}): EdoRoutes {
  const docs: EdoDocument[] = [];
  const byId = new Map<string, EdoDocument>();
  const byName = new Map<string, EdoDocument>();
  const events: EdoEvent[] = [];
  const counters: Record<string, number> = {};
  const pending = new Set<string>();
  const waiters: Array<() => void> = [];
  let lose = 0;
  let loseBuyer = 0;
  /** a buyer's answer processed whose reply is lost (loseBuyerAnswers) */
  const lostBuyer = (c: Ctx): boolean => {
    if (loseBuyer <= 0) return false;
    loseBuyer--;
    count('edo/lost-answers');
    fail(c, 500, 'Error processing request');
    return true;
  };
  const live: EdoEmulatorApi['options'] = {
    buyerAction: opts.buyerAction ?? 'sign',
    buyerRules: { ...(opts.buyerRules ?? {}) },
    refuseReason: opts.refuseReason ?? 'Количество товара не соответствует заказу',
    deliveryMs: opts.deliveryMs ?? 50,
    buyerDelayMs: opts.buyerDelayMs ?? 100,
    gisDelayMs: opts.gisDelayMs ?? 100,
    annualLimit: opts.annualLimit ?? 1000,
    roamingMissing: new Set(opts.roamingMissing ?? []),
  };
  const count = (k: string): void => {
    counters[k] = (counters[k] ?? 0) + 1;
  };

  const edoId = (inn: string): string | undefined => {
    const p = deps.registry.participant(inn);
    return p && p.registered ? `2LT-${p.pid}` : undefined;
  };
  const innOfEdoId = (id: string): string | undefined => {
    for (const p of deps.registry.participants.values()) if (`2LT-${p.pid}` === id) return p.inn;
    return undefined;
  };

  // -- scheduling ----------------------------------------------------------------------------

  const step = (key: string, ms: number, fn: () => void): void => {
    pending.add(key);
    deps.later(ms, () => {
      pending.delete(key);
      try {
        fn();
      } finally {
        if (pending.size === 0) for (const w of waiters.splice(0)) w();
      }
    });
  };

  const deliver = (d: EdoDocument): void => {
    step(`deliver:${d.id}`, live.deliveryMs, () => {
      if (d.status !== 1) return;
      d.status = 3;
      const action = live.buyerRules[d.buyerInn] ?? live.buyerAction;
      if (action === 'manual') return;
      step(`buyer:${d.id}`, live.buyerDelayMs, () => {
        if (d.status !== 3 && d.status !== 13) return;
        const doubt = action === 'check' ? buyerDoubts(d) : undefined;
        if (action === 'sign' || (action === 'check' && !doubt)) simulatedSign(d);
        else refuse(d, doubt ?? live.refuseReason);
      });
    });
  };

  const signByBuyer = (d: EdoDocument, bytes: Buffer, signature: string, fileId: string): string => {
    const id = randomUUID();
    d.buyerTitle = { id, fileId, bytes, signature, signedAt: SECONDS() };
    d.status = 4;
    events.push({
      id: randomUUID(),
      docId: d.id,
      type: 113,
      ownerInn: d.sellerInn,
      side: 'outgoing',
      bytes: receipt('DP_IZVPOL', d.sellerInn, d.buyerInn, fileId),
      signed: false,
    });
    deps.log(`edo: ${d.fileId} signed by the buyer ${d.buyerInn}`);
    if (d.codes.length > 0) {
      d.status = 63;
      d.tprUd = {
        state: 'IN_PROGRESS',
        code: 2,
        description: 'Document is being processed',
        operations: [],
        sourceDocDate: Date.now(),
      };
      step(`gis:${d.id}`, live.gisDelayMs, () => processInGis(d));
    }
    return id;
  };

  /** Why a careful buyer would not sign (codes unknown, not the seller's, not in circulation), or undefined. */
  const buyerDoubts = (d: EdoDocument): string | undefined => {
    const bad: string[] = [];
    for (const c of d.codes) {
      const rec = deps.registry.code(c);
      if (!rec || rec.ownerInn !== d.sellerInn || rec.status !== 'INTRODUCED') bad.push(c);
    }
    if (bad.length === 0) return undefined;
    const shown = bad.slice(0, 5).join(', ');
    return `Коды маркировки не принадлежат продавцу или не в обороте: ${shown}${bad.length > 5 ? ` и ещё ${bad.length - 5}` : ''}`;
  };

  /**
   * The simulated buyer's signature: a buyer's title 5.03 built from the seller's (lib/edo/buyer.ts;
   * not signed — the emulator holds no buyer key), acceptance without discrepancies.
   */
  const simulatedSign = (d: EdoDocument): void => {
    let bytes = Buffer.alloc(0);
    let fileId = `ON_NSCHFDOPPOK_emulated_${d.id}`;
    try {
      const title = buildBuyerTitle({
        seller: readSellerTitle(d.bytes),
        sellerSignature: d.signature || undefined,
        signer: { surname: 'Покупателев', firstName: 'Иван', position: 'Директор' },
        acceptance: { code: 1 },
        formedAt: new Date(),
        program: 'EDOLite emulator',
      });
      bytes = Buffer.from(title.bytes);
      fileId = title.fileId;
    } catch {
      // a seller's title the reader refuses still gets a (bare) signature: the operator accepted it
    }
    signByBuyer(d, bytes, '', fileId);
  };

  const refuse = (d: EdoDocument, text: string): string => {
    const id = randomUUID();
    d.refusal = { id, text, at: SECONDS() };
    d.status = 8;
    deps.log(`edo: ${d.fileId} refused by the buyer: ${text}`);
    return id;
  };

  /** ГИС МТ processing of a signed УПД: the code checks of «Описание True API» §7.3.1, then the owner moves. */
  const processInGis = (d: EdoDocument): void => {
    const errors: Array<{ code: number; text: string; cis?: string }> = [];
    const groups = new Set<string>();
    const records = [];
    for (const c of d.codes) {
      if (/[()]/.test(c)) {
        errors.push({ ...GIS.brackets(), cis: c });
        continue;
      }
      if (c.length < 18) {
        errors.push({ ...GIS.short(c), cis: c });
        continue;
      }
      const rec = deps.registry.code(c);
      if (!rec) {
        errors.push({ ...GIS.notFound(c), cis: c });
        continue;
      }
      groups.add(rec.pg);
      if (rec.ownerInn !== d.sellerInn) errors.push({ ...GIS.notOwner(d.sellerInn, c), cis: c });
      else if (rec.status !== 'INTRODUCED') errors.push({ ...GIS.status(rec.status, c), cis: c });
      else records.push(rec);
    }
    if (groups.size > 1) errors.push(GIS.mixed());
    const now = Date.now();
    const pg = [...groups][0] ?? d.pg;
    const ops: TprOperation[] = [
      {
        operationId: randomUUID(),
        operationDate: now - 2,
        operationType: 'DOCUMENT_VALIDATION',
        details: {
          successful: 'true',
          documentType: 'UNIVERSAL_TRANSFER_DOCUMENT',
          documentName: d.fileId,
          documentNumber: d.number,
          documentDateTime: d.date,
        },
      },
      {
        operationId: randomUUID(),
        operationDate: now - 1,
        operationType: 'DOCUMENT_ROUTED',
        details: { productGroups: [...groups] },
      },
    ];
    const tag = `DOCUMENT_PROCESSED_AT_PRODUCT_GROUP_${pg.toUpperCase()}`;
    if (errors.length > 0) {
      ops.push({
        operationId: randomUUID(),
        operationDate: now,
        operationType: tag,
        details: {
          successful: false,
          errors: errors.slice(0, 10).map((e) => ({
            code: e.code,
            text: e.text,
            ...(e.cis ? { data: { cis: [e.cis], count: 1, tpe: 'CisErrorData' } } : {}),
          })),
        },
      });
      d.tprUd = {
        state: 'FAILED',
        code: 1,
        description: 'Document processing was failed',
        operations: ops,
        sourceDocDate: d.tprUd?.sourceDocDate ?? now,
        resultDocDate: now,
      };
      d.status = 62;
    } else {
      for (const rec of records) {
        for (const r of deps.registry.withChildren(rec.cis)) r.ownerInn = d.buyerInn;
      }
      ops.push({
        operationId: randomUUID(),
        operationDate: now,
        operationType: tag,
        details: { successful: true },
      });
      d.tprUd = {
        state: 'SUCCESS',
        code: 0,
        description: 'Document was successfully processed',
        operations: ops,
        sourceDocDate: d.tprUd?.sourceDocDate ?? now,
        resultDocDate: now,
      };
      d.status = 61;
    }
    deps.log(`edo: ГИС МТ ${d.fileId} → ${d.tprUd.state}`);
  };

  /** A minimal receipt file (DP_IZVPOL) for the receipts the participants sign. */
  const receipt = (kind: string, toInn: string, fromInn: string, about: string): Buffer => {
    const fileId = `${kind}_${edoId(toInn) ?? toInn}_${edoId(fromInn) ?? fromInn}_${new Date().toISOString().slice(0, 10).replace(/-/g, '')}_${randomUUID()}`;
    return encodeCp1251(
      serialize(
        el('Файл', { ИдФайл: fileId, ВерсПрог: 'EDOLite emulator', ВерсФорм: '1.02' }, [
          el('Документ', { КНД: '1115110' }, [
            el('СведИзвПолуч', {}, [el('СведПолФайл', { ИмяПостФайла: about })]),
          ]),
        ]),
      ),
    );
  };

  // -- answers ---------------------------------------------------------------------------------

  const json = (c: Ctx, status: number, body: unknown): void => {
    count(`responses/${status}`);
    c.res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
    c.res.end(JSON.stringify(body));
  };
  /** core ЭДО Лайт errors: `{"message": …}` (ЭДО Лайт API, «Error») */
  const fail = (c: Ctx, status: number, message: string): void => json(c, status, { message });
  /** validation errors as the production operator gives them: `{"errors":[{"error_message": …}]}` */
  const failList = (c: Ctx, status: number, messages: string[]): void =>
    json(c, status, { errors: messages.map((m) => ({ error_message: m })) });
  const bytes = (c: Ctx, type: string, b: Buffer): void => {
    count('responses/200');
    c.res.writeHead(200, { 'Content-Type': type });
    c.res.end(b);
  };

  // -- upload of the seller's title -----------------------------------------------------------

  /** The structure the operator requires beyond the XSD (the «Элемент Документ.… обязателен» family). */
  const structure = (doc: XmlElement | undefined, fn: string): string[] => {
    const out: string[] = [];
    const need = (path: string, cond: boolean): void => {
      if (!cond)
        out.push(
          `Элемент Документ.${path} обязателен при <Функция>=${fn === 'СЧФДОП' && /ТаблСчФакт|Адрес/.test(path) ? 'СЧФ | СЧФДОП' : 'СЧФДОП | ДОП'}`,
        );
    };
    need('СвСчФакт', !!child(doc, 'СвСчФакт'));
    need('СвСчФакт.СвПрод', !!at(doc, 'СвСчФакт/СвПрод/ИдСв'));
    need('СвСчФакт.СвПокуп', !!at(doc, 'СвСчФакт/СвПокуп/ИдСв'));
    if (fn === 'СЧФДОП') {
      need('ТаблСчФакт', !!child(doc, 'ТаблСчФакт'));
      need('СвСчФакт.СвПрод.Адрес', !!at(doc, 'СвСчФакт/СвПрод/Адрес'));
    }
    need('СвПродПер', !!child(doc, 'СвПродПер'));
    const signers = childrenOf(doc, 'Подписант');
    need('Подписант', signers.length > 0);
    for (const s of signers) {
      need('Подписант.Должн', !!attr(s, 'Должн'));
      need('Подписант.ФИО', !!child(s, 'ФИО'));
      const poa = attr(s, 'СпосПодтПолном') === '3';
      if (poa !== !!child(s, 'СвДоверЭл'))
        out.push(
          'Элемент Документ.Подписант.СвДоверЭл обязателен при СпосПодтПолном=3 и недопустим при другом значении',
        );
    }
    return out;
  };

  const partyInn = (p: XmlElement | undefined): { inn: string; name: string } => {
    const ul = at(p, 'ИдСв/СвЮЛУч');
    if (ul) return { inn: attr(ul, 'ИННЮЛ') ?? '', name: attr(ul, 'НаимОрг') ?? '' };
    const ip = at(p, 'ИдСв/СвИП');
    const f = child(ip, 'ФИО');
    return {
      inn: attr(ip, 'ИННФЛ') ?? '',
      name: `ИП ${attr(f, 'Фамилия') ?? ''} ${attr(f, 'Имя') ?? ''}`.trim(),
    };
  };

  const formOf = async (c: Ctx): Promise<FormPart[] | undefined> => {
    const boundary = boundaryOf(c.req.headers['content-type']);
    const parts = boundary ? parseMultipart(c.body, boundary) : undefined;
    if (!parts) {
      fail(c, 400, 'Отсутствует или неверный формат заголовка запроса: multipart/form-data');
      return undefined;
    }
    return parts;
  };

  /** Read and check the `content` part: an XML file in windows-1251 named after its ИдФайл. */
  const fileOf = (
    c: Ctx,
    parts: FormPart[],
  ): { part: FormPart; root: XmlElement; text: string } | undefined => {
    const part = parts.find((p) => p.name === 'content');
    if (!part || part.fileName === undefined) {
      fail(c, 400, part ? 'В теле запроса отсутствует файл' : 'Отсутствует form-data key: content');
      return undefined;
    }
    if (!XML_TYPES.test(part.contentType ?? '')) {
      fail(c, 400, `Неверный тип загружаемого файла: Content-Type: (${part.contentType ?? ''})`);
      return undefined;
    }
    const head = part.data.subarray(0, 200).toString('latin1');
    const enc = declaredEncoding(head).toLowerCase();
    if (enc !== 'windows-1251') {
      // ⚠ the emulator's wording: «сервер принимает только документы в кодировке windows-1251»
      failList(c, 400, ['Сервер принимает только документы в кодировке windows-1251']);
      return undefined;
    }
    const text = decodeCp1251(part.data);
    let root: XmlElement;
    try {
      root = parseXml(text);
    } catch {
      failList(c, 400, ['Содержание или имя документа некорректно']);
      return undefined;
    }
    const fileId = attr(root, 'ИдФайл') ?? '';
    if (root.name !== 'Файл' || !fileId) {
      fail(c, 400, 'Неверный тип документа загружаемого xml файла');
      return undefined;
    }
    if (part.fileName !== `${fileId}.xml` && part.fileName !== fileId) {
      failList(c, 400, [
        `Имя файла обмена ${part.fileName} не совпадает со значением элемента ИдФайл ${fileId}`,
      ]);
      return undefined;
    }
    return { part, root, text };
  };

  /** The detached signature of a form, checked over the file bytes; its signer's INN, or an answer sent. */
  const signatureOf = async (
    c: Ctx,
    parts: FormPart[],
    content: Buffer,
    required: boolean,
  ): Promise<{ b64: string; inn?: string } | false> => {
    const s = parts.find((p) => p.name === 'signature');
    const b64 = s ? s.data.toString('ascii').trim() : '';
    if (!b64) {
      if (required) {
        fail(c, 400, 'Неверный формат параметра "signature"');
        return false;
      }
      return { b64: '' };
    }
    const r = await deps.verify(b64, content);
    if (!r.ok && r.kind === 'malformed') {
      fail(c, 400, 'Неверный формат параметра "signature"');
      return false;
    }
    if (!r.ok) {
      count('edo/signature-refused');
      // «Нет прав на подписание документа» — the operator's answer when the signature check fails
      fail(c, 400, 'Нет прав на подписание документа');
      return false;
    }
    return { b64, inn: r.info.signerCertificate?.participantInn };
  };

  const uploadSeller = async (c: Ctx): Promise<void> => {
    const parts = await formOf(c);
    if (!parts) return;
    const file = fileOf(c, parts);
    if (!file) return;
    const { part, root } = file;
    // same name again: the id of the document already received (ЭДО Лайт API, POST /outgoing-documents)
    const known = byName.get(`${c.inn}:${part.fileName}`);
    if (known) {
      count('edo/duplicate-uploads');
      // a lost answer may befall the repeat too (the network does not know it is one)
      if (lose > 0) {
        lose--;
        count('edo/lost-answers');
        return fail(c, 500, 'Error processing request');
      }
      return json(c, 200, { id: known.id });
    }
    const doc = child(root, 'Документ');
    if (attr(doc, 'КНД') !== '1115131' || attr(root, 'ВерсФорм') !== '5.03') {
      return fail(c, 400, 'Неверный тип документа загружаемого xml файла');
    }
    const fn = attr(doc, 'Функция') ?? '';
    if (fn !== 'СЧФДОП' && fn !== 'ДОП') {
      return failList(c, 400, [
        `Функция документа ${fn} не поддерживается для передачи маркированных товаров`,
      ]); // ⚠ emulator's wording
    }
    const problems = structure(doc, fn);
    if (problems.length > 0) return failList(c, 400, problems);
    const fileId = attr(root, 'ИдФайл') as string;
    const nameParts = fileId.split('_');
    // ON_NSCHFDOPPR_<receiver>_<sender>_<date>_<guid>_<N2>…
    const receiverId = nameParts[2] ?? '';
    const senderId = nameParts[3] ?? '';
    if (nameParts[6] === '1') {
      return fail(
        c,
        422,
        'В ЭДО лайт нельзя создавать документы, содержащие сведения о прослеживаемом товаре',
      );
    }
    const seller = partyInn(at(doc, 'СвСчФакт/СвПрод'));
    const buyer = partyInn(at(doc, 'СвСчФакт/СвПокуп'));
    if (seller.inn !== c.inn || senderId !== edoId(c.inn)) {
      return fail(c, 400, 'Неверно указан отправитель документа'); // ⚠ emulator's wording
    }
    const receiverInn = innOfEdoId(receiverId);
    if (live.roamingMissing.has(buyer.inn) || (!receiverInn && !receiverId.startsWith('2LT'))) {
      return fail(c, 422, 'Роуминг не настроен. Требуется обмен приглашениями между абонентами.');
    }
    const receiver = deps.registry.participant(buyer.inn);
    if (!receiver || !receiver.registered) {
      return fail(
        c,
        400,
        `Невозможно создать документ. ${buyer.name || buyer.inn} не зарегистрирован в ГИС МТ`,
      );
    }
    if (receiverInn !== buyer.inn) return fail(c, 400, 'Неверно указан получатель документа');
    const sig = await signatureOf(c, parts, part.data, false);
    if (sig === false) return;
    if (sig.b64 && sig.inn !== c.inn) {
      count('edo/signature-refused');
      return fail(c, 400, 'Нет прав на подписание документа');
    }
    const year = new Date().getUTCFullYear();
    const sent = docs.filter(
      (d) => d.sellerInn === c.inn && new Date(d.createdAt * 1000).getUTCFullYear() === year,
    ).length;
    if (sent >= live.annualLimit) {
      // ⚠ status and wording not published; the text is the documented limit
      return fail(
        c,
        422,
        `При работе через API ЭДО Лайт действует ограничение на ${live.annualLimit} исходящих документов в год`,
      );
    }
    const codes: string[] = [];
    const rows = childrenOf(child(doc, 'ТаблСчФакт'), 'СведТов');
    for (const r of rows) {
      const ident = at(r, 'ДопСведТов/НомСредИдентТов');
      for (const k of [...childrenOf(ident, 'КИЗ'), ...childrenOf(ident, 'НомУпак')])
        codes.push(k.text ?? '');
    }
    const totals = at(doc, 'ТаблСчФакт/ВсегоОпл');
    const pgs = new Set(codes.map((k) => deps.registry.code(k)?.pg).filter((x): x is string => !!x));
    const d: EdoDocument = {
      id: randomUUID(),
      groupId: randomUUID(),
      fileId,
      fileName: part.fileName as string,
      bytes: Buffer.from(part.data),
      sha256: createHash('sha256').update(part.data).digest('hex'),
      signature: sig.b64,
      function: fn,
      type: fn === 'СЧФДОП' ? 524 : 520,
      number: attr(at(doc, 'СвСчФакт'), 'НомерДок') ?? '',
      date: attr(at(doc, 'СвСчФакт'), 'ДатаДок') ?? '',
      sellerInn: c.inn,
      sellerName: seller.name,
      buyerInn: buyer.inn,
      buyerName: buyer.name,
      createdAt: SECONDS(),
      status: sig.b64 ? 1 : 0,
      codes,
      pg: [...pgs][0] ?? '',
      totalPrice: money(attr(totals, 'СтТовУчНалВсего')),
      totalVat: money(at(totals, 'СумНалВсего/СумНал')?.text),
      viewedByBuyer: false,
    };
    docs.push(d);
    byId.set(d.id, d);
    byName.set(`${c.inn}:${d.fileName}`, d);
    count('edo/uploads');
    deps.log(`edo: ${d.fileId} uploaded by ${c.inn} → ${d.buyerInn} (${codes.length} codes)`);
    if (d.status === 1) deliver(d);
    if (lose > 0) {
      lose--;
      count('edo/lost-answers');
      return fail(c, 500, 'Error processing request');
    }
    json(c, 200, { id: d.id });
  };

  const signDraft = async (c: Ctx, d: EdoDocument): Promise<void> => {
    if (d.status !== 0) return fail(c, 400, 'Документ уже подписан');
    const b64 = c.body.toString('ascii').trim();
    const r = await deps.verify(b64, d.bytes);
    if (!r.ok)
      return fail(
        c,
        400,
        r.kind === 'malformed' ? 'Неверный формат параметра "signature"' : 'Нет прав на подписание документа',
      );
    if (r.info.signerCertificate?.participantInn !== d.sellerInn)
      return fail(c, 400, 'Нет прав на подписание документа');
    d.signature = b64;
    d.status = 1;
    deliver(d);
    count('responses/200');
    c.res.writeHead(200);
    c.res.end();
  };

  // -- incoming side ---------------------------------------------------------------------------

  /** The multipart form of a buyer's answer: the document it answers (`doc_id`, the buyer's own) and the file. */
  const buyerForm = async (
    c: Ctx,
  ): Promise<
    { parts: FormPart[]; d: EdoDocument; file: NonNullable<ReturnType<typeof fileOf>> } | undefined
  > => {
    const parts = await formOf(c);
    if (!parts) return undefined;
    const docId =
      parts
        .find((p) => p.name === 'doc_id')
        ?.data.toString('utf8')
        .trim() ?? '';
    const d = byId.get(docId);
    if (!d || d.buyerInn !== c.inn) {
      fail(c, 404, 'Документ или квитанция не найдены в базе данных');
      return undefined;
    }
    const file = fileOf(c, parts);
    return file ? { parts, d, file } : undefined;
  };

  const buyerTitle = async (c: Ctx): Promise<void> => {
    const form = await buyerForm(c);
    if (!form) return;
    const { parts, d, file } = form;
    const doc = child(file.root, 'Документ');
    if (attr(doc, 'КНД') !== '1115132') return fail(c, 400, 'Неверный тип документа загружаемого xml файла');
    if (attr(child(doc, 'ИдИнфПрод'), 'ИдФайлИнфПр') !== d.fileId)
      return fail(c, 400, 'Не найден родительский документ ' + d.id);
    if (attr(child(doc, 'СодФХЖ4'), 'Функция') !== d.function)
      return fail(c, 400, 'Функция загружаемого титула не соответствует функции родительского документа');
    if (d.status === 4 || d.status >= 61) return fail(c, 400, 'Документ уже подписан');
    if (d.status !== 3 && d.status !== 13) return fail(c, 400, `Документ ${d.id} не может быть подписан`);
    const sig = await signatureOf(c, parts, file.part.data, true);
    if (sig === false) return;
    if (sig.inn !== c.inn) return fail(c, 400, 'Подпись не прошла проверку в crypto');
    const id = signByBuyer(d, Buffer.from(file.part.data), sig.b64, attr(file.root, 'ИдФайл') ?? '');
    if (lostBuyer(c)) return;
    json(c, 201, { id });
  };

  const uvtoch = async (c: Ctx): Promise<void> => {
    const form = await buyerForm(c);
    if (!form) return;
    const { parts, d, file } = form;
    if (d.status !== 3 && d.status !== 13) return fail(c, 400, `Документ ${d.id} не может быть подписан`);
    const sig = await signatureOf(c, parts, file.part.data, true);
    if (sig === false) return;
    if (sig.inn !== c.inn) return fail(c, 400, 'Подпись не прошла проверку в crypto');
    const textEl = at(child(file.root, 'Документ'), 'СвУведУточ/ТекстУведУточ');
    const id = refuse(d, textEl?.text ?? '');
    if (lostBuyer(c)) return;
    json(c, 200, { id });
  };

  // -- lists and reads -------------------------------------------------------------------------

  const chainDoc = (d: EdoDocument): Record<string, unknown> => ({
    id: d.id,
    created_at: d.createdAt,
    date: d.createdAt,
    number: `УПД № ${d.number} от ${d.date}`,
    processed_at: d.createdAt,
    revision: null,
    status: d.status,
    total_price: d.totalPrice,
    total_vat_amount: d.totalVat,
    type: d.type,
    is_title_signed: !!d.buyerTitle,
    created_by: 0,
    created_hub: false,
  });

  const party = (inn: string, name: string): Record<string, unknown> => {
    const p = deps.registry.participant(inn);
    return {
      id: p?.pid ?? null,
      inn,
      kpp: null,
      name: name || p?.name || '',
      participant_type: 0,
      status: 'ACTIVE',
    };
  };

  const listItem = (d: EdoDocument, side: 'outgoing' | 'incoming'): Record<string, unknown> => ({
    id: d.id,
    created_at: d.createdAt,
    date: d.createdAt,
    group_id: d.groupId,
    number: d.number,
    status: d.status,
    type: d.type,
    total_price: d.totalPrice,
    total_vat_amount: d.totalVat,
    ...(side === 'outgoing'
      ? { recipient: party(d.buyerInn, d.buyerName) }
      : { sender: party(d.sellerInn, d.sellerName) }),
    product_group: productGroup(d.pg)?.id ?? null,
    active_type: 0,
    documents: [chainDoc(d)],
  });

  const list = (c: Ctx, side: 'outgoing' | 'incoming'): void => {
    const q = c.url.searchParams;
    const int = (k: string): number | undefined => {
      const v = q.get(k);
      return v === null || v === '' ? undefined : Number(v);
    };
    for (const k of ['limit', 'offset', 'created_from', 'created_to', 'folder', 'product_group']) {
      const v = int(k);
      if (v !== undefined && !Number.isInteger(v)) return fail(c, 400, `Неверный формат параметра "${k}"`);
    }
    const statuses = q.getAll('status').map(Number);
    const types = q.getAll('type').map(Number);
    const from = int('created_from');
    const to = int('created_to');
    const partner = q.get('partner_inn');
    let items = docs.filter((d) =>
      side === 'outgoing' ? d.sellerInn === c.inn : d.buyerInn === c.inn && d.status !== 0,
    );
    items = items.filter(
      (d) =>
        (from === undefined || d.createdAt >= from) &&
        (to === undefined || d.createdAt <= to) &&
        (statuses.length === 0 || statuses.includes(d.status)) &&
        (types.length === 0 || types.includes(d.type)) &&
        (!partner || (side === 'outgoing' ? d.buyerInn : d.sellerInn) === partner),
    );
    if (q.get('asc') !== 'true') items = [...items].reverse();
    const limit = int('limit') ?? 10;
    const offset = int('offset') ?? 0;
    const page = items.slice(offset, offset + limit);
    json(c, 200, { items: page.map((d) => listItem(d, side)), has_next_page: offset + limit < items.length });
  };

  const visible = (d: EdoDocument | undefined, c: Ctx, side: 'outgoing' | 'incoming'): d is EdoDocument =>
    !!d && (side === 'outgoing' ? d.sellerInn === c.inn : d.buyerInn === c.inn && d.status !== 0);

  const info = (c: Ctx, d: EdoDocument, side: 'outgoing' | 'incoming'): void => {
    const accept = c.req.headers.accept ?? '';
    if (/zip/i.test(accept)) return fail(c, 406, 'ZIP-пакет в эмуляторе не поддерживается'); // ⚠ not modelled
    json(c, 200, {
      id: d.id,
      type: d.type,
      status: d.status,
      number: d.number,
      product_group: productGroup(d.pg)?.id ?? null,
      file_id: d.fileId,
      sender: party(d.sellerInn, d.sellerName),
      recipient: party(d.buyerInn, d.buyerName),
      is_title_signed: !!d.buyerTitle,
      ...(d.refusal ? { refusal: { comment: d.refusal.text, created_at: d.refusal.at } } : {}),
      check_gis: d.tprUd
        ? { status: d.tprUd.state, date: Math.floor((d.tprUd.resultDocDate ?? d.tprUd.sourceDocDate) / 1000) }
        : null,
      side,
    });
  };

  const content = (c: Ctx, d: EdoDocument, side: 'outgoing' | 'incoming'): void => {
    if (side === 'incoming' && !d.viewedByBuyer) {
      d.viewedByBuyer = true;
      if (d.status === 3) d.status = 13;
      // «Вызов метода автоматически создаёт неподписанную квитанцию «Извещение о получении УПД» (DP_IZVPOL)»
      events.push({
        id: randomUUID(),
        docId: d.id,
        type: 115,
        ownerInn: d.buyerInn,
        side: 'incoming',
        bytes: receipt('DP_IZVPOL', d.sellerInn, d.buyerInn, d.fileId),
        signed: false,
      });
    }
    bytes(c, 'application/xml', d.bytes);
  };

  const unsigned = (c: Ctx, side: 'outgoing' | 'incoming'): void =>
    json(c, 200, {
      items: events
        .filter((e) => e.side === side && e.ownerInn === c.inn && !e.signed)
        .map((e) => ({ id: e.id, type: e.type, document: { id: e.docId } })),
    });

  const eventOf = (
    c: Ctx,
    side: 'outgoing' | 'incoming',
    docId: string,
    eventId: string,
  ): EdoEvent | undefined => {
    const e = events.find(
      (x) => x.id === eventId && x.docId === docId && x.side === side && x.ownerInn === c.inn,
    );
    if (!e) fail(c, 404, 'Документ или квитанция не найдены в базе данных');
    return e;
  };

  const signEvent = async (c: Ctx, e: EdoEvent): Promise<void> => {
    const b64 = c.body.toString('ascii').trim();
    const r = await deps.verify(b64, e.bytes);
    if (!r.ok)
      return fail(
        c,
        400,
        r.kind === 'malformed' ? 'Неверный формат параметра "signature"' : 'Нет прав на подписание документа',
      );
    if (r.info.signerCertificate?.participantInn !== e.ownerInn)
      return fail(c, 400, 'Нет прав на подписание документа');
    e.signed = true;
    count('responses/200');
    c.res.writeHead(200);
    c.res.end();
  };

  const tprUd = (c: Ctx): void => {
    const fileId = c.url.searchParams.get('fileId') ?? '';
    if (!fileId) return json(c, 400, { error_message: 'Отсутствует обязательный параметр: fileId' });
    const d = docs.find((x) => x.fileId === fileId && (x.sellerInn === c.inn || x.buyerInn === c.inn));
    // ⚠ the answer before processing is not documented: 404 until ГИС МТ has the document
    if (!d || !d.tprUd) return json(c, 404, { error_message: `Документ ${fileId} не найден` });
    json(c, 200, {
      resultDocId: d.tprUd.resultDocDate ? `UINT${d.id.replace(/-/g, '').slice(0, 28).toUpperCase()}` : null,
      resultDocDate: d.tprUd.resultDocDate ?? null,
      sourceDocId: d.fileId,
      sourceDocDate: d.tprUd.sourceDocDate,
      state: d.tprUd.state,
      code: d.tprUd.code,
      description: d.tprUd.description,
      operations: d.tprUd.operations,
    });
  };

  const participant = (c: Ctx, inn: string): void => {
    const p = deps.registry.participant(inn);
    if (!p || !p.registered) return json(c, 400, { error_message: 'Организация не зарегистрирована' });
    if (p.blocked) return json(c, 400, { error_message: 'Организация заблокирована' });
    if (live.roamingMissing.has(inn))
      return json(c, 400, { error_message: 'УОТ использует другого оператора ЭДО' });
    json(c, 200, { inn, id: `2LT-${p.pid}`, name: p.name, hub: false });
  };

  // -- dispatch --------------------------------------------------------------------------------

  const EDO_PATH =
    /^\/api\/(?:v1|v3\/true-api\/edo|v3\/true-api\/elk)(\/(?:outgoing|incoming)-documents(?:\/.*)?)$/;

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<boolean> => {
    const p = url.pathname;
    const inn4 = /^\/api\/v4\/true-api\/edo\/inn\/([^/]+)$/.exec(p);
    const tpr = p === '/api/v3/true-api/documents/edo/tpr/ud';
    const m = EDO_PATH.exec(p);
    if (!inn4 && !tpr && !m) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const c: Ctx = { req, res, url, body, inn: '' };
    count('edo/total');
    if (m) count(`edo/form/${p.startsWith('/api/v1/') ? 'v1' : p.includes('/elk/') ? 'elk' : 'true-api'}`);
    if (inn4) {
      if (method !== 'GET') return (fail(c, 405, `Request method '${method}' not supported`), true);
      participant(c, decodeURIComponent(inn4[1] ?? ''));
      return true;
    }
    const a = deps.auth(req);
    if (a.state !== 'valid' || !a.inn) {
      if (tpr)
        json(c, 401, {
          error_message: 'Для доступа к этому ресурсу требуется полная аутентификация. Проверьте токен',
        });
      else
        fail(
          c,
          401,
          a.state === 'none' ? 'Access denied: token not found' : 'Access denied: token not valid',
        );
      return true;
    }
    c.inn = a.inn;
    if (tpr) {
      if (method !== 'GET') return (fail(c, 405, `Request method '${method}' not supported`), true);
      count('edo/tpr/ud');
      tprUd(c);
      return true;
    }
    const rest = m?.[1] ?? '';
    const side = rest.startsWith('/outgoing') ? 'outgoing' : 'incoming';
    const tail = rest.replace(/^\/(?:outgoing|incoming)-documents/, '');
    const seg = tail.split('/').filter(Boolean);
    const route = `${method} ${side}/${seg.map((s, i) => (i % 2 === 1 || /^[0-9a-f-]{36}$/i.test(s) ? '{id}' : s)).join('/')}`;
    count(`edo/${route}`);
    const docOf = (id: string | undefined): EdoDocument | undefined => {
      const d = id ? byId.get(id) : undefined;
      if (!visible(d, c, side)) {
        fail(c, 404, 'Документ или квитанция не найдены в базе данных');
        return undefined;
      }
      return d;
    };
    if (method === 'POST' && side === 'outgoing' && seg.length === 0) await uploadSeller(c);
    else if (method === 'GET' && seg.length === 0) list(c, side);
    else if (method === 'GET' && seg[0] === 'unsigned-events' && seg.length === 1) unsigned(c, side);
    else if (method === 'POST' && side === 'incoming' && tail === '/xml/upd/title/970') await buyerTitle(c);
    else if (method === 'POST' && side === 'incoming' && tail === '/xml/uvtoch') await uvtoch(c);
    else if (method === 'POST' && side === 'outgoing' && seg.length === 2 && seg[1] === 'signature') {
      const d = docOf(seg[0]);
      if (d) await signDraft(c, d);
    } else if (method === 'GET' && seg.length === 1) {
      const d = docOf(seg[0]);
      if (d) info(c, d, side);
    } else if (method === 'GET' && seg.length === 2 && seg[1] === 'content') {
      const d = docOf(seg[0]);
      if (d) content(c, d, side);
    } else if (seg.length === 4 && seg[1] === 'events' && (seg[3] === 'content' || seg[3] === 'signature')) {
      const d = docOf(seg[0]);
      if (!d) return true;
      const e = eventOf(c, side, d.id, seg[2] ?? '');
      if (!e) return true;
      if (method === 'GET' && seg[3] === 'content') bytes(c, 'application/xml', e.bytes);
      else if (method === 'POST' && seg[3] === 'signature') await signEvent(c, e);
      else fail(c, 405, `Request method '${method}' not supported`);
    } else fail(c, 404, 'Метод с указанным URL не найден');
    return true;
  };

  const route = (method: string, url: URL): string | undefined => {
    const p = url.pathname;
    if (/^\/api\/v4\/true-api\/edo\/inn\/[^/]+$/.test(p)) return 'edo/inn';
    if (p === '/api/v3/true-api/documents/edo/tpr/ud') return 'edo/tpr/ud';
    const m = EDO_PATH.exec(p);
    if (!m) return undefined;
    const rest = (m[1] ?? '').replace(/^\/(?:outgoing|incoming)-documents/, '');
    const seg = rest.split('/').filter(Boolean);
    const post = method.toUpperCase() === 'POST';
    if (seg.length === 0) return post ? 'edo/upload' : 'edo/list';
    if (rest === '/xml/upd/title/970') return 'edo/title';
    if (rest === '/xml/uvtoch') return 'edo/uvtoch';
    if (seg[0] === 'unsigned-events' || seg[1] === 'events') return 'edo/events';
    if (seg[1] === 'signature') return 'edo/sign';
    if (seg[1] === 'content') return 'edo/content';
    return 'edo/info';
  };

  const api: EdoEmulatorApi = {
    options: live,
    counters,
    documents: () => docs.map((d) => ({ ...d, codes: [...d.codes] })),
    document: (id) => byId.get(id),
    events: () => events.map((e) => ({ ...e })),
    edoId,
    buyerSign: (id) => {
      const d = byId.get(id);
      if (d && (d.status === 3 || d.status === 13)) simulatedSign(d);
    },
    buyerRefuse: (id, reason) => {
      const d = byId.get(id);
      if (d && (d.status === 3 || d.status === 13)) refuse(d, reason ?? live.refuseReason);
    },
    sendIncoming: (input) => {
      const r = prepareUpd(input);
      if (!r.ok)
        throw new Error(`sendIncoming: ${r.errors.map((e) => `${e.path}: ${e.message_en}`).join('; ')}`);
      const u = r.upd;
      const d: EdoDocument = {
        id: randomUUID(),
        groupId: randomUUID(),
        fileId: u.fileId,
        fileName: u.fileName,
        bytes: u.bytes,
        sha256: u.sha256,
        signature: '',
        function: input.function,
        type: input.function === 'СЧФДОП' ? 524 : 520,
        number: input.number,
        date: input.date.split('-').reverse().join('.'),
        sellerInn: input.seller.inn,
        sellerName: input.seller.name,
        buyerInn: input.buyer.inn,
        buyerName: input.buyer.name,
        createdAt: SECONDS(),
        status: 3,
        codes: u.codes,
        pg: input.productGroup ?? '',
        totalPrice: u.totals.withVatKop / 100,
        totalVat: u.totals.vatKop / 100,
        viewedByBuyer: false,
      };
      docs.push(d);
      byId.set(d.id, d);
      byName.set(`${d.sellerInn}:${d.fileName}`, d);
      return d;
    },
    loseAnswers: (n = 1) => {
      lose += n;
    },
    loseBuyerAnswers: (n = 1) => {
      loseBuyer += n;
    },
    settle: (timeoutMs = 30000) =>
      new Promise<void>((resolve, reject) => {
        if (pending.size === 0) return resolve();
        const t = setTimeout(() => reject(new Error('ЭДО Лайт emulator still busy')), timeoutMs);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
  return { handle, route, api };
}
