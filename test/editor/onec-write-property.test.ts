/**
 * The «Check property» button of the onec-write dialog, in headless Chromium against a real
 * Node-RED and the 1C emulator's БСП-shaped base: the name in the dialog resolves to the property
 * of the document kind's set (GUID, title, set), or the candidates are listed.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { DEMO_STATUS_PROPERTIES, startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { deployFlows, startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium } from '../support/browser';

describe('editor: onec-write «Check property» button', function () {
  this.timeout(300000);
  let rt: Runtime;
  let browser: Browser;
  let emu: OnecEmulator;

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    emu = await startOnecEmulator();
    rt = await startRuntime({});
    await deployFlows(
      rt,
      [
        { id: 'tab1', type: 'tab', label: '1c' },
        { id: 'c1', type: 'onec-connection', name: '1C demo', url: emu.url, version: 1 },
        {
          id: 'w1',
          type: 'onec-write',
          z: 'tab1',
          connection: 'c1',
          mode: 'register',
          property: 'СтатусЧестныйЗнак',
          propertyType: 'str',
          entity: 'Document_СписаниеНедостачТоваров',
          entityType: 'str',
          version: 1,
          wires: [[]],
        },
      ],
      { credentials: { c1: { username: 'odata', password: 'odata' } } },
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rt?.stop();
    await emu?.stop();
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
        !!(window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED?.nodes?.node('w1'),
      undefined,
      { timeout: 60000 },
    );
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED;
      RED.editor.edit(RED.nodes.node('w1'));
    });
    await page.waitForSelector('#onec-write-property-check', { state: 'visible', timeout: 10000 });
    return { page, errors };
  }

  it('shows the property of the write-off set for the name of the examples (ru)', async () => {
    const { page, errors } = await openDialog('ru');
    await page.click('#onec-write-property-check');
    await page.waitForSelector('#onec-write-property-result.zf-ok', { timeout: 30000 });
    const text = (await page.textContent('#onec-write-property-result')) ?? '';
    assert.match(text, /Запись пойдёт в/);
    assert.ok(text.includes(DEMO_STATUS_PROPERTIES['Document_СписаниеНедостачТоваров']!), text);
    assert.match(text, /«Статус Честный ЗНАК» \(Списание недостач товаров\)/);
    assert.match(text, /Подходящие сведения/);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('lists the candidates and the reason when the document kind is not known (en-US)', async () => {
    const { page, errors } = await openDialog('en-US');
    // the entity from msg (the usual setting): nothing decides between the sets in the dialog
    await page.evaluate(() => {
      const $ = (window as unknown as { $: any }).$;
      $('#node-input-entity').typedInput('type', 'msg');
      $('#node-input-entity').typedInput('value', 'onec.entity');
    });
    await page.click('#onec-write-property-check');
    await page.waitForSelector('#onec-write-property-result.zf-fail', { timeout: 30000 });
    const text = (await page.textContent('#onec-write-property-result')) ?? '';
    assert.match(text, /several additional properties match/);
    assert.match(text, /Matching properties/);
    for (const ref of Object.values(DEMO_STATUS_PROPERTIES)) assert.ok(text.includes(ref), ref);
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
