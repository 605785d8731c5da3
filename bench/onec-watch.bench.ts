/**
 * How many HTTP requests to 1C it takes to read 100 documents with 50 marking codes each in watch
 * mode, beside the naive way (one request per document, reference and code), both measured in this
 * run against the 1C emulator over real HTTP. Target: at most 2 requests per document on average,
 * every URL under 2 000 bytes. ($expand through tabular sections would cut this further, but the
 * 1C guide says tabular-section attributes cannot be expanded, so the pack does not rely on it.)
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { BenchResult } from './run';
import { startOnecEmulator } from '../lib/emulators/onec';
import { OnecClient } from '../lib/onec/client';
import { resolveLayout } from '../lib/onec/presets';
import { DocumentWatcher } from '../lib/onec/watch';
import type { ODataObject } from '../lib/onec/schemas';

export const name = '1C watch: requests to read 100 documents × 50 codes';

const SALES = 'Document_РеализацияТоваровУслуг';
const DOCS = 100;
const CODES = 50;

export async function run(): Promise<BenchResult[]> {
  const emu = await startOnecEmulator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-bench-'));
  const client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata' });
  try {
    const marked = emu.store.world.items.filter((i) => i.pg !== '');
    for (let i = 0; i < DOCS; i++) {
      const item = marked[i % marked.length]!;
      const minute = String(i % 60).padStart(2, '0');
      const hour = String(10 + Math.floor(i / 60)).padStart(2, '0');
      emu.store.addSale({
        counterpartyRef: emu.store.world.counterparties[i % 3]!.ref,
        lines: [{ itemRef: item.ref, quantity: CODES }],
        date: `2030-01-15T${hour}:${minute}:00`,
      });
    }
    const layout = resolveLayout('ut11', 'sales');

    // The pack: one watch poll.
    emu.requests.reset();
    const watcher = new DocumentWatcher(client, {
      entity: SALES,
      layout,
      since: '2030-01-15T00:00:00',
      stateFile: path.join(dir, 'state.json'),
      now: () => new Date('2030-01-15T18:00:00'),
    });
    let emitted = 0;
    let codes = 0;
    const t0 = Date.now();
    await watcher.poll(
      (d) => {
        emitted++;
        codes += d.codes.length;
      },
      (err) => {
        throw err;
      },
    );
    const ms = Date.now() - t0;
    const batched = emu.requests.total;
    const longest = emu.requests.maxUrlBytes;

    // The naive way: list, then one GET per document, per header reference, per item and per code.
    emu.requests.reset();
    const headers = await client.listAll(SALES, {
      filter: { field: 'Date', op: 'ge', value: '2030-01-15T00:00:00', type: 'datetime' },
      select: ['Ref_Key'],
    });
    for (const h of headers) {
      const doc = await client.get(SALES, String(h['Ref_Key']));
      await client.get('Catalog_Организации', String(doc[layout.document.organisation]));
      await client.get('Catalog_Контрагенты', String(doc[layout.document.counterparty]));
      for (const row of doc['Товары'] as ODataObject[]) {
        const item = await client.get('Catalog_Номенклатура', String(row['Номенклатура_Key']));
        await client.get('Catalog_ВидыНоменклатуры', String(item['ВидНоменклатуры_Key']));
        await client.get('Catalog_КлассификаторТНВЭД', String(item['КодТНВЭД_Key']));
      }
      for (const row of doc['ШтрихкодыУпаковок'] as ODataObject[]) {
        await client.get('Catalog_ШтрихкодыУпаковокТоваров', String(row[layout.document.codeRef]));
      }
    }
    const naive = emu.requests.total;

    return [
      {
        what: `requests per document (watch, batched; ${emitted} documents, ${codes} codes, ${ms} ms)`,
        value: batched / DOCS,
        unit: 'requests/document',
        baseline: { what: 'naive (one request per document, reference and code)', value: naive / DOCS },
        target: '≤ 2 requests per document',
        met: batched / DOCS <= 2 && emitted === DOCS && codes === DOCS * CODES,
      },
      {
        what: 'requests in all',
        value: batched,
        unit: 'requests',
        baseline: { what: 'naive', value: naive },
        target: `≤ ${2 * DOCS}`,
        met: batched <= 2 * DOCS,
      },
      {
        what: 'longest request URL',
        value: longest,
        unit: 'bytes',
        target: '< 2 000 bytes',
        met: longest < 2000,
      },
    ];
  } finally {
    await client.close();
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
