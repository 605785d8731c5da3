/**
 * How the emulator checks document JSON and normalises codes: with the pack's own document
 * schemas (`validateDocument` of lib/documents: field names, types, formats, enums, cross-field
 * rules, code templates per product group, duplicates, dates, limits) and code parser
 * (`normalizeCode` of lib/codes). The emulator's business rules (codes exist, owner, status,
 * shipment/acceptance/cancel transitions, participants registered) are in documents.ts.
 */
import { normalizeCode } from '../../codes';
import { isSupportedType, validateDocument } from '../../documents';
import type { ErrorDetail } from '../../errors';

/** Structural validation of a document body of a modelled type ([] when valid). */
export function emulatorValidate(type: string, body: unknown, pg?: string): ErrorDetail[] {
  if (!isSupportedType(type)) return [];
  // the code count is checked by the emulator first, with its own error text
  return validateDocument(type, body, { productGroup: pg, maxCodes: Number.MAX_SAFE_INTEGER });
}

/**
 * A code as written in a document or a `cises/info` request → the registry form
 * (`01` + GTIN + `21` + serial; aggregates as they are). Something that is not a marking code at all
 * is looked up as written (and then simply not found).
 */
export function emulatorNormalize(raw: string, pg?: string): string {
  try {
    return normalizeCode(raw, pg);
  } catch {
    try {
      return normalizeCode(raw);
    } catch {
      return raw.trim();
    }
  }
}
