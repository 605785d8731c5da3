import type { NodeAPI, NodeMessage, RuntimeNode } from './types';

/** The typed-input types a field may carry. */
export type TypedType =
  | 'str'
  | 'num'
  | 'bool'
  | 'json'
  | 'msg'
  | 'flow'
  | 'global'
  | 'env'
  | 'jsonata'
  | 'date'
  | 'bin'
  | 're'
  | 'cred'
  | 'node';

/**
 * Evaluate a typed property the way Node-RED does, always with the callback form (JSONata is
 * asynchronous since Node-RED 4, and context stores may be asynchronous).
 */
export function evaluateTyped(
  RED: NodeAPI,
  node: RuntimeNode,
  value: unknown,
  type: string | undefined,
  msg: NodeMessage | undefined,
): Promise<unknown> {
  const t = type && type.length > 0 ? type : 'str';
  if (t === 'str') return Promise.resolve(value);
  return new Promise((resolve, reject) => {
    try {
      RED.util.evaluateNodeProperty(value, t, node, msg, (err, result) => {
        if (err) reject(err);
        else resolve(result);
      });
    } catch (err) {
      reject(err);
    }
  });
}
