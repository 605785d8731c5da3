import { validationError } from '../../lib/errors';
import type { ResolvedLayout } from '../../lib/onec/presets';
import {
  bareDocument,
  clockTime as clock,
  documentMessage,
  queryMessages,
  readByRef,
  readQuery,
  readTarget,
  refMessage,
  watchStateFile,
} from '../../lib/onec/read';
import type { PollResult } from '../../lib/onec/watch';
import { WatchLoop } from '../../lib/onec/watch-loop';
import { withOnec } from '../../lib/message';
import { downstreamTypes } from '../shared/graph';
import { stateDir } from '../../lib/store/atomic';
import { zodIssuesToDetails } from '../../lib/validation';
import type { OnecConnectionNode } from '../onec-connection/model';
import { requireConfigNode } from '../shared/connection';
import { migrate } from '../shared/migrate';
import { catchableError, onInput } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { isPassing, passingReason } from '../shared/retry';
import { StatusHelper } from '../shared/status';
import type { NodeAPI, NodeMessage, RuntimeNode, SendFn } from '../shared/types';
import { gatherSettings, registerPresetsEndpoint } from './settings';
import {
  ONEC_READ_DEFAULTS,
  ONEC_READ_MIGRATIONS,
  ONEC_READ_NODE,
  stripUndefined,
  onecReadSettingsSchema,
  toCondition,
  watchConfigSchema,
  type OnecReadSettings,
  WATCH_FALLBACK,
} from './model';

