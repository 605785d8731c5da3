/**
 * Shapes of 1C answers, validated with zod (1C developer guide §17.4). Tolerant where 1C varies: 64-bit
 * integers come as strings, dates have no time zone, the all-zero GUID means "empty", unknown
 * fields pass through untouched (the payload is the object as 1C returns it).
 */
import { z } from 'zod';
import { bi } from '../validation';

/** One OData object as 1C returns it (fields in 1C's own names). */
export type ODataObject = Record<string, unknown>;

export const guidSchema = z
  .string()
  .regex(
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    bi('нужен GUID', 'a GUID is required'),
  );

/** `2026-11-27T09:17:00` (1C), tolerating fractions and a zone suffix some proxies add. */
export const onecDateSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/,
    bi('нужна дата 1С вида 2026-11-27T09:17:00', 'a 1C date like 2026-11-27T09:17:00 is required'),
  );

export const objectSchema = z.record(z.string(), z.unknown());

/** A collection: `{ "odata.metadata": …, "odata.count"?: "19", "value": [ … ] }`. */
export const collectionSchema = z
  .object({
    'odata.metadata': z.string().optional(),
    'odata.count': z.union([z.string().regex(/^\d+$/), z.number().int()]).optional(),
    value: z.array(objectSchema),
  })
  .passthrough();

/** The header fields every document has (standard attributes, English names). */
export const documentHeaderSchema = z
  .object({
    Ref_Key: guidSchema,
    DataVersion: z.string(),
    Number: z.string(),
    Date: onecDateSchema,
    Posted: z.boolean(),
    DeletionMark: z.boolean(),
  })
  .passthrough();
export type DocumentHeader = z.infer<typeof documentHeaderSchema>;

/** A reference object (catalog item, document, chart of characteristic types…). */
export const refObjectSchema = z.object({ Ref_Key: guidSchema }).passthrough();

/**
 * The service document. OData v3 JSON (`value: [{ name, url }]`) is what 1C is expected to send
 * (⚠ the exact shape is not stated in 1C developer guide §17.4), so plain strings and the verbose
 * `{ d: { EntitySets: [...] } }` form are accepted too.
 */
export const serviceDocumentSchema = z.union([
  z
    .object({
      value: z.array(
        z.union([
          z.string(),
          z.object({ name: z.string().optional(), url: z.string().optional() }).passthrough(),
        ]),
      ),
    })
    .passthrough(),
  z.object({ d: z.object({ EntitySets: z.array(z.string()) }).passthrough() }).passthrough(),
]);

export function entitySetNames(doc: z.infer<typeof serviceDocumentSchema>): string[] {
  if ('d' in doc && doc.d && typeof doc.d === 'object' && 'EntitySets' in doc.d) {
    return [...(doc.d as { EntitySets: string[] }).EntitySets];
  }
  if (!('value' in doc) || !Array.isArray(doc.value)) return [];
  return (doc.value as Array<string | { name?: string; url?: string }>)
    .map((v) => (typeof v === 'string' ? v : (v.name ?? v.url ?? '')))
    .filter((n): n is string => typeof n === 'string' && n.length > 0);
}

/** Int64 fields come as strings (`"LineNumber": "1"`): read either form as a number. */
export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}
