/**
 * The 1C side of ZnakFlow: OData client, query builder, batched resolution, watch, write-back.
 * See each module's TSDoc; the client is the entry point.
 */
export {
  OnecClient,
  isReferenceSet,
  type OnecClientOptions,
  type ProxyConfig,
  type EntityKey,
  type ConnectionReport,
  type ListResult,
} from './client';
export * from './query';
export { type ODataObject, documentHeaderSchema, toInt } from './schemas';
export { resolveDocuments, type OnecCode, type ResolvedDocument, type ResolveOutcome } from './resolve';
export { readDocuments, onecMeta, headerExpand, type OnecMeta } from './documents';
export {
  DocumentWatcher,
  assertWatchable,
  type WatchOptions,
  type WatchState,
  type PollResult,
} from './watch';
export {
  writeAdditionalInfo,
  patchAttribute,
  resolveProperty,
  outcomeText,
  assertWritable,
  CZ_STATUS_RU,
  DEFAULT_REGISTER,
  DEFAULT_PROPERTIES,
  type WriteResult,
} from './write';
export {
  readTarget,
  readQuery,
  readByRef,
  readQueryOptions,
  checkRef,
  documentMeta,
  arrayMeta,
  type ReadSpec,
  type ReadTarget,
  type ReadDocument,
  type QuerySpec,
  type QueryRead,
} from './read';
export { WatchSet } from './watch-set';
export { WatchLoop, type WatchLoopOptions, type WatchSettings } from './watch-loop';
export * from './presets';
export { onecConnectionSchema, type OnecConnectionSettings } from './settings';
