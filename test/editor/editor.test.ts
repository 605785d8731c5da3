import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startRuntime, type Runtime, ROOT } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium } from '../support/browser';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};
const TYPES = Object.keys(pkg['node-red'].nodes);
const CONFIG_TYPES = new Set(['onec-connection', 'cz-connection']);

/** One node of every type, so that every edit dialog can be opened. */
function flowWithEveryType(): Array<Record<string, unknown>> {
  const flow: Array<Record<string, unknown>> = [{ id: 'tab1', type: 'tab', label: 'editor test' }];
  let y = 60;
  for (const t of TYPES) {
    const node: Record<string, unknown> = { id: `n-${t}`, type: t };
    if (!CONFIG_TYPES.has(t)) Object.assign(node, { z: 'tab1', x: 200, y, wires: [] });
    flow.push(node);
    y += 60;
  }
  return flow;
}

async function openEditor(
  browser: Browser,
  rt: Runtime,
  lang: string,
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale: lang });
  await context.addInitScript((l: string) => {
    window.localStorage.setItem('editor-language', l);
  }, lang);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(`${rt.url}/`);
  await page.waitForFunction(
    () => {
      const w = window as unknown as { RED?: { nodes?: { node(id: string): unknown } } };
      return !!w.RED?.nodes?.node('n-cz-connection');
    },
    undefined,
    { timeout: 60000 },
  );
  return { page, errors };
}

describe('editor in headless Chromium', function () {
  this.timeout(300000);
  let rt: Runtime;
  let browser: Browser;

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      // Visible reason, not a silent pass: developers without Debian chromium.
      this.skip();
    }
    rt = await startRuntime({ flows: flowWithEveryType() });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rt?.stop();
  });

  for (const lang of ['ru', 'en-US']) {
    it(`opens every node's edit dialog with no console error (${lang})`, async () => {
      const { page, errors } = await openEditor(browser, rt, lang);
      const paletteTypes = TYPES.filter((t) => !CONFIG_TYPES.has(t));
      for (const t of paletteTypes) {
        await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${t}"]`, { timeout: 10000 });
      }
      if (paletteTypes.length > 0) {
        const header = await page.textContent('#red-ui-palette-header-chestny_znak');
        assert.match(header ?? '', /Честный ЗНАК/);
      }
      for (const t of TYPES) {
        await page.evaluate(
          ({ id, type, isConfig }) => {
            const RED = (window as unknown as { RED: any }).RED;
            if (isConfig) RED.editor.editConfig('', type, id);
            else RED.editor.edit(RED.nodes.node(id));
          },
          { id: `n-${t}`, type: t, isConfig: CONFIG_TYPES.has(t) },
        );
        const tray = await page.waitForSelector('.red-ui-tray .red-ui-tray-body form', { timeout: 10000 });
        await page.waitForTimeout(300);
        const text = (await tray.innerText()).replace(/\s+/g, ' ');
        assert.doesNotMatch(
          text,
          /\b(?:onec|cz)-[a-z-]+\.[a-z]+\.[a-zA-Z]/,
          `untranslated key in ${t} (${lang}): ${text}`,
        );
        assert.doesNotMatch(text, /\bznakflow\.[a-z]/, `untranslated key in ${t} (${lang})`);
        if (lang === 'ru') assert.match(text, /[А-Яа-яЁё]/, `${t} dialog has no Russian text`);
        const help = await page.evaluate((type) => {
          const RED = (window as unknown as { RED: any }).RED;
          return String(
            RED.nodes.getNodeHelp
              ? RED.nodes.getNodeHelp(type)
              : (window as any).$(`script[data-help-name="${type}"]`).html() || '',
          );
        }, t);
        assert.ok(help.length > 100, `${t} has help in ${lang}`);
        if (lang === 'ru') assert.match(help, /[А-Яа-яЁё]{4}/, `${t} help is Russian`);
        await page.evaluate(() => {
          const RED = (window as unknown as { RED: any }).RED;
          RED.tray.close();
        });
        await page.waitForSelector('.red-ui-tray', { state: 'detached', timeout: 10000 });
      }
      // The «Честный ЗНАК» sidebar tab opens and shows the journal view.
      await page.evaluate(() => {
        const RED = (window as unknown as { RED: any }).RED;
        RED.sidebar.show('znakflow');
      });
      await page.waitForSelector('#znakflow-sidebar-body > *', { timeout: 10000 });
      const sidebar = await page.textContent('.znakflow-sidebar');
      if (lang === 'ru') assert.match(sidebar ?? '', /Журнала пока нет|Участник/);
      else assert.match(sidebar ?? '', /No journal yet|Participant/);
      assert.deepEqual(errors, [], `console errors (${lang})`);
      await page.context().close();
    });
  }
});
