import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { z } from 'zod';
import {
  CONTRACT_PARTS,
  czOf,
  onecOf,
  partsOf,
  trackerNodeOf,
  watchNodeOf,
  withCz,
  withOnec,
  type FlowMessage,
} from '../../lib/message';
import * as zf from '../../lib';
import { BEGIN, contractFields, DOC_PATH, END, renderDoc } from '../../scripts/message-contract';

const doc = fs.readFileSync(DOC_PATH, 'utf8');

/** The field tables of the page, read back: `<part> <field>` for each row under a `### \`part\`` heading. */
function documentedFields(): Set<string> {
  const out = new Set<string>();
  const block = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END));
  let part = '';
  for (const line of block.split('\n')) {
    const h = /^### `([^`]+)`/.exec(line);
    if (h) part = h[1]!;
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row && part) out.add(`${part} ${row[1]!}`);
  }
  return out;
}

type Def = {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
};
const def = (s: z.ZodType): Def => s._zod.def as unknown as Def;

/** Follow a dotted path (`watch.node`) through a declaration; false when a step is not declared. */
function declared(schema: z.ZodType, path: string[]): boolean {
  const d = def(schema);
  if (d.type === 'optional') return declared(d.innerType!, path);
  if (path.length === 0) return true;
  if (d.type === 'array') return declared(d.element!, path);
  if (d.type === 'record') return declared(d.valueType!, path);
  if (d.type === 'union') return (d.options ?? []).some((o) => declared(o, path));
  if (d.type === 'object') {
    const next = d.shape?.[path[0]!];
    return next !== undefined && declared(next, path.slice(1));
  }
  return false;
}

const ROOTS: Record<string, z.ZodType[]> = {
  onec: [CONTRACT_PARTS['msg.onec'], CONTRACT_PARTS['msg.onec (output «array»)']],
  cz: [CONTRACT_PARTS['msg.cz']],
  parts: [CONTRACT_PARTS['msg.parts']],
};

describe('message contract (lib/message.ts ↔ docs/message-contract.md)', () => {
  it('the generated tables of the page are current', () => {
    assert.equal(
      renderDoc(doc),
      doc,
      'docs/message-contract.md is not current: run node --import tsx scripts/message-contract.ts',
    );
  });

  it('every declared field is in the tables, and the tables name no field the declaration lacks', () => {
    const declaredFields = new Set(contractFields().map((f) => `${f.part} ${f.field}`));
    const documented = documentedFields();
    assert.deepEqual(
      [...declaredFields].filter((f) => !documented.has(f)),
      [],
      'declared in lib/message.ts, missing from the page',
    );
    assert.deepEqual(
      [...documented].filter((f) => !declaredFields.has(f)),
      [],
      'on the page, not declared in lib/message.ts',
    );
  });

  it('every field the text of the page names (msg.onec.…, msg.cz.…, msg.cz = { … }) is declared', () => {
    const text = doc.slice(0, doc.indexOf(BEGIN));
    const named: string[] = [];
    for (const m of text.matchAll(/msg\.(onec|cz|parts)((?:\.[A-Za-z]+)+)/g)) named.push(`${m[1]}${m[2]}`);
    for (const m of text.matchAll(/msg\.(onec|cz|parts)((?:\.[A-Za-z]+)*) = \{([^}]*)\}/g)) {
      for (const key of m[3]!.split(',')) {
        const k = /^\s*([A-Za-z]+)/.exec(key)?.[1];
        if (k) named.push(`${m[1]}${m[2]}.${k}`);
      }
    }
    assert.ok(named.length > 20, `the page names fields (found ${named.length})`);
    const missing = named.filter((n) => {
      const [root, ...path] = n.split('.');
      return !(ROOTS[root!] ?? []).some((s) => declared(s, path));
    });
    assert.deepEqual(missing, [], 'named on the page, not declared in lib/message.ts');
  });

  it('every part of the contract has a description and a setter for each field', () => {
    for (const f of contractFields()) {
      assert.ok(f.meta.description, `${f.part} ${f.field}: no description`);
      assert.ok(f.meta.setBy, `${f.part} ${f.field}: no «set by»`);
    }
  });
});

describe('message accessors', () => {
  it('read typed views: a field of the wrong type is absent, a numeric string is a number', () => {
    const codes = [{ value: 'x', ref: 'r', itemRef: '', packageType: 'МаркированныйТовар', level: 0 }];
    const msg: FlowMessage = {
      onec: {
        ref: 42,
        dataVersion: 'AAA=',
        codes,
        watch: { connection: 'c1', node: 'read1' },
        extra: 'kept',
      },
      cz: { part: '2', total: 'many', key: 'k', tracker: { connection: 'c1', node: 7 }, duplicate: 'yes' },
      parts: { id: 'p', index: 0, count: 3 },
    };
    const onec = onecOf(msg);
    assert.equal(onec.ref, undefined);
    assert.equal(onec.dataVersion, 'AAA=');
    assert.equal(onec.codes, codes, 'the list is taken as it is, not copied');
    assert.equal(onec['extra'], 'kept');
    const cz = czOf(msg);
    assert.equal(cz.part, 2);
    assert.equal(cz.total, undefined);
    assert.equal(cz.key, 'k');
    assert.equal(cz.duplicate, undefined);
    assert.equal(watchNodeOf(msg), 'read1');
    assert.equal(trackerNodeOf(msg), undefined, 'a tracker node that is not a string is no tracker');
    assert.deepEqual(partsOf(msg), { id: 'p', index: 0, count: 3 });
    assert.equal(partsOf({ parts: { index: 0 } } as unknown as FlowMessage), undefined);
    assert.deepEqual(onecOf({ onec: 'text' }), {});
    assert.deepEqual(czOf({}), {});
  });

  it('write by adding fields and keeping every field the message has', () => {
    const msg: FlowMessage = { cz: { key: 'k', custom: 1 }, onec: { ref: 'r', codes: [] } };
    withCz(msg, { status: 'CHECKED_OK' });
    withOnec(msg, { watch: { connection: 'c', node: 'n' } });
    assert.deepEqual(msg['cz'], { key: 'k', custom: 1, status: 'CHECKED_OK' });
    assert.deepEqual(msg['onec'], { ref: 'r', codes: [], watch: { connection: 'c', node: 'n' } });
    const bare: FlowMessage = { cz: 'not an object' };
    withCz(bare, { pending: true });
    assert.deepEqual(bare['cz'], { pending: true });
  });

  it('are exported by the library (zf.message and at the top level)', () => {
    assert.equal(zf.message.czOf, czOf);
    assert.equal(zf.onecOf, onecOf);
    assert.equal(typeof zf.withCz, 'function');
  });
});
