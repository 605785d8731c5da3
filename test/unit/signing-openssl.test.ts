import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { completeInn } from '../../lib/codes/inn';
import { isZnakFlowError } from '../../lib/errors';
import { parseCms } from '../../lib/signing/cms';
import { OpensslSigner } from '../../lib/signing/openssl';
import { createTestCa, issueTestSigner } from '../../lib/signing/pki';
import { checkSignature } from '../../lib/signing/types';
import { makeFixtures, opensslVerify, requireGost, type GostFixtures } from '../support/gost';

const ORG = completeInn('770812345');
const BUYER = completeInn('502712340');

describe('signing: openssl signer and the test PKI (real GOST signatures)', function () {
  this.timeout(60000);
  let fx: GostFixtures;

  before(async function () {
    await requireGost(this);
    const t0 = Date.now();
    fx = await makeFixtures({ orgInn: ORG, buyerInn: BUYER });
    console.log(`      (two CAs and four signers made in ${Date.now() - t0} ms)`);
  });
  after(() => fx?.cleanup());

  it('signs the auth challenge attached: CAdES-BES, Streebog-256, verifies against the CA, carries the data', async () => {
    const signer = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
    const data = Buffer.from('GNUFBAZBMPIUUMLXNMIOGSHTGFXZMT');
    const b64 = await signer.sign(data, 'attached');
    assert.match(b64, /^[A-Za-z0-9+/]+=*$/, 'one line of base64');
    const info = parseCms(Buffer.from(b64, 'base64'));
    assert.equal(info.detached, false);
    assert.deepEqual(info.content, data);
    assert.equal(info.cades, true, 'signingCertificateV2 present');
    assert.deepEqual(info.digestAlgorithms, ['1.2.643.7.1.1.2.2']);
    assert.equal(info.signers[0]?.signatureAlgorithm, '1.2.643.7.1.1.1.1');
    assert.equal(info.signerCertificate?.participantInn, ORG);
    const v = await opensslVerify(b64, fx.ca.certPath);
    assert.ok(v.ok, v.stderr);
    assert.deepEqual(v.content, data);
  });

  it('signs a document detached over exactly its bytes (LF newlines, Cyrillic); a changed byte fails', async () => {
    const signer = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
    const doc = Buffer.from('{\n  "participant_inn": "' + ORG + '",\n  "name": "Футболка"\n}\n', 'utf8');
    const b64 = await signer.sign(doc, 'detached');
    const info = parseCms(Buffer.from(b64, 'base64'));
    assert.equal(info.detached, true);
    assert.equal(info.content, undefined);
    assert.ok((await opensslVerify(b64, fx.ca.certPath, doc)).ok);
    const tampered = Buffer.from(doc);
    tampered[5] = tampered[5] === 0x70 ? 0x71 : 0x70;
    const bad = await opensslVerify(b64, fx.ca.certPath, tampered);
    assert.equal(bad.ok, false);
    assert.match(bad.stderr, /verif/i);
    // a signature from another CA does not chain to ours
    const stranger = new OpensslSigner({ certPath: fx.stranger.certPath, keyPath: fx.stranger.keyPath });
    const foreign = await stranger.sign(doc, 'detached');
    assert.equal((await opensslVerify(foreign, fx.ca.certPath, doc)).ok, false);
  });

  it('signs 20 documents in parallel, each verifiable', async () => {
    const signer = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
    const docs = Array.from({ length: 20 }, (_, i) => Buffer.from(`{"n":${i}}`));
    const sigs = await Promise.all(docs.map((d) => signer.sign(d, 'detached')));
    const checks = await Promise.all(sigs.map((s, i) => opensslVerify(s, fx.ca.certPath, docs[i])));
    assert.ok(checks.every((c) => c.ok));
  });

  it('uses an encrypted key with the password from credentials, never in argv; a wrong password is named', async () => {
    const enc = await issueTestSigner(
      fx.ca,
      { inn: ORG },
      { name: 'encrypted', dir: fx.dir, keyPassword: 'Pa55-word-123' },
    );
    assert.match(fs.readFileSync(enc.keyPath, 'utf8'), /ENCRYPTED PRIVATE KEY/);
    const signer = new OpensslSigner({
      certPath: enc.certPath,
      keyPath: enc.keyPath,
      keyPassword: 'Pa55-word-123',
    });
    assert.ok(!signer.args('detached').join(' ').includes('Pa55-word-123'));
    assert.ok(signer.args('detached').includes('env:ZNAKFLOW_KEY_PASS'));
    const b64 = await signer.sign(Buffer.from('x'), 'detached');
    assert.ok((await opensslVerify(b64, fx.ca.certPath, Buffer.from('x'))).ok);
    const wrong = new OpensslSigner({
      certPath: enc.certPath,
      keyPath: enc.keyPath,
      keyPassword: 'nope-nope',
    });
    await assert.rejects(wrong.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
      assert.ok(isZnakFlowError(err));
      assert.equal(err.code, 'SIGNER_KEY');
      assert.match(err.message, /пароль ключа.*key password/s);
      return true;
    });
  });

  it('names the unreadable file and the field', async () => {
    const signer = new OpensslSigner({ certPath: path.join(fx.dir, 'none.pem'), keyPath: fx.org.keyPath });
    await assert.rejects(signer.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
      assert.ok(isZnakFlowError(err));
      assert.equal(err.code, 'SIGNER_FILE');
      assert.match(err.message, /certPath: файл .*none\.pem/);
      return true;
    });
  });

  it('names the missing package when the GOST engine does not load', async () => {
    const signer = new OpensslSigner({
      certPath: fx.org.certPath,
      keyPath: fx.org.keyPath,
      engine: 'gost_not_installed',
    });
    await assert.rejects(signer.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
      assert.ok(isZnakFlowError(err));
      assert.equal(err.code, 'SIGNER_ENGINE_MISSING');
      assert.match(err.message, /libengine-gost-openssl/);
      return true;
    });
  });

  it('reads the certificate: subject, INN ЮЛ, validity', async () => {
    const signer = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
    const cert = await signer.certificate();
    assert.equal(cert?.participantInn, ORG);
    assert.equal(cert?.organisation, 'ООО «Демо Маркировка»');
    assert.match(cert?.subjectText ?? '', new RegExp(`INNLE=${ORG}`));
    assert.ok((cert?.notAfter.getTime() ?? 0) > Date.now());
  });

  it('PKI: legacy ИНН 00…, a 12-digit entrepreneur INN, and an expired certificate that fails verification', async () => {
    const ca = await createTestCa(path.join(fx.dir, 'ca2'));
    const legacy = await issueTestSigner(ca, { inn: ORG, innStyle: 'legacy' }, { name: 'legacy' });
    const ip = completeInn('7710123456');
    const person = await issueTestSigner(ca, { inn: ip }, { name: 'ip' });
    const expired = await issueTestSigner(ca, { inn: ORG }, { name: 'expired', days: -1 });
    const l = await new OpensslSigner({ certPath: legacy.certPath, keyPath: legacy.keyPath }).certificate();
    assert.equal(l?.participantInn, ORG);
    assert.match(l?.subjectText ?? '', new RegExp(`INN=00${ORG}`));
    const p = await new OpensslSigner({ certPath: person.certPath, keyPath: person.keyPath }).certificate();
    assert.equal(p?.participantInn, ip);
    const s = new OpensslSigner({ certPath: expired.certPath, keyPath: expired.keyPath });
    const sig = await s.sign(Buffer.from('x'), 'attached');
    const v = await opensslVerify(sig, ca.certPath);
    assert.equal(v.ok, false);
    assert.match(v.stderr, /expired/);
  });

  it('checkSignature tells attached from detached and checks the attached content', async () => {
    const signer = new OpensslSigner({ certPath: fx.org.certPath, keyPath: fx.org.keyPath });
    const att = await signer.sign(Buffer.from('ABC'), 'attached');
    const det = await signer.sign(Buffer.from('ABC'), 'detached');
    assert.ok(checkSignature(att, 'attached', 't', Buffer.from('ABC')));
    assert.ok(checkSignature(det, 'detached', 't'));
    assert.throws(() => checkSignature(att, 'detached', 't'), /SIGNATURE|откреплённая/);
    assert.throws(() => checkSignature(det, 'attached', 't'), /присоединённая/);
    assert.throws(() => checkSignature(att, 'attached', 't', Buffer.from('XYZ')), /не те данные/);
    assert.throws(() => checkSignature('not base64!', 'attached', 't'), /base64 DER/);
    // PEM armour and line breaks are accepted
    const pem = `-----BEGIN CMS-----\n${det.replace(/(.{64})/g, '$1\n')}\n-----END CMS-----\n`;
    assert.ok(checkSignature(pem, 'detached', 't'));
  });
});
