import type { z } from 'zod';
import { validationError, ZnakFlowError } from '../../lib/errors';
import { zodIssuesToDetails } from '../../lib/validation';
import type { StatusHelper } from './status';
import type { RuntimeNode } from './types';

/** A node's settings checked with its schema: the settings, or the problem (thrown to every message). */
export function checkedConfig<S>(
  schema: z.ZodType<S>,
  raw: unknown,
): { config: S; problem?: undefined } | { config?: undefined; problem: ZnakFlowError } {
  const parsed = schema.safeParse(raw);
  return parsed.success
    ? { config: parsed.data }
    : { problem: validationError(zodIssuesToDetails(parsed.error), 'config') };
}

/**
 * Start a node that needs its connection: a configuration problem, or a connection that is missing or
 * cannot serve it, shows as a red ring (the messages that come get the reason, for Catch).
 */
export function startOrShow(
  node: RuntimeNode,
  status: StatusHelper,
  problem: ZnakFlowError | undefined,
  start: () => void,
): void {
  if (problem) {
    status.set('red', 'ring', 'znakflow.status.invalid-config');
    node.error(problem.message);
    return;
  }
  try {
    start();
  } catch (err) {
    const none = err instanceof ZnakFlowError && err.code === 'NO_CONNECTION';
    status.set('red', 'ring', none ? 'znakflow.status.no-connection' : 'znakflow.status.invalid-config');
  }
}
