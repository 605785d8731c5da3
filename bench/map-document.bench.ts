/**
 * cz-map-document: map + validate a 30 000-code 1C sale (target < 300 ms on this machine), and map,
 * validate and split a 100 000-code one; then the peak memory of mapping the 100 000-code sale
 * against the message's own footprint, measured in a fresh process (bench/map-memory.ts says how;
 * target: under 2×). A third of the codes are
 * stored as full GS1 text with GS and crypto tail (as in the demo 1C base), the rest in short form;
 * the input is parsed from JSON, as onec-read hands it over.
 *
 * The target is judged on wall time (what a flow waits); the CPU time of this process (user +
 * system, all threads, the parallel garbage collector included) is printed beside it, since the
 * machine is shared and other work slows the wall clock.
 * The baseline, measured in the same run, is one JSON round trip of the same 1C message: the least
 * any processing that looks at every code once must cost.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BenchResult } from './run';
import { mapDocument } from '../lib/documents';
import { demoWorld } from '../lib/emulators/demo-data';
import { bigSale } from '../test/support/onec-fixtures';

export const name = 'cz-map-document: map, validate, split';

interface Timing {
  cpu: number;
  wall: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function timeRuns(runs: number, fn: () => Promise<unknown> | unknown): Promise<Timing> {
  await fn(); // warm-up
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const mb = (bytes: number): number => bytes / (1024 * 1024);
const f0 = (n: number): string => n.toFixed(0);

interface MemoryFigures {
  codes: number;
  valid: boolean;
  parts: number[];
  ms: number;
  collections: number;
  message: number;
  peak: number;
  kept: number;
  rssMessage: number;
  rssPeak: number | null;
}

/** bench/map-memory.ts in a process of its own (nothing else of the benchmark in its heap). */
function measureMemory(): MemoryFigures {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'map-memory.ts')],
    { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`map-memory.ts exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as MemoryFigures;
}

export async function run(): Promise<BenchResult[]> {
  const world = demoWorld({ baseDate: '2026-11-20T09:00:00' });
  const today = new Date('2026-11-21T12:00:00');
  // As onec-read hands it over: parsed from the OData JSON answer (flat strings, no shared parts).
  const asRead = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  const sale30 = asRead(bigSale(world, 30000));

  let parts30 = 0;
  const t30 = await timeRuns(9, async () => {
    const r = await mapDocument(sale30, { today, legacyShipGoods: true });
    if (!r.valid) throw new Error('the 30 000-code sale should be valid');
    parts30 = r.documents.length;
  });
  const base30 = await timeRuns(9, () => asRead(sale30));

  // built only now, so that it does not weigh on the garbage collector during the 30 000-code runs
  const sale100 = asRead(bigSale(world, 100000));
  let parts100: number[] = [];
  const t100 = await timeRuns(3, async () => {
    const r = await mapDocument(sale100, { today, legacyShipGoods: true });
    if (!r.valid) throw new Error('the 100 000-code sale should be valid');
    parts100 = r.documents.map((d) => d.codes);
  });
  const base100 = await timeRuns(3, () => asRead(sale100));
  const mem = measureMemory();
  const memRatio = mem.peak / mem.message;
  return [
    {
      what: `map + validate one 30 000-code sale (${parts30} document), wall time, median of 9 (CPU ${f0(t30.cpu)} ms)`,
      value: t30.wall,
      unit: 'ms',
      baseline: {
        what: `JSON round trip of the same 1C message (CPU ${f0(base30.cpu)} ms)`,
        value: base30.wall,
      },
      target: '< 300 ms',
      met: t30.wall < 300,
    },
    {
      what: `map + validate + split a 100 000-code sale into ${parts100.length} parts (${parts100.join(' + ')} codes), wall time, median of 3 (CPU ${f0(t100.cpu)} ms)`,
      value: t100.wall,
      unit: 'ms',
      baseline: {
        what: `JSON round trip of the same 1C message (CPU ${f0(base100.cpu)} ms)`,
        value: base100.wall,
      },
      target: 'every part ≤ 30 000 codes, codes kept once',
      met:
        parts100.length === 4 &&
        parts100.every((n) => n <= 30000) &&
        parts100.reduce((a, b) => a + b, 0) === 100000,
    },
    {
      what: `peak heap while mapping the ${mem.codes} codes (fresh process; V8 used heap before each of ${mem.collections} collections and at the end, uncollected garbage included, minus the heap before the message)`,
      value: mb(mem.peak),
      unit: 'MB',
      baseline: {
        what: "the loaded message's own heap (used heap after full collections, with minus without it)",
        value: mb(mem.message),
      },
      target: 'ratio < 2',
      met: mem.valid && memRatio < 2,
    },
    {
      what: `resident memory: peak while mapping (VmHWM reset once the message was loaded) minus before the message${mem.rssPeak === null ? ' — not measurable here' : ''}`,
      value: mb(mem.rssPeak ?? 0),
      unit: 'MB',
      baseline: { what: 'resident memory with the message loaded, minus before', value: mb(mem.rssMessage) },
    },
    {
      what: 'heap kept after mapping: the message and the 4 documents made from it',
      value: mb(mem.kept),
      unit: 'MB',
      baseline: { what: 'the message alone', value: mb(mem.message) },
    },
  ];
}
