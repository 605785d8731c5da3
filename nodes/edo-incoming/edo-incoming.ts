import type { CzDesk } from '../../lib/cz/desk';
import { deskInbox, type EdoInbox, type InboxHandler, type InboxOutcome } from '../../lib/edo/inbox';
import { decisionOf, OUTCOME_PORT, outcomeMessage } from '../../lib/edo/incoming-message';
import { decideReceipt, writeReceiptCodes } from '../../lib/edo/receipts';
import { edoIncomingOf, setEdoIncoming, type EdoIncoming } from '../../lib/message';
import { parseOrThrow } from '../../lib/validation';
import type { OnecConnectionNode } from '../onec-connection/model';
import { requireConfigNode } from '../shared/connection';
import { czDesk, deskUser } from '../shared/desk';
import { migrate } from '../shared/migrate';
import { catchableError } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { isPassing, passingReason } from '../shared/retry';
import { StatusHelper } from '../shared/status';
import type { DoneFn, NodeAPI, NodeMessage, RuntimeNode, SendFn } from '../shared/types';
import {
  EDO_INCOMING_DEFAULTS,
  EDO_INCOMING_MIGRATIONS,
  EDO_INCOMING_NODE,
  edoIncomingSettingsSchema,
} from './model';

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, EDO_INCOMING_NODE, (node, def) => {
    const config = migrate(def, EDO_INCOMING_MIGRATIONS);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    const counts = { signed: 0, hold: 0, refused: 0, error: 0 };
    const showSummary = (): void =>
      status.set(counts.error > 0 ? 'yellow' : 'green', 'dot', 'edo-incoming.status.summary', counts);
    const user = deskUser(node, status, showSummary);
    let desk: CzDesk | undefined;
    let inbox: EdoInbox | undefined;
    let detach: (() => void) | undefined;
    let problem: Error | undefined;

    let codesTo: ((o: InboxOutcome) => Promise<Record<string, unknown>>) | undefined;
    const emit = async (o: InboxOutcome, base?: NodeMessage, send?: SendFn): Promise<void> => {
      counts[o.kind]++;
      const msg = outcomeMessage(o, base);
      // the codes of a signed УПД into its receipt's codes table (lib/edo/receipts.ts)
      if (o.kind === 'signed' && o.receipt && codesTo)
        setEdoIncoming(msg, { ...(edoIncomingOf(msg) as EdoIncoming), ...(await codesTo(o)) });
      const out: Array<NodeMessage | null> = [null, null, null, null];
      out[OUTCOME_PORT[o.kind]] = msg;
      (send ?? ((m) => node.send(m)))(out);
      showSummary();
    };

    try {
      const settings = parseOrThrow(
        edoIncomingSettingsSchema,
        { ...EDO_INCOMING_DEFAULTS, ...config },
        '',
        'config',
      );
      const onec = (): OnecConnectionNode =>
        requireConfigNode<OnecConnectionNode>(
          RED,
          config['onecConnection'],
          'onec-connection',
          'onecConnection',
        );
      onec(); // a missing 1C connection is a configuration problem, shown at once
      const d = czDesk(RED, config['connection']);
      d.register(user);
      desk = d;
      const handler: InboxHandler = {
        pollMs: settings.pollSeconds * 1000,
        position: settings.signerPosition || undefined,
        decide: ({ upd }) =>
          decideReceipt({
            onec: onec().getClient(),
            cz: d.client(),
            upd,
            search: { preset: settings.preset, entity: settings.entity, lookbackDays: settings.lookbackDays },
            rules: { autoSign: settings.autoSign, refuseOn: settings.refuseOn },
          }),
        report: (o) => void emit(o),
        onRound(err) {
          if (!err) return showSummary();
          const code = err.code;
          if (isPassing(err))
            status.failure('edo-incoming.status.unavailable', { reason: passingReason(err) });
          else status.failure('znakflow.status.error', { code });
        },
      };
      if (settings.writeCodes)
        codesTo = async (o) => {
          try {
            const w = await writeReceiptCodes(onec().getClient(), o.receipt!, o.codes, settings);
            return w ? { codesWritten: w } : {};
          } catch (err) {
            return { codesError: catchableError(err).message };
          }
        };
      inbox = deskInbox(d);
      detach = inbox.attach(handler);
      showSummary();
    } catch (err) {
      const e = catchableError(err);
      problem = e;
      status.set(
        'red',
        'ring',
        e.code === 'NO_CONNECTION' ? 'znakflow.status.no-connection' : 'znakflow.status.invalid-config',
      );
      node.error(e);
    }

    // Literal three-parameter handler: the runtime counts parameters to decide that we call done.
    node.on('input', function (msg: NodeMessage, send: SendFn, done: DoneFn) {
      (async () => {
        if (!inbox) throw problem ?? catchableError(new Error('edo-incoming: closed'));
        const decision = decisionOf(msg);
        if (!decision) return inbox.pollNow();
        status.begin('edo-incoming.status.deciding');
        const o = await inbox.decide(decision.documentId, decision.decision, decision.reason);
        await emit(o, msg, send);
      })().then(
        () => done(),
        (err: unknown) => {
          const e = catchableError(err);
          status.failure('znakflow.status.error', { code: e.code ?? 'ERROR' });
          done(e);
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      detach?.();
      desk?.deregister(user);
      desk = undefined;
      inbox = undefined;
      done();
    });
  });
};
