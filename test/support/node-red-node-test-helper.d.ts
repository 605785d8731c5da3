declare module 'node-red-node-test-helper' {
  interface TestNode {
    id: string;
    type: string;
    receive(msg: Record<string, unknown>): void;
    on(event: string, handler: (...args: any[]) => void): void;
    [key: string]: unknown;
  }
  interface Helper {
    init(nodeRedPath: string, userSettings?: Record<string, unknown>): void;
    load(
      nodes: unknown | unknown[],
      flow: Array<Record<string, unknown>>,
      credentials?: Record<string, Record<string, string>>,
    ): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): TestNode;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    setFlows(
      flow: Array<Record<string, unknown>>,
      type?: 'full' | 'nodes' | 'flows',
      credentials?: Record<string, Record<string, string>>,
    ): Promise<void>;
    request(): any;
    settings(s: Record<string, unknown>): void;
    log(): { args: unknown[][]; getCalls(): Array<{ args: unknown[] }> };
    url(): string;
    _RED: any;
  }
  const helper: Helper;
  export = helper;
}
