/**
 * Hostile inputs for the hardening suites: seeds, a tally of what was tried, generators of bad
 * marking codes, INNs, dates, amounts and JSON values, and the checks every refusal must pass.
 *
 * Seeds: every suite runs once with a fixed seed (the same inputs on every machine) and once with
 * a random one, printed when a case fails so that it can be replayed:
 *
 *   ZNAKFLOW_HOSTILE_SEED=123456 npx mocha test/unit/hostile-inputs.test.ts
 *
 * `ZNAKFLOW_HOSTILE_ROUNDS` multiplies the number of generated inputs (the long form:
 * `npm run test:hostile` sets 10).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ZnakFlowError } from '../../lib/errors';
import { prng } from '../../lib/emulators/demo-data';

export const FIXED_SEED = 20261207;

/** How many times the bounded number of inputs (1 in `npm test`). */
export const ROUNDS = Math.max(1, Number(process.env['ZNAKFLOW_HOSTILE_ROUNDS'] ?? 1) || 1);

const envSeed = process.env['ZNAKFLOW_HOSTILE_SEED'];
const randomSeed = crypto.randomInt(1, 2 ** 31 - 1);

/** The seeds of this run: the fixed one and a random one, or only the one given in the environment. */
export const SEEDS: readonly number[] = envSeed ? [Number(envSeed)] : [FIXED_SEED, randomSeed];

/** What the suites tried, printed at the end of each suite (the README quotes these figures). */
export const tally = new Map<string, number>();

export function count(kind: string, n = 1): void {
  tally.set(kind, (tally.get(kind) ?? 0) + n);
}

export function printTally(title: string, kinds?: string[]): void {
  const rows = [...tally].filter(([k]) => !kinds || kinds.some((p) => k.startsWith(p)));
  const total = rows.reduce((s, [, n]) => s + n, 0);
  const parts = rows.map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`      ${title}: ${total} inputs (${parts}); seeds ${SEEDS.join(', ')}, rounds ${ROUNDS}`);
}

/**
 * Run `fn` for every seed; a failure names the seed that found it (and how to replay it).
 */
export async function forSeeds(fn: (seed: number, rand: Rand) => Promise<void> | void): Promise<void> {
  for (const seed of SEEDS) {
    try {
      await fn(seed, new Rand(seed));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      e.message = `[seed ${seed}; replay with ZNAKFLOW_HOSTILE_SEED=${seed}] ${e.message}`;
      throw e;
    }
  }
}

