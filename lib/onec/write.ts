/**
 * Writing the outcome back to 1C, idempotently (writing the same outcome twice leaves one record
 * and changes nothing the second time).
 *
 * Default: a record of the БСП register `InformationRegister_ДополнительныеСведения` (object = the
 * document, property = a configured «дополнительное сведение», value = status text); the
 * accountant sees it in the document's «Дополнительные сведения». Alternative: PATCH of one
 * attribute of the document (e.g. one added by a configuration extension) or of any object.
 *
 * Never into 1C's own ИС МП registers and documents (`СтатусыДокументовИСМП`,
 * `СтатусыОформленияДокументовИСМП`, `ОтгрузкаТоваровИСМП`…): they are the state machine of 1C's
 * own exchange with Честный ЗНАК, and writing there would fight it (БГосИС registers
 * `СтатусыДокументовИСМП`, as read from УТ 11 / БП 3.0 configuration dumps).
 */
import { ZnakFlowError } from '../errors';
import type { EntityKey, OnecClient } from './client';
import { findProperty } from './property';
import { checkIdentifier, isGuid } from './query';
import type { ODataObject } from './schemas';

export const DEFAULT_REGISTER = 'InformationRegister_ДополнительныеСведения';
export const DEFAULT_PROPERTIES = 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения';
/** Longest value written (1C truncates longer strings silently; we cut first so comparisons hold). */
export const MAX_VALUE_LENGTH = 1024;

const FORBIDDEN = /ИСМП|ГИСМ|ГосИС|СУЗ|ГИСМТ/i;

/** Refuse 1C's own marking (ИС МП / ГИСМ / СУЗ) objects as a write target. */
export function assertWritable(entity: string, field = 'entity'): void {
  checkIdentifier(entity, field);
  if (FORBIDDEN.test(entity)) {
    throw new ZnakFlowError({
      code: 'ONEC_WRITE_FORBIDDEN',
      field,
      source: 'config',
      ru: `запись в «${entity}» запрещена: это объект собственного обмена 1С с Честным ЗНАКом (ИС МП), запись туда помешает обмену 1С. Пишите в дополнительные сведения или в реквизит расширения`,
      en: `writing to "${entity}" is refused: it belongs to 1C's own exchange with Честный ЗНАК (ИС МП) and writing there would fight it; write to additional information or an extension attribute instead`,
    });
  }
}

/** Честный ЗНАК document statuses in the vocabulary 1C itself uses (ИнтерфейсИСМПСлужебный). */
export const CZ_STATUS_RU: Record<string, string> = {
  CHECKED_OK: 'Проверен',
  CHECKED_NOT_OK: 'Есть ошибки',
  IN_PROGRESS: 'Обрабатывается',
  PROCESSING_ERROR: 'Ошибка',
  PARSE_ERROR: 'Ошибка',
  UNDEFINED: 'Неопределен',
  WAIT_ACCEPTANCE: 'Ожидается подтверждение поступления',
  WAIT_PARTICIPANT_REGISTRATION: 'Ожидает регистрации участника ГИС МТ',
  CANCELLED: 'Отменен',
  ACCEPTED: 'Принят',
  WAIT_FOR_CONTINUATION: 'Ожидает продолжения обработки документа',
};

export interface Outcome {
  status?: string;
  documentId?: string;
  errors?: unknown;
  /** problems found before sending (msg.errors of cz-map-document's output 2) */
  invalid?: unknown[];
}

/**
 * The status text written to 1C: `Проверен [CHECKED_OK], документ ЧЗ 1f2e…` with errors appended.
 * Deterministic (no time stamp), so writing the same outcome again changes nothing.
 */
