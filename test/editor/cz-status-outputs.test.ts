/**
 * The cz-status dialog in headless Chromium against a real Node-RED: the outputs follow the mode
 * (documents 3, codes 1, balance 2 with the low-balance output), a node from before version 2 (three
 * outputs in every mode) keeps the wires of its first output and loses those of the others when it is
 * saved, the threshold field shows in balance mode only, and the output labels are translated.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium } from '../support/browser';

type RedWindow = { RED: any };

const debug = (id: string, y: number) => ({
  id,
  type: 'debug',
  z: 'tab1',
  x: 500,
  y,
  active: true,
  tosidebar: true,
  complete: 'payload',
  targetType: 'msg',
  wires: [],
});

const status = (id: string, mode: string, y: number, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'cz-status',
  z: 'tab1',
  x: 200,
  y,
  connection: 'conn1',
  mode,
  pollSeconds: 5,
  giveUpMinutes: 10,
  followJournal: false,
  codes: 'payload',
  codesType: 'msg',
  productGroup: '',
  productGroupType: 'str',
  version: 1,
  wires: [[`${id}-a`], [`${id}-b`], [`${id}-c`]],
  ...extra,
});

describe('editor: cz-status outputs follow the mode', function () {
  this.timeout(300000);
  let rt: Runtime;
  let browser: Browser;

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    const flows: Array<Record<string, unknown>> = [
      { id: 'tab1', type: 'tab', label: 'status' },
      {
        id: 'conn1',
        type: 'cz-connection',
        environment: 'custom',
        url: 'http://127.0.0.1:9',
        participantInn: '7707083893',
        signer: 'presigned',
      },
    ];
    let y = 60;
    for (const [id, mode] of [
      ['oldBalance', 'balance'],
      ['oldCodes', 'codes'],
      ['oldDocs', 'documents'],
    ] as const) {
      flows.push(
        status(id, mode, y),
        debug(`${id}-a`, y),
        debug(`${id}-b`, y + 20),
        debug(`${id}-c`, y + 40),
      );
      y += 100;
    }
    rt = await startRuntime({ flows });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rt?.stop();
  });

  async function open(lang: string): Promise<{ page: Page; errors: string[] }> {
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
      () => !!(window as unknown as RedWindow).RED?.nodes?.node('oldBalance'),
      undefined,
      {
        timeout: 60000,
      },
    );
    return { page, errors };
  }

  /** Open the node's dialog, optionally pick a mode, press Done; its outputs and wired ports after. */
  async function done(
    page: Page,
    id: string,
    mode?: string,
  ): Promise<{ outputs: number; ports: number[][] }> {
    await page.evaluate((nid) => {
      const RED = (window as unknown as RedWindow).RED;
      RED.editor.edit(RED.nodes.node(nid));
    }, id);
    await page.waitForSelector('#node-input-mode', { state: 'visible', timeout: 10000 });
    if (mode) await page.selectOption('#node-input-mode', mode);
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-mode', { state: 'detached', timeout: 10000 });
    return page.evaluate((nid) => {
      const RED = (window as unknown as RedWindow).RED;
      const n = RED.nodes.node(nid);
      const ports: number[][] = [];
      for (let i = 0; i < n.outputs; i++) ports.push([]);
      RED.nodes.eachLink((l: { source: { id: string }; sourcePort: number; target: { id: string } }) => {
        if (l.source.id === nid)
          (ports[l.sourcePort] ??= []).push(Number(l.target.id.endsWith('-a') ? 0 : 1));
      });
      return { outputs: n.outputs, ports };
    }, id);
  }

  it('old nodes: balance 3 → 2 and codes 3 → 1 keep the first output wired; documents keeps its three', async () => {
    const { page, errors } = await open('en-US');
    const labels = await page.evaluate(() => {
      const RED = (window as unknown as RedWindow).RED;
      const def = RED.nodes.getType('cz-status');
      return [0, 1, 2].map((i) => def.outputLabels.call(RED.nodes.node('oldBalance'), i));
    });
    // before it is saved, an old balance node still has the three outputs of version 1
    assert.equal(labels[0], 'accepted');
    assert.deepEqual(await done(page, 'oldBalance'), { outputs: 2, ports: [[0], []] });
    assert.deepEqual(await done(page, 'oldCodes'), { outputs: 1, ports: [[0]] });
    assert.deepEqual(await done(page, 'oldDocs'), { outputs: 3, ports: [[0], [1], [1]] });
    const saved = await page.evaluate(() => {
      const RED = (window as unknown as RedWindow).RED;
      const n = RED.nodes.node('oldBalance');
      const def = RED.nodes.getType('cz-status');
      return {
        version: n.version,
        thresholds: n.thresholds,
        labels: [0, 1].map((i) => def.outputLabels.call(n, i)),
      };
    });
    assert.deepEqual(saved, {
      version: 2,
      thresholds: '',
      labels: [
        'balance (msg.payload: the accounts)',
        'balance below the threshold (msg.payload: the groups)',
      ],
    });
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('changing the mode changes the outputs; the threshold field only in balance mode (ru)', async () => {
    const { page, errors } = await open('ru');
    await page.evaluate(() => {
      const RED = (window as unknown as RedWindow).RED;
      RED.editor.edit(RED.nodes.node('oldDocs'));
    });
    await page.waitForSelector('#node-input-mode', { state: 'visible', timeout: 10000 });
    assert.equal(await page.isVisible('#node-input-thresholds'), false);
    await page.selectOption('#node-input-mode', 'balance');
    assert.equal(await page.isVisible('#node-input-thresholds'), true);
    assert.equal(
      await page.getAttribute('#node-input-thresholds', 'placeholder'),
      'lp=5000, milk=2000 или одно число для всех',
    );
    await page.fill('#node-input-thresholds', 'lp=5000, shoes=100000');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-mode', { state: 'detached', timeout: 10000 });
    const n = await page.evaluate(() => {
      const RED = (window as unknown as RedWindow).RED;
      const node = RED.nodes.node('oldDocs');
      let links = 0;
      RED.nodes.eachLink((l: { source: { id: string }; sourcePort: number }) => {
        if (l.source.id === 'oldDocs' && l.sourcePort > 0) links++;
      });
      return { outputs: node.outputs, thresholds: node.thresholds, links };
    });
    // the documents' rejected and pending wires do not become the low-balance output
    assert.deepEqual(n, { outputs: 2, thresholds: 'lp=5000, shoes=100000', links: 0 });
    // back to documents: three outputs again
    assert.equal((await done(page, 'oldDocs', 'documents')).outputs, 3);
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
