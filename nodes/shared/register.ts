import type { NodeAPI, NodeDefBase, RuntimeNode } from './types';

export type CredentialSpec = Record<string, { type: 'text' | 'password' }>;

/**
 * Register a node type with a constructor written as a plain function of (node, def). Keeps
 * the `this`-based constructor the runtime expects out of the node files.
 */
export function registerNodeType<N extends RuntimeNode>(
  RED: NodeAPI,
  type: string,
  init: (node: N, def: NodeDefBase) => void,
  credentials?: CredentialSpec,
): void {
  function NodeCtor(this: N, def: NodeDefBase): void {
    RED.nodes.createNode(this, def);
    init(this, def);
  }
  RED.nodes.registerType(
    type,
    NodeCtor as unknown as new (def: NodeDefBase) => unknown,
    credentials ? { credentials } : undefined,
  );
}

/** `${VAR}` lookup with Node-RED's own precedence (node → flow → global env → process.env). */
export function envLookup(RED: NodeAPI, node: RuntimeNode): (name: string) => string | undefined {
  return (name) => {
    try {
      const v = RED.util.getSetting(node, name);
      return v === undefined || v === null ? process.env[name] : String(v);
    } catch {
      return process.env[name];
    }
  };
}
