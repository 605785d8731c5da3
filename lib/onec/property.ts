/**
 * Finding the additional property («дополнительное сведение» of БСП) a status is written to, the
 * way a person recognises it.
 *
 * In a БСП base (1С:БСП, subsystem «Свойства», ПВХ ДополнительныеРеквизитыИСведения) the property
 * an administrator creates under *Администрирование → Общие настройки → Дополнительные реквизиты и
 * сведения* keeps what was typed in `Заголовок`; its `Description` is «<Заголовок> (<набор
 * свойств>)» for a property of one set (the bare title for a common property); `Имя` may be
 * generated (`<title as identifier>_<hex>`) or empty; newer БСП adds `ИдентификаторДляФормул`,
 * made from the title (non-name characters dropped, `2`, `3` appended when taken). A name given in
 * a flow is therefore looked for in all of them:
 *
 * 1. exact: `Заголовок`, `Имя`, `ИдентификаторДляФормул`, `Description`, `Description` without its
 *    « (…)» suffix — compared without regard to case and spaces (the title written as an
 *    identifier is the title);
 * 2. prefix: `Имя` or `ИдентификаторДляФормул` that starts with the name and `_`
 *    (`СтатусЧестныйЗнак` finds a generated `СтатусЧестныйЗнак_a1b2…`).
 *
 * Only additional information (`ЭтоДополнительноеСведение`), never deletion-marked. Several at the
 * best level: the one whose property set (`НаборСвойств_Key` → Catalog_НаборыДополнительныхРеквизитовИСведений,
 * predefined name `Документ_<Вид>` or the kind's presentation) is the set of the document's kind
 * wins, else a common property; otherwise a catchable error names the candidates (GUID, title,
 * set) so that the administrator can pin one by GUID.
 *
 * One request lists the additional information (`$select` of the fields above, paged only in
 * bases with hundreds of properties) and one more reads the sets when several candidates are
 * left: matching by case, spaces and identifier form cannot be written as a 1C `$filter`. A field
 * the base does not publish (older БСП: no `ИдентификаторДляФормул`, no `Заголовок`) is dropped
 * and the request made again; which fields a base has is remembered per client.
 */
import { ZnakFlowError, type ErrorDetail } from '../errors';
import type { OnecClient } from './client';
import { checkIdentifier, isEmptyRef, isGuid, type Condition } from './query';
import type { ODataObject } from './schemas';

export const PROPERTY_SETS = 'Catalog_НаборыДополнительныхРеквизитовИСведений';

/** Fields of the properties chart a base may lack (in the order they are given up). */
const OPTIONAL_PROPERTY_FIELDS = [
  'ИдентификаторДляФормул',
  'Заголовок',
  'Имя',
  'НаборСвойств_Key',
  'ЭтоДополнительноеСведение',
] as const;
const OPTIONAL_SET_FIELDS = ['ИмяПредопределенногоНабора', 'PredefinedDataName'] as const;

/** The 1C metadata prefix of a kind of object, as БСП names its sets (`Документ_РеализацияТоваровУслуг`). */
const KIND_PREFIX: Record<string, string> = {
  Document: 'Документ',
  Catalog: 'Справочник',
  BusinessProcess: 'БизнесПроцесс',
  Task: 'Задача',
  ChartOfCharacteristicTypes: 'ПланВидовХарактеристик',
  ChartOfAccounts: 'ПланСчетов',
  ChartOfCalculationTypes: 'ПланВидовРасчета',
  ExchangePlan: 'ПланОбмена',
};

/** Short words a presentation has and a metadata name may lack («Реализация товаров и услуг»). */
const STOP_WORDS = new Set([
  'и',
  'в',
  'во',
  'на',
  'с',
  'со',
  'по',
  'от',
  'из',
  'к',
  'ко',
  'для',
  'о',
  'об',
  'у',
  'за',
  'без',
  'до',
]);

export type MatchLevel = 'exact' | 'prefix';

export interface PropertySetInfo {
  ref: string;
  description: string;
  /** `ИмяПредопределенногоНабора` (newer БСП) or `PredefinedDataName` (older), when published */
  predefinedName: string;
}

