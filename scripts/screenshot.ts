/**
 * `node --import tsx scripts/screenshot.ts`: the README picture. Starts the demo (both emulators,
 * Node-RED with the example flows), waits until the standard flow has sent the demo sales, and saves
 * the editor with the «Честный ЗНАК» sidebar open to docs/standard-sync.png (Debian chromium).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { deployFlows, ROOT, startRuntime } from './lib/runtime';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-shot-'));
  const { startDemo } = (await import(
    path.join(ROOT, 'dist/lib/emulators/demo.js')
  )) as typeof import('../lib/emulators/demo');
  const demo = await startDemo({ dir, examples: ['standard-sync.json'] });
  const rt = await startRuntime({ env: demo.env, settings: { credentialSecret: 'znakflow-demo' } });
  try {
    await deployFlows(rt, demo.flows, { credentials: demo.credentials });
    const deadline = Date.now() + 90000;
    for (;;) {
      const j = (await (await fetch(`${rt.url}/znakflow/journal`)).json()) as {
        journals: Array<{ summary: { accepted: number } }>;
      };
      if ((j.journals[0]?.summary.accepted ?? 0) >= 7) break;
      if (Date.now() > deadline) throw new Error('the demo did not finish in 90 s');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    const context = await browser.newContext({ locale: 'ru', viewport: { width: 1920, height: 600 } });
    await context.addInitScript(() => window.localStorage.setItem('editor-language', 'ru'));
    const page = await context.newPage();
    await page.goto(`${rt.url}/`);
    await page.waitForSelector('.red-ui-flow-node', { timeout: 60000 });
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: { sidebar: { show(id: string): void } } }).RED;
      RED.sidebar.show('znakflow');
    });
    await page.waitForSelector('.znakflow-sidebar-row', { timeout: 20000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(ROOT, 'docs', 'standard-sync.png') });
    await browser.close();
    console.log('saved docs/standard-sync.png');
  } finally {
    await rt.stop();
    await demo.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