export function outcomeText(o: Outcome): string {
  if (!o.status && !o.documentId && Array.isArray(o.invalid) && o.invalid.length > 0) {
    // A document stopped before sending (cz-map-document output 2): what the accountant must fix.
    const list = o.invalid.map((d) => {
      const r = d as { path?: unknown; message_ru?: unknown; message?: unknown };
      const what =
        typeof r.message_ru === 'string'
          ? r.message_ru
          : typeof r.message === 'string'
            ? r.message
            : JSON.stringify(d);
      return typeof r.path === 'string' && r.path ? `${r.path}: ${what}` : what;
    });
    const text = `Не отправлен в Честный ЗНАК, исправьте документ: ${list.join('; ')}`;
    return text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) : text;
  }
  const parts: string[] = [];
  const status = o.status ? String(o.status) : '';
  if (status) parts.push(`${CZ_STATUS_RU[status] ?? status} [${status}]`);
  if (o.documentId) parts.push(`документ ЧЗ ${String(o.documentId)}`);
  let text = parts.join(', ') || 'нет данных о статусе';
  const errors = Array.isArray(o.errors)
    ? o.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
    : o.errors
      ? [String(o.errors)]
      : [];
  if (errors.length > 0) text += `: ${errors.join('; ')}`;
  return text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) : text;
}

export type WriteAction = 'created' | 'updated' | 'unchanged';

export interface WriteResult {
  /** `codes`: marking codes into the codes catalog (lib/onec/codes-catalog.ts) */
  mode: 'register' | 'patch' | 'codes';
  action: WriteAction;
  /** the entity set written */
  entity: string;
  /** the object the value belongs to */
  object: { entity: string; ref: string };
  property?: string;
  attribute?: string;
  value: unknown;
  /** `codes`: how many entries were created, how many were there already */
  codes?: { created: number; present: number };
}

export type ValueType = 'Edm.String' | 'Edm.Double' | 'Edm.Boolean' | 'Edm.DateTime';

function valueType(v: unknown): ValueType {
  if (typeof v === 'number') return 'Edm.Double';
  if (typeof v === 'boolean') return 'Edm.Boolean';
  return 'Edm.String';
}

function normaliseValue(v: unknown): string | number | boolean {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_VALUE_LENGTH ? s.slice(0, MAX_VALUE_LENGTH) : s;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof b === 'number') return Number(a) === b;
  if (typeof b === 'boolean') return a === b || String(a) === String(b);
  return String(a ?? '') === String(b ?? '');
}

const propertyCache = new WeakMap<OnecClient, Map<string, string>>();

/**
 * The Ref_Key of an additional property («дополнительное сведение»): a GUID as is, otherwise found
 * by title, name, formula identifier or description the way БСП keeps them, preferring the one of
 * the property set of `objectEntity`'s kind (see ./property.ts). Cached per client.
 */
