/** Debian's Chromium driven by playwright-core (no browser download). */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function haveChromium(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * The Node-RED editor at `url` in a new browser context with the editor language `lang`, once
 * the node `nodeId` of the deployed flow is loaded; `errors` collects console errors, page errors
 * and failed requests from then on.
 */
export async function openEditorPage(
  browser: Browser,
  url: string,
  lang: string,
  nodeId: string,
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
  await page.goto(`${url}/`);
  await page.waitForFunction(
    (id: string) => {
      const w = window as unknown as { RED?: { nodes?: { node(id: string): unknown } } };
      return !!w.RED?.nodes?.node(id);
    },
    nodeId,
    { timeout: 60000 },
  );
  return { page, errors };
}
