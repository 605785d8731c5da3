import { ZnakFlowError } from '../../lib/errors';
import type { CzDesk } from '../../lib/cz/desk';
import { edoDesk, type EdoService } from '../../lib/edo/desk';
import { outcomeEdo } from '../../lib/edo/send';
import { DocumentFollower } from '../../lib/journal/follower';
import { czOf, edoOf, withCz } from '../../lib/message';
import { czDesk, deskUser } from '../shared/desk';
import { downstreamTypes } from '../shared/graph';
import { migrate } from '../shared/migrate';
import { catchableError } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { isPassing, passingReason } from '../shared/retry';
import { StatusHelper } from '../shared/status';
import type { DoneFn, NodeAPI, NodeMessage, RuntimeNode, SendFn } from '../shared/types';
import { EDO_STATUS_DEFAULTS, EDO_STATUS_MIGRATIONS, EDO_STATUS_NODE } from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, EDO_STATUS_NODE, (node, def) => {
    const config = migrate(def, EDO_STATUS_MIGRATIONS);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let desk: CzDesk | undefined;
    let svc: EdoService | undefined;
    let offAck: (() => void) | undefined;
    let confirmPorts: boolean[] | undefined;
    const showSummary = (): void => {
      const s = follower.summary();
      if (!s) return;
      status.set(s.busy ? 'blue' : 'green', 'dot', 'edo-status.status.summary', {
        waiting: s.waiting,
        accepted: s.accepted,
        rejected: s.rejected,
      });
    };
    const user = deskUser(node, status, () => showSummary());
    const useDesk = (): CzDesk => {
      if (desk) return desk;
      const d = czDesk(RED, config['connection']);
      d.register(user);
      // onec-write confirmed it wrote an outcome into 1C (msg.cz.tracker, lib/journal/ack.ts)
      offAck = d.confirmations.register(node.id, (a) => follower.confirmed(a.key));
      desk = d;
      return d;
    };
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
      intervalMs: Math.max(1, Number(config['pollSeconds'] ?? EDO_STATUS_DEFAULTS.pollSeconds)) * 1000,
      giveUpMs: Math.max(0, Number(config['giveUpMinutes'] ?? EDO_STATUS_DEFAULTS.giveUpMinutes)) * 60000,
      follow: config['followJournal'] !== false && config['followJournal'] !== 'false',
      confirming(port) {
        confirmPorts ??= [0, 1].map((p) => downstreamTypes(RED, node, p).includes('onec-write'));
        return confirmPorts[port] === true;
      },
      tracker: { connection: String(config['connection'] ?? ''), node: node.id },
      emit: (out) => node.send(out),
      onRecovered: () => status.recover(),
      onChange: showSummary,
      onError(err, waiting) {
        // ЭДО Лайт unreachable or busy: the УПД wait, the poll goes on
        if (isPassing(err))
          status.failure('edo-status.status.unavailable', { reason: passingReason(err), waiting });
        else status.failure('znakflow.status.error', { code: catchableError(err).code ?? 'ERROR' });
      },
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
      offAck?.();
      desk?.deregister(user);
      desk = undefined;
      svc = undefined;
      done();
    });
  });
};
