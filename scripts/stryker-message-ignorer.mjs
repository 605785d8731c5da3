// StrykerJS ignorer (issue 14): no mutants in the bilingual message texts of errors and problems.
//
// What a text says is checked by the tests of the messages (test/unit/*-errors, the node and e2e
// tests that read `msg.error`), in Russian and English; what mutation testing here checks is the
// promises (journal order, look-up before repeat, codes and INNs, escaping, masking, rate, status
// classification). A mutant that empties or changes a sentence of an error breaks no promise, and
// a test for each sentence would only pin the wording. Ignored (not counted in the score):
//  - the value of a property `ru`, `en`, `message_ru`, `message_en` (ZnakFlowError options,
//    problems, details);
//  - `const ru = …` / `const en = …` (texts assembled before they go into an error);
//  - in a call's arguments, the first string that holds Cyrillic and the argument right after it
//    (the `ru, en` pair of `bi()`, `badValue()`, `fail()`, `detail()`, `localError()` …); the
//    arguments before them (field names, error codes) stay mutated;
//  - the text of `new Error(…)`, `new RangeError(…)`, `new TypeError(…)`.
// Error codes, fields, statuses, `retryable` and everything outside a text are mutated as usual.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const TEXT_KEYS = new Set(['ru', 'en', 'message_ru', 'message_en']);
const CYRILLIC = /[А-Яа-яЁё]/;

function keyName(node) {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'StringLiteral') return node.value;
  return undefined;
}

/** A string, a template or a choice between them: the shape of a message argument. */
function isText(node) {
  if (!node) return false;
  if (node.type === 'StringLiteral' || node.type === 'TemplateLiteral') return true;
  if (node.type === 'ConditionalExpression') return isText(node.consequent) && isText(node.alternate);
  if (node.type === 'BinaryExpression' && node.operator === '+')
    return isText(node.left) || isText(node.right);
  return false;
}

function hasCyrillic(node) {
  if (!node) return false;
  switch (node.type) {
    case 'StringLiteral':
      return CYRILLIC.test(node.value);
    case 'TemplateLiteral':
      return node.quasis.some((q) => CYRILLIC.test(q.value.cooked ?? q.value.raw));
    case 'ConditionalExpression':
      return hasCyrillic(node.consequent) || hasCyrillic(node.alternate);
    case 'BinaryExpression':
      return hasCyrillic(node.left) || hasCyrillic(node.right);
    default:
      return false;
  }
}

function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier')
    return callee.property.name;
  return undefined;
}

export const messageIgnorer = {
  shouldIgnore(path) {
    const parent = path.parentPath;
    if (!parent) return undefined;
    const p = parent.node;
    if ((p.type === 'ObjectProperty' || p.type === 'Property') && path.key === 'value') {
      const k = keyName(p.key);
      if (k && TEXT_KEYS.has(k))
        return `message text (${k}): wording is tested by the error tests, not a promise`;
    }
    if (
      p.type === 'VariableDeclarator' &&
      path.key === 'init' &&
      p.id.type === 'Identifier' &&
      TEXT_KEYS.has(p.id.name)
    ) {
      return `message text (const ${p.id.name})`;
    }
    if ((p.type === 'CallExpression' || p.type === 'NewExpression') && path.listKey === 'arguments') {
      const args = p.arguments;
      const i = path.key;
      if (p.type === 'NewExpression' && /Error$/.test(calleeName(p.callee) ?? '') && isText(args[i])) {
        return 'message text of new Error()';
      }
      const first = args.findIndex((a) => isText(a) && hasCyrillic(a));
      if (first >= 0 && (i === first || (i === first + 1 && isText(args[i])))) {
        return 'message text (ru, en arguments)';
      }
    }
    return undefined;
  },
};

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'bilingual-messages', messageIgnorer)];
