import type { NodeStatus, RuntimeNode } from './types';

export type StatusFill = NonNullable<NodeStatus['fill']>;

/**
 * Node status with an in-flight counter: "working" while any request is in flight, the last
 * outcome when none is, and an error that stays until the next success clears it.
 * Texts are catalog keys (`znakflow.status.*` or `<type>.status.*`), translated by the editor
 * into the editor's language; texts with numbers are translated by the runtime.
 */
export class StatusHelper {
  private inFlight = 0;
  private errorShown = false;
  private last: NodeStatus = {};

  constructor(
    private readonly node: Pick<RuntimeNode, 'status'>,
    private readonly translate: (key: string, vars?: Record<string, unknown>) => string = (k) => k,
  ) {}

  get busy(): number {
    return this.inFlight;
  }

  /** A request starts: blue ring with the count of requests in flight. */
  begin(key = 'znakflow.status.working'): void {
    this.inFlight++;
    this.show({
      fill: 'blue',
      shape: 'ring',
      text: this.inFlight > 1 ? `${this.t(key)} ×${this.inFlight}` : key,
    });
  }

  /** A request ends well: clears any error; shows `text` when nothing else is in flight. */
  success(key = 'znakflow.status.ok', vars?: Record<string, unknown>): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.errorShown = false;
    this.last = { fill: 'green', shape: 'dot', text: vars ? this.t(key, vars) : key };
    if (this.inFlight === 0) this.show(this.last);
  }

  /** A request ends badly: red ring with a short text that stays until a later success. */
  failure(key = 'znakflow.status.error', vars?: Record<string, unknown>): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.errorShown = true;
    this.last = { fill: 'red', shape: 'ring', text: short(vars ? this.t(key, vars) : key) };
    this.show(this.last);
  }

  /**
   * A fault not tied to a request of this node (e.g. its connection cannot sign in): red ring now,
   * even while requests are in flight; it stays until `recover()` or a later success.
   */
  fault(key: string, vars?: Record<string, unknown>): void {
    this.errorShown = true;
    this.last = { fill: 'red', shape: 'ring', text: short(vars ? this.t(key, vars) : key) };
    this.show(this.last);
  }

  /** A request ended without a visible outcome of its own (e.g. skipped). */
  end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.show(this.last);
  }

  /** A steady state not tied to a request (e.g. "waiting", a journal summary). */
  set(fill: StatusFill, shape: 'dot' | 'ring', key: string, vars?: Record<string, unknown>): void {
    if (this.errorShown && fill !== 'red') return;
    this.last = { fill, shape, text: short(vars ? this.t(key, vars) : key) };
    if (this.inFlight === 0) this.show(this.last);
  }

  /** Show progress now, even while requests are in flight (e.g. "retrying", "page 3 of 10"). */
  progress(fill: StatusFill, shape: 'dot' | 'ring', key: string, vars?: Record<string, unknown>): void {
    this.show({ fill, shape, text: short(vars ? this.t(key, vars) : key) });
  }

  /** Forget the error (e.g. on redeploy) and show nothing. */
  clear(): void {
    this.inFlight = 0;
    this.errorShown = false;
    this.last = {};
    this.show({});
  }

  /** Background work succeeded again (e.g. a poll after an outage): the next steady `set` shows. */
  recover(): void {
    this.errorShown = false;
  }

  get hasError(): boolean {
    return this.errorShown;
  }

  private t(key: string, vars?: Record<string, unknown>): string {
    return this.translate(key, vars);
  }

  private show(s: NodeStatus): void {
    this.node.status(s);
  }
}

/** Status texts should stay short (the editor draws them under the node). */
export function short(text: string, max = 48): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
