/**
 * The Честный ЗНАК (True API) side: client, connection (signer + client + limiter), settings,
 * product groups, answer schemas, rate limiter and retry policy.
 */
export * from './client';
export * from './connection';
export * from './errors';
export * from './limiter';
export * from './product-groups';
export { backoffDelay, DEFAULT_RETRY, parseRetryAfter, sleep, type RetryPolicy } from '../retry';
export * from './schemas';
export * from './settings';
export * from './desk';
export * from './codes-check';
export * from './balance';
