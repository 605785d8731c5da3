/**
 * Field overrides: a site with a customised 1C changes a mapping without code. Each override is a
 * field path of the document body and a JSONata expression evaluated against the incoming message
 * (`payload` = the 1C document, `onec`, `cz`…). The expression engine is given by the caller (the
 * node passes Node-RED's own JSONata), so this library never imports Node-RED.
 *
 * Paths: `field`, `a.b` (objects created as needed), `products[].field` (evaluated once per element
 * of that list). Bindings: `$doc` (the body as mapped so far); for list paths also `$item` (the
 * element), `$index` (0-based), `$code` (the 1C code it was made from: value, cis, ref, itemRef,
 * packageType, level, productGroup, cost, tax, children) and `$row` (its 1C goods row).
 * A result of `undefined` (JSONata "nothing") removes the field; `null` sets null.
 */
import { detail, type ErrorDetail } from '../errors';
import type { Built, DocCode } from './builders';

type Rec = Record<string, unknown>;

export interface FieldOverride {
  path: string;
  expression: string;
}

/** Evaluates a compiled expression against an input with extra bindings (`$name`). */
export type Evaluate = (input: unknown, bindings: Record<string, unknown>) => Promise<unknown>;
/** Compiles an expression; throws on a syntax error. */
export type CompileExpression = (expression: string) => Evaluate;

const PATH = /^([A-Za-z_][A-Za-z0-9_]*)(\[\])?((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;

export interface OverridePath {
  head: string;
  list: boolean;
  rest: string[];
}

export function parseOverridePath(path: string): OverridePath | null {
  const m = PATH.exec(path.trim());
  if (!m) return null;
  return {
    head: m[1] as string,
    list: m[2] === '[]',
    rest: (m[3] ?? '').split('.').filter((s) => s !== ''),
  };
}

function setPath(obj: Rec, keys: string[], value: unknown): void {
  let o = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i] as string;
    const next = o[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) o[k] = {};
    o = o[k] as Rec;
  }
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete o[last];
  else o[last] = value;
}

export function codeInfo(c: DocCode | undefined): Rec | undefined {
  if (!c) return undefined;
  return {
    value: c.value,
    cis: c.cis,
    ref: c.ref,
    itemRef: c.itemRef,
    packageType: c.packageType,
    level: c.level,
    productGroup: c.productGroup,
    cost: c.costKop,
    tax: c.taxKop,
    children: c.children.map((x) => x.cis),
  };
}

function failure(path: string, code: string, expression: string, why: string): ErrorDetail {
  return detail(
    path,
    code,
    `переопределение поля ${path} (${expression}) не сработало: ${why}`,
    `override of ${path} (${expression}) failed: ${why}`,
  );
}

/** Apply the overrides in order; problems are returned (the document then goes to the invalid output). */
export async function applyOverrides(
  built: Built,
  overrides: readonly FieldOverride[],
  compile: CompileExpression | undefined,
  input: unknown,
): Promise<ErrorDetail[]> {
  const errors: ErrorDetail[] = [];
  for (const o of overrides) {
    const p = parseOverridePath(o.path);
    if (!p) {
      errors.push(
        detail(
          o.path || '(override)',
          'OVERRIDE_PATH',
          `путь поля «${o.path}» не понят: пишите field, a.b или products[].field`,
          `field path "${o.path}" not understood: write field, a.b or products[].field`,
        ),
      );
      continue;
    }
    if (!compile) {
      errors.push(
        failure(o.path, 'OVERRIDE_ENGINE', o.expression, 'нет вычислителя JSONata / no JSONata engine'),
      );
      continue;
    }
    let ev: Evaluate;
    try {
      ev = compile(o.expression);
    } catch (err) {
      errors.push(
        failure(o.path, 'OVERRIDE_SYNTAX', o.expression, err instanceof Error ? err.message : String(err)),
      );
      continue;
    }
    try {
      if (!p.list) {
        const value = await ev(input, { doc: built.body });
        setPath(built.body, [p.head, ...p.rest], value);
        continue;
      }
      const arr = built.body[p.head];
      if (!Array.isArray(arr)) {
        errors.push(
          failure(
            o.path,
            'OVERRIDE_PATH',
            o.expression,
            `в документе нет списка ${p.head} / the document has no list ${p.head}`,
          ),
        );
        continue;
      }
      if (p.rest.length === 0) {
        errors.push(
          failure(
            o.path,
            'OVERRIDE_PATH',
            o.expression,
            'укажите поле элемента / name a field of the element',
          ),
        );
        continue;
      }
      const aligned = p.head === built.listKey;
      for (let i = 0; i < arr.length; i++) {
        const item = arr[i];
        if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
        const src = aligned ? built.sources[i] : undefined;
        const value = await ev(input, {
          doc: built.body,
          item,
          index: i,
          code: codeInfo(src),
          row: src?.row,
        });
        setPath(item as Rec, p.rest, value);
      }
    } catch (err) {
      errors.push(
        failure(o.path, 'OVERRIDE_FAILED', o.expression, err instanceof Error ? err.message : String(err)),
      );
    }
  }
  return errors;
}
