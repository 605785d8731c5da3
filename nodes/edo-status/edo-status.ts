import { ZnakFlowError } from '../../lib/errors';
import { edoDesk, type EdoService } from '../../lib/edo/desk';
import { outcomeEdo } from '../../lib/edo/send';
import { DocumentFollower } from '../../lib/journal/follower';
import { czOf, edoOf, withCz } from '../../lib/message';
import { followerWiring, followingDesk } from '../shared/follow';
import { migrate } from '../shared/migrate';
import { catchableError } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { StatusHelper } from '../shared/status';
import type { DoneFn, NodeAPI, NodeMessage, RuntimeNode, SendFn } from '../shared/types';
import { EDO_STATUS_DEFAULTS, EDO_STATUS_MIGRATIONS, EDO_STATUS_NODE } from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, EDO_STATUS_NODE, (node, def) => {
    const config = migrate(def, EDO_STATUS_MIGRATIONS);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let svc: EdoService | undefined;
    const fd = followingDesk(RED, node, status, config, 'edo-status.status.summary', () => follower);
    const { useDesk, showSummary } = fd;
    const service = (): EdoService => (svc ??= edoDesk(useDesk()));
    const follower: DocumentFollower<NodeMessage> = new DocumentFollower<NodeMessage>({
      desk: useDesk,
      journal: () => {
        const s = service();
        return { journal: s.journal, poller: s.poller, follow: (sub) => s.follow(sub) };
      },
      // ЭДО Лайт has no status by id: only the УПД of this connection's journal are followed
      external: false,
      decorate: (msg, entry) => outcomeEdo(msg, entry, svc?.lastSeen(entry.key) ?? {}),
      ...followerWiring(RED, node, status, config, EDO_STATUS_DEFAULTS, 'edo-status.status.unavailable'),
      onChange: showSummary,
    });
    try {
      follower.start();
      showSummary();
    } catch (err) {
      const none = err instanceof ZnakFlowError && err.code === 'NO_CONNECTION';
      status.set('red', 'ring', none ? 'znakflow.status.no-connection' : 'znakflow.status.invalid-config');
    }
    node.on('input', function (msg: NodeMessage, send: SendFn, done: DoneFn) {
      try {
        // edo-send sets msg.cz.documentId; a hand-made message may carry msg.edo.documentId only
        const id = edoOf(msg).documentId;
        if (!czOf(msg).documentId && id) withCz(msg, { documentId: id });
        follower.input(msg, {
          send,
          done: (err) => done(err === undefined ? undefined : catchableError(err)),
        });
      } catch (err) {
        status.failure('znakflow.status.error', { code: catchableError(err).code ?? 'ERROR' });
        done(catchableError(err));
      }
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      follower.close();
      fd.close();
      svc = undefined;
      done();
    });
  });
};
