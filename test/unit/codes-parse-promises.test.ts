/**
 * The marking-code parser as a promise (issue 14): every written form of a code reads to exactly its
 * parts — the normalised code documents carry, GTIN, serial, each tail element in order, the fields
 * named after them (verification key and code, check code, МРЦ, AI 240), the product groups it fits —
 * and every text that is not one is refused with the code of its reason; the fast check takes a
 * code only when the parser reads it as itself. One table over the forms the parser knows: GS and
 * its written-out placeholders, lost GS in each known tail layout, brackets, scanner prefixes, SSCC,
 * tobacco packs, fur КиЗ, aggregates, bulk and EAN barcodes.
 */
import assert from 'node:assert/strict';
import {
  canonicalText,
  checkCode,
  GS,
  isNormalisedUnit,
  showCode,
  tryParseCode,
  withCheckDigit,
} from '../../lib/codes';

const G = withCheckDigit('0460700000001');
const C = `01${G}21`;
const S13 = 'ABCdef1234567';
const S7 = 'aBc4567';
const S6 = 'xY3456';
const K44 = 'k'.repeat(40) + 'LAST';
const K88 = 'm'.repeat(84) + 'TAIL';

/** What the parser read, in one line: kind, form, cis, parts, tail elements, named fields, groups. */
function reading(raw: string, pg?: string): string {
  const r = tryParseCode(raw, pg);
  if (!r.ok) return `! ${r.problem.code}`;
  const v = r.value;
  const f = (k: string, x: unknown): string => (x === undefined ? '' : ` ${k}=${String(x)}`);
  const short = (s: string): string => (s.length > 10 ? `${s.slice(0, 4)}…${s.length}` : s);
  const groups = `${v.productGroups.slice(0, 3).join(',')}${v.productGroups.length > 3 ? `…${v.productGroups.length}` : ''}`;
  return [
    `${v.kind} ${v.form} ${v.cis.split(GS).join('|')}`,
    f('serial', v.serial),
    f('gtin', v.gtin === G ? 'G' : v.gtin),
    f('sscc', v.sscc),
    ` [${v.elements.map((e) => `${e.ai}:${short(e.value)}`).join(' ')}]`,
    ` tail=${v.tail
      .split(GS)
      .join('|')
      .replace(/k{40}|m{84}/g, '…')}`,
    f('key', v.cryptoKey),
    f('code', v.cryptoCode?.length),
    f('check', v.checkCode),
    f('mrp', v.maxRetailPrice),
    f('add', v.additionalId),
    ` pgs=${groups}`,
  ].join('');
}

