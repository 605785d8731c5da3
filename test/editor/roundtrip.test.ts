/**
 * A running flow survives the editor (issue 15): every example deployed and running against the emulators,
 * the pack's nodes showing their statuses; then in real Chromium (a) every pack node's dialog opened and
 * closed with Done, (b) a full deploy from the editor, (c) the flows exported as Menu → Export → all flows
 * does — and every pack node's configuration is still what was deployed. The export, imported into a fresh
 * Node-RED, is the same again and writes an outcome into 1C with its status.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MODE_OUTPUTS } from '../../nodes/cz-status/model';
import { adminGet, deployFlows, ROOT, startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { haveChromium, launchChromium } from '../support/browser';
import { startStack, waitFor, writtenBack, type FlowNode, type Stack } from '../support/stack';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};
const PACK_TYPES = new Set(Object.keys(pkg['node-red'].nodes));
const CONFIG_TYPES = new Set(['onec-connection', 'cz-connection']);
/** Where a node sits, not what it is configured to do (and credentials, which never leave the runtime). */
const POSITIONAL = new Set(['x', 'y', 'z', 'g', 'wires', 'l', 'credentials']);
const WRITE_EXAMPLE = ['zf-ex-1cw-register', 'zf-ex-1cw-patch'];
const EXAMPLE_DOC = 'ef9c483c-f0dc-4066-aac2-84b067c8be41';
/** onec-write as version 1 of the pack exported it (the status path in `status`), and as the editor spoiled it. */
const LEGACY = 'zf-rt-legacy-write';
const SPOILED = 'zf-rt-spoiled-write';

/** Two onec-write nodes of version 1 beside the write example: one with its own status path, one spoiled. */
function withLegacy(flows: FlowNode[]): FlowNode[] {
  const register = flows.find((n) => n['id'] === 'zf-ex-1cw-register')!;
  const { czStatus: _s, czStatusType: _t, ...base } = register;
  const v1 = { ...base, wires: [[]], y: Number(register['y']) + 300, version: 1 };
  return [
    ...flows,
    { ...v1, id: LEGACY, name: 'v1', status: 'payload.state', statusType: 'flow' },
    { ...v1, id: SPOILED, name: 'v1 spoiled', status: { text: 'обновлено', fill: 'green', shape: 'dot' } },
  ];
}

/**
 * What the version-1 nodes must become (in the editor as in the runtime): the onec-write status path under its
 * new name; cz-status of version 1 at version 2 with no thresholds and the outputs of its mode.
 */
function repaired(flows: FlowNode[]): FlowNode[] {
  return flows.map((n) => {
    if (n['type'] === 'cz-status' && Number(n['version'] ?? 0) < 2) {
      const outputs = MODE_OUTPUTS[String(n['mode'] ?? 'documents')] ?? 3;
      return { ...n, version: 2, thresholds: n['thresholds'] ?? '', outputs };
    }
    if (n['id'] !== LEGACY && n['id'] !== SPOILED) return n;
    const { status: _s, statusType: _t, ...rest } = n;
    return n['id'] === LEGACY
      ? { ...rest, czStatus: 'payload.state', czStatusType: 'flow', version: 2 }
      : { ...rest, czStatus: 'cz.status', czStatusType: 'msg', version: 2 };
  });
}

type RedWindow = { RED: any };

function configOf(n: FlowNode): Record<string, unknown> {
  return Object.fromEntries(Object.entries(n).filter(([k]) => !POSITIONAL.has(k)));
}

/** Every difference of a pack node's configuration between what was deployed and `got`, as readable lines. */
function differences(deployed: FlowNode[], got: FlowNode[]): string[] {
  const byId = new Map(got.map((n) => [String(n['id']), n]));
  const out: string[] = [];
  for (const d of deployed) {
    if (!PACK_TYPES.has(String(d['type']))) continue;
    const g = byId.get(String(d['id']));
    if (!g) {
      out.push(`${String(d['id'])} (${String(d['type'])}) is missing`);
      continue;
    }
    const a = configOf(d);
    const b = configOf(g);
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = JSON.stringify(a[k]);
      const y = JSON.stringify(b[k]);
      if (x !== y) out.push(`${String(d['id'])} (${String(d['type'])}).${k}: ${x} → ${y}`);
    }
  }
  return out;
}

async function flowsOf(rt: Runtime): Promise<FlowNode[]> {
  const r = await adminGet(rt, '/flows');
  assert.equal(r.status, 200);
  return (await r.json()) as FlowNode[];
}

