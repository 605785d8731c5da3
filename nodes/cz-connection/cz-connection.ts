import { validationError, ZnakFlowError } from '../../lib/errors';
import { createConnection, errorInfo, testConnection } from '../../lib/cz/connection';
import { czConnectionSchema, type CzConnectionSettings } from '../../lib/cz/settings';
import { registerSecret } from '../../lib/redact';
import type { SignerSecrets } from '../../lib/signing/index';
import { zodIssuesToDetails } from '../../lib/validation';
import { expandEnv, type EnvLookup } from '../shared/env';
import { migrate } from '../shared/migrate';
import { envLookup, registerNodeType } from '../shared/register';
import type { AdminRequest, AdminResponse, NodeAPI } from '../shared/types';
import {
  CZ_CONNECTION_MIGRATIONS,
  CZ_CONNECTION_NODE,
  CZ_CREDENTIAL_KEYS,
  CZ_CREDENTIALS,
  CZ_ENV_FIELDS,
  UNCHANGED_PASSWORD,
  type CzConnectionNode,
  type CzTestRequest,
} from './model';

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
      const parsed = parseSettings(def, envLookup(RED, node));
      if ('settings' in parsed) {
        node.settings = parsed.settings;
        try {
          // one signer, one client and one rate limiter for every node that uses this connection
          node.connection = createConnection(parsed.settings, secretsOf(node.credentials));
        } catch (err) {
          node.problem =
            err instanceof ZnakFlowError
              ? err
              : new ZnakFlowError({
                  code: 'SIGNER_CONFIG',
                  ru: String(err),
                  en: String(err),
                  source: 'config',
                });
        }
      } else {
        node.problem = parsed.problem;
      }
      if (node.problem) node.error(node.problem.message);
      const unavailable = (): ZnakFlowError =>
        node.problem ??
        new ZnakFlowError({
          code: 'NO_CONNECTION',
          ru: 'подключение к Честному ЗНАКу закрыто',
          en: 'the Chestny ZNAK connection is closed',
          source: 'config',
        });
      node.client = () => {
        if (!node.connection) throw unavailable();
        return node.connection.client;
      };
      node.signer = () => {
        if (!node.connection) throw unavailable();
        return node.connection.signer;
      };
      node.on('close', (_removed: boolean, done: () => void) => {
        const c = node.connection;
        node.connection = undefined;
        c?.close();
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
