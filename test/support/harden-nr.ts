/**
 * Helpers for the hardening suites that drive a real Node-RED child: logging in with adminAuth,
 * and listening to the editor's comms websocket (node status, debug messages, notifications) the
 * way the editor does.
 */
import WebSocket from 'ws';
import type { Runtime } from '../../scripts/lib/runtime';

export { login, passwordHash, USER_PASSWORD } from './admin-auth';

export interface CommsMessage {
  topic: string;
  data: unknown;
  /** the frame as it came over the wire */
  raw: string;
}

/** The editor's websocket: every status, debug and notification message the editor would see. */
export class Comms {
  readonly messages: CommsMessage[] = [];
  /** every frame as received (for grepping) */
  readonly frames: string[] = [];
  private ws?: WebSocket;

  static async connect(
    rt: Runtime,
    token?: string,
    topics = ['status/#', 'debug', 'notification/#'],
  ): Promise<Comms> {
    const c = new Comms();
    const ws = new WebSocket(`${rt.url.replace(/^http/, 'ws')}/comms`);
    c.ws = ws;
    ws.on('message', (d: WebSocket.RawData) => {
      const raw = d.toString();
      c.frames.push(raw);
      try {
        const parsed = JSON.parse(raw) as unknown;
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
          const o = m as { topic?: string; data?: unknown };
          if (typeof o.topic === 'string')
            c.messages.push({ topic: o.topic, data: o.data, raw: JSON.stringify(m) });
        }
      } catch {
        // heartbeats and the like
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (token) {
      const ok = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('comms auth timed out')), 10000);
        const onMsg = (d: WebSocket.RawData): void => {
          if (d.toString().includes('"auth":"ok"')) {
            clearTimeout(t);
            ws.off('message', onMsg);
            resolve();
          }
        };
        ws.on('message', onMsg);
      });
      ws.send(JSON.stringify({ auth: token }));
      await ok;
    }
    for (const t of topics) ws.send(JSON.stringify({ subscribe: t }));
    return c;
  }

  /** Status messages of one node id. */
  statuses(nodeId?: string): Array<{ text?: string; fill?: string }> {
    return this.messages
      .filter((m) => m.topic.startsWith('status/') && (!nodeId || m.topic === `status/${nodeId}`))
      .map((m) => m.data as { text?: string; fill?: string });
  }

  /** Debug messages (of one debug node, when given). */
  debug(nodeId?: string): Array<{ id: string; msg: string; format?: string }> {
    return this.messages
      .filter((m) => m.topic === 'debug')
      .map((m) => m.data as { id: string; msg: string; format?: string })
      .filter((d) => !nodeId || d.id === nodeId);
  }

  close(): void {
    this.ws?.close();
  }
}

/** Poll until `fn` returns a truthy value (or throw with `what` after `ms`). */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  ms = 60000,
  every = 250,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
