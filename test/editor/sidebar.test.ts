/**
 * The «Честный ЗНАК» sidebar tab in headless Chromium while the standard flow runs against the demo
 * emulators: it lists the demo's УПД (1C numbers, statuses in words and codes, document ids),
 * the counters, the buyer's reason for a refused one; the filters and the search work; ru and en-US.
 * A test-only node in the Node-RED process registers a service on the flow's connection through
 * `desk.service('test-summary', …)`: its summary renders as a titled table with counters, quota and
 * warning in both languages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchChromium, openEditorPage } from '../support/browser';
import { postedSales, startOpsBed, type OpsBed } from '../support/ops';

async function openSidebar(
  browser: Browser,
  bed: OpsBed,
  lang: string,
): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await openEditorPage(browser, bed.rt.url, lang, 'zf-std-read');
  await page.evaluate(() => {
    (window as unknown as { RED: { sidebar: { show(id: string): void } } }).RED.sidebar.show('znakflow');
  });
  return { page, errors };
}

interface Row {
  number: string;
  group: string;
  status: string;
  code: string;
  id: string;
}

function rows(page: Page): Promise<Row[]> {
  return page.$$eval('.znakflow-sidebar-row', (items) =>
    items.map((item) => ({
      number: item.getAttribute('data-number') ?? '',
      group: item.getAttribute('data-group') ?? '',
      status: (item.querySelector('.znakflow-sidebar-status-text')?.textContent ?? '').trim(),
      code: (item.querySelector('.znakflow-sidebar-code')?.textContent ?? '').trim(),
      id: (item.querySelector('.znakflow-sidebar-id')?.textContent ?? '').trim(),
    })),
  );
}

/**
 * A test-only node type (a Node-RED `nodesDir`) that gives its cz-connection's desk a service with a
 * summary, as the ЭДО Лайт side does (lib/cz/desk.ts DeskService): rows, counters with a yearly quota,
 * a warning; closed with the desk.
 */
function summaryNodeDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-summary-node-'));
  fs.writeFileSync(
    path.join(dir, 'zf-test-summary.js'),
    `module.exports = function (RED) {
  function TestSummary(config) {
    RED.nodes.createNode(this, config);
    const conn = RED.nodes.getNode(config.connection);
    conn.desk.service('test-summary', () => ({
      close() {},
      summary() {
        return {
          kind: 'test-summary',
          title: { ru: 'УПД в ЭДО Лайт (тест)', en: 'УПД in ЭДО Лайт (test)' },
          columns: [
            { key: 'number', ru: 'Номер', en: 'Number' },
            { key: 'edo', ru: 'Статус ЭДО', en: 'EDO status' },
            { key: 'signed', ru: 'Подписан', en: 'Signed' },
            { key: 'sum', ru: 'Сумма', en: 'Sum' },
          ],
          rows: [
            { number: 'ДМ00-000001', edo: 'подписан', signed: true, sum: 12500 },
            { number: 'ДМ00-000002', edo: 'отправлен', signed: false, sum: null },
          ],
          counters: { outgoingThisYear: 12, limit: 1000, remaining: 988, orders: 3 },
          warning: { ru: 'лимит почти исчерпан', en: 'the quota is almost used' },
        };
      },
    }));
  }
  RED.nodes.registerType('zf-test-summary', TestSummary);
};
`,
  );
  fs.writeFileSync(
    path.join(dir, 'zf-test-summary.html'),
    `<script type="text/javascript">
  RED.nodes.registerType('zf-test-summary', {
    category: 'function',
    color: '#ddd',
    defaults: { name: { value: '' }, connection: { value: '', type: 'cz-connection' } },
    inputs: 0,
    outputs: 0,
    label: function () { return this.name || 'test summary'; },
  });
</script>
<script type="text/html" data-template-name="zf-test-summary"></script>
<script type="text/html" data-help-name="zf-test-summary"><p>test</p></script>
`,
  );
  return dir;
}

interface ServiceShown {
  title: string;
  quota: string;
  counters: Record<string, string>;
  warning: string;
  headers: string[];
  cells: string[][];
}

async function serviceShown(page: Page, kind: string): Promise<ServiceShown> {
  const box = `.znakflow-sidebar-service[data-kind="${kind}"]`;
  // no named helpers inside the page functions (the test runner's transform would name them)
  const one = (sel: string) =>
    page.$eval(`${box} ${sel}`, (e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').trim()).catch(() => '');
  const counters = await page.$$eval(`${box} .znakflow-sidebar-service-counter`, (els) =>
    els.map((e) => [e.getAttribute('data-counter') ?? '', (e.textContent ?? '').replace(/\u00a0/g, ' ')]),
  );
  return {
    title: await one('.znakflow-sidebar-service-title'),
    quota: await one('.znakflow-sidebar-service-quota'),
    counters: Object.fromEntries(counters),
    warning: await one('.znakflow-sidebar-service-warning'),
    headers: await page.$$eval(`${box} th`, (els) => els.map((e) => e.textContent ?? '')),
    cells: await page.$$eval(`${box} tbody tr`, (trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td')].map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')),
      ),
    ),
  };
}

