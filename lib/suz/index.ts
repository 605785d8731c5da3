/**
 * СУЗ (the order management station, «СУЗ API v3»): the client (token from simpleSignIn, X-Signature
 * on every POST), the order journal, the exactly-once orders service, the СУЗ service of a desk, what
 * orders and reports are made from (a 1C document or a message), and the order runner of suz-order.
 * See docs/suz.md.
 */
export * from './client';
export * from './desk';
export * from './errors';
export * from './journal';
export * from './orders';
export * from './report';
export * from './request';
export * from './runner';
export * from './settings';
