/**
 * The Node-RED editor's comms websocket (`/comms`), as the editor uses it: node status, debug
 * messages and notifications arrive here. Tests record every event with its arrival time and assert
 * on what an admin looking at the editor would have seen.
 */
import WebSocket from 'ws';

export interface CommsEvent {
  topic: string;
  data: unknown;
  /** Date.now() when it arrived */
  at: number;
}

export interface StatusEvent {
  node: string;
  at: number;
  text: string;
  fill?: string;
  shape?: string;
}

export class Comms {
  readonly events: CommsEvent[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw: WebSocket.RawData) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(raw));
      } catch {
        return;
      }
      const at = Date.now();
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
        const e = m as { topic?: unknown; data?: unknown };
        if (typeof e.topic !== 'string' || e.topic === 'hb') continue;
        this.events.push({ topic: e.topic, data: e.data, at });
      }
      for (const w of [...this.waiters]) w();
    });
  }

  /** Connect to `<url>/comms` and subscribe to `topics` (default: status and debug). */
  static connect(url: string, topics = ['status/#', 'debug', 'notification/#']): Promise<Comms> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/comms`);
      const c = new Comms(ws);
      ws.once('error', reject);
      ws.once('open', () => {
        for (const t of topics) ws.send(JSON.stringify({ subscribe: t }));
        resolve(c);
      });
    });
  }

  /** Every status a node showed, in order (an empty object — status cleared — as text ''). */
  statuses(node?: string): StatusEvent[] {
    const out: StatusEvent[] = [];
    for (const e of this.events) {
      if (!e.topic.startsWith('status/')) continue;
      const id = e.topic.slice('status/'.length);
      if (node && id !== node) continue;
      const d = (e.data ?? {}) as { text?: unknown; fill?: string; shape?: string };
      out.push({ node: id, at: e.at, text: String(d.text ?? ''), fill: d.fill, shape: d.shape });
    }
    return out;
  }

  /** The status a node shows now (the last one received). */
  current(node: string): StatusEvent | undefined {
    const all = this.statuses(node);
    return all[all.length - 1];
  }

  /** Debug messages that reached debug nodes (`{ id, msg, … }` as the editor receives them). */
  debug(node?: string): Array<{ at: number; id: string; msg: string; format?: string }> {
    return this.events
      .filter((e) => e.topic === 'debug')
      .map((e) => ({ at: e.at, ...(e.data as { id: string; msg: string; format?: string }) }))
      .filter((d) => !node || d.id === node);
  }

  /** Resolve when `pred` holds (checked on every event and every 250 ms), reject after `timeoutMs`. */
  waitFor<T>(pred: () => T | undefined | false, timeoutMs: number, what = 'condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        clearInterval(tick);
        this.waiters.delete(check);
      };
      const check = (): void => {
        let v: T | undefined | false;
        try {
          v = pred();
        } catch (err) {
          finish();
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (v) {
          finish();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const tick = setInterval(check, 250);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.ws.close();
    for (const w of [...this.waiters]) this.waiters.delete(w);
  }
}