describe('a running flow survives the editor (dialogs, deploy, export, import)', function () {
  this.timeout(600000);
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let fresh: Runtime | undefined;
  const errors: string[] = [];

  before(async function () {
    if (!haveChromium()) {
      if (process.env['CI']) throw new Error('chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    stack = await startStack({ comms: false, transform: withLegacy });
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'ru' });
    await context.addInitScript(() => window.localStorage.setItem('editor-language', 'ru'));
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${stack.rt.url}/`);
    await page.waitForFunction(
      () => !!(window as unknown as RedWindow).RED?.nodes?.node('zf-ex-1cw-register'),
      undefined,
      {
        timeout: 60000,
      },
    );
  });
  after(async () => {
    await browser?.close();
    await fresh?.stop();
    await stack?.stop();
  });

  it('every pack node keeps its configuration through Done, a full deploy and an export; the export runs elsewhere', async () => {
    assert.deepEqual(
      differences(stack.flows, await flowsOf(stack.rt)),
      [],
      'GET /flows is what was deployed',
    );
    // From here on: what was deployed, the version-1 nodes moved to the current names by the editor.
    const deployed = repaired(stack.flows);
    // The flows run: the write example is pressed, the standard flow sends and writes back by itself.
    await stack.inject('zf-ex-1cw-inject-ok');
    await stack.inject('zf-ex-1cw-inject-patch');
    const writes = deployed.filter((n) => n['type'] === 'onec-write').map((n) => String(n['id']));
    const shown = await waitFor(
      async () => {
        const st = (await page.evaluate(
          (ids) =>
            ids.map((id) => {
              const s = (window as unknown as RedWindow).RED.nodes.node(id)?.status;
              return s && typeof s.text === 'string' && s.text ? s.text : '';
            }),
          writes,
        )) as string[];
        const on = writes.filter((_, i) => st[i]);
        // both nodes of the write example and at least one write at the end of a sending flow
        return WRITE_EXAMPLE.every((id) => on.includes(id)) && on.some((id) => !WRITE_EXAMPLE.includes(id))
          ? st
          : false;
      },
      240000,
      'onec-write nodes showing a status in the editor',
      1000,
    );
    assert.ok(
      shown.some((t) => /обновлено|записано|без изменений/.test(t)),
      shown.join(' | '),
    );
    const packIds = deployed.filter((n) => PACK_TYPES.has(String(n['type'])));
    assert.ok(
      new Set(packIds.map((n) => n['type'])).size === PACK_TYPES.size,
      'the examples hold every node type of the pack',
    );

    // (a) every pack node's dialog, opened and closed with Done
    for (const n of packIds) {
      const id = String(n['id']);
      const type = String(n['type']);
      const isConfig = CONFIG_TYPES.has(type);
      await page.evaluate(
        ({ id, type, isConfig }) => {
          const RED = (window as unknown as RedWindow).RED;
          if (isConfig) RED.editor.editConfig('', type, id);
          else RED.editor.edit(RED.nodes.node(id));
        },
        { id, type, isConfig },
      );
      await page.waitForSelector('.red-ui-tray .red-ui-tray-body form', { timeout: 10000 });
      await page.waitForTimeout(200);
      await page.click(isConfig ? '#node-config-dialog-ok' : '#node-dialog-ok');
      await page.waitForSelector('.red-ui-tray', { state: 'detached', timeout: 10000 });
    }
    const afterDone = (await page.evaluate(() =>
      (window as unknown as RedWindow).RED.nodes.createCompleteNodeSet({ credentials: false }),
    )) as FlowNode[];
    assert.deepEqual(differences(deployed, afterDone), [], 'after Done in every dialog');

    // (b) a full deploy from the editor, after a change of the user's own (a comment renamed)
    const comment = deployed.find((n) => n['type'] === 'comment')!;
    await page.evaluate((id) => {
      const RED = (window as unknown as RedWindow).RED;
      const c = RED.nodes.node(id);
      c.name = `${c.name} ✓`;
      c.changed = true;
      c.dirty = true;
      RED.nodes.dirty(true);
      RED.view.redraw();
    }, String(comment['id']));
    const posted = page.waitForResponse(
      (r) => r.url().endsWith('/flows') && r.request().method() === 'POST',
      {
        timeout: 60000,
      },
    );
    await page.click('#red-ui-header-button-deploy');
    const confirm = await page
      .waitForSelector('#red-ui-deploy-dialog-confirm-deploy-deploy', { timeout: 3000 })
      .catch(() => null);
    if (confirm) await confirm.click();
    const res = await posted;
    assert.equal(res.status(), 200, 'deployed');
    assert.equal(res.request().headers()['node-red-deployment-type'], 'full');
    const afterDeploy = await flowsOf(stack.rt);
    assert.deepEqual(
      differences(deployed, afterDeploy),
      [],
      'GET /flows after a full deploy from the editor',
    );
    assert.equal(
      afterDeploy.find((n) => n['id'] === comment['id'])?.['name'],
      `${String(comment['name'])} ✓`,
    );

    // (c) the export of all flows, as Menu → Export → all flows makes it
    const exported = JSON.parse(
      (await page.evaluate(() =>
        JSON.stringify(
          (window as unknown as RedWindow).RED.nodes.createCompleteNodeSet({
            credentials: false,
            includeModuleConfig: true,
          }),
        ),
      )) as string,
    ) as FlowNode[];
    assert.deepEqual(differences(deployed, exported), [], 'the export');
    assert.deepEqual(errors, [], 'no page error');

    // The export imported into a fresh Node-RED (Admin API): the same again, and it runs.
    await page.context().close();
    await stack.rt.stop();
    fresh = await startRuntime({ env: stack.demo.env });
    await deployFlows(fresh, exported, { credentials: stack.demo.credentials });
    assert.deepEqual(differences(deployed, await flowsOf(fresh)), [], 'GET /flows of the fresh Node-RED');
    // The flows of a full deploy may still be starting when POST /flows has answered: the inject button
    // is there once its node is (404 before).
    const freshUrl = fresh.url;
    await waitFor(
      async () => (await fetch(`${freshUrl}/inject/zf-ex-1cw-inject-bad`, { method: 'POST' })).status === 200,
      30000,
      () => `the inject button of the fresh Node-RED\n${fresh?.log().slice(-3000) ?? ''}`,
      500,
    );
    const value = await waitFor(
      async () => {
        const v = await writtenBack(stack.demo, EXAMPLE_DOC);
        return v && /CHECKED_NOT_OK/.test(v) ? v : false;
      },
      30000,
      'the outcome written into 1C by the fresh Node-RED',
    );
    assert.match(value, /^Есть ошибки \[CHECKED_NOT_OK\], документ ЧЗ b4f1c2d3-.*: 14: /);
  });
});
