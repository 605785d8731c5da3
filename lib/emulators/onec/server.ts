/**
 * The HTTP side of the 1C OData emulator: routing as a 1C 8.3 web publication behind IIS answers
 * it (1C guide §17.4; Romandredan/odata1c-gate probes). Paths are percent-decoded UTF-8 with `+` never read as a space;
 * a query string over 2 048 bytes gets IIS's HTML 404; errors are 1C's `odata.error` envelope
 * (JSON) or `<m:error>` (XML) with 1C's internal codes and texts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluate, ODataFault, parseFilter, type EvalScope, type Expr } from './filter';
import {
  atomEntry,
  atomFeed,
  canonicalPath,
  errorXml,
  metadataXml,
  parseExpand,
  parseSelect,
  serviceDocumentJson,
  serviceDocumentXml,
  toJson,
  type MetaLevel,
  type SerializeContext,
} from './serialize';
import { navOf, type FieldDef, type SetInfo } from './schema';
import { notFound, type OnecStore, type Rec } from './store';

export type FaultKind =
  /** never answer (the client's timeout fires) */
  | 'timeout'
  /** IIS HTML 404 page */
  | 'html404'
  /** an HTML login page with status 200 (seen on auth problems) */
  | 'html200'
  /** 200 with a body that is not JSON */
  | 'badJson'
  /** 500, 1C code -1, a business error from a handler */
  | 'business'
  /** IIS HTML 503 (application pool busy) */
  | 'server503'
  /** the connection is dropped */
  | 'reset'
  /** 401, 1C code 20 (access rights) */
  | 'forbidden';

export interface Fault {
  kind: FaultKind;
  /** how many requests it hits (default 1) */
  times?: number;
  /** only requests whose decoded path+query contains this text / matches */
  match?: string | RegExp;
  method?: string;
}

export interface RequestLogEntry {
  method: string;
  /** decoded path and query, relative to the service root */
  resource: string;
  /** the request target exactly as received (path and query, not decoded) */
  target: string;
  /** bytes of the request target (path + query) as sent */
  bytes: number;
  status: number;
}

export interface RequestCounters {
  total: number;
  byMethod: Record<string, number>;
  byEntity: Record<string, number>;
  /** longest request URL seen (scheme://host:port + target), in bytes */
  maxUrlBytes: number;
  /** the last 5 000 requests */
  log: RequestLogEntry[];
  reset(): void;
}

export interface ServerOptions {
  store: OnecStore;
  base: string;
  users: Record<string, string>;
  latencyMs: number;
  failRate: number;
  coldStartMs: number;
  idleMs: number;
  unpublished: Set<string>;
  inlinecountIgnoresPaging: boolean;
  maxQueryBytes: number;
}

const SERVER_HEADER = '1C:Enterprise 8.3 OData (ZnakFlow emulator)';

function iisPage(status: number, title: string, text: string): string {
  return (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n' +
    `<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>` +
    `<title>${title}</title></head><body><div id="header"><h1>Server Error</h1></div>` +
    `<div id="content"><fieldset><h2>${status} - ${title}</h2><h3>${text}</h3></fieldset></div></body></html>`
  );
}

export class OnecHttpServer {
  readonly server: http.Server;
  readonly counters: RequestCounters;
  private faults: Array<Required<Pick<Fault, 'kind'>> & Fault & { left: number }> = [];
  private lastRequestAt = 0;
  private readonly hanging = new Set<http.ServerResponse>();
  private origin = '';

