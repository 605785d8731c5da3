import { ZnakFlowError } from '../../lib/errors';
import type { NodeAPI } from './types';

/** Find the config node a user node refers to, or throw a clear, catchable error. */
export function requireConfigNode<T>(RED: NodeAPI, id: unknown, type: string, field: string): T {
  const found = typeof id === 'string' && id ? RED.nodes.getNode(id) : null;
  if (!found) {
    throw new ZnakFlowError({
      code: 'NO_CONNECTION',
      field,
      ru: `не выбран или не развёрнут узел настроек ${type}`,
      en: `no ${type} configuration node is selected or deployed`,
      source: 'config',
    });
  }
  return found as T;
}
