/**
 * ЭДО Лайт and the УПД (docs/edo.md): the seller's title 5.03 builder (ФНС order ЕД-7-26/970@), the
 * 1C sale mapper (one УПД per product group), windows-1251, and the ЭДО Лайт client.
 */
export * from './upd';
export * from './map';
export * from './client';
export { edoHttpError, edoNetworkError } from './errors';
export { encodeCp1251, decodeCp1251, inCp1251, cp1251Characters } from './cp1251';
export { parseXml, serialize, el, type XmlElement } from './xml';
export * from './buyer';
export * from './outbox';
export * from './follow';
export * from './incoming';
export * from './quota';
export * from './desk';
export * from './send';
