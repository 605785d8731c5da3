/**
 * The buyer's side of a УПД 5.03 (ФНС order № ЕД-7-26/970@ of 19.12.2023):
 *
 * - `readSellerTitle`: what the buyer needs from the seller's title (file ON_NSCHFDOPPR, КНД 1115131) —
 *   its `ИдФайл`, function, number and date, the moment of formation, both parties, and the lines with
 *   their GTIN, quantity and marking codes (`ДопСведТов/НомСредИдентТов/КИЗ|НомУпак`);
 * - `buildBuyerTitle`: the buyer's title (file ON_NSCHFDOPPOK, КНД 1115132): `ИдИнфПрод` names the
 *   seller's file (`ИдФайлИнфПр`, `ДатаФайлИнфПр`, `ВремФайлИнфПр`) and may carry the seller's
 *   signature (`ЭП`), `СодФХЖ4` repeats the seller's `Функция`, `ПорНомДокИнфПр`, `ДатаДокИнфПр`
 *   and holds the acceptance (`СвПрин/КодСодОпер/@КодИтога`: 1 accepted without discrepancies, 2 with
 *   discrepancies, 3 not accepted), then `Подписант` as in the seller's title. The file name is
 *   `ON_NSCHFDOPPOK_<seller's EDO id>_<buyer's EDO id>_<YYYYMMDD>_<GUID>_<the seller file's flags>`;
 *   it is uploaded to ЭДО Лайт `POST /incoming-documents/xml/upd/title/970` with `doc_id` (ЭДО Лайт
 *   API documentation).
 *   ⚠ The ФНС XSD of the buyer's title 5.03 (`ON_NSCHFDOPPOK_1_997_02_05_03_01`) was not available
 *   to this project: the structure follows the order's element names as public generators of it
 *   write them; the tests check the structure, not an XSD (docs/edo.md).
 * - `buildClarification`: the clarification request УОУ (DP_UVUTOCH, КНД 1115113) with the buyer's
 *   reason, uploaded to `POST /incoming-documents/xml/uvtoch`. ⚠ Not XSD-validated either.
 */
import { createHash } from 'node:crypto';
import { detail, validationError, type ErrorDetail } from '../errors';
import { decodeCp1251, encodeCp1251 } from './cp1251';
import { checkSigner, clock, ruDate, signerElement, stableGuid, validDay, type UpdSigner } from './upd';
import { at, attr, child, childrenOf, parseXml, el, serialize, type XmlElement } from './xml';

export interface TitleParty {
  name: string;
  inn: string;
  kpp?: string;
}

export interface SellerTitleLine {
  /** `НомСтр` */
  index: number;
  name: string;
  gtin?: string;
  quantity: number;
  okei?: string;
  /** `КИЗ` as written (КИ without the crypto tail) */
  codes: string[];
  /** `НомУпак` (aggregates) */
  packages: string[];
}

export interface SellerTitle {
  fileId: string;
  function: string;
  /** `НаимДокОпр` */
  documentName?: string;
  number: string;
  /** `ДатаДок` as written, `ДД.ММ.ГГГГ` */
  date: string;
  /** the same date as `YYYY-MM-DD` */
  isoDate: string;
  /** `ДатаИнфПр`, `ВремИнфПр` */
  formedDate: string;
  formedTime: string;
  /** `УИД` when the seller gave one */
  uid?: string;
  seller: TitleParty;
  buyer: TitleParty;
  /** EDO ids from the file name: receiver (buyer) and sender (seller) */
  receiverEdoId: string;
  senderEdoId: string;
  /** N2…N7 of the file name (`0_1_0_0_0_00`) */
  flags: string;
  lines: SellerTitleLine[];
  /** every КИЗ and НомУпак of the document */
  codes: string[];
}

function readError(why: string, en: string): never {
  throw validationError(
    [
      detail(
        'content',
        'UPD_UNREADABLE',
        `титул продавца не читается: ${why}`,
        `the seller's title cannot be read: ${en}`,
      ),
    ],
    'edo',
  );
}

function partyOf(e: XmlElement | undefined): TitleParty {
  const ul = at(e, 'ИдСв/СвЮЛУч');
  if (ul) return { name: attr(ul, 'НаимОрг') ?? '', inn: attr(ul, 'ИННЮЛ') ?? '', kpp: attr(ul, 'КПП') };
  const ip = at(e, 'ИдСв/СвИП');
  const f = child(ip, 'ФИО');
  const name = [attr(f, 'Фамилия'), attr(f, 'Имя'), attr(f, 'Отчество')].filter(Boolean).join(' ');
  return { name, inn: attr(ip, 'ИННФЛ') ?? '' };
}

