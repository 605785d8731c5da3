/**
 * A hostile HTTP server for the hardening suites: a reverse proxy on 127.0.0.1 in front of a real
 * emulator (1C OData or True API) that forwards every request and then spoils the answer the way
 * real middle boxes and broken servers do — truncated JSON, HTML error pages, XML error bodies,
 * empty bodies, values of the wrong type, missing tabular sections, huge arrays, unknown fields,
 * 406, JSON where text is expected and the reverse, a body dripping one byte at a time, a reset
 * connection, no answer at all. Which spoiling applies is decided per request by `choose`.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Rand } from './hostile';

export const MUTATIONS = [
  'pass',
  'truncate',
  'prematureClose',
  'html',
  'xml',
  'empty',
  'wrongTypes',
  'dropTables',
  'hugeArray',
  'unknownFields',
  'status406',
  'slowDrip',
  'jsonForText',
  'textForJson',
  'garbage',
  'bom',
  'reset',
  'hang',
  'status5xx',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** What a spoiled 1C answer may turn into, by spoiling (codes of lib/onec/errors.ts). */
export const ONEC_EXPECT: Record<Mutation, readonly string[]> = {
  pass: [],
  bom: [],
  unknownFields: [],
  truncate: ['ONEC_BAD_JSON', 'ONEC_BAD_RESPONSE'],
  prematureClose: ['ONEC_NETWORK', 'ONEC_BAD_JSON', 'ONEC_TIMEOUT'],
  html: ['ONEC_HTML', 'ONEC_BAD_RESPONSE'],
  xml: [
    'ONEC_BAD_JSON',
    'ONEC_BAD_RESPONSE',
    'ONEC_BAD_REQUEST',
    'ONEC_AUTH',
    'ONEC_FORBIDDEN',
    'ONEC_BUSINESS',
    'ONEC_SERVER',
  ],
  empty: ['ONEC_BAD_RESPONSE', 'ONEC_SERVER'],
  status406: ['ONEC_BAD_REQUEST'],
  slowDrip: ['ONEC_TIMEOUT'],
  jsonForText: ['ONEC_BAD_RESPONSE', 'ONEC_BAD_JSON'],
  textForJson: ['ONEC_BAD_JSON', 'ONEC_BAD_RESPONSE'],
  garbage: ['ONEC_BAD_JSON', 'ONEC_BAD_RESPONSE', 'ONEC_HTML'],
  reset: ['ONEC_NETWORK'],
  hang: ['ONEC_TIMEOUT'],
  status5xx: ['ONEC_SERVER'],
  wrongTypes: [
    'ONEC_BAD_RESPONSE',
    'ONEC_BAD_VALUE',
    'ONEC_CODE_NOT_FOUND',
    'ONEC_BAD_JSON',
    'ONEC_PROPERTY',
  ],
  dropTables: ['ONEC_BAD_RESPONSE', 'ONEC_CODE_NOT_FOUND', 'ONEC_PROPERTY'],
  // tens of megabytes may not arrive within the (short) timeout of this suite
  hugeArray: ['ONEC_BAD_RESPONSE', 'ONEC_CODE_NOT_FOUND', 'ONEC_TIMEOUT'],
};

const UNCERTAIN = 'CZ_SEND_UNCERTAIN';
/** What a spoiled True API answer may turn into, by spoiling (codes of lib/cz/errors.ts, client.ts). */
export const CZ_EXPECT: Record<Mutation, readonly string[]> = {
  pass: [],
  bom: [],
  unknownFields: [],
  truncate: ['CZ_BAD_RESPONSE', UNCERTAIN],
  prematureClose: ['CZ_NETWORK', 'CZ_TIMEOUT', 'CZ_BAD_RESPONSE', UNCERTAIN],
  html: ['CZ_BAD_RESPONSE', 'CZ_NOT_FOUND', 'CZ_DOC_NOT_FOUND', 'CZ_SERVER_ERROR', UNCERTAIN],
  xml: ['CZ_BAD_RESPONSE', 'CZ_BAD_REQUEST', 'CZ_UNAUTHORIZED', 'CZ_SERVER_ERROR', UNCERTAIN],
  empty: ['CZ_BAD_RESPONSE', 'CZ_SERVER_ERROR', UNCERTAIN],
  status406: ['CZ_NOT_ACCEPTABLE'],
  slowDrip: ['CZ_TIMEOUT', UNCERTAIN],
  jsonForText: ['CZ_BAD_RESPONSE', UNCERTAIN],
  textForJson: ['CZ_BAD_RESPONSE', UNCERTAIN],
  garbage: ['CZ_BAD_RESPONSE', UNCERTAIN],
  reset: ['CZ_NETWORK', UNCERTAIN],
  hang: ['CZ_TIMEOUT', UNCERTAIN],
  status5xx: ['CZ_SERVER_ERROR', UNCERTAIN],
  wrongTypes: ['CZ_BAD_RESPONSE'],
  dropTables: ['CZ_BAD_RESPONSE'],
  // megabytes may not arrive within the (short) timeout of this suite
  hugeArray: ['CZ_BAD_RESPONSE', 'CZ_TIMEOUT'],
};

