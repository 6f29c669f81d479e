import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startDemoStack, type DemoStack } from './demo-stack.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

describe('the dashboard in headless Chromium', () => {
  let stack: DemoStack;
  let browser: Browser;
  let page: Page;

  before(async () => {
    stack = await startDemoStack({ pvW: 2000 });
    await stack.runSeconds(2);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stack.baseUrl}/`);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows live PV, grid and home power that change as the simulated site changes', async () => {
    await page.getByText('Live').waitFor();
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '2.00 kW', 'PV 2.00 kW on the page');
    const gridBefore = await page.getByTestId('grid-power').textContent();
    stack.demo.setPvOverrideW(7500);
    await stack.runSeconds(2);
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '7.50 kW', 'PV 7.50 kW on the page');
    assert.notEqual(await page.getByTestId('grid-power').textContent(), gridBefore);
    assert.equal(await page.getByText('Demo: simulated devices').isVisible(), true);
  });

  it('shows the charger with its status, limit and reason in plain words', async () => {
    const card = page.locator('[data-charger-id="garage"]');
    await card.waitFor();
    assert.equal(await card.locator('h3').textContent(), 'Garage');
    await eventually(async () => (await card.locator('.reason').textContent())?.length, 'a reason on the card');
    assert.match(await card.locator('.reason').textContent() ?? '', /solar|surplus/i);
  });

  it('a mode change on the page reaches the simulated charger as a new charging profile', async () => {
    const card = page.locator('[data-charger-id="garage"]');
    await card.getByLabel('Fast').check();
    await eventually(() => stack.sunplug.service.state().chargers[0]!.mode === 'fast', 'the mode to be fast on the server');
    await stack.runUntil(() => (stack.demo.wallbox?.offeredCurrentA ?? 0) === 16 || undefined, 'the wallbox to offer 16 A', 20);
    await stack.runSeconds(15);
    await eventually(async () => /Charging/.test(await card.locator('.status').textContent() ?? ''), 'status Charging on the card');
    await eventually(async () => (await card.locator('.limit').textContent()) === '16.0 A', 'limit 16.0 A on the card');
    assert.equal(await card.getByLabel('Fast').isChecked(), true);
  });

  it('saves screenshots at phone and desktop width as test artifacts', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('dashboard-desktop.png', ARTIFACTS).pathname, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: new URL('dashboard-phone.png', ARTIFACTS).pathname, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scrolling on a phone');
  });
});
