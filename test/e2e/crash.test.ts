/**
 * Crash test: the standard flow (watch interval shortened to 2 s, otherwise as shipped) syncing a
 * demo base with many sales — УПД through ЭДО Лайт, the fur coats as LP_SHIP_GOODS — while Node-RED is
 * killed with SIGKILL at random moments and started again on the same user directory each time. Zero
 * documents lost, zero sent twice (no УПД twice), every outcome written back into 1C.
 *
 * The moments are random points of the sync's progress (documents received by Честный ЗНАК plus
 * outcomes written into 1C), so that kills fall while reading 1C, while sending, while following
 * statuses and while writing back, plus a random few hundred milliseconds.
 *
 * Bounded form in `npm test`: 4 kills during a 60-sale sync. Full form (10 kills, 200 sales):
 *   ZNAKFLOW_E2E_FULL=1 npx mocha --timeout 0 test/e2e/crash.test.ts     (or npm run test:crash)
 * The seed is printed; ZNAKFLOW_SEED=<n> repeats the same moments.
 */
import assert from 'node:assert/strict';
import { prng } from '../../lib/emulators/demo-data';
import { FULL, SEED, useStack } from '../support/e2e-run';
import {
  countPerSaleAndGroup,
  duplicates,
  expectedShipments,
  sentShipments,
  waitFor,
  withWatchInterval,
  writtenBackAll,
} from '../support/stack';

const KILLS = FULL ? 10 : 4;
const EXTRA_SALES = FULL ? 193 : 53; // + the 7 posted demo sales = 200 (60) sales

describe(`e2e: Node-RED killed with SIGKILL ${KILLS} times during a ${EXTRA_SALES + 7}-sale sync (seed ${SEED})`, function () {
  this.timeout(FULL ? 3600000 : 900000);
  const stack = useStack({
    examples: ['standard-sync.json'],
    world: { extraSales: EXTRA_SALES, codesPerSale: 5, furs: true },
    // A little latency so that a sync lasts long enough to be interrupted many times.
    cz: { processingDelayMs: 1000, latencyMs: [20, 120] },
    transform: withWatchInterval(2),
    comms: false,
  });

  it('loses no document, sends none twice, and writes every outcome back', async () => {
    const s = stack.s;
    const rand = prng(SEED);
    const want = expectedShipments(s.demo);
    const refOf = new Map(want.map((w) => [w.number, w.ref.toLowerCase()]));
    const progress = async (): Promise<{ sent: number; written: number }> => {
      const sent = sentShipments(s.demo);
      const values = await writtenBackAll(s.demo);
      const written = sent.filter((d) => (values.get(refOf.get(d.number) ?? '') ?? '').includes(d.id)).length;
      return { sent: sent.length, written };
    };
    const total = want.length * 2;
    const points = Array.from({ length: KILLS }, () => Math.floor(rand() * total * 0.9)).sort(
      (a, b) => a - b,
    );
    const log: string[] = [];
    const t0 = Date.now();
    for (const [i, point] of points.entries()) {
      // wait until the sync has come this far (or a while, if it is held up), then a random moment more
      await waitFor(
        async () => {
          const p = await progress();
          return p.sent + p.written >= point;
        },
        90000,
        `progress ${point}`,
        100,
      ).catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 400)));
      const p = await progress();
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      log.push(`kill ${i + 1} at ${secs} s: ${p.sent}/${want.length} received, ${p.written} written back`);
      await s.restart('kill');
    }
    console.log(`      seed ${SEED}\n      ${log.join('\n      ')}`);
    await waitFor(
      async () => {
        const p = await progress();
        return p.written >= want.length && p.sent >= want.length;
      },
      FULL ? 900000 : 300000,
      async () => {
        const sent = sentShipments(s.demo);
        const have = countPerSaleAndGroup(sent);
        const missing = want
          .filter((w) => !have.get(`${w.number}|${w.pg}`))
          .map((w) => `${w.number}/${w.pg}`);
        return `everything sent and written back after the kills (seed ${SEED}): ${JSON.stringify(
          await progress(),
        )}, missing [${missing.slice(0, 10).join(', ')}], duplicates [${duplicates(sent).join(', ')}]\n${s.rt
          .log()
          .slice(-3000)}`;
      },
      500,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const sent = sentShipments(s.demo);
    console.log(
      `      ${sent.length} documents for ${want.length} expected, all written back, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    assert.deepEqual(duplicates(sent), [], `nothing sent twice (seed ${SEED})`);
    const have = countPerSaleAndGroup(sent);
    for (const w of want)
      assert.equal(have.get(`${w.number}|${w.pg}`), 1, `${w.number}/${w.pg} (seed ${SEED})`);
    assert.equal(sent.length, want.length);
    const values = await writtenBackAll(s.demo);
    for (const d of sent) {
      const v = values.get(refOf.get(d.number) ?? '') ?? '';
      assert.ok(v.includes(d.id) && v.includes(`[${d.status}]`), `${d.number}/${d.pg} written back: «${v}»`);
    }
    const j = await s.journal();
    for (const e of j.journals.flatMap((x) => x.entries)) {
      assert.equal(e.state, 'final', `${e.key}: ${e.state} ${e.lastError ?? ''}`);
    }
  });
});