export interface ProxiedRequest {
  method: string;
  /** path and query as received */
  url: string;
  /** decoded path (for matching) */
  path: string;
}

export interface ProxyLogEntry extends ProxiedRequest {
  mutation: Mutation;
  status: number;
}

export interface HostileProxy {
  url: string;
  port: number;
  /** the spoiling of the next requests (default: pass everything through) */
  choose: (req: ProxiedRequest) => Mutation;
  /** random source for the details of a spoiling (where to cut, which field to change) */
  rand: Rand;
  log: ProxyLogEntry[];
  /** answers of the upstream, before spoiling (e.g. the tokens an emulator issued) */
  onUpstream?: (req: ProxiedRequest, status: number, body: Buffer) => void;
  stop(): Promise<void>;
}

const HTML_PAGES = [
  (s: number) =>
    `<!DOCTYPE html><html><head><title>${s} Bad Gateway</title></head><body><center><h1>${s} Bad Gateway</h1></center><hr><center>nginx/1.18.0</center></body></html>`,
  () =>
    '<html><head><title>Авторизация</title></head><body><form method="post"><input name="login"/></form></body></html>',
  (s: number) =>
    `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"><html><head><title>IIS ${s}</title></head><body><h2>${s} - Server Error</h2></body></html>`,
];

const XML_BODIES = [
  '<?xml version="1.0" encoding="utf-8"?><m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><m:code>-1</m:code><m:message xml:lang="ru">Ошибка выполнения &lt;обработчика&gt;</m:message></m:error>',
  '<InvalidTokenException><error>invalid_token</error><error_description>Access token expired: eyJhbGciOi.fake</error_description></InvalidTokenException>',
  '<UnauthorizedException><error>unauthorized</error><error_description>Full authentication is required to access this resource</error_description></UnauthorizedException>',
  '<?xml version="1.0"?><error><message>Удаленная система недоступна</message></error>',
];

function isJson(ct: string | undefined, body: Buffer): boolean {
  if (ct && /json/i.test(ct)) return true;
  const c = body.subarray(0, 1).toString();
  return c === '{' || c === '[';
}

/** Walk a parsed JSON value and change it (in place) with `fn` applied to every object. */
function eachObject(v: unknown, fn: (o: Record<string, unknown>, depth: number) => void, depth = 0): void {
  if (Array.isArray(v)) for (const x of v) eachObject(x, fn, depth + 1);
  else if (v && typeof v === 'object') {
    fn(v as Record<string, unknown>, depth);
    for (const x of Object.values(v)) eachObject(x, fn, depth + 1);
  }
}

function wrongType(r: Rand, v: unknown): unknown {
  if (typeof v === 'string') return r.pick([0, 12345, true, null, [], {}, [v]]);
  if (typeof v === 'number') return r.pick([String(v), true, null, {}, 'NaN']);
  if (typeof v === 'boolean') return r.pick([String(v), 1, null]);
  if (Array.isArray(v)) return r.pick([{}, 'array', null, 0, v[0] ?? {}]);
  if (v && typeof v === 'object') return r.pick([[], 'object', null, 42]);
  return r.pick(['', 0, {}, []]);
}

