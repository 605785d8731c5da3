/**
 * The "Test connection" button of the cz-connection dialog, in headless Chromium against a real
 * Node-RED and the True API emulator: the settings typed in the dialog (not the deployed ones) are
 * tested, and the result shows the certificate INN and the balance, or the operator's reason.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium } from '../support/browser';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';

describe('editor: cz-connection "Test connection" button', function () {
  this.timeout(300000);
  let rt: Runtime;
  let browser: Browser;
  let bed: CzBed;

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    await requireGost(this);
    bed = await startBed();
    rt = await startRuntime({
      flows: [
        { id: 'tab1', type: 'tab', label: 'cz' },
        {
          id: 'czc',
          type: 'cz-connection',
          name: 'demo',
          environment: 'custom',
          // deployed with a wrong port: the test must use what is typed in the dialog
          url: 'http://127.0.0.1:1',
          participantInn: bed.fx.orgInn,
          productGroup: 'lp',
          signer: 'openssl',
          certPath: bed.fx.org.certPath,
          keyPath: bed.fx.org.keyPath,
          version: 1,
        },
        // an older flow: the documents in flight were set on the cz-send
        {
          id: 'send1',
          type: 'cz-send',
          z: 'tab1',
          x: 200,
          y: 100,
          connection: 'czc',
          concurrency: 6,
          wires: [[], []],
        },
      ],
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rt?.stop();
    await bed?.close();
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
        !!(window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED?.nodes?.node('czc'),
      undefined,
      { timeout: 60000 },
    );
    await page.evaluate(() => {
      (window as unknown as { RED: any }).RED.editor.editConfig('', 'cz-connection', 'czc');
    });
    await page.waitForSelector('#cz-connection-test', { state: 'visible', timeout: 10000 });
    return { page, errors };
  }

  it('tests the settings typed in the dialog and shows the INN, the token expiry and the balance (ru)', async () => {
    const { page, errors } = await openDialog('ru');
    await page.fill('#node-config-input-url', bed.emu.url);
    await page.click('#cz-connection-test');
    await page.waitForSelector('#cz-connection-test-result.cz-test-ok', { timeout: 30000 });
    const text = (await page.textContent('#cz-connection-test-result')) ?? '';
    assert.match(text, /Подключение работает/);
    assert.match(text, new RegExp(`ИНН в сертификате: ${bed.fx.orgInn}`));
    assert.match(text, /Токен действует до/);
    assert.match(text, /lp: 1[\s\u00a0,.]?200[\s\u00a0,.]?000/);
    // the participant's business places (mods/list): address, КПП, ФИАС of each
    assert.match(text, /Места деятельности \(МОД\): 2/);
    const mods = await page.$$eval('#cz-connection-test-result .cz-test-mod', (els) =>
      els.map((e) => e.textContent),
    );
    assert.equal(mods.length, 2);
    assert.match(
      String(mods[0]),
      new RegExp(`Лесная.*КПП ${bed.world.organisation.kpp}.*ФИАС ${bed.world.mods![0]!.fiasId}`),
    );
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('an older flow: the dialog takes *In flight* from the connection’s cz-send nodes (version 4)', async () => {
    const { page, errors } = await openDialog('en-US');
    assert.equal(await page.inputValue('#node-config-input-concurrency'), '6');
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('shows the exact reason when authentication is refused (en-US)', async () => {
    const { page, errors } = await openDialog('en-US');
    await page.fill('#node-config-input-url', bed.emu.url);
    await page.fill('#node-config-input-certPath', bed.fx.unregistered.certPath);
    await page.fill('#node-config-input-keyPath', bed.fx.unregistered.keyPath);
    await page.click('#cz-connection-test');
    await page.waitForSelector('#cz-connection-test-result.cz-test-failed', { timeout: 30000 });
    const text = (await page.textContent('#cz-connection-test-result')) ?? '';
    assert.match(text, /Connection failed/);
    assert.match(text, /HTTP\s*:\s*403/);
    assert.match(text, /Авторизация невозможна\. ИП не зарегистрирован или заблокирован/);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it("an old flow opens with the UUID token and no МЧД; the dialog's Token and «Under an МЧД» reach the test (en-US)", async () => {
    const { page, errors } = await openDialog('en-US');
    assert.equal(await page.inputValue('#node-config-input-tokenKind'), 'uuid');
    assert.equal(await page.isChecked('#node-config-input-mchd'), false);
    await page.fill('#node-config-input-url', bed.emu.url);
    // jwt: refused by a stand following the 2027 rules
    await page.selectOption('#node-config-input-tokenKind', 'jwt');
    await page.click('#cz-connection-test');
    await page.waitForSelector('#cz-connection-test-result.cz-test-failed', { timeout: 30000 });
    assert.match((await page.textContent('#cz-connection-test-result')) ?? '', /JWT/);
    // uuid under an МЧД for the buyer, who has not made the organisation's signer a trustee
    await page.selectOption('#node-config-input-tokenKind', 'uuid');
    await page.fill('#node-config-input-participantInn', bed.fx.buyerInn);
    await page.check('#node-config-input-mchd');
    await page.click('#cz-connection-test');
    await page.waitForFunction(
      (inn: string) =>
        (document.querySelector('#cz-connection-test-result')?.textContent ?? '').includes(
          `ИНН организации ${inn}`,
        ),
      bed.fx.buyerInn,
      { timeout: 30000 },
    );
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
