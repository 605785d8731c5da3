/**
 * lib/onec/watch-loop.ts (what an onec-read node in watch mode runs) against the 1C emulator over
 * real HTTP, with real watch state files in a temp dir: the first poll at flows:started (not the
 * fallback second), polls every interval after that, a failed timer poll reported with the time of
 * the next, each version emitted once, reset, and a close that stops the timer.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedDocument } from '../../lib/onec/resolve';
import { readTarget, watchStateFile } from '../../lib/onec/read';
import { WatchLoop, type WatchLoopOptions } from '../../lib/onec/watch-loop';
import { useOnecBed } from '../support/onec-bed';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lib/onec/watch-loop WatchLoop (1C emulator, real state files)', function () {
  this.timeout(20000);
  const bed = useOnecBed();
  let dir: string;
  const loops: WatchLoop[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-watchloop-'));
  });
  afterEach(async () => {
    for (const l of loops.splice(0)) await l.close(1000);
  });

  function loop(opts: Partial<WatchLoopOptions> & { confirm?: boolean } = {}): WatchLoop {
    const l = new WatchLoop({
      watch: {
        lookbackHours: 24,
        since: '2026-09-30',
        redeliverMinutes: 60,
        stateFile: (entity) => watchStateFile(dir, 'n1', entity),
        confirm: () => opts.confirm ?? false,
        warn: () => undefined,
      },
      client: () => bed.client,
      intervalMs: 0,
      tick: async () => undefined,
      onTimerError: () => undefined,
      ...opts,
    });
    loops.push(l);
    return l;
  }
  const target = readTarget({ preset: 'ut11', kind: 'sales', entity: '' });

  it('emits each version once (one poll at a time), and every version again after reset', async () => {
    const l = loop();
    const got: ResolvedDocument[] = [];
    const first = await l.poll(
      target.entity,
      target.layout,
      (d) => got.push(d),
      () => undefined,
    );
    assert.ok(first.emitted > 0, 'the emulator has sales since 2026-09-30');
    assert.equal(got.length, first.emitted);
    const again = await l.poll(
      target.entity,
      target.layout,
      (d) => got.push(d),
      () => undefined,
    );
    assert.equal(again.emitted, 0, 'nothing new: nothing emitted');
    await l.reset(target.entity, target.layout);
    const after = await l.poll(
      target.entity,
      target.layout,
      () => undefined,
      () => undefined,
    );
    assert.equal(after.emitted, first.emitted, 'after reset every version again');
  });

  it('first timer poll at flowsStarted, not the fallback delay; then every interval; a failure names the next try; none after close', async () => {
    const ticks: number[] = [];
    const errors: Array<{ err: unknown; next: Date; at: number }> = [];
    const l = loop({
      intervalMs: 150,
      firstDelayMs: 5000,
      tick: async () => {
        ticks.push(Date.now());
        if (ticks.length === 2) throw new Error('1C away');
      },
      onTimerError: (err, next) => errors.push({ err, next, at: Date.now() }),
    });
    l.start();
    await sleep(100);
    assert.equal(ticks.length, 0, 'waits for the flows (or the fallback)');
    const t0 = Date.now();
    l.flowsStarted();
    await sleep(700);
    assert.ok(ticks.length >= 3, `${ticks.length} ticks`);
    assert.ok((ticks[0] ?? Infinity) - t0 < 100, 'the first poll at once');
    assert.ok((ticks[1] ?? 0) - (ticks[0] ?? 0) >= 140, 'then after the interval');
    assert.equal(errors.length, 1);
    assert.equal((errors[0]?.err as Error).message, '1C away');
    const gap = (errors[0]?.next.getTime() ?? 0) - (errors[0]?.at ?? 0);
    assert.ok(gap > 100 && gap <= 160, `next try in ${gap} ms`);
    await l.close(1000);
    assert.equal(l.closed, true);
    const n = ticks.length;
    await sleep(400);
    assert.equal(ticks.length, n, 'no poll after close');
  });

  it('without an interval the timer never runs (polls on input only)', async () => {
    let ticks = 0;
    const l = loop({ intervalMs: 0, firstDelayMs: 10, tick: async () => void ticks++ });
    l.start();
    l.flowsStarted();
    await sleep(200);
    assert.equal(ticks, 0);
  });
});
