/**
 * cz-status in balance mode with low-balance thresholds (issue «Monitoring»): a group below its
 * threshold shows on the node status and leaves by the second output; the node's thresholds, a
 * message's override, a bad threshold to Catch; the balance per group in the metrics; a flow from
 * before version 2 (three outputs) keeps its wires' meaning; examples/balance.json's alert branch.
 * Against the True API emulator (real HTTP, real GOST signatures).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lowBalances, parseThresholds } from '../../lib/cz/balance';
import { isZnakFlowError } from '../../lib/errors';
import { renderPrometheus } from '../../lib/metrics';
import { CZ_STATUS_MIGRATIONS } from '../../nodes/cz-status/model';
import { migrate } from '../../nodes/shared/migrate';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';

const NODES = [
  ...packNodes('cz-connection', 'cz-status'),
  require('@node-red/nodes/core/common/25-catch.js'),
];
const ROOT = path.resolve(__dirname, '..', '..');
type Msg = Record<string, any>;

interface Status {
  fill?: string;
  shape?: string;
  text?: string;
}

function statuses(id: string): Status[] {
  const spy = (
    helper.getNode(id) as unknown as { status: { args: Status[][]; thisValues: Array<{ id?: string }> } }
  ).status;
  return spy.args.filter((_a, i) => spy.thisValues[i]?.id === id).map((a) => a[0] ?? {});
}

/** Messages reaching a helper node, and a wait for the next one (or for none within `ms`). */
function capture(id: string): { got: Msg[]; next(ms?: number): Promise<Msg> } {
  const got: Msg[] = [];
  const waiters: Array<(m: Msg) => void> = [];
  helper.getNode(id).on('input', (m: Msg) => {
    got.push(m);
    waiters.shift()?.(m);
  });
  return {
    got,
    next(ms = 8000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no message at ${id}`)), ms);
        waiters.push((m) => {
          clearTimeout(t);
          resolve(m);
        });
      });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cz-status: low-balance thresholds (balance mode)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 50 });
    const me = bed.emu.registry.participant(bed.world.organisation.inn)!;
    me.balances.clear();
    me.balances.set(1, 50000); // lp: 500.00 ₽
    me.balances.set(2, 2000000); // shoes: 20 000.00 ₽
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-low-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  function conn(): Msg {
    return {
      id: 'conn',
      type: 'cz-connection',
      environment: 'custom',
      url: bed.emu.url,
      participantInn: bed.world.organisation.inn,
      signer: 'openssl',
      certPath: bed.fx.org.certPath,
      keyPath: bed.fx.org.keyPath,
    };
  }
  function flow(node: Msg): Msg[] {
    return [
      { id: 'tab', type: 'tab' },
      conn(),
      {
        id: 'bal',
        type: 'cz-status',
        z: 'tab',
        connection: 'conn',
        mode: 'balance',
        productGroup: '',
        productGroupType: 'str',
        version: 2,
        outputs: 2,
        wires: [['out'], ['alert']],
        ...node,
      },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'alert', type: 'helper', z: 'tab' },
      { id: 'third', type: 'helper', z: 'tab' },
      { id: 'k', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }

  it('a group below its threshold: yellow status, the balance on output 1, the low groups on output 2, metrics', async () => {
    await helper.load(NODES, flow({ thresholds: 'lp=1000, shoes=5000' }));
    const out = capture('out');
    const alert = capture('alert');
    helper.getNode('bal').receive({ payload: '' });
    const m = await out.next();
    const a = await alert.next();
    assert.equal(m.payload.length, 2);
    assert.deepEqual(m.cz.balance.low, [
      { productGroup: 'lp', productGroupId: 1, roubles: 500, threshold: 1000 },
    ]);
    assert.deepEqual(a.payload, m.cz.balance.low);
    assert.equal(a.cz.balance.roubles, 20500);
    const last = statuses('bal').at(-1);
    assert.deepEqual(
      { fill: last?.fill, shape: last?.shape },
      { fill: 'yellow', shape: 'ring' },
      JSON.stringify(last),
    );
    assert.match(last?.text ?? '', /low-balance/);
    const text = renderPrometheus();
    const inn = bed.world.organisation.inn;
    assert.ok(text.includes(`znakflow_balance_roubles{participant="${inn}",productGroup="lp"} 500`), text);
    assert.ok(text.includes(`znakflow_balance_roubles{participant="${inn}",productGroup="shoes"} 20000`));

    // the balance comes back above the threshold: green again, nothing on output 2
    bed.emu.registry.participant(inn)!.balances.set(1, 500000);
    helper.getNode('bal').receive({ payload: '' });
    const m2 = await out.next();
    assert.deepEqual(m2.cz.balance.low, []);
    await sleep(300);
    assert.equal(alert.got.length, 1);
    assert.equal(statuses('bal').at(-1)?.fill, 'green');
    assert.ok(
      renderPrometheus().includes(`znakflow_balance_roubles{participant="${inn}",productGroup="lp"} 5000`),
    );
    bed.emu.registry.participant(inn)!.balances.set(1, 50000);
  });

  it('msg.thresholds overrides the node; no threshold, no alert; a bad one goes to Catch in both languages', async () => {
    await helper.load(NODES, flow({ thresholds: '' }));
    const out = capture('out');
    const alert = capture('alert');
    const caught = capture('caught');
    helper.getNode('bal').receive({ payload: '' });
    assert.deepEqual((await out.next()).cz.balance.low, []);
    // one number: every group
    helper.getNode('bal').receive({ payload: '', thresholds: 100000 });
    const a = await alert.next();
    assert.deepEqual(
      a.payload.map((l: Msg) => l.productGroup),
      ['lp', 'shoes'],
    );
    // an object by group code and `*` for the others
    helper.getNode('bal').receive({ payload: '', thresholds: { shoes: 30000, '*': 1 } });
    const b = await alert.next();
    assert.deepEqual(b.payload, [
      { productGroup: 'shoes', productGroupId: 2, roubles: 20000, threshold: 30000 },
    ]);
    assert.equal(alert.got.length, 2);
    // a threshold that is not a sum
    helper.getNode('bal').receive({ payload: '', thresholds: 'lp=много' });
    const c = await caught.next();
    assert.equal(c.error.code, 'BAD_THRESHOLD');
    assert.match(c.error.message, /порог «lp»/);
    assert.match(c.error.message, /threshold "lp"/);
    assert.equal(statuses('bal').at(-1)?.fill, 'red');
  });

  it('${VAR} in the threshold field', async () => {
    process.env['ZF_TEST_LP_THRESHOLD'] = '600';
    try {
      await helper.load(NODES, flow({ thresholds: 'lp=${ZF_TEST_LP_THRESHOLD}, shoes=1' }));
      const alert = capture('alert');
      helper.getNode('bal').receive({ payload: '' });
      assert.deepEqual((await alert.next()).payload, [
        { productGroup: 'lp', productGroupId: 1, roubles: 500, threshold: 600 },
      ]);
    } finally {
      delete process.env['ZF_TEST_LP_THRESHOLD'];
    }
  });

  it('a flow from before version 2 (three outputs): its second output gets nothing, the status still says so', async () => {
    await helper.load(
      NODES,
      flow({ version: 1, outputs: undefined, thresholds: undefined, wires: [['out'], ['alert'], ['third']] }),
    );
    const out = capture('out');
    const alert = capture('alert');
    const third = capture('third');
    helper.getNode('bal').receive({ payload: '', thresholds: 'lp=1000' });
    const m = await out.next();
    assert.equal(m.cz.balance.low.length, 1);
    await sleep(300);
    assert.equal(alert.got.length + third.got.length, 0);
    assert.equal(statuses('bal').at(-1)?.fill, 'yellow');
  });

  it('the migration to version 2: outputs follow the mode, the first output keeps its wires', () => {
    const old = (mode: string) => ({ mode, version: 1, wires: [['a'], ['b'], ['c']] });
    assert.deepEqual(
      (({ outputs, wires, version, thresholds }) => ({ outputs, wires, version, thresholds }))(
        migrate(old('balance'), CZ_STATUS_MIGRATIONS),
      ),
      { outputs: 2, wires: [['a'], []], version: 2, thresholds: '' },
    );
    const codes = migrate(old('codes'), CZ_STATUS_MIGRATIONS);
    assert.deepEqual([codes['outputs'], codes['wires']], [1, [['a']]]);
    const docs = migrate(old('documents'), CZ_STATUS_MIGRATIONS);
    assert.deepEqual([docs['outputs'], docs['wires']], [3, [['a'], ['b'], ['c']]]);
    // a version-0 flow without wires gets the defaults and the outputs
    const bare = migrate({ mode: 'balance' }, CZ_STATUS_MIGRATIONS);
    assert.deepEqual([bare['outputs'], bare['version'], bare['pollSeconds']], [2, 2, 5]);
  });

  it('thresholds as text: pairs by code or id, `*`, decimals with a comma; unknown groups refused', () => {
    assert.deepEqual(parseThresholds('lp=5000, milk: 2000,50; 54=10\n*=1'), {
      lp: 5000,
      milk: 2000.5,
      '54': 10,
      '*': 1,
    });
    assert.deepEqual(parseThresholds(' 1500 '), { '*': 1500 });
    assert.deepEqual(parseThresholds(''), {});
    assert.throws(
      () => parseThresholds('socks=10'),
      (e: unknown) => isZnakFlowError(e) && e.code === 'BAD_THRESHOLD' && /socks/.test(e.message),
    );
    assert.throws(() => parseThresholds('lp=-1'), /BAD_THRESHOLD|0 or more/);
    // by id when the catalogue does not know the group; no account (no balance) is not checked
    assert.deepEqual(
      lowBalances(
        [
          { productGroupId: 777, productGroup: '777', balanceRoubles: 5 },
          { productGroupId: 1, productGroup: 'lp' },
        ],
        { '777': 10, lp: 10 },
      ),
      [{ productGroup: '777', productGroupId: 777, roubles: 5, threshold: 10 }],
    );
  });

  it('examples/balance.json: the low-balance alert branch', async () => {
    const all = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'balance.json'), 'utf8')) as Msg[];
    const status = all.find((n) => n['type'] === 'cz-status')!;
    assert.equal(status['outputs'], 2);
    const alertTarget = (status['wires'] as string[][])[1]![0]!;
    const nodes = all
      .filter((n) => !['inject', 'comment', 'tab'].includes(String(n['type'])))
      .map((n) => {
        if (n['type'] === 'debug') return { id: n['id'], type: 'helper', z: n['z'], name: n['name'] };
        if (n['type'] === 'cz-connection') return { ...conn(), id: n['id'], name: n['name'] };
        return n;
      });
    const change = nodes.find((n) => n['id'] === alertTarget)!;
    assert.equal(change['type'], 'change');
    const debugAlert = all.find((n) => n['type'] === 'debug' && n['name'] === 'alert')!;
    await helper.load(
      [...NODES, require('@node-red/nodes/core/function/15-change.js')],
      [{ id: 'zf-ex-balance-tab', type: 'tab' }, ...nodes],
    );
    const got = capture(String(debugAlert['id']));
    // both accounts of the bed are below the example's thresholds (lp=50000, shoes=100000)
    helper.getNode(String(status['id'])).receive({ payload: '' });
    const a = await got.next();
    assert.equal(a.topic, 'low-balance');
    assert.equal(
      a.payload,
      'Мало денег на лицевом счёте / Low balance: lp 500.00 ₽ < 50000 ₽, shoes 20000.00 ₽ < 100000 ₽',
    );
    assert.deepEqual(
      a.cz.balance.low.map((l: Msg) => l.productGroup),
      ['lp', 'shoes'],
    );
  });
});
