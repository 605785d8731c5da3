/**
 * The reads of `onec-read`'s «query» and «by reference» modes, and what they build into
 * `msg.onec`: which entity and layout a read targets, the OData query (1C guide §17.4 «Стандартный
 * интерфейс OData»: $filter, $select, $orderby, $top, $expand), paging, batched resolution of
 * documents (lib/onec/resolve.ts) and the metadata of each object. No Node-RED here: the node
 * evaluates its typed fields, calls these and sends.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { ZnakFlowError } from '../errors';
import { isReferenceSet, type OnecClient } from './client';
import { headerExpand, onecMeta } from './documents';
import { kindOfEntity, resolveLayout, type ResolvedLayout } from './presets';
import { checkIdentifier, isGuid, type Condition, type QueryOptions } from './query';
import { resolveDocuments, type OnecCode, type OnecItem } from './resolve';
import type { ODataObject } from './schemas';
import { setOnec, type FlowMessage } from '../message';

/** What a read names: a preset, a document kind and/or an explicit entity set. */
export interface ReadSpec {
  preset: string;
  /** document kind of the preset (`sales`, …); '' to take it from the entity */
  kind: string;
  /** entity set (`Document_РеализацияТоваровУслуг`); '' for the kind's default */
  entity: string;
}

/** The entity set a read goes to and the layout its documents are read with. */
export interface ReadTarget {
  entity: string;
  layout: ResolvedLayout;
}

/**
 * The entity and layout of a read: the kind (given, or found from the entity in the preset), the
 * preset's layout with the node's overrides, and the entity checked as an OData identifier.
 */
export function readTarget(spec: ReadSpec, overrides: Record<string, string> = {}): ReadTarget {
  const kind = spec.kind || (spec.entity ? kindOfEntity(spec.preset, spec.entity) : undefined);
  const layout = resolveLayout(spec.preset, kind, overrides);
  const entity = checkIdentifier(spec.entity || layout.document.entity, 'entity');
  return { entity, layout };
}

/** True for a document entity set (resolution and the document layout apply only to these). */
export function isDocumentEntity(entity: string): boolean {
  return entity.startsWith('Document_');
}

/** One object read, with its codes, items and warnings when it was resolved as a document. */
export interface ReadDocument {
  payload: ODataObject;
  codes: OnecCode[];
  warnings: string[];
  items?: Record<string, OnecItem>;
}

/** A query read: filter rows (and a raw filter), fields, order, a limit and whether to resolve. */
export interface QuerySpec {
  conditions: Condition[];
  rawFilter?: string;
  select: string[];
  orderby: string[];
  top?: number;
  /** resolve documents (references, codes) when no $select narrows them */
  resolve: boolean;
}

/** Whether a read of `entity` resolves its objects as documents. */
export function resolvesDocuments(entity: string, spec: Pick<QuerySpec, 'resolve' | 'select'>): boolean {
  return spec.resolve && isDocumentEntity(entity) && spec.select.length === 0;
}

/**
 * The OData query of a query read: conditions joined with `and` (the raw filter last), the
 * fields, the order (documents by Date unless told), the header references expanded when the
 * documents are resolved.
 */
export function readQueryOptions(target: ReadTarget, spec: QuerySpec): QueryOptions {
  const conditions = [...spec.conditions];
  if (spec.rawFilter !== undefined) conditions.push({ raw: spec.rawFilter });
  const isDoc = isDocumentEntity(target.entity);
  return {
    filter: conditions.length > 0 ? { and: conditions } : undefined,
    select: spec.select.length > 0 ? spec.select : undefined,
    orderby: spec.orderby.length > 0 ? spec.orderby : isDoc ? ['Date'] : undefined,
    expand: resolvesDocuments(target.entity, spec) ? headerExpand(target.layout) : undefined,
  };
}

/** The outcome of a query read. */
export interface QueryRead {
  /** the objects read (resolved ones first-class), in the order 1C returned them */
  documents: ReadDocument[];
  /** documents that could not be resolved, each with its error and the row 1C returned */
  failures: Array<{ error: unknown; source: ODataObject }>;
  /** the layout for msg.onec: the document layout for documents, none for other sets */
  layout: ResolvedLayout | undefined;
}

/**
 * Run a query read: one page with $top when a limit is given (reference sets page through
 * `listAll`, since 1C may cut them), all pages otherwise; then the documents resolved in batches.
 */
export async function readQuery(client: OnecClient, target: ReadTarget, spec: QuerySpec): Promise<QueryRead> {
  const { entity, layout } = target;
  const query = readQueryOptions(target, spec);
  const rows =
    isReferenceSet(entity) || spec.top === undefined
      ? await client.listAll(entity, query, { limit: spec.top })
      : (await client.list(entity, { ...query, top: spec.top })).value;
  const documents: ReadDocument[] = [];
  const failures: QueryRead['failures'] = [];
  if (resolvesDocuments(entity, spec) && rows.length > 0) {
    for (const o of await resolveDocuments(client, rows, layout)) {
      if (o.ok) documents.push(o.doc);
      else failures.push({ error: o.error, source: o.source });
    }
  } else {
    for (const r of rows) documents.push({ payload: r, codes: [], warnings: [] });
  }
  return { documents, failures, layout: isDocumentEntity(entity) ? layout : undefined };
}

