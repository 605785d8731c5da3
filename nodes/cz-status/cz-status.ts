import { ZnakFlowError } from '../../lib/errors';
import { productGroup as pgInfo } from '../../lib/cz/product-groups';
import { isAccepted, type JournalEntry } from '../../lib/journal/journal';
import type { Outcome } from '../../lib/journal/tracker';
import type { CzDesk, DeskJournal } from '../../lib/cz/desk';
import type { CzConnectionNode } from '../cz-connection/model';
import { czOf, setOnec, withCz } from '../../lib/message';
import { requireConfigNode } from '../shared/connection';
import { czDesk, deskUser } from '../shared/desk';
import { downstreamTypes } from '../shared/graph';
import { migrate } from '../shared/migrate';
import { catchableError, onInput, typedFields } from '../shared/pipeline';
import { registerNodeType } from '../shared/register';
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

interface Held {
  msg: NodeMessage;
  send: SendFn;
  done: DoneFn;
  since: number;
  productGroup: string;
  /** not in the journal: followed with doc/{id}/info */
  external: boolean;
}

/** An outcome whose write into 1C is not confirmed is handed to the flow again after this long. */
const REREPORT_MS = 10 * 60000;

export = function (RED: NodeAPI): void {
  registerNodeType<RuntimeNode>(RED, CZ_STATUS_NODE, (node, def) => {
    const config = migrate(def, CZ_STATUS_MIGRATIONS);
    const mode = String(config['mode'] ?? CZ_STATUS_DEFAULTS.mode);
    const status = new StatusHelper(node, (k, v) => RED._(k, v));
    const pollMs = Math.max(1, Number(config['pollSeconds'] ?? CZ_STATUS_DEFAULTS.pollSeconds)) * 1000;
    const giveUpMs = Math.max(0, Number(config['giveUpMinutes'] ?? CZ_STATUS_DEFAULTS.giveUpMinutes)) * 60000;
    const follow = config['followJournal'] !== false && config['followJournal'] !== 'false';
    const held = new Map<string, Held>();
    const gaveUp = new Set<string>();
    let services: DeskJournal | undefined;
    let desk: CzDesk | undefined;
    let offAck: (() => void) | undefined;
    let unsubscribe: (() => void) | undefined;
    let offChange: (() => void) | undefined;
    let externalTimer: NodeJS.Timeout | undefined;
    /**
     * Per output (accepted, rejected): is an onec-write down the flow? Then an outcome counts as
     * reported only once onec-write confirms it wrote it into 1C (a crash in between, or 1C being
     * away, makes it go out again); otherwise as soon as it leaves this node.
     */
    let confirmPorts: boolean[] | undefined;
    const confirming = (port: number): boolean => {
      confirmPorts ??= [0, 1].map((p) => downstreamTypes(RED, node, p).includes('onec-write'));
      return confirmPorts[port] === true;
    };
    /** outcomes handed out and not confirmed yet: journal key → when */
    const unconfirmed = new Map<string, number>();
    let restartReported = false;
    /** onec-write confirmed it wrote an outcome into 1C (msg.cz.tracker, lib/journal/ack.ts) */
    const confirmed = (a: { key: string }): void => {
      unconfirmed.delete(a.key);
      const e = services?.journal.get(a.key);
      if (e && e.state === 'final' && !e.reportedAt) {
        services?.journal.update(a.key, { reportedAt: new Date().toISOString() });
      }
    };
    const user = deskUser(node, status, () => showSummary());
    /** The connection's desk: registered with it once, its confirmations addressed to this node. */
    const useDesk = (): CzDesk => {
      if (desk) return desk;
      const d = czDesk(RED, config['connection']);
      d.register(user);
      offAck = d.confirmations.register(node.id, confirmed);
      desk = d;
      return d;
    };

    const connection = (): CzConnectionNode =>
      requireConfigNode<CzConnectionNode>(RED, config['connection'], 'cz-connection', 'connection');

    const showSummary = (): void => {
      if (!services) return;
      const s = services.journal.summary();
      status.set(held.size > 0 || s.pending > 0 ? 'blue' : 'green', 'dot', 'cz-status.status.summary', {
        waiting: held.size + (follow ? s.pending : 0),
        accepted: s.accepted,
        rejected: s.rejected,
      });
    };

    /** The message for an outcome: the held one, or one rebuilt from the journal entry. */
    const outcomeMsg = (entry: JournalEntry, base?: NodeMessage): NodeMessage => {
      const msg: NodeMessage =
        base ??
        setOnec(
          {
            topic: entry.source.number ?? entry.key,
            payload: { documentId: entry.documentId, status: entry.status, errors: entry.errors ?? [] },
          },
          { ...entry.source },
        );
      withCz(msg, {
        type: entry.type,
        productGroup: entry.productGroup,
        key: entry.key,
        part: entry.part,
        parts: entry.parts,
        documentId: entry.documentId,
        sentAt: entry.sentAt,
        status: entry.status,
        errors: entry.errors ?? [],
        ...(entry.total !== undefined && czOf(msg).total === undefined ? { total: entry.total } : {}),
      });
      return msg;
    };

    /** Mark an outcome handed to the flow on `port`: reported now, or when onec-write confirms. */
    const handedOut = (entry: JournalEntry, msg: NodeMessage, port: number): void => {
      if (confirming(port)) {
        // who confirms to whom: this node, through its connection's desk (lib/journal/ack.ts)
        withCz(msg, { tracker: { connection: String(config['connection'] ?? ''), node: node.id } });
        unconfirmed.set(entry.key, Date.now());
      } else if (services?.journal.get(entry.key) && !services.journal.get(entry.key)?.reportedAt) {
        services.journal.update(entry.key, { reportedAt: new Date().toISOString() });
      }
    };

    const report = (o: { entry: JournalEntry; accepted: boolean }): void => {
      const id = o.entry.documentId ?? '';
      const h = held.get(id);
      // Another cz-status node may have reported it a moment ago (the journal is shared).
      const current = services?.journal.get(o.entry.key) ?? o.entry;
      const port = o.accepted ? 0 : 1;
      const out: Array<NodeMessage | null> = [null, null, null];
      if (h) {
        held.delete(id);
        const msg = outcomeMsg(o.entry, h.msg);
        handedOut(current, msg, port);
        out[port] = msg;
        h.send(out);
        h.done();
      } else if (follow && !current.reportedAt && !unconfirmed.has(current.key)) {
        const msg = outcomeMsg(current);
        handedOut(current, msg, port);
        out[port] = msg;
        node.send(out);
      }
    };

    /** Outcomes handed to onec-write long ago and never confirmed (1C was away, say): again. */
    const reReport = (now: number): void => {
      for (const [key, at] of unconfirmed) {
        if (now - at < REREPORT_MS) continue;
        unconfirmed.delete(key);
        const e = services?.journal.get(key);
        if (e && e.state === 'final' && !e.reportedAt) report({ entry: e, accepted: isAccepted(e.status) });
      }
    };

    const giveUp = (now: number): void => {
      for (const [id, h] of held) {
        if (now - h.since >= giveUpMs) {
          held.delete(id);
          const msg = h.msg;
          withCz(msg, { status: czOf(msg).status ?? 'IN_PROGRESS', pending: true });
          h.send([null, null, msg]);
          h.done();
        }
      }
      if (!follow || !services) return;
      for (const e of services.journal.pending()) {
        if (!e.documentId || gaveUp.has(e.documentId) || held.has(e.documentId)) continue;
        if (now - Date.parse(e.sentAt ?? e.createdAt) >= giveUpMs) {
          gaveUp.add(e.documentId);
          const msg = outcomeMsg(e);
          withCz(msg, { pending: true });
          node.send([null, null, msg]);
        }
      }
    };

    /** Documents that are not in the journal (sent elsewhere): asked one by one. */
    const pollExternal = async (): Promise<void> => {
      const ext = [...held].filter(([, h]) => h.external);
      if (ext.length === 0) return;
      const client = connection().client();
      for (const [id, h] of ext) {
        try {
          const info = await client.documentInfo(id, { pg: h.productGroup, waitVisibleMs: 0 });
          const st = info.status;
          const accepted = isAccepted(st);
          if (accepted || ['CHECKED_NOT_OK', 'PARSE_ERROR', 'CANCELLED', 'PROCESSING_ERROR'].includes(st)) {
            held.delete(id);
            withCz(h.msg, { documentId: id, status: st, errors: info.errors ?? [], info });
            h.send(accepted ? [h.msg, null, null] : [null, h.msg, null]);
            h.done();
          }
        } catch (err) {
          if (!(err instanceof ZnakFlowError && err.status === 404)) {
            held.delete(id);
            h.done(catchableError(err));
          }
        }
      }
    };

    const startDocuments = (): void => {
      try {
        services = useDesk().journal();
      } catch (err) {
        status.set(
          'red',
          'ring',
          err instanceof ZnakFlowError && err.code === 'NO_CONNECTION'
            ? 'znakflow.status.no-connection'
            : 'znakflow.status.invalid-config',
        );
        return;
      }
      unsubscribe = useDesk().follow({
        intervalMs: pollMs,
        onOutcomes(_outcomes: Outcome[]) {
          // Outcomes are reported from the journal's change events (below), whichever node's
          // tracker found them: several connections of one participant share one journal.
          status.recover();
          showSummary();
        },
        onError(err) {
          if (isPassing(err)) {
            // Честный ЗНАК unreachable or busy: the documents wait, the poll goes on.
            const s = services?.journal.summary();
            status.failure('cz-status.status.unavailable', {
              reason: passingReason(err),
              waiting: held.size + (follow && s ? s.pending : 0),
            });
          } else status.failure('znakflow.status.error', { code: catchableError(err).code ?? 'ERROR' });
        },
        onIdle() {
          // a poll went through (or there was nothing to ask): an earlier outage is over
          status.recover();
          // Outcomes reached before a restart but never handed to the flow (or never confirmed in
          // 1C): after the first poll, when every node of the flow is started and can receive them.
          if (follow && !restartReported && services) {
            restartReported = true;
            for (const e of services.journal.all()) {
              if (e.state === 'final' && !e.reportedAt) report({ entry: e, accepted: isAccepted(e.status) });
            }
          }
          giveUp(Date.now());
          reReport(Date.now());
          showSummary();
        },
      });
      offChange = services.journal.onChange((e) => {
        if (e.state !== 'final' || !e.documentId) return;
        if (held.has(e.documentId) || (follow && !e.reportedAt))
          report({ entry: e, accepted: isAccepted(e.status) });
      });
      const tick = (): void => {
        externalTimer = setTimeout(() => {
          void pollExternal().finally(() => {
            giveUp(Date.now());
            if (services) tick();
          });
        }, pollMs);
      };
      tick();
      showSummary();
    };

    if (mode === 'documents') {
      startDocuments();
      node.on('input', function (msg: NodeMessage, send: SendFn, done: DoneFn) {
        try {
          if (!services) services = useDesk().journal();
          const cz = czOf(msg);
          const id =
            typeof cz.documentId === 'string'
              ? cz.documentId
              : typeof msg.payload === 'string'
                ? msg.payload
                : '';
          if (!id) {
            throw new ZnakFlowError({
              code: 'NO_DOCUMENT_ID',
              field: 'msg.cz.documentId',
              ru: 'нет идентификатора документа (msg.cz.documentId или строка в msg.payload)',
              en: 'no document id (msg.cz.documentId, or a string in msg.payload)',
              source: 'input',
            });
          }
          const entry = services.journal.byDocumentId(id);
          if (entry?.state === 'final') {
            const out: Array<NodeMessage | null> = [null, null, null];
            const port = isAccepted(entry.status) ? 0 : 1;
            const m = outcomeMsg(entry, msg);
            handedOut(entry, m, port);
            out[port] = m;
            send(out);
            done();
            return;
          }
          const pg = String(
            cz.productGroup ?? entry?.productGroup ?? connection().settings?.productGroup ?? '',
          );
          held.set(id, { msg, send, done, since: Date.now(), productGroup: pg, external: !entry });
          services.poller.pollSoon();
          showSummary();
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
          const items = await connection().client().cisesInfo(settings.codes, { pg: settings.productGroup });
          const found = items.filter((i) => i.cisInfo && !i.errorCode).length;
          msg.payload = items;
          withCz(msg, { codes: { total: items.length, found, notFound: items.length - found } });
          send([msg, null, null]);
          return { statusKey: 'cz-status.status.codes', statusVars: { found, total: items.length } };
        },
      });
    } else {
      onInput(node, status, {
        busyKey: 'cz-status.status.checking',
        async settings(msg) {
          const t = await typedFields(RED, node, config, msg, ['productGroup']);
          return { productGroup: (t['productGroup'] as string) || undefined };
        },
        schema: balanceSettingsSchema,
        async run({ settings, msg, send }) {
          let id: number | undefined;
          if (settings.productGroup && /^\d{1,9}$/.test(settings.productGroup.trim())) {
            // a group's numeric id («Код в БД»): also for a group newer than the pack's catalogue
            id = Number(settings.productGroup.trim());
          } else if (settings.productGroup) {
            const g = pgInfo(settings.productGroup);
            if (!g || g.id === null) {
              throw new ZnakFlowError({
                code: 'UNKNOWN_PRODUCT_GROUP',
                field: 'productGroup',
                ru: `неизвестная товарная группа «${settings.productGroup}»`,
                en: `unknown product group "${settings.productGroup}"`,
                source: 'input',
              });
            }
            id = g.id;
          }
          const entries = await connection().client().balance(id);
          const total = entries.reduce((s, e) => s + (e.balanceRoubles ?? 0), 0);
          msg.payload = entries;
          withCz(msg, { balance: { roubles: Math.round(total * 100) / 100 } });
          send([msg, null, null]);
          return { statusKey: 'cz-status.status.balance', statusVars: { roubles: total.toFixed(2) } };
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
      clearTimeout(externalTimer);
      offAck?.();
      unsubscribe?.();
      offChange?.();
      desk?.deregister(user);
      desk = undefined;
      services = undefined;
      held.clear();
      done();
    });
  });
};
