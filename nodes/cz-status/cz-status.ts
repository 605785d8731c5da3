import { ZnakFlowError } from '../../lib/errors';
import { balanceOf, lowBalances, parseThresholds, recordBalance } from '../../lib/cz/balance';
import { checkCodes } from '../../lib/cz/codes-check';
import type { CzDesk } from '../../lib/cz/desk';
import { DocumentFollower } from '../../lib/journal/follower';
import { withCz } from '../../lib/message';
import { czDesk, deskUser } from '../shared/desk';
import { downstreamTypes } from '../shared/graph';
import { configVersion, migrate } from '../shared/migrate';
import { catchableError, onInput, typedFields } from '../shared/pipeline';
import { envLookup, registerNodeType } from '../shared/register';
import { expandEnv } from '../shared/env';
import { isPassing, passingReason } from '../shared/retry';
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
    // a flow from before version 2 has three outputs whatever the mode: its second one gets nothing
    const alertOutput = configVersion(def) >= 2;
    const env = envLookup(RED, node);
    const mode = String(config['mode'] ?? CZ_STATUS_DEFAULTS.mode);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    let desk: CzDesk | undefined;
    let offAck: (() => void) | undefined;
    let follower: DocumentFollower<NodeMessage> | undefined;
    const showSummary = (): void => {
      const s = follower?.summary();
      if (!s) return;
      status.set(s.busy ? 'blue' : 'green', 'dot', 'cz-status.status.summary', {
        waiting: s.waiting,
        accepted: s.accepted,
        rejected: s.rejected,
      });
    };
    const user = deskUser(node, status, () => showSummary());
    /** The connection's desk: registered with it once, its confirmations addressed to this node. */
    const useDesk = (): CzDesk => {
      if (desk) return desk;
      const d = czDesk(RED, config['connection']);
      d.register(user);
      // onec-write confirmed it wrote an outcome into 1C (msg.cz.tracker, lib/journal/ack.ts)
      offAck = d.confirmations.register(node.id, (a) => follower?.confirmed(a.key));
      desk = d;
      return d;
    };
    const client = () => useDesk().client();

    if (mode === 'documents') {
      /**
       * Per output (accepted, rejected): is an onec-write down the flow? Then an outcome counts as
       * reported only once onec-write confirms it wrote it into 1C; otherwise once it leaves.
       */
      let confirmPorts: boolean[] | undefined;
      const f = new DocumentFollower<NodeMessage>({
        desk: useDesk,
        intervalMs: Math.max(1, Number(config['pollSeconds'] ?? CZ_STATUS_DEFAULTS.pollSeconds)) * 1000,
        giveUpMs: Math.max(0, Number(config['giveUpMinutes'] ?? CZ_STATUS_DEFAULTS.giveUpMinutes)) * 60000,
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
          // Честный ЗНАК unreachable or busy: the documents wait, the poll goes on.
          if (isPassing(err))
            status.failure('cz-status.status.unavailable', { reason: passingReason(err), waiting });
          else status.failure('znakflow.status.error', { code: catchableError(err).code ?? 'ERROR' });
        },
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
          send([msg]);
          return { statusKey: 'cz-status.status.codes', statusVars: { found: r.found, total: r.total } };
        },
      });
    } else {
      onInput(node, status, {
        busyKey: 'cz-status.status.checking',
        async settings(msg) {
          const t = await typedFields(RED, node, config, msg, ['productGroup']);
          // msg.thresholds overrides the node's thresholds
          const given = (msg as { thresholds?: unknown }).thresholds;
          return {
            productGroup: (t['productGroup'] as string) || undefined,
            thresholds: parseThresholds(given ?? expandEnv(String(config['thresholds'] ?? ''), env)),
          };
        },
        schema: balanceSettingsSchema,
        async run({ settings, msg, send }) {
          const b = await balanceOf(client(), settings.productGroup);
          recordBalance(useDesk().settings?.participantInn ?? '', b.entries);
          const low = lowBalances(b.entries, settings.thresholds);
          msg.payload = b.entries;
          withCz(msg, { balance: { roubles: b.roubles, low } });
          if (!low.length) {
            send([msg, null]);
            return { statusKey: 'cz-status.status.balance', statusVars: { roubles: b.total.toFixed(2) } };
          }
          const alert = alertOutput ? RED.util.cloneMessage(msg) : null;
          if (alert) alert.payload = low;
          send([msg, alert]);
          status.recover();
          status.set('yellow', 'ring', 'cz-status.status.low-balance', {
            groups: low.map((l) => `${l.productGroup} ${l.roubles.toFixed(2)}`).join(', '),
          });
          return { statusSet: true };
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
      offAck?.();
      desk?.deregister(user);
      desk = undefined;
      done();
    });
  });
};
