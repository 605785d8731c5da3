import { ZnakFlowError, validationError } from '../../lib/errors';
import type { ResolvedLayout } from '../../lib/onec/presets';
import {
  arrayMeta,
  clockTime as clock,
  documentMeta,
  readByRef,
  readQuery,
  readTarget,
  watchStateFile,
  type ReadDocument,
} from '../../lib/onec/read';
import type { ODataObject } from '../../lib/onec/schemas';
import { assertWatchable, DocumentWatcher, type PollResult } from '../../lib/onec/watch';
import { WatchSet } from '../../lib/onec/watch-set';
import { setOnec, withOnec } from '../../lib/message';
import { AckTracker } from '../../lib/journal/ack';
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
} from './model';

/** Watch settings when the node's own are invalid (the node then shows the problem and does not poll). */
const WATCH_FALLBACK = {
  interval: ONEC_READ_DEFAULTS.interval,
  lookbackHours: ONEC_READ_DEFAULTS.lookbackHours,
  since: ONEC_READ_DEFAULTS.since,
  confirm: 'auto' as const,
  redeliverMinutes: ONEC_READ_DEFAULTS.redeliverMinutes,
};

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
    let closing = false;
    let timer: NodeJS.Timeout | undefined;
    const watchers = new WatchSet((client, entity, layout) => {
      const cfg = watchCfg.success ? watchCfg.data : WATCH_FALLBACK;
      const watcher = new DocumentWatcher(client, {
        entity,
        layout,
        lookbackMinutes: Math.round(cfg.lookbackHours * 60),
        since: cfg.since || undefined,
        stateFile: watchStateFile(stateDir(RED.settings.userDir), node.id, entity),
        confirm: confirmationExpected(cfg.confirm),
        redeliverMinutes: cfg.redeliverMinutes,
      });
      for (const w of watcher.warnings) node.warn(w);
      return watcher;
    });
    const acks = new AckTracker();
    // Confirmations of what this node emitted come through its onec-connection (lib/journal/ack.ts).
    let offAck = (): void => undefined;
    try {
      offAck = connection().confirmations.register(node.id, (a) => {
        if (!acks.add(a)) return;
        for (const { watcher } of watchers.values()) watcher.ack(a.ref, a.dataVersion);
      });
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

    function message(
      base: NodeMessage | undefined,
      entity: string,
      doc: ReadDocument,
      layout: ResolvedLayout | undefined,
    ): NodeMessage {
      const m: NodeMessage = base ? RED.util.cloneMessage(base) : {};
      delete m._msgid;
      delete m['reset'];
      m.topic = entity;
      m.payload = doc.payload;
      setOnec(m, documentMeta(entity, doc, layout));
      return m;
    }
    const bare = (payload: unknown): ReadDocument => ({
      payload: payload as ODataObject,
      codes: [],
      warnings: [],
    });

    function watcherFor(entity: string, layout: ResolvedLayout): DocumentWatcher {
      assertWatchable(entity);
      return watchers.get(connection().getClient(), entity, layout);
    }

    /** One poll, never two at a time (input messages and the timer queue up). */
    function poll(
      entity: string,
      layout: ResolvedLayout,
      trigger: NodeMessage | undefined,
      send: SendFn,
    ): Promise<PollResult> {
      const run = async (): Promise<PollResult> => {
        const watcher = watcherFor(entity, layout);
        return watcher.poll(
          (doc) => {
            if (closing)
              throw new ZnakFlowError({ code: 'CLOSING', ru: 'узел остановлен', en: 'the node is stopping' });
            const m = message(trigger, entity, doc, layout);
            // Who confirms to whom (cz-send, onec-write → this node, through its onec-connection):
            // see lib/journal/ack.ts.
            withOnec(m, { watch: { connection: String(config['connection']), node: node.id } });
            send(m);
          },
          (err, src) => {
            node.error(catchableError(err), message(trigger, entity, bare(src), layout));
          },
        );
      };
      return watchers.serial(run);
    }

    async function timerPoll(): Promise<void> {
      timer = undefined;
      if (closing) return;
      status.begin('onec-read.status.polling');
      let entity = '';
      try {
        const raw = await gather({});
        const s = onecReadSettingsSchema.parse({ ...(raw as object), mode: 'watch' });
        const target = layoutFor(s);
        entity = target.entity;
        const r = await poll(target.entity, target.layout, undefined, (m) => node.send(m as NodeMessage));
        status.success('onec-read.status.polled', { time: clock(), count: r.emitted });
      } catch (err) {
        if (!closing) {
          const e = catchableError(err);
          if (isPassing(err) && watchCfg.success && watchCfg.data.interval > 0) {
            // 1C unreachable or busy: say so, and when the next poll will try again.
            const next = new Date(Date.now() + watchCfg.data.interval * 1000);
            status.failure('onec-read.status.unavailable', { reason: passingReason(err), time: clock(next) });
          } else status.failure('znakflow.status.error', { code: e.code ?? 'ERROR' });
          node.error(e, { topic: entity || 'onec-read', payload: { entity, mode: 'watch' } });
        }
      }
      schedule();
    }

    function schedule(): void {
      if (closing || !watchCfg.success || watchCfg.data.interval <= 0) return;
      timer = setTimeout(() => void timerPoll(), watchCfg.data.interval * 1000);
    }

    const gather = (msg: NodeMessage): Promise<unknown> =>
      gatherSettings(RED, node, config, layoutOverrides, msg);

    async function runQuery(s: OnecReadSettings, msg: NodeMessage, send: SendFn): Promise<number> {
      const target = layoutFor(s);
      const { entity } = target;
      const read = await readQuery(connection().getClient(), target, {
        ...s,
        conditions: s.conditions.map((c) => toCondition(c)),
      });
      for (const f of read.failures)
        node.error(catchableError(f.error), message(msg, entity, bare(f.source), target.layout));
      if (s.output === 'array') {
        msg.topic = entity;
        msg.payload = read.documents.map((d) => d.payload);
        setOnec(msg, arrayMeta(entity, read));
        send(msg);
        return read.documents.length;
      }
      const id = RED.util.generateId();
      const count = read.documents.length;
      read.documents.forEach((d, index) => {
        const m = message(msg, entity, d, read.layout);
        m.parts = { id, index, count, type: 'array', ...(msg.parts ? { parts: msg.parts } : {}) };
        send(m);
      });
      return count;
    }

    async function runByRef(s: OnecReadSettings, msg: NodeMessage, send: SendFn): Promise<void> {
      const target = layoutFor(s);
      const r = await readByRef(connection().getClient(), target, s.ref, s);
      if (!r) return;
      msg.payload = r.document.payload;
      setOnec(msg, documentMeta(target.entity, r.document, r.layout));
      msg.topic = target.entity;
      send(msg);
    }

    onInput(node, status, {
      busyKey: mode === 'watch' ? 'onec-read.status.polling' : 'znakflow.status.working',
      settings: gather,
      schema: onecReadSettingsSchema,
      async run({ settings, msg, send }) {
        if (settings.mode === 'watch') {
          if (!watchCfg.success) throw validationError(zodIssuesToDetails(watchCfg.error), 'config');
          const { entity, layout } = layoutFor(settings);
          if (Object.prototype.hasOwnProperty.call(msg, 'reset')) {
            await watchers.serial(() => watcherFor(entity, layout).reset());
            return { statusKey: 'onec-read.status.reset' };
          }
          const r = await poll(entity, layout, msg, send);
          return { statusKey: 'onec-read.status.polled', statusVars: { time: clock(), count: r.emitted } };
        }
        if (settings.mode === 'ref') {
          await runByRef(settings, msg, send);
          return {};
        }
        const n = await runQuery(settings, msg, send);
        return { statusKey: 'onec-read.status.read', statusVars: { count: n } };
      },
    });

    // The first poll as soon as every flow has started (the nodes this one sends to exist), not a
    // fixed second later; the timer stays as a fallback for a runtime that does not say so.
    let firstPoll: NodeJS.Timeout | undefined;
    const onFlowsStarted = (): void => {
      RED.events.removeListener('flows:started', onFlowsStarted);
      if (!closing && firstPoll !== undefined && timer === firstPoll) {
        clearTimeout(firstPoll);
        timer = setTimeout(() => void timerPoll(), 0);
      }
    };
    if (mode === 'watch' && watchCfg.success) {
      if (watchCfg.data.interval > 0) {
        timer = firstPoll = setTimeout(() => void timerPoll(), 1000);
        RED.events.on('flows:started', onFlowsStarted);
      } else status.set('grey', 'ring', 'onec-read.status.on-input');
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      RED.events.removeListener('flows:started', onFlowsStarted);
      if (timer) clearTimeout(timer);
      timer = undefined;
      // Let a poll in flight save its state (it stops sending at once); never past 10 s.
      void watchers.settle(10000).then(() => {
        offAck();
        status.clear();
        done();
      });
    });
  });
};
