/**
 * The Node-RED editor's comms websocket (`/comms`), as the editor sees it: debug messages and node
 * status changes of a real Node-RED. A minimal RFC 6455 client on `node:http` (Node 20 has no global
 * WebSocket, and the pack adds no dependency): text frames, fragmented messages, ping/pong, close.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';

export interface CommsEvent {
  topic: string;
  data: unknown;
  /** when it arrived (ms since epoch) */
  at: number;
}

/** A debug-node message as the debug sidebar receives it (`msg` is a string, JSON for objects). */
export interface DebugMessage {
  id: string;
  z?: string;
  name?: string;
  topic?: string;
  property?: string;
  format?: string;
  msg: string;
}

export interface NodeStatus {
  text?: string;
  fill?: string;
  shape?: string;
}

export class Comms {
  readonly events: CommsEvent[] = [];
  private buf = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Connect to `<url>/comms` and subscribe to `topics` (default: debug and every node status). */
  static connect(url: string, topics: string[] = ['debug', 'status/#']): Promise<Comms> {
    const u = new URL('/comms', url);
    const key = crypto.randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': key,
        },
      });
      req.on('upgrade', (res, socket, head) => {
        const accept = crypto
          .createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        if (res.headers['sec-websocket-accept'] !== accept) {
          socket.destroy();
          reject(new Error('comms: bad Sec-WebSocket-Accept'));
          return;
        }
        const c = new Comms(socket);
        if (head.length > 0) c.onData(head);
        for (const t of topics) c.send({ subscribe: t });
        resolve(c);
      });
      req.on('response', (res) => reject(new Error(`comms: HTTP ${res.statusCode} instead of an upgrade`)));
      req.on('error', reject);
      req.end();
    });
  }

  send(obj: unknown): void {
    this.frame(0x1, Buffer.from(JSON.stringify(obj), 'utf8'));
  }

  /** Debug messages received so far (optionally of one debug node). */
  debug(nodeId?: string): DebugMessage[] {
    return this.events
      .filter((e) => e.topic === 'debug')
      .map((e) => e.data as DebugMessage)
      .filter((d) => !nodeId || d.id === nodeId);
  }

  /** Status changes of one node, oldest first. */
  statuses(nodeId: string): NodeStatus[] {
    return this.events.filter((e) => e.topic === `status/${nodeId}`).map((e) => e.data as NodeStatus);
  }

  /** Wait until `pred` holds for the events received so far. */
  async waitFor<T>(pred: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (this.closed) throw new Error(`comms closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const w = (): void => {
          clearTimeout(t);
          this.waiters.delete(w);
          resolve();
        };
        const t = setTimeout(w, Math.min(left, 1000));
        this.waiters.add(w);
      });
    }
  }

  close(): void {
    if (!this.closed) {
      try {
        this.frame(0x8, Buffer.alloc(0));
      } catch {
        // already gone
      }
    }
    this.closed = true;
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private frame(opcode: number, payload: Buffer): void {
    const mask = crypto.randomBytes(4);
    let header: Buffer;
    if (payload.length < 126) {
      header = Buffer.from([0x80 | opcode, 0x80 | payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0] as number;
      const b1 = this.buf[1] as number;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      let payload = this.buf.subarray(off, off + len);
      if (masked) {
        const m = this.buf.subarray(off - 4, off);
        payload = Buffer.from(payload.map((x, i) => x ^ (m[i % 4] as number)));
      }
      this.buf = this.buf.subarray(off + len);
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if (opcode === 0x9) this.frame(0xa, Buffer.from(payload));
      else if (opcode === 0x8) this.close();
      else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.onMessage(text);
        }
      }
    }
  }

  private onMessage(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const at = Date.now();
    for (const m of list) {
      if (m && typeof m === 'object' && typeof (m as { topic?: unknown }).topic === 'string') {
        this.events.push({ topic: (m as { topic: string }).topic, data: (m as { data?: unknown }).data, at });
      }
    }
    this.wake();
  }
}