/** A seeded random source with the helpers the generators need. */
export class Rand {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

// -------------------------------------------------------------------------------------------------
// Characters that break things

export const GS = '\u001d';
/** Letters and digits that look like the ASCII ones (Cyrillic, Greek, full-width, Arabic-Indic). */
export const LOOK_ALIKES: Record<string, string[]> = {
  A: ['\u0410', '\u0391', '\uff21'],
  B: ['\u0412', '\u0392'],
  C: ['\u0421', '\u03f9'],
  E: ['\u0415', '\u0395'],
  H: ['\u041d', '\u0397'],
  K: ['\u041a', '\u039a'],
  M: ['\u041c', '\u039c'],
  O: ['\u041e', '\u039f', '\uff2f'],
  P: ['\u0420', '\u03a1'],
  T: ['\u0422', '\u03a4'],
  X: ['\u0425', '\u03a7'],
  a: ['\u0430'],
  c: ['\u0441'],
  e: ['\u0435'],
  o: ['\u043e', '\u03bf'],
  p: ['\u0440'],
  x: ['\u0445'],
  y: ['\u0443'],
  '0': ['\uff10', '\u0660', '\u06f0', 'O', '\u041e'],
  '1': ['\uff11', '\u0661', 'l', 'I'],
  '2': ['\uff12', '\u0662'],
  '3': ['\uff13', '\u0663', '\u0417'],
  '4': ['\uff14', '\u0664'],
  '5': ['\uff15', '\u0665'],
  '6': ['\uff16', '\u0666', '\u0431'],
  '7': ['\uff17', '\u0667'],
  '8': ['\uff18', '\u0668'],
  '9': ['\uff19', '\u0669'],
};
/** Invisible or control characters. */
export const INVISIBLE = [
  '\u0000',
  '\u0001',
  '\u0008',
  '\t',
  '\n',
  '\r',
  '\u000b',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u00ad',
  '\u200b',
  '\u200d',
  '\u2028',
  '\u2029',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udfff',
];
/** Texts that mean something to shells, URLs, OData, JSON, HTML and JSONata. */
export const META = [
  "'",
  "''",
  '"',
  '`',
  '$(touch /tmp/znakflow-pwned)',
  '`id`',
  '; rm -rf /',
  '&&',
  '|',
  '>',
  '<',
  '\\',
  '%00',
  '%27',
  '%2F',
  '../..',
  '?$filter=',
  '&$top=1',
  '#',
  ' or 1 eq 1',
  "' or '1' eq '1",
  ') or (true',
  '{{payload}}',
  '${ONEC_PASSWORD}',
  '$env("HOME")',
  '<script>alert(1)</script>',
  '-nodetach',
  '--help',
  '-engine',
  '-passin',
  'pass:1234',
  '__proto__',
  'constructor',
];

/** A string of about `bytes` bytes (the "1 MB string" of the issue). */
export function huge(r: Rand, bytes = 1024 * 1024): string {
  const unit = r.pick(['0104601234567893215', 'A', '9', GS, 'Ж', '\u0000', "'", '<GS>']);
  return unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
}

function insertAt(s: string, i: number, x: string): string {
  return s.slice(0, i) + x + s.slice(i);
}

function replaceAt(s: string, i: number, x: string): string {
  return s.slice(0, i) + x + s.slice(i + 1);
}

/** One mutation of a string, named (the name goes into the tally). */
export function mutateString(r: Rand, s: string): { kind: string; value: string } {
  const at = (): number => r.int(0, Math.max(0, s.length - 1));
  switch (r.int(0, 13)) {
    case 0:
      return { kind: 'truncated', value: s.slice(0, r.int(0, Math.max(0, s.length - 1))) };
    case 1:
      return { kind: 'extended', value: s + r.chars('0123456789ABCxyz', r.int(1, 40)) };
    case 2: {
      const i = [...s].findIndex((c) => /\d/.test(c) && r.bool(0.2));
      const j = i >= 0 ? i : at();
      const d = s[j] ?? '0';
      const other = String((Number.isNaN(Number(d)) ? 0 : Number(d) + r.int(1, 9)) % 10);
      return { kind: 'digit-changed', value: replaceAt(s, j, other) };
    }
    case 3:
      return { kind: 'stray-gs', value: insertAt(s, at(), r.pick([GS, GS + GS, '<GS>', '\\u001d', '{GS}'])) };
    case 4: {
      const idx = Array.from({ length: s.length }, (_, i) => i).filter((i) => LOOK_ALIKES[s[i] as string]);
      if (idx.length === 0) return { kind: 'look-alike', value: `\u0410${s}` };
      const i = r.pick(idx);
      return { kind: 'look-alike', value: replaceAt(s, i, r.pick(LOOK_ALIKES[s[i] as string] ?? ['?'])) };
    }
    case 5:
      return { kind: 'control-char', value: insertAt(s, at(), r.pick(INVISIBLE)) };
    case 6:
      return { kind: 'meta', value: insertAt(s, at(), r.pick(META)) };
    case 7:
      // a 1 MB string now and then, otherwise tens of kilobytes (keeps the bounded run short)
      return { kind: 'huge', value: s.length > 4096 ? s : huge(r, r.bool(0.25) ? 1024 * 1024 : 32 * 1024) };
    case 8:
      return { kind: 'repeated', value: s.length > 4096 ? s + s : s.repeat(r.int(2, 50)) };
    case 9:
      return { kind: 'empty-ish', value: r.pick(['', ' ', GS, '\u200b', '\n', '()', '(01)', '01', '21']) };
    case 10:
      return { kind: 'swapped', value: [...s].reverse().join('') };
    case 11:
      return {
        kind: 'brackets',
        value: `(${s.slice(0, 2)})${s.slice(2, 16)}(${s.slice(16, 18)}${s.slice(18)}`,
      };
    case 12:
      return { kind: 'spaces', value: s.replace(/(.{4})/g, '$1 ') };
    default:
      return { kind: 'lower-upper', value: r.bool() ? s.toLowerCase() : s.toUpperCase() };
  }
}

/** A value of a random JSON type (or not JSON at all). */
export function randomValue(r: Rand, depth = 0): unknown {
  switch (r.int(0, depth > 2 ? 9 : 12)) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return r.bool();
    case 3:
      return r.pick([0, -1, 1.5, -0.0001, 1e21, 2 ** 53 + 1, Number.MAX_VALUE, -Number.MAX_VALUE]);
    case 4:
      return r.pick(['', ' ', 'null', 'true', '0', '-1', 'NaN', 'Infinity', '1e5', '0x1F']);
    case 5:
      return r.pick(META);
    case 6:
      return r.pick(INVISIBLE).repeat(r.int(1, 3));
    case 7:
      return r.chars('АБВабв0123456789ABCabc', r.int(1, 30));
    case 8:
      return r.pick(['2026-02-30', '2026-11-27', '27.11.2026', '2026-11-27T25:61:00', '0000-00-00']);
    case 9:
      return huge(r, r.int(1, 4) * 64 * 1024);
    case 10:
      return Array.from({ length: r.int(0, 3) }, () => randomValue(r, depth + 1));
    case 11:
      return { [r.pick(['a', '__proto__', 'constructor', 'value', 'Ref_Key'])]: randomValue(r, depth + 1) };
    default:
      return Object.create(null) as object;
  }
}

