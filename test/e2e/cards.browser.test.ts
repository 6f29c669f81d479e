import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startDemoStack, type DemoStack } from './demo-stack.ts';

/**
 * The cards page in headless Chromium against the demo stack: the demo wallbox started its session with the card
 * "SIMULATED", which Sunplug did not know, so it is offered for adding.
 */
describe('the cards page', () => {
  let stack: DemoStack;
  let browser: Browser;
  let page: Page;

  before(async () => {
    stack = await startDemoStack();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${stack.baseUrl}/#/cards`);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('lists the card the wallbox was shown and explains that any card charges while the list is empty', async () => {
    await page.getByTestId('cards-unknown').getByText('SIMULATED').waitFor();
    assert.match(await page.getByTestId('cards-mode').textContent() ?? '', /Any card may charge until the first card is added/);
    await page.getByText('No cards yet.').waitFor();
  });

  it('shows a wrong card ID next to its field and adds nothing', async () => {
    await page.getByLabel('Card ID').fill('has space');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Enter the card ID: 1 to 36 characters without spaces.').waitFor();
    assert.equal(await page.getByLabel('Card ID').getAttribute('aria-invalid'), 'true');
    assert.match(await page.getByLabel('Card ID').getAttribute('aria-describedby') ?? '', /card-add-error/);
  });

  it('adds a card with name and owner; from then on only listed cards may charge', async () => {
    await page.getByLabel('Card ID').fill('FAMILY01');
    await page.getByLabel('Name', { exact: true }).fill('Blue tag');
    await page.getByLabel('Owner', { exact: true }).fill('Ana');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const row = page.locator('tr[data-id-tag="FAMILY01"]');
    await row.getByText('Blue tag').waitFor();
    await page.getByTestId('cards-mode').getByText(/Only the cards below may charge/).waitFor();
    const again = await page.evaluate(async () => (await fetch('api/v1/cards')).json() as Promise<{ cards: Array<{ owner: string }> }>);
    assert.equal(again.cards[0]?.owner, 'Ana');
  });

  it('adds the unknown card with one click and names it', async () => {
    await page.getByRole('button', { name: 'Add card SIMULATED to the list' }).click();
    const nameInput = page.locator('#edit-name-SIMULATED');
    await nameInput.waitFor();
    await nameInput.fill('Demo car');
    await page.locator('tr[data-id-tag="SIMULATED"]').getByRole('button', { name: 'Save' }).click();
    await page.locator('tr[data-id-tag="SIMULATED"]').getByText('Demo car').waitFor();
    await page.getByText('No unknown cards seen recently.').waitFor();
  });

  it('blocks and deletes a card', async () => {
    await page.getByRole('button', { name: 'Block card FAMILY01' }).click();
    await page.locator('tr[data-id-tag="FAMILY01"][data-status="blocked"]').getByText('Blocked').waitFor();
    await page.getByRole('button', { name: 'Delete card FAMILY01' }).click();
    await eventually(async () => await page.locator('tr[data-id-tag="FAMILY01"]').count() === 0, 'the row to go');
    await page.getByText('Card FAMILY01 deleted.').waitFor();
  });

  it('speaks German when German is chosen', async () => {
    await page.evaluate(() => localStorage.setItem('sunplug.language', 'de'));
    await page.reload();
    await page.getByRole('heading', { name: 'RFID-Karten' }).waitFor();
    await page.getByLabel('Karten-ID').waitFor();
    await page.getByRole('button', { name: 'Karte SIMULATED sperren' }).waitFor();
  });
});
