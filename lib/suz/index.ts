/**
 * СУЗ (the order management station, «СУЗ API v3»): the client (token from simpleSignIn, X-Signature
 * on every POST), the order journal, and the exactly-once orders service. See docs/suz.md.
 */
export * from './client';
export * from './desk';
export * from './errors';
export * from './journal';
export * from './orders';
export * from './settings';
