/**
 * The True API client as the journal's outbox and status tracker see it.
 */
import { ZnakFlowError } from '../errors';
import type { OutboxApi, ListedDocument } from '../journal/outbox';
import type { TrackerApi } from '../journal/tracker';
import type { CallOptions, CzClient, DocListFilter } from './client';
import { neverSent } from './errors';

/** Errors after which Честный ЗНАК certainly did not receive the document. */
export function refusedBeforeReceipt(err: unknown): boolean {
  if (!(err instanceof ZnakFlowError)) return true; // thrown before any request (e.g. a local check)
  if (err.code === 'AUTH_FAILED') return true; // the sign-in failed: the document never left
  if (err.code === 'CZ_SEND_UNCERTAIN' || err.code === 'CZ_TIMEOUT') return false;
  if (err.code === 'CZ_NETWORK') return neverSent(err.cause);
  if (err.status !== undefined) return err.status === 429 || (err.status >= 400 && err.status < 500);
  return err.source !== 'cz';
}

export interface JournalApiOptions {
  /** page size of doc/list (≤ 1000) */
  pageSize?: number;
  /** most pages read in one list (keyset paging) */
  maxPages?: number;
  call?: () => CallOptions;
}

/** What the journal's reads of doc/list filter by (§6.2): the group and the period, and for УПД the format and sender. */
export interface ListFilter {
  productGroup: string;
  documentType?: string;
  /** `UPD`: the documents in EDO format (УПД passed on by the EDO operator) */
  documentFormat?: DocListFilter['documentFormat'];
  senderInn?: string;
  dateFrom: string;
  dateTo: string;
}

/** The journal's reads of doc/list: newest first, page by page until `enough(seenSoFar)` says stop. */
export type ListReader = (
  filter: ListFilter,
  enough?: (seen: ListedDocument[]) => boolean,
) => Promise<ListedDocument[]>;

export function journalApi(
  client: CzClient,
  opts: JournalApiOptions = {},
): OutboxApi & TrackerApi & { read: ListReader } {
  const call = opts.call ?? (() => ({}));
  const limit = Math.min(1000, opts.pageSize ?? 1000);
  const toListed = (d: {
    number: string;
    type: string;
    status: string;
    receivedAt?: string | null;
    docDate?: string | null;
    errors?: string[] | null;
  }): ListedDocument => ({
    number: d.number,
    type: d.type,
    status: d.status,
    receivedAt: d.receivedAt ?? null,
    docDate: d.docDate ?? null,
    errors: d.errors ?? null,
  });
  const read = async (
    filter: ListFilter,
    enough?: (seen: ListedDocument[]) => boolean,
  ): Promise<ListedDocument[]> => {
    const seen: ListedDocument[] = [];
    const it = client.iterateDocuments(
      {
        pg: filter.productGroup,
        documentType: filter.documentType,
        documentFormat: filter.documentFormat,
        senderInn: filter.senderInn,
        dateFrom: filter.dateFrom,
        dateTo: filter.dateTo,
        limit,
        order: 'DESC',
      },
      { ...call(), maxPages: opts.maxPages ?? 50 },
    );
    let sincePageCheck = 0;
    for await (const d of it) {
      seen.push(toListed(d));
      sincePageCheck++;
      if (enough && sincePageCheck >= limit) {
        sincePageCheck = 0;
        if (enough(seen)) break;
      }
    }
    return seen;
  };
  return {
    async create(req) {
      return client.createDocument(
        {
          type: req.type,
          productGroup: req.productGroup,
          format: req.format,
          body: req.bytes,
          signature: req.signature,
        },
        call(),
      );
    },
    list: (filter, enough?: (seen: ListedDocument[]) => boolean) => read(filter, enough),
    read,
    async info(id, productGroup) {
      try {
        const info = await client.documentInfo(id, {
          ...call(),
          pg: productGroup,
          body: true,
          waitVisibleMs: 0,
        });
        return { body: info.body, status: info.status, errors: info.errors ?? null };
      } catch (err) {
        if (err instanceof ZnakFlowError && err.status === 404) return undefined;
        throw err;
      }
    },
    refused: refusedBeforeReceipt,
  };
}
