/**
 * The seller's title of the УПД, format 5.03 (ФНС order № ЕД-7-26/970@ of 19.12.2023, XSD
 * `ON_NSCHFDOPPR_1_997_01_05_03_05`), with marking codes — from a plain input model to the exact
 * windows-1251 bytes that are signed and uploaded to ЭДО Лайт.
 *
 * - Every problem is found before building and returned as a list naming the field (ru + en), like
 *   `cz-map-document` does for True API documents; nothing is built from an input with problems.
 * - Deterministic: the same input gives the same bytes. The GUID of `ИдФайл` comes from the input
 *   (`guid`, or one derived from `key`, e.g. `<Ref_Key>:<DataVersion>:upd:<pg>`), the formation
 *   time is an input too, so a document is made once per 1C document version and can be rebuilt
 *   byte for byte.
 * - Marking codes go to `СведТов/ДопСведТов/НомСредИдентТов`: unit codes as `КИЗ` in the form
 *   `01` + GTIN + `21` + serial (no crypto tail, no GS, no brackets — CRPT «Методические рекомендации
 *   по описанию сведений о передаче маркированных товаров», §2.2; ГИС МТ errors 03 and 79,
 *   «Описание True API» §7.3.1), aggregates as `НомУпак`, XML-escaped.
 * - `ИдФайл` = the file name without `.xml` (the XSD's Schematron rule «Имя файла обмена … не совпадает
 *   со значением элемента ИдФайл»): `ON_NSCHFDOPPR_<receiver>_<sender>_<YYYYMMDD>_<GUID>_<N2>_<N3>_<N4>_<N5>_<N6>_<N7>`
 *   with the marking flag N3 = 1 when the document carries codes (ЭДО Лайт API documentation,
 *   «требуется указать признак наличия маркированных товаров (N3 = 1 в ИдФайл)»).
 * - Sums to the kopeck in integers: VAT of a line from the line total (графа 8 of the invoice, НК РФ
 *   ст. 168 п. 4; decimal(19,2) in the XSD), totals as sums of the lines.
 */
import { createHash } from 'node:crypto';
import { checkInn, checkKpp, checkGtin, tryParseCode } from '../codes';
import { detail, validationError, type ErrorDetail } from '../errors';
import { encodeCp1251 } from './cp1251';
import { el, serialize, type XmlElement } from './xml';

export type UpdFunction = 'СЧФДОП' | 'ДОП';
export const UPD_FUNCTIONS: readonly UpdFunction[] = ['СЧФДОП', 'ДОП'];

/** VAT rates as the УПД writes them (`НалСт` of the 5.03 XSD, revision 05_03_05). */
export type VatRate = '22%' | '20%' | '10%' | '7%' | '5%' | '0%' | 'без НДС';
const RATE_PERCENT: Record<VatRate, number> = {
  '22%': 22,
  '20%': 20,
  '10%': 10,
  '7%': 7,
  '5%': 5,
  '0%': 0,
  'без НДС': 0,
};

export interface UpdAddress {
  /** the address as one text (`АдрИнф/@АдрТекст`) */
  text: string;
  /** ОКСМ country code, default 643 */
  countryCode?: string;
  countryName?: string;
}

export interface UpdPerson {
  surname: string;
  firstName: string;
  middleName?: string;
}

export interface UpdParty {
  name: string;
  /** 10 digits (organisation) or 12 (individual entrepreneur) */
  inn: string;
  /** organisations only */
  kpp?: string;
  address?: string | UpdAddress;
  /** the participant's EDO id (`2LT-…` in ЭДО Лайт); sender and receiver of the file name */
  edoId?: string;
  /** an individual entrepreneur's name (`СвИП/ФИО`) */
  person?: UpdPerson;
}

export interface UpdPowerOfAttorney {
  /** registration number of the МЧД (36 characters, a GUID) */
  number: string;
  /** date of issue, `YYYY-MM-DD` */
  issuedAt: string;
  /** where it is kept (`ИдСистХран`), default the ФНС registry */
  systemId?: string;
}

export interface UpdSigner extends UpdPerson {
  /** `Должн`: the operator requires it for СЧФДОП and ДОП */
  position: string;
  /** when signing under a machine-readable power of attorney (`СпосПодтПолном` 3 + `СвДоверЭл`) */
  poa?: UpdPowerOfAttorney;
}

