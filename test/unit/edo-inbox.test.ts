/**
 * lib/edo/inbox.ts against the ЭДО Лайт emulator over real HTTP, with real GOST signatures: a process
 * that dies around the upload of a buyer's title (before it, or after it with the answer lost) leaves
 * the journal `sending`/`unknown`; the next inbox on the same journal file looks the document up and
 * adopts the title the operator has, or uploads exactly the journalled bytes — never a second title.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CzClient } from '../../lib/cz/client';
import { EdoClient, edoBaseUrl } from '../../lib/edo/client';
import { EdoInbox, inboxFile, type InboxHandler, type InboxOutcome } from '../../lib/edo/inbox';
import { Journal } from '../../lib/journal/journal';
import { OpensslSigner } from '../../lib/signing/openssl';
import { startBed, type CzBed } from '../support/cz';
import { edoParty } from '../support/edo';
import { requireGost } from '../support/gost';

describe('edo inbox: exactly once across a crash around the upload (real HTTP, real GOST)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let cz: CzClient;
  let signer: OpensslSigner;
  let dir: string;
  let n = 0;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ edo: { deliveryMs: 20, buyerDelayMs: 30, gisDelayMs: 30 } });
    cz = bed.client();
    signer = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-inbox-'));
  });
  after(async () => {
    signer?.close();
    await bed?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const edo = (): EdoClient =>
    new EdoClient({
      baseUrl: edoBaseUrl({ environment: 'custom', url: bed.emu.url, edoApi: 'true-api' }),
      api: 'true-api',
      tokens: cz,
      retry: { baseMs: 10, maxMs: 50, retries: 1 },
    });

  /** An incoming УПД from a supplier who owns its codes (nothing in 1C: the handler decides «sign»). */
  function incoming(): string {
    const supplier = bed.world.counterparties[0]!;
    const org = bed.world.organisation;
    const used = new Set(bed.emu.edo.documents().flatMap((d) => d.codes));
    const free = bed
      .codes({ pg: 'lp', status: 'INTRODUCED', free: true })
      .filter((x) => bed.emu.registry.code(x)?.ownerInn === org.inn && !used.has(x));
    const gtin = free[0]!.slice(2, 16);
    const mine = free.filter((x) => x.slice(2, 16) === gtin).slice(0, 1);
    for (const x of mine) (bed.emu.registry.code(x) as { ownerInn: string }).ownerInn = supplier.inn;
    n++;
    return bed.emu.edo.sendIncoming({
      function: 'ДОП',
      number: `К-${n}`,
      date: '2026-11-30',
      formedAt: new Date(),
      key: `crash:${n}:${Math.random()}`,
      productGroup: 'lp',
      seller: edoParty(bed, supplier),
      buyer: edoParty(bed, org),
      signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
      lines: [{ name: 'Футболка', okei: '796', quantity: 1, vatRate: '22%', totalKop: 122000, codes: mine }],
    }).id;
  }

  /** An inbox on the journal file as a restarted process opens it; `upload` wraps the title upload. */
  function inbox(
    client: EdoClient,
    upload?: (real: () => Promise<{ id: string }>) => Promise<{ id: string }>,
  ): { inbox: EdoInbox; outcomes: InboxOutcome[]; handler: InboxHandler } {
    const journal = Journal.open(inboxFile(dir, bed.emu.url, bed.world.organisation.inn));
    const api = Object.create(client) as EdoClient;
    if (upload) api.uploadBuyerTitle = (id, req) => upload(() => client.uploadBuyerTitle(id, req));
    const box = new EdoInbox({
      journal,
      edo: api,
      sign: (b) => signer.sign(b, 'detached'),
      signer: async () => ({ surname: 'Иванов', firstName: 'Иван', position: 'Директор' }),
      releaseJournal: true,
      pollMs: 3600000,
    });
    const outcomes: InboxOutcome[] = [];
    const handler: InboxHandler = {
      decide: async () => ({
        decision: {
          action: 'sign',
          receipt: { ref: 'r', number: '1', supplierInn: '', lines: [] },
          mismatches: [],
        },
      }),
      report: (o) => outcomes.push(o),
    };
    return { inbox: box, outcomes, handler };
  }

  const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

  it('dies after the upload (answer lost): the next inbox adopts the title, uploads nothing', async () => {
    const id = incoming();
    const c = edo();
    const first = inbox(c, async (real) => {
      await real(); // the operator has it …
      throw new Error('ECONNRESET'); // … and the answer never arrives
    });
    first.inbox.attach(first.handler);
    await first.inbox.pollNow();
    const e = first.inbox.entry(id)!;
    assert.equal(e.state, 'final', 'looked up at once: the operator has the title');
    assert.equal(first.outcomes.at(-1)?.adopted, true);
    assert.ok(bed.emu.edo.document(id)?.buyerTitle);
    assert.equal(sha(bed.emu.edo.document(id)!.buyerTitle!.bytes), e.bodyHash, 'the journalled bytes');
    first.inbox.close();
    c.close();
  });

  it('dies before the upload: the next inbox uploads the journalled bytes once', async () => {
    const id = incoming();
    const c = edo();
    const first = inbox(c, async () => {
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    first.inbox.attach(first.handler);
    await first.inbox.pollNow();
    const e = first.inbox.entry(id)!;
    assert.ok(e.state === 'unknown' || e.state === 'sending', `interrupted: ${e.state}`);
    assert.equal(bed.emu.edo.document(id)?.buyerTitle, undefined);
    const hash = e.bodyHash;
    first.inbox.close();
    // the restarted process: same file, no wrapper
    const again = inbox(c);
    again.inbox.attach(again.handler);
    await again.inbox.pollNow();
    const done = again.inbox.entry(id)!;
    assert.equal(done.state, 'final');
    assert.equal(done.status, 'SIGNED');
    assert.equal(done.bodyHash, hash, 'no second title built');
    assert.equal(sha(bed.emu.edo.document(id)!.buyerTitle!.bytes), hash);
    assert.equal(again.outcomes.filter((o) => o.documentId === id && o.kind === 'signed').length, 1);
    // a third process finds it final: nothing uploaded, nothing reported
    again.inbox.close();
    const third = inbox(c, async () => assert.fail('no upload'));
    third.inbox.attach(third.handler);
    await third.inbox.pollNow();
    assert.equal(third.outcomes.filter((o) => o.documentId === id).length, 0);
    third.inbox.close();
    c.close();
  });
  it('dies after journalling the decision, before building the answer: the next round answers it once', async () => {
    const id = incoming();
    const c = edo();
    const file = inboxFile(dir, bed.emu.url, bed.world.organisation.inn);
    const j = Journal.open(file);
    j.add({
      key: `in:${id}`,
      type: 'UPD_IN',
      productGroup: '',
      part: 1,
      parts: 1,
      source: { ref: '', dataVersion: '' },
    });
    j.update(`in:${id}`, {
      documentId: id,
      status: 'SIGNING',
      inbox: { date: '30.11.2026', sellerInn: '', sellerName: '', action: 'sign', decidedBy: 'rule' },
    } as Record<string, unknown>);
    j.release();
    const box = inbox(c);
    box.inbox.attach(box.handler);
    await box.inbox.pollNow();
    assert.equal(box.inbox.entry(id)?.status, 'SIGNED');
    assert.ok(bed.emu.edo.document(id)?.buyerTitle);
    assert.equal(box.outcomes.filter((o) => o.documentId === id && o.kind === 'signed').length, 1);
    await box.inbox.pollNow();
    assert.equal(box.outcomes.filter((o) => o.documentId === id).length, 1, 'nothing again');
    box.inbox.close();
    c.close();
  });
});
