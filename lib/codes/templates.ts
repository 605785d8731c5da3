/**
 * Marking-code templates per product group (after the СУЗ API v3 «Справочник "Шаблоны КМ"»
 * and Таблица 9): the serial length(s) a group's codes carry and the kind of crypto tail.
 *
 * - `long` tail: `91` + key id (4) `<GS>` `92` + verification code (44, or 88 for old shoes codes);
 * - `short` tail: `93` + check code (4), sometimes with `3103` (net weight) or `335n` after it;
 * - `tobacco`: packs are not GS1 (GTIN + serial(7) + МРЦ(4) + КП(4)), blocks carry `8005` (MRP) and `93`.
 *
 * Groups without a published template (alcohol, furs, pharmaraw, and furslp, frozen, fertilizers,
 * homeware of the 2026 catalogue) — and any group code the pack does not know — get no length rule: any serial of
 * 1–20 characters is accepted for them (tolerant, ⚠ not established by the reference).
 */
export type TailKind = 'long' | 'short' | 'tobacco' | 'any';

export interface CodeTemplate {
  pg: string;
  /** accepted serial lengths (AI 21), empty = not established (1–20 accepted) */
  serialLengths: readonly number[];
  tail: TailKind;
}

const T = (pg: string, serialLengths: number[], tail: TailKind): CodeTemplate => ({
  pg,
  serialLengths,
  tail,
});

export const CODE_TEMPLATES: readonly CodeTemplate[] = [
  T('lp', [13], 'long'),
  T('shoes', [13], 'long'),
  T('tobacco', [7], 'tobacco'),
  T('perfumery', [13], 'long'),
  T('tires', [13], 'long'),
  T('electronics', [20], 'long'),
  T('milk', [6], 'short'),
  T('bicycle', [13], 'long'),
  T('wheelchairs', [13], 'long'),
  T('alcohol', [], 'any'),
  T('otp', [7], 'tobacco'),
  T('water', [13], 'short'),
  T('furs', [], 'any'),
  T('beer', [7], 'short'),
  T('ncp', [7], 'tobacco'),
  // bio: template 30 is long (13), template 23 short ⚠ the reference gives 13 for both
  T('bio', [13], 'any'),
  T('antiseptic', [13], 'short'),
  T('petfood', [6], 'any'),
  T('seafood', [6], 'short'),
  T('nabeer', [7], 'short'),
  T('softdrinks', [13], 'short'),
  T('meat', [6, 13], 'any'),
  T('vetpharma', [13], 'any'),
  T('toys', [13, 6], 'long'),
  // radio: 13 today; the operator announced 20 (OMSANN) — both accepted
  T('radio', [13, 20], 'long'),
  T('titan', [13], 'any'),
  T('conserve', [6], 'any'),
  T('vegetableoil', [13], 'any'),
  T('opticfiber', [13], 'any'),
  T('chemistry', [6], 'any'),
  T('books', [13], 'any'),
  T('grocery', [13], 'any'),
  T('pharmaraw', [], 'any'),
  T('construction', [13], 'any'),
  T('fire', [6, 13], 'any'),
  T('heater', [6], 'any'),
  T('cableraw', [13], 'any'),
  T('autofluids', [13], 'any'),
  T('polymer', [6], 'any'),
  T('sweets', [6, 13], 'any'),
  T('carparts', [6, 13], 'any'),
  T('nicotindev', [6, 13], 'any'),
  T('gadgets', [20], 'any'),
  T('vetbio', [6, 13], 'any'),
  // groups of the 2026 catalogue whose templates are not published yet: no length rule
  T('furslp', [], 'any'),
  T('frozen', [], 'any'),
  T('fertilizers', [], 'any'),
  T('homeware', [], 'any'),
];

const BY_PG = new Map(CODE_TEMPLATES.map((t) => [t.pg, t]));

export function codeTemplate(pg: string): CodeTemplate | undefined {
  return BY_PG.get(pg);
}

/** Serial lengths seen in any template, most common first (used to read codes whose GS was lost). */
export const KNOWN_SERIAL_LENGTHS: readonly number[] = [13, 6, 7, 20];

/** Groups whose codes are tobacco-style (pack codes without AIs, blocks with 8005). */
export const TOBACCO_GROUPS: ReadonlySet<string> = new Set(['tobacco', 'otp', 'ncp']);

const BY_LENGTH = new Map<number, readonly string[]>();
const NONE: readonly string[] = Object.freeze([]);

/** Product groups whose template accepts a serial of this length (a shared, frozen list). */
export function groupsForSerialLength(length: number): readonly string[] {
  let g = BY_LENGTH.get(length);
  if (g === undefined) {
    g = Object.freeze(CODE_TEMPLATES.filter((t) => t.serialLengths.includes(length)).map((t) => t.pg));
    BY_LENGTH.set(length, g);
  }
  return g.length > 0 ? g : NONE;
}
