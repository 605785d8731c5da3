/**
 * Acknowledgements from the end of a flow back to its start, within one Node-RED process.
 *
 * `onec-read` in watch mode emits each 1C document version at least once: a version counts as
 * delivered only when a node further down acknowledges it — `cz-send` once every ЧЗ document made
 * from it is settled in the journal (sent, or found already sent), `onec-write` once it has written an
 * outcome (e.g. the errors of an invalid document). Versions not acknowledged are emitted again after a
 * restart or after a redelivery delay; `cz-send`'s journal makes the repeat harmless. Together that is
 * exactly-once sending even when Node-RED dies between two nodes.
 */
export interface AckSource {
  /** id of the onec-read node that emitted the message (msg.onec.watch.node) */
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

type Listener = (ack: Ack) => void;
const listeners = new Map<string, Set<Listener>>();

export function onAcknowledge(node: string, fn: Listener): () => void {
  let set = listeners.get(node);
  if (!set) {
    set = new Set();
    listeners.set(node, set);
  }
  set.add(fn);
  return () => {
    set.delete(fn);
    if (set.size === 0) listeners.delete(node);
  };
}

export function acknowledge(ack: Ack): void {
  if (!ack.node) return;
  for (const fn of listeners.get(ack.node) ?? []) {
    try {
      fn(ack);
    } catch {
      // a listener's failure must not break the acknowledging node
    }
  }
}

/** Counts acknowledgements per version until all its documents are settled. */
export class AckTracker {
  private readonly seen = new Map<string, Set<string>>();

  /** Returns true when this ack completes the version. */
  add(ack: Ack): boolean {
    const v = `${ack.ref}:${ack.dataVersion}`;
    if (ack.key === '*') {
      this.seen.delete(v);
      return true;
    }
    let s = this.seen.get(v);
    if (!s) {
      s = new Set();
      this.seen.set(v, s);
    }
    s.add(ack.key);
    if (s.size >= Math.max(1, ack.total)) {
      this.seen.delete(v);
      return true;
    }
    return false;
  }
}
