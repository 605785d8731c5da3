/**
 * Every admin endpoint of the pack needs the editor's permission when adminAuth is on: one
 * table-driven test against a real Node-RED (the pack installed from `npm pack`).
 *
 * The endpoints are found by reading the sources (every `RED.httpAdmin.<method>('/…'` in nodes/
 * and plugins/), so a new endpoint is covered the day it is written: each must be guarded by
 * `RED.auth.needsPermission`, and is called
 * - without a token → 401, and the work behind it is not done (the 1C / True API stand-in sees no
 *   request);
 * - with the token of a user who lacks its permission (a read-only editor for `.write`, a user of
 *   other permissions for `.read`) → 401;
 * - with the token of a user who has exactly that permission (and with `*`) → a real answer;
 * - anonymously on an editor whose anonymous users may read (`adminAuth.default`): `.read`
 *   endpoints answer, `.write` endpoints refuse.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { demoWorld } from '../../lib/emulators/demo-data';
import { ROOT, startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { login, passwordHash } from '../support/harden-nr';
import { onecMessage } from '../support/onec-fixtures';

interface Endpoint {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  permission: string;
  file: string;
}

/** Every `RED.httpAdmin` route of the pack's sources, with the permission it asks for. */
function discover(): { endpoints: Endpoint[]; unguarded: string[] } {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(ROOT, 'nodes'));
  walk(path.join(ROOT, 'plugins'));
  const endpoints: Endpoint[] = [];
  const unguarded: string[] = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const re = /RED\.httpAdmin\.(get|post|put|delete)\(\s*(['"`])([^'"`]+)\2\s*,([\s\S]{0,200})/g;
    for (const m of text.matchAll(re)) {
      const guard = /^\s*RED\.auth\.needsPermission\(\s*['"]([^'"]+)['"]\s*\)/.exec(m[4] ?? '');
      const rel = path.relative(ROOT, f);
      if (!guard) unguarded.push(`${m[1]} ${m[3]} (${rel})`);
      else
        endpoints.push({
          method: m[1] as Endpoint['method'],
          path: m[3] as string,
          permission: guard[1] as string,
          file: rel,
        });
    }
  }
  return { endpoints, unguarded };
}

/** A stand-in for 1C and True API that counts what reaches it. */
async function sentinel(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    if ((req.url ?? '').includes('/odata/standard.odata/')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          'odata.metadata': 'x',
          value: [{ name: 'Catalog_Организации', url: 'Catalog_Организации' }],
        }),
      );
    } else {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error_message: 'Удаленная система недоступна' }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const world = demoWorld();

/** What an authorised call sends, and what a real answer looks like, per known endpoint. */
function table(
  stub: string,
): Record<string, { body?: unknown; check(status: number, text: string): void; remote?: boolean }> {
  const json = (status: number, text: string): Record<string, unknown> => {
    assert.equal(status, 200, text.slice(0, 300));
    return JSON.parse(text) as Record<string, unknown>;
  };
  return {
    'get /znakflow/journal': { check: (s, t) => assert.ok(Array.isArray(json(s, t)['journals'])) },
    // Prometheus text (empty while no connection is deployed)
    'get /znakflow/metrics': {
      check: (s, t) => assert.ok(s === 200 && !t.startsWith('{'), `${s} ${t.slice(0, 100)}`),
    },
    'get /znakflow/onec-read/presets': { check: (s, t) => assert.ok(json(s, t)['presets']) },
    'post /znakflow/onec-connection/test': {
      remote: true,
      body: { url: `${stub}/base`, username: 'odata', password: 'stub-pass-1' },
      check: (s, t) => assert.equal(json(s, t)['ok'], true, t),
    },
    'post /znakflow/cz-connection/test': {
      remote: true,
      body: {
        config: {
          environment: 'custom',
          url: stub,
          participantInn: world.organisation.inn,
          signer: 'openssl',
          certPath: '/nonexistent.pem',
          keyPath: '/nonexistent.key',
        },
        credentials: {},
      },
      check: (s, t) => assert.ok('ok' in json(s, t), t),
    },
    'post /znakflow/cz-map-document/preview': {
      body: {
        config: { documentType: 'auto' },
        msg: JSON.stringify(onecMessage(world, world.documents[1] as (typeof world.documents)[number])),
      },
      check: (s, t) => assert.equal(typeof json(s, t)['valid'], 'boolean', t),
    },
  };
}

async function call(
  rt: Runtime,
  e: Endpoint,
  token?: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const r = await fetch(`${rt.url}${e.path}`, {
    method: e.method.toUpperCase(),
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(e.method === 'get' ? {} : { 'Content-Type': 'application/json' }),
    },
    body: e.method === 'get' ? undefined : JSON.stringify(body ?? {}),
  });
  return { status: r.status, text: await r.text() };
}

