/**
 * Честный ЗНАК documents: schemas and validation of the bodies (entry points other parts of the
 * pack call), the 1C → ЧЗ mapping presets and splitting.
 */
export {
  SUPPORTED_TYPES,
  DOCUMENT_TYPES,
  DOCUMENT_SCHEMAS,
  CODE_LIST,
  WITHDRAWAL_REASONS,
  RETURN_TYPES,
  REMARKING_CAUSES,
  PRIMARY_DOCUMENT_TYPES,
  CERTIFICATE_TYPES,
  TURNOVER_TYPES,
  isSupportedType,
  type DocumentType,
  type WithdrawalReason,
} from './schemas';
export {
  validateDocument,
  countCodes,
  issuesToDetails,
  MAX_CODES,
  MAX_BYTES,
  type ValidateContext,
} from './validate';
export { parseDate } from './common';
export { mapDocument, type MapOptions, type MapInput, type MapResult, type MappedDocument } from './map';
export {
  applyOverrides,
  parseOverridePath,
  type FieldOverride,
  type CompileExpression,
  type Evaluate,
} from './overrides';
export { DEFAULT_GROUP_MAPPING, groupFor, mergeGroupMapping } from './groups';
export { readSource, type OnecCode, type OnecMeta, type SourceDocument } from './source';
export { splitBuilt, type Part } from './split';
export { autoType, autoReason, declarationDate, type DocCode, type Built } from './builders';
export {
  PLACE_RULES,
  FIAS_ID,
  placeRequirement,
  isIndividual,
  fiasOfAddress,
  readPlace,
  choosePlace,
  type PinnedPlace,
  type PlaceOverride,
  type PlaceRequirement,
  type SourcePlace,
} from './place';
