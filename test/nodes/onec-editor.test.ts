/**
 * The onec-read and onec-connection dialogs in a real editor (headless Chromium): filter conditions
 * and field-name overrides are saved, the presets' names show as placeholders, and "Test connection"
 * reports the 1C answer (and a refusal) for the settings being edited.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium } from '../support/browser';

describe('onec dialogs in the editor (headless Chromium)', function () {
  this.timeout(300000);
  let emu: OnecEmulator;
  let rt: Runtime;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    emu = await startOnecEmulator();
    rt = await startRuntime({
      flows: [
        { id: 'tab1', type: 'tab', label: 't' },
        { id: 'c1', type: 'onec-connection', url: 'http://127.0.0.1:9/deployed-elsewhere', version: 1 },
        {
          id: 'r1',
          type: 'onec-read',
          z: 'tab1',
          x: 200,
          y: 100,
          wires: [],
          connection: 'c1',
          mode: 'query',
          version: 1,
          conditions: [{ field: 'Number', op: 'eq', type: 'string', value: 'payload', valueType: 'msg' }],
        },
      ],
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ locale: 'ru' })).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript(() => window.localStorage.setItem('editor-language', 'ru'));
    await page.goto(`${rt.url}/`);
    await page.waitForFunction(() => !!(window as any).RED?.nodes?.node('r1'), undefined, { timeout: 60000 });
  });
  after(async () => {
    await browser?.close();
    await rt?.stop();
    await emu?.stop();
  });

  it('onec-read saves conditions and field-name overrides; presets show as placeholders', async () => {
    await page.evaluate(() => {
      const RED = (window as any).RED;
      RED.editor.edit(RED.nodes.node('r1'));
    });
    await page.waitForSelector('#node-input-conditions-list .zf-cond-field');
    await page.click('.node-input-conditions-container-row .red-ui-editableList-addButton');
    await page.fill('.zf-cond-field >> nth=1', 'Контрагент/ИНН');
    await page.selectOption('.zf-cond-op >> nth=1', 'ne');
    await page.click('#zf-layout summary');
    await page.waitForFunction(
      () =>
        document
          .querySelector('#zf-layout-rows input[data-field="codesTable"]')
          ?.getAttribute('placeholder') === 'ШтрихкодыУпаковок',
    );
    await page.selectOption('#node-input-preset', 'retail3');
    await page.waitForFunction(
      () =>
        document
          .querySelector('#zf-layout-rows input[data-field="goodsTable"]')
          ?.getAttribute('placeholder') === 'Запасы',
    );
    await page.fill('#zf-layout-rows input[data-field="codesTable"]', 'МаркировкаТоваров');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('.red-ui-tray', { state: 'detached' });
    const saved = await page.evaluate(() => {
      const n = (window as any).RED.nodes.node('r1');
      return { conditions: n.conditions, layout: n.layout, preset: n.preset };
    });
    assert.deepEqual(saved, {
      conditions: [
        { field: 'Number', op: 'eq', type: 'string', refType: '', value: 'payload', valueType: 'msg' },
        { field: 'Контрагент/ИНН', op: 'ne', type: 'string', refType: '', value: '', valueType: 'str' },
      ],
      layout: { codesTable: 'МаркировкаТоваров' },
      preset: 'retail3',
    });
  });

  it('onec-connection "Test connection" tests the dialog’s settings and shows 1C’s answer or the refusal', async () => {
    await page.evaluate(() => {
      const RED = (window as any).RED;
      RED.editor.editConfig('', 'onec-connection', 'c1');
    });
    await page.waitForSelector('#onec-connection-test');
    await page.fill('#node-config-input-url', emu.url);
    await page.fill('#node-config-input-username', 'odata');
    await page.fill('#node-config-input-password', 'wrong');
    await page.click('#onec-connection-test');
    await page.waitForFunction(() =>
      /401/.test(document.querySelector('#onec-connection-test-result')?.textContent ?? ''),
    );
    assert.match((await page.getAttribute('#onec-connection-test-result', 'class')) ?? '', /zf-fail/);
    await page.fill('#node-config-input-password', 'odata');
    await page.click('#onec-connection-test');
    await page.waitForFunction(() =>
      /HTTP 200/.test(document.querySelector('#onec-connection-test-result')?.textContent ?? ''),
    );
    const text = (await page.textContent('#onec-connection-test-result')) ?? '';
    assert.match(text, /Подключение работает/);
    assert.match(text, /Catalog_ШтрихкодыУпаковокТоваров/);
    assert.equal(
      await page.locator('#onec-connection-test-result .fa-times').count(),
      0,
      'every expected set is visible',
    );
    assert.deepEqual(errors, []);
  });
});
