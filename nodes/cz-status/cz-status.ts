import { ZnakFlowError } from '../../lib/errors';
import { balanceOf } from '../../lib/cz/balance';
import { checkCodes } from '../../lib/cz/codes-check';
import { DocumentFollower } from '../../lib/journal/follower';
import { withCz } from '../../lib/message';
import { followerWiring, followingDesk } from '../shared/follow';
import { migrate } from '../shared/migrate';
import { catchableError, onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { StatusHelper } from '../shared/status';
import type { DoneFn, NodeAPI, NodeMessage, RuntimeNode, SendFn } from '../shared/types';
import {
  balanceSettingsSchema,
  codesFrom,
  codesSettingsSchema,
  CZ_STATUS_DEFAULTS,
  CZ_STATUS_MIGRATIONS,
  CZ_STATUS_NODE,
} from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, CZ_STATUS_NODE, (node, def) => {
    const config = migrate(def, CZ_STATUS_MIGRATIONS);
    const mode = String(config['mode'] ?? CZ_STATUS_DEFAULTS.mode);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let follower: DocumentFollower<NodeMessage> | undefined;
    const fd = followingDesk(RED, node, status, config, 'cz-status.status.summary', () => follower);
    const { useDesk, showSummary } = fd;
    const client = () => useDesk().client();

    if (mode === 'documents') {
      const f = new DocumentFollower<NodeMessage>({
        desk: useDesk,
        ...followerWiring(RED, node, status, config, CZ_STATUS_DEFAULTS, 'cz-status.status.unavailable'),
        onChange: showSummary,
      });
      follower = f;
      try {
        f.start();
        showSummary();
      } catch (err) {
        const none = err instanceof ZnakFlowError && err.code === 'NO_CONNECTION';
        status.set('red', 'ring', none ? 'znakflow.status.no-connection' : 'znakflow.status.invalid-config');
      }
      node.on('input', function (msg: NodeMessage, send: SendFn, done: DoneFn) {
        try {
          f.input(msg, { send, done: (err) => done(err === undefined ? undefined : catchableError(err)) });
        } catch (err) {
          status.failure('znakflow.status.error', { code: catchableError(err).code ?? 'ERROR' });
          done(catchableError(err));
        }
      });
    } else if (mode === 'codes') {
      onInput(node, status, {
        busyKey: 'cz-status.status.checking',
        async settings(msg) {
          const t = await typedFields(RED, node, config, msg, ['codes', 'productGroup']);
          return { codes: codesFrom(t['codes']), productGroup: (t['productGroup'] as string) || undefined };
        },
        schema: codesSettingsSchema,
        async run({ settings, msg, send }) {
          const r = await checkCodes(client(), settings.codes, settings.productGroup);
          msg.payload = r.items;
          withCz(msg, { codes: { total: r.total, found: r.found, notFound: r.notFound } });
          send([msg, null, null]);
          return { statusKey: 'cz-status.status.codes', statusVars: { found: r.found, total: r.total } };
        },
      });
    } else {
      onInput(node, status, {
        busyKey: 'cz-status.status.checking',
        async settings(msg) {
          const t = await typedFields(RED, node, config, msg, ['productGroup']);
          return { productGroup: (t['productGroup'] as string) || undefined };
        },
        schema: balanceSettingsSchema,
        async run({ settings, msg, send }) {
          const b = await balanceOf(client(), settings.productGroup);
          msg.payload = b.entries;
          withCz(msg, { balance: { roubles: b.roubles } });
          send([msg, null, null]);
          return { statusKey: 'cz-status.status.balance', statusVars: { roubles: b.total.toFixed(2) } };
        },
      });
    }

    if (mode !== 'documents') {
      try {
        useDesk(); // the connection's state shows on this node too
      } catch {
        // no connection: the message that comes says so (NO_CONNECTION to Catch)
      }
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      follower?.close();
      fd.close();
      done();
    });
  });
};
