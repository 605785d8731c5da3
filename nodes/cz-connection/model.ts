import type { ZnakFlowError } from '../../lib/errors';
import type { CzClient } from '../../lib/cz/client';
import type { CzConnection } from '../../lib/cz/connection';
import type { CzConnectionSettings } from '../../lib/cz/settings';
import type { SignerSecrets } from '../../lib/signing/index';
import type { Signer } from '../../lib/signing/types';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';
import type { RuntimeNode } from '../shared/types';

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
] as const;

export const CZ_CREDENTIALS = {
  keyPassword: { type: 'password' },
  pin: { type: 'password' },
  httpToken: { type: 'password' },
  httpPassword: { type: 'password' },
} as const;

export const CZ_CREDENTIAL_KEYS = Object.keys(CZ_CREDENTIALS) as Array<keyof SignerSecrets>;

/** What the editor shows in a password field whose stored value is unchanged. */
export const UNCHANGED_PASSWORD = '__PWRD__';

export interface CzConnectionNode extends RuntimeNode {
  settings?: CzConnectionSettings;
  problem?: ZnakFlowError;
  /** the connection's signer, client and limiter (one per config node), when the settings are valid */
  connection?: CzConnection;
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
