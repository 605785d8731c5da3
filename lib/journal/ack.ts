/**
 * Confirmations from the end of a flow back to its start, within one Node-RED process
 * (docs/message-contract.md «Confirmations», docs/architecture.md).
 *
 * `onec-read` in watch mode emits each 1C document version at least once: a version counts as
 * delivered only when a node further down confirms it — `cz-send` once every ЧЗ document made
 * from it is settled in the journal (sent, or found already sent), `onec-write` once it has written an
 * outcome (e.g. the errors of an invalid document). Versions not confirmed are emitted again after a
 * restart or after a redelivery delay; `cz-send`'s journal makes the repeat harmless. Together that is
 * exactly-once sending even when Node-RED dies between two nodes.
 *
 * The same way, `cz-status` counts an outcome as reported into 1C only when `onec-write` confirms it
 * wrote it.
 *
 * There is no process-wide bus: a `Confirmations` registry belongs to a connection's desk (the
 * `onec-connection` for the watches of its `onec-read` nodes, the `cz-connection` for its `cz-status`
 * nodes) and lives as long as that config node. A watcher registers under its node id; the message
 * names the connection and the node (`msg.onec.watch = { connection, node }`,
 * `msg.cz.tracker = { connection, node }`), and the confirming node confirms to that connection's
 * registry. A confirmation nobody is registered for (the watcher was removed, or a redeploy is in
 * between) is dropped: the version is simply emitted again later, which the journal makes harmless.
 */
export interface AckSource {
  /** id of the node that emitted the message (msg.onec.watch.node, msg.cz.tracker.node) */
  node?: string;
  ref: string;
  dataVersion: string;
}

export interface Ack extends AckSource {
  /** the ЧЗ document settled (journal key), or '*' when the whole version is settled */
  key: string;
  /** how many ЧЗ documents the version became (all must be acknowledged); 1 when unknown */
  total: number;
}

/** Where a message's confirmation goes: the connection (config node id) and the node to confirm to. */
export interface ConfirmTo {
  connection: string;
  node: string;
}

export type Listener = (ack: Ack) => void;

/** The confirmation registry of one connection desk. */
export class Confirmations {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Receive the confirmations addressed to `node` until the returned function is called. */
  register(node: string, fn: Listener): () => void {
    let set = this.listeners.get(node);
    if (!set) {
      set = new Set();
      this.listeners.set(node, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.listeners.get(node) === set) this.listeners.delete(node);
    };
  }

  /** Deliver a confirmation; true when someone was registered for it. */
  confirm(ack: Ack): boolean {
    if (!ack.node) return false;
    const set = this.listeners.get(ack.node);
    if (!set || set.size === 0) return false;
    for (const fn of [...set]) {
      try {
        fn(ack);
      } catch {
        // a listener's failure must not break the confirming node
      }
    }
    return true;
  }

  /** Node ids with a registered listener (diagnostics, tests). */
  registered(): string[] {
    return [...this.listeners.keys()];
  }

  /** Drop every listener (the desk closes). */
  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Counts acknowledgements per version until all its documents are settled.
 *
 * One 1C version may go down more than one route (the standard sync: furs as LP_SHIP_GOODS through
 * cz-map-document → cz-send, every other group as a УПД through edo-send). Each route knows its own
 * documents exactly and counts the other route's groups as one document each (`total` in the message
 * contract, docs/message-contract.md «Confirmations»), so the version is complete only when as many
 * distinct keys as the largest total announced so far have been acknowledged: a route that finishes
 * first never settles the version for the other.
 */
export class AckTracker {
  private readonly seen = new Map<string, { keys: Set<string>; total: number }>();
  /**
   * versions completed lately: a later ack of one of them (onec-write confirming an outcome of a
   * version cz-send has settled) says "complete" again without opening an entry that would wait forever
   */
  private readonly done = new Set<string>();

  constructor(private readonly remember = 10000) {}

  /** Returns true when this ack completes the version (or it was complete already). */
  add(ack: Ack): boolean {
    const v = `${ack.ref}:${ack.dataVersion}`;
    if (this.done.has(v)) return true;
    if (ack.key === '*') return this.complete(v);
    let s = this.seen.get(v);
    if (!s) {
      s = { keys: new Set(), total: 1 };
      this.seen.set(v, s);
    }
    s.keys.add(ack.key);
    s.total = Math.max(s.total, Number.isFinite(ack.total) ? ack.total : 1);
    return s.keys.size >= s.total ? this.complete(v) : false;
  }

  /** Versions waiting for more acknowledgements (diagnostics, tests). */
  get open(): number {
    return this.seen.size;
  }

  private complete(v: string): true {
    this.seen.delete(v);
    this.done.add(v);
    if (this.done.size > this.remember) {
      const oldest = this.done.values().next();
      if (!oldest.done) this.done.delete(oldest.value);
    }
    return true;
  }
}

/** `{ connection, node }` from a message part, or undefined when either is missing. */
export function confirmTarget(v: unknown): ConfirmTo | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  return typeof o['connection'] === 'string' && o['connection'] && typeof o['node'] === 'string' && o['node']
    ? { connection: o['connection'], node: o['node'] }
    : undefined;
}

/**
 * What a message confirms: the document `msg.cz.key`, one of `msg.cz.total` (the version's documents
 * down every route), or the whole version (`'*'`) when it names no document.
 */
export function documentOf(cz: { key?: unknown; total?: unknown }): { key: string; total: number } {
  const one = typeof cz.key === 'string' && cz.key !== '';
  return {
    key: one ? String(cz.key) : '*',
    total: one && typeof cz.total === 'number' && cz.total > 0 ? cz.total : 1,
  };
}
