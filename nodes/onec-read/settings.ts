import { ZnakFlowError } from '../../lib/errors';
import { typedFields } from '../shared/pipeline';
import { evaluateTyped } from '../shared/typed';
import { CATALOG_LAYOUT_FIELDS, DOCUMENT_LAYOUT_FIELDS, PRESETS } from '../../lib/onec/presets';
import type { AdminRequest, AdminResponse, NodeAPI, NodeMessage, RuntimeNode } from '../shared/types';
import type { ConditionRow } from './model';

/**
 * The settings of one read before validation: the node's config with its typed fields and the
 * values of its condition rows evaluated against `msg` (onecReadSettingsSchema checks them).
 */
export async function gatherSettings(
  RED: NodeAPI,
  node: RuntimeNode,
  config: Record<string, unknown>,
  layout: Record<string, string>,
  msg: NodeMessage,
): Promise<unknown> {
  // A blank literal (str/num) means "not set"; other types are evaluated even when blank.
  const fields = ['entity', 'ref', 'select', 'orderby', 'top'].filter(
    (f) => !(config[f] === '' && ['str', 'num', 'json'].includes(String(config[`${f}Type`] ?? 'str'))),
  );
  const typed = await typedFields(RED, node, config, msg, fields);
  const rows = Array.isArray(config['conditions']) ? (config['conditions'] as ConditionRow[]) : [];
  const conditions: unknown[] = [];
  for (const [i, row] of rows.entries()) {
    let value: unknown;
    try {
      value = await evaluateTyped(RED, node, row.value, row.valueType, msg);
    } catch (err) {
      throw new ZnakFlowError({
        code: 'TYPED_INPUT',
        field: `conditions[${i}].value`,
        source: 'config',
        ru: `не удалось вычислить значение условия «${row.field}»: ${(err as Error).message}`,
        en: `could not evaluate the value of condition "${row.field}": ${(err as Error).message}`,
      });
    }
    conditions.push({
      field: row.field,
      op: row.op,
      type: row.type ?? 'string',
      refType: row.refType,
      value,
    });
  }
  let rawFilter: unknown;
  if (config['useRaw'] === true)
    rawFilter = (await typedFields(RED, node, config, msg, ['rawFilter']))['rawFilter'];
  return {
    mode: String(config['mode']),
    preset: config['preset'],
    kind: config['kind'] ?? '',
    ...typed,
    conditions,
    rawFilter,
    output: config['output'],
    resolve: config['resolve'] !== false,
    layout,
  };
}

/** The editor reads the presets (names per configuration) to show them as placeholders. */
export function registerPresetsEndpoint(RED: NodeAPI): void {
  RED.httpAdmin.get(
    '/znakflow/onec-read/presets',
    RED.auth.needsPermission('onec-read.read'),
    (_req: AdminRequest, res: AdminResponse) => {
      res.status(200).json({
        presets: PRESETS,
        documentFields: DOCUMENT_LAYOUT_FIELDS,
        catalogFields: CATALOG_LAYOUT_FIELDS,
      });
    },
  );
}
