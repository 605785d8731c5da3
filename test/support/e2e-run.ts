/**
 * Test support for the long end-to-end runs (crash, exactly-once under faults): the full form
 * switch, the printed seed that repeats a run, and the stack of one `describe` (GOST required,
 * started before the tests, stopped after).
 */
import { requireGost } from './gost';
import { startStack, type Stack, type StackOptions } from './stack';

/** `ZNAKFLOW_E2E_FULL=1`: the full form of a run (more sales, more faults, longer). */
export const FULL = !!process.env['ZNAKFLOW_E2E_FULL'];

/** The seed of a run's dice: `ZNAKFLOW_SEED=<n>` repeats a run, otherwise a random one. */
export const SEED = Number(process.env['ZNAKFLOW_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

/** Start the stack for one describe; read `.s` inside the tests. */
export function useStack(opts: StackOptions): { readonly s: Stack } {
  let s: Stack | undefined;
  before(async function () {
    await requireGost(this);
    s = await startStack(opts);
  });
  after(async () => {
    await s?.stop();
  });
  return {
    get s(): Stack {
      return s!;
    },
  };
}
