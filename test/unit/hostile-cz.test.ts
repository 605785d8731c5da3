/**
 * Hostile True API answers through lib/cz: the True API emulator (real GOST signatures) behind a
 * hostile proxy that answers JSON where text is expected and the reverse, XML error bodies, empty
 * bodies, 406, truncated and garbled bodies, wrong types, huge arrays, unknown fields, a slow drip,
 * resets and silence. Every call (authentication, sending a document, doc/list, doc/{id}/info,
 * cises/info, balance) either succeeds or fails with a catchable error whose code names the cause;
 * an answer that cannot be a document id is never taken for one (it is "uncertain": the journal
 * looks the document up before sending again); no unhandled rejection.
 */
import assert from 'node:assert/strict';
import { CzClient } from '../../lib/cz/client';
import { OpensslSigner } from '../../lib/signing/openssl';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import {
  assertCatchable,
  count,
  forSeeds,
  printTally,
  Rand,
  ROUNDS,
  watchUnhandled,
} from '../support/hostile';
import {
  allowedCodes,
  CZ_EXPECT as ALLOWED,
  MUST_FAIL,
  MUST_PASS,
  pickMutation,
  spoilCase,
  startHostileProxy,
  type HostileProxy,
} from '../support/hostile-http';

const UNCERTAIN = 'CZ_SEND_UNCERTAIN';

interface Op {
  name: string;
  /** true when the answer is JSON (text answers survive some spoilings unchanged) */
  json: boolean;
  run(client: CzClient): Promise<unknown>;
}

describe('hostile inputs: True API answers through lib/cz (True API emulator behind a hostile proxy)', function () {
  this.timeout(600000);
  let bed: CzBed;
  let proxy: HostileProxy;
  let shared: CzClient;
  let docId = '';
  let codes: string[] = [];
  const unhandled = watchUnhandled();

  const client = (): CzClient =>
    new CzClient({
      baseUrl: proxy.url,
      signer: new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath }),
      timeoutMs: 300,
      retry: { retries: 1, baseMs: 5, maxMs: 10 },
      visibilityWaitMs: 0,
    });

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 20 });
    proxy = await startHostileProxy(bed.emu.url, new Rand(2));
    shared = client();
    codes = bed.codes({ pg: 'lp' }).slice(0, 3);
    docId = await shared.createDocument({
      type: 'LP_INTRODUCE_GOODS',
      productGroup: 'lp',
      body: { document_num: 'H-0' },
    });
  });
  after(async () => {
    unhandled.stop();
    shared?.close();
    await proxy?.stop();
    await bed?.close();
    printTally('hostile True API answers (lib/cz)', ['cz:']);
  });

  const OPS: Op[] = [
    { name: 'authenticate', json: true, run: (c) => c.authenticate() },
    {
      name: 'createDocument',
      json: false,
      run: (c) =>
        c.createDocument({ type: 'LP_INTRODUCE_GOODS', productGroup: 'lp', body: { document_num: 'H-1' } }),
    },
    {
      name: 'listDocuments',
      json: true,
      run: (c) =>
        c.listDocuments({
          pg: 'lp',
          limit: 5,
          dateFrom: new Date(Date.now() - 86400000),
          dateTo: new Date(Date.now() + 86400000),
        }),
    },
    { name: 'documentInfo', json: true, run: (c) => c.documentInfo(docId, { pg: 'lp', waitVisibleMs: 0 }) },
    { name: 'cisesInfo', json: true, run: (c) => c.cisesInfo(codes) },
    { name: 'balance', json: true, run: (c) => c.balance() },
  ];

  it('a document id must look like one: HTML, JSON, "OK", a cut id or nothing after a send is uncertain, not an id', async () => {
    const c = client();
    try {
      for (const m of ['html', 'jsonForText', 'textForJson', 'empty', 'garbage', 'truncate'] as const) {
        for (let i = 0; i < 6; i++) {
          proxy.rand = new Rand(100 + i);
          proxy.choose = (req) => (req.path.includes('documents/create') ? m : 'pass');
          await assert.rejects(
            c.createDocument({
              type: 'LP_INTRODUCE_GOODS',
              productGroup: 'lp',
              body: { document_num: `U-${i}` },
            }),
            (err: unknown) => {
              assertCatchable(err, {
                codes: [UNCERTAIN, 'CZ_SERVER_ERROR', 'CZ_BAD_REQUEST', 'CZ_NOT_FOUND'],
              });
              return true;
            },
            `${m} #${i}`,
          );
        }
      }
    } finally {
      proxy.choose = () => 'pass';
      c.close();
    }
  });

  it('an answer dripping one byte at a time is cut off at the timeout (CZ_TIMEOUT)', async () => {
    const c = client();
    proxy.choose = (req) => (req.path.includes('doc/list') ? 'slowDrip' : 'pass');
    const t0 = Date.now();
    try {
      await assert.rejects(c.listDocuments({ pg: 'lp' }), (err: unknown) => {
        assertCatchable(err, { codes: ['CZ_TIMEOUT'] });
        return true;
      });
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      proxy.choose = () => 'pass';
      c.close();
    }
  });

  it('every call succeeds or fails with a catchable error naming the cause; spoiled answers are never accepted', async () => {
    await forSeeds(async (seed, r) => {
      proxy.rand = new Rand(seed + 7);
      for (let i = 0; i < 150 * ROUNDS; i++) {
        const op = r.pick(OPS);
        const mutation = pickMutation(r);
        // authentication and sending sign with GOST: a fresh client (and its sign-in) now and then
        const c = op.name === 'authenticate' || r.bool(0.1) ? client() : shared;
        const only = r.bool(0.3) ? r.int(0, 2) : -1;
        const context = spoilCase(proxy, op.name, mutation, only, i);
        count(`cz:${mutation}`);
        let error: unknown;
        let result: unknown;
        try {
          result = await op.run(c);
        } catch (err) {
          error = err;
        } finally {
          proxy.choose = () => 'pass';
          if (c !== shared) c.close();
        }
        if (error !== undefined) {
          const allowed = allowedCodes(ALLOWED, mutation, only);
          // A spoiled sign-in answer is AUTH_FAILED (so a sender never takes it for a refusal of its
          // document); the cause it wraps is what must name the spoiled answer.
          const { code } = assertCatchable(error, { context });
          const named = code === 'AUTH_FAILED' ? (error as Error).cause : error;
          assertCatchable(named, { codes: allowed, context: `${context}, ${code}` });
        }
        if (MUST_PASS.has(mutation)) {
          assert.equal(error, undefined, `a tolerable answer was refused: ${context}: ${String(error)}`);
        }
        if (only < 0 && MUST_FAIL.has(mutation) && (op.json || mutation !== 'textForJson')) {
          assert.ok(
            error !== undefined,
            `a spoiled answer was accepted: ${context}: ${JSON.stringify(result)?.slice(0, 200)}`,
          );
        }
      }
    });
    assert.deepEqual(unhandled.errors, [], 'no unhandled rejection or uncaught exception');
  });
});