describe('e2e: every admin endpoint of the pack needs the editor’s permission (adminAuth)', function () {
  this.timeout(300000);
  const { endpoints, unguarded } = discover();
  const permissions = [...new Set(endpoints.map((e) => e.permission))];
  let rt: Runtime;
  let anonRt: Runtime;
  let stub: Awaited<ReturnType<typeof sentinel>>;

  before(async () => {
    stub = await sentinel();
    const hash = passwordHash();
    const users = [
      { username: 'admin', password: hash, permissions: '*' },
      { username: 'viewer', password: hash, permissions: 'read' },
      { username: 'flows-only', password: hash, permissions: ['flows.read', 'flows.write'] },
      ...permissions.map((p) => ({ username: `only-${p}`, password: hash, permissions: [p] })),
    ];
    [rt, anonRt] = await Promise.all([
      startRuntime({ settingsJs: JSON.stringify({ adminAuth: { type: 'credentials', users } }) }),
      startRuntime({
        settingsJs: JSON.stringify({
          adminAuth: { type: 'credentials', users, default: { permissions: 'read' } },
        }),
      }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([rt?.stop(), anonRt?.stop(), stub?.close()]);
  });

  it('finds the endpoints in the sources, every one guarded by RED.auth.needsPermission', () => {
    assert.deepEqual(unguarded, [], 'admin endpoints without a permission check');
    assert.ok(endpoints.length >= 6, `endpoints: ${endpoints.map((e) => e.path).join(', ')}`);
    for (const e of endpoints) {
      assert.match(e.path, /^\/znakflow\//, `${e.path}: the pack's endpoints live under /znakflow/`);
      assert.match(e.permission, /^[\w-]+\.(read|write)$/, `${e.path}: ${e.permission}`);
      if (e.method !== 'get')
        assert.match(e.permission, /\.write$/, `${e.path} changes or tests something: a .write permission`);
    }
  });

  it('refuses callers without a token or without the permission, and does no work for them', async () => {
    const rows = table(stub.url);
    for (const e of endpoints) {
      const row = rows[`${e.method} ${e.path}`];
      const before = stub.hits();
      const none = await call(rt, e, undefined, row?.body);
      assert.equal(none.status, 401, `${e.method} ${e.path} without a token: ${none.status}`);
      const lacking = e.permission.endsWith('.write') ? ['viewer', 'flows-only'] : ['flows-only'];
      for (const p of permissions) if (p !== e.permission) lacking.push(`only-${p}`);
      for (const user of lacking) {
        const scope =
          user === 'viewer' ? 'read' : user === 'flows-only' ? 'flows.read' : user.slice('only-'.length);
        const r = await call(rt, e, await login(rt, user, scope), row?.body);
        assert.equal(r.status, 401, `${e.method} ${e.path} for ${user}: ${r.status}`);
      }
      const anon = await call(anonRt, e, undefined, row?.body);
      if (e.permission.endsWith('.write'))
        assert.equal(anon.status, 401, `${e.method} ${e.path} anonymous with default read: ${anon.status}`);
      if (row?.remote)
        assert.equal(stub.hits(), before, `${e.path}: the remote system was asked for a refused caller`);
    }
  });

  it('answers a user with exactly that permission, and an administrator', async () => {
    const rows = table(stub.url);
    const seen: string[] = [];
    for (const e of endpoints) {
      const row = rows[`${e.method} ${e.path}`];
      for (const [user, scope] of [
        [`only-${e.permission}`, e.permission],
        ['admin', '*'],
      ] as const) {
        const before = stub.hits();
        const r = await call(rt, e, await login(rt, user, scope), row?.body);
        if (row) row.check(r.status, r.text);
        else
          assert.ok(
            r.status !== 401 && r.status !== 403 && r.status < 500,
            `${e.method} ${e.path} for ${user}: ${r.status} ${r.text.slice(0, 200)}`,
          );
        if (row?.remote) assert.ok(stub.hits() > before, `${e.path}: the authorised call did its work`);
      }
      if (e.permission.endsWith('.read')) {
        const anon = await call(anonRt, e, undefined, row?.body);
        if (row) row.check(anon.status, anon.text);
        else assert.equal(anon.status, 200);
      }
      seen.push(`${e.method.toUpperCase()} ${e.path} (${e.permission})`);
    }
    console.log(
      `      access: ${seen.length} endpoints × (no token, ${permissions.length + 2} users, anonymous reader): ${seen.join(', ')}`,
    );
  });
});
