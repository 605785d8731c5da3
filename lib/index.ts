/**
 * ZnakFlow as a library: everything the Node-RED nodes use, without Node-RED.
 *
 * ```js
 * const zf = require('@znakflow/node-red');
 * const onec = new zf.OnecClient({ url: 'http://server/ut', username: 'odata', password: '…' });
 * const code = zf.parseCode('(01)04650117240408(21)ABCDEFGHIJKLM', 'lp').cis; // '010465011724040821ABCDEFGHIJKLM'
 * ```
 *
 * Each part is also reachable as a namespace (`zf.onec`, `zf.cz`, `zf.codes`, `zf.documents`, `zf.edo`,
 * `zf.suz`, `zf.signing`, `zf.journal`, `zf.emulators`, `zf.message` — the message contract) with its full API; the
 * most used entry points are
 * exported at the top level too. README «Use as a library» shows a whole run; docs/architecture.md
 * tells where each part lives.
 */
import * as codes from './codes';
import * as cz from './cz';
import * as documents from './documents';
import * as edo from './edo';
import * as onec from './onec';
import * as message from './message';
import * as signing from './signing';
import * as suz from './suz';
import * as journalApi from './journal/journal';
import * as outbox from './journal/outbox';
import * as tracker from './journal/tracker';
import * as poller from './journal/poller';
import * as follower from './journal/follower';
import * as ack from './journal/ack';
import * as czEmulator from './emulators/cz';
import * as onecEmulator from './emulators/onec';
import * as demo from './emulators/demo';
import * as pki from './signing/pki';

/** The durable outbox: journal file, exactly-once sending, status tracking, the poll loop, the follower, confirmations. */
export const journal = { ...journalApi, ...outbox, ...tracker, ...poller, ...follower, ...ack };

/** The emulators of 1C (OData) and True API, the demo of both, and a throw-away GOST test PKI. */
export const emulators = {
  ...czEmulator,
  ...onecEmulator,
  startDemo: demo.startDemo,
  loadExamples: demo.loadExamples,
  createTestCa: pki.createTestCa,
  issueTestSigner: pki.issueTestSigner,
};

export { codes, cz, documents, edo, message, onec, signing, suz };

// The most used entry points, at the top level.
export { ZnakFlowError, type ErrorDetail } from './errors';
export {
  czOf,
  edoOf,
  onecOf,
  partsOf,
  setCz,
  setOnec,
  withCz,
  withEdo,
  withOnec,
  type CzMeta,
  type EdoMeta,
  type FlowMessage,
  type MessageParts,
  type OnecBatch,
  type OnecCode,
  type OnecItem,
  type OnecMeta,
  type OnecSource,
} from './message';
export { OnecClient, type OnecClientOptions } from './onec/client';
export { buildQuery, renderFilter, literal, type Condition } from './onec/query';
export { resolveDocuments, type ResolvedDocument } from './onec/resolve';
export { readDocuments, onecMeta } from './onec/documents';
export { resolveLayout } from './onec/presets';
export { DocumentWatcher, type WatchOptions } from './onec/watch';
export { writeAdditionalInfo, patchAttribute, outcomeText } from './onec/write';
export { CzClient, type CzClientOptions } from './cz/client';
export { createSigner, type SignerConfig, type SignerSecrets } from './signing';
export type { Signer } from './signing/types';
export { parseCode, normalizeCode, checkCode, checkGtin, checkInn } from './codes';
export { mapDocument, type MapOptions, type MapResult } from './documents/map';
export { validateDocument } from './documents/validate';
export { Journal, type JournalEntry } from './journal/journal';
export { Outbox } from './journal/outbox';
export { StatusTracker } from './journal/tracker';
export { startCzEmulator, type CzEmulatorOptions } from './emulators/cz';
export { startOnecEmulator, type OnecEmulatorOptions } from './emulators/onec';
export { startDemo } from './emulators/demo';