export async function resolveProperty(
  client: OnecClient,
  property: string,
  propertiesSet = DEFAULT_PROPERTIES,
  objectEntity?: string,
): Promise<string> {
  const p = property.trim();
  if (isGuid(p)) return p.toLowerCase();
  let cache = propertyCache.get(client);
  if (!cache) propertyCache.set(client, (cache = new Map()));
  const key = `${propertiesSet}|${objectEntity ?? ''}|${p}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const found = await findProperty(client, p, { propertiesSet, objectEntity });
  cache.set(key, found.ref);
  return found.ref;
}

/**
 * Key forms tried for a record of the register: the composite key syntax is not established
 * (⚠ Dakword OData1C README, unverified; its one example writes the type unquoted: `Объект=<guid>,
 * Объект_Type=StandardODATA.X`). The form that worked is remembered per client.
 */
type KeyForm = 'guid' | 'string' | 'guid-bare-type' | 'bare';
const KEY_FORMS: readonly KeyForm[] = ['guid', 'string', 'guid-bare-type', 'bare'];
const keyForms = new WeakMap<OnecClient, KeyForm>();

function registerKey(form: KeyForm, objectEntity: string, objectRef: string, propertyRef: string): EntityKey {
  const type = `StandardODATA.${objectEntity}`;
  return {
    Объект: {
      value: objectRef,
      type: form === 'string' ? 'string' : form === 'bare' ? 'bare' : 'guid',
    },
    Объект_Type: { value: type, type: form === 'guid-bare-type' || form === 'bare' ? 'bare' : 'string' },
    Свойство_Key: { value: propertyRef, type: 'guid' },
  };
}

export interface RegisterWriteOptions {
  /** the object the value belongs to (e.g. Document_РеализацияТоваровУслуг) and its Ref_Key */
  objectEntity: string;
  objectRef: string;
  /** property GUID or name */
  property: string;
  value: unknown;
  register?: string;
  propertiesSet?: string;
  /** compute the value from the one 1C holds now (e.g. `mergeOutcome` for several ЧЗ documents) */
  merge?: (existing: unknown) => unknown;
}

/**
 * One 1C document may become several ЧЗ documents (one per product group, parts of a large one):
 * each writes its own line `[label] text` into the same value, the others' lines are kept.
 * Deterministic (lines sorted), so writing the same outcome twice changes nothing.
 */
export function mergeOutcome(existing: unknown, label: string, text: string): string {
  const mine = `[${label}] ${text}`;
  const lines = (typeof existing === 'string' ? existing : '')
    .split('\n')
    .filter((l) => l.startsWith('[') && !l.startsWith(`[${label}] `));
  const merged = [...lines, mine].sort().join('\n');
  return merged.length > MAX_VALUE_LENGTH ? merged.slice(0, MAX_VALUE_LENGTH) : merged;
}

/** Write (create or update) one additional-information record; no change when it already holds the value. */
export async function writeAdditionalInfo(client: OnecClient, o: RegisterWriteOptions): Promise<WriteResult> {
  const register = o.register ?? DEFAULT_REGISTER;
  assertWritable(register, 'register');
  checkIdentifier(o.objectEntity, 'entity');
  if (!isGuid(o.objectRef)) {
    throw new ZnakFlowError({
      code: 'ONEC_BAD_VALUE',
      field: 'ref',
      source: 'input',
      ru: `неверная ссылка на объект 1С «${String(o.objectRef)}»: нужен Ref_Key (GUID)`,
      en: `invalid 1C object reference "${String(o.objectRef)}": a Ref_Key (GUID) is required`,
    });
  }
  const objectRef = o.objectRef.toLowerCase();
  const propertyRef = await resolveProperty(client, o.property, o.propertiesSet, o.objectEntity);
  let value = normaliseValue(o.value);
  const result = (action: WriteAction): WriteResult => ({
    mode: 'register',
    action,
    entity: register,
    object: { entity: o.objectEntity, ref: objectRef },
    property: propertyRef,
    value,
  });
  const find = async (): Promise<ODataObject | undefined> => {
    const rows = await client.list(register, {
      filter: {
        and: [
          { field: 'Объект', op: 'eq', value: objectRef, type: 'ref', refType: o.objectEntity },
          { field: 'Свойство_Key', op: 'eq', value: propertyRef, type: 'guid' },
        ],
      },
      top: 1,
    });
    // Asked for one record of this object and property: more rows, or a row of another property, is
    // not an answer to this request (a spoiled or proxied answer) — never write on its strength.
    const row = rows.value[0];
    const otherProperty =
      row !== undefined &&
      typeof row['Свойство_Key'] === 'string' &&
      row['Свойство_Key'].toLowerCase() !== propertyRef.toLowerCase();
    if (rows.value.length > 1 || otherProperty || (row !== undefined && row['Свойство_Key'] === undefined)) {
      throw new ZnakFlowError({
        code: 'ONEC_BAD_RESPONSE',
        source: '1c',
        field: register,
        ru: `1С вернула ${rows.value.length} записей ${register} на запрос одной записи объекта и свойства`,
        en: `1C answered ${rows.value.length} records of ${register} to a request for the one record of the object and property`,
      });
    }
    return row;
  };
  const update = async (): Promise<WriteResult> => {
    const body = { Значение: value, Значение_Type: valueType(value) };
    const preferred = keyForms.get(client);
    const forms = preferred ? [preferred, ...KEY_FORMS.filter((f) => f !== preferred)] : KEY_FORMS;
    let lastErr: unknown;
    for (const form of forms) {
      try {
        await client.patch(register, registerKey(form, o.objectEntity, objectRef, propertyRef), body);
        keyForms.set(client, form);
        return result('updated');
      } catch (err) {
        if (
          !(err instanceof ZnakFlowError) ||
          (err.code !== 'ONEC_BAD_REQUEST' && err.code !== 'ONEC_NOT_FOUND')
        )
          throw err;
        lastErr = err;
      }
    }
    throw lastErr;
  };
  const existing = await find();
  if (o.merge) value = normaliseValue(o.merge(existing?.['Значение']));
  if (existing) return same(existing['Значение'], value) ? result('unchanged') : update();
  try {
    await client.create(register, {
      Объект: objectRef,
      Объект_Type: `StandardODATA.${o.objectEntity}`,
      Свойство_Key: propertyRef,
      Значение: value,
      Значение_Type: valueType(value),
    });
    return result('created');
  } catch (err) {
    // Another writer created it between our read and our write: update instead. 1C's answer to a
    // duplicate register record is a 400 whose code is not established (⚠ live: odata1c-gate P9, «запись
    // с такими значениями уже существует»; code 15 is the documented "key exists"): any 400 after
    // which the record is there, or whose text says it exists, is taken for one.
    if (err instanceof ZnakFlowError && err.code === 'ONEC_BAD_REQUEST') {
      const duplicate =
        err.details?.[0]?.code === '1C_15' || /уже существует|already exists/i.test(err.remoteText ?? '');
      const again = await find();
      if (again || duplicate) {
        if (o.merge) value = normaliseValue(o.merge(again?.['Значение']));
        if (again && same(again['Значение'], value)) return result('unchanged');
        return update();
      }
    }
    throw err;
  }
}

export interface PatchWriteOptions {
  entity: string;
  ref: string;
  attribute: string;
  value: unknown;
  /** compute the value from the one 1C holds now (see `mergeOutcome`) */
  merge?: (existing: unknown) => unknown;
}

/** PATCH one attribute of an object, reading it first: no write when it already holds the value. */
export async function patchAttribute(client: OnecClient, o: PatchWriteOptions): Promise<WriteResult> {
  assertWritable(o.entity, 'entity');
  checkIdentifier(o.attribute, 'attribute');
  if (!isGuid(o.ref)) {
    throw new ZnakFlowError({
      code: 'ONEC_BAD_VALUE',
      field: 'ref',
      source: 'input',
      ru: `неверная ссылка на объект 1С «${String(o.ref)}»: нужен Ref_Key (GUID)`,
      en: `invalid 1C object reference "${String(o.ref)}": a Ref_Key (GUID) is required`,
    });
  }
  const ref = o.ref.toLowerCase();
  const current = await client.get(o.entity, ref, { select: ['Ref_Key', o.attribute] });
  const now =
    typeof current[o.attribute] === 'string' ? String(current[o.attribute]).trimEnd() : current[o.attribute];
  const value = normaliseValue(o.merge ? o.merge(now) : o.value);
  const base: Omit<WriteResult, 'action'> = {
    mode: 'patch',
    entity: o.entity,
    object: { entity: o.entity, ref },
    attribute: o.attribute,
    value,
  };
  if (
    same(
      typeof current[o.attribute] === 'string'
        ? String(current[o.attribute]).trimEnd()
        : current[o.attribute],
      value,
    )
  ) {
    return { ...base, action: 'unchanged' };
  }
  await client.patch(o.entity, ref, { [o.attribute]: value });
  return { ...base, action: 'updated' };
}
