/**
 * A long run, accelerated: the standard flow in a real Node-RED against the demo emulators, sales
 * posted in 1C continuously (short poll intervals, fast processing) until N documents went through
 * (sent once, outcome written back). Measured in the Node-RED process through a test-only probe
 * (settings.js `httpAdminMiddleware`, see test/support/ops.ts): memory after a full GC — RSS may grow
 * less than 10 % after the warm-up; the journal file on disk — bounded by pruning (a short horizon
 * and compaction threshold set in settings.js `znakflow`); active handles and resources (timers,
 * sockets, child processes) — the same after several redeploys, and back to the baseline once the
 * flow is removed.
 *
 * Bounded form (npm test): 200 documents; not repeated by the Node.js 22 compatibility run (CI time)
 * unless ZNAKFLOW_SOAK_COMPAT=1. Full form: `npm run test:soak` (ZNAKFLOW_SOAK_FULL=1):
 * 5 000 documents. ZNAKFLOW_SOAK_DOCS sets the number.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../../lib/store/atomic';
import { probe, sleep, startOpsBed, STD, type OpsBed, type Probe } from '../support/ops';

const FULL = process.env['ZNAKFLOW_SOAK_FULL'] === '1';
const DOCS = Number(process.env['ZNAKFLOW_SOAK_DOCS'] ?? (FULL ? 5000 : 200));
/** the journal keeps finished documents this long (seconds) and compacts after this many extra lines */
const HORIZON_S = 5;
const COMPACT_LINES = 100;
const REDEPLOYS = 5;
const EMPTY_FLOW = [{ id: 'soak-empty', type: 'tab', label: 'empty' }];
const MB = 1024 * 1024;

interface Sample {
  done: number;
  at: number;
  rssMb: number;
  heapMb: number;
  journalLines: number;
  journalKb: number;
  entries: number;
}

