import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import type { ChargingSession } from '../../src/domain/charging-session.ts';
import { tariffConfigSchema } from '../../src/tariffs/tariff-config.ts';
import { launchChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startDemoStack, type DemoStack } from './demo-stack.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const ADMIN_PASSWORD = 'correct horse battery';
const GRID_PRICE = 0.30;
const FEED_IN_PRICE = 0.08;

/** RFC 4180 rows (the export quotes only where needed). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += ch;
  }
  return rows;
}

/**
 * Accessibility checks in the page: every form control has a label, and every visible text of the page has the WCAG AA
 * contrast against its effective background (4.5:1, 3:1 for large text). Returns the problems found.
 */
async function auditAccessibility(page: Page): Promise<string[]> {
  // Sent as text: the test runner's transpiler would add helpers to a function that the page does not have.
  return await page.evaluate(AUDIT_SCRIPT) as string[];
}

const AUDIT_SCRIPT = String.raw`(() => {
  const problems = [];
  const section = document.querySelector('main section') || document.body;
  for (const el of section.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || el.closest('[hidden]')) continue;
    if (!(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
      problems.push('unlabelled ' + el.tagName.toLowerCase() + ' ' + (el.name || el.id));
    }
  }
  const rgba = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const lin = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest('[hidden], .visually-hidden, .uplot')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    const fg = luminance(rgba(style.color));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push('contrast ' + ratio.toFixed(2) + ' for "' + node.textContent.trim().slice(0, 30) + '" (' + style.color + ')');
  }
  return problems;
})()`;

