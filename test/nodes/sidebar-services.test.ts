/**
 * The journal endpoint of the sidebar plugin serves the summaries of the services a connection's desk
 * holds (DeskService.summary, lib/cz/desk.ts) beside that connection's documents, and the metrics
 * endpoint exports their counters (znakflow_service_counter). The service here is a small real one
 * registered through `desk.service('test-summary', …)`: it reads the personal-account balance through
 * the connection's own client (the True API emulator over real HTTP) and shows it per product group.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeskService, DeskServiceSummary } from '../../lib/cz/desk';
import type { CzConnection } from '../../lib/cz/connection';
import type { CzConnectionNode } from '../../nodes/cz-connection/model';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';

const NODES = [...packNodes('cz-connection'), require('../../plugins/znakflow/znakflow') as unknown];

/** Reads the balance through the connection's client; its summary is what it last read. */
class BalanceService implements DeskService {
  closed = false;
  private rows: Array<{ productGroup: string; roubles: number; positive: boolean }> = [];
  private reads = 0;
  constructor(private readonly conn: CzConnection) {}
  async refresh(): Promise<void> {
    const entries = await this.conn.client.balance();
    this.reads++;
    this.rows = entries.map((e) => ({
      productGroup: String(e.productGroup ?? e.productGroupId),
      roubles: e.balanceRoubles ?? 0,
      positive: (e.balanceRoubles ?? 0) > 0,
    }));
  }
  summary(): DeskServiceSummary {
    const low = this.rows.filter((r) => r.roubles < 1000).length;
    return {
      kind: 'test-summary',
      title: { ru: 'Тестовая служба', en: 'Test service' },
      columns: [
        { key: 'productGroup', ru: 'Группа', en: 'Group' },
        { key: 'roubles', ru: 'Рубли', en: 'Roubles' },
        { key: 'positive', ru: 'Есть деньги', en: 'In credit' },
      ],
      rows: this.rows,
      counters: { reads: this.reads, groups: this.rows.length, low },
      ...(low ? { warning: { ru: `мало денег: ${low}`, en: `low balance: ${low}` } } : {}),
    };
  }
  close(): void {
    this.closed = true;
  }
}

interface Served {
  journals: Array<{
    participantInn: string;
    stand: string;
    summary: { total: number } | null;
    entries: unknown[];
    services: Array<DeskServiceSummary & { connection: string; connectionName: string }>;
  }>;
}

describe('sidebar plugin: the service summaries of each connection, and their counters as metrics', function () {
  this.timeout(60000);
  let bed: CzBed;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startBed();
    bed.emu.registry.participant(bed.world.organisation.inn)?.balances.set(1, 50000); // lp: 500.00 ₽
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-sidebar-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const conn = {
    id: 'conn',
    type: 'cz-connection',
    name: 'Main',
    environment: 'custom',
    participantInn: '',
    signer: 'openssl',
    rateLimit: 50,
  };
  function flow(): Array<Record<string, unknown>> {
    return [
      {
        ...conn,
        url: bed.emu.url,
        participantInn: bed.world.organisation.inn,
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
      },
    ];
  }
  const desk = () => (helper.getNode('conn') as unknown as CzConnectionNode).desk;
  async function served(): Promise<Served> {
    const r = await helper.request().get('/znakflow/journal').expect(200);
    return r.body as Served;
  }
  const mine = (s: Served) => s.journals.find((j) => j.participantInn === bed.world.organisation.inn);

  it('a connection without a journal: its services alone, then beside its documents once the journal opens', async () => {
    await helper.load(NODES, flow());
    // nothing to show before a service is made
    assert.equal(mine(await served()), undefined);
    const svc = desk().service('test-summary', (c) => new BalanceService(c));
    await svc.refresh();

    let j = mine(await served());
    assert.ok(j, 'the connection is listed for its service');
    assert.equal(j.summary, null);
    assert.deepEqual(j.entries, []);
    assert.equal(j.stand, bed.emu.url.replace(/\/+$/, ''));
    assert.equal(j.services.length, 1);
    const s = j.services[0]!;
    assert.equal(s.kind, 'test-summary');
    assert.equal(s.connection, 'conn');
    assert.equal(s.connectionName, 'Main');
    assert.deepEqual(s.title, { ru: 'Тестовая служба', en: 'Test service' });
    assert.deepEqual(
      s.columns.map((c) => c.key),
      ['productGroup', 'roubles', 'positive'],
    );
    const lp = s.rows.find((r) => r['productGroup'] === 'lp');
    assert.deepEqual(lp, { productGroup: 'lp', roubles: 500, positive: true });
    assert.equal(s.counters?.['reads'], 1);
    assert.equal(s.counters?.['groups'], s.rows.length);
    assert.ok((s.counters?.['low'] ?? 0) >= 1);
    assert.match(s.warning?.en ?? '', /^low balance: \d+$/);

    // the journal opens (a document would be sent): the same services, beside its documents
    desk().journal();
    await svc.refresh();
    const all = (await served()).journals.filter((x) => x.participantInn === bed.world.organisation.inn);
    assert.equal(all.length, 1, 'one entry per journal, not a second one for the services');
    j = all[0]!;
    assert.equal(j.summary?.total, 0);
    assert.equal(j.services[0]?.counters?.['reads'], 2);

    // the counters as metrics, labelled by the connection's name, the service kind and the counter
    const text = (await helper.request().get('/znakflow/metrics').expect(200)).text;
    assert.match(text, /^# TYPE znakflow_service_counter gauge$/m);
    assert.match(text, /^znakflow_service_counter\{connection="Main",kind="test-summary",name="reads"\} 2$/m);
    assert.ok(
      text.includes(
        `znakflow_service_counter{connection="Main",kind="test-summary",name="groups"} ${s.rows.length}`,
      ),
    );
  });

  it('a summary that throws leaves the documents and the other services served; a closed desk shows none', async () => {
    await helper.load(NODES, flow());
    desk().journal();
    desk().service('broken', () => ({
      close() {},
      summary(): DeskServiceSummary {
        throw new Error('boom');
      },
    }));
    const ok = desk().service('test-summary', (c) => new BalanceService(c));
    await ok.refresh();
    let j = mine(await served());
    assert.deepEqual(
      j?.services.map((s) => s.kind),
      ['test-summary'],
    );
    await helper.unload(); // the connection closes: its services close with it
    assert.equal(ok.closed, true);
    await helper.load(NODES, flow());
    j = mine(await served());
    assert.deepEqual(j?.services ?? [], []);
    const text = (await helper.request().get('/znakflow/metrics').expect(200)).text;
    assert.doesNotMatch(text, /kind="test-summary"/, 'no stale series of a service that is gone');
  });
});
