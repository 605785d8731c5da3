import { z } from 'zod';
import { bi } from '../validation';

/** Settings of an `onec-connection` config node after `${ENV}` expansion. */
export const onecConnectionSchema = z
  .object({
    url: z
      .string()
      .trim()
      .refine(
        (v) => {
          try {
            const u = new URL(v);
            return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
          } catch {
            return false;
          }
        },
        bi(
          'нужен адрес публикации 1С вида http(s)://сервер/база (без /odata/standard.odata и без параметров)',
          'a 1C publication URL like http(s)://host/base is required (without /odata/standard.odata or a query)',
        ),
      )
      .transform((v) => v.replace(/\/+$/, '').replace(/\/odata\/standard\.odata$/i, '')),
    timeout: z.coerce.number().int().min(1000).max(600000).default(30000),
    caFile: z.string().trim().optional(),
  })
  .passthrough();

export type OnecConnectionSettings = z.infer<typeof onecConnectionSchema>;
