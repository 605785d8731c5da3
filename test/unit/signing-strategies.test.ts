/**
 * The `command`, `http` and `presigned` signers with real GOST signatures. CryptoPro and DSS are
 * proprietary and not installable here, so the tools on the other side of these signers are small
 * stand-ins that accept exactly the documented command lines / HTTP calls and sign with OpenSSL: what
 * is under test is our side (argv built from the presets, temp files, output normalisation, PIN
 * masking, DSS token handling), checked against real signatures with `openssl cms -verify`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { completeInn } from '../../lib/codes/inn';
import { isZnakFlowError } from '../../lib/errors';
import { redact } from '../../lib/redact';
import { parseCms } from '../../lib/signing/cms';
import { CommandSigner, COMMAND_PRESETS, parseArgsTemplate } from '../../lib/signing/command';
import { HttpSigner } from '../../lib/signing/http';
import { createSigner } from '../../lib/signing/index';
import { OpensslSigner } from '../../lib/signing/openssl';
import { PresignedSigner } from '../../lib/signing/presigned';
import { makeFixtures, opensslVerify, requireGost, type GostFixtures } from '../support/gost';

const ORG = completeInn('770812345');
const THUMB = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const PIN = 'Secret-PIN-4711';

const FAKE_CRYPTCP = `#!/bin/bash
# Stand-in for CryptoPro cryptcp: accepts the cryptcp command line, signs with OpenSSL.
printf '%s\n' "$@" > "$ARGV_LOG"
detached=0; der=0; thumb=""; pin=""; files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -sign|-nochain|-cadesbes) ;;
    -thumbprint) thumb="$2"; shift ;;
    -pin) pin="$2"; shift ;;
    -der) der=1 ;;
    -detached) detached=1 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
[ "$thumb" = "$EXPECT_THUMB" ] || { echo "Certificate not found: $thumb [ErrorCode: 0x80092004]" >&2; exit 1; }
[ "$pin" = "$EXPECT_PIN" ] || { echo "Wrong PIN '$pin' for container [ErrorCode: 0x8010006b]" >&2; exit 1; }
nd=-nodetach; [ $detached = 1 ] && nd=
fmt=PEM; [ $der = 1 ] && fmt=DER
openssl cms -sign -engine gost -binary -cades -nosmimecap -md md_gost12_256 -signer "$SIGNER_CERT" -inkey "$SIGNER_KEY" $nd -in "\${files[0]}" -out "\${files[1]}" -outform $fmt 2>/dev/null || exit 3
echo "Signed message is created."
echo "[ErrorCode: 0x00000000]"
`;

const FAKE_CSPTEST = `#!/bin/bash
# Stand-in for CryptoPro csptest -sfsign: accepts its command line, signs with OpenSSL, base64 output.
detached=0; in=""; out=""; my=""; pw=""; strict=0
while [ $# -gt 0 ]; do
  case "$1" in
    -sfsign|-sign|-base64|-add|-addsigtime) ;;
    -cades_strict) strict=1 ;;
    -detached) detached=1 ;;
    -in) in="$2"; shift ;;
    -out) out="$2"; shift ;;
    -my) my="$2"; shift ;;
    -password) pw="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$my" = "$EXPECT_THUMB" ] && [ "$pw" = "$EXPECT_PIN" ] && [ $strict = 1 ] || { echo "bad call" >&2; exit 1; }
nd=-nodetach; [ $detached = 1 ] && nd=
openssl cms -sign -engine gost -binary -cades -nosmimecap -md md_gost12_256 -signer "$SIGNER_CERT" -inkey "$SIGNER_KEY" $nd -in "$in" -outform DER 2>/dev/null | base64 > "$out"
`;

/**
 * Stand-in for any signing tool: records its argv (NUL-separated) and the exact bytes it was given
 * (from the {in} file or from stdin), then signs them with OpenSSL (to the {out} file or stdout).
 */
const FAKE_RECORDER = `#!/bin/bash
printf '%s\\0' "$@" > "$ARGV_LOG"
in=""; out=""; nd=-nodetach
while [ $# -gt 0 ]; do
  case "$1" in
    -in) in="$2"; shift ;;
    -out) out="$2"; shift ;;
    -detached) nd= ;;
    -thumb|-pin) shift ;;
    *) echo "unexpected argument" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$in" ]; then cp -- "$in" "$DATA_LOG"; else cat > "$DATA_LOG"; fi
sign() { openssl cms -sign -engine gost -binary -cades -nosmimecap -md md_gost12_256 -signer "$SIGNER_CERT" -inkey "$SIGNER_KEY" $nd -in "$DATA_LOG" -outform DER 2>/dev/null; }
if [ -n "$out" ]; then sign > "$out"; else sign; fi
`;

