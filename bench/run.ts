/**
 * `npm run bench`: every benchmark in bench/*.bench.ts, in one process, one after another. Each file
 * exports `name` and `run(): Promise<BenchResult[]>`; each result prints a figure, its baseline measured
 * in the same run (never a number from another machine or day), the ratio, and the target.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface BenchResult {
  what: string;
  value: number;
  unit: string;
  /** the naive or reference figure measured in the same run, when there is one */
  baseline?: { what: string; value: number };
  /** human-readable target, e.g. "≤ 2 requests per document" */
  target?: string;
  /** whether the target is met (printed, not asserted: benchmarks are not tests) */
  met?: boolean;
}

interface BenchModule {
  name: string;
  run(): Promise<BenchResult[]>;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

async function main(): Promise<void> {
  const dir = __dirname;
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  let missed = 0;
  for (const f of files) {
    const mod = (await import(path.join(dir, f))) as BenchModule;
    console.log(`\n## ${mod.name} (${f})`);
    const results = await mod.run();
    for (const r of results) {
      let line = `- ${r.what}: ${fmt(r.value)} ${r.unit}`;
      if (r.baseline)
        line += ` | ${r.baseline.what}: ${fmt(r.baseline.value)} ${r.unit} | ratio ${fmt(r.value / r.baseline.value)}`;
      if (r.target) line += ` | target ${r.target}: ${r.met ? 'met' : 'NOT met'}`;
      if (r.target && !r.met) missed++;
      console.log(line);
    }
  }
  console.log(`\n${files.length} benchmark file(s); targets missed: ${missed}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