  constructor(private readonly o: ServerOptions) {
    const counters: RequestCounters = {
      total: 0,
      byMethod: {},
      byEntity: {},
      maxUrlBytes: 0,
      log: [],
      reset() {
        counters.total = 0;
        counters.byMethod = {};
        counters.byEntity = {};
        counters.maxUrlBytes = 0;
        counters.log = [];
      },
    };
    this.counters = counters;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(err));
        }
      });
    });
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const p = (this.server.address() as AddressInfo).port;
    this.origin = `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
    return p;
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get serviceRoot(): string {
    return `${this.origin}/${this.o.base}/odata/standard.odata/`;
  }

  addFault(f: Fault): void {
    this.faults.push({ ...f, left: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  private takeFault(method: string, resource: string): FaultKind | undefined {
    for (const f of this.faults) {
      if (f.left <= 0) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.match !== undefined) {
        const ok = typeof f.match === 'string' ? resource.includes(f.match) : f.match.test(resource);
        if (!ok) continue;
      }
      f.left--;
      return f.kind;
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    const qIndex = target.indexOf('?');
    const rawPath = qIndex < 0 ? target : target.slice(0, qIndex);
    const rawQuery = qIndex < 0 ? '' : target.slice(qIndex + 1);
    const c = this.counters;
    c.total++;
    c.byMethod[method] = (c.byMethod[method] ?? 0) + 1;
    c.maxUrlBytes = Math.max(c.maxUrlBytes, Buffer.byteLength(this.origin + target));
    const logEntry: RequestLogEntry = {
      method,
      resource: safeDecode(target),
      target,
      bytes: Buffer.byteLength(target),
      status: 0,
    };
    c.log.push(logEntry);
    if (c.log.length > 5000) c.log.splice(0, c.log.length - 5000);
    res.on('finish', () => {
      logEntry.status = res.statusCode;
    });

    const now = Date.now();
    const idle = this.lastRequestAt > 0 && now - this.lastRequestAt > this.o.idleMs;
    const cold = this.o.coldStartMs > 0 && (this.lastRequestAt === 0 || idle);
    this.lastRequestAt = now;
    if (cold) await delay(this.o.coldStartMs);
    if (this.o.latencyMs > 0) await delay(this.o.latencyMs);

    // IIS request filtering comes first (IIS `maxQueryString` 2048; seen live by hacker-cb/1c-odata).
    if (Buffer.byteLength(rawQuery) > this.o.maxQueryBytes) {
      return this.html(
        res,
        404,
        iisPage(
          404,
          'IIS 10.0 Detailed Error - 404.15 - Not Found',
          'The request filtering module is configured to deny a request where the query string is too long.',
        ),
      );
    }
    if (rawPath.includes('+')) {
      return this.html(
        res,
        404,
        iisPage(
          404,
          'IIS 10.0 Detailed Error - 404.11 - Not Found',
          'The request filtering module is configured to deny a request that contains a double escape sequence.',
        ),
      );
    }
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return this.html(res, 400, iisPage(400, 'Bad Request', 'Bad Request - Invalid URL'));
    }
    const prefix = `/${this.o.base}/odata/standard.odata`;
    if (path !== prefix && !path.startsWith(`${prefix}/`)) {
      return this.html(
        res,
        404,
        iisPage(
          404,
          '404 - File or directory not found.',
          'The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.',
        ),
      );
    }
    const resource = path.slice(prefix.length).replace(/^\//, '');
    const entityName = /^[^(/]*/.exec(resource)?.[0] ?? '';
    if (entityName) c.byEntity[entityName] = (c.byEntity[entityName] ?? 0) + 1;

    const fault = this.takeFault(method, safeDecode(target));
    if (fault === 'timeout') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'html404')
      return this.html(
        res,
        404,
        iisPage(
          404,
          '404 - File or directory not found.',
          'The resource you are looking for might have been removed.',
        ),
      );
    if (fault === 'server503' || (this.o.failRate > 0 && Math.random() < this.o.failRate)) {
      return this.html(
        res,
        503,
        iisPage(503, 'Service Unavailable', 'HTTP Error 503. The service is unavailable.'),
      );
    }

    if (!this.authorised(req)) {
      res.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="1C:Enterprise"',
        Server: SERVER_HEADER,
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    if (fault === 'html200') {
      return this.html(
        res,
        200,
        '<!DOCTYPE html><html><head><title>1С:Предприятие</title></head><body><form id="login">Вход в программу</form></body></html>',
      );
    }

    const query = parseQuery(rawQuery);
    const fmt = query.get('$format');
    const accept = String(req.headers['accept'] ?? '');
    const json = fmt !== undefined ? /json/i.test(fmt) : /application\/json/i.test(accept);
    const meta: MetaLevel = /nometadata/i.test(fmt ?? accept)
      ? 'none'
      : /fullmetadata/i.test(fmt ?? accept)
        ? 'full'
        : 'minimal';

    if (fault === 'forbidden')
      return this.fault(res, json, new ODataFault(401, '20', 'Недостаточно прав для выполнения операции'));
    if (fault === 'business')
      return this.fault(
        res,
        json,
        new ODataFault(
          500,
          '-1',
          'Ошибка при выполнении операции над данными: Операция не выполнена (эмуляция отказа обработчика ПередЗаписью)',
        ),
      );
    if (fault === 'badJson') {
      res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8', Server: SERVER_HEADER });
      res.end('{"odata.metadata": "…", "value": [ {"Ref_Key": ');
      return;
    }

    try {
      const body =
        method === 'POST' || method === 'PATCH' || method === 'PUT' ? await readBody(req) : undefined;
      await this.route(method, resource, query, body, res, json, meta);
    } catch (err) {
      if (err instanceof ODataFault) return this.fault(res, json, err);
      return this.fault(
        res,
        json,
        new ODataFault(500, '-1', `Произошла внутренняя ошибка OData сервиса. ${(err as Error).message}`),
      );
    }
  }

  private authorised(req: http.IncomingMessage): boolean {
    const h = req.headers['authorization'];
    if (!h || !/^Basic /i.test(h)) return false;
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    const user = decoded.slice(0, i);
    const pass = decoded.slice(i + 1);
    return Object.prototype.hasOwnProperty.call(this.o.users, user) && this.o.users[user] === pass;
  }

  private html(res: http.ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'text/html', Server: SERVER_HEADER });
    res.end(body);
  }

  private fault(res: http.ServerResponse, json: boolean, f: ODataFault): void {
    if (res.headersSent) return;
    if (json) {
      this.send(res, f.status, {
        'odata.error': { code: f.code, message: { lang: 'ru', value: f.message } },
      });
    } else {
      res.writeHead(f.status, {
        'Content-Type': 'application/xml;charset=utf-8',
        DataServiceVersion: '3.0',
        Server: SERVER_HEADER,
      });
      res.end(errorXml(f.code, f.message));
    }
  }

  private send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json;charset=utf-8',
      DataServiceVersion: '3.0',
      Server: SERVER_HEADER,
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  private sendXml(
    res: http.ServerResponse,
    status: number,
    xml: string,
    type = 'application/atom+xml;charset=utf-8',
  ): void {
    res.writeHead(status, { 'Content-Type': type, DataServiceVersion: '3.0', Server: SERVER_HEADER });
    res.end(xml);
  }

  private published(name: string): boolean {
    const info = this.o.store.sets.get(name);
    if (!info) return false;
    return !this.o.unpublished.has(info.def.name) && !this.o.unpublished.has(name);
  }

  private setInfo(name: string): SetInfo {
    const info = this.o.store.sets.get(name);
    if (!info || !this.published(name)) {
      throw new ODataFault(404, '8', `Тип сущности "${name}" не найден`);
    }
    return info;
  }

  private ctx(meta: MetaLevel): SerializeContext {
    return { store: this.o.store, meta, serviceRoot: this.serviceRoot };
  }

  private async route(
    method: string,
    resource: string,
    query: Map<string, string>,
    body: string | undefined,
    res: http.ServerResponse,
    json: boolean,
    meta: MetaLevel,
  ): Promise<void> {
    const store = this.o.store;
    if (resource === '') {
      const names = [...store.sets.keys()].filter((n) => this.published(n));
      if (json) return this.send(res, 200, serviceDocumentJson(this.serviceRoot, names));
      return this.sendXml(
        res,
        200,
        serviceDocumentXml(this.serviceRoot, names),
        'application/xml;charset=utf-8',
      );
    }
    if (resource === '$metadata') {
      const defs = [...new Set([...store.sets.values()].map((i) => i.def))];
      return this.sendXml(
        res,
        200,
        metadataXml(defs, (n) => this.published(n)),
        'application/xml;charset=utf-8',
      );
    }
    for (const k of query.keys()) {
      if (
        k.startsWith('$') &&
        ![
          '$format',
          '$filter',
          '$select',
          '$expand',
          '$orderby',
          '$top',
          '$skip',
          '$inlinecount',
          '$allowedOnly',
        ].includes(k)
      ) {
        throw new ODataFault(400, '14', `Ошибка при разборе опции запроса ${k}`);
      }
    }
    const parsed = parseResource(resource);
    const info = this.setInfo(parsed.set);
    const setName = parsed.set;

    if (parsed.key === undefined) {
      if (parsed.rest.length === 1 && parsed.rest[0] === '$count') {
        if (method !== 'GET') throw methodNotAllowed();
        const rows = this.filtered(setName, info, query);
        res.writeHead(200, {
          'Content-Type': 'text/plain;charset=utf-8',
          DataServiceVersion: '3.0',
          Server: SERVER_HEADER,
        });
        res.end(`\uFEFF${rows.length}`);
        return;
      }
      const fn = /^(SliceLast|SliceFirst)(?:\((.*)\))?$/.exec(parsed.rest[0] ?? '');
      if (fn && parsed.rest.length === 1 && info.def.kind === 'InformationRegister' && !info.table) {
        // The emulated registers are not periodic: both slices are every record, filtered by Condition.
        if (method !== 'GET') throw methodNotAllowed();
        // The guide writes inner quotes unescaped (Condition='X eq guid'…''); OData doubles them.
        const rawCond = /Condition='(.*)'$/.exec((fn[2] ?? '').trim())?.[1];
        const inParens =
          rawCond !== undefined && /''/.test(rawCond) && !/(^|[^'])'([^']|$)/.test(rawCond)
            ? rawCond.replace(/''/g, "'")
            : rawCond;
        const condition = inParens ?? query.get('Condition');
        const q = new Map(query);
        if (condition)
          q.set('$filter', query.get('$filter') ? `(${query.get('$filter')}) and (${condition})` : condition);
        return this.getCollection(setName, info, q, res, json, meta);
      }
      if (parsed.rest.length > 0) {
        if (/^[A-Za-z]+(\(.*\))?$/.test(parsed.rest[0] ?? ''))
          throw new ODataFault(400, '11', 'Метод не найден');
        throw new ODataFault(400, '6', 'Неверный URL');
      }
      if (method === 'GET') return this.getCollection(setName, info, query, res, json, meta);
      if (method === 'POST') {
        if (info.table)
          throw new ODataFault(400, '13', 'Создание строк табличных частей напрямую не поддерживается');
        const data = parseJsonBody(body);
        const rec = store.create(setName, data);
        const out = toJson(this.ctx(meta), setName, rec, parseSelect(info, undefined), {});
        if (info.def.kind === 'InformationRegister')
          return this.send(res, 200, {
            'odata.metadata': `${this.serviceRoot}$metadata#${setName}/@Element`,
            ...out,
          });
        // 1C sends the Cyrillic path as raw UTF-8 bytes; Node cannot put non-Latin-1 text in a
        // header, so the emulator sends the same URL percent-encoded (equivalent for clients).
        const location = encodeURI(this.serviceRoot + canonicalPath(setName, info, rec));
        return this.send(
          res,
          201,
          { 'odata.metadata': `${this.serviceRoot}$metadata#${setName}/@Element`, ...out },
          { Location: location },
        );
      }
      throw methodNotAllowed();
    }

    const keyString = this.keyString(info, parsed.key);
    const rec = info.table ? this.findRow(setName, parsed.key) : store.find(setName, keyString);
    if (parsed.rest.length > 0) {
      const [seg, ...more] = parsed.rest;
      const action = seg!.replace(/\(\)$/, '');
      if ((action === 'Post' || action === 'Unpost') && info.def.kind === 'Document' && !info.table) {
        if (method !== 'POST') throw methodNotAllowed();
        if (!rec) throw notFound(setName);
        if (action === 'Post') store.post(setName, keyString);
        else store.unpost(setName, keyString);
        res.writeHead(200, { DataServiceVersion: '3.0', Server: SERVER_HEADER, 'Content-Length': '0' });
        res.end();
        return;
      }
      if (method !== 'GET') throw methodNotAllowed();
      if (!rec) throw notFound(setName);
      return this.getThroughDot(info, rec, [seg!, ...more], res, meta);
    }
    if (method === 'GET') {
      if (!rec) throw notFound(setName);
      const select = parseSelect(info, splitList(query.get('$select')));
      // $expand is not supported for single-entity requests (1C guide 17.4.6.4): ignored.
      const out = toJson(this.ctx(meta), setName, rec, select, {});
      if (!json)
        return this.sendXml(
          res,
          200,
          '<?xml version="1.0" encoding="UTF-8"?>' + atomEntry(this.ctx(meta), setName, rec, out, true),
          'application/atom+xml;type=entry;charset=utf-8',
        );
      return this.send(res, 200, withMeta(meta, `${this.serviceRoot}$metadata#${setName}/@Element`, out));
    }
    if (info.table) throw new ODataFault(405, '19', 'Использованный HTTP-метод запрещен в данном контексте');
    if (method === 'PATCH' || method === 'PUT' || method === 'MERGE') {
      if (!rec) throw notFound(setName);
      const data = parseJsonBody(body);
      const updated = store.modify(setName, keyString, data);
      const out = toJson(this.ctx(meta), setName, updated, parseSelect(info, undefined), {});
      return this.send(res, 200, {
        'odata.metadata': `${this.serviceRoot}$metadata#${setName}/@Element`,
        ...out,
      });
    }
    if (method === 'DELETE') {
      if (!rec) throw notFound(setName);
      store.remove(setName, keyString);
      res.writeHead(204, { DataServiceVersion: '3.0', Server: SERVER_HEADER });
      res.end();
      return;
    }
    throw methodNotAllowed();
  }

  private keyString(info: SetInfo, key: Map<string, string>): string {
    if (info.table) return '';
    const def = info.def;
    if (def.kind !== 'InformationRegister') {
      const ref = key.get('Ref_Key') ?? key.get('');
      if (ref === undefined) throw new ODataFault(400, '7', 'Не хватает элемента ключа сущности');
      return ref.toLowerCase();
    }
    return def.key
      .map((k) => {
        const v = key.get(k);
        if (v === undefined) throw new ODataFault(400, '7', 'Не хватает элемента ключа сущности');
        return v.toLowerCase();
      })
      .join('|');
  }

  private findRow(setName: string, key: Map<string, string>): Rec | undefined {
    const ref = key.get('Ref_Key');
    const line = key.get('LineNumber');
    if (ref === undefined || line === undefined)
      throw new ODataFault(400, '7', 'Не хватает элемента ключа сущности');
    return this.o.store
      .rows(setName)
      .find((r) => String(r['Ref_Key']) === ref.toLowerCase() && String(r['LineNumber']) === line);
  }

  private scope(): EvalScope {
    const store = this.o.store;
    const member: EvalScope['member'] = (row, segs, setName) => {
      const info = store.sets.get(setName);
      if (!info) throw new ODataFault(400, '6', `Сегмент пути ${segs[0]} не найден!`);
      const [head, ...rest] = segs;
      const h = head!;
      const fields: FieldDef[] = info.table ? info.table.fields : info.def.fields;
      if (rest.length === 0) {
        const f = fields.find((x) => x.name === h);
        if (f?.composite) return { value: row[h], composite: { type: String(row[`${h}_Type`] ?? '') } };
        if (f || h in row || (info.table && (h === 'Ref_Key' || h === 'LineNumber'))) {
          if (f?.type === 'Edm.Int64' || h === 'LineNumber') return { value: Number(row[h]) };
          return { value: row[h] };
        }
        throw new ODataFault(400, '6', `Сегмент пути ${h} не найден!`);
      }
      const navField = fields.find((x) => navOf(x) === h);
      if (!navField) throw new ODataFault(400, '6', `Сегмент пути ${h} не найден!`);
      const target = store.find(navField.ref!, String(row[navField.name] ?? ''));
      if (!target) return { value: null };
      return member(target, rest, navField.ref!);
    };
    return {
      member,
      table: (row, segs, setName) => {
        const info = store.sets.get(setName);
        const name = segs[0] ?? '';
        if (!info || info.table || !info.def.tables.some((t) => t.name === name) || segs.length !== 1) {
          throw new ODataFault(400, '6', `Сегмент пути ${name} не найден!`);
        }
        return {
          rows: Array.isArray(row[name]) ? (row[name] as Rec[]) : [],
          setName: `${info.def.name}_${name}`,
        };
      },
      deref: (setName, ref) => (store.sets.get(setName) ? store.find(setName, String(ref ?? '')) : undefined),
    };
  }

  private filtered(setName: string, info: SetInfo, query: Map<string, string>): Rec[] {
    const rows = this.o.store.rows(setName);
    const f = query.get('$filter');
    if (f === undefined || f.trim() === '') return rows;
    let expr: Expr;
    try {
      expr = parseFilter(f);
    } catch (err) {
      if (err instanceof ODataFault) throw err;
      throw new ODataFault(400, '14', 'Ошибка при разборе опции запроса $filter');
    }
    // Like a database index: `Ref_Key eq guid'…' or …` on a reference set is a key lookup.
    // Rows are kept in the set's natural order so that results do not depend on the path taken.
    const keys = info.table || info.def.kind === 'InformationRegister' ? undefined : refKeys(expr);
    if (keys) {
      const wanted = new Set(keys);
      return rows.filter((r) => wanted.has(String(r['Ref_Key'])));
    }
    const scope = this.scope();
    return rows.filter((r) => evaluate(expr, r, setName, scope) === true);
  }

  private getCollection(
    setName: string,
    info: SetInfo,
    query: Map<string, string>,
    res: http.ServerResponse,
    json: boolean,
    meta: MetaLevel,
  ): void {
    const select = parseSelect(info, splitList(query.get('$select')));
    const expand = parseExpand(info, query.get('$expand'));
    let rows = this.filtered(setName, info, query);
    const orderby = query.get('$orderby');
    if (orderby) rows = this.sort(rows, setName, orderby);
    const inline = query.get('$inlinecount');
    if (inline !== undefined && inline !== 'allpages' && inline !== 'none') {
      throw new ODataFault(400, '14', 'Ошибка при разборе опции запроса $inlinecount');
    }
    const count = inline === 'allpages' ? rows.length : undefined;
    const skip = intOption(query, '$skip');
    const top = intOption(query, '$top');
    if (count === undefined || !this.o.inlinecountIgnoresPaging) {
      if (skip !== undefined) rows = rows.slice(skip);
      if (top !== undefined) rows = rows.slice(0, top);
    }
    const ctx = this.ctx(meta);
    const items = rows.map((r) => [r, toJson(ctx, setName, r, select, expand)] as [Rec, Rec]);
    if (!json) return this.sendXml(res, 200, atomFeed(ctx, setName, items, count));
    const out: Rec = {};
    if (meta !== 'none') out['odata.metadata'] = `${this.serviceRoot}$metadata#${setName}`;
    if (count !== undefined) out['odata.count'] = String(count);
    out['value'] = items.map(([, j]) => j);
    this.send(res, 200, out);
  }

  private sort(rows: Rec[], setName: string, orderby: string): Rec[] {
    const scope = this.scope();
    const keys = orderby.split(',').map((part) => {
      const m = /^\s*(\S+)(?:\s+(asc|desc))?\s*$/i.exec(part);
      if (!m) throw new ODataFault(400, '14', 'Ошибка при разборе опции запроса $orderby');
      return { segs: m[1]!.split('/'), desc: (m[2] ?? '').toLowerCase() === 'desc' };
    });
    // Validate names before sorting (an unknown name is echoed, as 1C does).
    if (rows[0]) for (const k of keys) scope.member(rows[0], k.segs, setName);
    const val = (r: Rec, segs: string[]): unknown => scope.member(r, segs, setName).value;
    return [...rows].sort((a, b) => {
      for (const k of keys) {
        const c = cmp(val(a, k.segs), val(b, k.segs));
        if (c !== 0) return k.desc ? -c : c;
      }
      return 0;
    });
  }

  private getThroughDot(
    info: SetInfo,
    rec: Rec,
    segs: string[],
    res: http.ServerResponse,
    meta: MetaLevel,
  ): void {
    const fields = info.table ? info.table.fields : info.def.fields;
    const [head, ...rest] = segs;
    const navField = fields.find((f) => navOf(f) === head);
    if (navField) {
      const target = this.o.store.find(navField.ref!, String(rec[navField.name] ?? ''));
      if (!target) throw notFound(navField.ref!);
      const tInfo = this.o.store.sets.get(navField.ref!)!;
      if (rest.length === 0) {
        const out = toJson(this.ctx(meta), navField.ref!, target, parseSelect(tInfo, undefined), {});
        return this.send(
          res,
          200,
          withMeta(meta, `${this.serviceRoot}$metadata#${navField.ref}/@Element`, out),
        );
      }
      return this.getThroughDot(tInfo, target, rest, res, meta);
    }
    if (rest.length === 0 && head !== undefined && (fields.some((f) => f.name === head) || head in rec)) {
      const f = fields.find((x) => x.name === head);
      return this.send(
        res,
        200,
        withMeta(meta, `${this.serviceRoot}$metadata#${f?.type ?? 'Edm.String'}`, { value: rec[head] }),
      );
    }
    throw new ODataFault(400, '6', `Сегмент пути ${head ?? ''} не найден!`);
  }
}