/** Spoil a JSON body. Returns undefined when the body is not JSON (the caller passes it on). */
function spoilJson(kind: Mutation, body: Buffer, r: Rand): Buffer | undefined {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  if (kind === 'wrongTypes') {
    let changed = 0;
    eachObject(data, (o) => {
      for (const k of Object.keys(o)) {
        if (r.bool(0.3)) {
          o[k] = wrongType(r, o[k]);
          changed++;
        }
      }
    });
    if (changed === 0 && data && typeof data === 'object') {
      const k = Object.keys(data)[0];
      if (k) (data as Record<string, unknown>)[k] = wrongType(r, (data as Record<string, unknown>)[k]);
    }
    if (typeof data !== 'object' || data === null) data = wrongType(r, data);
  } else if (kind === 'dropTables') {
    eachObject(data, (o, depth) => {
      for (const k of Object.keys(o)) {
        // the collection's own `value` stays (mostly): the tabular sections of its objects go
        if (Array.isArray(o[k]) && (depth > 0 || k !== 'value' || r.bool(0.2))) delete o[k];
      }
    });
  } else if (kind === 'hugeArray') {
    let done = false;
    const grow = (arr: unknown[]): void => {
      const n = r.pick([2000, 20000]);
      const first = arr[0] ?? {};
      for (let i = arr.length; i < n; i++) arr.push(structuredClone(first));
      done = true;
    };
    if (Array.isArray(data)) grow(data);
    else
      eachObject(data, (o) => {
        if (done) return;
        for (const k of Object.keys(o)) if (!done && Array.isArray(o[k])) grow(o[k] as unknown[]);
      });
    if (!done) data = Array.from({ length: 20000 }, () => data);
  } else if (kind === 'unknownFields') {
    eachObject(data, (o) => {
      o[r.pick(['Неизвестное_Поле', 'odata.extra', 'x-trace', 'Поле_Key'])] = r.pick<unknown>([
        'значение',
        1,
        null,
        { вложено: [1, 2] },
        [],
        '00000000-0000-0000-0000-000000000000',
      ]);
    });
  } else {
    return undefined;
  }
  return Buffer.from(JSON.stringify(data), 'utf8');
}

/** The status a spoiling answers with when it has its own (else the upstream's). */
function statusOf(m: Mutation, r: Rand): number | undefined {
  switch (m) {
    case 'html':
      return r.pick([200, 200, 404, 500, 502, 503]);
    case 'xml':
      return r.pick([200, 400, 401, 500, 503]);
    case 'empty':
      return r.pick([200, 204, 500]);
    case 'status406':
      return 406;
    case 'status5xx':
      return r.pick([500, 502, 503, 504]);
    default:
      return undefined;
  }
}

