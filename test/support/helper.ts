/**
 * node-red-node-test-helper, initialised against the Node-RED devDependency, and a loader for
 * the pack's node modules from source.
 */
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

export { helper };

/** All node modules of the pack (from source, via tsx). */
export function packNodes(...types: string[]): unknown[] {
  return types.map((t) => require(`../../nodes/${t}/${t}`) as unknown);
}

type Msg = Record<string, any>;

/** The next message that reaches the node `id` (a helper node), or a rejection after `ms`. */
export function nextInput(id: string, ms = 8000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message at ${id}`)), ms);
    const node = helper.getNode(id);
    const on = (m: Msg): void => {
      clearTimeout(t);
      (node['removeListener'] as (e: string, h: unknown) => void)('input', on);
      resolve(m);
    };
    node.on('input', on);
  });
}

/** Every message reaching the node `id` (a helper node), and a wait for the first `n` of them. */
export function collect(id: string): { msgs: Msg[]; wait(n: number, ms?: number): Promise<Msg[]> } {
  const msgs: Msg[] = [];
  helper.getNode(id).on('input', (m: Msg) => msgs.push(m));
  return {
    msgs,
    async wait(n, ms = 20000) {
      const deadline = Date.now() + ms;
      while (msgs.length < n) {
        if (Date.now() > deadline) throw new Error(`${id}: ${msgs.length} of ${n} messages within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return msgs;
    },
  };
}
