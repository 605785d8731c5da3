/**
 * What a report on codes is made from (the suz-report node, docs/suz.md): the codes in
 * `msg.payload` (an array, or text with one code per line) or a block message of suz-order
 * (`msg.suz.blockId`, `msg.suz.productGroup`). Utilisation (нанесение, «СУЗ API v3» §4.4.11, full
 * codes with the check code), dropout (§4.4.12, `dropoutReason`) and aggregation (§4.4.13, units of
 * `unitSerialNumber` + `sntins`) — at most 30 000 codes per report.
 */
import { ZnakFlowError } from '../errors';
import { suzOf, type FlowMessage, type SuzReportMeta } from '../message';
import { canonical, sha, type ReportEntry } from './journal';
import type { AggregationInput, DropoutInput, ReportKind, UtilisationInput } from './client';

export const REPORT_KINDS = ['utilisation', 'aggregation', 'dropout'] as const;
export const DROPOUT_REASONS = [
  'DEFECT',
  'EXPIRY',
  'QA_SAMPLES',
  'PRODUCT_RECALL',
  'COMPLAINTS',
  'PRODUCT_TESTING',
  'DEMO_SAMPLES',
  'OTHER',
  'DAMAGE_LOSS',
  'DESTRUCTION',
] as const;

export interface ReportRequest {
  kind: ReportKind;
  /** names the report in the journal: the same id is sent once */
  id: string;
  body: UtilisationInput | AggregationInput | DropoutInput;
  codes: number;
}

export interface ReportDefaults {
  kind: ReportKind;
  productGroup?: string;
  utilisationType: 'UTILISATION' | 'RESORT';
  dropoutReason: string;
  participantInn: string;
  /** the connection's product group, when neither the node nor the message names one */
  connectionGroup?: string;
  /** the report id given by the node (typed input); '' = the block's id, else a hash of the codes */
  id?: string;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(field: string, ru: string, en: string): ZnakFlowError {
  return new ZnakFlowError({
    code: 'SUZ_INVALID_ARGUMENT',
    field,
    ru: `${field}: ${ru}`,
    en: `${field}: ${en}`,
    source: 'input',
  });
}

/** Codes from a value: an array of strings, or text with one code per line. */
export function codesOf(v: unknown, field: string): string[] {
  const list = typeof v === 'string' ? v.split(/[\r\n]+/) : v;
  if (!Array.isArray(list)) {
    throw bad(
      field,
      'нужен массив кодов или текст с кодом в каждой строке',
      'an array of codes or text with a code per line is needed',
    );
  }
  const out = list.map((c, i) => {
    if (typeof c !== 'string') throw bad(`${field}[${i}]`, 'код — строка', 'a code is a string');
    return typeof v === 'string' ? c.trim() : c;
  });
  const codes = out.filter((c) => c !== '');
  if (codes.length === 0) throw bad(field, 'нет ни одного кода', 'no code given');
  return codes;
}

/** The report a message asks for. */
export function reportRequestOf(msg: FlowMessage, codesValue: unknown, d: ReportDefaults): ReportRequest {
  const s = suzOf(msg);
  const pg = d.productGroup || s.productGroup || d.connectionGroup;
  if (d.kind !== 'aggregation' && !pg) {
    throw bad(
      'productGroup',
      'не указана товарная группа отчёта',
      'the product group of the report is missing',
    );
  }
  let body: ReportRequest['body'];
  let all: string[];
  if (d.kind === 'aggregation') {
    const units = (Array.isArray(codesValue) ? codesValue : [codesValue]).map((u, i) => {
      const at = `payload[${i}]`;
      if (!isRec(u) || typeof u['unitSerialNumber'] !== 'string' || !u['unitSerialNumber']) {
        throw bad(
          `${at}.unitSerialNumber`,
          'нужен код агрегата (SSCC) и его коды sntins',
          'the unit code (SSCC) and its codes (sntins) are needed',
        );
      }
      return {
        unitSerialNumber: u['unitSerialNumber'],
        aggregationType: 'AGGREGATION' as const,
        sntins: codesOf(u['sntins'], `${at}.sntins`),
      };
    });
    all = units.flatMap((u) => [u.unitSerialNumber, ...u.sntins]);
    body = { ...(pg ? { productGroup: pg } : {}), participantId: d.participantInn, aggregationUnits: units };
  } else {
    all = codesOf(codesValue, 'payload');
    body =
      d.kind === 'utilisation'
        ? { productGroup: pg as string, sntins: all, utilisationType: d.utilisationType }
        : { productGroup: pg as string, sntins: all, dropoutReason: d.dropoutReason };
  }
  const id =
    d.id || (s.blockId ? `block:${s.blockId}` : `codes:${sha(canonical([...all].sort())).slice(0, 24)}`);
  return {
    kind: d.kind,
    id,
    body,
    codes:
      d.kind === 'aggregation' ? all.length - (body as AggregationInput).aggregationUnits.length : all.length,
  };
}

/** `msg.suz.report` of a journal entry. */
export function reportMeta(e: ReportEntry): SuzReportMeta {
  return {
    kind: e.reportKind,
    key: e.key,
    ...(e.reportId ? { reportId: e.reportId } : {}),
    ...(e.status ? { status: e.status } : {}),
    ...(e.errorReason ? { errorReason: e.errorReason } : {}),
    ...(e.inferred ? { inferred: true } : {}),
    codes: e.codesCount,
  };
}
