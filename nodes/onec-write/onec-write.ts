import { z } from 'zod';
import { validationError, ZnakFlowError } from '../../lib/errors';
import { confirmTarget, documentOf } from '../../lib/journal/ack';
import { writeEmittedCodes } from '../../lib/onec/codes-catalog';
import { reportTarget } from '../../lib/journal/send';
import { czOf, onecOf, withOnec } from '../../lib/message';
import { describeProperty } from '../../lib/onec/property';
import { DEFAULT_PROPERTIES } from '../../lib/onec/write';
import {
  codesWriteResult,
  outcomeLabel,
  outcomeValue,
  propertyCheckView,
  writeBack,
} from '../../lib/onec/write-back';
import { confirmTo } from '../shared/desk';
import { redact } from '../../lib/redact';
import { passingReason, RetryTimers } from '../../lib/retry';
import { zodIssuesToDetails } from '../../lib/validation';
import type { OnecConnectionNode } from '../onec-connection/model';
import { requireConfigNode } from '../shared/connection';
import { expandEnv, globalEnvLookup } from '../shared/env';
import { migrate } from '../shared/migrate';
import { catchableError, onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { StatusHelper } from '../shared/status';
import type { AdminRequest, AdminResponse, NodeAPI, NodeMessage, RuntimeNode } from '../shared/types';
import { stripUndefined } from '../onec-read/model';
import {
  codeList,
  ONEC_WRITE_DEFAULTS,
  ONEC_WRITE_MIGRATIONS,
  ONEC_WRITE_NODE,
  onecWriteSettingsSchema,
} from './model';

const checkRequestSchema = z.object({
  connection: z.string().default(''),
  property: z.string().default(''),
  propertiesSet: z.string().optional(),
  entity: z.string().optional(),
});

/**
 * «Check» next to the property field: which additional property the name resolves to in the base
 * of the chosen (deployed) connection, with its set, or why none, and the candidates.
 */
async function checkProperty(RED: NodeAPI, body: unknown): Promise<Record<string, unknown>> {
  const parsed = checkRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw validationError(zodIssuesToDetails(parsed.error), 'input');
  const b = parsed.data;
  const lookup = globalEnvLookup(RED);
  const conn = b.connection ? (RED.nodes.getNode(b.connection) as OnecConnectionNode | null) : null;
  if (!conn || typeof conn.getClient !== 'function') {
    throw new ZnakFlowError({
      code: 'INVALID_CONFIG',
      field: 'connection',
      source: 'config',
      ru: 'подключение к 1С не выбрано или ещё не развёрнуто: выберите его и нажмите «Развернуть», затем проверьте снова',
      en: 'no 1C connection chosen, or it is not deployed yet: choose it, deploy, then check again',
    });
  }
  const entity = b.entity ? expandEnv(b.entity, lookup).trim() : '';
  const report = await describeProperty(conn.getClient(), expandEnv(b.property, lookup), {
    propertiesSet: expandEnv(b.propertiesSet || DEFAULT_PROPERTIES, lookup).trim() || DEFAULT_PROPERTIES,
    objectEntity: entity || undefined,
  });
  return propertyCheckView(entity, report);
}

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, ONEC_WRITE_NODE, (node, def) => {
    const config: Record<string, unknown> = {
      ...ONEC_WRITE_DEFAULTS,
      ...stripUndefined(migrate(def, ONEC_WRITE_MIGRATIONS)),
    };
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    // A write that failed because 1C was unreachable or busy is tried again (writes are idempotent).
    const retries = new RetryTimers();
    const retryMs = Math.max(0, Number(config['retryMinutes'] ?? ONEC_WRITE_DEFAULTS.retryMinutes)) * 60000;
    /** Typed fields, where a missing `msg` path (e.g. no msg.onec) is simply undefined. */
    async function fields(msg: NodeMessage, names: string[]): Promise<Record<string, unknown>> {
      const out: Record<string, unknown> = {};
      for (const f of names) {
        if ((config[`${f}Type`] ?? 'str') === 'msg') {
          try {
            out[f] = RED.util.getMessageProperty(msg, String(config[f] ?? ''));
          } catch {
            out[f] = undefined;
          }
        } else Object.assign(out, await typedFields(RED, node, config, msg, [f]));
      }
      return out;
    }

    onInput(node, status, {
      async settings(msg) {
        const typed = await fields(msg, ['property', 'entity', 'ref']);
        let value: unknown;
        if (
          config['mode'] === 'codes' &&
          (config['valueType'] === 'auto' || config['valueType'] === undefined)
        ) {
          // the codes of a block (suz-order) or of any message: msg.payload by default
          value = msg.payload;
        } else if (config['valueType'] === 'auto' || config['valueType'] === undefined) {
          // The default: the outcome of cz-status as a status text in 1C's vocabulary.
          const o = await fields(msg, ['czStatus', 'documentId', 'errors']);
          value = outcomeValue({ ...o, invalid: msg['errors'] });
        } else {
          value = (await fields(msg, ['value']))['value'];
        }
        return {
          mode: config['mode'],
          register: config['register'] || undefined,
          propertiesSet: config['propertiesSet'] || undefined,
          attribute: config['attribute'] ?? '',
          ...typed,
          value,
        };
      },
      schema: onecWriteSettingsSchema,
      async run({ settings: s, msg, send }) {
        const conn = requireConfigNode<OnecConnectionNode>(
          RED,
          config['connection'],
          'onec-connection',
          'connection',
        );
        const retrying = {
          windowMs: retryMs,
          onWait(err: unknown, delayMs: number) {
            status.progress('yellow', 'ring', 'onec-write.status.retrying', {
              reason: passingReason(err),
              seconds: Math.round(delayMs / 1000),
            });
          },
        };
        if (s.mode === 'codes') {
          // emitted codes into the codes catalog: a side output of a block, no outcome to confirm
          const w = await retries.run(() => writeEmittedCodes(conn.getClient(), codeList(s.value)), retrying);
          withOnec(msg, { write: codesWriteResult(w) });
          send(msg);
          return {
            statusKey: 'onec-write.status.codes',
            statusVars: { created: w.created, present: w.present },
          };
        }
        // Several ЧЗ documents from one 1C document: each keeps its own line in the value.
        const cz = czOf(msg);
        const label = outcomeLabel(cz);
        const mode = s.mode;
        const write = () => writeBack(conn.getClient(), { ...s, mode }, label);
        const result = await retries.run(write, retrying);
        const onec = onecOf(msg);
        withOnec(msg, { write: result });
        // The outcome is in 1C: the document msg.cz.key of the version (lib/journal/ack.ts documentOf).
        const doc = documentOf(cz);
        // The watch that emitted this version may count the document delivered ...
        if (typeof onec.ref === 'string' && typeof onec.dataVersion === 'string') {
          confirmTo(RED, confirmTarget(onec.watch), { ref: onec.ref, dataVersion: onec.dataVersion, ...doc });
        }
        // ... the suz-report whose outcome this is (or led to) may count its block as handed on ...
        const report = reportTarget(msg['suz']);
        if (report) confirmTo(RED, report.to, { ref: report.key, dataVersion: '', ...doc });
        // ... and the cz-status that handed out this outcome may count it as reported.
        if (typeof cz.key === 'string') {
          confirmTo(RED, confirmTarget(cz.tracker), {
            ref: String(onec.ref ?? ''),
            dataVersion: String(onec.dataVersion ?? ''),
            key: cz.key,
            total: 1,
          });
        }
        send(msg);
        return { statusKey: `onec-write.status.${result.action}` };
      },
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // Messages waiting for their next attempt end now (with their last error), no timer stays.
      retries.close();
      done();
    });
  });

  RED.httpAdmin.post(
    '/znakflow/onec-write/property',
    RED.auth.needsPermission('onec-write.write'),
    (req: AdminRequest, res: AdminResponse) => {
      void checkProperty(RED, req.body).then(
        (body) => res.status(200).json(body),
        (err: unknown) => {
          const e = catchableError(err);
          res.status(200).json({ ok: false, code: e.code, message: redact(e.message), candidates: [] });
        },
      );
    },
  );
};
