import type { CompileExpression } from '../../lib/documents';
import type { NodeAPI, RuntimeNode } from './types';

/** The part of the runtime's JSONata API the node uses (Node-RED ≥ 4: evaluation with a callback). */
interface PreparedExpression {
  assign(name: string, value: unknown): void;
}
interface JsonataUtil {
  prepareJSONataExpression(expression: string, node: RuntimeNode | undefined): PreparedExpression;
  evaluateJSONataExpression(
    expr: PreparedExpression,
    msg: unknown,
    cb: (err: Error | null, result: unknown) => void,
  ): void;
}

/**
 * Compile with Node-RED's own JSONata. Each message gets its own compiled expressions (bindings
 * are assigned on the expression, so two messages never share one), evaluated one after another.
 */
export function nodeRedCompiler(RED: NodeAPI, node: RuntimeNode | undefined): CompileExpression {
  const util = RED.util as unknown as JsonataUtil;
  return (expression) => {
    const expr = util.prepareJSONataExpression(expression, node);
    return (input, bindings) =>
      new Promise((resolve, reject) => {
        for (const [k, v] of Object.entries(bindings)) expr.assign(k, v);
        util.evaluateJSONataExpression(expr, input, (err, result) => {
          if (err) reject(err);
          else resolve(result);
        });
      });
  };
}
