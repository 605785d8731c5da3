/**
 * The watches of one `onec-read` node: one DocumentWatcher per entity and layout, made again when
 * the connection gives a new client (a redeploy of the connection), and their polls run one at a
 * time (input messages and the node's timer queue up behind each other).
 */
import type { OnecClient } from './client';
import type { ResolvedLayout } from './presets';
import type { DocumentWatcher } from './watch';

export class WatchSet {
  private readonly watchers = new Map<string, { client: OnecClient; watcher: DocumentWatcher }>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly make: (client: OnecClient, entity: string, layout: ResolvedLayout) => DocumentWatcher,
  ) {}

  /** The watcher of `entity` with `layout` on `client`: the cached one, or a new one. */
  get(client: OnecClient, entity: string, layout: ResolvedLayout): DocumentWatcher {
    const key = `${entity}|${JSON.stringify(layout)}`;
    const cached = this.watchers.get(key);
    if (cached && cached.client === client) return cached.watcher;
    const watcher = this.make(client, entity, layout);
    this.watchers.set(key, { client, watcher });
    return watcher;
  }

  /** The watchers made so far. */
  values(): IterableIterator<{ client: OnecClient; watcher: DocumentWatcher }> {
    return this.watchers.values();
  }

  /** Run `fn` after every earlier one has ended (whether it succeeded or failed). */
  serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /**
   * Let the poll in flight end and save its state, but never wait past `maxMs`; then write every
   * watcher's state. No timer is left behind.
   */
  async settle(maxMs: number): Promise<void> {
    let guardTimer: NodeJS.Timeout | undefined;
    const guard = new Promise<void>((r) => {
      guardTimer = setTimeout(r, maxMs);
      guardTimer.unref();
    });
    await Promise.race([this.chain.catch(() => undefined), guard]);
    clearTimeout(guardTimer);
    for (const { watcher } of this.watchers.values()) watcher.flush();
  }
}
