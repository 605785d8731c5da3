/**
 * The example flow examples/map-document.json works as its comment says: loaded into a runtime
 * with Node-RED's own inject and join nodes (debug nodes replaced by test sinks).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { helper, packNodes } from '../support/helper';

const NODES = [
  ...packNodes('cz-map-document'),
  require('@node-red/nodes/core/common/20-inject.js') as unknown,
  require('@node-red/nodes/core/sequence/17-split.js') as unknown,
];
const FLOW = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../examples/map-document.json'), 'utf8'),
) as Array<Record<string, unknown>>;

/** Messages reaching a sink node, as they arrive. */
function sink(id: string): { got: any[] } {
  const got: any[] = [];
  (helper.getNode(id) as any).on('input', (m: any) => got.push(m));
  return { got };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

describe('example flow map-document.json', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('maps the sale into two documents gathered by join, and sends the broken one to output 2', async () => {
    const flow = FLOW.filter((n) => n['type'] !== 'comment').map((n) =>
      n['type'] === 'debug' ? { id: n['id'], type: 'helper', z: n['z'], x: n['x'], y: n['y'] } : n,
    );
    await helper.load(NODES, flow);
    const ok = sink('zf-ex-map-debug-ok');
    const joined = sink('zf-ex-map-debug-joined');
    const bad = sink('zf-ex-map-debug-bad');
    helper.getNode('zf-ex-map-inject-ok').receive({});
    await settle();
    assert.equal(ok.got.length, 2);
    assert.deepEqual(
      ok.got.map((m) => [m.cz.type, m.cz.productGroup]),
      [
        ['LP_SHIP_GOODS', 'lp'],
        ['LP_SHIP_GOODS', 'shoes'],
      ],
    );
    assert.equal(ok.got[0].payload.products[0].product_description, 'Платье летнее');
    assert.equal(joined.got.length, 1);
    assert.equal(joined.got[0].payload.length, 2);
    assert.equal(bad.got.length, 0);
    helper.getNode('zf-ex-map-inject-bad').receive({});
    await settle();
    assert.equal(bad.got.length, 1);
    const codes = bad.got[0].errors.map((e: any) => e.code);
    assert.ok(codes.includes('INN_CHECKSUM') && codes.includes('CODE_GTIN_CHECK'), codes.join());
    assert.equal(ok.got.length, 2, 'nothing more on output 1');
  });
});
