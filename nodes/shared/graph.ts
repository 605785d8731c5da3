import type { NodeAPI, RuntimeNode } from './types';

interface NodeConfig {
  id: string;
  type?: string;
  wires?: unknown;
  /** link out / link call: the link in nodes it leads to */
  links?: unknown;
}

interface NodesWithEach {
  eachNode?(cb: (n: NodeConfig) => void): void;
  getNode(id: string): unknown;
}

/**
 * Types of every node reachable from this node's outputs (or from one output, `port`, 0-based) in the
 * deployed flows: through wires, and from `link out`/`link call` nodes to their `link in` targets.
 *
 * The one question a node asks about the flow around it, before anything is sent: will a confirmation
 * come? `onec-read` (`confirm: auto`) and `cz-status` (per output) wait for confirmations only when a node
 * that gives them (cz-send, onec-write) is down the flow; the confirmations themselves travel through the
 * connection's registry named in the message (lib/journal/ack.ts, docs/message-contract.md
 * «Confirmations»). It stays a read of the deployed flow rather than a registration of the confirming
 * nodes: a confirming node does not know, when it starts, which watch its messages will come from (any
 * onec-read, through link nodes or a subflow), while the wiring is known to the runtime at deploy.
 */
export function downstreamTypes(RED: NodeAPI, start: RuntimeNode, port?: number): string[] {
  const nodes = RED.nodes as unknown as NodesWithEach;
  const configs = new Map<string, NodeConfig>();
  nodes.eachNode?.((n) => configs.set(n.id, n));
  const lookup = (id: string): NodeConfig | undefined =>
    configs.get(id) ?? (nodes.getNode(id) as NodeConfig | null) ?? undefined;
  const seen = new Set<string>([start.id]);
  const types: string[] = [];
  const queue: string[] = [];
  const push = (ids: unknown): void => {
    const list = Array.isArray(ids) ? ids.flat() : typeof ids === 'string' ? [ids] : [];
    for (const id of list) {
      if (typeof id === 'string' && !seen.has(id)) {
        seen.add(id);
        queue.push(id);
      }
    }
  };
  const wires = lookup(start.id)?.wires ?? (start as unknown as NodeConfig).wires;
  push(port === undefined ? wires : Array.isArray(wires) ? (wires[port] as unknown) : undefined);
  while (queue.length > 0) {
    const n = lookup(queue.shift() as string);
    if (!n) continue;
    if (n.type) types.push(n.type);
    push(n.wires);
    if (n.type === 'link out' || n.type === 'link call') push(n.links);
  }
  return types;
}

/**
 * Per output (0-based, the first `ports`): is a node of one of `types` down it? Read from the deployed
 * flow on the first question and kept (the wiring changes only with a deploy, which restarts the node).
 */
export function portsLeadingTo(
  RED: NodeAPI,
  node: RuntimeNode,
  types: readonly string[],
  ports = 2,
): (port: number) => boolean {
  let leads: boolean[] | undefined;
  return (port) => {
    leads ??= Array.from({ length: ports }, (_, p) =>
      downstreamTypes(RED, node, p).some((t) => types.includes(t)),
    );
    return leads[port] === true;
  };
}
