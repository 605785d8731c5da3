import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_STATUS_PROPERTY, startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { deployFlows, startRuntime, type Runtime, ROOT } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium, openEditorPage } from '../support/browser';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};
const TYPES = Object.keys(pkg['node-red'].nodes);
const CONFIG_TYPES = new Set(['onec-connection', 'cz-connection']);

/**
 * One node of every type, so that every edit dialog can be opened — live: the 1C connection points at the
 * 1C emulator, onec-read watches it and an inject writes an outcome through onec-write every 2 s, so statuses
 * keep arriving while the dialogs are open (a node's status display must never reach its config, issue 15).
 */
function flowWithEveryType(onecUrl: string, ref: string): Array<Record<string, unknown>> {
  const flow: Array<Record<string, unknown>> = [{ id: 'tab1', type: 'tab', label: 'editor test' }];
  let y = 60;
  for (const t of TYPES) {
    const node: Record<string, unknown> = { id: `n-${t}`, type: t };
    if (!CONFIG_TYPES.has(t)) Object.assign(node, { z: 'tab1', x: 200, y, wires: [] });
    if (t === 'onec-connection') node['url'] = onecUrl;
    if (t === 'onec-read')
      Object.assign(node, { connection: 'n-onec-connection', mode: 'watch', interval: 2 });
    if (t === 'onec-write') {
      Object.assign(node, { connection: 'n-onec-connection', property: DEMO_STATUS_PROPERTY });
    }
    flow.push(node);
    y += 60;
  }
  flow.push({
    id: 'n-tick',
    type: 'inject',
    z: 'tab1',
    x: 60,
    y: 60,
    repeat: '2',
    once: true,
    onceDelay: 0.5,
    topic: '',
    props: [
      { p: 'onec', v: JSON.stringify({ entity: 'Document_РеализацияТоваровУслуг', ref }), vt: 'json' },
      { p: 'cz', v: JSON.stringify({ status: 'CHECKED_OK', documentId: 'd-1', errors: [] }), vt: 'json' },
    ],
    wires: [['n-onec-write']],
  });
  return flow;
}

async function openEditor(
  browser: Browser,
  rt: Runtime,
  lang: string,
): Promise<{ page: Page; errors: string[] }> {
  return openEditorPage(browser, rt.url, lang, 'n-cz-connection');
}

describe('editor in headless Chromium', function () {
  this.timeout(300000);
  let rt: Runtime;
  let browser: Browser;
  let emu: OnecEmulator;

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      // Visible reason, not a silent pass: developers without Debian chromium.
      this.skip();
    }
    emu = await startOnecEmulator();
    rt = await startRuntime({ flows: [] });
    await deployFlows(rt, flowWithEveryType(emu.url, emu.store.world.documents[0]!.ref), {
      credentials: { 'n-onec-connection': { username: 'odata', password: 'odata' } },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rt?.stop();
    await emu?.stop();
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
      // The flow is live: onec-write and onec-read show statuses in the editor before the dialogs open.
      await page.waitForFunction(
        () => {
          const RED = (window as unknown as { RED: any }).RED;
          return ['n-onec-write', 'n-onec-read'].every((id) => !!RED.nodes.node(id)?.status?.text);
        },
        undefined,
        { timeout: 30000 },
      );
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
      // ... and the dialogs left every pack node's config as it was, though statuses kept arriving.
      const changed = await page.evaluate(() => {
        const RED = (window as unknown as { RED: any }).RED;
        return RED.nodes
          .createCompleteNodeSet({ credentials: false })
          .filter((n: { status?: unknown; changed?: boolean }) => n.status !== undefined)
          .map((n: { id: string }) => n.id);
      });
      assert.deepEqual(changed, [], 'no status display in any exported config');
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
