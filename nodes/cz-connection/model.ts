import type { ZnakFlowError } from '../../lib/errors';
import type { CzClient } from '../../lib/cz/client';
import type { CzConnection } from '../../lib/cz/connection';
import type { CzDesk } from '../../lib/cz/desk';
import type { Confirmations } from '../../lib/journal/ack';
import type { CzConnectionSettings } from '../../lib/cz/settings';
import type { SignerSecrets } from '../../lib/signing/index';
import type { Signer } from '../../lib/signing/types';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';
import type { RuntimeNode } from '../shared/types';

/**
 * The `concurrency` an older flow meant for a connection: the largest one set on its cz-send nodes
 * (each asked for at least that many sends at a time; the rate limit still bounds the requests),
 * clamped to 1…16; undefined when no cz-send of it sets one.
 */
export function concurrencyOfSenders(
  connectionId: string,
  nodes: ReadonlyArray<{ type?: unknown; connection?: unknown; concurrency?: unknown }>,
): number | undefined {
  let best: number | undefined;
  for (const n of nodes) {
    if (n.type !== 'cz-send' || n.connection !== connectionId) continue;
    const v = Number(n.concurrency);
    if (n.concurrency === undefined || n.concurrency === null || n.concurrency === '' || !Number.isFinite(v))
      continue;
    const c = Math.max(1, Math.min(16, Math.round(v)));
    best = best === undefined ? c : Math.max(best, c);
  }
  return best;
}

/**
 * The node's config defaults: the runtime, the migrations and the editor dialog all read these (the
 * settings schema of lib/cz/settings.ts has the same defaults; test/nodes/editor-defaults.test.ts
 * keeps them equal).
 */
export const CZ_CONNECTION_DEFAULTS = {
  name: '',
  environment: 'sandbox',
  url: '',
  participantInn: '',
  productGroup: 'lp',
  signer: 'openssl',
  certPath: '',
  keyPath: '',
  opensslBin: '',
  commandPreset: 'cryptcp',
  commandProgram: '',
  commandArgs: '',
  thumbprint: '',
  httpPreset: 'generic',
  httpUrl: '',
  httpField: '',
  /** the http signer's CA file (empty: Node's default CAs only) */
  httpCaFile: '',
  dssUser: '',
  dssClientId: '',
  dssCertificateId: '',
  signTimeout: 30000,
  rateLimit: 50,
  timeout: 60000,
  tokenKind: 'uuid',
  mchd: false,
  /** documents sent at the same time over this connection (all its cz-send nodes together) */
  concurrency: 4,
  /** ЭДО Лайт: base for `custom` (empty: the same `url`) and the API form (docs/edo.md) */
  edoUrl: '',
  edoApi: 'true-api',
  /** СУЗ: the station id, its base for `custom` (empty: the same `url`), the connection id (docs/suz.md) */
  omsId: '',
  omsUrl: '',
  omsConnection: '',
  omsRegistrationUrl: '',
  omsRateLimit: 10,
};

export const CZ_CONNECTION_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    environment: CZ_CONNECTION_DEFAULTS.environment,
    productGroup: CZ_CONNECTION_DEFAULTS.productGroup,
    signer: CZ_CONNECTION_DEFAULTS.signer,
    rateLimit: CZ_CONNECTION_DEFAULTS.rateLimit,
    timeout: CZ_CONNECTION_DEFAULTS.timeout,
  }),
  // 1 → 2: the http signer's CA file (empty: Node's default CAs only)
  {
    to: 2,
    up: (config) => ({ ...config, httpCaFile: config['httpCaFile'] ?? CZ_CONNECTION_DEFAULTS.httpCaFile }),
  },
  // 2 → 3: the UUID token («единый токен») for every existing flow — JWT support ends with 2026
  // (CRPT «Planned True API changes» v552.0); the signer does not act under an МЧД unless told so
  {
    to: 3,
    up: (config) => ({ ...config, tokenKind: 'uuid', mchd: config['mchd'] ?? CZ_CONNECTION_DEFAULTS.mchd }),
  },
  // 3 → 4: the documents sent at the same time belong to the connection (all its cz-send nodes
  // together); before, each cz-send had its own `concurrency` and the first to send set it for all.
  // The runtime and the editor first take the value of the flow's cz-send nodes (concurrencyOfSenders).
  {
    to: 4,
    up: (config) => ({ ...config, concurrency: config['concurrency'] ?? CZ_CONNECTION_DEFAULTS.concurrency }),
  },
  // 4 → 5: the ЭДО Лайт and СУЗ sides of the same participant (DESIGN.md); nothing set means ЭДО Лайт
  // under the True API host and no СУЗ
  {
    to: 5,
    up: (config) => {
      const out: Record<string, unknown> = { ...config };
      for (const k of [
        'edoUrl',
        'edoApi',
        'omsId',
        'omsUrl',
        'omsConnection',
        'omsRegistrationUrl',
        'omsRateLimit',
      ] as const)
        out[k] = config[k] ?? CZ_CONNECTION_DEFAULTS[k];
      return out;
    },
  },
];

/** Config fields that may hold `${VAR}` references inside a longer value. */
export const CZ_ENV_FIELDS = [
  'url',
  'participantInn',
  'certPath',
  'keyPath',
  'opensslBin',
  'commandProgram',
  'thumbprint',
  'httpUrl',
  'httpCaFile',
  'dssUser',
  'dssClientId',
  'dssCertificateId',
  'tokenKind',
  'mchd',
  'edoUrl',
  'omsId',
  'omsUrl',
  'omsConnection',
  'omsRegistrationUrl',
] as const;

export const CZ_CREDENTIALS = {
  keyPassword: { type: 'password' },
  pin: { type: 'password' },
  httpToken: { type: 'password' },
  httpPassword: { type: 'password' },
  /** the СУЗ registration key for `POST /api/v3/integration/connection` (docs/suz.md) */
  omsRegistrationKey: { type: 'password' },
} as const;

/** The credentials the signer uses (the registration key is the СУЗ's, not the signer's). */
export const CZ_CREDENTIAL_KEYS = ['keyPassword', 'pin', 'httpToken', 'httpPassword'] as Array<
  keyof SignerSecrets
>;

/** What the editor shows in a password field whose stored value is unchanged. */
export const UNCHANGED_PASSWORD = '__PWRD__';

export interface CzConnectionNode extends RuntimeNode {
  settings?: CzConnectionSettings;
  problem?: ZnakFlowError;
  /** the connection's signer, client and limiter (one per config node), when the settings are valid */
  connection?: CzConnection;
  /** everything the connection owns and shares with its nodes (lib/cz/desk.ts) */
  desk: CzDesk;
  /** confirmations addressed to this connection's cz-status nodes (the desk's) */
  confirmations: Confirmations;
  /** The shared True API client; throws the configuration problem when there is none. */
  client(): CzClient;
  /** The shared signer; throws the configuration problem when there is none. */
  signer(): Signer;
}

/** Body of POST /znakflow/cz-connection/test: the settings being edited. */
export interface CzTestRequest {
  /** id of the config node (to use its stored credentials when unchanged) */
  id?: string;
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
}

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const CZ_CONNECTION_NODE: NodeTypeSpec = {
  type: 'cz-connection',
  defaults: CZ_CONNECTION_DEFAULTS,
  migrations: CZ_CONNECTION_MIGRATIONS,
};