/** A 1C object reference (Ref_Key, a GUID), trimmed, or a clear ONEC_BAD_VALUE error naming `ref`. */
export function checkRef(ref: unknown): string {
  const r = typeof ref === 'string' ? ref.trim() : ref;
  if (!isGuid(r)) {
    throw new ZnakFlowError({
      code: 'ONEC_BAD_VALUE',
      field: 'ref',
      source: 'input',
      ru: `нужна ссылка на объект 1С (Ref_Key, GUID), получено: ${JSON.stringify(r) ?? 'undefined'}`,
      en: `a 1C object reference (Ref_Key, a GUID) is required, got: ${JSON.stringify(r) ?? 'undefined'}`,
    });
  }
  return r;
}

/**
 * Read one object by its reference; a document (without $select) is resolved like a query's.
 * Undefined when resolution left nothing (1C no longer has it); a resolution failure throws.
 */
export async function readByRef(
  client: OnecClient,
  target: ReadTarget,
  ref: unknown,
  spec: Pick<QuerySpec, 'select' | 'resolve'>,
): Promise<RefRead | undefined> {
  const { entity, layout } = target;
  const obj = await client.get(entity, checkRef(ref), {
    select: spec.select.length > 0 ? spec.select : undefined,
  });
  if (resolvesDocuments(entity, spec)) {
    const [o] = await resolveDocuments(client, [obj], layout);
    if (!o) return undefined;
    if (!o.ok) throw o.error;
    return { document: o.doc, layout };
  }
  return {
    document: { payload: obj, codes: [], warnings: [] },
    layout: isDocumentEntity(entity) ? layout : undefined,
  };
}

/** A by-reference read: the object and the layout for its msg.onec. */
export interface RefRead {
  document: ReadDocument;
  layout: ResolvedLayout | undefined;
}

/** `msg.onec` of one object read. */
export function documentMeta(
  entity: string,
  d: ReadDocument,
  layout: ResolvedLayout | undefined,
): ReturnType<typeof onecMeta> {
  return onecMeta(entity, d.payload, layout, d.codes, d.warnings, d.items);
}

/** `msg.onec` of a query read sent as one array: the entity, the count, each object's metadata. */
export function arrayMeta(
  entity: string,
  read: Pick<QueryRead, 'documents' | 'layout'>,
): { entity: string; count: number; documents: Array<ReturnType<typeof onecMeta>> } {
  return {
    entity,
    count: read.documents.length,
    documents: read.documents.map((d) => documentMeta(entity, d, read.layout)),
  };
}

/**
 * File of a watch's cursor: one per node and entity, under the state directory; the node id made
 * safe for a file name, the entity hashed (Cyrillic names and their length stay out of the path).
 */
export function watchStateFile(dir: string, nodeId: string, entity: string): string {
  const hash = crypto.createHash('sha1').update(entity).digest('hex').slice(0, 10);
  return path.join(dir, 'onec-read', `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${hash}.json`);
}

/** Local time as HH:MM:SS, for status lines («polled at 12:00:05»). */
export function clockTime(d = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A read document of which only the row 1C returned is known (a failed resolution). */
export function bareDocument(payload: unknown): ReadDocument {
  return { payload: payload as ODataObject, codes: [], warnings: [] };
}

/**
 * The message of one object read: a copy of `base` (`clone`: Node-RED's cloneMessage) without its
 * `_msgid` and `reset`, or a new one, with the object as payload, the entity as topic, its msg.onec.
 */
export function documentMessage<M extends FlowMessage>(
  base: M | undefined,
  clone: (m: M) => M,
  entity: string,
  doc: ReadDocument,
  layout: ResolvedLayout | undefined,
): M {
  const m = base ? clone(base) : ({} as M);
  delete m['_msgid'];
  delete m['reset'];
  m.topic = entity;
  m.payload = doc.payload;
  setOnec(m, documentMeta(entity, doc, layout));
  return m;
}

/**
 * What a query read sends: `array`, the input message itself with every object in its payload;
 * `each`, one message per object, a sequence (msg.parts `id`, nested in the input's own parts).
 */
export function queryMessages<M extends FlowMessage>(
  msg: M,
  clone: (m: M) => M,
  entity: string,
  read: QueryRead,
  output: 'each' | 'array',
  id: string,
): M[] {
  if (output === 'array') {
    msg.topic = entity;
    msg.payload = read.documents.map((d) => d.payload);
    setOnec(msg, arrayMeta(entity, read));
    return [msg];
  }
  const count = read.documents.length;
  return read.documents.map((d, index) => {
    const m = documentMessage(msg, clone, entity, d, read.layout);
    m.parts = { id, index, count, type: 'array', ...(msg.parts ? { parts: msg.parts } : {}) };
    return m;
  });
}

/** What a by-reference read sends: the input message with the object as payload and its msg.onec. */
export function refMessage<M extends FlowMessage>(msg: M, entity: string, r: RefRead): M {
  msg.payload = r.document.payload;
  setOnec(msg, documentMeta(entity, r.document, r.layout));
  msg.topic = entity;
  return msg;
}
