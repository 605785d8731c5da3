/**
 * Marking codes as СУЗ emits them, per product group («СУЗ API v3» «Справочник "Шаблоны КМ"» and
 * Таблица 9, through lib/codes/templates.ts): `01` + GTIN + `21` + serial (the emission-country digit
 * `5` for the Russian Federation first, §5.3.1.11), then `<GS>` and the crypto tail — long (`91` key
 * id (4) `<GS>` `92` verification code (44)), short (`93` check code (4)), or for tobacco packs the
 * non-GS1 GTIN + serial(7) + МРЦ(4) + КП(4). The codes parse with the pack's own parser
 * (lib/codes/parse.ts).
 */
import { randomBytes } from 'node:crypto';
import { GS } from '../../codes/parse';
import { codeTemplate, TOBACCO_GROUPS } from '../../codes/templates';

/** Serial characters (a safe subset of «СУЗ API v3» Таблица 3: letters and digits). */
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Verification-code characters (Таблица 3 allows these and more). */
const CRYPTO = `${ALNUM}+/=`;

function random(n: number, alphabet: string): string {
  const b = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[(b[i] as number) % alphabet.length];
  return s;
}

/** Templates whose serial is 6 long in groups that have two (Таблица 9). */
const SHORT_TEMPLATES = new Set([55, 59, 66, 68]);

/** The full serial length of a group's codes (for a template id where the group has two). */
export function serialLength(pg: string, templateId?: number): number {
  const t = codeTemplate(pg);
  const lengths = t?.serialLengths ?? [];
  if (lengths.length === 0) return 13;
  if (lengths.length > 1 && templateId !== undefined) {
    const short = Math.min(...lengths);
    const long = Math.max(...lengths);
    return SHORT_TEMPLATES.has(templateId) ? short : long;
  }
  return lengths[0] as number;
}

/** The serial a participant supplies with `SELF_MADE` is one shorter: СУЗ prepends the country digit. */
export function selfMadeLength(pg: string, templateId?: number): number {
  return serialLength(pg, templateId) - (TOBACCO_GROUPS.has(pg) ? 0 : 1);
}

export interface EmittedCode {
  /** the code as СУЗ returns it (with GS and tail) */
  full: string;
  /** the normalised form documents carry */
  cis: string;
}

/** One code of `gtin` for group `pg`; `serial` when the participant made it (`SELF_MADE`). */
export function emitCode(
  pg: string,
  gtin: string,
  cisType = 'UNIT',
  templateId?: number,
  serial?: string,
): EmittedCode {
  const tobacco = TOBACCO_GROUPS.has(pg);
  if (tobacco && cisType === 'UNIT') {
    const sn = serial ?? random(7, ALNUM);
    const mrp = random(4, ALNUM);
    const kp = random(4, ALNUM);
    return { full: `${gtin}${sn}${mrp}${kp}`, cis: `${gtin}${sn}` };
  }
  const len = serialLength(pg, templateId);
  // ⚠ A group with no published serial length (lib/codes/templates.ts) gets a 13-character serial here;
  // without a known length, a serial holding `91`–`93` makes the code without GS (as documents carry it)
  // read more than one way, so the emulator draws such a serial again rather than emit an unreadable code.
  const published = (codeTemplate(pg)?.serialLengths ?? []).length > 0;
  const draw = (): string => {
    for (;;) {
      const s = `5${random(len - 1, ALNUM)}`;
      if (published || !/9[123]/.test(s)) return s;
    }
  };
  const sn = tobacco ? (serial ?? random(7, ALNUM)) : serial !== undefined ? `5${serial}` : draw();
  const cis = `01${gtin}21${sn}`;
  if (tobacco) {
    // a block: 8005 (MRP, 6 digits) and 93 (Справочник "Шаблоны КМ")
    return { full: `${cis}${GS}8005${random(6, '0123456789')}${GS}93${random(4, ALNUM)}`, cis };
  }
  const tail = codeTemplate(pg)?.tail;
  if (tail === 'long') return { full: `${cis}${GS}91${random(4, ALNUM)}${GS}92${random(44, CRYPTO)}`, cis };
  return { full: `${cis}${GS}93${random(4, ALNUM)}`, cis };
}
