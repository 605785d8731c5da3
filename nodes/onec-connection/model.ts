import type { ZnakFlowError } from '../../lib/errors';
import type { OnecConnectionSettings } from '../../lib/onec/settings';
import { fillDefaults, type Migration } from '../shared/migrate';
import type { RuntimeNode } from '../shared/types';

export const ONEC_CONNECTION_MIGRATIONS: readonly Migration[] = [
  fillDefaults({ timeout: 30000, caFile: '' }),
];

export interface OnecConnectionNode extends RuntimeNode {
  /** validated settings, or undefined when the configuration is invalid */
  settings?: OnecConnectionSettings;
  /** why the configuration is invalid */
  problem?: ZnakFlowError;
  username: string;
  password: string;
}
