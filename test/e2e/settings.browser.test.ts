import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startDemoStack, type DemoStack } from './demo-stack.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

describe('settings and installer pages in headless Chromium (phone width)', () => {
  let stack: DemoStack;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sunplug-settings-e2e-'));
    stack = await startDemoStack({ dataDir, pvW: 2000 });
    await stack.runSeconds(2);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${stack.baseUrl}/#/settings`);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows a main fuse of 2 A as an error next to its field, and saves nothing', async () => {
    const fuse = page.getByLabel('Main fuse (A per phase)');
    await fuse.waitFor();
    assert.equal(await fuse.inputValue(), '25');
    await fuse.fill('2');
    await page.getByTestId('settings-site').getByRole('button', { name: 'Save' }).click();
    const error = page.locator('#set-site-mainFuseA-error');
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.textContent(), 'must be between 6 and 400 A');
    assert.equal(await fuse.getAttribute('aria-invalid'), 'true');
    assert.match(await fuse.getAttribute('aria-describedby') ?? '', /\bset-site-mainFuseA-error\b/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'set-site-mainFuseA', 'focus moves to the wrong field');
    assert.equal(stack.sunplug.service.state().site.mainFuseA, 25);
  });

  it('saves a valid change, which the control loop uses at once', async () => {
    const fuse = page.getByLabel(/Main fuse/);
    await fuse.fill('32');
    await page.getByTestId('settings-site').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('settings-site').getByText('Saved.').waitFor();
    assert.equal(stack.sunplug.service.state().site.mainFuseA, 32);
    assert.equal(await page.getByLabel(/Main fuse/).getAttribute('aria-invalid'), null);
    await page.getByTestId('settings-site').getByText('set here').waitFor();
  });

  it('renames a charger and shows a charger error next to its field', async () => {
    const form = page.locator('form[data-charger-id="garage"]');
    await form.getByLabel(/Minimum current/).fill('20');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.locator('#set-chargers-garage-minCurrentA-error').waitFor({ state: 'visible' });
    assert.equal(await form.locator('#set-chargers-garage-minCurrentA-error').textContent(), 'must not exceed maxCurrentA');
    await form.getByLabel(/Minimum current/).fill('6');
    await form.getByLabel(/^Name/).fill('Carport');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('settings-notice').getByText('Saved Carport.').waitFor();
    assert.equal(stack.sunplug.service.state().chargers[0]!.name, 'Carport');
  });

  it('edits a time-of-use tariff: a window error shows next to its field, a valid tariff prices the site at once', async () => {
    const tariff = page.getByTestId('settings-tariff');
    await tariff.getByLabel('Kind of tariff').selectOption('time-of-use');
    await tariff.getByLabel(/Price outside the windows/).fill('0.31');
    await tariff.getByRole('button', { name: 'Add a window' }).click();
    await tariff.locator('#set-tariff-windows-0-name').fill('night');
    await tariff.locator('#set-tariff-windows-0-from').fill('');
    await tariff.getByRole('button', { name: 'Save' }).click();
    const error = tariff.locator('#set-tariff-windows-0-from-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.textContent() ?? '', /HH:MM/);
    assert.equal(await tariff.locator('#set-tariff-windows-0-from').getAttribute('aria-invalid'), 'true');
    assert.equal(stack.sunplug.service.state().site.priceNowPerKWh, null);
    await tariff.locator('#set-tariff-windows-0-from').fill('22:00');
    await tariff.getByRole('button', { name: 'Save' }).click();
    await tariff.getByText('Saved.').waitFor();
    // Noon in Berlin is outside the night window: the base price applies.
    assert.equal(stack.sunplug.service.state().site.priceNowPerKWh, 0.31);
    assert.equal(await tariff.locator('#set-tariff-windows-0-name').inputValue(), 'night');
  });

  it('saves a screenshot of the settings page at phone width without horizontal scrolling', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('settings-phone.png', ARTIFACTS).pathname, fullPage: true });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
  });

  it('installer page: device health, a live register read and the OCPP log, with a screenshot', async () => {
    await page.goto(`${stack.baseUrl}/#/installer`);
    await page.getByTestId('health-table').waitFor();
    assert.match(await page.getByTestId('health-table').textContent() ?? '', /grid/);
    await page.getByLabel('Meter', { exact: true }).selectOption('grid');
    await page.getByRole('button', { name: 'Read' }).click();
    await page.getByTestId('registers-table').waitFor();
    assert.match(await page.getByTestId('registers-table').textContent() ?? '', /0x5375/);
    await page.getByTestId('ocpp-table').waitFor();
    await page.getByLabel('Action').fill('BootNotification');
    await page.getByRole('button', { name: 'Show' }).click();
    await eventually(async () => {
      const text = await page.getByTestId('ocpp-table').textContent() ?? '';
      return text.includes('BootNotification') && !text.includes('MeterValues');
    }, 'the OCPP log filtered to BootNotification');
    await page.getByTestId('decisions-table').waitFor();
    await page.screenshot({ path: new URL('installer-phone.png', ARTIFACTS).pathname, fullPage: true });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
  });

  it('the saved settings survive a restart', async () => {
    await stack.close();
    stack = await startDemoStack({ dataDir, pvW: 2000 });
    await stack.runSeconds(1);
    assert.equal(stack.sunplug.service.state().site.mainFuseA, 32);
    await page.goto(`${stack.baseUrl}/#/settings`);
    await eventually(async () => (await page.getByLabel(/Main fuse/).inputValue().catch(() => '')) === '32', 'the fuse field to show 32 after the restart');
    assert.equal(await page.locator('form[data-charger-id="garage"]').getByLabel(/^Name/).inputValue(), 'Carport');
    assert.equal(stack.sunplug.service.state().site.priceNowPerKWh, 0.31, 'the tariff set in the page survives too');
  });
});