export interface UpdLine {
  name: string;
  /** ОКЕИ code of the unit (3 or 4 digits; `796` = штука) */
  okei: string;
  /** unit name (`НаимЕдИзм`), e.g. `шт` */
  unitName?: string;
  quantity: number;
  /** VAT rate as 1C keeps it: `22%`, `НДС22`, `22`, `БезНДС`, `без НДС` … */
  vatRate: string | number;
  /** unit price in roubles (including VAT when `pricesIncludeVat`) — used when `totalKop` is absent */
  price?: number;
  /** line total including VAT, kopecks (as 1C computed it) */
  totalKop?: number;
  /** VAT of the line, kopecks (as 1C computed it); computed from the total when absent */
  vatKop?: number;
  /** GTIN of the line; default: the GTIN of its codes */
  gtin?: string;
  article?: string;
  /** unit marking codes in any form (with GS, crypto tail, brackets): written as `КИЗ` */
  codes?: string[];
  /** aggregates (group/transport packages, SSCC): written as `НомУпак` */
  packages?: string[];
}

export interface UpdInput {
  function: UpdFunction;
  /** document number (`НомерДок`) and date `YYYY-MM-DD` */
  number: string;
  date: string;
  seller: UpdParty;
  buyer: UpdParty;
  /** the consignee, default the buyer */
  consignee?: UpdParty;
  lines: UpdLine[];
  signer: UpdSigner;
  /** when the file is formed (`ДатаИнфПр`, `ВремИнфПр`, the date of the file name) */
  formedAt: Date | string;
  /** time zone of the dates written (default Europe/Moscow) */
  timeZone?: string;
  /** GUID of the file name; default: derived from `key` */
  guid?: string;
  /** stable key of this document version (e.g. `<Ref_Key>:<DataVersion>:upd:<pg>`) */
  key?: string;
  /** product group (`pg`) of the codes: their template is checked, and N4/N5 of the file name set */
  productGroup?: string;
  /** prices include VAT (default true, as in УТ 11 `ЦенаВключаетНДС`) */
  pricesIncludeVat?: boolean;
  /** date of the transfer (`СвПер/@ДатаПер`), default the document date */
  transferDate?: string;
  /**
   * the content of the operation (`СвПер/@СодОпер`, free text of 1–255 characters in the format of ФНС
   * order ЕД-7-26/970@), default «Товары переданы»; e.g. «Возврат товаров поставщику» for a return
   */
  operation?: string;
  /** `ВерсПрог`, default `ZnakFlow` */
  program?: string;
  /** extra `ИнфПолФХЖ1/ТекстИнф` rows (`Идентиф`, `Значен`) */
  info?: Array<{ id: string; value: string }>;
}

export interface BuiltLine {
  number: number;
  gtin?: string;
  quantity: number;
  vatRate: VatRate;
  withoutVatKop: number;
  vatKop: number;
  withVatKop: number;
  codes: string[];
  packages: string[];
}

export interface BuiltUpd {
  fileId: string;
  /** `<ИдФайл>.xml`: the name the file is uploaded under */
  fileName: string;
  xml: string;
  /** the windows-1251 bytes to sign and upload */
  bytes: Buffer;
  /** SHA-256 of `bytes`, hex */
  sha256: string;
  lines: BuiltLine[];
  totals: { withoutVatKop: number; vatKop: number; withVatKop: number };
  /** every КИЗ and НомУпак written */
  codes: string[];
}

export type UpdResult = { ok: true; upd: BuiltUpd; errors: [] } | { ok: false; errors: ErrorDetail[] };

const NAME_DOP =
  'Документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)';
const NAME_SCHFDOP =
  'Счет-фактура и документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)';
const DEFAULT_POA_SYSTEM = 'https://m4d.nalog.gov.ru/';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** EDO participant id: operator prefix (3 chars) and the id; no `_` (it separates the parts of the file name). */
const EDO_ID = /^[0-9A-Za-z]{3}[0-9A-Za-z\-.]{1,43}$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const OKEI = /^\d{3,4}$/;
const BEER_GROUPS = new Set(['beer', 'nabeer', 'alcohol']);
const TOBACCO_GROUPS = new Set(['tobacco', 'otp', 'ncp']);

/** `22%`, `НДС22`, `22`, 22, `БезНДС`, `без НДС` … → the `НалСт` value; undefined when unknown. */
export function vatRateOf(v: unknown): VatRate | undefined {
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/\s+/g, '').toLowerCase();
  if (s === 'безндс' || s === 'безналога' || s === 'ндснеоблагается') return 'без НДС';
  const m = /^(?:ндс)?(\d{1,2})(?:%)?$/.exec(s);
  if (!m) return undefined;
  const rate = `${Number(m[1])}%` as VatRate;
  return rate in RATE_PERCENT ? rate : undefined;
}

