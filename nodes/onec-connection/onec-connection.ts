import { validationError } from '../../lib/errors';
import { registerSecret } from '../../lib/redact';
import { onecConnectionSchema } from '../../lib/onec/settings';
import { zodIssuesToDetails } from '../../lib/validation';
import { expandEnv } from '../shared/env';
import { migrate } from '../shared/migrate';
import { envLookup, registerNodeType } from '../shared/register';
import type { NodeAPI } from '../shared/types';
import { ONEC_CONNECTION_MIGRATIONS, type OnecConnectionNode } from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<OnecConnectionNode>(
    RED,
    'onec-connection',
    (node, def) => {
      const config = migrate(def, ONEC_CONNECTION_MIGRATIONS);
      const env = envLookup(RED, node);
      const raw = {
        url: expandEnv(String(config['url'] ?? ''), env),
        timeout: config['timeout'],
        caFile: expandEnv(String(config['caFile'] ?? ''), env) || undefined,
      };
      const parsed = onecConnectionSchema.safeParse(raw);
      if (parsed.success) {
        node.settings = parsed.data;
      } else {
        node.problem = validationError(zodIssuesToDetails(parsed.error), 'config');
        node.error(node.problem.message);
      }
      node.username = node.credentials?.['username'] ?? '';
      node.password = node.credentials?.['password'] ?? '';
      registerSecret(node.password);
      node.on('close', (_removed: boolean, done: () => void) => {
        done();
      });
    },
    { username: { type: 'text' }, password: { type: 'password' } },
  );
};
