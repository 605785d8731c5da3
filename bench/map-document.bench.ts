/**
 * cz-map-document: map + validate a 30 000-code 1C sale (target < 300 ms on this machine), and map,
 * validate and split a 100 000-code one, with the process's peak memory. The baseline, measured in
 * the same run, is one JSON round trip of the same 1C message: the least any processing that looks
 * at every code once must cost.
 */
import type { BenchResult } from './run';
import { mapDocument } from '../lib/documents';
import { demoWorld } from '../lib/emulators/demo-data';
import { bigSale } from '../test/support/onec-fixtures';

export const name = 'cz-map-document: map, validate, split';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function timeRuns(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const mb = (bytes: number): number => bytes / (1024 * 1024);

export async function run(): Promise<BenchResult[]> {
  const world = demoWorld({ baseDate: '2026-11-20T09:00:00' });
  const today = new Date('2026-11-21T12:00:00');
  const sale30 = bigSale(world, 30000);
  const sale100 = bigSale(world, 100000);
  const rssBefore = process.resourceUsage().maxRSS * 1024;

  let parts30 = 0;
  const t30 = await timeRuns(7, async () => {
    const r = await mapDocument(sale30, { today });
    if (!r.valid) throw new Error('the 30 000-code sale should be valid');
    parts30 = r.documents.length;
  });
  const base30 = await timeRuns(7, () => JSON.parse(JSON.stringify(sale30)));

  let parts100: number[] = [];
  const t100 = await timeRuns(3, async () => {
    const r = await mapDocument(sale100, { today });
    if (!r.valid) throw new Error('the 100 000-code sale should be valid');
    parts100 = r.documents.map((d) => d.codes);
  });
  const base100 = await timeRuns(3, () => JSON.parse(JSON.stringify(sale100)));
  const heapAfter = process.memoryUsage().heapUsed;
  const peakRss = process.resourceUsage().maxRSS * 1024;

  return [
    {
      what: `map + validate one 30 000-code sale (${parts30} document), median of 7`,
      value: t30,
      unit: 'ms',
      baseline: { what: 'JSON round trip of the same 1C message', value: base30 },
      target: '< 300 ms',
      met: t30 < 300,
    },
    {
      what: `map + validate + split a 100 000-code sale into ${parts100.length} parts (${parts100.join(' + ')} codes), median of 3`,
      value: t100,
      unit: 'ms',
      baseline: { what: 'JSON round trip of the same 1C message', value: base100 },
      target: 'every part ≤ 30 000 codes, codes kept once',
      met:
        parts100.length === 4 &&
        parts100.every((n) => n <= 30000) &&
        parts100.reduce((a, b) => a + b, 0) === 100000,
    },
    {
      what: 'peak memory of the process (max RSS) during these runs',
      value: mb(peakRss),
      unit: 'MB',
      baseline: { what: 'max RSS before the runs', value: mb(rssBefore) },
    },
    {
      what: 'heap in use after the runs',
      value: mb(heapAfter),
      unit: 'MB',
    },
  ];
}
