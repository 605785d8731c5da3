/**
 * The cz-map-document dialog in headless Chromium against a real Node-RED: the editable lists
 * (ОсобенностьУчета rows, overrides with Node-RED's JSONata typed input) load and save, and the
 * preview maps a pasted example with the settings typed in the dialog, in the editor's language.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { demoWorld } from '../../lib/emulators/demo-data';
import { startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium } from '../support/browser';
import { onecMessage } from '../support/onec-fixtures';

const world = demoWorld();
const sale = onecMessage(
  world,
  world.documents.find((d) => d.comment === 'обувь') as (typeof world.documents)[number],
);

describe('editor: cz-map-document dialog', function () {
  this.timeout(300000);
  let rt: Runtime;
  let browser: Browser;

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    rt = await startRuntime({
      flows: [
        { id: 'tab1', type: 'tab', label: 'map' },
        {
          id: 'map1',
          type: 'cz-map-document',
          z: 'tab1',
          x: 200,
          y: 100,
          wires: [[], []],
          documentType: 'auto',
          groupMapping: [{ value: 'ОдеждаОсобая', pg: 'lp' }],
          overrides: [{ path: 'document_num', expr: '"X-" & payload.Number' }],
          version: 1,
        },
      ],
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rt?.stop();
  });

  async function openDialog(lang: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ locale: lang });
    await context.addInitScript((l: string) => window.localStorage.setItem('editor-language', l), lang);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${rt.url}/`);
    await page.waitForFunction(
      () =>
        !!(window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED?.nodes?.node('map1'),
      undefined,
      { timeout: 60000 },
    );
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED;
      RED.editor.edit(RED.nodes.node('map1'));
    });
    await page.waitForSelector('#zf-map-preview-button', { state: 'visible', timeout: 10000 });
    return { page, errors };
  }

  it('previews the example with the typed override, in English', async () => {
    const { page, errors } = await openDialog('en-US');
    // the override row carries Node-RED's JSONata typed input
    assert.equal(
      await page.locator('#node-input-overrides-container .red-ui-typedInput-container').count(),
      1,
    );
    assert.equal(await page.inputValue('.zf-map-override-path'), 'document_num');
    assert.equal(await page.inputValue('.zf-map-group-value'), 'ОдеждаОсобая');
    // a property the flow lacks shows its default
    assert.equal(await page.inputValue('#node-input-maxCodes'), '30000');
    await page.fill('#zf-map-preview-msg', JSON.stringify(sale));
    await page.click('#zf-map-preview-button');
    await page.waitForFunction(() =>
      /LP_SHIP_GOODS/.test(document.querySelector('#zf-map-preview-result')?.textContent ?? ''),
    );
    const text = (await page.textContent('#zf-map-preview-result')) ?? '';
    assert.match(text, /✓ LP_SHIP_GOODS \/ shoes 1\/1 \(3\)/);
    assert.match(text, new RegExp(`"document_num": "X-${sale.onec.number}"`));
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('shows every problem in Russian, and saves the lists (ru)', async () => {
    const { page, errors } = await openDialog('ru');
    const broken = JSON.parse(JSON.stringify(sale));
    broken.payload['Контрагент']['ИНН'] = '7707083894';
    await page.selectOption('#node-input-productGroup', 'lp');
    await page.fill('#zf-map-preview-msg', JSON.stringify(broken));
    await page.click('#zf-map-preview-button');
    await page.waitForFunction(() =>
      /✗/.test(document.querySelector('#zf-map-preview-result')?.textContent ?? ''),
    );
    const text = (await page.textContent('#zf-map-preview-result')) ?? '';
    assert.match(text, /receiver_inn: ИНН «7707083894»: неверная контрольная цифра/);
    assert.match(text, /относится к товарной группе shoes, а документ — к группе lp/);
    // add a mapping row and save
    await page.click('.node-input-groupMapping-row .red-ui-editableList-addButton');
    await page.locator('.zf-map-group-value').nth(1).fill('ОбувьОсобая');
    await page.locator('.zf-map-group-pg').nth(1).selectOption('shoes');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('.red-ui-tray', { state: 'detached', timeout: 10000 });
    const saved = await page.evaluate(() => {
      const n = (window as unknown as { RED: any }).RED.nodes.node('map1');
      return { groupMapping: n.groupMapping, overrides: n.overrides, productGroup: n.productGroup };
    });
    assert.deepEqual(saved, {
      groupMapping: [
        { value: 'ОдеждаОсобая', pg: 'lp' },
        { value: 'ОбувьОсобая', pg: 'shoes' },
      ],
      overrides: [{ path: 'document_num', expr: '"X-" & payload.Number' }],
      productGroup: 'lp',
    });
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('business place: typed inputs and the warehouse table are previewed and saved (version 3)', async () => {
    const { page, errors } = await openDialog('ru');
    const wo = onecMessage(
      world,
      world.documents.find((d) => d.kind === 'writeOff')!,
    );
    const wh = world.warehouses![0]!;
    await page.selectOption('#node-input-documentType', 'LK_RECEIPT');
    await page.selectOption('#node-input-withdrawalReason', 'RETAIL');
    await page.selectOption('#node-input-productGroup', '');
    assert.ok(await page.isVisible('.node-input-places-row'));
    // the fiasId typed input: a plain text value
    await page.evaluate(() => {
      const $ = (window as unknown as { $: any }).$;
      $('#node-input-fiasId').typedInput('value', '0c5b2444-70a0-4932-980c-b4dc0d3f02b5');
    });
    await page.click('.node-input-places-row .red-ui-editableList-addButton');
    await page.locator('.zf-map-place-warehouse').fill(wh.name);
    await page.locator('.zf-map-place-kpp').fill('770845001');
    await page.fill('#zf-map-preview-msg', JSON.stringify(wo));
    await page.click('#zf-map-preview-button');
    await page.waitForFunction(() =>
      /LK_RECEIPT/.test(document.querySelector('#zf-map-preview-result')?.textContent ?? ''),
    );
    const text = (await page.textContent('#zf-map-preview-result')) ?? '';
    assert.match(text, /✓ LK_RECEIPT \/ lp/);
    assert.match(text, /"kpp": "770845001"/);
    assert.match(text, /"fias_id": "0c5b2444-70a0-4932-980c-b4dc0d3f02b5"/);
    await page.click('#node-dialog-ok');
    await page.waitForSelector('.red-ui-tray', { state: 'detached', timeout: 10000 });
    const saved = await page.evaluate(() => {
      const n = (window as unknown as { RED: any }).RED.nodes.node('map1');
      return {
        places: n.places,
        fiasId: n.fiasId,
        fiasIdType: n.fiasIdType,
        kppType: n.kppType,
        version: n.version,
        legacyShipGoods: n.legacyShipGoods,
      };
    });
    assert.deepEqual(saved, {
      places: [{ warehouse: wh.name, kpp: '770845001', fiasId: '' }],
      fiasId: '0c5b2444-70a0-4932-980c-b4dc0d3f02b5',
      fiasIdType: 'str',
      kppType: 'str',
      version: 3,
      // saved by version 1 with type auto: the migration to 3 keeps its LP_SHIP_GOODS as it was
      legacyShipGoods: true,
    });
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