/** A GUID derived from a key (SHA-1, formatted as a name-based UUID, RFC 4122 §4.3). */
export function stableGuid(key: string): string {
  const h = createHash('sha1').update(`znakflow-upd:${key}`, 'utf8').digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Wall-clock parts of a moment in a time zone. */
export function clock(
  at: Date,
  timeZone: string,
): { y: string; m: string; d: string; hh: string; mm: string; ss: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '00';
  return {
    y: get('year'),
    m: get('month'),
    d: get('day'),
    hh: get('hour'),
    mm: get('minute'),
    ss: get('second'),
  };
}

/** `YYYY-MM-DD` → `ДД.ММ.ГГГГ` (the XSD's ДатаТип). */
export function ruDate(iso: string): string {
  const m = ISO_DAY.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

export function validDay(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = ISO_DAY.exec(v);
  if (!m) return false;
  const t = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === v;
}

/** Kopecks as a decimal(19,2) text. */
export function money(kop: number): string {
  const sign = kop < 0 ? '-' : '';
  const a = Math.abs(kop);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** A quantity or price as decimal text with at most 11 fraction digits, no exponent. */
function decimal(v: number, minFraction = 0): string {
  let s = v.toFixed(11).replace(/0+$/, '').replace(/\.$/, '');
  if (minFraction > 0) {
    const [i, f = ''] = s.split('.');
    s = `${i}.${f.padEnd(minFraction, '0')}`;
  }
  return s;
}

/** Round half away from zero of a / b for non-negative integers. */
function divRound(a: number, b: number): number {
  return Math.floor((2 * a + b) / (2 * b));
}

function addressText(a: UpdParty['address']): UpdAddress | undefined {
  if (a === undefined) return undefined;
  if (typeof a === 'string') return a.trim() ? { text: a.trim() } : undefined;
  return a.text?.trim() ? a : undefined;
}

function blank(v: unknown): boolean {
  return typeof v !== 'string' || v.trim() === '';
}

// -- checks ----------------------------------------------------------------------------------------

function checkParty(
  p: UpdParty | undefined,
  path: string,
  ru: string,
  en: string,
  needAddress: boolean,
  needEdo: boolean,
  out: ErrorDetail[],
): void {
  if (!p || typeof p !== 'object') {
    out.push(detail(path, 'FIELD_REQUIRED', `не указаны сведения о ${ru}`, `the ${en} is missing`));
    return;
  }
  if (blank(p.name) && !p.person) {
    out.push(
      detail(
        `${path}.name`,
        'FIELD_REQUIRED',
        `не указано наименование (${ru})`,
        `the ${en}'s name is missing`,
      ),
    );
  }
  if (blank(p.inn)) {
    out.push(detail(`${path}.inn`, 'FIELD_REQUIRED', `не указан ИНН (${ru})`, `the ${en}'s INN is missing`));
  } else {
    const bad = checkInn(p.inn, `${path}.inn`);
    if (bad) out.push(bad);
    const digits = p.inn.trim().length;
    if (digits === 10) {
      if (blank(p.kpp)) {
        out.push(
          detail(
            `${path}.kpp`,
            'FIELD_REQUIRED',
            `не указан КПП организации (${ru})`,
            `the ${en}'s KPP (organisation) is missing`,
          ),
        );
      } else {
        const k = checkKpp(p.kpp, `${path}.kpp`);
        if (k) out.push(k);
      }
    } else if (digits === 12 && (!p.person || blank(p.person.surname) || blank(p.person.firstName))) {
      out.push(
        detail(
          `${path}.person`,
          'FIELD_REQUIRED',
          `ИНН из 12 цифр (индивидуальный предприниматель, ${ru}): нужны фамилия и имя`,
          `a 12-digit INN (individual entrepreneur, ${en}) needs a surname and a first name`,
        ),
      );
    }
  }
  if (needAddress && !addressText(p.address)) {
    out.push(
      detail(
        `${path}.address`,
        'FIELD_REQUIRED',
        `не указан адрес (${ru}); для СЧФДОП он обязателен`,
        `the ${en}'s address is missing; СЧФДОП requires it`,
      ),
    );
  }
  if (needEdo) {
    if (blank(p.edoId)) {
      out.push(
        detail(
          `${path}.edoId`,
          'FIELD_REQUIRED',
          `не указан идентификатор участника ЭДО (${ru}), например 2LT-…`,
          `the ${en}'s EDO participant id (e.g. 2LT-…) is missing`,
        ),
      );
    } else if (!EDO_ID.test((p.edoId as string).trim())) {
      out.push(
        detail(
          `${path}.edoId`,
          'FIELD_FORMAT',
          `идентификатор участника ЭДО «${p.edoId}» (${ru}) неверен: 4–46 латинских букв, цифр, «-», «.», без «_»`,
          `EDO participant id "${p.edoId}" (${en}) is invalid: 4–46 Latin letters, digits, "-", "." and no "_"`,
        ),
      );
    }
  }
}

interface PreparedLine extends BuiltLine {
  input: UpdLine;
}

function prepareLines(input: UpdInput, out: ErrorDetail[]): PreparedLine[] {
  const lines: PreparedLine[] = [];
  if (!Array.isArray(input.lines) || input.lines.length === 0) {
    out.push(
      detail('lines', 'FIELD_REQUIRED', 'в документе нет строк товаров', 'the document has no goods lines'),
    );
    return lines;
  }
  const includeVat = input.pricesIncludeVat !== false;
  const pg = input.productGroup || undefined;
  const seen = new Map<string, string>();
  input.lines.forEach((l, i) => {
    const p = `lines[${i}]`;
    if (!l || typeof l !== 'object') {
      out.push(
        detail(p, 'FIELD_TYPE', 'строка товара должна быть объектом', 'a goods line must be an object'),
      );
      return;
    }
    if (blank(l.name))
      out.push(
        detail(
          `${p}.name`,
          'FIELD_REQUIRED',
          `строка ${i + 1}: не указано наименование товара`,
          `line ${i + 1}: the product name is missing`,
        ),
      );
    if (blank(l.okei))
      out.push(
        detail(
          `${p}.okei`,
          'FIELD_REQUIRED',
          `строка ${i + 1}: не указан код единицы измерения по ОКЕИ`,
          `line ${i + 1}: the ОКЕИ unit code is missing`,
        ),
      );
    else if (!OKEI.test(l.okei.trim()))
      out.push(
        detail(
          `${p}.okei`,
          'FIELD_FORMAT',
          `строка ${i + 1}: код ОКЕИ «${l.okei}» должен состоять из 3 или 4 цифр`,
          `line ${i + 1}: ОКЕИ code "${l.okei}" must be 3 or 4 digits`,
        ),
      );
    const qtyOk = typeof l.quantity === 'number' && Number.isFinite(l.quantity) && l.quantity > 0;
    if (!qtyOk)
      out.push(
        detail(
          `${p}.quantity`,
          'FIELD_VALUE',
          `строка ${i + 1}: количество должно быть больше нуля`,
          `line ${i + 1}: the quantity must be greater than zero`,
        ),
      );
    const rate = vatRateOf(l.vatRate);
    if (!rate) {
      out.push(
        detail(
          `${p}.vatRate`,
          l.vatRate === undefined || l.vatRate === '' ? 'FIELD_REQUIRED' : 'FIELD_VALUE',
          `строка ${i + 1}: ставка НДС «${String(l.vatRate ?? '')}» не распознана; допустимы 22%, 20%, 10%, 7%, 5%, 0%, без НДС`,
          `line ${i + 1}: VAT rate "${String(l.vatRate ?? '')}" not recognised; allowed: 22%, 20%, 10%, 7%, 5%, 0%, без НДС`,
        ),
      );
    }
    const isKop = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (l.totalKop !== undefined && !isKop(l.totalKop))
      out.push(
        detail(
          `${p}.totalKop`,
          'FIELD_VALUE',
          `строка ${i + 1}: сумма должна быть целым неотрицательным числом копеек`,
          `line ${i + 1}: the total must be a non-negative whole number of kopecks`,
        ),
      );
    if (l.vatKop !== undefined && !isKop(l.vatKop))
      out.push(
        detail(
          `${p}.vatKop`,
          'FIELD_VALUE',
          `строка ${i + 1}: сумма НДС должна быть целым неотрицательным числом копеек`,
          `line ${i + 1}: the VAT must be a non-negative whole number of kopecks`,
        ),
      );
    if (
      l.totalKop === undefined &&
      !(typeof l.price === 'number' && Number.isFinite(l.price) && l.price >= 0)
    ) {
      out.push(
        detail(
          `${p}.price`,
          'FIELD_REQUIRED',
          `строка ${i + 1}: не указаны ни цена, ни сумма`,
          `line ${i + 1}: neither a price nor a total is given`,
        ),
      );
    }
    if (rate && RATE_PERCENT[rate] === 0 && (l.vatKop ?? 0) > 0) {
      out.push(
        detail(
          `${p}.vatKop`,
          'FIELD_VALUE',
          `строка ${i + 1}: при ставке «${rate}» сумма НДС должна быть 0`,
          `line ${i + 1}: with rate "${rate}" the VAT must be 0`,
        ),
      );
    }
    // codes
    let gtin = l.gtin?.trim() || undefined;
    if (gtin) {
      const g = checkGtin(gtin);
      if (!g.ok) {
        out.push(
          detail(
            `${p}.gtin`,
            'GTIN_INVALID',
            `строка ${i + 1}: GTIN «${gtin}»: ${g.ru}`,
            `line ${i + 1}: GTIN "${gtin}": ${g.en}`,
          ),
        );
        gtin = undefined;
      } else gtin = g.gtin14;
    }
    const units: string[] = [];
    const packs: string[] = [];
    const take = (raw: string, path: string, asPackage: boolean): void => {
      const r = tryParseCode(raw, pg);
      if (!r.ok) {
        out.push(
          detail(
            path,
            r.problem.code,
            `строка ${i + 1}: код маркировки «${String(raw).slice(0, 80)}»: ${r.problem.ru}`,
            `line ${i + 1}: marking code "${String(raw).slice(0, 80)}": ${r.problem.en}`,
          ),
        );
        return;
      }
      const c = r.value;
      const pkg = asPackage || c.kind === 'sscc' || c.kind === 'aggregate';
      const value = c.cis;
      const first = seen.get(value);
      if (first) {
        out.push(
          detail(
            path,
            'CODE_DUPLICATE',
            `строка ${i + 1}: код «${value}» уже указан (${first})`,
            `line ${i + 1}: code "${value}" is listed twice (first at ${first})`,
          ),
        );
        return;
      }
      seen.set(value, path);
      if (value.length > 255) {
        out.push(
          detail(
            path,
            'CODE_TOO_LONG',
            `строка ${i + 1}: код длиннее 255 знаков`,
            `line ${i + 1}: the code is longer than 255 characters`,
          ),
        );
        return;
      }
      if (!pkg && c.gtin) {
        if (!gtin) gtin = c.gtin;
        else if (c.gtin !== gtin) {
          out.push(
            detail(
              path,
              'CODE_GTIN_MISMATCH',
              `строка ${i + 1}: код «${value}» другого товара: GTIN ${c.gtin}, а в строке ${gtin}`,
              `line ${i + 1}: code "${value}" belongs to another product: GTIN ${c.gtin}, the line has ${gtin}`,
            ),
          );
          return;
        }
      }
      (pkg ? packs : units).push(value);
    };
    (Array.isArray(l.codes) ? l.codes : []).forEach((c, j) => take(c, `${p}.codes[${j}]`, false));
    (Array.isArray(l.packages) ? l.packages : []).forEach((c, j) => take(c, `${p}.packages[${j}]`, true));
    if (
      qtyOk &&
      units.length > 0 &&
      packs.length === 0 &&
      l.okei?.trim() === '796' &&
      units.length !== l.quantity
    ) {
      out.push(
        detail(
          `${p}.codes`,
          'CODES_QUANTITY',
          `строка ${i + 1}: кодов маркировки ${units.length}, а количество ${l.quantity} шт`,
          `line ${i + 1}: ${units.length} marking codes for a quantity of ${l.quantity} pcs`,
        ),
      );
    }
    // sums
    let withVat = 0;
    let vat = 0;
    let without = 0;
    if (rate && qtyOk) {
      const r = RATE_PERCENT[rate];
      if (l.totalKop !== undefined && isKop(l.totalKop)) {
        withVat = l.totalKop;
        vat = l.vatKop ?? divRound(withVat * r, 100 + r);
      } else if (typeof l.price === 'number') {
        const gross = Math.round(l.price * l.quantity * 100);
        if (includeVat) {
          withVat = gross;
          vat = l.vatKop ?? divRound(withVat * r, 100 + r);
        } else {
          vat = l.vatKop ?? divRound(gross * r, 100);
          withVat = gross + vat;
        }
      }
      without = withVat - vat;
      if (without < 0)
        out.push(
          detail(
            `${p}.vatKop`,
            'FIELD_VALUE',
            `строка ${i + 1}: сумма НДС больше суммы строки`,
            `line ${i + 1}: the VAT exceeds the line total`,
          ),
        );
    }
    lines.push({
      input: l,
      number: i + 1,
      gtin,
      quantity: l.quantity,
      vatRate: rate ?? 'без НДС',
      withoutVatKop: without,
      vatKop: vat,
      withVatKop: withVat,
      codes: units,
      packages: packs,
    });
  });
  return lines;
}

/** Every problem of the input, each naming its field; [] when a УПД can be built. */
export function checkUpdInput(input: UpdInput): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  prepare(input, out);
  return out;
}

function prepare(input: UpdInput, out: ErrorDetail[]): PreparedLine[] {
  if (!input || typeof input !== 'object') {
    out.push(
      detail('(root)', 'FIELD_TYPE', 'описание УПД должно быть объектом', 'the УПД input must be an object'),
    );
    return [];
  }
  if (!UPD_FUNCTIONS.includes(input.function)) {
    out.push(
      detail(
        'function',
        'FIELD_VALUE',
        `функция УПД «${String(input.function ?? '')}» недопустима; допустимы СЧФДОП, ДОП`,
        `УПД function "${String(input.function ?? '')}" is not allowed; allowed: СЧФДОП, ДОП`,
      ),
    );
  }
  if (blank(input.number))
    out.push(
      detail('number', 'FIELD_REQUIRED', 'не указан номер документа', 'the document number is missing'),
    );
  else if (input.number.length > 1000)
    out.push(
      detail(
        'number',
        'FIELD_LENGTH',
        'номер документа длиннее 1000 знаков',
        'the document number is longer than 1000 characters',
      ),
    );
  if (!validDay(input.date))
    out.push(
      detail(
        'date',
        'FIELD_FORMAT',
        `дата документа «${String(input.date ?? '')}» должна быть в виде ГГГГ-ММ-ДД`,
        `document date "${String(input.date ?? '')}" must be YYYY-MM-DD`,
      ),
    );
  if (input.transferDate !== undefined && !validDay(input.transferDate))
    out.push(
      detail(
        'transferDate',
        'FIELD_FORMAT',
        'дата отгрузки должна быть в виде ГГГГ-ММ-ДД',
        'the transfer date must be YYYY-MM-DD',
      ),
    );
  const formed = input.formedAt instanceof Date ? input.formedAt : new Date(String(input.formedAt ?? ''));
  if (Number.isNaN(formed.getTime()))
    out.push(
      detail(
        'formedAt',
        'FIELD_FORMAT',
        'не указано или неверно время формирования файла',
        'the file formation time is missing or invalid',
      ),
    );
  if (input.guid !== undefined ? !GUID.test(input.guid) : blank(input.key)) {
    out.push(
      detail(
        input.guid !== undefined ? 'guid' : 'key',
        'FIELD_REQUIRED',
        'нужен GUID файла (guid) или устойчивый ключ версии документа (key)',
        'a file GUID (guid) or a stable key of the document version (key) is required',
      ),
    );
  }
  const needAddress = input.function === 'СЧФДОП';
  checkParty(input.seller, 'seller', 'продавце', 'seller', needAddress, true, out);
  checkParty(input.buyer, 'buyer', 'покупателе', 'buyer', needAddress, true, out);
  if (input.consignee)
    checkParty(input.consignee, 'consignee', 'грузополучателе', 'consignee', false, false, out);
  checkSigner(input.signer, out);
  return prepareLines(input, out);
}

/** The signer's checks (surname, first name, position, the МЧД), each problem naming its field. */
export function checkSigner(s: UpdSigner | undefined, out: ErrorDetail[], path = 'signer'): void {
  if (!s || typeof s !== 'object') {
    out.push(detail(path, 'FIELD_REQUIRED', 'не указан подписант', 'the signer is missing'));
  } else {
    if (blank(s.surname))
      out.push(
        detail(
          `${path}.surname`,
          'FIELD_REQUIRED',
          'не указана фамилия подписанта',
          "the signer's surname is missing",
        ),
      );
    if (blank(s.firstName))
      out.push(
        detail(
          `${path}.firstName`,
          'FIELD_REQUIRED',
          'не указано имя подписанта',
          "the signer's first name is missing",
        ),
      );
    if (blank(s.position)) {
      // the operator's own rule: «Элемент Документ.Подписант.Должн обязателен при <Функция>=СЧФДОП | ДОП»
      out.push(
        detail(
          `${path}.position`,
          'FIELD_REQUIRED',
          'не указана должность подписанта (обязательна при функции СЧФДОП и ДОП)',
          "the signer's position is missing (required for СЧФДОП and ДОП)",
        ),
      );
    }
    if (s.poa) {
      if (!GUID.test(s.poa.number ?? ''))
        out.push(
          detail(
            `${path}.poa.number`,
            'FIELD_FORMAT',
            `номер МЧД «${String(s.poa.number ?? '')}» должен быть GUID из 36 знаков`,
            `МЧД number "${String(s.poa.number ?? '')}" must be a 36-character GUID`,
          ),
        );
      if (!validDay(s.poa.issuedAt))
        out.push(
          detail(
            `${path}.poa.issuedAt`,
            'FIELD_FORMAT',
            'дата выдачи МЧД должна быть в виде ГГГГ-ММ-ДД',
            'the МЧД issue date must be YYYY-MM-DD',
          ),
        );
    }
  }
}

// -- building --------------------------------------------------------------------------------------

/** `ИдФайл` of a seller's title 5.03 (no `.xml`). */
export function updFileId(opts: {
  receiverEdoId: string;
  senderEdoId: string;
  /** YYYYMMDD */
  day: string;
  guid: string;
  marked: boolean;
  productGroup?: string;
}): string {
  const pg = opts.productGroup ?? '';
  const flags = [
    '0',
    opts.marked ? '1' : '0',
    BEER_GROUPS.has(pg) ? '1' : '0',
    TOBACCO_GROUPS.has(pg) ? '1' : '0',
    '0',
    '00',
  ];
  return `ON_NSCHFDOPPR_${opts.receiverEdoId}_${opts.senderEdoId}_${opts.day}_${opts.guid.toLowerCase()}_${flags.join('_')}`;
}

function party(p: UpdParty, withAddress: boolean): XmlElement[] {
  const id =
    p.inn.length === 12
      ? el('СвИП', { ИННФЛ: p.inn }, [fio(p.person as UpdPerson)])
      : el('СвЮЛУч', { НаимОрг: p.name.trim(), ИННЮЛ: p.inn, КПП: p.kpp?.trim() });
  const out = [el('ИдСв', {}, [id])];
  const a = addressText(p.address);
  if (withAddress && a) {
    out.push(
      el('Адрес', {}, [
        el('АдрИнф', {
          КодСтр: a.countryCode ?? '643',
          НаимСтран: a.countryName ?? 'Россия',
          АдрТекст: a.text.trim(),
        }),
      ]),
    );
  }
  return out;
}

/**
 * `Подписант` of format 5.03 (the same block in the seller's and the buyer's title, ЕД-7-26/970@):
 * `СпосПодтПолном` 1 «по данным электронной подписи», or 3 with `СвДоверЭл` under an МЧД.
 */
export function signerElement(s: UpdSigner): XmlElement {
  return el('Подписант', { Должн: s.position.trim(), ТипПодпис: '1', СпосПодтПолном: s.poa ? '3' : '1' }, [
    fio(s),
    s.poa
      ? el('СвДоверЭл', {
          НомДовер: s.poa.number.toLowerCase(),
          ДатаВыдДовер: ruDate(s.poa.issuedAt),
          ИдСистХран: s.poa.systemId ?? DEFAULT_POA_SYSTEM,
        })
      : undefined,
  ]);
}

function fio(p: UpdPerson): XmlElement {
  return el('ФИО', { Фамилия: p.surname.trim(), Имя: p.firstName.trim(), Отчество: p.middleName?.trim() });
}

function partyTitle(p: UpdParty): string {
  const name =
    p.name?.trim() ||
    [p.person?.surname, p.person?.firstName, p.person?.middleName].filter(Boolean).join(' ');
  return p.kpp ? `${name}, ИНН/КПП ${p.inn}/${p.kpp}` : `${name}, ИНН ${p.inn}`;
}

/** Check, then build: the bytes, or every problem found. */
export function prepareUpd(input: UpdInput): UpdResult {
  const errors: ErrorDetail[] = [];
  const lines = prepare(input, errors);
  if (errors.length > 0) return { ok: false, errors };
  const formed = input.formedAt instanceof Date ? input.formedAt : new Date(input.formedAt);
  const tz = input.timeZone ?? 'Europe/Moscow';
  const c = clock(formed, tz);
  const codes = lines.flatMap((l) => [...l.codes, ...l.packages]);
  const fileId = updFileId({
    receiverEdoId: (input.buyer.edoId as string).trim(),
    senderEdoId: (input.seller.edoId as string).trim(),
    day: `${c.y}${c.m}${c.d}`,
    guid: input.guid ?? stableGuid(input.key as string),
    marked: codes.length > 0,
    productGroup: input.productGroup,
  });
  const fn = input.function;
  const docDate = ruDate(input.date);
  const number = input.number.trim();
  const withAddress = true;
  const consignee = input.consignee ?? input.buyer;

  const svSchFakt = el('СвСчФакт', { НомерДок: number, ДатаДок: docDate }, [
    el('СвПрод', {}, party(input.seller, withAddress)),
    el('ГрузОт', {}, [el('ОнЖе', {}, [], 'он же')]),
    el('ГрузПолуч', {}, party(consignee, withAddress)),
    el('ДокПодтвОтгрНом', {
      РеквНаимДок: 'Универсальный передаточный документ',
      РеквНомерДок: number,
      РеквДатаДок: docDate,
    }),
    el('СвПокуп', {}, party(input.buyer, withAddress)),
    el('ДенИзм', { КодОКВ: '643', НаимОКВ: 'Российский рубль' }),
    input.info && input.info.length > 0
      ? el(
          'ИнфПолФХЖ1',
          {},
          input.info.map((t) => el('ТекстИнф', { Идентиф: t.id, Значен: t.value })),
        )
      : undefined,
  ]);

  const tax = (rate: VatRate, kop: number): XmlElement =>
    rate === 'без НДС' ? el('БезНДС', {}, [], 'без НДС') : el('СумНал', {}, [], money(kop));

  const rows = lines.map((l) => {
    const price = l.withoutVatKop / 100 / l.quantity;
    const ident =
      l.codes.length + l.packages.length > 0
        ? el('НомСредИдентТов', {}, [
            ...l.codes.map((k) => el('КИЗ', {}, [], k)),
            ...l.packages.map((k) => el('НомУпак', {}, [], k)),
          ])
        : undefined;
    return el(
      'СведТов',
      {
        НомСтр: l.number,
        НаимТов: l.input.name.trim(),
        ОКЕИ_Тов: l.input.okei.trim(),
        НаимЕдИзм: l.input.unitName?.trim(),
        КолТов: decimal(l.quantity),
        ЦенаТов: Number.isInteger(l.withoutVatKop / l.quantity)
          ? money(l.withoutVatKop / l.quantity)
          : decimal(price, 2),
        СтТовБезНДС: money(l.withoutVatKop),
        НалСт: l.vatRate,
        СтТовУчНал: money(l.withVatKop),
      },
      [
        el('ДопСведТов', { ПрТовРаб: '1', АртикулТов: l.input.article?.trim(), ГТИН: l.gtin }, [ident]),
        el('Акциз', {}, [el('БезАкциз', {}, [], 'без акциза')]),
        el('СумНал', {}, [tax(l.vatRate, l.vatKop)]),
      ],
    );
  });
  const totals = {
    withoutVatKop: lines.reduce((s, l) => s + l.withoutVatKop, 0),
    vatKop: lines.reduce((s, l) => s + l.vatKop, 0),
    withVatKop: lines.reduce((s, l) => s + l.withVatKop, 0),
  };
  const allWithout = lines.every((l) => l.vatRate === 'без НДС');
  const qty = lines.reduce((s, l) => s + l.quantity, 0);
  const table = el('ТаблСчФакт', {}, [
    ...rows,
    el(
      'ВсегоОпл',
      {
        СтТовБезНДСВсего: money(totals.withoutVatKop),
        СтТовУчНалВсего: money(totals.withVatKop),
        КолНеттоВс: decimal(qty),
      },
      [
        el('СумНалВсего', {}, [
          allWithout ? el('БезНДС', {}, [], 'без НДС') : el('СумНал', {}, [], money(totals.vatKop)),
        ]),
      ],
    ),
  ]);
  const transfer = el('СвПродПер', {}, [
    el(
      'СвПер',
      {
        СодОпер: (input.operation || 'Товары переданы').slice(0, 255),
        ДатаПер: ruDate(input.transferDate ?? input.date),
      },
      [el('БезДокОснПер', {}, [], '1')],
    ),
  ]);
  const signer = signerElement(input.signer);
  const root = el(
    'Файл',
    { ИдФайл: fileId, ВерсФорм: '5.03', ВерсПрог: (input.program ?? 'ZnakFlow').slice(0, 40) },
    [
      el(
        'Документ',
        {
          КНД: '1115131',
          Функция: fn,
          ПоФактХЖ: NAME_DOP,
          НаимДокОпр: fn === 'СЧФДОП' ? NAME_SCHFDOP : NAME_DOP,
          ДатаИнфПр: `${c.d}.${c.m}.${c.y}`,
          ВремИнфПр: `${c.hh}.${c.mm}.${c.ss}`,
          НаимЭконСубСост: partyTitle(input.seller).slice(0, 1000),
        },
        [svSchFakt, table, transfer, signer],
      ),
    ],
  );
  const xml = serialize(root);
  const bytes = encodeCp1251(xml);
  return {
    ok: true,
    errors: [],
    upd: {
      fileId,
      fileName: `${fileId}.xml`,
      xml,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      lines: lines.map(({ input: _i, ...rest }) => rest),
      totals,
      codes,
    },
  };
}

/** Build or throw one ZnakFlowError listing every problem (for callers without an error output). */
export function buildUpd(input: UpdInput): BuiltUpd {
  const r = prepareUpd(input);
  if (!r.ok) throw validationError(r.errors);
  return r.upd;
}

/**
 * The signer block from the signing certificate (ГОСТ Р 34.10-2012 qualified certificates carry
 * SN = surname, G = «Имя Отчество», T = position: Приказ ФСБ № 795, п. 17–18): what the certificate
 * lacks stays empty and is reported by the check.
 */
export function signerFromCertificate(
  cert: { subject: ReadonlyArray<{ name: string; value: string }> },
  extra: { position?: string; poa?: UpdPowerOfAttorney } = {},
): UpdSigner {
  const get = (n: string): string => cert.subject.find((a) => a.name === n)?.value.trim() ?? '';
  const [firstName = '', ...rest] = get('2.5.4.42') ? get('2.5.4.42').split(/\s+/) : get('G').split(/\s+/);
  return {
    surname: get('SN') || get('2.5.4.4'),
    firstName,
    middleName: rest.join(' ') || undefined,
    position: extra.position ?? (get('T') || get('2.5.4.12')),
    ...(extra.poa ? { poa: extra.poa } : {}),
  };
}
