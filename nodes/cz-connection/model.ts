import type { ZnakFlowError } from '../../lib/errors';
import type { CzConnectionSettings } from '../../lib/cz/settings';
import { fillDefaults, type Migration } from '../shared/migrate';
import type { RuntimeNode } from '../shared/types';

export const CZ_CONNECTION_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    environment: 'sandbox',
    productGroup: 'lp',
    signer: 'openssl',
    rateLimit: 50,
    timeout: 60000,
  }),
];

/** Config fields that may hold `${VAR}` references inside a longer value. */
export const CZ_ENV_FIELDS = ['url', 'participantInn', 'certPath', 'keyPath'] as const;

export const CZ_CREDENTIALS = {
  keyPassword: { type: 'password' },
  pin: { type: 'password' },
  httpToken: { type: 'password' },
  httpPassword: { type: 'password' },
} as const;

export interface CzConnectionNode extends RuntimeNode {
  settings?: CzConnectionSettings;
  problem?: ZnakFlowError;
}