/** The GUIDs of a filter made only of `Ref_Key eq guid'…'` joined by `or`, else undefined. */
function refKeys(e: Expr): string[] | undefined {
  if (e.k === 'bin' && e.op === 'or') {
    const l = refKeys(e.l);
    const r = l && refKeys(e.r);
    return l && r ? [...l, ...r] : undefined;
  }
  if (
    e.k === 'bin' &&
    e.op === 'eq' &&
    e.l.k === 'path' &&
    e.l.segs.length === 1 &&
    e.l.segs[0] === 'Ref_Key'
  ) {
    return e.r.k === 'lit' && e.r.t === 'guid' ? [String(e.r.v)] : undefined;
  }
  return undefined;
}

function withMeta(meta: MetaLevel, url: string, out: Rec): Rec {
  return meta === 'none' ? out : { 'odata.metadata': url, ...out };
}

function methodNotAllowed(): ODataFault {
  return new ODataFault(405, '19', 'Использованный HTTP-метод запрещен в данном контексте');
}

function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function intOption(query: Map<string, string>, name: string): number | undefined {
  const v = query.get(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new ODataFault(400, '14', `Ошибка при разборе опции запроса ${name}`);
  return Number(v.trim());
}

function splitList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Query string as 1C reads it: `%XX` decoded as UTF-8, `+` NOT a space. */
export function parseQuery(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(k);
      value = decodeURIComponent(v);
    } catch {
      throw new ODataFault(400, '14', `Ошибка при разборе опции запроса ${k}`);
    }
    out.set(key === 'allowedOnly' ? '$allowedOnly' : key, value);
  }
  return out;
}

