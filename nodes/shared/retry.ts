/** The nodes' side of the one retry policy: see lib/retry.ts. */
export {
  isPassing,
  passingReason,
  PASSING_BACKOFF_MS,
  RetryTimers,
  type PassingRetry,
} from '../../lib/retry';
