import { validationError } from '../../lib/errors';
import { registerSecret } from '../../lib/redact';
import { czConnectionSchema } from '../../lib/cz/settings';
import { zodIssuesToDetails } from '../../lib/validation';
import { expandEnv } from '../shared/env';
import { migrate } from '../shared/migrate';
import { envLookup, registerNodeType } from '../shared/register';
import type { NodeAPI } from '../shared/types';
import { CZ_CONNECTION_MIGRATIONS, CZ_CREDENTIALS, CZ_ENV_FIELDS, type CzConnectionNode } from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<CzConnectionNode>(
    RED,
    'cz-connection',
    (node, def) => {
      const config = migrate(def, CZ_CONNECTION_MIGRATIONS);
      const env = envLookup(RED, node);
      const raw: Record<string, unknown> = { ...config };
      for (const f of CZ_ENV_FIELDS) {
        const v = config[f];
        raw[f] = typeof v === 'string' && v !== '' ? expandEnv(v, env) : undefined;
      }
      const parsed = czConnectionSchema.safeParse(raw);
      if (parsed.success) {
        node.settings = parsed.data;
      } else {
        node.problem = validationError(zodIssuesToDetails(parsed.error), 'config');
        node.error(node.problem.message);
      }
      for (const k of Object.keys(CZ_CREDENTIALS)) registerSecret(node.credentials?.[k]);
      node.on('close', (_removed: boolean, done: () => void) => {
        done();
      });
    },
    { ...CZ_CREDENTIALS },
  );
};
