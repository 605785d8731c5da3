/**
 * What a following node (cz-status in documents mode, edo-status) hands to its DocumentFollower
 * (lib/journal/follower.ts) from Node-RED: its timing from the config, which outputs lead to an
 * onec-write (then an outcome waits for its confirmation), who onec-write confirms to, how outcomes
 * nobody asked about leave the node, and how a failed poll shows in its status.
 */
import type { FollowerOptions } from '../../lib/journal/follower';
import { downstreamTypes } from './graph';
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
  let confirmPorts: boolean[] | undefined;
  return {
    intervalMs: Math.max(1, Number(config['pollSeconds'] ?? defaults.pollSeconds)) * 1000,
    giveUpMs: Math.max(0, Number(config['giveUpMinutes'] ?? defaults.giveUpMinutes)) * 60000,
    follow: config['followJournal'] !== false && config['followJournal'] !== 'false',
    confirming(port) {
      confirmPorts ??= [0, 1].map((p) => downstreamTypes(RED, node, p).includes('onec-write'));
      return confirmPorts[port] === true;
    },
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