export async function startHostileProxy(upstream: string, rand: Rand): Promise<HostileProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const self: HostileProxy = {
    url: '',
    port: 0,
    choose: () => 'pass',
    rand,
    log: [],
    stop: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      let path = url;
      try {
        path = decodeURIComponent(url);
      } catch {
        // keep raw
      }
      const info: ProxiedRequest = { method: req.method ?? 'GET', url, path };
      const mutation = self.choose(info);
      const entry: ProxyLogEntry = { ...info, mutation, status: 0 };
      self.log.push(entry);
      if (self.log.length > 20000) self.log.splice(0, 10000);
      if (mutation === 'reset') {
        req.socket.destroy();
        return;
      }
      if (mutation === 'hang') return; // the socket is closed by the client's timeout or at stop()
      // A refusal (4xx) is decided before anything is processed: such answers never reach the
      // emulator, so that a "refused" request is really not received (as with the real systems).
      const status = statusOf(mutation, self.rand);
      if (status !== undefined && status >= 400 && status < 500) {
        respond(res, entry, mutation, status, {}, Buffer.alloc(0), status);
        return;
      }
      const headers = { ...req.headers, host: target.host };
      delete headers['content-length'];
      const body = Buffer.concat(chunks);
      if (body.length > 0) headers['content-length'] = String(body.length);
      const up = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: `${target.pathname.replace(/\/$/, '')}${url}`,
          headers,
        },
        (ur) => {
          const parts: Buffer[] = [];
          ur.on('data', (c: Buffer) => parts.push(c));
          ur.on('end', () => {
            const upBody = Buffer.concat(parts);
            self.onUpstream?.(info, ur.statusCode ?? 0, upBody);
            respond(res, entry, mutation, ur.statusCode ?? 502, ur.headers, upBody, status);
          });
          ur.on('error', () => res.destroy());
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });

  function respond(
    res: http.ServerResponse,
    entry: ProxyLogEntry,
    mutation: Mutation,
    status: number,
    upHeaders: http.IncomingHttpHeaders,
    body: Buffer,
    /** the status this spoiling answers with, when it has its own */
    own?: number,
  ): void {
    const r = self.rand;
    const ct = typeof upHeaders['content-type'] === 'string' ? upHeaders['content-type'] : undefined;
    const send = (s: number, type: string | undefined, b: Buffer | string): void => {
      const buf = Buffer.isBuffer(b) ? b : Buffer.from(b, 'utf8');
      entry.status = s;
      const h: Record<string, string> = { 'content-length': String(buf.length) };
      if (type) h['content-type'] = type;
      res.writeHead(s, h);
      res.end(buf);
    };
    switch (mutation) {
      case 'truncate': {
        const cut = body.length > 1 ? r.int(0, body.length - 1) : 0;
        return send(status, ct, body.subarray(0, cut));
      }
      case 'prematureClose': {
        entry.status = status;
        res.writeHead(status, {
          'content-type': ct ?? 'application/json',
          'content-length': String(body.length + 10),
        });
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        setImmediate(() => res.socket?.destroy());
        return;
      }
      case 'html': {
        const s = own ?? 200;
        return send(s, 'text/html; charset=utf-8', r.pick(HTML_PAGES)(s));
      }
      case 'xml':
        return send(
          own ?? 200,
          r.pick(['application/xml', 'text/xml', 'application/json']),
          r.pick(XML_BODIES),
        );
      case 'empty':
        return send(own ?? status, ct, Buffer.alloc(0));
      case 'status406':
        return send(406, undefined, Buffer.alloc(0));
      case 'status5xx':
        return send(
          own ?? 503,
          'application/json',
          JSON.stringify({ error_message: 'Удаленная система недоступна' }),
        );
      case 'jsonForText':
        if (!isJson(ct, body)) {
          return send(
            status,
            'application/json',
            JSON.stringify({ id: body.toString('utf8'), status: 'OK' }),
          );
        }
        return send(status, 'text/plain; charset=utf-8', body);
      case 'textForJson':
        return send(
          status,
          'text/plain; charset=utf-8',
          r.pick(['OK', 'Документ принят', 'Service Temporarily Unavailable', '1', 'null', '']),
        );
      case 'garbage':
        return send(status, ct, Buffer.from(Array.from({ length: r.int(1, 300) }, () => r.int(0, 255))));
      case 'bom':
        return send(status, ct, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]));
      case 'wrongTypes':
      case 'dropTables':
      case 'hugeArray':
      case 'unknownFields': {
        const spoiled = status >= 200 && status < 300 ? spoilJson(mutation, body, r) : undefined;
        return send(status, ct, spoiled ?? body);
      }
      case 'slowDrip': {
        // the headers at once, then the body one byte at a time, forever if it has to
        entry.status = status;
        res.writeHead(status, { 'content-type': ct ?? 'application/json' });
        let i = 0;
        const drip = (): void => {
          if (res.destroyed || res.writableEnded) return;
          const b = i < body.length ? body.subarray(i, i + 1) : Buffer.from(' ');
          i++;
          res.write(b);
          const t = setTimeout(() => {
            timers.delete(t);
            drip();
          }, 150);
          timers.add(t);
        };
        drip();
        return;
      }
      default:
        return send(status, ct, body);
    }
  }

  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  self.port = port;
  self.url = `http://127.0.0.1:${port}`;
  self.stop = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return self;
}

/** Spoilings after which a read of JSON may not succeed. */
export const MUST_FAIL: ReadonlySet<Mutation> = new Set<Mutation>([
  'truncate',
  'prematureClose',
  'html',
  'xml',
  'empty',
  'status406',
  'slowDrip',
  'textForJson',
  'garbage',
  'reset',
  'hang',
  'status5xx',
]);
/** Spoilings a tolerant client must take in its stride. */
export const MUST_PASS: ReadonlySet<Mutation> = new Set<Mutation>(['pass', 'bom', 'unknownFields']);

/** The spoiling of one case: silence, a slow drip and huge arrays (a timeout or megabytes each) rarer. */
export function pickMutation(r: Rand): Mutation {
  for (;;) {
    const m = r.pick(MUTATIONS);
    if ((m === 'hang' || m === 'slowDrip' || m === 'hugeArray') && !r.bool(0.3)) continue;
    return m;
  }
}

/**
 * Spoil the requests of one case: every one (`only` < 0) or only request number `only`, the others
 * pass. Returns the case's description for assertion messages.
 */
export function spoilCase(
  proxy: HostileProxy,
  op: string,
  mutation: Mutation,
  only: number,
  i: number,
): string {
  let n = 0;
  proxy.choose = () => (only < 0 || n++ === only ? mutation : 'pass');
  return `${op} with ${mutation}${only >= 0 ? ` on request ${only}` : ''} (case ${i})`;
}

/** Error codes a spoiling may give: its own, or any spoiling's when only one request was spoiled. */
export function allowedCodes(
  table: Record<Mutation, readonly string[]>,
  mutation: Mutation,
  only: number,
): readonly string[] {
  return only >= 0 ? [...new Set(Object.values(table).flat())] : table[mutation];
}