describe('signing: command, http (DSS) and presigned signers', function () {
  this.timeout(60000);
  let fx: GostFixtures;
  let bin: string;
  let env: Record<string, string>;

  before(async function () {
    await requireGost(this);
    fx = await makeFixtures({ orgInn: ORG, buyerInn: completeInn('502712340') });
    bin = path.join(fx.dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'cryptcp'), FAKE_CRYPTCP, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'csptest'), FAKE_CSPTEST, { mode: 0o755 });
    env = {
      SIGNER_CERT: fx.org.certPath,
      SIGNER_KEY: fx.org.keyPath,
      EXPECT_THUMB: THUMB,
      EXPECT_PIN: PIN,
      ARGV_LOG: path.join(fx.dir, 'argv.log'),
    };
  });
  after(() => fx?.cleanup());

  describe('command', () => {
    it('cryptcp preset: builds the documented command line, attached and detached, DER output', async () => {
      const s = new CommandSigner({
        preset: 'cryptcp',
        program: path.join(bin, 'cryptcp'),
        thumbprint: THUMB,
        pin: PIN,
        env,
      });
      const argv = s.argv('detached', '/tmp/in', '/tmp/out');
      assert.deepEqual(argv.slice(1), [
        '-sign',
        '-thumbprint',
        THUMB,
        '-pin',
        PIN,
        '-nochain',
        '-der',
        '-cadesbes',
        '-detached',
        '/tmp/in',
        '/tmp/out',
      ]);
      assert.ok(!s.argv('attached', 'i', 'o').includes('-detached'));
      assert.equal(COMMAND_PRESETS.cryptcp[0], '/opt/cprocsp/bin/amd64/cryptcp');
      const doc = Buffer.from('{"a":"б"}\n');
      const det = await s.sign(doc, 'detached');
      assert.ok((await opensslVerify(det, fx.ca.certPath, doc)).ok);
      const challenge = Buffer.from('WLYDSMYDAXNHBEFOBGKJFSZNMORQTY');
      const att = await s.sign(challenge, 'attached');
      const v = await opensslVerify(att, fx.ca.certPath);
      assert.ok(v.ok);
      assert.deepEqual(v.content, challenge);
      // the tool got the attached command line; its temporary files are gone afterwards
      const logged = fs
        .readFileSync(env['ARGV_LOG'] as string, 'utf8')
        .trim()
        .split('\n');
      assert.deepEqual(logged.slice(0, 9), [
        '-sign',
        '-thumbprint',
        THUMB,
        '-pin',
        PIN,
        '-nochain',
        '-der',
        '-cadesbes',
        logged[8],
      ]);
      assert.ok(!logged.includes('-detached'));
      assert.equal(fs.existsSync(path.dirname(logged[8] as string)), false);
    });

    it('csptest preset: base64 output with line breaks is normalised to one line', async () => {
      const s = new CommandSigner({
        preset: 'csptest',
        program: path.join(bin, 'csptest'),
        thumbprint: THUMB,
        pin: PIN,
        env,
      });
      assert.ok(s.argv('detached', 'i', 'o').includes('-cades_strict'));
      const doc = Buffer.from('{"x":1}');
      const det = await s.sign(doc, 'detached');
      assert.doesNotMatch(det, /\s/);
      assert.ok((await opensslVerify(det, fx.ca.certPath, doc)).ok);
      assert.equal(parseCms(Buffer.from(det, 'base64')).detached, true);
    });

    it('masks the PIN in the error text of a failing tool', async () => {
      const s = new CommandSigner({
        preset: 'cryptcp',
        program: path.join(bin, 'cryptcp'),
        thumbprint: THUMB,
        pin: PIN,
        env: { ...env, EXPECT_PIN: 'other-pin' },
      });
      await assert.rejects(s.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
        assert.ok(isZnakFlowError(err));
        assert.equal(err.code, 'SIGNER_FAILED');
        assert.match(err.message, /0x8010006b/);
        assert.ok(!err.message.includes(PIN), err.message);
        assert.ok(!redact(err.message).includes(PIN));
        return true;
      });
    });

    it('a custom template (OpenSSL via stdin/stdout, PEM) and the ?detached:/?attached: switches', async () => {
      const tpl = parseArgsTemplate(
        JSON.stringify([
          'openssl',
          'cms',
          '-sign',
          '-engine',
          'gost',
          '-binary',
          '-cades',
          '-md',
          'md_gost12_256',
          '-signer',
          fx.org.certPath,
          '-inkey',
          fx.org.keyPath,
          '?attached:-nodetach',
          '-outform',
          'PEM',
        ]),
      );
      const s = new CommandSigner({ preset: 'custom', args: tpl });
      const doc = Buffer.from('stdin data');
      const det = await s.sign(doc, 'detached');
      assert.ok((await opensslVerify(det, fx.ca.certPath, doc)).ok);
      const att = await s.sign(doc, 'attached');
      assert.equal(parseCms(Buffer.from(att, 'base64')).detached, false);
      // a template that makes the wrong kind is caught before anything is sent
      const wrong = new CommandSigner({
        preset: 'custom',
        args: tpl.filter((a) => a !== '?attached:-nodetach'),
      });
      await assert.rejects(wrong.sign(doc, 'attached'), /SIGNATURE_KIND|присоединённая/);
      assert.deepEqual(parseArgsTemplate('a\n  b c \n\n'), ['a', 'b c']);
    });

    it('no value reaches a shell or a command line: data only by file or stdin, argv only from the template', async () => {
      // a program path with a space and config values full of metacharacters: each stays one argv item
      const dir = path.join(fx.dir, 'tools with space');
      fs.mkdirSync(dir, { recursive: true });
      const program = path.join(dir, 'recorder');
      fs.writeFileSync(program, FAKE_RECORDER, { mode: 0o755 });
      const marker = (n: string): string => path.join(fx.dir, `marker-${n}`);
      const hostile = [
        `; rm -rf / ; touch ${marker('semicolon')}`,
        `$(touch ${marker('dollar')})`,
        `\`touch ${marker('backtick')}\``,
        `| touch ${marker('pipe')}`,
        `&& touch ${marker('and')}`,
        `\n touch ${marker('newline')}\n`,
        `' " \\' "; touch ${marker('quotes')}`,
        '-out /etc/passwd',
        '--help',
        '-in /etc/shadow -detached',
        '{in} {out} {pin} {thumbprint}',
      ];
      const thumbprint = `a1 b2 c3 $(touch ${marker('thumb')}) {pin}`;
      const pin = `p;in $(touch ${marker('pin')})`;
      const argvLog = path.join(fx.dir, 'recorder.argv');
      const dataLog = path.join(fx.dir, 'recorder.data');
      const recEnv = { ...env, ARGV_LOG: argvLog, DATA_LOG: dataLog };
      const viaFile = new CommandSigner({
        preset: 'custom',
        args: [
          program,
          '-thumb',
          '{thumbprint}',
          '-pin',
          '{pin}',
          '-in',
          '{in}',
          '-out',
          '{out}',
          '?detached:-detached',
        ],
        thumbprint,
        pin,
        env: recEnv,
      });
      const viaStdin = new CommandSigner({
        preset: 'custom',
        args: [program, '-thumb', '{thumbprint}', '?detached:-detached'],
        thumbprint,
        env: recEnv,
      });
      const recorded = (): string[] => fs.readFileSync(argvLog, 'latin1').split('\0').slice(0, -1);
      let tried = 0;
      for (const h of hostile) {
        // the data to sign (a document built from msg, or a challenge) with the hostile text in it,
        // plus bytes that are not UTF-8 and a NUL, and the same text in everything else msg may set
        const data = Buffer.concat([
          Buffer.from(`{"number":${JSON.stringify(h)}}`),
          Buffer.from([0, 0xff, 0xfe]),
        ]);
        for (const [signer, mode] of [
          [viaFile, 'detached'],
          [viaFile, 'attached'],
          [viaStdin, 'detached'],
          [viaStdin, 'attached'],
        ] as const) {
          const sig = await signer.sign(data, mode, { purpose: 'document', signature: h });
          tried++;
          assert.deepEqual(fs.readFileSync(dataLog), data, 'the tool got the data byte for byte');
          const v = await opensslVerify(sig, fx.ca.certPath, mode === 'detached' ? data : undefined);
          assert.ok(v.ok, v.stderr);
          if (mode === 'attached') assert.deepEqual(v.content, data);
          const argv = recorded();
          if (signer === viaFile) {
            const [, , , , , inPath, , outPath] = argv;
            assert.deepEqual(argv, [
              '-thumb',
              thumbprint,
              '-pin',
              pin,
              '-in',
              inPath,
              '-out',
              outPath,
              ...(mode === 'detached' ? ['-detached'] : []),
            ]);
            // the only other items are the temp paths the signer made (private dir, fixed names), now gone
            const tmp = fs.realpathSync(os.tmpdir());
            for (const p of [inPath, outPath] as string[]) {
              assert.match(p, /[/\\]znakflow-sign-[^/\\]+[/\\]data\.(bin|sig)$/);
              assert.ok(fs.realpathSync(path.dirname(path.dirname(p))) === tmp, p);
            }
            assert.equal(fs.existsSync(path.dirname(inPath as string)), false);
          } else {
            assert.deepEqual(argv, ['-thumb', thumbprint, ...(mode === 'detached' ? ['-detached'] : [])]);
          }
          assert.ok(
            argv.every((a) => !a.includes(h)),
            'no msg value in argv',
          );
        }
      }
      // nothing was run by a shell: none of the markers exists
      for (const f of fs.readdirSync(fx.dir)) assert.ok(!f.startsWith('marker-'), `a shell ran: ${f}`);
      // a placeholder inside a substituted value is not expanded again
      assert.deepEqual(viaFile.argv('detached', '/i', '/o').slice(1, 5), ['-thumb', thumbprint, '-pin', pin]);
      console.log(
        `      command signer: ${hostile.length} hostile values × 4 ways (file/stdin, attached/detached) = ${tried} signatures, argv template-only, no shell`,
      );
    });

    it('a missing program and a missing thumbprint are clear errors', async () => {
      const s = new CommandSigner({ preset: 'cryptcp', program: '/nonexistent/cryptcp', thumbprint: THUMB });
      await assert.rejects(s.sign(Buffer.from('x'), 'detached'), /SIGNER_PROGRAM_NOT_FOUND|не найдена/);
      assert.throws(() => new CommandSigner({ preset: 'csptest' }), /thumbprint/);
    });

    it('kills a hanging tool after the timeout', async () => {
      const s = new CommandSigner({ preset: 'custom', args: ['sleep', '10'], timeoutMs: 300 });
      const t0 = Date.now();
      await assert.rejects(s.sign(Buffer.from('x'), 'detached'), /SIGNER_TIMEOUT|300 мс/);
      assert.ok(Date.now() - t0 < 3000);
    });
  });

  describe('http', () => {
    let server: http.Server;
    let url: string;
    const calls: { sts: number; sign: number; bodies: Array<Record<string, unknown>> } = {
      sts: 0,
      sign: 0,
      bodies: [],
    };
    let validTokens = new Set<string>();
    let signer: OpensslSigner;

    before(async () => {
      signer = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          void (async () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            const send = (status: number, body: unknown): void => {
              res.writeHead(status, { 'Content-Type': 'application/json' });
              res.end(JSON.stringify(body));
            };
            if (req.url === '/STS/oauth/token') {
              calls.sts++;
              const f = new URLSearchParams(raw);
              if (
                f.get('grant_type') !== 'password' ||
                f.get('username') !== 'signer' ||
                f.get('password') !== 'dss-pass'
              )
                return send(400, { error: 'invalid_grant' });
              const tok = `tok-${calls.sts}-${Math.random()}`;
              validTokens.add(tok);
              return send(200, { access_token: tok, token_type: 'bearer', expires_in: 600 });
            }
            if (req.url === '/SignServer/rest/api/documents') {
              calls.sign++;
              const tok = (req.headers.authorization ?? '').replace(/^Bearer /, '');
              if (!validTokens.has(tok)) return send(401, { Message: 'Authorization has been denied' });
              const body = JSON.parse(raw) as Record<string, any>;
              calls.bodies.push(body);
              const p = body['Signature'];
              if (
                p.Type !== 'CAdES' ||
                p.Parameters.CADESType !== 'BES' ||
                p.CertificateId !== 42 ||
                p.PinCode !== PIN
              )
                return send(400, { Message: 'bad parameters' });
              const mode = p.Parameters.IsDetached === 'True' ? 'detached' : 'attached';
              const sig = await signer.sign(Buffer.from(body['Content'], 'base64'), mode);
              return send(200, sig.replace(/(.{76})/g, '$1\r\n'));
            }
            if (req.url === '/sign') {
              if (req.headers.authorization !== 'Bearer generic-token')
                return send(403, { error: 'forbidden' });
              const body = JSON.parse(raw) as { data: string; detached: boolean };
              const sig = await signer.sign(
                Buffer.from(body.data, 'base64'),
                body.detached ? 'detached' : 'attached',
              );
              return send(200, { result: { signature: sig } });
            }
            send(404, {});
          })();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('DSS preset: one STS login for many signatures, CAdES-BES parameters, re-login after a 401', async () => {
      const s = createSigner(
        {
          signer: 'http',
          httpPreset: 'dss',
          httpUrl: url,
          dssUser: 'signer',
          dssClientId: 'cl',
          dssCertificateId: '42',
        },
        { httpPassword: 'dss-pass', pin: PIN },
      );
      const docs = [Buffer.from('{"a":1}'), Buffer.from('{"a":2}'), Buffer.from('{"a":3}')];
      const sigs = await Promise.all(docs.map((d) => s.sign(d, 'detached')));
      for (let i = 0; i < docs.length; i++) {
        assert.ok((await opensslVerify(sigs[i] as string, fx.ca.certPath, docs[i])).ok);
      }
      assert.equal(calls.sts, 1, 'single-flight STS login');
      assert.equal((calls.bodies[0]?.['Signature'] as any).Parameters.IsDetached, 'True');
      const att = await s.sign(Buffer.from('CHALLENGE'), 'attached');
      assert.equal(parseCms(Buffer.from(att, 'base64')).content?.toString(), 'CHALLENGE');
      validTokens = new Set(); // the DSS session ends
      const again = await s.sign(Buffer.from('{"b":1}'), 'detached');
      assert.ok(again);
      assert.equal(calls.sts, 2);
      s.close();
    });

    it('DSS: a wrong password is a clear error that does not show the password', async () => {
      const s = new HttpSigner({
        preset: 'dss',
        url,
        username: 'signer',
        password: 'wrong-pass-1',
        certificateId: 42,
      });
      await assert.rejects(s.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
        assert.ok(isZnakFlowError(err));
        assert.match(err.message, /HTTP 400.*invalid_grant/);
        assert.ok(!err.message.includes('wrong-pass-1'));
        return true;
      });
    });

    it('generic preset: bearer token, signature from a dotted field', async () => {
      const s = new HttpSigner({
        url: `${url}/sign`,
        token: 'generic-token',
        responseField: 'result.signature',
      });
      const doc = Buffer.from('{"z":0}');
      assert.ok((await opensslVerify(await s.sign(doc, 'detached'), fx.ca.certPath, doc)).ok);
      const bad = new HttpSigner({ url: `${url}/sign`, token: 'other' });
      await assert.rejects(bad.sign(doc, 'detached'), /HTTP 403/);
      const down = new HttpSigner({ url: 'http://127.0.0.1:1/sign' });
      await assert.rejects(down.sign(doc, 'detached'), /SIGNER_HTTP|недоступен/);
    });
  });

  describe('presigned', () => {
    it('passes a well-formed signature through and refuses a missing, malformed or wrong-kind one', async () => {
      const s = new PresignedSigner();
      const real = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
      const doc = Buffer.from('{"k":1}');
      const det = await real.sign(doc, 'detached');
      const wrapped = det.replace(/(.{64})/g, '$1\n');
      assert.equal(await s.sign(doc, 'detached', { signature: wrapped }), det);
      await assert.rejects(s.sign(doc, 'detached'), (err: unknown) => {
        assert.ok(isZnakFlowError(err));
        assert.equal(err.code, 'SIGNATURE_MISSING');
        assert.match(err.message, /msg\.signature/);
        return true;
      });
      await assert.rejects(s.sign(doc, 'attached', { purpose: 'auth' }), /msg\.authSignature/);
      await assert.rejects(s.sign(doc, 'detached', { signature: 'AAAA' }), /SIGNATURE_MALFORMED|base64 DER/);
      const att = await real.sign(doc, 'attached');
      await assert.rejects(s.sign(doc, 'detached', { signature: att }), /откреплённая/);
    });
  });
});
