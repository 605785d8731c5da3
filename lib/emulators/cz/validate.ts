/**
 * The emulator's own structural checks per document type (required fields of cz-true-api.md §4 and
 * INN check digits) and code normalisation (01 + GTIN + 21 + serial, §10.1). These are the
 * fallbacks used when `lib/documents` / `lib/codes` do not provide `validateDocument` /
 * `normalizeCode`; the server takes whichever it is given.
 */
import { detail, type ErrorDetail } from '../../errors';
import { checkInn } from '../../codes/inn';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

const REQUIRED: Record<string, { fields: string[]; inns: string[]; list?: string; item?: string[][] }> = {
  LP_INTRODUCE_GOODS: {
    fields: ['participant_inn', 'producer_inn', 'owner_inn', 'production_type', 'products'],
    inns: ['participant_inn', 'producer_inn', 'owner_inn'],
    list: 'products',
    item: [['uit_code', 'uitu_code'], ['tnved_code']],
  },
  LP_GOODS_IMPORT: {
    fields: [
      'participant_inn',
      'declaration_number',
      'declaration_date',
      'customs_code',
      'decision_code',
      'products',
    ],
    inns: ['participant_inn'],
    list: 'products',
    item: [['uit_code', 'uitu_code'], ['tnved_code']],
  },
  LP_SHIP_GOODS: {
    fields: ['receiver_inn', 'transfer_date', 'document_num', 'document_date', 'turnover_type', 'products'],
    inns: ['sender_inn', 'receiver_inn'],
    list: 'products',
    item: [['uit_code', 'uitu_code']],
  },
  LP_ACCEPT_GOODS: {
    fields: [
      'release_order_number',
      'document_number',
      'document_date',
      'transfer_date',
      'acceptance_date',
      'trade_sender_inn',
      'trade_recipient_inn',
      'turnover_type',
    ],
    inns: ['trade_sender_inn', 'trade_recipient_inn'],
  },
  LP_CANCEL_SHIPMENT: { fields: ['participant_inn', 'shipment_number'], inns: ['participant_inn'] },
  LK_RECEIPT: {
    fields: ['inn', 'action', 'action_date', 'products'],
    inns: ['inn', 'buyer_inn'],
    list: 'products',
    item: [['cis']],
  },
  LP_RETURN: {
    fields: ['trade_participant_inn', 'return_type', 'products_list'],
    inns: ['trade_participant_inn'],
    list: 'products_list',
    item: [['ki']],
  },
  AGGREGATION_DOCUMENT: {
    fields: ['participantId', 'aggregationUnits'],
    inns: ['participantId'],
    list: 'aggregationUnits',
    item: [['unitSerialNumber'], ['sntins']],
  },
  DISAGGREGATION_DOCUMENT: {
    fields: ['participant_inn', 'products_list'],
    inns: ['participant_inn'],
    list: 'products_list',
    item: [['uitu']],
  },
  LK_REMARK: {
    fields: ['participant_inn', 'remarking_date', 'remarking_cause', 'products'],
    inns: ['participant_inn'],
    list: 'products',
    item: [['last_uin'], ['new_uin']],
  },
};

const missing = (path: string): ErrorDetail =>
  detail(path, 'REQUIRED', 'отсутствует обязательное поле', 'required field is missing');

export function basicValidate(type: string, body: unknown): ErrorDetail[] {
  const spec = REQUIRED[type];
  if (!spec) return [];
  if (!isObj(body))
    return [
      detail(
        '(root)',
        'INVALID_TYPE',
        'документ должен быть объектом JSON',
        'the document must be a JSON object',
      ),
    ];
  const out: ErrorDetail[] = [];
  for (const f of spec.fields) if (!present(body[f])) out.push(missing(f));
  for (const f of spec.inns) {
    if (!present(body[f])) continue;
    const problem = checkInn(body[f], f);
    if (problem) out.push(problem);
  }
  if (spec.list && present(body[spec.list])) {
    const list = body[spec.list];
    if (!Array.isArray(list) || list.length === 0) {
      out.push(
        detail(
          spec.list,
          'TOO_SMALL',
          'должен содержать хотя бы один элемент',
          'must have at least one element',
        ),
      );
    } else {
      list.forEach((item, i) => {
        const base = `${spec.list}[${i}]`;
        if (!isObj(item)) {
          out.push(
            detail(base, 'INVALID_TYPE', 'элемент должен быть объектом', 'the element must be an object'),
          );
          return;
        }
        for (const alternatives of spec.item ?? []) {
          if (!alternatives.some((a) => present(item[a])))
            out.push(missing(`${base}.${alternatives.join('|')}`));
        }
      });
    }
  }
  return out;
}

/** Serial lengths by product group (SUZ Таблица 9, the usual template). */
const SERIAL: Record<string, number> = {
  lp: 13,
  shoes: 13,
  tobacco: 7,
  perfumery: 13,
  tires: 13,
  electronics: 20,
  milk: 6,
  bicycle: 13,
  wheelchairs: 13,
  otp: 7,
  water: 13,
  beer: 7,
  bio: 13,
  antiseptic: 13,
  softdrinks: 13,
  nabeer: 7,
  seafood: 6,
  petfood: 6,
};

/**
 * Normalise a code as written in a document or request: symbology prefix, brackets, `<GS>` / `\u001d`
 * written out and the crypto tail removed → `01` + GTIN + `21` + serial. Anything else (SSCC, КИТУ,
 * furs КиЗ) is returned trimmed.
 */
export function normalizeCis(raw: string, pg?: string): string {
  let s = raw.trim().replace(/^(\]d2|\]C1|\]Q3|\u00e8)/, '');
  s = s.replace(/<GS>|\\u001[dD]|\\x1[dD]/g, '\u001d');
  s = s.replace(/\((\d{2,4})\)/g, '$1');
  const GS = '\u001d';
  const m = /^01(\d{14})21(.+)$/s.exec(s);
  if (!m) return s.split(GS)[0] ?? s;
  let serial = (m[2] as string).split(GS)[0] as string;
  const len = pg ? SERIAL[pg] : undefined;
  if (
    !s.includes(GS) &&
    len !== undefined &&
    serial.length > len &&
    /^(91|93)/.test(serial.slice(len))
  ) {
    serial = serial.slice(0, len);
  }
  return `01${m[1]}21${serial}`;
}
