import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cardsRoutes } from '../../src/api/routes/cards-routes.ts';
import { chargerControlRoutes } from '../../src/api/routes/charger-control-routes.ts';
import { chargerFilesRoutes } from '../../src/api/routes/charger-files-routes.ts';
import { createHttpApp } from '../../src/api/http-api.ts';
import type { SiteService } from '../../src/api/site-service.ts';
import type { AuthorizationMode } from '../../src/chargers/cards/card-authorizer.ts';
import { createChargerServices, type ChargerServices } from '../../src/chargers/charger-services.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.ts';
import { startTestServer, type TestServer } from './ocpp-test-kit.ts';

/**
 * An OCPP server with the card, control and file services hooked in, plus the HTTP API routers for them on a real
 * loopback port and SQLite in a temp dir: what main.ts wires, without meters and the control loop.
 */
export interface ServicesStack extends TestServer {
  services: ChargerServices;
  db: SqliteDatabase;
  dataDir: string;
  /** http://127.0.0.1:PORT */
  httpUrl: string;
  api(path: string, init?: { method?: string; body?: unknown; raw?: Buffer | string; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startServicesStack(options: { known?: string[]; authorization?: AuthorizationMode; maxFirmwareBytes?: number } = {}): Promise<ServicesStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sunplug-services-'));
  const db = openDatabase(dataDir);
  const clock = new FakeClock(Date.parse('2026-06-01T10:00:00Z'));
  const known = new Set(options.known ?? ['cp1']);
  let test: TestServer | undefined;
  let httpPort = 0;
  const services = createChargerServices({
    db, dataDir, clock, logger: silentLogger(), authorization: options.authorization ?? 'auto',
    adapterFor: (id) => test?.server.adapterFor(id),
    knows: (id) => known.has(id),
    remoteAddressOf: (id) => test?.server.connectionInfo(id).remoteAddress,
    httpPort: () => httpPort,
    ...(options.maxFirmwareBytes !== undefined ? { maxFirmwareBytes: options.maxFirmwareBytes } : {}),
  });
  test = await startTestServer({
    clock, known: [...known],
    ocpp16: { hooks: services.hooks, bootWaitMs: 1000 },
    ocpp201: { hooks: services.hooks, bootWaitMs: 1000 },
  });
  const site = {} as SiteService; // the routers under test never ask the site
  const app = createHttpApp(site, silentLogger(), undefined, {
    routes: [
      cardsRoutes({ cards: services.cards, authorizer: services.authorizer, localLists: services.localLists, clock, chargerIds: () => [...known] }),
      chargerControlRoutes(services.control),
      chargerFilesRoutes(services.jobs),
    ],
  });
  const http: Server = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const started = test;
  return {
    ...started, services, db, dataDir, httpUrl,
    async api(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      let body: Buffer | string | undefined = init.raw;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] = 'application/json';
      }
      const payload = typeof body === 'string' || body === undefined ? body : new Uint8Array(body);
      const response = await fetch(`${httpUrl}${path}`, { method: init.method ?? 'GET', headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch { /* not JSON: kept as text */ }
      return { status: response.status, body: parsed };
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await started.server.close();
      db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
