import { z } from 'zod';
import { validationError, ZnakFlowError } from '../../lib/errors';
import { Confirmations } from '../../lib/journal/ack';
import { OnecClient } from '../../lib/onec/client';
import { onecConnectionSchema } from '../../lib/onec/settings';
import { redact, registerSecret } from '../../lib/redact';
import { zodIssuesToDetails } from '../../lib/validation';
import { expandEnv, globalEnvLookup } from '../shared/env';
import { migrate } from '../shared/migrate';
import { catchableError } from '../shared/pipeline';
import { envLookup, registerNodeType } from '../shared/register';
import type { AdminRequest, AdminResponse, NodeAPI } from '../shared/types';
import {
  clientOptions,
  EXPECTED_SETS,
  ONEC_CONNECTION_MIGRATIONS,
  ONEC_CONNECTION_NODE,
  proxyFromNode,
  type HttpProxyNode,
  type OnecConnectionNode,
} from './model';

/** The password field of an edit dialog holds this when the stored password was not changed. */
const UNCHANGED = '__PWRD__';

const testRequestSchema = z.object({
  id: z.string().optional(),
  url: z.string().default(''),
  timeout: z.union([z.string(), z.number()]).optional(),
  caFile: z.string().optional(),
  proxy: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});

export = function (RED: NodeAPI): void {
  registerNodeType<OnecConnectionNode>(
    RED,
    ONEC_CONNECTION_NODE,
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
      const proxyId = typeof config['proxy'] === 'string' ? config['proxy'] : '';
      let client: OnecClient | undefined;
      node.getClient = () => {
        if (node.problem || !node.settings) {
          throw (
            node.problem ??
            new ZnakFlowError({
              code: 'INVALID_CONFIG',
              field: 'url',
              source: 'config',
              ru: 'неверные настройки подключения',
              en: 'invalid connection settings',
            })
          );
        }
        if (!client || client.isClosed) {
          const proxy = proxyId
            ? proxyFromNode(RED.nodes.getNode(proxyId) as HttpProxyNode | null)
            : undefined;
          client = new OnecClient(clientOptions(node.settings, node.username, node.password, proxy));
        }
        return client;
      };
      // the registry lives as long as this config node (lib/journal/ack.ts)
      node.confirmations = new Confirmations();
      node.on('close', (_removed: boolean, done: () => void) => {
        node.confirmations.clear();
        const c = client;
        client = undefined;
        (c ? c.close() : Promise.resolve()).then(
          () => done(),
          () => done(),
        );
      });
    },
    { username: { type: 'text' }, password: { type: 'password' } },
  );

  /**
   * "Test connection" in the edit dialog: tests the settings being edited (not only the deployed
   * ones); an unchanged password field means the stored password of this connection.
   */
  RED.httpAdmin.post(
    '/znakflow/onec-connection/test',
    RED.auth.needsPermission('onec-connection.write'),
    (req: AdminRequest, res: AdminResponse) => {
      void testConnection(RED, req.body).then(
        (body) => res.status(200).json(body),
        (err: unknown) => {
          const e = catchableError(err);
          res.status(200).json({ ok: false, code: e.code, message: redact(e.message), details: e.details });
        },
      );
    },
  );
};

async function testConnection(RED: NodeAPI, body: unknown): Promise<Record<string, unknown>> {
  const parsed = testRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw validationError(zodIssuesToDetails(parsed.error), 'input');
  const b = parsed.data;
  const lookup = globalEnvLookup(RED);
  const settings = onecConnectionSchema.safeParse({
    url: expandEnv(b.url, lookup),
    timeout: b.timeout === '' || b.timeout === undefined ? undefined : b.timeout,
    caFile: b.caFile ? expandEnv(b.caFile, lookup) : undefined,
  });
  if (!settings.success) throw validationError(zodIssuesToDetails(settings.error), 'config');
  const deployed = b.id ? (RED.nodes.getNode(b.id) as OnecConnectionNode | null) : null;
  const stored = b.id
    ? (
        RED.nodes as unknown as { getCredentials?(id: string): Record<string, string> | undefined }
      ).getCredentials?.(b.id)
    : undefined;
  const username = b.username ?? deployed?.username ?? stored?.['username'] ?? '';
  const password =
    b.password === undefined || b.password === UNCHANGED
      ? (deployed?.password ?? stored?.['password'] ?? '')
      : b.password;
  registerSecret(password);
  const proxy = b.proxy ? proxyFromNode(RED.nodes.getNode(b.proxy) as HttpProxyNode | null) : undefined;
  const client = new OnecClient({ ...clientOptions(settings.data, username, password, proxy), retries: 0 });
  try {
    const r = await client.testConnection();
    const visible = new Set(r.entitySets);
    return {
      ok: true,
      url: r.url,
      status: r.status,
      server: r.server ?? '',
      dataServiceVersion: r.dataServiceVersion ?? '',
      elapsedMs: r.elapsedMs,
      count: r.entitySets.length,
      entitySets: [...r.entitySets].sort(),
      expected: EXPECTED_SETS.map((entity) => ({ entity, visible: visible.has(entity) })),
    };
  } finally {
    await client.close();
  }
}
