import { z } from 'zod';
import { UPD_FUNCTIONS } from '../../lib/edo/upd';
import { UPD_KINDS } from '../../lib/edo/map';
import type { EdoSendSettings } from '../../lib/edo/send';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const EDO_SEND_DEFAULTS = {
  name: '',
  connection: '',
  /** `Функция` of the УПД: СЧФДОП (invoice + transfer) or ДОП (transfer only) */
  updFunction: 'СЧФДОП',
  updFunctionType: 'str',
  /** the signer block (over the certificate's SN, G, T); `Должн` is required by the operator */
  signerSurname: '',
  signerFirstName: '',
  signerMiddleName: '',
  signerPosition: '',
  signerPositionType: 'str',
  /** МЧД: registration number (36-character GUID) and date of issue; empty = signing as the head */
  poaNumber: '',
  poaIssuedAt: '',
  /** what 1C does not give: the seller's address (required for СЧФДОП when 1C has none) */
  sellerAddress: '',
  /** the buyer's address where 1C has none */
  buyerAddress: '',
  /** the 1C configuration preset ('' = from msg.onec.preset, else УТ 11) */
  preset: '',
  /**
   * the kind of 1C document ('' = from msg.onec.kind, else by its entity set): a sale, a return to the
   * supplier or a transfer to another organisation — each goes to its receiver as a УПД
   */
  kind: '',
  /** VAT rate of rows whose rate 1C does not name ('' = report the row) */
  defaultVatRate: '',
  /** the lines without codes: `skip` (left out) or `send` (a УПД of their own) */
  unmarked: 'skip',
  /** keep retrying an upload that failed for a passing reason, for this long */
  retryMinutes: 60,
};

export const EDO_SEND_MIGRATIONS: readonly Migration[] = [
  fillDefaults(Object.fromEntries(Object.entries(EDO_SEND_DEFAULTS).filter(([k]) => k !== 'name'))),
  // 2: the kind of 1C document (returns to the supplier and transfers between organisations go too)
  { to: 2, up: (c) => ({ ...c, kind: typeof c['kind'] === 'string' ? c['kind'] : '' }) },
];

/** The kinds of 1C document a УПД is made of (lib/edo/map.ts). */
const EDO_SEND_KINDS = Object.keys(UPD_KINDS) as [string, ...string[]];

const text = z.string().trim().max(500).optional();

/** Effective settings of one message (config + msg), checked before anything is built. */
export const edoSendSettingsSchema = z.object({
  function: z.enum(
    UPD_FUNCTIONS as unknown as ['СЧФДОП', 'ДОП'],
    bi('функция УПД: СЧФДОП или ДОП', 'the УПД function: СЧФДОП or ДОП'),
  ),
  signer: z.object({
    surname: text,
    firstName: text,
    middleName: text,
    position: text,
  }),
  poa: z
    .object({
      number: z
        .string()
        .regex(
          /^[0-9a-fA-F-]{36}$/,
          bi('номер МЧД — GUID из 36 символов', 'the МЧД number is a 36-character GUID'),
        ),
      issuedAt: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, bi('дата выдачи МЧД — ГГГГ-ММ-ДД', 'the МЧД issue date is YYYY-MM-DD')),
    })
    .optional(),
  seller: z.object({ address: text }).optional(),
  buyer: z.object({ address: text }).optional(),
  preset: z.enum(['ut11', 'erp2', 'bp3', 'retail3']).optional(),
  kind: z
    .enum(
      EDO_SEND_KINDS,
      bi(
        `вид документа 1С: ${EDO_SEND_KINDS.join(', ')}`,
        `the 1C document kind: ${EDO_SEND_KINDS.join(', ')}`,
      ),
    )
    .optional(),
  defaultVatRate: text,
  unmarked: z.enum(['skip', 'send']),
}) satisfies z.ZodType<EdoSendSettings>;
export type EdoSendNodeSettings = z.infer<typeof edoSendSettingsSchema>;

const opt = (v: unknown): string | undefined => {
  const s = typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v);
  return s === '' ? undefined : s;
};

/** The raw settings of one message: the config, the typed inputs evaluated against it. */
export function rawSettings(config: Record<string, unknown>, typed: Record<string, unknown>): unknown {
  const poaNumber = opt(config['poaNumber']);
  return {
    function: opt(typed['updFunction']) ?? EDO_SEND_DEFAULTS.updFunction,
    signer: {
      surname: opt(config['signerSurname']),
      firstName: opt(config['signerFirstName']),
      middleName: opt(config['signerMiddleName']),
      position: opt(typed['signerPosition']),
    },
    ...(poaNumber ? { poa: { number: poaNumber, issuedAt: opt(config['poaIssuedAt']) ?? '' } } : {}),
    ...(opt(config['sellerAddress']) ? { seller: { address: opt(config['sellerAddress']) } } : {}),
    ...(opt(config['buyerAddress']) ? { buyer: { address: opt(config['buyerAddress']) } } : {}),
    ...(opt(config['preset']) ? { preset: opt(config['preset']) } : {}),
    ...(opt(config['kind']) ? { kind: opt(config['kind']) } : {}),
    defaultVatRate: opt(config['defaultVatRate']),
    unmarked: opt(config['unmarked']) ?? EDO_SEND_DEFAULTS.unmarked,
  };
}

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const EDO_SEND_NODE: NodeTypeSpec = {
  type: 'edo-send',
  defaults: EDO_SEND_DEFAULTS,
  migrations: EDO_SEND_MIGRATIONS,
};
