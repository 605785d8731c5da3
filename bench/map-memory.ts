/**
 * Memory of mapping one 100 000-code sale, measured in a process of its own (run by
 * map-document.bench.ts with `--expose-gc`), so that nothing else the benchmark does weighs on it:
 *
 * - the message's own footprint: V8's used heap after full collections with the message loaded
 *   (parsed from its JSON text, as onec-read hands it over), minus the same before it was loaded;
 * - the peak while mapping: the largest used heap V8 reports before every collection during
 *   `mapDocument` and at its end (`v8.GCProfiler`), garbage not yet collected included, minus the
 *   same base — so it is the message plus everything mapping holds or has not yet freed;
 * - the same in resident memory: the kernel's high-water mark (VmHWM, reset through
 *   /proc/self/clear_refs once the message is loaded) minus the resident size before the message.
 *
 * Prints one JSON line.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import { mapDocument } from '../lib/documents';
import { demoWorld } from '../lib/emulators/demo-data';
import { bigSale } from '../test/support/onec-fixtures';

const CODES = Number(process.env['ZNAKFLOW_BENCH_MAP_CODES'] ?? 100000);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const collect = gc;

/** Full collections until the heap is quiet (sweeping finishes between them). */
async function settled(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    collect();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().heapUsed;
}

/** Resident high-water mark in bytes (Linux), or undefined. */
function hwm(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetHwm(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const held: unknown[] = [];

async function main(): Promise<void> {
  const world = demoWorld({ baseDate: '2026-11-20T09:00:00' });
  const today = new Date('2026-11-21T12:00:00');
  // the code paths compiled first, on a small sale
  await mapDocument(JSON.parse(JSON.stringify(bigSale(world, 2000))) as never, {
    today,
    legacyShipGoods: true,
  });
  const heap0 = await settled();
  const rss0 = process.memoryUsage().rss;
  // parsed from its JSON text (the text itself is garbage once parsed)
  const sale = JSON.parse(JSON.stringify(bigSale(world, CODES))) as { payload: unknown; onec: unknown };
  held.push(sale);
  const heap1 = await settled();
  const rss1 = process.memoryUsage().rss;
  const hwmReset = resetHwm();

  const profiler = new v8.GCProfiler();
  profiler.start();
  const t0 = performance.now();
  const r = await mapDocument(sale, { today, legacyShipGoods: true });
  const ms = performance.now() - t0;
  const heapEnd = process.memoryUsage().heapUsed;
  const profile = profiler.stop();
  const peakRss = hwmReset ? hwm() : undefined;
  held.push(r);
  let peak = heapEnd;
  for (const s of profile?.statistics ?? []) {
    // Node writes the statistics in camelCase, whatever @types/node says
    const h = s.beforeGC.heapStatistics as unknown as { usedHeapSize?: number; used_heap_size?: number };
    peak = Math.max(peak, h.usedHeapSize ?? h.used_heap_size ?? 0);
  }
  const heapKept = await settled();
  console.log(
    JSON.stringify({
      codes: CODES,
      valid: r.valid,
      parts: r.documents.map((d) => d.codes),
      ms,
      collections: profile?.statistics.length ?? 0,
      message: heap1 - heap0,
      peak: peak - heap0,
      kept: heapKept - heap0,
      rssMessage: rss1 - rss0,
      rssPeak: peakRss === undefined ? null : peakRss - rss0,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