describe('the dashboard in headless Chromium', () => {
  let stack: DemoStack;
  let browser: Browser;
  let page: Page;

  const open = async (route: string): Promise<void> => {
    await page.evaluate((hash) => { location.hash = hash; }, `#/${route}`);
    await page.locator(`section[data-page="${route}"]`).waitFor();
  };
  const screenshots = async (name: string): Promise<void> => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: new URL(`${name}-desktop.png`, ARTIFACTS).pathname, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: new URL(`${name}-phone.png`, ARTIFACTS).pathname, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.equal(overflow, false, `${name}: no horizontal scrolling on a phone`);
  };

  before(async () => {
    stack = await startDemoStack({
      pvW: 2000,
      authentication: 'required',
      configure: (config) => ({
        ...config,
        tariff: tariffConfigSchema.parse({ kind: 'fixed', currency: 'EUR', pricePerKWh: GRID_PRICE, feedIn: { kind: 'fixed', pricePerKWh: FEED_IN_PRICE } }),
      }),
    });
    await stack.runSeconds(2);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    await page.goto(`${stack.baseUrl}/`);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('a first visit is sent to the first-run setup, which sets the admin password and opens the dashboard', async () => {
    await page.waitForURL(/login\.html$/);
    await page.locator('#confirm').waitFor({ state: 'visible' });
    await page.locator('#password').fill(ADMIN_PASSWORD);
    await page.locator('#confirm').fill(ADMIN_PASSWORD);
    await page.locator('#submit').click();
    await page.waitForURL((url) => !url.pathname.endsWith('login.html'));
    await page.locator('section[data-page="live"]').waitFor();
    await page.locator('#logout').waitFor({ state: 'visible' });
  });

  it('shows live PV, grid and home power that change as the simulated site changes', async () => {
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '2.00 kW', 'PV 2.00 kW on the page');
    const gridBefore = await page.getByTestId('grid-power').textContent();
    stack.demo.setPvOverrideW(7500);
    await stack.runSeconds(2);
    await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '7.50 kW', 'PV 7.50 kW on the page');
    assert.notEqual(await page.getByTestId('grid-power').textContent(), gridBefore);
    assert.equal(await page.getByText('Demo: simulated devices').isVisible(), true);
  });

  it('shows the charger with its status, limit and reason in plain words, and the tariff now', async () => {
    const card = page.locator('[data-charger-id="garage"]');
    await card.waitFor();
    assert.equal(await card.locator('h3').textContent(), 'Garage');
    await eventually(async () => (await card.locator('.reason').textContent())?.length, 'a reason on the card');
    assert.match(await card.locator('.reason').textContent() ?? '', /solar|surplus/i);
    await eventually(async () => (await page.getByTestId('price-now').textContent()) === '€0.30/kWh', 'the grid price now');
    assert.equal(await page.locator('.price-bars li').count(), 12, 'the next 12 hours');
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

  it('the plan mode shows its form, and the form checks its fields before sending', async () => {
    const card = page.locator('[data-charger-id="garage"]');
    await card.getByLabel('Plan').check();
    const form = card.locator('form.plan');
    await form.waitFor({ state: 'visible' });
    await form.getByRole('button', { name: 'Save plan' }).click();
    const departure = form.getByLabel('Departure');
    assert.equal(await departure.getAttribute('aria-invalid'), 'true');
    assert.match(await form.locator('.field-error').textContent() ?? '', /departure/i);
    // Eight hours from the site's clock, as the site's wall clock shows it (the input is in the site's zone).
    const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .format(stack.clock.nowMs() + 8 * 3_600_000).replace(' ', 'T');
    await departure.fill(local);
    await form.getByLabel('Energy to add (kWh)').fill('10');
    await form.getByRole('button', { name: 'Save plan' }).click();
    await eventually(() => stack.sunplug.service.state().chargers[0]!.plan?.energyWh === 10_000, 'the plan on the server');
    assert.equal(stack.sunplug.service.state().chargers[0]!.plan!.departureAtMs, stack.clock.nowMs() - (stack.clock.nowMs() % 60_000) + 8 * 3_600_000);
    await stack.runSeconds(1);
    await eventually(async () => /^10\.00 kWh by /.test(await form.locator('.plan-summary').textContent() ?? ''), 'the plan on the card');
    await form.getByRole('button', { name: 'Clear plan' }).click();
    await eventually(() => stack.sunplug.service.state().chargers[0]!.plan === null, 'the plan cleared');
    await card.getByLabel('Fast').check();
    await eventually(() => stack.sunplug.service.state().chargers[0]!.mode === 'fast', 'back to fast on the server');
    await form.waitFor({ state: 'hidden' });
  });

  it('walks a whole session: the charge shows its cost and solar share, then appears in the sessions page and the CSV', async () => {
    // Half the car's power from the sun: PV 7.5 kW against a quiet household and an 11 kW car.
    await stack.runSeconds(150);
    await open('history');
    await open('live');
    const card = page.locator('[data-charger-id="garage"]');
    await eventually(async () => (await card.locator('.cost').textContent())?.startsWith('€'), 'the running session\'s cost on the card');
    assert.match(await card.locator('.solar-share').textContent() ?? '', /^\d+%$/);
    await screenshots('live');

    const meteredWh = stack.demo.wallbox!.energyWh;
    assert.ok(meteredWh > 50, `the car charged (${meteredWh.toFixed(0)} Wh)`);
    await stack.demo.wallbox!.unplug();
    await stack.runSeconds(2);
    const [session] = await (await page.context().request.get(`${stack.baseUrl}/api/v1/sessions`)).json() as ChargingSession[];
    assert.ok(session && session.stoppedAtMs !== null, 'the session ended');
    assert.ok(Math.abs(session.energyWh - meteredWh) <= 1, `session ${session.energyWh} Wh vs metered ${meteredWh.toFixed(1)} Wh`);
    assert.ok(session.solarShare! > 0.2 && session.solarShare! < 0.9, `solar share ${session.solarShare}`);
    const expectedCost = (session.energyWh / 1000) * (GRID_PRICE * (1 - session.solarShare!) + FEED_IN_PRICE * session.solarShare!);
    assert.ok(Math.abs(session.cost! - expectedCost) < 0.005, `cost ${session.cost} vs ${expectedCost.toFixed(4)}`);
    assert.equal(session.currency, 'EUR');

    await open('sessions');
    const row = page.locator(`[data-session-id="${session.id}"]`);
    await row.waitFor();
    const kwh = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(session.energyWh / 1000);
    assert.equal(await row.locator('.energy').textContent(), `${kwh} kWh`);
    assert.equal(await row.locator('.charger').textContent(), 'Garage');
    assert.match(await row.locator('.cost').textContent() ?? '', /^€\d+\.\d\d$/);

    // Filter by charger: the export link carries the filter; the browser downloads the file with its login cookie.
    await page.getByLabel('Charger').selectOption('garage');
    await eventually(async () => (await page.getByTestId('sessions-csv').getAttribute('href'))?.includes('chargerId=garage'), 'the filter in the CSV link');
    const href = await page.getByTestId('sessions-csv').getAttribute('href');
    assert.ok(href && !href.startsWith('/'), `a relative link: ${href}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sessions-csv').click()]);
    assert.match(download.suggestedFilename(), /^sunplug-sessions-\d{4}-\d{2}-\d{2}\.csv$/);
    const { readFile } = await import('node:fs/promises');
    const rows = parseCsv(await readFile((await download.path())!, 'utf8'));
    assert.deepEqual(rows[0], ['date', 'charger', 'card', 'owner', 'kWh', 'cost', 'currency', 'solar share %', 'duration']);
    assert.equal(rows.length, 2, 'one session');
    assert.equal(rows[1]![1], 'Garage');
    assert.equal(Number(rows[1]![4]), Number((session.energyWh / 1000).toFixed(3)), 'the CSV has the metered energy');
    assert.ok(Math.abs(Number(rows[1]![4]) * 1000 - meteredWh) <= 1);
    assert.equal(rows[1]![5], session.cost!.toFixed(2));
    assert.equal(rows[1]![6], 'EUR');
    assert.match(rows[1]![0]!, /^2026-06-21T1\d:\d\d:\d\d\+02:00$/, 'the start in the site\'s time zone');
    await screenshots('sessions');

    // Dates are the site's local days, "To" inclusive; a range that ends before it starts is refused at the field.
    await page.getByLabel('From').fill('2026-06-21');
    await page.getByLabel('To').fill('2026-06-21');
    await page.getByRole('button', { name: 'Show' }).click();
    await eventually(async () => (await page.getByTestId('sessions-csv').getAttribute('href'))?.includes('to=2026-06-21T22%3A00%3A00.000Z'), 'the local day in the link');
    await row.waitFor();
    await page.getByLabel('From').fill('2026-06-22');
    await page.getByRole('button', { name: 'Show' }).click();
    const to = page.getByLabel('To');
    await eventually(async () => (await to.getAttribute('aria-invalid')) === 'true', 'the To field marked invalid');
    assert.equal(await to.getAttribute('aria-describedby'), 'sessions-error');
    assert.match(await page.locator('#sessions-error').textContent() ?? '', /must not be before/);
  });

  it('the history page charts the day with uPlot and totals the energy the car took', async () => {
    await open('history');
    await page.locator('.chart .uplot').waitFor();
    await eventually(async () => /kWh/.test(await page.getByTestId('history-totals').locator('.cars dd').textContent() ?? ''), 'the cars total');
    const cars = await page.getByTestId('history-totals').locator('.cars dd').textContent();
    assert.notEqual(cars, '0.00 kWh', 'the charge is in the day\'s history');
    await page.getByLabel('Week').check();
    await page.locator('table.energy tbody tr').first().waitFor();
    await screenshots('history');
  });

  it('every control has a label and every text has AA contrast, in light and dark schemes', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const route of ['live', 'history', 'sessions']) {
        await open(route);
        if (route === 'history') await page.locator('.chart .uplot').waitFor();
        if (route === 'sessions') await page.getByTestId('sessions-table').waitFor();
        if (route === 'live') await page.locator('[data-charger-id="garage"] .status').waitFor();
        assert.deepEqual(await auditAccessibility(page), [], `${route} (${scheme})`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('the overview works from the keyboard: the arrow keys move the mode', async () => {
    await open('live');
    const card = page.locator('[data-charger-id="garage"]');
    await card.getByLabel('Fast').focus();
    await page.keyboard.press('ArrowRight');
    await eventually(() => stack.sunplug.service.state().chargers[0]!.mode === 'plan', 'plan chosen with the keyboard');
    await page.keyboard.press('ArrowLeft');
    await eventually(() => stack.sunplug.service.state().chargers[0]!.mode === 'fast', 'back to fast with the keyboard');
  });
});
