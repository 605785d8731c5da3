/**
 * The baseline of the sync benchmark: a minimal hand-written script doing the work of the standard
 * flow (examples/standard-sync.json) without Node-RED, the journals or shared polling — read the posted
 * sales from 1C (batched); map each to its УПД (one per product group, lib/edo/map.ts), sign and upload
 * them to ЭДО Лайт; map the furs to LP_SHIP_GOODS and send them to Честный ЗНАК (both 4 at a time, like
 * edo-send and cz-send); follow each document every POLL_MS until its outcome is final, the naive way
 * (per document per poll: a УПД's EDO status in the outgoing list, then ГИС МТ's receipt once the buyer
 * signed; a furs document's doc/{id}/info); write the outcome into 1C as onec-write does (a УПД refused
 * before sending, e.g. a buyer ЭДО Лайт does not know, writes its problems, like edo-send's output 2).
 * It uses the pack's library for the parts any script would need a library for (OData, mapping, the
 * УПД file, signing, the HTTP clients). Run in a child process by bench/sync.bench.ts; prints one JSON line.
 *
 * Environment: ONEC_URL, CZ_URL, CZ_CERT, CZ_KEY, CZ_INN, POLL_MS (default 5000), CONCURRENCY (default 4).
 */
import { CzClient } from '../lib/cz/client';
import { mapDocument } from '../lib/documents';
import { detail, type ErrorDetail } from '../lib/errors';
import { EdoClient } from '../lib/edo/client';
import { classifyUpd } from '../lib/edo/follow';
import { saleToUpd } from '../lib/edo/map';
import { prepareUpd, signerFromCertificate, type UpdSigner } from '../lib/edo/upd';
import { OnecClient } from '../lib/onec/client';
import { onecMeta, readDocuments } from '../lib/onec/documents';
import { resolveLayout } from '../lib/onec/presets';
import { mergeOutcome, outcomeText, writeAdditionalInfo } from '../lib/onec/write';
import { OpensslSigner } from '../lib/signing/openssl';

const SALES = 'Document_РеализацияТоваровУслуг';
/** final statuses of a furs document (cz-status) */
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

interface Job {
  ref: string;
  /** the line of this document in the 1C value when the sale became several (onec-write's label) */
  label: string;
  /** a furs LP_SHIP_GOODS document, or a УПД */
  kind: 'cz' | 'upd';
  type: string;
  pg: string;
  /** LP_SHIP_GOODS: the body; УПД: the windows-1251 file */
  body: unknown;
  fileId?: string;
  id?: string;
  sentAt?: number;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const startedAt = Date.now();
  const pollMs = Number(process.env['POLL_MS'] ?? 5000);
  const concurrency = Number(process.env['CONCURRENCY'] ?? 4);
  const onec = new OnecClient({ url: env('ONEC_URL'), username: 'odata', password: 'odata' });
  const signer = new OpensslSigner({ certPath: env('CZ_CERT'), keyPath: env('CZ_KEY') });
  const cz = new CzClient({ baseUrl: env('CZ_URL'), signer });
  // ЭДО Лайт through the True API host (the example's cz-connection: edoApi true-api, no edoUrl)
  const edo = new EdoClient({ baseUrl: env('CZ_URL'), api: 'true-api', tokens: cz });
  const inn = env('CZ_INN');
  const layout = resolveLayout('ut11', 'sales');
  // the УПД's signer block from the certificate's subject (edo-send with empty signer settings)
  const cert = await signer.certificate();
  const updSigner: UpdSigner = cert
    ? signerFromCertificate(cert)
    : { surname: '', firstName: '', position: '' };
  // EDO ids by INN, asked once each (a participant ЭДО Лайт does not know: undefined)
  const edoIds = new Map<string, Promise<string | undefined>>();
  const edoId = (i: string): Promise<string | undefined> => {
    let p = edoIds.get(i);
    if (!p) {
      p = edo.participant(i).then(
        (r) => r.id,
        () => undefined,
      );
      edoIds.set(i, p);
    }
    return p;
  };

  // one write at a time per 1C document (its documents each add their line)
  const writes = new Map<string, Promise<unknown>>();
  const writeBack = (ref: string, label: string, text: string): Promise<unknown> => {
    const write = (): Promise<unknown> =>
      writeAdditionalInfo(onec, {
        objectEntity: SALES,
        objectRef: ref,
        property: 'СтатусЧестныйЗнак',
        value: text,
        merge: label ? (existing) => mergeOutcome(existing, label, text) : undefined,
      });
    const p = (writes.get(ref) ?? Promise.resolve()).then(write, write);
    writes.set(ref, p);
    return p;
  };
  const problems: Array<Promise<unknown>> = [];

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

