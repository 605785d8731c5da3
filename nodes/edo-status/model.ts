import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const EDO_STATUS_DEFAULTS = {
  name: '',
  connection: '',
  /** the longest gap between two looks at the pending УПД */
  pollSeconds: 10,
  /** a held message goes to output 3 after this long (a buyer may take days to sign) */
  giveUpMinutes: 60,
  /** also hand out outcomes of УПД nobody asked about (sent before a restart, by another node) */
  followJournal: true,
};

export const EDO_STATUS_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    pollSeconds: EDO_STATUS_DEFAULTS.pollSeconds,
    giveUpMinutes: EDO_STATUS_DEFAULTS.giveUpMinutes,
    followJournal: EDO_STATUS_DEFAULTS.followJournal,
  }),
];

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const EDO_STATUS_NODE: NodeTypeSpec = {
  type: 'edo-status',
  defaults: EDO_STATUS_DEFAULTS,
  migrations: EDO_STATUS_MIGRATIONS,
};
