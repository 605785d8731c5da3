/**
 * How a node uses the desk of its connection (lib/cz/desk.ts): find it, register while running, show
 * the desk's state (bad settings, a refused sign-in) in its own status; and how a node confirms a
 * message back to the node that asked for it (lib/journal/ack.ts) through that node's connection.
 */
import type { Ack, Confirmations, ConfirmTo } from '../../lib/journal/ack';
import type { CzDesk, DeskState, DeskUser } from '../../lib/cz/desk';
import type { CzConnectionNode } from '../cz-connection/model';
import { requireConfigNode } from './connection';
import type { StatusHelper } from './status';
import type { NodeAPI, RuntimeNode } from './types';

/** The desk of the cz-connection a node refers to (`field` of its config); throws NO_CONNECTION. */
export function czDesk(RED: NodeAPI, id: unknown, field = 'connection'): CzDesk {
  return requireConfigNode<CzConnectionNode>(RED, id, 'cz-connection', field).desk;
}

/**
 * A desk user for `node`: the connection's failure shows as a red ring on the node (until it is
 * over); when it is over, `recovered` shows the node's own status again.
 */
export function deskUser(node: RuntimeNode, status: StatusHelper, recovered?: () => void): DeskUser {
  return {
    id: node.id,
    onDeskState(s: DeskState) {
      if (s.kind === 'failed') {
        status.fault(
          s.stage === 'config' ? 'znakflow.status.invalid-config' : 'znakflow.status.sign-in-failed',
          s.stage === 'config' ? undefined : { code: s.error.code },
        );
      } else if (s.kind === 'ready') {
        status.recover();
        recovered?.();
      }
    },
  };
}

/**
 * Confirm a message to the node that asked for it: `to` names its connection (a config node owning a
 * `Confirmations` registry: onec-connection, cz-connection) and the node. False when nobody
 * listens there (no such connection deployed, or the node is not registered).
 */
export function confirmTo(RED: NodeAPI, to: ConfirmTo | undefined, ack: Omit<Ack, 'node'>): boolean {
  if (!to) return false;
  const owner = RED.nodes.getNode(to.connection) as { confirmations?: Confirmations } | null;
  return owner?.confirmations?.confirm({ ...ack, node: to.node }) ?? false;
}

/**
 * A document is settled (journalled sent, found sent, or refused by Честный ЗНАК itself): confirm it
 * to the watch that emitted its 1C version (msg.onec.watch) and to the suz-report whose outcome it
 * carries on (msg.suz.tracker), each counting it as one of `total`.
 */
export function confirmSettled(
  RED: NodeAPI,
  s: {
    key: string;
    total: number;
    source: { ref: string; dataVersion: string };
    ackTo?: ConfirmTo;
    reportTo?: { to: ConfirmTo; key: string };
  },
): void {
  confirmTo(RED, s.ackTo, {
    ref: s.source.ref,
    dataVersion: s.source.dataVersion,
    key: s.key,
    total: s.total,
  });
  if (s.reportTo)
    confirmTo(RED, s.reportTo.to, { ref: s.reportTo.key, dataVersion: '', key: s.key, total: s.total });
}