export interface PropertyCandidate {
  ref: string;
  description: string;
  title: string;
  name: string;
  formulaId: string;
  /** `НаборСвойств_Key`; empty for a common property (or when the base does not publish it) */
  setRef: string;
  set?: PropertySetInfo;
  level: MatchLevel;
  /** the fields that matched, e.g. `Заголовок`, `Description (без «(…)»)`, `Имя_…` */
  matchedBy: string[];
  /** does its set belong to the document's kind: undefined when unknown (or a common property) */
  belongs?: boolean;
}

export interface PropertyResolution {
  ref: string;
  /** how it was chosen */
  reason: 'guid' | 'single' | 'set' | 'common';
  chosen?: PropertyCandidate;
  /** every candidate at the best level */
  candidates: PropertyCandidate[];
  /** e.g. the only candidate belongs to another kind's set */
  warning?: { ru: string; en: string };
}

export interface FindPropertyOptions {
  propertiesSet: string;
  /** entity set of the document the value belongs to (decides between candidates by their set) */
  objectEntity?: string;
  /** read the sets even for a single candidate (the check in the editor shows them) */
  describe?: boolean;
}

interface ClientState {
  /** fields the base does not publish, per entity set */
  missing: Map<string, Set<string>>;
}
const states = new WeakMap<OnecClient, ClientState>();
function stateOf(client: OnecClient): ClientState {
  let s = states.get(client);
  if (!s) states.set(client, (s = { missing: new Map() }));
  return s;
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();
/** The identifier form: only letters, digits and `_`, lower case (БСП's ИдентификаторДляФормул rule). */
const ident = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}_]/gu, '');
/** `Description` without its « (набор)» suffix, and the suffix. */
function splitDescription(d: string): { stem: string; suffix: string } {
  const m = /^(.*\S)\s*\(([^()]*)\)\s*$/.exec(d.trim());
  return m ? { stem: m[1]!, suffix: m[2]!.trim() } : { stem: d.trim(), suffix: '' };
}

/** Words of a presentation or a metadata name, lower case, short joining words left out. */
function kindKey(text: string, camel: boolean): string {
  let t = text.trim().replace(/^(Документ|Справочник)\s+/i, '');
  if (camel) t = t.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
  return t
    .split(/[^\p{L}\p{N}]+/u)
    .map((w) => w.toLowerCase())
    .filter((w) => w && !STOP_WORDS.has(w))
    .join('');
}

