/**
 * Secrets stay secret: a full run of the standard flow (examples/standard-sync.json as shipped,
 * deployed through the Admin API) in a real Node-RED logging at trace level, with known secret
 * values — the 1C password, the password of an encrypted GOST key, the PIN of a CryptoPro-style
 * `command` signer, the token of a DSS signing service, and every True API token the emulator
 * issued. The run goes through all three signers (openssl → command → DSS, one redeploy each, a
 * new 1C sale sent with each) and through errors (1C refusing access). Afterwards none of the
 * secrets — raw, base64 (Basic auth), URL- or JSON-encoded — may appear in:
 * the exported flows (GET /flows), any file of the user directory (flows, journal, watch state),
 * the Node-RED log, any node status or notification sent to the editor (comms websocket), any
 * message that reached a debug node, any error text (Catch → debug, the journal's last errors),
 * the sidebar and metrics endpoints, or the answers of the "Test connection" buttons.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { demoWorld } from '../../lib/emulators/demo-data';
import { startCzEmulator, type CzEmulator } from '../../lib/emulators/cz';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { DEMO_STATUS_PROPERTY } from '../../lib/emulators/onec/store';
import { OpensslSigner } from '../../lib/signing/openssl';
import { createTestCa, issueTestSigner } from '../../lib/signing/pki';
import { adminGet, deployFlows, ROOT, startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { requireGost } from '../support/gost';
import { Comms, waitFor } from '../support/harden-nr';
import { Rand } from '../support/hostile';
import { startHostileProxy, type HostileProxy } from '../support/hostile-http';

const ONEC_PASSWORD = 'Zf1C-Secret-pass-7c3e9';
const KEY_PASSWORD = 'ZfKey-Secret-pass-4b1d8';
const PIN = 'ZfPin-Secret-90417';
const DSS_TOKEN = 'ZfDss-Secret-token-5e27a1c0';

type Flow = Array<Record<string, unknown>>;

function standardFlow(): Flow {
  const flows = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'examples', 'standard-sync.json'), 'utf8'),
  ) as Flow;
  // the example polls 1C every 30 s; the test has no half-minutes to spare
  for (const n of flows) if (n['type'] === 'onec-read') n['interval'] = 2;
  return flows;
}

/** Every form a secret could leak in. */
function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
  ];
}

function findLeaks(where: string, text: string, secrets: Record<string, string[]>): string[] {
  const leaks: string[] = [];
  for (const [name, values] of Object.entries(secrets)) {
    for (const v of values) {
      const i = text.indexOf(v);
      if (v.length >= 8 && i >= 0)
        leaks.push(`${name} in ${where}: …${text.slice(Math.max(0, i - 60), i + 20)}…`);
    }
  }
  return leaks;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...filesUnder(p));
    } else out.push(p);
  }
  return out;
}