  // 2. read in batches; map each sale to its УПД (one per product group) and its furs to LP_SHIP_GOODS
  const jobs: Job[] = [];
  for (let i = 0; i < refs.length; i += 100) {
    for (const o of await readDocuments(onec, SALES, refs.slice(i, i + 100), layout)) {
      if (!o.ok) continue;
      const d = o.doc;
      const meta = onecMeta(SALES, d.payload, layout, d.codes, d.warnings, d.items);
      // УПД: the marked lines of each group but furs (edo-send, unmarked lines skipped)
      const mapped = saleToUpd(d.payload, meta, {
        function: 'СЧФДОП',
        signer: updSigner,
        seller: { inn },
        program: 'ZnakFlow',
      });
      const ref = mapped.ref;
      const upds = mapped.documents.filter((u) => u.productGroup !== '');
      // furs: LP_SHIP_GOODS (cz-map-document, the УПД groups skipped)
      const furs = await mapDocument(
        { payload: d.payload, onec: meta },
        { documentType: 'LP_SHIP_GOODS', updGroups: 'skip' },
      );
      const fursDocs = furs.valid ? furs.documents : [];
      // a sale that became several documents (down both routes too) labels each line (onec-write)
      const several = upds.length + fursDocs.length > 1;
      for (const u of upds) {
        const errors: ErrorDetail[] = [...mapped.errors];
        const input = u.input;
        const sellerId = input.seller.edoId ?? (await edoId(input.seller.inn));
        const buyerId = input.buyer.edoId ?? (await edoId(input.buyer.inn));
        if (!buyerId) {
          errors.push(
            detail(
              'buyer.edoId',
              'EDO_PARTICIPANT',
              `участник ${input.buyer.inn} не найден в ЭДО Лайт`,
              `participant ${input.buyer.inn} is not found in ЭДО Лайт`,
            ),
          );
        }
        input.seller = { ...input.seller, ...(sellerId ? { edoId: sellerId } : {}) };
        input.buyer = { ...input.buyer, ...(buyerId ? { edoId: buyerId } : {}) };
        const r = prepareUpd(input);
        if (!r.ok) errors.push(...r.errors);
        const label = several ? u.productGroup : '';
        if (!r.ok || errors.length > 0) {
          // refused before sending: its problems into 1C (edo-send's output 2 → onec-write)
          problems.push(writeBack(ref, label, outcomeText({ invalid: errors })));
          continue;
        }
        jobs.push({
          ref,
          label,
          kind: 'upd',
          type: 'UPD',
          pg: u.productGroup,
          body: r.upd.bytes,
          fileId: r.upd.fileId,
        });
      }
      for (const m of fursDocs) {
        jobs.push({
          ref: furs.ref,
          label: several ? m.productGroup : '',
          kind: 'cz',
          type: m.type,
          pg: m.productGroup,
          body: m.body,
        });
      }
    }
  }

  // 3. send (signing inside), then follow each document and write its outcome back
  let next = 0;
  /** one look at a document: its outcome once final (status, errors), else undefined */
  const look = async (job: Job): Promise<{ status: string; errors: string[] } | undefined> => {
    const id = job.id as string;
    if (job.kind === 'cz') {
      const info = await cz.documentInfo(id, { pg: job.pg, waitVisibleMs: 0 });
      return FINAL.has(info.status) ? { status: info.status, errors: info.errors ?? [] } : undefined;
    }
    // a УПД: its EDO status (the outgoing list searched from a day before the upload), then ГИС МТ
    const doc = await edo.findOutgoing(id, Math.floor((job.sentAt ?? Date.now()) / 1000) - 86400);
    if (!doc) return undefined;
    let c = classifyUpd({ edoStatus: doc.status });
    if (c.needsGis || doc.status === 62 || doc.status === 65) {
      const gis = await edo.gisProcessing(job.fileId as string);
      c = classifyUpd({ edoStatus: doc.status, gis });
    }
    if (c.outcome === 'pending') return undefined;
    return { status: c.status, errors: c.reason ? [c.reason.ru, ...(c.errors ?? [])] : [] };
  };
  const follow = async (job: Job): Promise<void> => {
    for (;;) {
      await sleep(pollMs);
      const o = await look(job).catch(() => undefined);
      if (!o) continue;
      await writeBack(
        job.ref,
        job.label,
        outcomeText({ status: o.status, documentId: job.id, errors: o.errors }),
      );
      return;
    }
  };
  const send = async (job: Job): Promise<string> => {
    if (job.kind === 'cz')
      return cz.createDocument({
        type: job.type,
        productGroup: job.pg,
        body: Buffer.from(JSON.stringify(job.body), 'utf8'),
      });
    const bytes = job.body as Buffer;
    const signature = await signer.sign(bytes, 'detached', { purpose: 'document' });
    return (await edo.uploadSellerTitle({ fileName: `${job.fileId as string}.xml`, bytes, signature })).id;
  };
  const following: Array<Promise<void>> = [];
  const sender = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++] as Job;
      job.sentAt = Date.now();
      job.id = await send(job);
      following.push(follow(job));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => sender()));
  await Promise.all([...following, ...problems]);
  const ms = performance.now() - t0;
  const requests = cz.stats.requests + edo.stats.requests;
  cz.close();
  edo.close();
  await onec.close();
  console.log(JSON.stringify({ ms, startedAt, documents: jobs.length, requests }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
