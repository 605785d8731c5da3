/**
 * Output of the emulator in 1C's forms: JSON (minimal/no/full metadata), Atom XML, the service
 * document and `$metadata` (EDMX, CSDL v3, as real 1C publishes it: container `EnterpriseV8`,
 * namespace `StandardODATA`, associations without association sets, bound Post/Unpost).
 */
import { ODataFault } from './filter';
import { navOf, propertyNames, type EntitySetDef, type FieldDef, type SetInfo } from './schema';
import type { OnecStore, Rec } from './store';

export type MetaLevel = 'minimal' | 'none' | 'full';

/** `$select` parsed for one level: fields, tables with their fields, nav paths (for expansion). */
export interface SelectSpec {
  all: boolean;
  noTables: boolean;
  fields: Set<string>;
  tables: Map<string, Set<string> | 'all'>;
  /** nav property → sub-select (what to select inside the expanded object) */
  navs: Map<string, string[]>;
}

export interface ExpandTree {
  [nav: string]: ExpandTree;
}

const xmlEsc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const pathNotFound = (name: string): ODataFault =>
  new ODataFault(400, '6', `Сегмент пути ${name} не найден!`);

function fieldsOf(info: SetInfo): FieldDef[] {
  return info.table ? info.table.fields : info.def.fields;
}

function findField(info: SetInfo, name: string): FieldDef | undefined {
  const base = name.endsWith('_Type') ? name.slice(0, -5) : name;
  const f = fieldsOf(info).find((x) => x.name === name || (x.composite && x.name === base));
  if (f) return f;
  if (info.table && (name === 'Ref_Key' || name === 'LineNumber')) {
    return name === 'Ref_Key' ? { name, type: 'Edm.Guid', ref: info.def.name } : { name, type: 'Edm.Int64' };
  }
  return undefined;
}

/** Parse `$select` against a set (400 code 6, echoing the name, for unknown fields). */
export function parseSelect(info: SetInfo, items: string[] | undefined): SelectSpec {
  const spec: SelectSpec = {
    all: !items || items.length === 0,
    noTables: false,
    fields: new Set(),
    tables: new Map(),
    navs: new Map(),
  };
  if (!items) return spec;
  for (const raw of items) {
    const item = raw.trim();
    if (!item) continue;
    if (item === '*') {
      spec.all = true;
      continue;
    }
    if (item === '**') {
      spec.all = true;
      spec.noTables = true;
      continue;
    }
    if (item === 'Presentation' || item.endsWith('____Presentation')) continue;
    const [head, ...rest] = item.split('/');
    const h = head!;
    const table = info.table ? undefined : info.def.tables.find((t) => t.name === h);
    if (table) {
      if (rest.length === 0) spec.tables.set(h, 'all');
      else {
        const sub = rest.join('/');
        if (
          !table.fields.some((f) => f.name === sub || propertyNames([f]).includes(sub)) &&
          sub !== 'LineNumber' &&
          sub !== 'Ref_Key'
        ) {
          throw pathNotFound(sub);
        }
        const cur = spec.tables.get(h);
        if (cur !== 'all') spec.tables.set(h, new Set([...(cur ?? []), sub]));
      }
      continue;
    }
    const navField = fieldsOf(info).find((f) => navOf(f) === h || (f.composite && f.name === h));
    if (rest.length > 0 && navField) {
      const cur = spec.navs.get(h) ?? [];
      cur.push(rest.join('/'));
      spec.navs.set(h, cur);
      continue;
    }
    if (rest.length === 0 && navField && navOf(navField) === h) {
      spec.navs.set(h, [...(spec.navs.get(h) ?? []), '*']);
      continue;
    }
    if (rest.length > 0 || !findField(info, h)) throw pathNotFound(h);
    spec.fields.add(h);
  }
  return spec;
}

/** Parse `$expand=A,B/C,X/Document_Y/Z` into a tree. */
export function parseExpand(info: SetInfo, expr: string | undefined): ExpandTree {
  const tree: ExpandTree = {};
  if (!expr) return tree;
  for (const raw of expr.split(',')) {
    const path = raw.trim();
    if (!path) continue;
    const segs = path.split('/');
    let node = tree;
    for (const s of segs) {
      node[s] = node[s] ?? {};
      node = node[s]!;
    }
    const head = segs[0]!;
    if (head === '*') continue;
    if (!info.table && info.def.tables.some((t) => t.name === head)) {
      throw new ODataFault(400, '0', 'Возможность не поддерживается: расширение реквизитов табличных частей');
    }
    const f = fieldsOf(info).find((x) => navOf(x) === head || (x.composite && x.name === head));
    if (!f) throw pathNotFound(head);
  }
  return tree;
}

