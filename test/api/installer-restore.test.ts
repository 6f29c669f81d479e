import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpApp } from '../../src/api/http-api.ts';
import { installerRoutes, readConfigText, writeFileAtomically } from '../../src/api/routes/installer-routes.ts';
import type { SiteService } from '../../src/api/site-service.ts';
import { RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { parseConfigText } from '../../src/store/config-file.ts';
import type { RuntimeSettingsData } from '../../src/store/runtime-settings.ts';

const CONFIG_TEXT = `# the installer's notes stay in the file
site: { mainFuseA: 25 }
chargers:
  - { id: garage, maxCurrentA: 16 }
`;

/** The installer routes alone, over a config file in a temp directory (Sunplug started with --config). */
async function withInstaller(run: (base: string, file: string, restored: RuntimeSettingsData[]) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sunplug-restore-'));
  const file = join(dir, 'sunplug.yaml');
  await writeFile(file, CONFIG_TEXT);
  const restored: RuntimeSettingsData[] = [];
  let settings: RuntimeSettingsData = { version: 1, chargers: {} };
  const service = { state: () => ({}), decisions: () => [] } as unknown as SiteService;
  const router = installerRoutes({
    clock: new RealClock(), version: 'test', service, meterHealth: () => [], meters: () => [],
    readRegisters: async () => { throw new Error('no meters here'); }, effectiveConfig: () => parseConfigText(CONFIG_TEXT),
    backup: {
      fileConfig: parseConfigText(CONFIG_TEXT), configText: () => readConfigText(file), writeConfigText: (text) => writeFileAtomically(file, text),
      settings: () => settings,
      restoreSettings: async (data) => { settings = data; restored.push(data); },
    },
  });
  const server = createServer(createHttpApp(service, silentLogger(), undefined, { routes: [router] }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, file, restored);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}

const post = async (url: string, body: unknown): Promise<{ status: number; body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
};

describe('restore of the config file', () => {
  it('keeps the config file text with its comments in the backup; restoring it unchanged needs no restart', async () => {
    await withInstaller(async (base, _file, restored) => {
      const backup = await (await fetch(`${base}/api/v1/backup`)).json();
      assert.equal(backup.configText, CONFIG_TEXT);
      const answer = await post(`${base}/api/v1/restore`, backup);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.config, { changed: false, written: false });
      assert.equal(answer.body.restartNeeded, false);
      assert.equal(restored.length, 1);
    });
  });

  it('writes a different config file atomically and says a restart is needed', async () => {
    await withInstaller(async (base, file) => {
      const backup = await (await fetch(`${base}/api/v1/backup`)).json();
      backup.configText = CONFIG_TEXT.replace('mainFuseA: 25', 'mainFuseA: 35');
      const answer = await post(`${base}/api/v1/restore`, backup);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.config, { changed: true, written: true });
      assert.equal(answer.body.restartNeeded, true);
      assert.equal(await readFile(file, 'utf8'), backup.configText);
      assert.deepEqual(await readdir(join(file, '..')), ['sunplug.yaml'], 'no temp file left behind');
    });
  });

  it('refuses a config file text that is not a valid config, and writes nothing', async () => {
    await withInstaller(async (base, file, restored) => {
      const backup = await (await fetch(`${base}/api/v1/backup`)).json();
      backup.configText = CONFIG_TEXT.replace('mainFuseA: 25', 'mainFuseA: 2');
      const answer = await post(`${base}/api/v1/restore`, backup);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.code, 'invalid_backup');
      assert.ok('configText.site.mainFuseA' in answer.body.error.fields, JSON.stringify(answer.body.error.fields));
      assert.equal(await readFile(file, 'utf8'), CONFIG_TEXT);
      assert.equal(restored.length, 0);
    });
  });
});
