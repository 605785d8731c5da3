/**
 * TLS for signing services: a REAL HTTPS signing service on 127.0.0.1 with a certificate issued by a
 * throw-away CA made here with `openssl req`/`openssl x509` (no key material in the repository).
 * Without `httpCaFile` the signer refuses the server with a clear TLS error naming the field; with
 * the CA file it signs (generic and CryptoPro DSS presets). And no source file can switch
 * certificate verification off.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { completeInn } from '../../lib/codes/inn';
import { czConnectionSchema } from '../../lib/cz/settings';
import { isZnakFlowError, type ZnakFlowError } from '../../lib/errors';
import { HttpSigner } from '../../lib/signing/http';
import { createSigner } from '../../lib/signing/index';
import { OpensslSigner } from '../../lib/signing/openssl';
import { makeFixtures, opensslVerify, requireGost, type GostFixtures } from '../support/gost';
import { makeTlsPki } from '../support/tls';

const ROOT = path.resolve(__dirname, '../..');

function rejectsWith(p: Promise<unknown>, code: string): Promise<ZnakFlowError> {
  return p.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => {
      assert.ok(isZnakFlowError(err), String(err));
      assert.equal(err.code, code, err.message);
      return err;
    },
  );
}

describe('signing: TLS of signing services (httpCaFile)', function () {
  this.timeout(60000);
  let fx: GostFixtures;
  let dir: string;
  let pki: ReturnType<typeof makeTlsPki>;
  let server: https.Server;
  let base: string;
  let calls = 0;

  before(async function () {
    await requireGost(this);
    fx = await makeFixtures({ orgInn: completeInn('770812345'), buyerInn: completeInn('502712340') });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-sign-tls-'));
    try {
      pki = makeTlsPki(dir);
    } catch (err) {
      if (process.env['CI']) throw err;
      console.log(`      skipped: openssl cannot make a test CA (${String(err)})`);
      this.skip();
    }
    const signer = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
    server = https.createServer(
      { key: fs.readFileSync(pki.serverKey), cert: fs.readFileSync(pki.serverCert) },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          void (async () => {
            calls++;
            const raw = Buffer.concat(chunks).toString('utf8');
            const send = (status: number, body: unknown): void => {
              res.writeHead(status, { 'Content-Type': 'application/json' });
              res.end(JSON.stringify(body));
            };
            if (req.url === '/sign') {
              const b = JSON.parse(raw) as { data: string; detached: boolean };
              const sig = await signer.sign(
                Buffer.from(b.data, 'base64'),
                b.detached ? 'detached' : 'attached',
              );
              return send(200, { signature: sig });
            }
            if (req.url === '/dss/STS/oauth/token')
              return send(200, { access_token: 'tls-token', expires_in: 600 });
            if (req.url === '/dss/SignServer/rest/api/documents') {
              if (req.headers.authorization !== 'Bearer tls-token') return send(401, {});
              const b = JSON.parse(raw) as {
                Content: string;
                Signature: { Parameters: { IsDetached: string } };
              };
              const mode = b.Signature.Parameters.IsDetached === 'True' ? 'detached' : 'attached';
              return send(200, await signer.sign(Buffer.from(b.Content, 'base64'), mode));
            }
            send(404, {});
          })().catch(() => send500(res));
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  function send500(res: import('node:http').ServerResponse): void {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }

  after(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    fx?.cleanup();
  });

  it('without the CA file: a clear TLS error naming httpCaFile, in Russian and English; nothing signed', async () => {
    const before = calls;
    for (const s of [
      new HttpSigner({ url: `${base}/sign` }),
      new HttpSigner({ preset: 'dss', url: `${base}/dss`, username: 'u', password: 'p' }),
    ]) {
      const err = await rejectsWith(s.sign(Buffer.from('doc'), 'detached'), 'SIGNER_TLS');
      assert.equal(err.field, 'httpCaFile');
      assert.match(err.message, /^httpCaFile: /);
      assert.match(err.ru, /TLS/);
      assert.match(err.en, /TLS verification/);
      assert.match(err.message, /self.signed|issuer|certificate/i, 'the TLS reason is kept');
      s.close();
    }
    assert.equal(calls, before, 'no request reached the handler');
  });

  it('with the CA file (added to the default CAs): generic and DSS sign over https', async () => {
    const doc = Buffer.from('{"документ":1}');
    const generic = new HttpSigner({ url: `${base}/sign`, caFile: pki.caCert });
    const det = await generic.sign(doc, 'detached');
    assert.ok((await opensslVerify(det, fx.ca.certPath, doc)).ok);
    const dss = new HttpSigner({
      preset: 'dss',
      url: `${base}/dss`,
      username: 'u',
      password: 'p',
      caFile: pki.caCert,
    });
    const att = await dss.sign(Buffer.from('CHALLENGE'), 'attached');
    const v = await opensslVerify(att, fx.ca.certPath);
    assert.ok(v.ok);
    assert.equal(v.content.toString(), 'CHALLENGE');
    generic.close();
    dss.close();
    // the CA of another server does not make this one trusted
    const other = new HttpSigner({ url: `${base}/sign`, caFile: fx.ca.certPath });
    assert.equal((await rejectsWith(other.sign(doc, 'detached'), 'SIGNER_TLS')).field, 'httpCaFile');
    other.close();
  });

  it('cz-connection settings pass httpCaFile through to the signer', async () => {
    const settings = czConnectionSchema.parse({
      participantInn: completeInn('770812345'),
      signer: 'http',
      httpUrl: `${base}/sign`,
      httpCaFile: ` ${pki.caCert} `,
    });
    assert.equal(settings.httpCaFile, pki.caCert);
    const s = createSigner(settings);
    const doc = Buffer.from('x');
    assert.ok((await opensslVerify(await s.sign(doc, 'detached'), fx.ca.certPath, doc)).ok);
    s.close();
    const without = createSigner({ ...settings, httpCaFile: undefined });
    await rejectsWith(without.sign(doc, 'detached'), 'SIGNER_TLS');
    without.close();
  });

  it('a missing, unreadable or non-PEM CA file is a config error naming httpCaFile (ru+en)', () => {
    const notPem = path.join(dir, 'not-pem.der');
    fs.writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x00]));
    const cases: Array<[string, RegExp, RegExp]> = [
      [path.join(dir, 'missing.pem'), /не удалось прочитать/, /cannot be read/],
      [dir, /не удалось прочитать/, /cannot be read/],
      [notPem, /PEM/, /no PEM certificate/],
    ];
    for (const [file, ru, en] of cases) {
      assert.throws(
        () => createSigner({ signer: 'http', httpUrl: 'https://127.0.0.1:1/sign', httpCaFile: file }),
        (err: unknown) => {
          assert.ok(isZnakFlowError(err));
          assert.equal(err.code, 'SIGNER_CA_FILE');
          assert.equal(err.field, 'httpCaFile');
          assert.match(err.message, /^httpCaFile: файл ЦС .* \/ CA file /);
          assert.match(err.ru, ru);
          assert.match(err.en, en);
          return true;
        },
      );
    }
  });
});

describe('TLS verification is never switched off (source scan)', () => {
  const FORBIDDEN = [
    /rejectUnauthorized\s*:\s*(false|0|!1)/,
    /NODE_TLS_REJECT_UNAUTHORIZED/,
    /checkServerIdentity\s*:/,
  ];

  function sources(dirName: string): string[] {
    const out: string[] = [];
    const walk = (d: string): void => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) {
          if (e.name !== 'node_modules') walk(p);
        } else if (/\.(ts|js|mjs|cjs|html)$/.test(e.name)) out.push(p);
      }
    };
    walk(path.join(ROOT, dirName));
    return out;
  }

  it('no file in lib/, nodes/ or plugins/ sets rejectUnauthorized: false or touches NODE_TLS_REJECT_UNAUTHORIZED', () => {
    // the patterns do catch what they are for
    for (const sample of [
      'new https.Agent({ rejectUnauthorized: false })',
      "process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0'",
      'tls.connect({ checkServerIdentity: () => undefined })',
    ])
      assert.ok(
        FORBIDDEN.some((re) => re.test(sample)),
        sample,
      );
    const files = ['lib', 'nodes', 'plugins'].flatMap(sources);
    assert.ok(files.length > 50, `only ${files.length} source files found`);
    const hits = files.flatMap((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return FORBIDDEN.filter((re) => re.test(text)).map((re) => `${path.relative(ROOT, f)}: ${String(re)}`);
    });
    assert.deepEqual(hits, []);
    console.log(`      scanned ${files.length} source files of lib/, nodes/, plugins/: no TLS off switch`);
  });
});
