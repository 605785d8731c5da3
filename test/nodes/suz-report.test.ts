/**
 * suz-report in a real Node-RED runtime against the СУЗ emulator (real HTTP, real GOST): a block
 * message of suz-order reported (utilisation) and followed to SUCCESS, sent once when the same
 * block comes again; codes in msg.payload (dropout); a failed report on output 2; bad input to
 * Catch; a lost answer found by the codes' status in True API instead of sending it again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withCheckDigit } from '../../lib/codes/gtin';
import { tryParseCode } from '../../lib/codes/parse';
import { DEMO_OMS_CONNECTION, DEMO_OMS_ID } from '../../lib/emulators/suz';
import { stateDir } from '../../lib/store/atomic';
import { suzJournalFile, SuzJournal } from '../../lib/suz/journal';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';
import { collect, startSuzBed, suzConnectionNode, until, type SuzBed } from '../support/suz';

const CATCH = require('@node-red/nodes/core/common/25-catch.js') as unknown;
const INJECT = require('@node-red/nodes/core/common/20-inject.js') as unknown;
const DEBUG = require('@node-red/nodes/core/common/21-debug.js') as unknown;
const COMMENT = require('@node-red/nodes/core/common/90-comment.js') as unknown;
const CHANGE = require('@node-red/nodes/core/function/15-change.js') as unknown;
const NODES = [...packNodes('cz-connection', 'suz-order', 'suz-report', 'cz-send'), CATCH, CHANGE];
const ROOT = path.join(__dirname, '..', '..');
const GTIN = '04640638345218';
type Msg = Record<string, any>;

describe('suz-report (node ↔ СУЗ emulator)', function () {
  this.timeout(60000);
  let bed: SuzBed;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startSuzBed({ emissionDelayMs: 50, reportDelayMs: 100 });
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-suz-report-'));
    helper.settings({ userDir });
    const p = bed.emu.registry.participant(bed.fx.orgInn);
    p?.balances.set(1, 1000000);
    p?.balances.set(8, 1000000);
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  function flow(report: Record<string, unknown> = {}, order: Record<string, unknown> = {}) {
    return [
      { id: 'tab', type: 'tab' },
      suzConnectionNode(bed),
      {
        id: 'order',
        type: 'suz-order',
        z: 'tab',
        connection: 'conn',
        productGroup: 'milk',
        templateId: 20,
        blockSize: 10,
        pollSeconds: 0.05,
        wires: [['blocks', 'report'], [], []],
        ...order,
      },
      {
        id: 'report',
        type: 'suz-report',
        z: 'tab',
        connection: 'conn',
        kind: 'utilisation',
        pollSeconds: 0.05,
        settleSeconds: 5,
        wires: [['ok'], ['failed'], ['pending']],
        ...report,
      },
      { id: 'blocks', type: 'helper', z: 'tab' },
      { id: 'ok', type: 'helper', z: 'tab' },
      { id: 'failed', type: 'helper', z: 'tab' },
      { id: 'pending', type: 'helper', z: 'tab' },
      { id: 'catch', type: 'catch', z: 'tab', x: 100, y: 100, scope: null, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }
  const statusOf = (code: string): string | undefined => {
    const p = tryParseCode(code, 'milk');
    return p.ok ? bed.emu.registry.code(p.value.cis)?.status : undefined;
  };
  const reportsOf = (kind: string): number =>
    [...bed.suz.reports.values()].filter((r) => r.kind === kind).length;

  it('a block of suz-order: utilisation sent once, followed to SUCCESS; the same block again sends nothing', async () => {
    await helper.load(NODES, flow());
    const ok = collect(helper, 'ok');
    const blocks = collect(helper, 'blocks');
    const before = reportsOf('utilisation');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 6 } });
    await until('reported', () => ok.length === 1);
    const m = ok[0] as Msg;
    assert.equal(m['suz'].report.kind, 'utilisation');
    assert.equal(m['suz'].report.status, 'SUCCESS');
    assert.equal(m['suz'].report.codes, 6);
    assert.equal(m['suz'].report.key, `report:utilisation:block:${m['suz'].blockId}`);
    for (const c of m['payload'] as string[]) assert.equal(statusOf(c), 'APPLIED');
    assert.equal(reportsOf('utilisation'), before + 1);
    helper.getNode('report').receive(blocks[0] as Msg);
    await until('again', () => ok.length === 2);
    assert.equal(reportsOf('utilisation'), before + 1, 'not sent twice');
  });

  it('dropout of codes given as text in msg.payload; a report that fails leaves by output 2', async () => {
    await helper.load(
      NODES,
      flow(
        { kind: 'dropout', productGroup: 'milk', dropoutReason: 'DEFECT' },
        { wires: [['blocks'], [], []] },
      ),
    );
    const blocks = collect(helper, 'blocks');
    const ok = collect(helper, 'ok');
    const failed = collect(helper, 'failed');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 3 } });
    await until('block', () => blocks.length === 1);
    const codes = blocks[0]?.['payload'] as string[];
    helper.getNode('report').receive({ payload: codes.join('\n') });
    await until('dropout', () => ok.length === 1);
    for (const c of codes) assert.equal(statusOf(c), 'WRITTEN_OFF');
    // the same codes again: the same report, not sent twice
    const n = reportsOf('dropout');
    helper.getNode('report').receive({ payload: codes });
    await until('again', () => ok.length === 2);
    assert.equal(reportsOf('dropout'), n);
    // codes the station never emitted: СУЗ fails the report
    const unknown = codes.map((c) => c.slice(0, 19) + (c[19] === 'Z' ? 'Y' : 'Z') + c.slice(20));
    helper.getNode('report').receive({ payload: unknown });
    await until('failed', () => failed.length === 1 || ok.length === 3);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.['suz'].report.status, 'FAILED');
    assert.match(failed[0]?.['suz'].report.errorReason, /КМ не найден/);
  });

  it('aggregation: codes into a box (SSCC), sent once, the box known to True API afterwards', async () => {
    await helper.load(
      NODES,
      flow({ kind: 'aggregation', productGroup: 'milk' }, { wires: [['blocks'], [], []] }),
    );
    const blocks = collect(helper, 'blocks');
    const ok = collect(helper, 'ok');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 4 } });
    await until('block', () => blocks.length === 1);
    const sscc = withCheckDigit('14640638345200001');
    const before = reportsOf('aggregation');
    helper
      .getNode('report')
      .receive({ payload: [{ unitSerialNumber: sscc, sntins: blocks[0]?.['payload'] }] });
    await until('aggregated', () => ok.length === 1);
    assert.equal(ok[0]?.['suz'].report.codes, 4);
    assert.equal(reportsOf('aggregation'), before + 1);
    assert.ok(bed.emu.registry.code(sscc), 'the box is in the registry');
  });

  it('bad input goes to Catch naming the field, nothing is sent', async () => {
    await helper.load(NODES, flow({ productGroup: 'milk' }));
    const caught = collect(helper, 'caught');
    const before = bed.suz.reports.size;
    helper.getNode('report').receive({ payload: [] });
    await until('caught', () => caught.length === 1);
    assert.match(
      (caught[0]?.['error'] as { message: string }).message,
      /payload.*(нет ни одного кода|no code)/,
    );
    helper.getNode('report').receive({ payload: 42 });
    await until('caught 2', () => caught.length === 2);
    assert.equal(bed.suz.reports.size, before);
  });

  it('a lost answer: the report is found by its codes in True API, not sent again', async () => {
    await helper.load(NODES, flow({}, { wires: [['blocks'], [], []] }));
    const blocks = collect(helper, 'blocks');
    const ok = collect(helper, 'ok');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 4 } });
    await until('block', () => blocks.length === 1);
    const before = reportsOf('utilisation');
    bed.suz.loseAnswer('utilisation');
    helper.getNode('report').receive(blocks[0] as Msg);
    await until('reported', () => ok.length === 1);
    assert.equal(reportsOf('utilisation'), before + 1, 'sent once');
    assert.equal(ok[0]?.['suz'].report.inferred, true);
  });

  it('examples/suz-order.json as shipped: the button orders 20 codes, two blocks are reported, the order closes', async () => {
    const env = {
      CZ_URL: bed.emu.url,
      CZ_INN: bed.world.organisation.inn,
      CZ_CERT: bed.fx.org.certPath,
      CZ_KEY: bed.fx.org.keyPath,
      OMS_ID: DEMO_OMS_ID,
      OMS_CONNECTION: DEMO_OMS_CONNECTION,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const flows = JSON.parse(
        fs.readFileSync(path.join(ROOT, 'examples', 'suz-order.json'), 'utf8'),
      ) as Msg[];
      // the example asks the buffer every 2 s: fast for the test
      const fast = flows.map((n) => (String(n['type']).startsWith('suz-') ? { ...n, pollSeconds: 0.05 } : n));
      await helper.load([...NODES, INJECT, DEBUG, COMMENT], fast);
      const reported = collect(helper, 'zf-ex-suz-reported');
      const done = collect(helper, 'zf-ex-suz-done');
      const errors = collect(helper, 'zf-ex-suz-err');
      const before = bed.balance('lp') as number;
      (helper.getNode('zf-ex-suz-inject') as unknown as { receive(m: Msg): void }).receive({});
      await until('order done and blocks reported', () => done.length === 1 && reported.length === 2);
      assert.deepEqual(errors, []);
      assert.equal(done[0]?.['suz'].codes, 20);
      assert.deepEqual(
        reported.map((m) => m['suz'].report.status),
        ['SUCCESS', 'SUCCESS'],
      );
      assert.equal(bed.balance('lp'), before - 20 * bed.suz.options.priceKopecks);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  // Confirmation of blocks (docs/suz.md «Подтверждение блоков»): a block counts as handed on when its
  // report is journalled final; suz-order delivers the others again after a start.
  const reload = async (f: ReturnType<typeof flow>): Promise<{ blocks: Msg[]; ok: Msg[] }> => {
    await helper.unload();
    helper.settings({ userDir });
    await helper.load(NODES, f);
    return { blocks: collect(helper, 'blocks'), ok: collect(helper, 'ok') };
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('restart before suz-report journalled the block: delivered again once (again: true) and reported once; no confirming node, no redelivery', async () => {
    const alone = flow({}, { wires: [['blocks'], ['pending'], []] });
    await helper.load(NODES, alone);
    const blocks = collect(helper, 'blocks');
    const done = collect(helper, 'pending');
    const before = reportsOf('utilisation');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 15 } });
    await until('order done', () => done.length === 1 && blocks.length === 2);
    const ids = blocks.map((m) => m['suz'].blockId as string).sort();
    // no suz-report down the flow: today's behaviour, a delivered block stays delivered
    let o = await reload(alone);
    await pause(400);
    assert.equal(o.blocks.length, 0);
    // the report node wired in: both blocks again, each reported once
    o = await reload(flow());
    await until('both blocks reported', () => o.ok.length === 2);
    assert.deepEqual(o.blocks.map((m) => m['suz'].blockId as string).sort(), ids);
    assert.ok(o.blocks.every((m) => m['suz'].again === true));
    assert.equal(o.blocks.flatMap((m) => m['payload'] as string[]).length, 15);
    assert.equal(reportsOf('utilisation'), before + 2);
    // confirmed now: another start delivers nothing
    o = await reload(flow());
    await pause(400);
    assert.equal(o.blocks.length, 0);
    assert.equal(o.ok.length, 0);
    assert.equal(reportsOf('utilisation'), before + 2);
  });

  it('restart while a report is followed: the block comes again, the journalled report is resumed (not sent again) and its outcome emitted', async () => {
    bed.suz.options.reportDelayMs = 1500;
    try {
      await helper.load(NODES, flow());
      const ok = collect(helper, 'ok');
      const before = reportsOf('utilisation');
      helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 6 } });
      await until('report sent', () => reportsOf('utilisation') === before + 1);
      await pause(100);
      const o = await reload(flow());
      assert.equal(ok.length, 0, 'stopped before the outcome');
      await until('resumed and emitted', () => o.ok.length === 1, 10000);
      assert.equal(o.ok[0]?.['suz'].again, true);
      assert.equal(o.ok[0]?.['suz'].report.status, 'SUCCESS');
      assert.equal(o.ok[0]?.['suz'].report.codes, 6);
      assert.equal(reportsOf('utilisation'), before + 1, 'the report is not sent twice');
    } finally {
      bed.suz.options.reportDelayMs = 100;
    }
  });
  it('restart after the outcome left for the introduction, before cz-send journalled it: the block comes again, its report is not sent again, the introduction is sent once', async () => {
    const inn = bed.fx.orgInn;
    // what the introduction needs (examples/order-codes.json makes it from the 1C order with cz-map-document)
    const toDocument = {
      id: 'doc',
      type: 'change',
      z: 'tab',
      rules: [
        {
          t: 'set',
          p: 'payload',
          pt: 'msg',
          to: `{"participant_inn": "${inn}", "producer_inn": "${inn}", "owner_inn": "${inn}", "production_date": $substring($now(), 0, 10), "production_type": "OWN_PRODUCTION", "products": [$map(suz.cises, function($c) { {"uit_code": $c, "tnved_code": "0401201100"} })]}`,
          tot: 'jsonata',
        },
        {
          t: 'set',
          p: 'cz',
          pt: 'msg',
          to: '{"type": "LP_INTRODUCE_GOODS", "productGroup": "milk", "key": "intro:" & suz.blockId}',
          tot: 'jsonata',
        },
      ],
      wires: [['send']],
    };
    const send = {
      id: 'send',
      type: 'cz-send',
      z: 'tab',
      connection: 'conn',
      retryMinutes: 0,
      wires: [['ok'], ['ok']],
    };
    const introduced = (codes: string[]): number => codes.filter((c) => statusOf(c) === 'INTRODUCED').length;
    // the moment of the crash: the outcome has left suz-report for the introduction, and cz-send has
    // journalled nothing (here: the message reaches it without a document type, so it goes to Catch)
    const broken = flow({ wires: [['send'], ['failed'], ['pending']] }).concat([send as never]);
    await helper.load(NODES, broken);
    const caught = collect(helper, 'caught');
    const blocks = collect(helper, 'blocks');
    const before = reportsOf('utilisation');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 6 } });
    await until(
      'the outcome reached cz-send and failed there',
      () => caught.length === 1 && blocks.length === 1,
    );
    assert.equal(reportsOf('utilisation'), before + 1);
    const codes = blocks[0]?.['payload'] as string[];
    assert.equal(introduced(codes), 0);
    // a SIGKILL may come between any two journal lines: at none of them may the block count as
    // handed on, since no confirmation came (it did once, when the report was made final in one line
    // and marked awaiting in the next: that block was never introduced)
    const blockId = String(blocks[0]?.['suz'].blockId);
    const lines = fs
      .readFileSync(suzJournalFile(stateDir(userDir), DEMO_OMS_ID), 'utf8')
      .split('\n')
      .filter(Boolean);
    const cut = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-suz-cut-'));
    try {
      lines.forEach((_, i) => {
        const file = path.join(cut, `prefix-${i}.jsonl`);
        fs.writeFileSync(file, `${lines.slice(0, i + 1).join('\n')}\n`);
        const j = new SuzJournal(file, { durable: false });
        assert.equal(j.blockConfirmed(blockId), false, `a crash after journal line ${i + 1}: ${lines[i]}`);
        j.close();
      });
    } finally {
      fs.rmSync(cut, { recursive: true, force: true });
    }

    // the start after it: the block is not handed on (no confirmation came), so it comes again; the
    // report is found final in the journal and its outcome goes on to the introduction, sent once
    const fixed = flow({ wires: [['doc'], ['failed'], ['pending']] }).concat([
      toDocument as never,
      send as never,
    ]);
    let o = await reload(fixed);
    await until('introduced', () => introduced(codes) === codes.length, 15000);
    assert.equal(o.blocks.length, 1);
    assert.equal(o.blocks[0]?.['suz'].again, true);
    assert.equal(reportsOf('utilisation'), before + 1, 'the report is not sent twice');
    await until('confirmed', () => o.ok.length === 1);
    assert.match(
      String(o.ok[0]?.['cz'].documentId ?? ''),
      /\S/,
      'the introduction sent, with its document id',
    );
    // confirmed by cz-send now: another start delivers nothing
    o = await reload(fixed);
    await pause(600);
    assert.equal(o.blocks.length, 0, 'the block was handed on');
    assert.equal(reportsOf('utilisation'), before + 1);
  });
  it('the station failing more often than the client retries: the node tries again within its wait, the report is sent once, its outcome comes out, the block is handed on', async () => {
    await helper.load(NODES, flow());
    const ok = collect(helper, 'ok');
    const caught = collect(helper, 'caught');
    const before = reportsOf('utilisation');
    // the client retries 4 times (lib/retry.ts DEFAULT_RETRY): 6 failures in a row exhaust it, twice
    bed.suz.injectFault('5xx', 'report/info', 6);
    bed.suz.injectFault('429', 'utilisation', 6);
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 4 } });
    await until('reported after the failures', () => ok.length === 1, 40000);
    assert.equal(caught.length, 0, JSON.stringify(caught[0]?.['error']));
    assert.equal(ok[0]?.['suz'].report.status, 'SUCCESS');
    assert.equal(reportsOf('utilisation'), before + 1, 'sent once');
    // handed on: a start delivers nothing again
    const o = await reload(flow());
    await pause(600);
    assert.equal(o.blocks.length, 0);
  });
});