/** The seller's title as the buyer reads it (windows-1251 bytes or the decoded text). */
export function readSellerTitle(content: Buffer | string): SellerTitle {
  const text = Buffer.isBuffer(content) ? decodeCp1251(content) : content;
  const root = parseXml(text);
  const doc = child(root, 'Документ');
  if (root.name !== 'Файл' || !doc) readError('нет элементов Файл/Документ', 'no Файл/Документ elements');
  if (attr(root, 'ВерсФорм') !== '5.03' || attr(doc, 'КНД') !== '1115131')
    readError(
      `это не титул продавца 5.03 (ВерсФорм ${attr(root, 'ВерсФорм') ?? '—'}, КНД ${attr(doc, 'КНД') ?? '—'})`,
      `not a seller's title 5.03 (ВерсФорм ${attr(root, 'ВерсФорм') ?? '—'}, КНД ${attr(doc, 'КНД') ?? '—'})`,
    );
  const fileId = attr(root, 'ИдФайл') ?? '';
  const m = /^ON_NSCHFDOPPR_([^_]+)_([^_]+)_(\d{8})_([^_]+)_(.+)$/.exec(fileId);
  if (!m)
    readError(
      `ИдФайл «${fileId}» не по правилу имени файла`,
      `ИдФайл "${fileId}" does not follow the naming rule`,
    );
  const sv = child(doc, 'СвСчФакт');
  const date = attr(sv, 'ДатаДок') ?? '';
  const dm = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(date);
  const lines: SellerTitleLine[] = childrenOf(child(doc, 'ТаблСчФакт'), 'СведТов').map((r, i) => {
    const dop = child(r, 'ДопСведТов');
    const ids = childrenOf(dop, 'НомСредИдентТов');
    return {
      index: Number(attr(r, 'НомСтр') ?? i + 1),
      name: attr(r, 'НаимТов') ?? '',
      gtin: attr(dop, 'ГТИН'),
      quantity: Number(attr(r, 'КолТов') ?? 0),
      okei: attr(r, 'ОКЕИ_Тов'),
      codes: ids.flatMap((x) => childrenOf(x, 'КИЗ').map((k) => k.text ?? '')),
      packages: ids.flatMap((x) => childrenOf(x, 'НомУпак').map((k) => k.text ?? '')),
    };
  });
  return {
    fileId,
    function: attr(doc, 'Функция') ?? '',
    documentName: attr(doc, 'НаимДокОпр'),
    number: attr(sv, 'НомерДок') ?? '',
    date,
    isoDate: dm ? `${dm[3]}-${dm[2]}-${dm[1]}` : '',
    formedDate: attr(doc, 'ДатаИнфПр') ?? '',
    formedTime: attr(doc, 'ВремИнфПр') ?? '',
    uid: attr(doc, 'УИД'),
    seller: partyOf(child(sv, 'СвПрод')),
    buyer: partyOf(child(sv, 'СвПокуп')),
    receiverEdoId: m[1] as string,
    senderEdoId: m[2] as string,
    flags: m[5] as string,
    lines,
    codes: lines.flatMap((l) => [...l.codes, ...l.packages]),
  };
}

function noSellerFile(): ErrorDetail {
  return detail(
    'seller.fileId',
    'FIELD_REQUIRED',
    'не указан ИдФайл титула продавца',
    "the seller's ИдФайл is missing",
  );
}

/** `КодИтога` of the buyer's title. */
export type AcceptanceCode = 1 | 2 | 3;

const ACCEPTANCE_TEXT: Record<AcceptanceCode, string> = {
  1: 'Товары (работы, услуги, права) приняты без расхождений (претензий)',
  2: 'Товары (работы, услуги, права) приняты с расхождениями (претензией)',
  3: 'Товары (работы, услуги, права) не приняты',
};

export interface BuyerTitleInput {
  /** the seller's title, as `readSellerTitle` gives it */
  seller: SellerTitle;
  /** base64 of the seller's detached signature (written as `ИдИнфПрод/ЭП` when given) */
  sellerSignature?: string;
  signer: UpdSigner;
  acceptance: {
    code: AcceptanceCode;
    /** `ДатаПрин`, `YYYY-MM-DD`; default the day of formation */
    date?: string;
    /** `СодОпер`; default the text of the code */
    text?: string;
  };
  /** when the title is formed (`ДатаИнфПок`, `ВремИнфПок`, the date of the file name) */
  formedAt: Date | string;
  timeZone?: string;
  /** GUID of the file name; default derived from the seller's `ИдФайл` (one buyer's title per УПД) */
  guid?: string;
  /** the buyer as the economic subject (`НаимЭконСубСост`); default the buyer of the seller's title */
  buyer?: TitleParty;
  program?: string;
}

