import { mapDocument } from '../../lib/documents';
import { validationError, toZnakFlowError } from '../../lib/errors';
import { zodIssuesToDetails } from '../../lib/validation';
import { onInput } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { StatusHelper } from '../shared/status';
import { evaluateTyped } from '../shared/typed';
import type { AdminRequest, AdminResponse, NodeAPI, NodeMessage, RuntimeNode } from '../shared/types';
import { mappedMessages, mapOptions, placeOverride, previewOf } from '../../lib/documents/options';
import { nodeRedCompiler } from '../shared/jsonata';
import { CZ_MAP_NODE, effectiveConfig, mapSettingsSchema, type MapSettings } from './model';

function isRec(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, CZ_MAP_NODE, (node, def) => {
    const config = effectiveConfig(def);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    const checked = mapSettingsSchema.safeParse(config);
    if (!checked.success) {
      node.error(validationError(zodIssuesToDetails(checked.error), 'config').message);
      status.set('red', 'ring', 'znakflow.status.invalid-config');
    }
    onInput<MapSettings>(node, status, {
      settings: async () => config,
      schema: mapSettingsSchema,
      busyKey: 'cz-map-document.status.mapping',
      async run({ settings, msg, send }) {
        const override = await placeOverride(settings, (value, type) =>
          evaluateTyped(RED, node, value, type, msg),
        );
        const result = await mapDocument(
          { payload: msg.payload, onec: msg['onec'], cz: msg['cz'], message: msg },
          { ...mapOptions(settings), placeOverride: override, compile: nodeRedCompiler(RED, node) },
        );
        const { valid, invalid } = mappedMessages(msg, result, {
          generateId: () => RED.util.generateId(),
          cloneMessage: (m) => RED.util.cloneMessage(m as NodeMessage),
        });
        send([valid, invalid]);
        if (invalid.length > 0) {
          status.set('yellow', 'ring', 'cz-map-document.status.invalid', {
            valid: valid.length,
            invalid: invalid.length,
          });
          return { statusSet: true };
        }
        return { statusKey: 'cz-map-document.status.mapped', statusVars: { valid: valid.length } };
      },
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      status.clear();
      done();
    });
  });

  // Preview in the editor: map a pasted example message with the dialog's (unsaved) settings.
  RED.httpAdmin.post(
    '/znakflow/cz-map-document/preview',
    RED.auth.needsPermission('cz-map-document.write'),
    (req: AdminRequest, res: AdminResponse) => {
      const body = isRec(req.body) ? req.body : {};
      const config = effectiveConfig(isRec(body['config']) ? body['config'] : {});
      const parsed = mapSettingsSchema.safeParse(config);
      if (!parsed.success) {
        const err = validationError(zodIssuesToDetails(parsed.error), 'config');
        res.status(400).json({ message: err.message, details: err.details });
        return;
      }
      let msg: unknown = body['msg'];
      if (typeof msg === 'string') {
        try {
          msg = JSON.parse(msg) as unknown;
        } catch (e) {
          res.status(400).json({
            message: `пример сообщения — не JSON / the example message is not JSON: ${e instanceof Error ? e.message : String(e)}`,
          });
          return;
        }
      }
      if (!isRec(msg)) {
        res.status(400).json({
          message: 'вставьте пример сообщения (объект JSON) / paste an example message (a JSON object)',
        });
        return;
      }
      // A pasted 1C object alone (not a whole msg) is taken as msg.payload.
      const m: NodeMessage = 'payload' in msg ? (msg as NodeMessage) : { payload: msg };
      // the node's own business place: flow/global context is not available to a preview
      placeOverride(parsed.data, (value, type) =>
        type === 'flow' || type === 'global'
          ? Promise.resolve(undefined)
          : evaluateTyped(RED, undefined as unknown as RuntimeNode, value, type, m),
      )
        .then((override) =>
          mapDocument(
            { payload: m.payload, onec: m['onec'], cz: m['cz'], message: m },
            { ...mapOptions(parsed.data), placeOverride: override, compile: nodeRedCompiler(RED, undefined) },
          ),
        )
        .then(
          (result) => res.json(previewOf(result)),
          (err: unknown) => res.status(500).json({ message: toZnakFlowError(err).message }),
        );
    },
  );
};