export = function (RED: NodeAPI): void {
  registerPresetsEndpoint(RED);

  registerNodeType<RuntimeNode>(RED, ONEC_READ_NODE, (node, def) => {
    // Properties missing from a flow (hand-written or from a newer editor) take their defaults.
    const config: Record<string, unknown> = {
      ...ONEC_READ_DEFAULTS,
      ...stripUndefined(migrate(def, ONEC_READ_MIGRATIONS)),
    };
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    const mode = String(config['mode']);
    const layoutOverrides = (
      config['layout'] && typeof config['layout'] === 'object' ? config['layout'] : {}
    ) as Record<string, string>;
    const connection = (): OnecConnectionNode =>
      requireConfigNode<OnecConnectionNode>(RED, config['connection'], 'onec-connection', 'connection');
    // Confirmations of what this node emitted come through its onec-connection (lib/journal/ack.ts).
    let offAck = (): void => undefined;
    try {
      offAck = connection().confirmations.register(node.id, (a) => loop.ack(a));
    } catch {
      // no connection: nothing is emitted, so nothing is confirmed (the error shows where it is used)
    }

    /**
     * `auto`: wait for confirmations when a node that gives them (cz-send, onec-write) is wired
     * somewhere down this node's outputs (through link nodes too); otherwise emit each version once.
     */
    function confirmationExpected(setting: 'auto' | 'on' | 'off'): boolean {
      if (setting !== 'auto') return setting === 'on';
      return downstreamTypes(RED, node).some((t) => t === 'cz-send' || t === 'onec-write');
    }

    const watchCfg = watchConfigSchema.safeParse(config);
    if (mode === 'watch' && !watchCfg.success) {
      const problem = validationError(zodIssuesToDetails(watchCfg.error), 'config');
      node.error(problem.message);
      status.set('red', 'ring', 'znakflow.status.invalid-config');
    }

    const layoutFor = (s: Pick<OnecReadSettings, 'preset' | 'kind' | 'entity'>) =>
      readTarget(s, layoutOverrides);

    const clone = (m: NodeMessage): NodeMessage => RED.util.cloneMessage(m);

    const cfg = watchCfg.success ? watchCfg.data : WATCH_FALLBACK;
    let timerEntity = '';
    const loop = new WatchLoop({
      watch: {
        ...cfg,
        stateFile: (entity) => watchStateFile(stateDir(RED.settings.userDir), node.id, entity),
        confirm: () => confirmationExpected(cfg.confirm),
        warn: (w) => node.warn(w),
      },
      client: () => connection().getClient(),
      intervalMs: mode === 'watch' && watchCfg.success ? watchCfg.data.interval * 1000 : 0,
      async tick() {
        status.begin('onec-read.status.polling');
        timerEntity = '';
        const raw = await gather({});
        const s = onecReadSettingsSchema.parse({ ...(raw as object), mode: 'watch' });
        const target = layoutFor(s);
        timerEntity = target.entity;
        const r = await poll(target.entity, target.layout, undefined, (m) => node.send(m as NodeMessage));
        status.success('onec-read.status.polled', { time: clock(), count: r.emitted });
      },
      onTimerError(err, next) {
        const e = catchableError(err);
        // 1C unreachable or busy: say so, and when the next poll will try again.
        if (isPassing(err))
          status.failure('onec-read.status.unavailable', { reason: passingReason(err), time: clock(next) });
        else status.failure('znakflow.status.error', { code: e.code ?? 'ERROR' });
        const entity = timerEntity;
        node.error(e, { topic: entity || 'onec-read', payload: { entity, mode: 'watch' } });
      },
    });

    /** One poll of `entity` (serial with the others); each new version goes out as a message. */
    function poll(
      entity: string,
      layout: ResolvedLayout,
      trigger: NodeMessage | undefined,
      send: SendFn,
    ): Promise<PollResult> {
      return loop.poll(
        entity,
        layout,
        (doc) => {
          const m = documentMessage(trigger, clone, entity, doc, layout);
          // Who confirms to whom (cz-send, onec-write → this node, through its onec-connection):
          // see lib/journal/ack.ts.
          withOnec(m, { watch: { connection: String(config['connection']), node: node.id } });
          send(m);
        },
        (err, src) =>
          node.error(catchableError(err), documentMessage(trigger, clone, entity, bareDocument(src), layout)),
      );
    }

    const gather = (msg: NodeMessage): Promise<unknown> =>
      gatherSettings(RED, node, config, layoutOverrides, msg);

    onInput(node, status, {
      busyKey: mode === 'watch' ? 'onec-read.status.polling' : 'znakflow.status.working',
      settings: gather,
      schema: onecReadSettingsSchema,
      async run({ settings, msg, send }) {
        if (settings.mode === 'watch') {
          if (!watchCfg.success) throw validationError(zodIssuesToDetails(watchCfg.error), 'config');
          const { entity, layout } = layoutFor(settings);
          if (Object.prototype.hasOwnProperty.call(msg, 'reset')) {
            await loop.reset(entity, layout);
            return { statusKey: 'onec-read.status.reset' };
          }
          const r = await poll(entity, layout, msg, send);
          return { statusKey: 'onec-read.status.polled', statusVars: { time: clock(), count: r.emitted } };
        }
        const target = layoutFor(settings);
        if (settings.mode === 'ref') {
          const r = await readByRef(connection().getClient(), target, settings.ref, settings);
          if (r) send(refMessage(msg, target.entity, r));
          return {};
        }
        const { entity } = target;
        const conditions = settings.conditions.map((c) => toCondition(c));
        const read = await readQuery(connection().getClient(), target, { ...settings, conditions });
        for (const f of read.failures)
          node.error(
            catchableError(f.error),
            documentMessage(msg, clone, entity, bareDocument(f.source), target.layout),
          );
        for (const m of queryMessages(msg, clone, entity, read, settings.output, RED.util.generateId()))
          send(m);
        return { statusKey: 'onec-read.status.read', statusVars: { count: read.documents.length } };
      },
    });

    // The first poll as soon as every flow has started (the nodes this one sends to exist), not a
    // fixed second later; the timer stays as a fallback for a runtime that does not say so.
    const onFlowsStarted = (): void => {
      RED.events.removeListener('flows:started', onFlowsStarted);
      loop.flowsStarted();
    };
    if (mode === 'watch' && watchCfg.success) {
      if (watchCfg.data.interval > 0) {
        loop.start();
        RED.events.on('flows:started', onFlowsStarted);
      } else status.set('grey', 'ring', 'onec-read.status.on-input');
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      RED.events.removeListener('flows:started', onFlowsStarted);
      // Let a poll in flight save its state (it stops sending at once); never past 10 s.
      void loop.close(10000).then(() => {
        offAck();
        status.clear();
        done();
      });
    });
  });
};