/** Does a set (or a Description suffix) belong to the kind of `entity`? */
function setBelongs(entity: string, set: { description: string; predefinedName: string }): boolean {
  const us = entity.indexOf('_');
  const kind = entity.slice(us + 1);
  const prefix = KIND_PREFIX[entity.slice(0, us)] ?? '';
  const want = `${prefix}_${kind}`.toLowerCase();
  const pn = set.predefinedName.trim().toLowerCase();
  if (pn) return pn === want || pn.startsWith(`${want}_`);
  return !!set.description && kindKey(set.description, false) === kindKey(kind, true);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** The name of a field that 1C says it does not know («Сегмент пути X не найден!»). */
function unknownField(err: unknown, candidates: readonly string[]): string | undefined {
  if (!(err instanceof ZnakFlowError) || err.code !== 'ONEC_BAD_REQUEST') return undefined;
  const text = `${err.remoteText ?? ''}`;
  return candidates.find((f) => new RegExp(`(^|[^\\p{L}\\p{N}_])${f}([^\\p{L}\\p{N}_]|$)`, 'u').test(text));
}

/**
 * A request naming optional fields: a 400 naming one of them (or any 400 while some are left,
 * when 1C does not say which) drops it and asks again; the fields found missing are remembered.
 */
async function tolerant<T>(
  client: OnecClient,
  entity: string,
  optional: readonly string[],
  run: (has: (f: string) => boolean) => Promise<T>,
): Promise<T> {
  const state = stateOf(client);
  let missing = state.missing.get(entity);
  if (!missing) state.missing.set(entity, (missing = new Set()));
  for (;;) {
    try {
      return await run((f) => !missing.has(f));
    } catch (err) {
      if (!(err instanceof ZnakFlowError) || err.code !== 'ONEC_BAD_REQUEST') throw err;
      const left = optional.filter((f) => !missing.has(f));
      const named = unknownField(err, left);
      if (named) missing.add(named);
      else if (left.length > 0 && err.details?.[0]?.code === '1C_6') missing.add(left[0]!);
      else throw err;
    }
  }
}

type PropertyFields = Pick<
  PropertyCandidate,
  'ref' | 'description' | 'title' | 'name' | 'formulaId' | 'setRef'
>;

function fieldsOf(row: ODataObject): PropertyFields {
  return {
    ref: str(row['Ref_Key']).toLowerCase(),
    description: str(row['Description']).trim(),
    title: str(row['Заголовок']).trim(),
    name: str(row['Имя']).trim(),
    formulaId: str(row['ИдентификаторДляФормул']).trim(),
    setRef: isEmptyRef(row['НаборСвойств_Key']) ? '' : str(row['НаборСвойств_Key']).toLowerCase(),
  };
}

function candidateOf(row: ODataObject, wanted: string): PropertyCandidate | undefined {
  const base = fieldsOf(row);
  const { ref, description, title, name, formulaId } = base;
  if (!isGuid(ref)) return undefined;
  const { stem } = splitDescription(description);
  const n = norm(wanted);
  const id = ident(wanted);
  const exact: string[] = [];
  const fields: Array<[string, string]> = [
    ['Заголовок', title],
    ['Имя', name],
    ['ИдентификаторДляФормул', formulaId],
    ['Description', description],
    ['Description без «(…)»', stem],
  ];
  for (const [label, value] of fields) {
    if (!value) continue;
    if (norm(value) === n || (id && ident(value) === id)) exact.push(label);
  }
  if (exact.length > 0) return { ...base, level: 'exact', matchedBy: [...new Set(exact)] };
  const prefix: string[] = [];
  for (const [label, value] of fields.slice(1, 3)) {
    if (!value) continue;
    if (norm(value).startsWith(`${n}_`) || (id && ident(value).startsWith(`${id}_`)))
      prefix.push(`${label}_…`);
  }
  if (prefix.length > 0) return { ...base, level: 'prefix', matchedBy: prefix };
  return undefined;
}

async function readSets(client: OnecClient, refs: string[]): Promise<Map<string, PropertySetInfo>> {
  const out = new Map<string, PropertySetInfo>();
  if (refs.length === 0) return out;
  let rows: ODataObject[];
  try {
    rows = await tolerant(client, PROPERTY_SETS, OPTIONAL_SET_FIELDS, (has) =>
      client.listAll(PROPERTY_SETS, {
        filter: { or: refs.map((r): Condition => ({ field: 'Ref_Key', op: 'eq', value: r, type: 'guid' })) },
        select: ['Ref_Key', 'Description', ...OPTIONAL_SET_FIELDS.filter(has)],
      }),
    );
  } catch (err) {
    // Sets not in the OData composition: the Description suffix tells the set instead.
    if (err instanceof ZnakFlowError && ['ONEC_NOT_PUBLISHED', 'ONEC_FORBIDDEN'].includes(err.code))
      return out;
    throw err;
  }
  for (const r of rows) {
    const ref = str(r['Ref_Key']).toLowerCase();
    out.set(ref, {
      ref,
      description: str(r['Description']).trim(),
      predefinedName: (str(r['ИмяПредопределенногоНабора']) || str(r['PredefinedDataName'])).trim(),
    });
  }
  return out;
}

function label(c: PropertyCandidate): string {
  const set = c.set?.description || splitDescription(c.description).suffix;
  return `${c.ref} «${c.title || c.description}»${set ? ` (${set})` : ''}`;
}

/**
 * The property chosen for `property` and every candidate at the best level. Throws a catchable
 * error (`ONEC_PROPERTY` none found, `ONEC_PROPERTY_AMBIGUOUS` several and nothing decides, the
 * candidates in `details`).
 */
export async function findProperty(
  client: OnecClient,
  property: string,
  o: FindPropertyOptions,
): Promise<PropertyResolution> {
  const r = await analyse(client, property, o);
  if (r.error) throw r.error;
  return r.resolution!;
}

export interface PropertyReport {
  ok: boolean;
  resolution?: PropertyResolution;
  candidates: PropertyCandidate[];
  error?: ZnakFlowError;
}

/**
 * What the check in the editor shows: the property a name resolves to (with its set), or why none,
 * and the candidates. A GUID is looked up too (title and set shown, or "not found").
 */
export async function describeProperty(
  client: OnecClient,
  property: string,
  o: Omit<FindPropertyOptions, 'describe'>,
): Promise<PropertyReport> {
  const p = property.trim();
  if (isGuid(p)) {
    const propertiesSet = checkIdentifier(o.propertiesSet, 'propertiesSet');
    let row: ODataObject;
    try {
      row = await tolerant(client, propertiesSet, OPTIONAL_PROPERTY_FIELDS, (has) =>
        client.get(propertiesSet, p.toLowerCase(), {
          select: ['Ref_Key', 'Description', 'DeletionMark', ...OPTIONAL_PROPERTY_FIELDS.filter(has)],
        }),
      );
    } catch (err) {
      if (err instanceof ZnakFlowError && err.code === 'ONEC_NOT_FOUND') {
        const error = new ZnakFlowError({
          code: 'ONEC_PROPERTY',
          field: 'property',
          source: '1c',
          ru: `дополнительного сведения с GUID ${p} нет в ${propertiesSet}`,
          en: `there is no additional property with GUID ${p} in ${propertiesSet}`,
        });
        return { ok: false, candidates: [], error };
      }
      throw err;
    }
    const c: PropertyCandidate = { ...fieldsOf(row), level: 'exact', matchedBy: ['Ref_Key'] };
    const sets = await readSets(client, c.setRef ? [c.setRef] : []);
    c.set = sets.get(c.setRef);
    if (o.objectEntity && c.set) c.belongs = setBelongs(o.objectEntity, c.set);
    const resolution: PropertyResolution = { ref: c.ref, reason: 'guid', chosen: c, candidates: [c] };
    if (row['DeletionMark'] === true || row['ЭтоДополнительноеСведение'] === false) {
      resolution.warning = {
        ru:
          row['DeletionMark'] === true
            ? 'сведение помечено на удаление'
            : 'это дополнительный реквизит, а не сведение',
        en:
          row['DeletionMark'] === true
            ? 'the property is marked for deletion'
            : 'this is an additional attribute, not additional information',
      };
    }
    return { ok: true, resolution, candidates: [c] };
  }
  const r = await analyse(client, p, { ...o, describe: true });
  return r.error
    ? { ok: false, candidates: r.candidates, error: r.error }
    : { ok: true, resolution: r.resolution, candidates: r.candidates };
}

async function analyse(
  client: OnecClient,
  property: string,
  o: FindPropertyOptions,
): Promise<{ resolution?: PropertyResolution; candidates: PropertyCandidate[]; error?: ZnakFlowError }> {
  const p = property.trim();
  const propertiesSet = checkIdentifier(o.propertiesSet, 'propertiesSet');
  if (!p) {
    throw new ZnakFlowError({
      code: 'ONEC_PROPERTY',
      field: 'property',
      source: 'config',
      ru: 'не задано дополнительное сведение (GUID или имя), куда записывать статус',
      en: 'no additional property (GUID or name) to write the status to',
    });
  }
  if (isGuid(p))
    return { resolution: { ref: p.toLowerCase(), reason: 'guid', candidates: [] }, candidates: [] };
  const rows = await tolerant(client, propertiesSet, OPTIONAL_PROPERTY_FIELDS, (has) => {
    const and: Condition[] = [{ field: 'DeletionMark', op: 'eq', value: false, type: 'boolean' }];
    if (has('ЭтоДополнительноеСведение'))
      and.push({ field: 'ЭтоДополнительноеСведение', op: 'eq', value: true, type: 'boolean' });
    return client.listAll(
      propertiesSet,
      {
        filter: { and },
        select: [
          'Ref_Key',
          'Description',
          ...OPTIONAL_PROPERTY_FIELDS.filter((f) => f !== 'ЭтоДополнительноеСведение' && has(f)),
        ],
      },
      { pageSize: 500, limit: 10000 },
    );
  });
  const all = rows.map((r) => candidateOf(r, p)).filter((c): c is PropertyCandidate => !!c);
  const best: MatchLevel | undefined = all.some((c) => c.level === 'exact')
    ? 'exact'
    : all.length > 0
      ? 'prefix'
      : undefined;
  const candidates = all.filter((c) => c.level === best);
  if (candidates.length === 0) {
    const error = new ZnakFlowError({
      code: 'ONEC_PROPERTY',
      field: 'property',
      source: '1c',
      ru: `дополнительное сведение «${p}» не найдено в ${propertiesSet} (искали по заголовку, имени, идентификатору для формул и наименованию, среди не помеченных на удаление дополнительных сведений). Создайте его в 1С: Администрирование → Общие настройки → Дополнительные реквизиты и сведения → «Дополнительные сведения» нужного вида документов, с заголовком «${p}», или укажите GUID`,
      en: `additional property "${p}" not found in ${propertiesSet} (looked for by title, name, formula identifier and description among additional information not marked for deletion); create it in 1C under Администрирование → Общие настройки → Дополнительные реквизиты и сведения → «Дополнительные сведения» of the document kind, titled "${p}", or give its GUID`,
    });
    return { candidates, error };
  }
  const entity = o.objectEntity;
  if (candidates.length > 1 || o.describe) {
    const sets = await readSets(client, [...new Set(candidates.map((c) => c.setRef).filter(Boolean))]);
    for (const c of candidates) c.set = c.setRef ? sets.get(c.setRef) : undefined;
  }
  if (entity) {
    for (const c of candidates) {
      if (c.set) c.belongs = setBelongs(entity, c.set);
      else {
        // The set not read (one candidate) or not published: its name is in the Description.
        const suffix = splitDescription(c.description).suffix;
        if (suffix) c.belongs = setBelongs(entity, { description: suffix, predefinedName: '' });
      }
    }
  }
  if (candidates.length === 1) {
    const c = candidates[0]!;
    const other = c.belongs === false && entity;
    const resolution: PropertyResolution = {
      ref: c.ref,
      reason: 'single',
      chosen: c,
      candidates,
      warning: other
        ? {
            ru: `сведение ${label(c)} относится к другому набору свойств, не к ${entity}: 1С покажет его только в документах этого набора`,
            en: `property ${label(c)} belongs to another property set than ${entity}'s: 1C shows it only in documents of that set`,
          }
        : undefined,
    };
    return { resolution, candidates };
  }
  if (entity) {
    const mine = candidates.filter((c) => c.belongs === true);
    if (mine.length === 1)
      return { resolution: { ref: mine[0]!.ref, reason: 'set', chosen: mine[0], candidates }, candidates };
    const common = candidates.filter(
      (c) =>
        mine.length === 0 && c.belongs === undefined && !c.setRef && !splitDescription(c.description).suffix,
    );
    if (common.length === 1)
      return {
        resolution: { ref: common[0]!.ref, reason: 'common', chosen: common[0], candidates },
        candidates,
      };
  }
  const shown = candidates.slice(0, 10).map(label);
  const more = candidates.length > shown.length ? ` … (${candidates.length})` : '';
  const details: ErrorDetail[] = candidates.slice(0, 50).map((c) => ({
    path: 'property',
    code: 'PROPERTY_CANDIDATE',
    message_ru: label(c),
    message_en: label(c),
  }));
  const error = new ZnakFlowError({
    code: 'ONEC_PROPERTY_AMBIGUOUS',
    field: 'property',
    source: '1c',
    details,
    ru: `дополнительному сведению «${p}» соответствуют несколько сведений${entity ? `, и набор свойств вида ${entity} не выбирает одно` : ''}: ${shown.join('; ')}${more}. Укажите нужное по GUID (или переименуйте лишние в 1С)`,
    en: `several additional properties match "${p}"${entity ? ` and the property set of ${entity} does not decide` : ''}: ${shown.join('; ')}${more}; give the right one by GUID (or rename the others in 1C)`,
  });
  return { candidates, error };
}