export interface SerializeContext {
  store: OnecStore;
  meta: MetaLevel;
  serviceRoot: string;
}

/** The canonical path of a record (`Set(guid'…')`, `Set_Table(Ref_Key=guid'…',LineNumber=1)`, register keys). */
export function canonicalPath(setName: string, info: SetInfo, rec: Rec): string {
  if (info.table)
    return `${setName}(Ref_Key=guid'${String(rec['Ref_Key'])}',LineNumber=${String(rec['LineNumber'])})`;
  if (info.def.kind === 'InformationRegister') {
    const parts = info.def.key.map((k) => {
      const f = findField(info, k);
      const v = String(rec[k] ?? '');
      return f?.type === 'Edm.Guid' ? `${k}=guid'${v}'` : `${k}='${v.replace(/'/g, "''")}'`;
    });
    return `${setName}(${parts.join(',')})`;
  }
  return `${setName}(guid'${String(rec['Ref_Key'])}')`;
}

/** One record as 1C's JSON, after `$select`/`$expand`. */
export function toJson(
  ctx: SerializeContext,
  setName: string,
  rec: Rec,
  select: SelectSpec,
  expand: ExpandTree,
  depth = 0,
): Rec {
  const info = ctx.store.sets.get(setName)!;
  const out: Rec = {};
  const self = canonicalPath(setName, info, rec);
  const fields = fieldsOf(info);
  const names = info.table ? ['Ref_Key', 'LineNumber', ...propertyNames(fields)] : propertyNames(fields);
  const links: Array<[string, string]> = [];
  const expanded: Array<[string, Rec | null]> = [];
  for (const name of names) {
    if (!select.all && !select.fields.has(name)) continue;
    out[name] = rec[name];
  }
  if (!info.table) {
    for (const t of info.def.tables) {
      const wanted = select.all && !select.noTables ? 'all' : select.tables.get(t.name);
      if (!wanted) continue;
      const rowInfo = ctx.store.sets.get(`${setName}_${t.name}`)!;
      const rows = Array.isArray(rec[t.name]) ? (rec[t.name] as Rec[]) : [];
      out[t.name] = rows.map((row) => {
        const r: Rec = {};
        for (const n of ['LineNumber', ...propertyNames(t.fields)]) {
          if (wanted === 'all' || wanted.has(n)) r[n] = row[n];
        }
        if (ctx.meta !== 'none') {
          for (const f of t.fields) {
            const nav = navOf(f);
            if (nav && (wanted === 'all' || wanted.has(f.name))) {
              r[`${nav}@navigationLinkUrl`] = `${canonicalPath(`${setName}_${t.name}`, rowInfo, row)}/${nav}`;
            }
          }
        }
        return r;
      });
    }
  }
  for (const f of fields) {
    const nav = navOf(f);
    if (!nav) continue;
    const wantsExpand = expand[nav] !== undefined || expand['*'] !== undefined;
    const inSelect = select.all ? true : select.navs.has(nav);
    if (!(f.name in out) && !(wantsExpand && inSelect)) continue;
    if (wantsExpand && inSelect && depth < 4) {
      const target = ctx.store.find(f.ref!, String(rec[f.name] ?? ''));
      const subSelect = parseSelect(
        ctx.store.sets.get(f.ref!)!,
        select.navs.get(nav)?.filter((s) => s !== '*'),
      );
      if ((select.navs.get(nav) ?? []).includes('*')) subSelect.all = true;
      expanded.push([
        nav,
        target ? toJson(ctx, f.ref!, target, subSelect, expand[nav] ?? {}, depth + 1) : null,
      ]);
    } else if (ctx.meta !== 'none') {
      links.push([`${nav}@navigationLinkUrl`, `${self}/${nav}`]);
    }
  }
  for (const [k, v] of expanded) out[k] = v;
  for (const [k, v] of links) out[k] = v;
  if (ctx.meta === 'full') {
    out['odata.type'] = `StandardODATA.${info.table ? `${setName}_RowType` : setName}`;
    out['odata.id'] = `${ctx.serviceRoot}${self}`;
    out['odata.editLink'] = self;
  }
  return out;
}

// ---------------------------------------------------------------- Atom XML (when $format is absent)

