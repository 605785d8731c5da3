import { validationError, type ZnakFlowError } from '../../lib/errors';
import { errorInfo, testConnection } from '../../lib/cz/connection';
import { CzDesk } from '../../lib/cz/desk';
import { stateDir } from '../../lib/store/atomic';
import { czConnectionSchema, type CzConnectionSettings } from '../../lib/cz/settings';
import { registerSecret } from '../../lib/redact';
import type { SignerSecrets } from '../../lib/signing/index';
import { zodIssuesToDetails } from '../../lib/validation';
import { expandEnv, type EnvLookup } from '../shared/env';
import { journalHousekeeping } from '../shared/journal';
import { configVersion, migrate } from '../shared/migrate';
import { envLookup, registerNodeType } from '../shared/register';
import type { AdminRequest, AdminResponse, NodeAPI } from '../shared/types';
import {
  concurrencyOfSenders,
  CZ_CONNECTION_MIGRATIONS,
  CZ_CONNECTION_NODE,
  CZ_CREDENTIAL_KEYS,
  CZ_CREDENTIALS,
  CZ_ENV_FIELDS,
  UNCHANGED_PASSWORD,
  type CzConnectionNode,
  type CzTestRequest,
} from './model';

/**
 * A flow from before version 4 sets `concurrency` on its cz-send nodes, not on the connection: take
 * theirs (model.ts concurrencyOfSenders) before the migration fills the default.
 */
function withSendersConcurrency(
  RED: NodeAPI,
  id: string,
  def: Record<string, unknown>,
): Record<string, unknown> {
  if (configVersion(def) >= 4 || (def['concurrency'] !== undefined && def['concurrency'] !== '')) return def;
  const nodes: Array<Record<string, unknown>> = [];
  (RED.nodes as { eachNode?(cb: (n: Record<string, unknown>) => void): void }).eachNode?.((n) =>
    nodes.push(n),
  );
  const c = concurrencyOfSenders(id, nodes);
  return c === undefined ? def : { ...def, concurrency: c };
}

type Parsed = { settings: CzConnectionSettings } | { problem: ZnakFlowError };

function parseSettings(def: Record<string, unknown>, env: EnvLookup): Parsed {
  const config = migrate(def, CZ_CONNECTION_MIGRATIONS);
  const raw: Record<string, unknown> = { ...config };
  for (const f of CZ_ENV_FIELDS) {
    const v = config[f];
    // a boolean (the МЧД checkbox) stays as it is; a string may be a `${VAR}` reference
    raw[f] = typeof v === 'string' && v !== '' ? expandEnv(v, env) : typeof v === 'boolean' ? v : undefined;
  }
  // an empty field means "not set" (the schema's default applies), except the INN, which is required
  for (const [k, v] of Object.entries(raw))
    if ((v === '' || v === null) && k !== 'participantInn') raw[k] = undefined;
  const parsed = czConnectionSchema.safeParse(raw);
  return parsed.success
    ? { settings: parsed.data }
    : { problem: validationError(zodIssuesToDetails(parsed.error), 'config') };
}

function secretsOf(creds: Record<string, unknown> | undefined): SignerSecrets {
  const out: SignerSecrets = {};
  for (const k of CZ_CREDENTIAL_KEYS) {
    const v = creds?.[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

export = function (RED: NodeAPI): void {
  registerNodeType<CzConnectionNode>(
    RED,
    CZ_CONNECTION_NODE,
    (node, def) => {
      for (const k of Object.keys(CZ_CREDENTIALS)) registerSecret(node.credentials?.[k]);
      const parsed = parseSettings(withSendersConcurrency(RED, node.id, def), envLookup(RED, node));
      const housekeeping = journalHousekeeping(RED);
      // one desk per config node: signer, client, limiter, journal, polling loop, send slots
      const desk = new CzDesk({
        ...('settings' in parsed ? { settings: parsed.settings } : { problem: parsed.problem }),
        secrets: secretsOf(node.credentials),
        stateDir: stateDir(RED.settings.userDir),
        horizonMs: (housekeeping.days ?? 30) * 86400000,
        compactSlack: housekeeping.compactLines,
        omsRegistrationKey:
          typeof node.credentials?.['omsRegistrationKey'] === 'string'
            ? node.credentials['omsRegistrationKey']
            : undefined,
      });
      node.desk = desk;
      node.confirmations = desk.confirmations;
      node.settings = desk.settings;
      node.problem = desk.problem;
      node.connection = desk.czConnection;
      if (node.problem) node.error(node.problem.message);
      node.client = () => desk.client();
      node.signer = () => desk.signer();
      node.on('close', (_removed: boolean, done: () => void) => {
        node.connection = undefined;
        desk.close();
        done();
      });
    },
    { ...CZ_CREDENTIALS },
  );

  /**
   * "Test connection" in the editor: authenticates with the settings being edited (stored
   * credentials are used for password fields left unchanged) and answers with the certificate
   * subject and INN, the token expiry and the balance, or the exact reason it failed.
   */
  RED.httpAdmin.post(
    '/znakflow/cz-connection/test',
    RED.auth.needsPermission('cz-connection.write'),
    (req: AdminRequest, res: AdminResponse) => {
      const body = (req.body ?? {}) as CzTestRequest;
      const config = body.config && typeof body.config === 'object' ? body.config : {};
      const id = typeof body.id === 'string' ? body.id : '';
      const deployed = id ? (RED.nodes.getNode(id) as CzConnectionNode | null) : null;
      const stored: Record<string, unknown> = {
        ...((RED.nodes as { getCredentials?: (id: string) => unknown }).getCredentials?.(id) as
          Record<string, unknown> | undefined),
        ...deployed?.credentials,
      };
      const given = body.credentials && typeof body.credentials === 'object' ? body.credentials : {};
      const creds: Record<string, unknown> = {};
      for (const k of CZ_CREDENTIAL_KEYS) {
        const v = given[k];
        creds[k] = v === UNCHANGED_PASSWORD || v === undefined ? stored[k] : v;
      }
      const env: EnvLookup = deployed ? envLookup(RED, deployed) : (n) => process.env[n];
      const parsed = parseSettings(config, env);
      if ('problem' in parsed) {
        res.status(200).json({ ok: false, warnings: [], error: errorInfo(parsed.problem), durationMs: 0 });
        return;
      }
      testConnection(parsed.settings, secretsOf(creds)).then(
        (result) => res.status(200).json(result),
        (err: unknown) =>
          res.status(200).json({ ok: false, warnings: [], error: errorInfo(err), durationMs: 0 }),
      );
    },
  );
};