describe('editor: the «Честный ЗНАК» sidebar while the standard flow runs', function () {
  this.timeout(300000);
  let bed: OpsBed;
  let browser: Browser;
  let rejectedNumber = '';
  let expected = 0;

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    bed = await startOpsBed({
      fast: { interval: 2, pollSeconds: 1, settleSeconds: 3 },
      settings: { nodesDir: [summaryNodeDir()] },
      deploy: false,
    });
    const conn = bed.flows.find((n) => n['type'] === 'cz-connection')!;
    const read = bed.flows.find((n) => n['id'] === 'zf-std-read')!;
    await bed.deploy([
      ...bed.flows,
      {
        id: 'zf-test-summary',
        type: 'zf-test-summary',
        z: read['z'],
        x: 600,
        y: 600,
        connection: conn['id'],
      },
    ]);
    // a sale whose codes are not the seller's: the demo buyer refuses its УПД, with its reason
    const rec = bed.demo.onec.store.addSale({
      counterpartyRef: bed.demo.world.counterparties[1]!.ref,
      lines: [{ itemRef: bed.demo.world.items[1]!.ref, quantity: 1 }],
    });
    rejectedNumber = String(rec['Number']);
    await bed.comms.waitFor(
      () => postedSales(bed).every((s) => bed.outcomes().has(s.ref)),
      120000,
      'every sale sent and its outcome written back',
    );
    expected = postedSales(bed).reduce((n, s) => n + s.groups.length, 0);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await bed?.stop();
  });

  for (const lang of ['ru', 'en-US']) {
    it(`lists the demo's documents with statuses, counters, errors, filters and search (${lang})`, async () => {
      const ru = lang === 'ru';
      const { page, errors } = await openSidebar(browser, bed, lang);
      await page.waitForFunction(
        (n) => document.querySelectorAll('.znakflow-sidebar-row').length >= n,
        expected,
        { timeout: 30000 },
      );
      const all = await rows(page);
      assert.equal(all.length, expected);
      // every posted demo sale, once per product group (the mixed sale twice)
      for (const s of postedSales(bed)) {
        assert.equal(all.filter((r) => r.number === s.number).length, s.groups.length, s.number);
      }
      const byNumber = (n: string) => all.filter((r) => r.number === n);
      const sale1 = bed.demo.world.documents.find((d) => d.number === 'ДМ00-000001')!;
      assert.ok(sale1);
      // sales go as УПД through ЭДО Лайт: the demo buyer signs, ГИС МТ moves the codes
      assert.equal(byNumber('ДМ00-000001')[0]?.code, 'ACCEPTED');
      assert.equal(byNumber('ДМ00-000001')[0]?.status, ru ? 'Принят покупателем' : 'Accepted by the buyer');
      assert.match(byNumber('ДМ00-000001')[0]?.id ?? '', /^[0-9a-f-]{36}$/);
      // the buyer ЭДО Лайт does not know: refused before sending, nothing in the list
      assert.deepEqual(byNumber('ДМ00-000008'), []);
      const rejected = byNumber(rejectedNumber)[0];
      assert.equal(rejected?.group, 'rejected');
      assert.equal(rejected?.code, 'REFUSED');
      assert.equal(rejected?.status, ru ? 'Отклонён покупателем' : 'Refused by the buyer');
      // the buyer's reason as the counterparty wrote it
      const errorsShown = await page.$$eval('.znakflow-sidebar-errors .znakflow-sidebar-error', (els) =>
        els.map((e) => e.textContent ?? ''),
      );
      assert.ok(
        errorsShown.some((e) => /Коды маркировки не принадлежат продавцу/.test(e)),
        `the buyer's reason for the refused УПД: ${errorsShown.join(' | ')}`,
      );
      // counters of the connection block that lists the УПД (the first one)
      const counters = await page.$eval('.znakflow-sidebar-counters', (box) =>
        Object.fromEntries(
          [...box.querySelectorAll('.znakflow-sidebar-counter')].map((e) => [
            e.getAttribute('data-counter'),
            e.textContent ?? '',
          ]),
        ),
      );
      assert.equal(counters['sent'], `${ru ? 'отправлено' : 'sent'}: ${expected}`);
      assert.equal(counters['rejected'], `${ru ? 'отклонено' : 'rejected'}: 1`);
      assert.equal(counters['accepted'], `${ru ? 'принято' : 'accepted'}: ${expected - 1}`);
      assert.equal(counters['pending'], `${ru ? 'на проверке' : 'being checked'}: 0`);
      const header = await page.textContent('.znakflow-sidebar-connection');
      assert.equal(header, `${ru ? 'Участник' : 'Participant'} ${bed.demo.world.organisation.inn}`);

      // filter by status group: only the rejected one
      await page.selectOption('#znakflow-sidebar-status', 'rejected');
      await page.waitForFunction(
        () => document.querySelectorAll('.znakflow-sidebar-row').length === 1,
        undefined,
        {
          timeout: 10000,
        },
      );
      assert.deepEqual(
        (await rows(page)).map((r) => r.number),
        [rejectedNumber],
      );
      // the counter button toggles the same filter back
      await page.click('.znakflow-sidebar-counter[data-counter="rejected"]');
      await page.waitForFunction(
        (n) => document.querySelectorAll('.znakflow-sidebar-row').length === n,
        expected,
        { timeout: 10000 },
      );
      assert.equal(await page.inputValue('#znakflow-sidebar-status'), 'all');
      // search by 1C number
      await page.fill('#znakflow-sidebar-search', 'ДМ00-000003');
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('.znakflow-sidebar-row')].every(
            (r) => r.getAttribute('data-number') === 'ДМ00-000003',
          ) && document.querySelectorAll('.znakflow-sidebar-row').length === 2,
        undefined,
        { timeout: 10000 },
      );
      // nothing matches
      await page.fill('#znakflow-sidebar-search', 'no-such-document');
      await page.waitForSelector('.znakflow-sidebar-nothing', { timeout: 10000 });
      assert.equal(
        await page.textContent('.znakflow-sidebar-nothing'),
        ru ? 'Подходящих документов нет.' : 'No document matches.',
      );
      const text = (await page.textContent('.znakflow-sidebar')) ?? '';
      assert.doesNotMatch(text, /sidebar\.|znakflow:/, 'no untranslated key');
      assert.deepEqual(errors, [], `console errors (${lang})`);
      await page.context().close();
    });
  }

  for (const lang of ['ru', 'en-US']) {
    it(`renders a connection's service summary as a titled table with counters, quota and warning (${lang})`, async () => {
      const ru = lang === 'ru';
      const { page, errors } = await openSidebar(browser, bed, lang);
      await page.waitForSelector('.znakflow-sidebar-service[data-kind="test-summary"] tbody tr', {
        timeout: 30000,
      });
      const s = await serviceShown(page, 'test-summary');
      assert.equal(s.title, ru ? 'УПД в ЭДО Лайт (тест)' : 'УПД in ЭДО Лайт (test)');
      assert.equal(s.quota, ru ? '12 из 1 000 в этом году' : '12 of 1 000 this year');
      assert.deepEqual(s.counters, {
        remaining: ru ? 'осталось: 988' : 'remaining: 988',
        orders: ru ? 'заказов: 3' : 'orders: 3',
      });
      assert.equal(s.warning, ru ? 'лимит почти исчерпан' : 'the quota is almost used');
      assert.deepEqual(
        s.headers,
        ru ? ['Номер', 'Статус ЭДО', 'Подписан', 'Сумма'] : ['Number', 'EDO status', 'Signed', 'Sum'],
      );
      assert.deepEqual(s.cells, [
        ['ДМ00-000001', 'подписан', ru ? 'да' : 'yes', '12 500'],
        ['ДМ00-000002', 'отправлен', ru ? 'нет' : 'no', ''],
      ]);
      // under the connection's header, before its documents
      const order = await page.$$eval('.znakflow-sidebar > #znakflow-sidebar-body > *', (els) =>
        els.map((e) => e.className),
      );
      // the test bed holds more than one connection: look at the one whose block carries the summary
      const first = order.findIndex((x) => x.includes('znakflow-sidebar-service'));
      let header = first - 1;
      while (header >= 0 && !order[header].includes('znakflow-sidebar-connection')) header -= 1;
      assert.ok(header >= 0, `a connection header before the summary: ${order.join(' ')}`);
      const between = order.slice(header + 1, first);
      assert.ok(
        between.every((c) => !/znakflow-sidebar-(list|nothing|counters)/.test(c)),
        `the summary comes right under its connection's header: ${order.join(' ')}`,
      );
      let next = first;
      while (next < order.length && order[next].includes('znakflow-sidebar-service')) next += 1;
      assert.ok(
        next < order.length && /znakflow-sidebar-(list|nothing|counters)/.test(order[next]),
        `the connection's documents follow its summaries: ${order.join(' ')}`,
      );
      const text = (await page.textContent('.znakflow-sidebar')) ?? '';
      assert.doesNotMatch(text, /sidebar\.|znakflow:/, 'no untranslated key');
      assert.deepEqual(errors, [], `console errors (${lang})`);
      await page.context().close();
    });
  }
});
