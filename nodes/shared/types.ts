/**
 * The small part of the Node-RED runtime API that the pack uses, typed by hand
 * (@types/node-red is old and misses parts of the 4.x/5.x API).
 */
import type { MessageParts } from '../../lib/message';

export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  topic?: string;
  parts?: MessageParts;
  [key: string]: unknown;
}

export type { MessageParts } from '../../lib/message';

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'dot' | 'ring';
  text?: string;
}

export type SendFn = (msg: NodeMessage | null | Array<NodeMessage | NodeMessage[] | null>) => void;
export type DoneFn = (err?: Error) => void;

export interface NodeContextStore {
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err: Error | null) => void): void;
}

export interface NodeContext extends NodeContextStore {
  flow: NodeContextStore;
  global: NodeContextStore;
}

export interface NodeDefBase {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

/** A runtime node instance (the `this` of a node constructor). */
export interface RuntimeNode {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials?: Record<string, string | undefined>;
  on(event: 'input', handler: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | null | Array<NodeMessage | NodeMessage[] | null>): void;
  status(status: NodeStatus): void;
  log(msg: unknown): void;
  warn(msg: unknown): void;
  error(err: unknown, msg?: NodeMessage): void;
  debug(msg: unknown): void;
  trace(msg: unknown): void;
  context(): NodeContext;
  receive(msg: NodeMessage): void;
}

export interface AdminRequest {
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface AdminResponse {
  status(code: number): AdminResponse;
  json(body: unknown): void;
  type(t: string): AdminResponse;
  send(body: unknown): void;
}

export type AdminHandler = (req: AdminRequest, res: AdminResponse) => void;
export type Middleware = (req: unknown, res: unknown, next: () => void) => void;

export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDefBase): void;
    registerType(
      type: string,
      ctor: new (def: NodeDefBase) => unknown,
      opts?: {
        credentials?: Record<string, { type: 'text' | 'password' }>;
        settings?: Record<string, unknown>;
      },
    ): void;
    getNode(id: string): unknown;
  };
  util: {
    evaluateNodeProperty(
      value: unknown,
      type: string,
      node: RuntimeNode,
      msg: NodeMessage | undefined,
      cb: (err: Error | null, result: unknown) => void,
    ): void;
    getSetting(node: RuntimeNode | undefined, name: string): string | undefined;
    cloneMessage<T extends NodeMessage>(msg: T): T;
    generateId(): string;
    getMessageProperty(msg: NodeMessage, expr: string): unknown;
    setMessageProperty(msg: NodeMessage, expr: string, value: unknown, createMissing?: boolean): boolean;
  };
  settings: Record<string, unknown> & { userDir?: string };
  httpAdmin: {
    get(path: string, ...handlers: Array<Middleware | AdminHandler>): void;
    post(path: string, ...handlers: Array<Middleware | AdminHandler>): void;
  };
  auth: { needsPermission(permission: string): Middleware };
  events: {
    on(event: string, handler: (...args: unknown[]) => void): void;
    removeListener(event: string, handler: (...args: unknown[]) => void): void;
  };
  version(): string;
  _(key: string, vars?: Record<string, unknown>): string;
}