function atomValue(name: string, v: unknown, f: FieldDef | undefined): string {
  if (v === null || v === undefined) return `<d:${name} m:null="true"/>`;
  const type = f && f.type !== 'Edm.String' && !f.composite ? ` m:type="${f.type}"` : '';
  return `<d:${name}${type}>${xmlEsc(String(v))}</d:${name}>`;
}

export function atomProperties(info: SetInfo, setName: string, json: Rec): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(json)) {
    if (k.includes('@') || k.startsWith('odata.')) continue;
    if (Array.isArray(v)) {
      const rowType = `StandardODATA.${setName}_${k}_RowType`;
      const rows = v
        .map((row: Rec) => {
          const inner = Object.entries(row)
            .filter(([rk]) => !rk.includes('@'))
            .map(([rk, rv]) => atomValue(rk, rv, undefined))
            .join('');
          return `<d:element m:type="${rowType}">${inner}</d:element>`;
        })
        .join('');
      parts.push(`<d:${k} m:type="Collection(${rowType})">${rows}</d:${k}>`);
      continue;
    }
    if (v && typeof v === 'object') continue;
    parts.push(atomValue(k, v, findField(info, k)));
  }
  return `<m:properties>${parts.join('')}</m:properties>`;
}

export function atomEntry(ctx: SerializeContext, setName: string, rec: Rec, json: Rec, root = false): string {
  const info = ctx.store.sets.get(setName)!;
  const self = canonicalPath(setName, info, rec);
  const ns = root
    ? ' xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
    : '';
  const links = Object.entries(json)
    .filter(([k]) => k.endsWith('@navigationLinkUrl'))
    .map(([k, v]) => {
      const nav = k.replace('@navigationLinkUrl', '');
      return `<link rel="http://schemas.microsoft.com/ado/2007/08/dataservices/related/${xmlEsc(nav)}" href="${xmlEsc(String(v))}" type="application/atom+xml;type=entry" title="${xmlEsc(nav)}"/>`;
    })
    .join('');
  return (
    `<entry${ns}><id>${xmlEsc(ctx.serviceRoot + self)}</id>` +
    `<category term="StandardODATA.${xmlEsc(setName)}" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"/>` +
    `<title type="text"/><updated>${new Date().toISOString().slice(0, 19)}</updated><author/><summary/>` +
    `${links}<link rel="edit" href="${xmlEsc(self)}" title="edit link"/>` +
    `<content type="application/xml">${atomProperties(info, setName, json)}</content></entry>`
  );
}

export function atomFeed(
  ctx: SerializeContext,
  setName: string,
  entries: Array<[Rec, Rec]>,
  count?: number,
): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0" ' +
    'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" ' +
    `xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xml:base="${xmlEsc(ctx.serviceRoot)}">` +
    `<id>${xmlEsc(ctx.serviceRoot + setName)}</id><title type="text">${xmlEsc(setName)}</title>` +
    `<updated>${new Date().toISOString().slice(0, 19)}</updated><author/>` +
    entries.map(([rec, json]) => atomEntry(ctx, setName, rec, json)).join('') +
    (count !== undefined ? `<m:count>${count}</m:count>` : '') +
    '</feed>'
  );
}

export function errorXml(code: string, message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><m:code>${xmlEsc(code)}</m:code>` +
    `<m:message>${xmlEsc(message)}</m:message></m:error>`
  );
}

// ---------------------------------------------------------------- service document and $metadata

export function serviceDocumentJson(serviceRoot: string, sets: string[]): Rec {
  return { 'odata.metadata': `${serviceRoot}$metadata`, value: sets.map((s) => ({ name: s, url: s })) };
}

export function serviceDocumentXml(serviceRoot: string, sets: string[]): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<service xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom" xml:base="${xmlEsc(serviceRoot)}">` +
    '<workspace><atom:title>Default</atom:title>' +
    sets
      .map((s) => `<collection href="${xmlEsc(s)}"><atom:title>${xmlEsc(s)}</atom:title></collection>`)
      .join('') +
    '</workspace></service>'
  );
}

function propXml(f: FieldDef, key: boolean): string {
  const nullable = key ? 'false' : 'true';
  if (f.composite) {
    return (
      `<Property Name="${xmlEsc(f.name)}" Type="Edm.String" Nullable="true"/>` +
      `<Property Name="${xmlEsc(f.name)}_Type" Type="Edm.String" Nullable="true"/>`
    );
  }
  const len = f.type === 'Edm.String' && f.length ? ` MaxLength="${f.length}"` : '';
  return `<Property Name="${xmlEsc(f.name)}" Type="${f.type}" Nullable="${nullable}"${len}/>`;
}