describe('e2e: secrets never leave the credentials (standard flow, three signers, trace log)', function () {
  this.timeout(300000);
  let dir: string;
  let onec: OnecEmulator;
  let cz: CzEmulator;
  let proxy: HostileProxy;
  let dss: http.Server;
  let dssUrl = '';
  let dssCalls = 0;
  let rt: Runtime;
  let comms: Comms;
  const tokens = new Set<string>();
  const endpointAnswers: string[] = [];
  const world = demoWorld();
  let commandLog = '';

  before(async function () {
    await requireGost(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-secrets-'));
    const ca = await createTestCa(path.join(dir, 'ca'));
    // SN, GN, title: the УПД's signer block (the standard flow ships by УПД through ЭДО Лайт)
    const subject = {
      inn: world.organisation.inn,
      organisation: world.organisation.name,
      surname: 'Подписантов',
      givenName: 'Демо Демович',
      title: 'Генеральный директор',
    };
    // the flow's own key is encrypted; the stand-ins (CryptoPro, DSS) sign with a plain copy
    const [org, standIn] = await Promise.all([
      issueTestSigner(ca, subject, { name: 'org', keyPassword: KEY_PASSWORD }),
      issueTestSigner(ca, subject, { name: 'stand-in' }),
    ]);
    onec = await startOnecEmulator({ world, users: { odata: ONEC_PASSWORD } });
    cz = await startCzEmulator({ caCertPath: ca.certPath, world, processingDelayMs: 200 });
    proxy = await startHostileProxy(cz.url, new Rand(1));
    proxy.onUpstream = (req, status, body) => {
      if (!req.path.includes('simpleSignIn') || status !== 200) return;
      const j = JSON.parse(body.toString()) as { token?: string; uuidToken?: string };
      for (const t of [j.token, j.uuidToken]) if (t) tokens.add(t);
    };

    // CryptoPro stand-in for the `command` signer: checks the PIN (by its hash, so the PIN is in
    // no file and no environment), signs with OpenSSL from stdin to stdout
    commandLog = path.join(dir, 'command.log');
    const script = path.join(dir, 'fake-cryptopro.sh');
    const pinHash = crypto.createHash('sha256').update(PIN).digest('hex');
    fs.writeFileSync(
      script,
      `#!/bin/bash
pin=""; nd=-nodetach
while [ $# -gt 0 ]; do case "$1" in -pin) pin="$2"; shift ;; -detached) nd= ;; esac; shift; done
[ "$(printf '%s' "$pin" | sha256sum | cut -d' ' -f1)" = "${pinHash}" ] || { echo "Неверный PIN-код [ErrorCode: 0x8010006b]" >&2; exit 1; }
echo call >> "${commandLog}"
exec openssl cms -sign -engine gost -binary -cades -nosmimecap -md md_gost12_256 -signer "${standIn.certPath}" -inkey "${standIn.keyPath}" $nd -outform DER 2>/dev/null
`,
      { mode: 0o755 },
    );

    // DSS stand-in: a fixed bearer token and the PIN, signs with OpenSSL
    const signer = new OpensslSigner({ certPath: standIn.certPath, keyPath: standIn.keyPath });
    dss = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const send = (s: number, b: unknown): void => {
            res.writeHead(s, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(b));
          };
          if (req.url !== '/SignServer/rest/api/documents') return send(404, { Message: 'not found' });
          if (req.headers.authorization !== `Bearer ${DSS_TOKEN}`)
            return send(401, { Message: 'Authorization has been denied' });
          const body = JSON.parse(Buffer.concat(chunks).toString()) as {
            Content: string;
            Signature: { Parameters: { IsDetached: string }; PinCode?: string };
          };
          if (body.Signature.PinCode !== PIN) return send(400, { Message: 'Неверный ПИН-код' });
          dssCalls++;
          const mode = body.Signature.Parameters.IsDetached === 'True' ? 'detached' : 'attached';
          send(200, await signer.sign(Buffer.from(body.Content, 'base64'), mode));
        })();
      });
    });
    await new Promise<void>((r) => dss.listen(0, '127.0.0.1', r));
    dssUrl = `http://127.0.0.1:${(dss.address() as AddressInfo).port}`;

    rt = await startRuntime({
      env: {
        ONEC_URL: onec.url,
        CZ_URL: proxy.url,
        CZ_INN: world.organisation.inn,
        CZ_CERT: org.certPath,
        CZ_KEY: org.keyPath,
      },
      settings: {
        logging: { console: { level: 'trace', metrics: true, audit: true } },
        debugMaxLength: 1000000,
      },
    });
    comms = await Comms.connect(rt);
  });

  after(async () => {
    comms?.close();
    await rt?.stop();
    await Promise.allSettled([proxy?.stop(), onec?.stop(), cz?.stop()]);
    await new Promise<void>((r) => (dss ? dss.close(() => r()) : r()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** 1C refs whose outcome was written back to the additional information register. */
  const written = (): Set<string> =>
    new Set(
      onec.store
        .list('InformationRegister_ДополнительныеСведения')
        .filter((r) => String(r['Свойство_Key']) === DEMO_STATUS_PROPERTY)
        .map((r) => String(r['Объект']).toLowerCase()),
    );

  async function deploy(
    czPatch: Record<string, unknown>,
    czCredentials: Record<string, string>,
  ): Promise<void> {
    const flows = standardFlow();
    for (const n of flows) if (n['type'] === 'cz-connection') Object.assign(n, czPatch);
    // the УПД's signer block: a command or DSS signer gives no certificate to read it from
    for (const n of flows)
      if (n['type'] === 'edo-send')
        Object.assign(n, {
          signerSurname: 'Подписантов',
          signerFirstName: 'Демо',
          signerPosition: 'Генеральный директор',
        });
    await deployFlows(rt, flows, {
      credentials: {
        'zf-std-1c': { username: 'odata', password: ONEC_PASSWORD },
        'zf-std-cz': czCredentials,
      },
    });
  }

  async function newSaleWrittenBack(what: string): Promise<void> {
    const item = world.items.find((i) => i.pg === 'lp');
    assert.ok(item);
    const sale = onec.store.addSale({ lines: [{ itemRef: item.ref, quantity: 1 }] });
    const ref = String(sale['Ref_Key']).toLowerCase();
    await waitFor(
      `${what}: the new sale sent and its outcome written back to 1C`,
      () => written().has(ref),
      90000,
    );
  }

  it('runs the standard flow with the openssl (encrypted key), command (PIN) and DSS (token) signers', async () => {
    // 1. as shipped: OpenSSL with an encrypted key
    await deploy({}, { keyPassword: KEY_PASSWORD });
    const posted = world.documents.filter((d) => d.kind === 'sale' && d.posted && !d.deletionMark);
    await waitFor(
      'every posted demo sale written back to 1C',
      () => posted.every((d) => written().has(d.ref.toLowerCase())),
      120000,
    );
    // 2. CryptoPro-style command signer with a PIN
    await deploy(
      {
        signer: 'command',
        commandPreset: 'custom',
        commandArgs: JSON.stringify([
          path.join(dir, 'fake-cryptopro.sh'),
          '-pin',
          '{pin}',
          '?detached:-detached',
        ]),
      },
      { pin: PIN },
    );
    await newSaleWrittenBack('command signer');
    assert.ok(fs.readFileSync(commandLog, 'utf8').split('\n').length > 2, 'the command signer signed');
    // 3. DSS with a fixed token and the key PIN
    await deploy(
      { signer: 'http', httpPreset: 'dss', httpUrl: dssUrl, dssCertificateId: '42' },
      { httpToken: DSS_TOKEN, pin: PIN },
    );
    await newSaleWrittenBack('DSS signer');
    assert.ok(dssCalls >= 2, `DSS signed (auth and document): ${dssCalls}`);
    assert.ok(tokens.size >= 3, `the emulator issued tokens to every signer: ${tokens.size}`);

    // errors: 1C refuses access once (watch poll → Catch → debug), a wrong PIN in Test connection
    onec.faults.add({ kind: 'forbidden', times: 1, match: 'Document_РеализацияТоваровУслуг' });
    await waitFor('the 1C refusal reached the Catch node', () =>
      comms
        .debug('zf-std-debug-errors')
        .some((d) => d.msg.includes('ONEC_FORBIDDEN') || d.msg.includes('1С запретила')),
    );
    for (const [p, body] of [
      [
        '/znakflow/cz-connection/test',
        {
          id: 'zf-std-cz',
          config: standardFlow().find((n) => n['id'] === 'zf-std-cz'),
          credentials: { keyPassword: KEY_PASSWORD },
        },
      ],
      [
        '/znakflow/cz-connection/test',
        {
          id: 'zf-std-cz',
          config: {
            ...standardFlow().find((n) => n['id'] === 'zf-std-cz'),
            signer: 'http',
            httpPreset: 'dss',
            httpUrl: dssUrl,
            dssCertificateId: '42',
            url: proxy.url,
            certPath: '',
            keyPath: '',
            participantInn: world.organisation.inn,
          },
          credentials: { httpToken: '__PWRD__', pin: '__PWRD__' },
        },
      ],
      [
        '/znakflow/onec-connection/test',
        { id: 'zf-std-1c', url: onec.url, username: 'odata', password: '__PWRD__' },
      ],
      [
        '/znakflow/onec-connection/test',
        { id: 'zf-std-1c', url: onec.url, username: 'odata', password: `${ONEC_PASSWORD}-wrong` },
      ],
    ] as const) {
      const r = await fetch(`${rt.url}${p}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      endpointAnswers.push(`${p}: ${await r.text()}`);
    }
    assert.match(endpointAnswers[1] ?? '', /"ok":true/, 'Test connection with the stored DSS token worked');
    assert.match(
      endpointAnswers[2] ?? '',
      /"ok":true/,
      `Test connection with the stored 1C password: ${endpointAnswers[2]}`,
    );
    for (const p of ['/znakflow/journal', '/znakflow/metrics']) {
      endpointAnswers.push(`${p}: ${await (await adminGet(rt, p)).text()}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  });

  it('no secret in GET /flows, the user directory, the trace log, status, debug messages, errors or endpoints', async () => {
    assert.ok(tokens.size > 0, 'the run obtained tokens (run the first test)');
    const secrets: Record<string, string[]> = {
      '1C password': [
        ...forms(ONEC_PASSWORD),
        Buffer.from(`odata:${ONEC_PASSWORD}`).toString('base64').replace(/=+$/, ''),
      ],
      'key password': forms(KEY_PASSWORD),
      PIN: forms(PIN),
      'DSS token': forms(DSS_TOKEN),
    };
    [...tokens].forEach((t, i) => {
      secrets[`True API token ${i + 1}`] = [...forms(t), t.split('.').pop() ?? t];
    });
    const leaks: string[] = [];
    const exported = await (await adminGet(rt, '/flows')).text();
    assert.match(exported, /zf-std-cz/);
    leaks.push(...findLeaks('GET /flows', exported, secrets));
    const files = filesUnder(rt.userDir);
    assert.ok(files.some((f) => f.endsWith('flows.json')));
    assert.ok(
      files.some((f) => /journal-.*\.jsonl$/.test(f)),
      `the journal is in the user directory: ${files.join(', ')}`,
    );
    for (const f of files)
      leaks.push(
        ...findLeaks(
          path.relative(rt.userDir, f),
          fs.readFileSync(f, 'latin1') + fs.readFileSync(f, 'utf8'),
          secrets,
        ),
      );
    const log = rt.log();
    assert.match(log, /\[trace\]|\[debug\]/, 'the log is at trace level');
    leaks.push(...findLeaks('the Node-RED log', log, secrets));
    const statuses = comms.messages.filter((m) => m.topic.startsWith('status/'));
    assert.ok(statuses.length > 10, 'node status went to the editor');
    const debug = comms.debug();
    assert.ok(debug.length > 5, 'messages reached the debug nodes');
    for (const f of comms.frames)
      leaks.push(...findLeaks('the comms websocket (status, debug, notifications)', f, secrets));
    for (const a of endpointAnswers) leaks.push(...findLeaks('an admin endpoint answer', a, secrets));
    assert.deepEqual(leaks, []);
    console.log(
      `      secrets: ${Object.keys(secrets).length} secret values (${tokens.size} tokens) checked in GET /flows, ${files.length} files, ` +
        `${Math.round(log.length / 1024)} KB of trace log, ${comms.frames.length} comms frames (${statuses.length} status, ${debug.length} debug), ${endpointAnswers.length} endpoint answers`,
    );
  });
});
