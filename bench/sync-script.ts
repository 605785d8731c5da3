/**
 * The baseline of the sync benchmark: a minimal hand-written script doing the work of the standard
 * flow without Node-RED, the journal or shared polling — read the posted sales from 1C (batched),
 * map each to LP_SHIP_GOODS, sign and send (4 at a time, like cz-send), ask doc/{id}/info for each
 * document every POLL_MS until its status is final (the naive way), write the outcome into 1C.
 * It uses the pack's library for the parts any script would need a library for (OData, mapping,
 * signing, the HTTP client). Run in a child process by bench/sync.bench.ts; prints one JSON line.
 *
 * Environment: ONEC_URL, CZ_URL, CZ_CERT, CZ_KEY, POLL_MS (default 5000), CONCURRENCY (default 4).
 */
import { CzClient } from '../lib/cz/client';
import { mapDocument } from '../lib/documents';
import { OnecClient } from '../lib/onec/client';
import { onecMeta, readDocuments } from '../lib/onec/documents';
import { resolveLayout } from '../lib/onec/presets';
import { mergeOutcome, outcomeText, writeAdditionalInfo } from '../lib/onec/write';
import { OpensslSigner } from '../lib/signing/openssl';

const SALES = 'Document_РеализацияТоваровУслуг';
const FINAL = new Set([
  'CHECKED_OK',
  'CHECKED_NOT_OK',
  'WAIT_ACCEPTANCE',
  'WAIT_PARTICIPANT_REGISTRATION',
  'ACCEPTED',
  'PARSE_ERROR',
  'CANCELLED',
  'PROCESSING_ERROR',
]);

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const t0 = performance.now();
  const startedAt = Date.now();
  const pollMs = Number(process.env['POLL_MS'] ?? 5000);
  const concurrency = Number(process.env['CONCURRENCY'] ?? 4);
  const onec = new OnecClient({ url: env('ONEC_URL'), username: 'odata', password: 'odata' });
  const cz = new CzClient({
    baseUrl: env('CZ_URL'),
    signer: new OpensslSigner({ certPath: env('CZ_CERT'), keyPath: env('CZ_KEY') }),
  });
  const layout = resolveLayout('ut11', 'sales');

  // 1. the posted sales
  const heads = await onec.listAll(SALES, {
    filter: {
      and: [
        { field: 'Posted', op: 'eq', value: true, type: 'boolean' },
        { field: 'DeletionMark', op: 'eq', value: false, type: 'boolean' },
      ],
    },
    select: ['Ref_Key'],
    orderby: ['Date', 'Ref_Key'],
  });
  const refs = heads.map((h) => String(h['Ref_Key']));

  // 2. read in batches, map, and queue every ЧЗ document
  interface Job {
    ref: string;
    label: string;
    total: number;
    type: string;
    pg: string;
    body: unknown;
    id?: string;
  }
  const jobs: Job[] = [];
  for (let i = 0; i < refs.length; i += 100) {
    for (const o of await readDocuments(onec, SALES, refs.slice(i, i + 100), layout)) {
      if (!o.ok) continue;
      const d = o.doc;
      const meta = onecMeta(SALES, d.payload, layout, d.codes, d.warnings, d.items);
      const r = await mapDocument({ payload: d.payload, onec: meta }, { documentType: 'LP_SHIP_GOODS' });
      if (!r.valid) continue;
      for (const m of r.documents) {
        jobs.push({
          ref: r.ref,
          label: r.documents.length > 1 ? m.productGroup : '',
          total: r.documents.length,
          type: m.type,
          pg: m.productGroup,
          body: m.body,
        });
      }
    }
  }

  // 3. send (signing inside), then follow each document and write its outcome back
  let next = 0;
  // one write at a time per 1C document (its ЧЗ documents each add their line)
  const writes = new Map<string, Promise<unknown>>();
  const follow = async (job: Job): Promise<void> => {
    for (;;) {
      await sleep(pollMs);
      const info = await cz
        .documentInfo(job.id as string, { pg: job.pg, waitVisibleMs: 0 })
        .catch(() => undefined);
      if (!info || !FINAL.has(info.status)) continue;
      const text = outcomeText({ status: info.status, documentId: job.id, errors: info.errors ?? [] });
      const write = (): Promise<unknown> =>
        writeAdditionalInfo(onec, {
          objectEntity: SALES,
          objectRef: job.ref,
          property: 'СтатусЧестныйЗнак',
          value: text,
          merge: job.label ? (existing) => mergeOutcome(existing, job.label, text) : undefined,
        });
      const p = (writes.get(job.ref) ?? Promise.resolve()).then(write, write);
      writes.set(job.ref, p);
      await p;
      return;
    }
  };
  const following: Array<Promise<void>> = [];
  const sender = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++] as Job;
      job.id = await cz.createDocument({
        type: job.type,
        productGroup: job.pg,
        body: Buffer.from(JSON.stringify(job.body), 'utf8'),
      });
      following.push(follow(job));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => sender()));
  await Promise.all(following);
  const ms = performance.now() - t0;
  cz.close();
  await onec.close();
  console.log(JSON.stringify({ ms, startedAt, documents: jobs.length, requests: cz.stats.requests }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
