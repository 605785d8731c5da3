/**
 * What a following node (cz-status in documents mode, edo-status) hands to its DocumentFollower
 * (lib/journal/follower.ts) from Node-RED: its timing from the config, which outputs lead to an
 * onec-write (then an outcome waits for its confirmation), who onec-write confirms to, how outcomes
 * nobody asked about leave the node, and how a failed poll shows in its status.
 */
import type { CzDesk } from '../../lib/cz/desk';
import type { DocumentFollower, FollowerOptions } from '../../lib/journal/follower';
import { czDesk, deskUser } from './desk';
import { portsLeadingTo } from './graph';
import { catchableError } from './pipeline';
import { isPassing, passingReason } from './retry';
import type { StatusHelper } from './status';
import type { NodeAPI, NodeMessage, RuntimeNode } from './types';

export type FollowerWiring = Pick<
  FollowerOptions<NodeMessage>,
  'intervalMs' | 'giveUpMs' | 'follow' | 'confirming' | 'tracker' | 'emit' | 'onRecovered' | 'onError'
>;

export function followerWiring(
  RED: NodeAPI,
  node: RuntimeNode,
  status: StatusHelper,
  config: Record<string, unknown>,
  defaults: { pollSeconds: number; giveUpMinutes: number },
  /** the status key of a passing failure (`__reason__`, `__waiting__`) */
  unavailableKey: string,
): FollowerWiring {
  /**
   * Per output (accepted, rejected): is an onec-write down the flow? Then an outcome counts as
   * reported only once onec-write confirms it wrote it into 1C; otherwise once it leaves.
   */
  const confirming = portsLeadingTo(RED, node, ['onec-write']);
  return {
    intervalMs: Math.max(1, Number(config['pollSeconds'] ?? defaults.pollSeconds)) * 1000,
    giveUpMs: Math.max(0, Number(config['giveUpMinutes'] ?? defaults.giveUpMinutes)) * 60000,
    follow: config['followJournal'] !== false && config['followJournal'] !== 'false',
    confirming,
    tracker: { connection: String(config['connection'] ?? ''), node: node.id },
    emit: (out) => node.send(out),
    onRecovered: () => status.recover(),
    onError(err, waiting) {
      // the remote system unreachable or busy: the documents wait, the poll goes on
      if (isPassing(err)) status.failure(unavailableKey, { reason: passingReason(err), waiting });
      else status.failure('znakflow.status.error', { code: catchableError(err).code ?? 'ERROR' });
    },
  };
}

/** The desk of a following node: registered once, its confirmations addressed to the node's follower. */
export interface FollowingDesk {
  /** the connection's desk (throws NO_CONNECTION / the configuration problem) */
  useDesk(): CzDesk;
  /** the follower's summary in the node's status (`summaryKey`: __waiting__, __accepted__, __rejected__) */
  showSummary(): void;
  /** stop listening for confirmations and leave the desk */
  close(): void;
}

export function followingDesk(
  RED: NodeAPI,
  node: RuntimeNode,
  status: StatusHelper,
  config: Record<string, unknown>,
  summaryKey: string,
  follower: () => DocumentFollower<NodeMessage> | undefined,
): FollowingDesk {
  let desk: CzDesk | undefined;
  let offAck: (() => void) | undefined;
  const showSummary = (): void => {
    const s = follower()?.summary();
    if (!s) return;
    status.set(s.busy ? 'blue' : 'green', 'dot', summaryKey, {
      waiting: s.waiting,
      accepted: s.accepted,
      rejected: s.rejected,
    });
  };
  const user = deskUser(node, status, () => showSummary());
  return {
    useDesk() {
      if (desk) return desk;
      const d = czDesk(RED, config['connection']);
      d.register(user);
      // onec-write confirmed it wrote an outcome into 1C (msg.cz.tracker, lib/journal/ack.ts)
      offAck = d.confirmations.register(node.id, (a) => follower()?.confirmed(a.key));
      desk = d;
      return d;
    },
    showSummary,
    close() {
      offAck?.();
      desk?.deregister(user);
      desk = undefined;
    },
  };
}