export interface BuiltTitle {
  fileId: string;
  fileName: string;
  xml: string;
  bytes: Buffer;
  sha256: string;
}

export type TitleResult = { ok: true; title: BuiltTitle; errors: [] } | { ok: false; errors: ErrorDetail[] };

function built(fileId: string, root: XmlElement): BuiltTitle {
  const xml = serialize(root);
  const bytes = encodeCp1251(xml);
  return {
    fileId,
    fileName: `${fileId}.xml`,
    xml,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

function formed(at: Date | string, tz: string | undefined): ReturnType<typeof clock> {
  return clock(at instanceof Date ? at : new Date(at), tz ?? 'Europe/Moscow');
}

function partyTitle(p: TitleParty): string {
  return p.kpp ? `${p.name}, ИНН/КПП ${p.inn}/${p.kpp}` : `${p.name}, ИНН ${p.inn}`;
}

/** Check, then build the buyer's title: the bytes, or every problem found (field + ru + en). */
export function prepareBuyerTitle(input: BuyerTitleInput): TitleResult {
  const errors: ErrorDetail[] = [];
  const s = input.seller;
  if (!s?.fileId?.startsWith('ON_NSCHFDOPPR_')) errors.push(noSellerFile());
  // only СЧФДОП and ДОП carry a transfer that the buyer signs (СЧФ is signed by the seller only)
  if (s && !(['СЧФДОП', 'ДОП'] as string[]).includes(s.function))
    errors.push(
      detail(
        'seller.function',
        'FIELD_FORMAT',
        `функция «${s.function}» титула продавца не подписывается покупателем (нужна СЧФДОП или ДОП)`,
        `function "${s.function}" of the seller's title is not signed by the buyer (СЧФДОП or ДОП expected)`,
      ),
    );
  if (s && (!s.number || !s.date || !s.formedDate || !s.formedTime))
    errors.push(
      detail(
        'seller',
        'FIELD_REQUIRED',
        'в титуле продавца нет номера, даты или времени формирования',
        "the seller's title lacks its number, date or time of formation",
      ),
    );
  if (![1, 2, 3].includes(input.acceptance?.code))
    errors.push(
      detail(
        'acceptance.code',
        'FIELD_FORMAT',
        `код итога приёмки «${String(input.acceptance?.code)}» должен быть 1, 2 или 3`,
        `acceptance result code "${String(input.acceptance?.code)}" must be 1, 2 or 3`,
      ),
    );
  if (input.acceptance?.date !== undefined && !validDay(input.acceptance.date))
    errors.push(
      detail(
        'acceptance.date',
        'FIELD_FORMAT',
        'дата приёмки должна быть в виде ГГГГ-ММ-ДД',
        'the acceptance date must be YYYY-MM-DD',
      ),
    );
  if (input.sellerSignature !== undefined && !/^[A-Za-z0-9+/=\s]+$/.test(input.sellerSignature))
    errors.push(
      detail(
        'sellerSignature',
        'FIELD_FORMAT',
        'подпись продавца должна быть в base64',
        "the seller's signature must be base64",
      ),
    );
  checkSigner(input.signer, errors);
  const when = new Date(input.formedAt instanceof Date ? input.formedAt.getTime() : String(input.formedAt));
  if (Number.isNaN(when.getTime()))
    errors.push(
      detail('formedAt', 'FIELD_FORMAT', 'момент формирования не является датой', 'formedAt is not a date'),
    );
  if (errors.length > 0) return { ok: false, errors };
  const c = formed(when, input.timeZone);
  const day = `${c.y}-${c.m}-${c.d}`;
  const guid = (input.guid ?? stableGuid(`buyer-title:${s.fileId}`)).toLowerCase();
  const fileId = `ON_NSCHFDOPPOK_${s.senderEdoId}_${s.receiverEdoId}_${c.y}${c.m}${c.d}_${guid}_${s.flags}`;
  const code = input.acceptance.code;
  const buyer = input.buyer ?? s.buyer;
  const root = el(
    'Файл',
    { ИдФайл: fileId, ВерсФорм: '5.03', ВерсПрог: (input.program ?? 'ZnakFlow').slice(0, 40) },
    [
      el(
        'Документ',
        {
          КНД: '1115132',
          УИД: s.uid,
          ДатаИнфПок: `${c.d}.${c.m}.${c.y}`,
          ВремИнфПок: `${c.hh}.${c.mm}.${c.ss}`,
          НаимЭконСубСост: partyTitle(buyer).slice(0, 1000),
        },
        [
          el(
            'ИдИнфПрод',
            { ИдФайлИнфПр: s.fileId, ДатаФайлИнфПр: s.formedDate, ВремФайлИнфПр: s.formedTime },
            input.sellerSignature ? [el('ЭП', {}, [], input.sellerSignature.replace(/\s+/g, ''))] : [],
          ),
          el(
            'СодФХЖ4',
            {
              НаимДокОпрПр: s.documentName,
              Функция: s.function,
              ПорНомДокИнфПр: s.number,
              ДатаДокИнфПр: s.date,
            },
            [
              el(
                'СвПрин',
                {
                  СодОпер: input.acceptance.text?.trim() || ACCEPTANCE_TEXT[code],
                  ДатаПрин: ruDate(input.acceptance.date ?? day),
                },
                [el('КодСодОпер', { КодИтога: String(code) })],
              ),
            ],
          ),
          signerElement(input.signer),
        ],
      ),
    ],
  );
  return { ok: true, errors: [], title: built(fileId, root) };
}

/** Build or throw one ZnakFlowError listing every problem. */
export function buildBuyerTitle(input: BuyerTitleInput): BuiltTitle {
  const r = prepareBuyerTitle(input);
  if (!r.ok) throw validationError(r.errors);
  return r.title;
}

export interface ClarificationInput {
  seller: SellerTitle;
  /** base64 of the seller's signature of the file the request is about (`ЭЦППолФайл`) */
  sellerSignature?: string;
  /** the buyer's reason (`ТекстУведУточ`) */
  reason: string;
  signer: UpdSigner;
  formedAt: Date | string;
  timeZone?: string;
  guid?: string;
  program?: string;
}

/** The clarification request (УОУ, DP_UVUTOCH) refusing the seller's title with a reason. */
export function buildClarification(input: ClarificationInput): BuiltTitle {
  const errors: ErrorDetail[] = [];
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (!reason)
    errors.push(
      detail('reason', 'FIELD_REQUIRED', 'не указана причина отказа', 'the reason of the refusal is missing'),
    );
  else if (reason.length > 2000)
    errors.push(
      detail(
        'reason',
        'FIELD_FORMAT',
        'причина длиннее 2000 знаков',
        'the reason is longer than 2000 characters',
      ),
    );
  if (!input.seller?.fileId) errors.push(noSellerFile());
  if (input.signer) checkSigner({ ...input.signer, position: input.signer.position || '—' }, errors);
  else checkSigner(undefined, errors);
  if (errors.length > 0) throw validationError(errors);
  const s = input.seller;
  const c = formed(input.formedAt, input.timeZone);
  const guid = (input.guid ?? stableGuid(`uvutoch:${s.fileId}:${reason}`)).toLowerCase();
  const fileId = `DP_UVUTOCH_${s.senderEdoId}_${s.receiverEdoId}_${c.y}${c.m}${c.d}_${guid}`;
  const sg = input.signer;
  const root = el(
    'Файл',
    { ИдФайл: fileId, ВерсПрог: (input.program ?? 'ZnakFlow').slice(0, 40), ВерсФорм: '1.02' },
    [
      el('СвУчДокОбор', { ИдОтпр: s.receiverEdoId, ИдПол: s.senderEdoId }),
      el('Документ', { КНД: '1115113' }, [
        el('УчастЭДО', { ИдУчастЭДО: s.receiverEdoId }),
        el('СвУведУточ', { ДатаПол: `${c.d}.${c.m}.${c.y}`, ВремПол: `${c.hh}.${c.mm}.${c.ss}` }, [
          el(
            'СведПолФайл',
            { ИмяПостФайла: `${s.fileId}.xml` },
            input.sellerSignature
              ? [el('ЭЦППолФайл', {}, [], input.sellerSignature.replace(/\s+/g, ''))]
              : [],
          ),
          el('ТекстУведУточ', {}, [], reason),
        ]),
        el('ПодпОтпр', { Должность: sg.position?.trim() }, [
          el('ФИО', {
            Фамилия: sg.surname.trim(),
            Имя: sg.firstName.trim(),
            Отчество: sg.middleName?.trim(),
          }),
        ]),
      ]),
    ],
  );
  return built(fileId, root);
}
