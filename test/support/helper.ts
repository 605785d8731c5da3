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
