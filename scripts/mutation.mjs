#!/usr/bin/env node
// `npm run test:mutation [-- module …]`: StrykerJS once per module of stryker.config.mjs (each with
// only the tests that cover it, incremental), then one summary: the score per module and overall,
// and every surviving mutant. `-- --full` ignores the incremental files (a from-scratch run).
// `-- --report` only prints the summary of the last reports. `-- --lanes=N` runs N modules at a time (each Stryker's output then goes to
// reports/mutation/<module>.log); the largest modules start first.
// Env: ZNAKFLOW_MUTATION_CONCURRENCY (per module, default 3: 2 type checkers + 1 test runner while
// checking, 3 runners after), ZNAKFLOW_MUTATION_LANES (default 1).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MODULES } from '../stryker.config.mjs';
import { typecheckSurvivors } from './stryker-typecheck-survivors.mjs';

const args = process.argv.slice(2);
const full = args.includes('--full');
if (args.includes('--typecheck')) process.env.ZNAKFLOW_MUTATION_TYPECHECK = '1';
const lanesArg = args.find((a) => a.startsWith('--lanes='));
const lanes = Math.max(
  1,
  Number(lanesArg ? lanesArg.slice(8) : (process.env.ZNAKFLOW_MUTATION_LANES ?? 1)) || 1,
);
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) {
  if (!MODULES[n]) {
    console.error(`unknown module ${n}; modules: ${Object.keys(MODULES).join(', ')}`);
    process.exit(2);
  }
}
// `--report`: no run, only the summary of the reports there are
const selected = args.includes('--report') ? [] : names.length ? names : Object.keys(MODULES);
const stryker = path.join('node_modules', '.bin', 'stryker');
// the largest first, so that lanes finish together (mutants measured on this machine)
const SIZE = { journal: 5, 'codes-parse': 4, query: 3, token: 3, codes: 2, 'codes-fast': 1, limiter: 1 };
const queue = lanes > 1 ? [...selected].sort((a, b) => (SIZE[b] ?? 0) - (SIZE[a] ?? 0)) : [...selected];

const times = {};
const t0 = Date.now();
fs.mkdirSync(path.join('reports', 'mutation'), { recursive: true });

function runOne(name) {
  return new Promise((resolve) => {
    const t = Date.now();
    const log = path.join('reports', 'mutation', `${name}.log`);
    console.log(`\n=== mutation: ${name} (${MODULES[name].mutate.join(' ')})${lanes > 1 ? ` → ${log}` : ''}`);
    const out = lanes > 1 ? fs.openSync(log, 'w') : 'inherit';
    const child = spawn(stryker, ['run', ...(full ? ['--force'] : [])], {
      stdio: ['ignore', out, out],
      env: { ...process.env, ZNAKFLOW_MUTATION_MODULE: name },
    });
    child.on('exit', (code) => {
      if (typeof out === 'number') fs.closeSync(out);
      times[name] = (Date.now() - t) / 1000;
      console.log(
        `=== ${name}: ${code === 0 ? 'done' : `stryker failed (exit ${code})`} in ${Math.round(times[name])} s`,
      );
      resolve(code ?? 1);
    });
  });
}

let failed = 0;
await Promise.all(
  Array.from({ length: Math.min(lanes, queue.length) }, async () => {
    for (let name = queue.shift(); name; name = queue.shift()) if ((await runOne(name)) !== 0) failed++;
  }),
);

/**
 * Killed and timed out count as detected; compile errors (rejected by the checker, or for a run
 * without it a survivor that tsc refuses) and ignored do not count.
 */
function tally(report, refused = new Map()) {
  const t = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, rejected: 0, survivors: [] };
  for (const [file, f] of Object.entries(report.files)) {
    for (const m of f.mutants) {
      const survivor = m.status === 'Survived' || m.status === 'NoCoverage';
      if (survivor && refused.has(m.id)) t.rejected++;
      else if (m.status === 'Killed') t.killed++;
      else if (m.status === 'Timeout') t.timeout++;
      else if (m.status === 'Survived') t.survived++;
      else if (m.status === 'NoCoverage') t.noCoverage++;
      else if (m.status === 'Ignored') t.ignored++;
      else if (m.status === 'CompileError' || m.status === 'RuntimeError') t.rejected++;
      if (survivor && !refused.has(m.id)) {
        t.survivors.push(
          `${file}:${m.location.start.line} ${m.mutatorName} ${m.status} → ${JSON.stringify(m.replacement ?? '')}`,
        );
      }
    }
  }
  return t;
}
const score = (t) => {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid ? (100 * (t.killed + t.timeout)) / valid : 100;
};

const reports = {};
for (const name of Object.keys(MODULES)) {
  const file = path.join('reports', 'mutation', `${name}.json`);
  if (fs.existsSync(file)) reports[name] = JSON.parse(fs.readFileSync(file, 'utf8'));
}
let refused = {};
if (process.env.ZNAKFLOW_MUTATION_TYPECHECK !== '1') {
  const tc = Date.now();
  refused = typecheckSurvivors(reports);
  console.log(
    `\n=== survivors type-checked in ${Math.round((Date.now() - tc) / 1000)} s (refused by tsc: not counted)`,
  );
}

const all = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, rejected: 0, survivors: [] };
console.log('\n=== mutation score per module');
for (const name of Object.keys(MODULES)) {
  if (!reports[name]) {
    console.log(`${name.padEnd(11)} not run yet`);
    continue;
  }
  const t = tally(reports[name], refused[name]);
  for (const k of Object.keys(all)) all[k] = k === 'survivors' ? all[k].concat(t[k]) : all[k] + t[k];
  const took = times[name] !== undefined ? `, ${Math.round(times[name])} s` : '';
  console.log(
    `${name.padEnd(11)} ${score(t).toFixed(1).padStart(5)} %  (killed ${t.killed}, timeout ${t.timeout}, survived ${t.survived}, no coverage ${t.noCoverage}; ignored ${t.ignored}, rejected by tsc ${t.rejected}${took})`,
  );
}
console.log(
  `overall     ${score(all).toFixed(1).padStart(5)} %  (killed ${all.killed}, timeout ${all.timeout}, survived ${all.survived}, no coverage ${all.noCoverage}; ignored ${all.ignored}, rejected by tsc ${all.rejected}); this run ${Math.round((Date.now() - t0) / 1000)} s`,
);
if (all.survivors.length) {
  console.log('\nsurviving mutants (README «Measured» says why each left is equivalent or harmless):');
  for (const s of all.survivors) console.log(`  ${s}`);
}
if (failed) process.exit(1);
