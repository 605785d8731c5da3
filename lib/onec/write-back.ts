/**
 * What `onec-write` does with a message (docs/message-contract.md): the outcome of cz-status as a
 * value in 1C's vocabulary, one line per ЧЗ document when a 1C document became several, the write
 * into the additional-information register or an attribute (lib/onec/write.ts), and the answer of
 * the editor's «Check» of a property name. No Node-RED here.
 */
import { redact } from '../redact';
import type { OnecClient } from './client';
import type { PropertyCandidate, PropertyReport } from './property';
import { CODES_CATALOG, type CodesWrite } from './codes-catalog';
import { mergeOutcome, outcomeText, patchAttribute, writeAdditionalInfo, type WriteResult } from './write';

/** The outcome a write-back reports: cz-status's status, document id and errors, the check's errors. */
export interface OutcomeInput {
  czStatus?: unknown;
  documentId?: unknown;
  errors?: unknown;
  /** msg.errors of a document refused before sending (validation) */
  invalid?: unknown;
}

/** The outcome as one status text in 1C's vocabulary (`outcomeText`). */
export function outcomeValue(o: OutcomeInput): string {
  return outcomeText({
    status: o.czStatus === undefined ? undefined : String(o.czStatus),
    documentId: o.documentId === undefined ? undefined : String(o.documentId),
    errors: o.errors,
    invalid: Array.isArray(o.invalid) ? (o.invalid as unknown[]) : undefined,
  });
}

/**
 * The line label of one ЧЗ document when its 1C document became several (by product group, and
 * `2/3` when a group was split): `lp 2/3`; '' for a document sent whole.
 */
export function outcomeLabel(cz: unknown): string {
  const c = (cz && typeof cz === 'object' ? cz : {}) as Record<string, unknown>;
  const total = Number(c['total'] ?? 1);
  const parts = Number(c['parts'] ?? 1);
  return (total > 1 || parts > 1) && typeof c['productGroup'] === 'string'
    ? `${c['productGroup']}${parts > 1 ? ` ${Number(c['part'] ?? 1)}/${parts}` : ''}`
    : '';
}

/** Where and what a write-back writes. */
export interface WriteBackSpec {
  mode: 'register' | 'patch';
  entity: string;
  ref: string;
  value?: unknown;
  /** patch: the attribute */
  attribute: string;
  /** register: the register, the properties' set and the property (GUID or name) */
  register?: string;
  propertiesSet?: string;
  property: string;
}

/**
 * Write the outcome: an attribute (`patch`) or the additional-information register; with a
 * `label`, the value keeps the other documents' lines (`mergeOutcome`).
 */
export function writeBack(client: OnecClient, s: WriteBackSpec, label = ''): Promise<WriteResult> {
  const merge = label ? (existing: unknown) => mergeOutcome(existing, label, String(s.value)) : undefined;
  return s.mode === 'patch'
    ? patchAttribute(client, { entity: s.entity, ref: s.ref, attribute: s.attribute, value: s.value, merge })
    : writeAdditionalInfo(client, {
        register: s.register,
        propertiesSet: s.propertiesSet,
        objectEntity: s.entity,
        objectRef: s.ref,
        property: s.property,
        value: s.value,
        merge,
      });
}

/** `msg.onec.write` of codes written into the codes catalog. */
export function codesWriteResult(w: CodesWrite): WriteResult {
  return {
    mode: 'codes',
    action: w.created > 0 ? 'created' : 'unchanged',
    entity: CODES_CATALOG,
    object: { entity: CODES_CATALOG, ref: '' },
    value: w.refs.length,
    codes: { created: w.created, present: w.present },
  };
}

function candidateView(c: PropertyCandidate): Record<string, unknown> {
  return {
    ref: c.ref,
    title: c.title,
    description: c.description,
    name: c.name,
    formulaId: c.formulaId,
    set: c.set ? c.set.description || c.set.predefinedName : '',
    setRef: c.setRef,
    level: c.level,
    matchedBy: c.matchedBy,
    belongs: c.belongs,
  };
}

/** The editor's «Check» answer for a property report: the property chosen and why, or the error. */
export function propertyCheckView(entity: string, report: PropertyReport): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ok: report.ok,
    entity,
    candidates: report.candidates.map(candidateView),
  };
  if (report.resolution) {
    out['ref'] = report.resolution.ref;
    out['reason'] = report.resolution.reason;
    if (report.resolution.chosen) out['chosen'] = candidateView(report.resolution.chosen);
    if (report.resolution.warning) out['warning'] = report.resolution.warning;
  }
  if (report.error) {
    out['code'] = report.error.code;
    out['message'] = redact(report.error.message);
  }
  return out;
}
