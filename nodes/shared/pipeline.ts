import type { z } from 'zod';
import { toZnakFlowError, ZnakFlowError } from '../../lib/errors';
import { redact } from '../../lib/redact';
import { parseOrThrow } from '../../lib/validation';
import type { StatusHelper } from './status';
import { evaluateTyped } from './typed';
import type { DoneFn, NodeAPI, NodeMessage, RuntimeNode, SendFn } from './types';

export interface RunContext<S> {
  settings: S;
  msg: NodeMessage;
  send: SendFn;
}

export interface RunResult {
  /** status key shown after success (default `znakflow.status.ok`) */
  statusKey?: string;
  statusVars?: Record<string, unknown>;
  /** true when the handler set the status itself */
  statusSet?: boolean;
}

export interface InputPipeline<S> {
  /** Gather the raw effective settings: node config merged with msg overrides. */
  settings(msg: NodeMessage): Promise<unknown>;
  schema: z.ZodType<S>;
  run(ctx: RunContext<S>): Promise<RunResult | void>;
  /** status key while the message is being worked on */
  busyKey?: string;
}

/**
 * The input path every node of the pack uses: settings are evaluated and validated with zod,
 * the work runs with an in-flight status, and every path ends in exactly one `done()` or
 * `done(err)` — never both, never none, never an unhandled rejection.
 */
export function onInput<S>(node: RuntimeNode, status: StatusHelper, pipeline: InputPipeline<S>): void {
  // Literal three-parameter handler: the runtime counts parameters to decide that we call done.
  node.on('input', function (msg: NodeMessage, send: SendFn, done: DoneFn) {
    status.begin(pipeline.busyKey);
    let finished = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      if (err === undefined) {
        done();
      } else {
        const catchable = catchableError(err);
        status.failure('znakflow.status.error', { code: catchable.code ?? 'ERROR' });
        done(catchable);
      }
    };
    (async () => {
      const raw = await pipeline.settings(msg);
      const settings = parseOrThrow(pipeline.schema, raw, '', 'config');
      const result = await pipeline.run({ settings, msg, send });
      if (result && result.statusSet) status.end();
      else status.success(result?.statusKey, result?.statusVars);
    })().then(
      () => finish(),
      (err: unknown) => finish(err),
    );
  });
}

export interface CatchableError extends Error {
  code?: string;
  details?: unknown;
}

/** An Error for done(err): bilingual text, machine code, no secrets, no stack of internals. */
export function catchableError(err: unknown): CatchableError {
  const zf = toZnakFlowError(err);
  const e: CatchableError = new Error(redact(zf.message));
  e.code = zf.code;
  if (zf.details)
    e.details = zf.details.map((d) => ({
      ...d,
      message_ru: redact(d.message_ru),
      message_en: redact(d.message_en),
    }));
  return e;
}

/** Read typed-input fields of the config (`<field>` + `<field>Type`) against the message. */
export async function typedFields(
  RED: NodeAPI,
  node: RuntimeNode,
  config: Record<string, unknown>,
  msg: NodeMessage,
  fields: readonly string[],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const value = config[f];
    const type = config[`${f}Type`];
    try {
      out[f] = await evaluateTyped(RED, node, value, typeof type === 'string' ? type : 'str', msg);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      throw new ZnakFlowError({
        code: 'TYPED_INPUT',
        field: f,
        ru: `не удалось вычислить значение (${String(type)}): ${text}`,
        en: `could not evaluate the value (${String(type)}): ${text}`,
        source: 'config',
      });
    }
  }
  return out;
}

/** Empty strings from the editor mean "not set". */
export function blankToUndefined<T>(v: T): T | undefined {
  return v === '' || v === null ? undefined : v;
}