/** Replace the value at one random path of a JSON-like object (a deep copy is changed). */
export function mutateAt(
  r: Rand,
  obj: unknown,
  value: (r: Rand, old: unknown, path: string) => unknown,
): { path: string; result: unknown } {
  const copy = structuredClone(obj) as unknown;
  const paths: Array<Array<string | number>> = [];
  const walk = (v: unknown, p: Array<string | number>): void => {
    if (p.length > 0) paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(copy, []);
  if (paths.length === 0) return { path: '(root)', result: value(r, copy, '(root)') };
  const p = r.pick(paths);
  let parent = copy as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = p[p.length - 1] as string | number;
  const shown = p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
  parent[last] = value(r, parent[last], shown);
  return { path: shown, result: copy };
}

// -------------------------------------------------------------------------------------------------
// What every refusal must look like

/** Longest error text the suites accept, however big the input was. */
export const MAX_ERROR_TEXT = 8000;

/**
 * A refusal that a person can act on: a ZnakFlowError (or the catchable Error of a node) with a
 * machine code other than INTERNAL, Russian and English text, bounded in size, no secret in it.
 */
export function assertCatchable(
  err: unknown,
  opts: { codes?: readonly string[]; secrets?: string[]; context?: string } = {},
): {
  code: string;
  message: string;
} {
  const ctx = opts.context ? ` (${opts.context})` : '';
  assert.ok(err instanceof Error, `not an Error${ctx}: ${String(err)}`);
  const code = (err as { code?: unknown }).code;
  assert.equal(typeof code, 'string', `no error code${ctx}: ${err.message.slice(0, 300)}`);
  assert.notEqual(code, 'INTERNAL', `internal error${ctx}: ${err.message.slice(0, 500)}`);
  if (err instanceof ZnakFlowError) {
    assert.ok(err.ru.length > 0 && err.en.length > 0, `not bilingual${ctx}`);
  }
  assert.match(err.message, / \/ /, `not bilingual${ctx}: ${err.message.slice(0, 300)}`);
  assert.ok(
    err.message.length <= MAX_ERROR_TEXT,
    `error text of ${err.message.length} characters${ctx}: ${err.message.slice(0, 200)}…`,
  );
  for (const s of opts.secrets ?? []) assert.ok(!err.message.includes(s), `a secret in the error${ctx}`);
  if (opts.codes) {
    assert.ok(
      opts.codes.includes(code as string),
      `code ${String(code)} is not one of ${opts.codes.join(', ')}${ctx}: ${err.message.slice(0, 400)}`,
    );
  }
  return { code: code as string, message: err.message };
}

/** Records unhandled rejections and uncaught exceptions while a suite runs. */
export function watchUnhandled(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    errors.push(reason);
  };
  const onException = (err: unknown): void => {
    errors.push(err);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    errors,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}