interface ParsedResource {
  set: string;
  key?: Map<string, string>;
  rest: string[];
}

/** `Set`, `Set(guid'…')`, `Set(K=V,…)`, then `/segments`. Quotes may contain `/`, `(`, `)`. */
export function parseResource(resource: string): ParsedResource {
  let i = 0;
  while (i < resource.length && resource[i] !== '(' && resource[i] !== '/') i++;
  const set = resource.slice(0, i);
  let key: Map<string, string> | undefined;
  if (resource[i] === '(') {
    let j = i + 1;
    let inQuote = false;
    for (; j < resource.length; j++) {
      const ch = resource[j];
      if (ch === "'") {
        if (inQuote && resource[j + 1] === "'") {
          j++;
          continue;
        }
        inQuote = !inQuote;
      } else if (ch === ')' && !inQuote) break;
    }
    if (j >= resource.length) throw new ODataFault(400, '6', 'Неверный URL');
    key = parseKey(resource.slice(i + 1, j));
    i = j + 1;
  }
  const rest = resource
    .slice(i)
    .split('/')
    .filter((s) => s.length > 0);
  return { set, key, rest };
}

function parseKeyValue(v: string): string {
  const s = v.trim();
  const m = /^(guid|datetime)'(.*)'$/i.exec(s);
  if (m) {
    const kind = m[1]!.toLowerCase();
    const inner = m[2]!;
    if (
      kind === 'guid' &&
      !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(inner)
    ) {
      throw new ODataFault(400, '1', `Не удалось разобрать строку '${inner}' как значение типа Edm.Guid!`);
    }
    return kind === 'guid' ? inner.toLowerCase() : inner;
  }
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

function parseKey(inner: string): Map<string, string> {
  const parts: string[] = [];
  let cur = '';
  let inQuote = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === "'") inQuote = !inQuote;
    if (ch === ',' && !inQuote) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  const key = new Map<string, string>();
  if (parts.length === 1 && !/^[\p{L}_][\p{L}\p{N}_]*\s*=/u.test(parts[0]!)) {
    key.set('Ref_Key', parseKeyValue(parts[0]!));
    return key;
  }
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) throw new ODataFault(400, '7', 'Не хватает элемента ключа сущности');
    key.set(p.slice(0, eq).trim(), parseKeyValue(p.slice(eq + 1)));
  }
  return key;
}

function parseJsonBody(body: string | undefined): Rec {
  const text = (body ?? '').replace(/^\uFEFF/, '');
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ODataFault(
      500,
      '-1',
      'Произошла внутренняя ошибка OData сервиса. Непредвиденный символ при чтении JSON',
    );
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new ODataFault(400, '2', 'Неверный формат запроса');
  }
  return v as Rec;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024 * 1024) {
        reject(new ODataFault(413, '2', 'Неверный формат запроса: слишком большое тело'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