describe(`e2e: soak, ${DOCS} documents through the standard flow`, function () {
  this.timeout((FULL ? 7200 : 900) * 1000);
  let bed: OpsBed;
  let baseline: Probe;
  const samples: Sample[] = [];
  const figures: Record<string, unknown> = { form: FULL ? 'full' : 'bounded', documents: DOCS };

  before(async function () {
    if (process.env['ZNAKFLOW_COMPAT'] && !FULL && process.env['ZNAKFLOW_SOAK_COMPAT'] !== '1') {
      // The compatibility run repeats the end-to-end suites on Node.js 22; the soak is measured once.
      console.log('      soak skipped in the compatibility run (ZNAKFLOW_SOAK_COMPAT=1 runs it)');
      this.skip();
    }
    bed = await startOpsBed({
      deploy: false,
      fast: { interval: 1, pollSeconds: 1, settleSeconds: 3 },
      demo: { cz: { processingDelayMs: 200 } },
      settings: { znakflow: { journalDays: HORIZON_S / 86400, journalCompactLines: COMPACT_LINES } },
    });
    // the process with the pack loaded and nothing deployed: what must remain after the flow is gone
    await bed.deploy(EMPTY_FLOW);
    await sleep(3000);
    baseline = await probe(bed.rt);
  });
  after(async () => {
    if (bed) {
      console.log(`      soak figures: ${JSON.stringify(figures)}`);
      await bed.stop();
    }
  });

  const journalFile = (): string | undefined => {
    const dir = stateDir(bed.rt.userDir);
    // the sales go as УПД: the journal of the УПД (lib/edo/desk.ts), pruned and compacted like the other
    const f = fs.existsSync(dir) ? fs.readdirSync(dir).find((n) => /^edo-.*\.jsonl$/.test(n)) : undefined;
    return f ? path.join(dir, f) : undefined;
  };
  const sample = async (done: number): Promise<Sample> => {
    const p = await probe(bed.rt);
    const f = journalFile();
    const text = f ? fs.readFileSync(f, 'utf8') : '';
    const j = await bed.journal();
    const s: Sample = {
      done,
      at: Date.now(),
      rssMb: Math.round((p.memory.rss / MB) * 10) / 10,
      heapMb: Math.round((p.memory.heapUsed / MB) * 10) / 10,
      journalLines: text ? text.split('\n').filter(Boolean).length : 0,
      journalKb: Math.round(Buffer.byteLength(text) / 1024),
      entries: j.journals.find((x) => x.stand.startsWith('ЭДО Лайт'))?.summary.total ?? 0,
    };
    samples.push(s);
    return s;
  };
  /** Sales whose outcome is back in 1C, among those posted by the soak. */
  const written = (refs: string[]): number => {
    const out = bed.outcomes();
    return refs.filter((r) => out.has(r)).length;
  };

  it(`sends ${DOCS} documents exactly once and writes every outcome back, with memory flat after the warm-up`, async () => {
    await bed.deploy();
    const t0 = Date.now();
    // the demo's own sales go first; the soak counts its own
    await bed.comms.waitFor(() => bed.outcomes().size >= 6, 120000, 'the demo sales');
    const refs: string[] = [];
    const numbers: string[] = [];
    const warmUpAt = Math.max(50, Math.round(DOCS * 0.2));
    const every = Math.max(25, Math.round(DOCS / 10));
    let warm: Sample | undefined;
    let nextSample = every;
    const wave = FULL ? 40 : 20;
    while (written(refs) < DOCS) {
      const done = written(refs);
      // keep a steady backlog of about two waves in the flow
      if (refs.length < DOCS && refs.length - done < wave * 2) {
        for (let i = 0; i < wave && refs.length < DOCS; i++) {
          const n = refs.length;
          const s = bed.postSale({ lines: [{ item: n % 5, quantity: 1 + (n % 2) }], counterparty: n % 3 });
          refs.push(s.ref.toLowerCase());
          numbers.push(s.number);
        }
      }
      if (!warm && done >= warmUpAt) {
        warm = await sample(done);
        nextSample = done + every;
      } else if (warm && done >= nextSample) {
        await sample(done);
        nextSample += every;
      } else await sleep(500);
      if (Date.now() - t0 > (FULL ? 6000 : 700) * 1000) assert.fail(`stalled at ${done} of ${DOCS}`);
    }
    const seconds = (Date.now() - t0) / 1000;
    const end = await sample(DOCS);
    assert.ok(warm, 'warm-up sample');
    figures['seconds'] = Math.round(seconds);
    figures['docsPerSecond'] = Math.round((DOCS / seconds) * 10) / 10;
    figures['rssWarmMb'] = warm.rssMb;
    figures['rssEndMb'] = end.rssMb;
    figures['rssMaxMb'] = Math.max(...samples.map((s) => s.rssMb));
    figures['rssGrowthPct'] = Math.round((end.rssMb / warm.rssMb - 1) * 1000) / 10;
    figures['heapWarmMb'] = warm.heapMb;
    figures['heapEndMb'] = end.heapMb;
    figures['journalMaxLines'] = Math.max(...samples.map((s) => s.journalLines));
    figures['journalMaxKb'] = Math.max(...samples.map((s) => s.journalKb));
    figures['journalMaxEntries'] = Math.max(...samples.map((s) => s.entries));
    figures['samples'] = samples.map((s) => [s.done, s.rssMb, s.heapMb, s.journalLines, s.entries]);

    // exactly once: every soak sale is one УПД
    const received = bed.received();
    for (const n of numbers) {
      const k = [...received.keys()].filter((x) => x.startsWith(`${n}|`));
      assert.equal(k.length, 1, `${n}: one product group`);
      assert.equal(received.get(k[0] as string), 1, `${n} sent once`);
    }
    // memory flat after the warm-up: the heap after a full GC (what a leak grows) within 10 % or 4 MB;
    // the resident size, which also holds what the allocator keeps and the load of the machine moves
    // (11 % once on a shared CI machine with no heap growth), within 10 % or 24 MB
    assert.ok(
      end.heapMb <= Math.max(warm.heapMb * 1.1, warm.heapMb + 4),
      `heap grew after the warm-up (${warm.heapMb} → ${end.heapMb} MB after GC)`,
    );
    assert.ok(
      end.rssMb <= Math.max(warm.rssMb * 1.1, warm.rssMb + 24),
      `RSS grew ${figures['rssGrowthPct']} % after the warm-up (${warm.rssMb} → ${end.rssMb} MB)`,
    );
    // the journal stays bounded: finished documents are pruned, the file compacted
    for (const s of samples) {
      assert.ok(
        s.journalLines <= s.entries + COMPACT_LINES + 50,
        `journal file ${s.journalLines} lines for ${s.entries} entries`,
      );
    }
    // … and does not grow with the documents processed: the second half of the run holds no more
    // entries than the first (pruned to the horizon), and far fewer than were sent
    const afterWarm = samples.filter((s) => s.done >= warm.done);
    const half = afterWarm.filter((s) => s.done <= (warm.done + DOCS) / 2);
    const late = afterWarm.filter((s) => s.done > (warm.done + DOCS) / 2);
    const maxOf = (list: Sample[]): number => Math.max(0, ...list.map((s) => s.entries));
    figures['journalEntriesFirstHalf'] = maxOf(half);
    figures['journalEntriesSecondHalf'] = maxOf(late);
    assert.ok(
      maxOf(late) <= maxOf(half) * 1.5 + 25,
      `journal entries keep growing: ${maxOf(half)} in the first half, ${maxOf(late)} in the second`,
    );
    // pruned: the journal holds what finished within the horizon plus at most COMPACT_LINES lines
    // not compacted yet — at the demo's pace (about 10 documents a second here) well under the
    // 200 + 6 entries an unpruned journal would hold (CI measured 100 once, the bound was `< DOCS / 2`)
    assert.ok(
      Number(figures['journalMaxEntries']) <= DOCS * 0.6,
      `entries pruned (${figures['journalMaxEntries']} at most for ${DOCS} documents)`,
    );
    assert.doesNotMatch(bed.rt.log(), /Unhandled|uncaught|TypeError|ReferenceError/i);
  });

  it(`${REDEPLOYS} redeploys leave no timer, socket or process behind`, async () => {
    const after: Probe[] = [];
    for (let k = 0; k < REDEPLOYS; k++) {
      const t = Date.now();
      await bed.deploy(bed.flows.map((n) => ({ ...n })));
      // running again: a poll of 1C went through after the deploy
      await bed.comms.waitFor(
        () => bed.comms.statuses(STD.read).some((s) => s.at > t && s.fill === 'green'),
        60000,
        `onec-read polling after redeploy ${k + 1}`,
      );
      await sleep(2500);
      after.push(await probe(bed.rt));
    }
    // still working after the redeploys
    const fresh = Array.from({ length: 5 }, (_, i) => bed.postSale({ lines: [{ item: i, quantity: 1 }] }));
    await bed.comms.waitFor(
      () => fresh.every((s) => bed.outcomes().has(s.ref.toLowerCase())),
      120000,
      'sales after the redeploys',
    );
    const kinds = (p: Probe) => p.resources;
    const first = kinds(after[0] as Probe);
    const last = kinds(after[after.length - 1] as Probe);
    figures['resourcesAfterFirstRedeploy'] = first;
    figures['resourcesAfterLastRedeploy'] = last;
    for (const type of ['Timeout', 'TCPSocketWrap', 'ProcessWrap', 'PipeWrap', 'FSReqCallback']) {
      assert.ok(
        (last[type] ?? 0) <= (first[type] ?? 0) + 2,
        `${type}: ${first[type] ?? 0} after the first redeploy, ${last[type] ?? 0} after the ${REDEPLOYS}th`,
      );
    }
    // the flow removed: back to the process as it was before the flow was deployed
    await bed.deploy(EMPTY_FLOW);
    await sleep(3000);
    // sockets being closed (shutdown in progress) are not left behind: give them a few seconds
    const settled = (p: Probe): boolean =>
      Object.entries(p.resources).every(([type, n]) => n <= (baseline.resources[type] ?? 0));
    let end = await probe(bed.rt);
    for (let i = 0; i < 5 && !settled(end); i++) {
      await sleep(1000);
      end = await probe(bed.rt);
    }
    figures['resourcesBaseline'] = baseline.resources;
    figures['resourcesWithoutFlow'] = end.resources;
    figures['handlesBaseline'] = baseline.handles;
    figures['handlesWithoutFlow'] = end.handles;
    for (const type of new Set([...Object.keys(end.resources), ...Object.keys(baseline.resources)])) {
      assert.ok(
        (end.resources[type] ?? 0) <= (baseline.resources[type] ?? 0),
        `${type}: ${baseline.resources[type] ?? 0} before the flow, ${end.resources[type] ?? 0} after it was removed`,
      );
    }
  });
});
