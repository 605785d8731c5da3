/**
 * Child process for the journal crash test: adds and advances entries as fast as it can and prints
 * the key of each change once `add`/`update` has returned (i.e. once the journal says it is durable).
 * The parent kills it with SIGKILL at a random moment.
 */
import { Journal } from '../../lib/journal/journal';

const file = process.argv[2] ?? '';
const j = Journal.open(file);
let i = 0;
for (;;) {
  const key = `ref-${i}:v1:LP_SHIP_GOODS:lp:1`;
  j.add({
    key,
    type: 'LP_SHIP_GOODS',
    productGroup: 'lp',
    part: 1,
    parts: 1,
    source: { ref: `ref-${i}`, dataVersion: 'v1' },
  });
  process.stdout.write(`added ${key}\n`);
  j.update(key, { state: 'sent', documentId: `doc-${i}` });
  process.stdout.write(`sent ${key}\n`);
  i++;
}
