import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startDemoStack, type DemoStack } from './demo-stack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
const PREFIX = '/api/hassio_ingress/abc';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
/** What a phone downloads for the whole dashboard, gzipped: the brief's ceiling. */
const BUDGET_BYTES = 200 * 1024;

async function webFiles(dir = WEB): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await webFiles(path));
    else if (/\.(js|css|html)$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/**
 * A stand-in for Home Assistant's ingress: serves Sunplug under a path prefix, strips it before forwarding (HTTP and
 * WebSocket upgrades) and adds X-Ingress-Path as Home Assistant does. Requests outside the prefix are recorded and
 * answered 404: an absolute URL in the dashboard would land there.
 */
async function startIngressProxy(targetPort: number): Promise<{ url: string; stray: string[]; seen: string[]; close(): Promise<void> }> {
  const stray: string[] = [];
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${PREFIX}/`)) {
      stray.push(url);
      res.writeHead(404).end();
      return;
    }
    seen.push(url);
    const upstream = request({
      host: '127.0.0.1', port: targetPort, method: req.method, path: url.slice(PREFIX.length),
      headers: { ...req.headers, 'x-ingress-path': PREFIX },
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket: Socket, head) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${PREFIX}/`)) {
      stray.push(url);
      socket.destroy();
      return;
    }
    seen.push(url);
    sockets.add(socket);
    const upstream = connect(targetPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${url.slice(PREFIX.length)} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      lines.push(`X-Ingress-Path: ${PREFIX}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    sockets.add(upstream);
    const end = (): void => { socket.destroy(); upstream.destroy(); };
    socket.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${PREFIX}/`,
    stray, seen,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the dashboard bundle and Home Assistant ingress', () => {
  let stack: DemoStack;
  let browser: Browser;

  before(async () => {
    stack = await startDemoStack({ pvW: 3000 });
    // Past the first whole minute, so that the history has a point to chart.
    await stack.runSeconds(62);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the whole dashboard (web/, vendored uPlot, socket.io client) is at most 200 kB gzipped', async () => {
    const files = [
      ...await webFiles(),
      join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js'),
      join(ROOT, 'node_modules/uplot/dist/uPlot.min.css'),
      join(ROOT, 'node_modules/socket.io/client-dist/socket.io.min.js'),
    ];
    let raw = 0;
    let gzipped = 0;
    for (const file of files) {
      const bytes = await readFile(file);
      raw += bytes.length;
      gzipped += gzipSync(bytes, { level: 9 }).length;
    }
    console.log(`dashboard bundle: ${files.length} files, ${(raw / 1024).toFixed(1)} kB raw, ${(gzipped / 1024).toFixed(1)} kB gzipped (budget ${BUDGET_BYTES / 1024} kB)`);
    assert.ok(gzipped <= BUDGET_BYTES, `${(gzipped / 1024).toFixed(1)} kB gzipped`);
  });

  it('served with X-Ingress-Path, every page and module uses only relative URLs', async () => {
    const offenders: string[] = [];
    for (const file of await webFiles()) {
      const path = relative(WEB, file).split('\\').join('/');
      const response = await fetch(`${stack.baseUrl}/${path}`, { headers: { 'X-Ingress-Path': PREFIX } });
      assert.equal(response.status, 200, path);
      const text = await response.text();
      const patterns = [/\b(?:src|href|action)\s*=\s*["']\//g, /\burl\(\s*["']?\//g, /(?:fetch|api|import)\(\s*[`'"]\/(?!\/)/g, /[`'"]\/(?:api|socket\.io|vendor|pages)\//g];
      for (const pattern of patterns) {
        for (const match of text.matchAll(pattern)) offenders.push(`${path}: ${match[0]}`);
      }
    }
    for (const path of ['vendor/uplot/uPlot.iife.min.js', 'vendor/uplot/uPlot.min.css', 'socket.io/socket.io.min.js']) {
      assert.equal((await fetch(`${stack.baseUrl}/${path}`, { headers: { 'X-Ingress-Path': PREFIX } })).status, 200, path);
    }
    assert.deepEqual(offenders, []);
  });

  it('behind a path prefix the app finds its base from location: live values over socket.io, charts and sessions load', async () => {
    const proxy = await startIngressProxy(stack.sunplug.httpPort);
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'de-DE' });
      await page.goto(proxy.url);
      await eventually(async () => (await page.getByTestId('pv-power').textContent()) === '3,00 kW', 'PV through the prefixed socket.io path, in German');
      assert.equal(await page.locator('#nav a[aria-current="page"]').textContent(), 'Übersicht', 'German from the browser\'s language');
      await page.locator('[data-charger-id="garage"] .reason').filter({ hasText: /\S/ }).waitFor();
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('live-phone-de-ingress.png', ARTIFACTS).pathname, fullPage: true });
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'no horizontal scrolling in German');
      assert.equal(await page.locator('#logout').isHidden(), true, 'no logout without a login');
      await page.evaluate(() => { location.hash = '#/history'; });
      await page.locator('.chart .uplot').waitFor();
      await page.evaluate(() => { location.hash = '#/sessions'; });
      await page.getByTestId('sessions-summary').locator('dd').first().waitFor();
      assert.equal(await page.getByTestId('sessions-csv').getAttribute('href'), 'api/v1/sessions.csv');
      assert.deepEqual(proxy.stray, [], 'no request left the prefix');
      assert.ok(proxy.seen.some((url) => url.startsWith(`${PREFIX}/socket.io/`)), 'socket.io went through the prefix');
      assert.ok(proxy.seen.some((url) => url.startsWith(`${PREFIX}/vendor/uplot/`)), 'uPlot came through the prefix');
      assert.ok(proxy.seen.some((url) => url.startsWith(`${PREFIX}/api/v1/history?`)), 'the history API through the prefix');
    } finally {
      await proxy.close();
    }
  });
});