/** `$metadata` of the emulated publication (only the sets of the composition). */
export function metadataXml(defs: EntitySetDef[], published: (name: string) => boolean): string {
  const types: string[] = [];
  const complex: string[] = [];
  const assoc: string[] = [];
  const sets: string[] = [];
  const functions: string[] = [];
  const navXml = (owner: string, f: FieldDef): string => {
    const nav = navOf(f);
    if (!nav || !f.ref) return '';
    const name = `${owner}_${nav}`;
    assoc.push(
      `<Association Name="${xmlEsc(name)}"><End Role="Begin" Type="StandardODATA.${xmlEsc(owner)}" Multiplicity="*"/>` +
        `<End Role="End" Type="StandardODATA.${xmlEsc(f.ref)}" Multiplicity="0..1"/></Association>`,
    );
    return `<NavigationProperty Name="${xmlEsc(nav)}" Relationship="StandardODATA.${xmlEsc(name)}" FromRole="Begin" ToRole="End"/>`;
  };
  for (const d of defs) {
    if (!published(d.name)) continue;
    const keys = d.key.map((k) => `<PropertyRef Name="${xmlEsc(k)}"/>`).join('');
    const props = d.fields.map((f) => propXml(f, d.key.includes(f.name))).join('');
    const tabs = d.tables
      .map(
        (t) =>
          `<Property Name="${xmlEsc(t.name)}" Type="Collection(StandardODATA.${xmlEsc(d.name)}_${xmlEsc(t.name)}_RowType)" Nullable="true"/>`,
      )
      .join('');
    const navs = d.fields.map((f) => navXml(d.name, f)).join('');
    types.push(
      `<EntityType Name="${xmlEsc(d.name)}" OpenType="true"><Key>${keys}</Key>${props}${tabs}${navs}</EntityType>`,
    );
    sets.push(`<EntitySet Name="${xmlEsc(d.name)}" EntityType="StandardODATA.${xmlEsc(d.name)}"/>`);
    for (const t of d.tables) {
      const rowSet = `${d.name}_${t.name}`;
      const rowProps = t.fields.map((f) => propXml(f, false)).join('');
      complex.push(
        `<ComplexType Name="${xmlEsc(rowSet)}_RowType"><Property Name="LineNumber" Type="Edm.Int64" Nullable="false"/>${rowProps}</ComplexType>`,
      );
      const rowNavs = t.fields.map((f) => navXml(rowSet, f)).join('');
      types.push(
        `<EntityType Name="${xmlEsc(rowSet)}"><Key><PropertyRef Name="Ref_Key"/><PropertyRef Name="LineNumber"/></Key>` +
          `<Property Name="Ref_Key" Type="Edm.Guid" Nullable="false"/><Property Name="LineNumber" Type="Edm.Int64" Nullable="false"/>${rowProps}${rowNavs}</EntityType>`,
      );
      sets.push(`<EntitySet Name="${xmlEsc(rowSet)}" EntityType="StandardODATA.${xmlEsc(rowSet)}"/>`);
    }
    if (d.kind === 'Document') {
      for (const fn of ['Post', 'Unpost']) {
        functions.push(
          `<FunctionImport Name="${fn}" IsBindable="true" IsSideEffecting="true">` +
            `<Parameter Name="bindingParameter" Type="StandardODATA.${xmlEsc(d.name)}"/>` +
            `<Parameter Name="PostingModeOperational" Type="Edm.Boolean"/></FunctionImport>`,
        );
      }
    }
    if (d.kind === 'InformationRegister') {
      functions.push(
        `<FunctionImport Name="SliceLast" ReturnType="Collection(StandardODATA.${xmlEsc(d.name)})" IsBindable="true" IsSideEffecting="false">` +
          `<Parameter Name="bindingParameter" Type="Collection(StandardODATA.${xmlEsc(d.name)})"/>` +
          `<Parameter Name="Condition" Type="Edm.String"/></FunctionImport>`,
      );
    }
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">' +
    '<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" m:DataServiceVersion="3.0">' +
    '<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="StandardODATA">' +
    `<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">${sets.join('')}${functions.join('')}</EntityContainer>` +
    types.join('') +
    complex.join('') +
    assoc.join('') +
    '</Schema></edmx:DataServices></edmx:Edmx>'
  );
}