/** [text, product group, what it reads as] */
const TABLE: Array<[string, string | undefined, string]> = [
  [
    `${C}${S13}${GS}91ABCD${GS}92${K44}`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:ABCD 92:kkkk…44] tail=91ABCD|92…LAST key=ABCD code=44 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}${GS}91ABCD${GS}92${K88}`,
    'shoes',
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:ABCD 92:mmmm…88] tail=91ABCD|92…TAIL key=ABCD code=88 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}91ABCD92${K88}`,
    'shoes',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:ABCD 92:mmmm…88] tail=91ABCD|92…TAIL key=ABCD code=88 pgs=lp,shoes,perfumery…27',
  ],
  [`${C}${S13}91ABCD92${K44}x`, 'shoes', '! CODE_SERIAL'],
  [
    `${C}${S13}91ABCD`,
    'lp',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:ABCD] tail=91ABCD key=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [`${C}${S13}91ABCDx`, 'lp', '! CODE_GROUP'],
  [
    `${C}${S6}${GS}93Ab+/${GS}3103001234`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [93:Ab+/ 3103:001234] tail=93Ab+/|3103001234 check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}93Ab+/3103001234`,
    'milk',
    'unit short 010460700000001421xY3456 serial=xY3456 gtin=G [93:Ab+/ 3103:001234] tail=93Ab+/|3103001234 check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [`${C}${S6}93Ab+/31030012345`, 'milk', '! CODE_SERIAL'],
  [`${C}${S6}3103001234${GS}93Ab+/`, 'milk', '! CODE_GROUP'],
  [
    `${C}${S6}3103001234` + '93Ab+/',
    'milk',
    'unit short 010460700000001421xY3456 serial=xY3456 gtin=G [3103:001234 93:Ab+/] tail=3103001234|93Ab+/ check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}${GS}3352001234${GS}93Ab+/`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [3352:001234 93:Ab+/] tail=3352001234|93Ab+/ check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}${GS}93Ab+/3352001234`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [93:Ab+/ 3352:001234] tail=93Ab+/|3352001234 check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [`${C}${S6}${GS}3103${'12a456'}`, 'milk', '! CODE_TAIL'],
  [`${C}${S6}${GS}310312345`, 'milk', '! CODE_TAIL'],
  [`${C}${S6}${GS}3352${'12345'}`, 'milk', '! CODE_TAIL'],
  [
    `${C}${S6}${GS}33A2123456`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [:33A2123456] tail=33A2123456 pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S7}${GS}8005123456${GS}93abcd`,
    'tobacco',
    'unit gs 010460700000001421aBc4567 serial=aBc4567 gtin=G [8005:123456 93:abcd] tail=8005123456|93abcd check=abcd mrp=123456 pgs=tobacco,otp,beer…5',
  ],
  [
    `${C}${S7}8005123456` + '93abcd',
    'tobacco',
    'unit short 010460700000001421aBc4567 serial=aBc4567 gtin=G [8005:123456 93:abcd] tail=8005123456|93abcd check=abcd mrp=123456 pgs=tobacco,otp,beer…5',
  ],
  [`${C}${S7}8005123456` + '93abcdX', 'tobacco', '! CODE_SERIAL'],
  [
    `${C}${S13}2406401`,
    'shoes',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [240:6401] tail=2406401 add=6401 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}240640191ABCD92${K44}`,
    'shoes',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [240:6401 91:ABCD 92:kkkk…44] tail=2406401|91ABCD|92…LAST key=ABCD code=44 add=6401 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}240640191ABCD92${K88}`,
    'shoes',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [240:6401 91:ABCD 92:mmmm…88] tail=2406401|91ABCD|92…TAIL key=ABCD code=88 add=6401 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}24064019300AB`,
    'shoes',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [240:6401 93:00AB] tail=2406401|9300AB check=00AB add=6401 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}${GS}99XYZ`,
    'lp',
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [:99XYZ] tail=99XYZ pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}${GS}93ABCD${GS}91EFGH${GS}92${K44}`,
    'lp',
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [93:ABCD 91:EFGH 92:kkkk…44] tail=93ABCD|91EFGH|92…LAST key=EFGH code=44 check=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [
    `(01)${G}(21)${S6}(3352)001234(93)Ab+/`,
    'milk',
    'unit brackets 010460700000001421xY3456 serial=xY3456 gtin=G [3352:001234 93:Ab+/] tail=3352001234|93Ab+/ check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [
    `(01)${G}(21)${S6}(3103)001234(93)Ab+/`,
    'milk',
    'unit brackets 010460700000001421xY3456 serial=xY3456 gtin=G [3103:001234 93:Ab+/] tail=3103001234|93Ab+/ check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [
    `(01)${G}(21)${S13}(91)ABCD(92)${K44}`,
    undefined,
    'unit brackets 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:ABCD 92:kkkk…44] tail=91ABCD|92…LAST key=ABCD code=44 pgs=lp,shoes,perfumery…27',
  ],
  [
    `(01)${G}(21)${S13}(240)6401(91)ABCD`,
    'shoes',
    'unit brackets 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [240:6401 91:ABCD] tail=2406401|91ABCD key=ABCD add=6401 pgs=lp,shoes,perfumery…27',
  ],
  [
    `(01)${G}(21)${S13}`,
    undefined,
    'unit brackets 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `(00)${withCheckDigit('14601234560000001')}`,
    undefined,
    'sscc brackets 00146012345600000013 sscc=146012345600000013 [] tail= pgs=',
  ],
  [
    `00${withCheckDigit('14601234560000001')}`,
    undefined,
    'sscc plain 00146012345600000013 sscc=146012345600000013 [] tail= pgs=',
  ],
  [
    `${withCheckDigit('14601234560000001')}`,
    undefined,
    'sscc plain 146012345600000013 sscc=146012345600000013 [] tail= pgs=',
  ],
  [`${withCheckDigit('14601234560000001')}7`, undefined, 'aggregate plain 1460123456000000137 [] tail= pgs='],
  [`00${withCheckDigit('1460123456000000')}`, undefined, 'aggregate plain 0014601234560000006 [] tail= pgs='],
  [
    `x00${withCheckDigit('14601234560000001')}`,
    undefined,
    'aggregate plain x00146012345600000013 [] tail= pgs=',
  ],
  [`RU-430302-AAA1234567`, 'furs', 'kiz plain RU-430302-AAA1234567 [] tail= pgs=furs'],
  [`RU-430302-AAA1234567`, 'lp', '! CODE_GROUP'],
  [`RU-430302-AAA1234567`, undefined, 'kiz plain RU-430302-AAA1234567 [] tail= pgs=furs'],
  [
    `${G}${S7}`,
    undefined,
    'tobacco-pack plain 04607000000014aBc4567 serial=aBc4567 gtin=G [] tail= pgs=tobacco,otp,ncp',
  ],
  [
    `${G}${S7}`,
    'tobacco',
    'tobacco-pack plain 04607000000014aBc4567 serial=aBc4567 gtin=G [] tail= pgs=tobacco,otp,ncp',
  ],
  [
    `${G}${S7}MRPcAB+/`,
    undefined,
    'tobacco-pack plain 04607000000014aBc4567 serial=aBc4567 gtin=G [] tail= check=AB+/ mrp=MRPc pgs=tobacco,otp,ncp',
  ],
  [
    `${G}${S7}MRPcAB+/`,
    'tobacco',
    'tobacco-pack plain 04607000000014aBc4567 serial=aBc4567 gtin=G [] tail= check=AB+/ mrp=MRPc pgs=tobacco,otp,ncp',
  ],
  [`${G}${S7}MRPc+/4`, undefined, 'aggregate plain 04607000000014aBc4567MRPc+/4 [] tail= pgs='],
  [`${G}${S7}`, 'lp', '! CODE_GROUP'],
  [
    `${C}${S7}`,
    'tobacco',
    'unit short 010460700000001421aBc4567 serial=aBc4567 gtin=G [] tail= pgs=tobacco,otp,beer…5',
  ],
  [
    `${C}${S7}`,
    undefined,
    'unit short 010460700000001421aBc4567 serial=aBc4567 gtin=G [] tail= pgs=tobacco,otp,beer…5',
  ],
  [`x${G}${S7}`, undefined, 'aggregate plain x04607000000014aBc4567 [] tail= pgs='],
  [
    `${G.slice(0, 13)}${(Number(G[13]) + 1) % 10}${S7}`,
    undefined,
    'aggregate plain 04607000000015aBc4567 [] tail= pgs=',
  ],
  [`02${G}37${'12'}`, undefined, '! CODE_BULK'],
  [`02${G}${GS}37${'12'}`, undefined, '! CODE_BULK'],
  [`46012345`, undefined, '! CODE_EAN'],
  [`4601234567890`, undefined, '! CODE_EAN'],
  [`04601234567890`, undefined, '! CODE_EAN'],
  [`1234567`, undefined, '! CODE_TOO_SHORT'],
  [`123456789`, undefined, '! CODE_TOO_SHORT'],
  [`AB4601234567890`, undefined, '! CODE_TOO_SHORT'],
  [`ABCDEFGHIJKLMNOPQR`, undefined, 'aggregate plain ABCDEFGHIJKLMNOPQR [] tail= pgs='],
  [`ABCDEFGHIJKLMNOPQ`, undefined, '! CODE_TOO_SHORT'],
  [`ABCDEFGHIJ${GS}KLMNOPQRST`, undefined, '! CODE_FORMAT'],
  [`(10)ABCDEFGHIJKLMNOPQRST`, undefined, 'aggregate brackets 10ABCDEFGHIJKLMNOPQRST [] tail= pgs='],
  ['A'.repeat(75), undefined, '! CODE_FORMAT'],
  [
    `${C}${S13}${GS}`,
    undefined,
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `${GS}${GS}${C}${S13}${GS}${GS}`,
    undefined,
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `\u00e8${C}${S13}`,
    undefined,
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `  ${C}${S13}\t`,
    undefined,
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `]C1${C}${S13}`,
    undefined,
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `^]${C}${S13}`,
    undefined,
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}<gs>91ABCD[GS]92${K44}`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:ABCD 92:kkkk…44] tail=91ABCD|92…LAST key=ABCD code=44 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}\\x1d93ABCD`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [93:ABCD] tail=93ABCD check=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}\u241d93ABCD`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [93:ABCD] tail=93ABCD check=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${'AB7'}${'A'.repeat(10)}`,
    undefined,
    'unit short 010460700000001421AB7AAAAAAAAAA serial=AB7AAAAAAAAAA gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [`${C}aBc4567${'93'}ABCD`, undefined, '! CODE_AMBIGUOUS'],
  [
    `${C}aBc4567${GS}93ABCD`,
    undefined,
    'unit gs 010460700000001421aBc4567 serial=aBc4567 gtin=G [93:ABCD] tail=93ABCD check=ABCD pgs=tobacco,otp,beer…5',
  ],
  [
    `${C}${S13}${'93'}ABCD`,
    undefined,
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [93:ABCD] tail=93ABCD check=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}${GS}93ABCD`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [93:ABCD] tail=93ABCD check=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}aBc4567${'93'}ABCD${GS}91EFGH`,
    'beer',
    'unit gs 010460700000001421aBc4567 serial=aBc4567 gtin=G [93:ABCD 91:EFGH] tail=93ABCD|91EFGH key=EFGH check=ABCD pgs=tobacco,otp,beer…5',
  ],
  [`${C}${S13}${GS}91ABCD${GS}92${K44}`, 'milk', '! CODE_GROUP'],
  // tail layouts without GS only where they fit whole; 335n only with a digit; each field from its first element
  [`${C}${S13}X91ABCD`, 'lp', '! CODE_GROUP'],
  [`${C}${S6}X93Ab+/3103001234`, 'milk', '! CODE_SERIAL'],
  [`${C}${S6}93Ab+/335A001234`, 'milk', '! CODE_SERIAL'],
  [`${C}${S6}X310300123493Ab+/`, 'milk', '! CODE_SERIAL'],
  [`${C}${S6}335A00123493Ab+/`, 'milk', '! CODE_SERIAL'],
  [`${C}${S6}310300123493Ab+/X`, 'milk', '! CODE_SERIAL'],
  [`${C}${S7}X800512345693abcd`, 'tobacco', '! CODE_SERIAL'],
  [
    `${C}${S6}${GS}3350001234`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [3350:001234] tail=3350001234 pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}${GS}3359001234`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [3359:001234] tail=3359001234 pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}${GS}335/001234`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [:335/001234] tail=335/001234 pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}${GS}335:001234`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [:335:001234] tail=335:001234 pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}${GS}335A001234`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [:335A001234] tail=335A001234 pgs=milk,petfood,seafood…14',
  ],
  [
    `${C}${S6}${GS}93Ab+/`,
    'milk',
    'unit gs 010460700000001421xY3456 serial=xY3456 gtin=G [93:Ab+/] tail=93Ab+/ check=Ab+/ pgs=milk,petfood,seafood…14',
  ],
  [`${C}${S6}${GS}93Ab+/3103`, 'milk', '! CODE_TAIL'],
  [`${C}${S6}${GS}93Ab+/310300123`, 'milk', '! CODE_TAIL'],
  [`${C}${S6}${GS}91ABCD3103001234`, 'milk', '! CODE_TAIL'],
  [`${C}${S13}${GS}91ABCD${GS}92${'x'.repeat(45)}`, undefined, '! CODE_TAIL'],
  [`${C}${S13}${GS}91ABCD${GS}92${'x'.repeat(87)}`, undefined, '! CODE_TAIL'],
  [
    `${C}${S13}`,
    'alcohol',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S6}`,
    'furs',
    'unit short 010460700000001421xY3456 serial=xY3456 gtin=G [] tail= pgs=milk,petfood,seafood…14',
  ],
  [
    `${G}${S7}`,
    'xyz',
    'tobacco-pack plain 04607000000014aBc4567 serial=aBc4567 gtin=G [] tail= pgs=tobacco,otp,ncp',
  ],
  [
    `${C}${S13}`,
    'xyz',
    'unit short 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [] tail= pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}${GS}91ABCD${GS}91EFGH`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:ABCD 91:EFGH] tail=91ABCD|91EFGH key=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}${GS}93ABCD${GS}93EFGH`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [93:ABCD 93:EFGH] tail=93ABCD|93EFGH check=ABCD pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S7}${GS}8005123456${GS}8005654321${GS}93abcd`,
    'tobacco',
    'unit gs 010460700000001421aBc4567 serial=aBc4567 gtin=G [8005:123456 8005:654321 93:abcd] tail=8005123456|8005654321|93abcd check=abcd mrp=123456 pgs=tobacco,otp,beer…5',
  ],
  [
    `${C}${S13}${GS}2406401${GS}2406402`,
    'shoes',
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [240:6401 240:6402] tail=2406401|2406402 add=6401 pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}${S13}${GS}92${K44}${GS}92${'n'.repeat(44)}`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [92:kkkk…44 92:nnnn…44] tail=92…LAST|92nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn code=44 pgs=lp,shoes,perfumery…27',
  ],
  [`(01)${G}X(21)${S13}`, undefined, '! CODE_FORMAT'],
  [
    `(01)${G}(21)${S6}(3359)001234`,
    'milk',
    'unit brackets 010460700000001421xY3456 serial=xY3456 gtin=G [3359:001234] tail=3359001234 pgs=milk,petfood,seafood…14',
  ],
  [
    `${G}aBc(567`,
    undefined,
    'tobacco-pack plain 04607000000014aBc(567 serial=aBc(567 gtin=G [] tail= pgs=tobacco,otp,ncp',
  ],
  [`${C}aBc456793ABCD${GS}91EFGH`, undefined, '! CODE_AMBIGUOUS'],
  [
    `${C}${S13}${GS}91EFGH`,
    undefined,
    'unit gs 010460700000001421ABCdef1234567 serial=ABCdef1234567 gtin=G [91:EFGH] tail=91EFGH key=EFGH pgs=lp,shoes,perfumery…27',
  ],
  [
    `${C}ABCdef${GS}91EFGH`,
    undefined,
    'unit gs 010460700000001421ABCdef serial=ABCdef gtin=G [91:EFGH] tail=91EFGH key=EFGH pgs=milk,petfood,seafood…14',
  ],
  [
    `00${withCheckDigit('14601234560000001')}1`,
    undefined,
    'aggregate plain 001460123456000000131 [] tail= pgs=',
  ],
  [`${withCheckDigit('14601234560000001')}1`, undefined, 'aggregate plain 1460123456000000131 [] tail= pgs='],
  [
    `${G}${S7}`,
    'otp',
    'tobacco-pack plain 04607000000014aBc4567 serial=aBc4567 gtin=G [] tail= pgs=tobacco,otp,ncp',
  ],
  [`${G}${S7}`, 'milk', '! CODE_GROUP'],
];

describe('lib/codes parse promises (issue 14): every form reads to exactly its parts', () => {
  it('the table of forms: each text reads as written here, or is refused for the reason named', () => {
    const wrong: string[] = [];
    for (const [raw, pg, want] of TABLE) {
      const got = reading(raw, pg);
      if (got !== want) wrong.push(`${JSON.stringify(raw)} pg=${pg ?? '-'}\n   got  ${got}\n   want ${want}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('the same code written in every form reads the same, and the text given is kept as its input', () => {
    const forms = [
      `${C}${S13}${GS}91ABCD${GS}92${K44}`,
      `${C}${S13}\\u001d91ABCD\\u001d92${K44}`,
      `${C}${S13}<GS>91ABCD{GS}92${K44}`,
      `]d2${C}${S13}${GS}91ABCD${GS}92${K44}\r\n`,
      `(01)${G}(21)${S13}(91)ABCD(92)${K44}`,
    ];
    const parsed = forms.map((t) => tryParseCode(t));
    for (const [i, p] of parsed.entries()) {
      assert.ok(p.ok, forms[i]);
      assert.equal(p.value.input, forms[i], 'the input as given');
      assert.equal(p.value.cis, `${C}${S13}`);
      assert.equal(p.value.tail, `91ABCD${GS}92${K44}`);
    }
  });

  it('a code is shown with its GS visible and cut after 79 characters', () => {
    assert.equal(showCode(`a${GS}b`), 'a<GS>b');
    assert.equal(showCode('A'.repeat(80)), 'A'.repeat(80));
    assert.equal(showCode('A'.repeat(81)), `${'A'.repeat(79)}…`);
    assert.equal(showCode(`${'A'.repeat(78)}${GS}`), `${'A'.repeat(78)}<…`, 'cut after GS is made visible');
    assert.match(checkCode(`${C}${'S'.repeat(200)}`)?.message_ru ?? '', /«010460700000001421S{61}…»/);
  });

  it('the canonical text drops blanks, scanner prefixes and the GS around the code, nothing else', () => {
    const plain = `${C}${S13}`;
    for (const x of [
      `  ${plain}\n`,
      `\t${plain} `,
      `${GS}${plain}`,
      `${GS}${GS}${plain}${GS}${GS}`,
      `${plain}${GS}`,
      `\u00e8${plain}`,
      `\u00e8${GS}${plain}`,
      `${GS}\u00e8${plain}`,
      `]d2${plain}`,
      `]C1${plain}`,
      `]Q3${plain}`,
      `]e0${plain}`,
      `]d1${plain}`,
      `^]${plain}`,
    ]) {
      assert.equal(canonicalText(x), plain, JSON.stringify(x));
    }
    // placeholders of GS, in any case, become GS
    for (const p of ['\\u001d', '\\x1d', '<GS>', '<gs>', '{GS}', '[GS]', '\u241d']) {
      assert.equal(canonicalText(`${plain}${p}93ABCD`), `${plain}${GS}93ABCD`, p);
    }
    assert.equal(canonicalText(`${plain}${GS}93ABCD`), `${plain}${GS}93ABCD`, 'a GS inside stays');
    assert.equal(canonicalText(`${plain}\u00e8`), `${plain}\u00e8`, 'è only as a prefix');
    assert.equal(canonicalText(`x]d2${plain}`), `x]d2${plain}`, 'a symbology only at the start');
  });

  it('a character that is not allowed is named by its position, a blank shown, Cyrillic explained', () => {
    const at = (raw: string): { code?: string; ru: string; en: string } => {
      const p = checkCode(raw);
      return { code: p?.code, ru: p?.message_ru ?? '', en: p?.message_en ?? '' };
    };
    const blank = at(`${C}ABC def`);
    assert.equal(blank.code, 'CODE_CHARS');
    assert.match(blank.ru, /«␠» в позиции 22(?! \(кириллица)/);
    assert.match(blank.en, /"␠" at position 22 is not allowed$/);
    const latin = at(`${C}ABCéef`);
    assert.match(
      latin.en,
      /"é" at position 22 is not allowed$/,
      'no keyboard hint for a non-Cyrillic letter',
    );
    const cyr = at(`${C}ABCЖef`);
    assert.match(cyr.ru, /«Ж» в позиции 22 \(кириллица/);
    assert.match(cyr.en, /"Ж" at position 22 is not allowed \(Cyrillic/);
    assert.equal(at(`${C}ABC\u0080ef`).code, 'CODE_CHARS');
    assert.equal(at(`${C}ABC~ef`).code, 'CODE_CHARS', 'ASCII outside the GS1 set');
  });

  it('the fast check takes a normalised code only when the parser reads it as itself', () => {
    const fast = (raw: string, pg?: string): boolean => {
      const f = isNormalisedUnit(raw, pg);
      const r = tryParseCode(raw, pg);
      if (f) assert.ok(r.ok && r.value.kind === 'unit' && r.value.cis === raw, `fast took ${raw} pg=${pg}`);
      return f;
    };
    assert.equal(fast(`${C}${S13}`), true);
    assert.equal(fast(`${C}${S13}`, 'lp'), true);
    assert.equal(fast(`${C}${S13}`, ''), true, 'an empty group is no group');
    assert.equal(fast(`${C}${S13}`, 'milk'), false, 'not the length of the group');
    assert.equal(fast(`${C}${S6}`, 'milk'), true);
    assert.equal(fast(`${C}`), false, 'no serial');
    assert.equal(fast(`${C}A`), false, 'a serial of no known length');
    assert.equal(fast(`${C}${'A'.repeat(20)}`), true, '20 characters');
    assert.equal(fast(`${C}${'A'.repeat(21)}`), false);
    assert.equal(fast(`02${G}21${S13}`), false, 'not 01');
    assert.equal(fast(`11${G}21${S13}`), false);
    assert.equal(fast(`01${G}22${S13}`), false, 'not 21');
    assert.equal(fast(`01${G}11${S13}`), false);
    assert.equal(
      fast(`01${G.slice(0, 13)}${(Number(G[13]) + 1) % 10}21${S13}`),
      false,
      'a wrong check digit',
    );
    assert.equal(fast(`01${G.slice(0, 5)}A${G.slice(6)}21${S13}`), false, 'a letter in the GTIN');
    assert.equal(fast(`${C}ABCdef${GS}234567`), false, 'a GS inside');
    assert.equal(fast(`${C}ABCdef<234567`), false, "'<' may begin <GS>");
    assert.equal(fast(`${C}ABCdefЖ234567`), false);
    assert.equal(fast(`${C}ABCdef 234567`), false);
    assert.equal(fast(`${C}ABCdef~234567`), false);
    // a shorter allowed serial followed by what begins a tail: the parser decides
    assert.equal(fast(`${C}${S7}93ABCD`), false, '7 + 93 + 4 reads as 13 or as 7 with a check code');
    assert.equal(fast(`${C}${S7}93ABCD`, 'lp'), true, 'for lp only 13 is allowed');
    assert.equal(
      fast(`${C}${S6}3103001234`, 'meat'),
      false,
      '6 + 3103 + 6 digits (13) for a group of 6 and 13',
    );
    assert.equal(fast(`${C}${S6}8005123`, 'meat'), true, '8005 without its layout');
    assert.equal(fast(`${C}${S13}2406401`, 'radio'), false, '13 + 240 + 4 (20) for a group of 13 and 20');
    assert.equal(fast(`${C}${S13}2406401`, 'electronics'), true, 'only 20 for electronics');
    // tobacco: a 21- or 29-character text may be a pack
    assert.equal(fast(`${C}abc`, 'tobacco'), false);
    assert.equal(fast(`${C}${S7}`, 'tobacco'), true);
  });
});
