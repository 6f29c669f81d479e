import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startDemoStack, type DemoStack } from './demo-stack.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const PASSWORD = 'sunny garage 2026';

/**
 * The login page in headless Chromium against the demo stack with authentication required: the first visit is sent
 * to the first-run setup, the admin password is set through the page, the dashboard shows live values, a reload
 * keeps the login, and logging out and in again works.
 */
describe('login and first-run setup in headless Chromium', () => {
  let stack: DemoStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    stack = await startDemoStack({ pvW: 2000, authentication: 'required' });
    await stack.runSeconds(2);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the first visit lands on the first-run setup, which explains the password rules', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.waitForURL(/\/login\.html$/);
    await page.getByRole('heading', { name: 'Welcome to Sunplug' }).waitFor();
    const password = page.getByLabel('Admin password');
    assert.match(await page.locator('#password-rules').textContent() ?? '', /At least 10 characters/);
    assert.match(await password.getAttribute('aria-describedby') ?? '', /password-rules/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('login-setup.png', ARTIFACTS).pathname });
  });

  it('shows errors next to the fields, linked with aria-describedby, and sets nothing', async () => {
    const password = page.getByLabel('Admin password');
    const confirm = page.getByLabel('Confirm password');
    await password.fill('too short');
    await confirm.fill('too short');
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    const error = page.locator('#password-error');
    await error.waitFor();
    assert.equal(await error.textContent(), 'The password needs at least 10 characters.');
    assert.equal(await password.getAttribute('aria-invalid'), 'true');
    assert.match(await password.getAttribute('aria-describedby') ?? '', /password-error/);

    await password.fill(PASSWORD);
    await confirm.fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.locator('#confirm-error').waitFor();
    assert.equal(await page.locator('#confirm-error').textContent(), 'The two passwords are not the same.');
    assert.equal(await page.locator('#password-error').isVisible(), false);
    const status = await (await fetch(`${stack.baseUrl}/api/v1/auth/status`)).json() as { setupRequired: boolean };
    assert.equal(status.setupRequired, true);
  });

  it('setting the password goes to the dashboard, which shows live values', async () => {
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.waitForURL(`${stack.baseUrl}/`);
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '2.00 kW', 'PV 2.00 kW on the page');
    stack.demo.setPvOverrideW(5000);
    await stack.runSeconds(2);
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '5.00 kW', 'PV 5.00 kW on the page');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'sunplug_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie.includes('sunplug_session')), false, 'scripts cannot read it');
  });

  it('a reload keeps the login', async () => {
    await page.reload();
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '5.00 kW', 'PV 5.00 kW after the reload');
    assert.equal(new URL(page.url()).pathname, '/');
  });

  it('logging out goes to the login form; a wrong password is refused next to the field, the right one opens the dashboard', async () => {
    const logout = page.getByRole('button', { name: 'Log out' });
    await logout.waitFor();
    await logout.click();
    await page.waitForURL(/\/login\.html$/);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(await page.getByLabel('Confirm password').isVisible(), false);
    const api = await page.evaluate(async () => (await fetch('api/v1/state')).status);
    assert.equal(api, 401, 'the session is over');

    const password = page.getByLabel('Password', { exact: true });
    await password.fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#password-error').waitFor();
    assert.equal(await page.locator('#password-error').textContent(), 'Wrong password.');
    assert.equal(await password.getAttribute('aria-describedby'), 'password-error');
    await page.screenshot({ path: new URL('login-wrong-password.png', ARTIFACTS).pathname });

    await password.fill(PASSWORD);
    await password.press('Enter');
    await page.waitForURL(`${stack.baseUrl}/`);
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '5.00 kW', 'live values after logging in again');
  });

  it('the login page of a logged-in browser goes straight back to the dashboard', async () => {
    await page.goto(`${stack.baseUrl}/login.html`);
    await page.waitForURL(`${stack.baseUrl}/`);
  });
});
