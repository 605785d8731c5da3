import crypto from 'node:crypto';
import path from 'node:path';
import { ZnakFlowError, validationError } from '../../lib/errors';
import { isReferenceSet, type OnecClient } from '../../lib/onec/client';
import { headerExpand, onecMeta } from '../../lib/onec/documents';
import {
  CATALOG_LAYOUT_FIELDS,
  DOCUMENT_LAYOUT_FIELDS,
  kindOfEntity,
  PRESETS,
  resolveLayout,
  type ResolvedLayout,
} from '../../lib/onec/presets';
import { checkIdentifier, isGuid, type Condition, type QueryOptions } from '../../lib/onec/query';
import { resolveDocuments, type OnecCode, type OnecItem } from '../../lib/onec/resolve';
import type { ODataObject } from '../../lib/onec/schemas';
import { assertWatchable, DocumentWatcher, type PollResult } from '../../lib/onec/watch';
import { AckTracker } from '../../lib/journal/ack';
import { downstreamTypes } from '../shared/graph';
import { stateDir } from '../../lib/store/atomic';
import { zodIssuesToDetails } from '../../lib/validation';
import type { OnecConnectionNode } from '../onec-connection/model';
import { requireConfigNode } from '../shared/connection';
import { migrate } from '../shared/migrate';
import { catchableError, onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
import { isPassing, passingReason } from '../shared/retry';
import { StatusHelper } from '../shared/status';
import { evaluateTyped } from '../shared/typed';
import type { AdminRequest, AdminResponse, NodeAPI, NodeMessage, RuntimeNode, SendFn } from '../shared/types';
import {
  ONEC_READ_DEFAULTS,
  ONEC_READ_MIGRATIONS,
  stripUndefined,
  onecReadSettingsSchema,
  toCondition,
  watchConfigSchema,
  type ConditionRow,
  type OnecReadSettings,
} from './model';

const pad = (n: number): string => String(n).padStart(2, '0');
const clock = (d = new Date()): string =>
  `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

export = function (RED: NodeAPI): void {
  // The editor reads the presets (names per configuration) to show them as placeholders.
  RED.httpAdmin.get(
    '/znakflow/onec-read/presets',
    RED.auth.needsPermission('onec-read.read'),
    (_req: AdminRequest, res: AdminResponse) => {
      res.status(200).json({
        presets: PRESETS,
        documentFields: DOCUMENT_LAYOUT_FIELDS,
        catalogFields: CATALOG_LAYOUT_FIELDS,
      });
    },
  );

  registerNodeType<RuntimeNode>(RED, 'onec-read', (node, def) => {
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
    let chain: Promise<unknown> = Promise.resolve();
    const watchers = new Map<string, { client: OnecClient; watcher: DocumentWatcher }>();
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

    function layoutFor(s: Pick<OnecReadSettings, 'preset' | 'kind' | 'entity'>): {
      entity: string;
      layout: ResolvedLayout;
    } {
      const kind = s.kind || (s.entity ? kindOfEntity(s.preset, s.entity) : undefined);
      const layout = resolveLayout(s.preset, kind, layoutOverrides);
      const entity = checkIdentifier(s.entity || layout.document.entity, 'entity');
      return { entity, layout };
    }

    function message(
      base: NodeMessage | undefined,
      entity: string,
      payload: unknown,
      layout: ResolvedLayout | undefined,
      codes: OnecCode[],
      warnings: string[],
      items?: Record<string, OnecItem>,
    ): NodeMessage {
      const m: NodeMessage = base ? RED.util.cloneMessage(base) : {};
      delete m._msgid;
      delete m['reset'];
      m.topic = entity;
      m.payload = payload;
      m['onec'] = onecMeta(entity, payload as ODataObject, layout, codes, warnings, items);
      return m;
    }

    function watcherFor(entity: string, layout: ResolvedLayout): DocumentWatcher {
      assertWatchable(entity);
      const client = connection().getClient();
      const key = `${entity}|${JSON.stringify(layout)}`;
      const cached = watchers.get(key);
      if (cached && cached.client === client) return cached.watcher;
      const cfg = watchCfg.success
        ? watchCfg.data
        : { interval: 60, lookbackHours: 72, since: '', confirm: 'auto' as const, redeliverMinutes: 10 };
      const hash = crypto.createHash('sha1').update(entity).digest('hex').slice(0, 10);
      const file = path.join(
        stateDir(RED.settings.userDir),
        'onec-read',
        `${node.id.replace(/[^A-Za-z0-9_.-]/g, '_')}-${hash}.json`,
      );
      const watcher = new DocumentWatcher(client, {
        entity,
        layout,
        lookbackMinutes: Math.round(cfg.lookbackHours * 60),
        since: cfg.since || undefined,
        stateFile: file,
        confirm: confirmationExpected(cfg.confirm),
        redeliverMinutes: cfg.redeliverMinutes,
      });
      for (const w of watcher.warnings) node.warn(w);
      watchers.set(key, { client, watcher });
      return watcher;
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
            const m = message(trigger, entity, doc.payload, layout, doc.codes, doc.warnings, doc.items);
            // Who confirms to whom (cz-send, onec-write → this node, through its onec-connection):
            // see lib/journal/ack.ts.
            (m['onec'] as Record<string, unknown>)['watch'] = {
              connection: String(config['connection']),
              node: node.id,
            };
            send(m);
          },
          (err, src) => {
            node.error(catchableError(err), message(trigger, entity, src, layout, [], []));
          },
        );
      };
      const p = chain.then(run, run);
      chain = p.catch(() => undefined);
      return p;
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

    async function gather(msg: NodeMessage): Promise<unknown> {
      // A blank literal (str/num) means "not set"; other types are evaluated even when blank.
      const fields = ['entity', 'ref', 'select', 'orderby', 'top'].filter(
        (f) => !(config[f] === '' && ['str', 'num', 'json'].includes(String(config[`${f}Type`] ?? 'str'))),
      );
      const typed = await typedFields(RED, node, config, msg, fields);
      const rows = Array.isArray(config['conditions']) ? (config['conditions'] as ConditionRow[]) : [];
      const conditions: unknown[] = [];
      for (const [i, row] of rows.entries()) {
        let value: unknown;
        try {
          value = await evaluateTyped(RED, node, row.value, row.valueType, msg);
        } catch (err) {
          throw new ZnakFlowError({
            code: 'TYPED_INPUT',
            field: `conditions[${i}].value`,
            source: 'config',
            ru: `не удалось вычислить значение условия «${row.field}»: ${(err as Error).message}`,
            en: `could not evaluate the value of condition "${row.field}": ${(err as Error).message}`,
          });
        }
        conditions.push({
          field: row.field,
          op: row.op,
          type: row.type ?? 'string',
          refType: row.refType,
          value,
        });
      }
      let rawFilter: unknown;
      if (config['useRaw'] === true)
        rawFilter = (await typedFields(RED, node, config, msg, ['rawFilter']))['rawFilter'];
      return {
        mode,
        preset: config['preset'],
        kind: config['kind'] ?? '',
        ...typed,
        conditions,
        rawFilter,
        output: config['output'],
        resolve: config['resolve'] !== false,
        layout: layoutOverrides,
      };
    }

    async function readQuery(s: OnecReadSettings, msg: NodeMessage, send: SendFn): Promise<number> {
      const client = connection().getClient();
      const { entity, layout } = layoutFor(s);
      const conditions: Condition[] = s.conditions.map((c) => toCondition(c));
      if (s.rawFilter !== undefined) conditions.push({ raw: s.rawFilter });
      const isDoc = entity.startsWith('Document_');
      const resolve = s.resolve && isDoc && s.select.length === 0;
      const query: QueryOptions = {
        filter: conditions.length > 0 ? { and: conditions } : undefined,
        select: s.select.length > 0 ? s.select : undefined,
        orderby: s.orderby.length > 0 ? s.orderby : isDoc ? ['Date'] : undefined,
        expand: resolve ? headerExpand(layout) : undefined,
      };
      const rows =
        isReferenceSet(entity) || s.top === undefined
          ? await client.listAll(entity, query, { limit: s.top })
          : (await client.list(entity, { ...query, top: s.top })).value;
      const out: Array<{
        payload: ODataObject;
        codes: OnecCode[];
        warnings: string[];
        items?: Record<string, OnecItem>;
      }> = [];
      if (resolve && rows.length > 0) {
        for (const o of await resolveDocuments(client, rows, layout)) {
          if (o.ok) out.push(o.doc);
          else node.error(catchableError(o.error), message(msg, entity, o.source, layout, [], []));
        }
      } else {
        for (const r of rows) out.push({ payload: r, codes: [], warnings: [] });
      }
      const docLayout = isDoc ? layout : undefined;
      if (s.output === 'array') {
        msg.topic = entity;
        msg.payload = out.map((d) => d.payload);
        msg['onec'] = {
          entity,
          count: out.length,
          documents: out.map((d) => onecMeta(entity, d.payload, docLayout, d.codes, d.warnings, d.items)),
        };
        send(msg);
        return out.length;
      }
      const id = RED.util.generateId();
      out.forEach((d, index) => {
        const m = message(msg, entity, d.payload, docLayout, d.codes, d.warnings, d.items);
        m.parts = { id, index, count: out.length, type: 'array', ...(msg.parts ? { parts: msg.parts } : {}) };
        send(m);
      });
      return out.length;
    }

    async function readByRef(s: OnecReadSettings, msg: NodeMessage, send: SendFn): Promise<void> {
      const client = connection().getClient();
      const { entity, layout } = layoutFor(s);
      const ref = typeof s.ref === 'string' ? s.ref.trim() : s.ref;
      if (!isGuid(ref)) {
        throw new ZnakFlowError({
          code: 'ONEC_BAD_VALUE',
          field: 'ref',
          source: 'input',
          ru: `нужна ссылка на объект 1С (Ref_Key, GUID), получено: ${JSON.stringify(ref) ?? 'undefined'}`,
          en: `a 1C object reference (Ref_Key, a GUID) is required, got: ${JSON.stringify(ref) ?? 'undefined'}`,
        });
      }
      const obj = await client.get(entity, ref, { select: s.select.length > 0 ? s.select : undefined });
      const isDoc = entity.startsWith('Document_');
      if (s.resolve && isDoc && s.select.length === 0) {
        const [o] = await resolveDocuments(client, [obj], layout);
        if (!o) return;
        if (!o.ok) throw o.error;
        msg.payload = o.doc.payload;
        msg['onec'] = onecMeta(entity, o.doc.payload, layout, o.doc.codes, o.doc.warnings, o.doc.items);
      } else {
        msg.payload = obj;
        msg['onec'] = onecMeta(entity, obj, isDoc ? layout : undefined);
      }
      msg.topic = entity;
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
            const p = chain.then(() => watcherFor(entity, layout).reset());
            chain = p.catch(() => undefined);
            await p;
            return { statusKey: 'onec-read.status.reset' };
          }
          const r = await poll(entity, layout, msg, send);
          return { statusKey: 'onec-read.status.polled', statusVars: { time: clock(), count: r.emitted } };
        }
        if (settings.mode === 'ref') {
          await readByRef(settings, msg, send);
          return {};
        }
        const n = await readQuery(settings, msg, send);
        return { statusKey: 'onec-read.status.read', statusVars: { count: n } };
      },
    });

    if (mode === 'watch' && watchCfg.success) {
      if (watchCfg.data.interval > 0) timer = setTimeout(() => void timerPoll(), 1000);
      else status.set('grey', 'ring', 'onec-read.status.on-input');
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      // Let a poll in flight save its state (it stops sending at once); never past 10 s.
      let guardTimer: NodeJS.Timeout | undefined;
      const guard = new Promise<void>((r) => {
        guardTimer = setTimeout(r, 10000);
        guardTimer.unref();
      });
      void Promise.race([chain.catch(() => undefined), guard]).then(() => {
        // no timer outlives the node
        clearTimeout(guardTimer);
        offAck();
        for (const { watcher } of watchers.values()) watcher.flush();
        status.clear();
        done();
      });
    });
  });
};
