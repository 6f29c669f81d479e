import type { Router } from 'express';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachDashboardSocket } from './api/dashboard-socket.ts';
import { setupAuthentication, type AuthenticationMode } from './api/auth/authentication.ts';
import { createHttpApp } from './api/http-api.ts';
import { sessionsExportRouter } from './api/routes/sessions-export.ts';
import { tariffRouter } from './api/routes/tariff-routes.ts';
import type { SiteService } from './api/site-service.ts';
import { ChargerAdmission } from './chargers/admission/charger-admission.ts';
import { ChargerDirectory } from './chargers/admission/charger-directory.ts';
import { DEFAULT_PROFILE_EXPIRY_S, DEFAULT_WRITE_BUDGET_PER_DAY } from './chargers/ocpp16/ocpp16-adapter.ts';
import { OcppServer } from './chargers/ocpp-server.ts';
import { createChargerServices } from './chargers/charger-services.ts';
import { cardsRoutes } from './api/routes/cards-routes.ts';
import { chargerControlRoutes } from './api/routes/charger-control-routes.ts';
import { chargerFilesRoutes } from './api/routes/charger-files-routes.ts';
import { ChargerCertificates } from './chargers/security/charger-certificates.ts';
import { openOcppListeners, openTlsStore } from './chargers/security/ocpp-tls.ts';
import { SecurityEventLog } from './chargers/security/security-events.ts';
import { chargerInventory } from './chargers/charger-inventory.ts';
import { chargerSecurityRouter } from './api/routes/charger-security.ts';
import { chargerCertificateRouter } from './api/routes/charger-certificates.ts';
import { loadQuirks, type QuirkTable } from './chargers/quirks/charger-quirks.ts';
import { ControlLoop } from './control/control-loop.ts';
import { LimitWriter } from './control/limit-writer.ts';
import { pricesFromTariff, SessionAccounting } from './control/session-accounting.ts';
import { buildSiteState } from './control/site-state.ts';
import { MeterPoller, type PolledMeter } from './devices/meter-poller.ts';
import { ModbusLinkPool } from './devices/modbus/modbus-link.ts';
import { createConfiguredMeter } from './devices/profiles/configured-meter.ts';
import { ProfileCatalog } from './devices/profiles/profile-catalog.ts';
import type { ChargeMode } from './domain/charger-state.ts';
import { RealClock, type Clock } from './platform/clock.ts';
import type { Logger } from './platform/logger.ts';
import type { PolicySettings } from './policy/policy-settings.ts';
import type { ChargerConfig, MeterConfig, SunplugConfig } from './store/config-schema.ts';
import { openDatabase } from './store/database.ts';
import { HistoryStore } from './store/history-store.ts';
import { RuntimeSettings } from './store/runtime-settings.ts';
import { planRouter } from './api/routes/plan-routes.ts';
import { PlanInputs } from './control/plan-inputs.ts';
import { effectivePlanTarget, type VehicleNeeds } from './policy/plan-mode.ts';
import { SiteSettings } from './store/site-settings.ts';
import { ReplaceableTariff } from './tariffs/replaceable-tariff.ts';
import { settingsRoutes } from './api/routes/settings-routes.ts';
import { installerRoutes, readConfigText, registerReader, scanForSettings, sunplugVersion, writeFileAtomically } from './api/routes/installer-routes.ts';
import { SessionStore } from './store/session-store.ts';
import { priceAt } from './tariffs/price-slot.ts';
import { createSiteTariff } from './tariffs/site-tariff.ts';

export interface SunplugOptions {
  config: SunplugConfig;
  dataDir: string;
  /** Control time: real, scaled for the demo, or a test's fake clock. */
  clock: Clock;
  /** Transport time (Modbus timeouts and backoff): real devices answer in real time. Default: the wall clock. */
  ioClock?: Clock;
  logger: Logger;
  demo: boolean;
  /** Meter poll interval override, ms (tests). */
  pollIntervalMs?: number;
  /** Quiet time between Modbus frames on one link, ms (tests on a fake clock use 0). */
  modbusInterFrameGapMs?: number;
  /** The installation config file Sunplug was started from (backup keeps its text; restore may replace it). */
  configFile?: string;
  /** The latest log lines (the diagnostics bundle includes them, redacted), when the logger keeps them. */
  recentLogLines?: () => string[];
  /** Login and API tokens for /api and the dashboard socket (docs/api.md). Default 'required'; 'off' logs a warning. */
  authentication?: AuthenticationMode;
}

export interface RunningSunplug {
  httpPort: number;
  ocppPort: number;
  /** Base URL for chargers, without the identity: ws://127.0.0.1:PORT/ocpp (wss:// under security profiles 2 and 3) */
  ocppUrl: string;
  service: SiteService;
  loop: ControlLoop;
  poller: MeterPoller;
  ocpp: OcppServer;
  close(): Promise<void>;
}

/** The composition root: the only place that builds concrete adapters and wires them together. */
export async function startSunplug(options: SunplugOptions): Promise<RunningSunplug> {
  const { clock, logger } = options;
  const ioClock = options.ioClock ?? new RealClock();
  const settings = await RuntimeSettings.open(options.dataDir, logger, clock.nowMs());
  // Settings changed at run time overlay the config file (store/site-settings.ts); `config` is always the effective
  // configuration, so every closure below that reads it per tick sees a change at once.
  const siteSettings = new SiteSettings({ config: options.config, store: settings, logger, extraChargerIds: () => admission.approvedUnconfigured() });
  let config = siteSettings.effective();
  const db = openDatabase(options.dataDir);
  const tariff = new ReplaceableTariff((tariffConfig) => createSiteTariff(tariffConfig, {
    timeZone: config.site.timezone, dataDir: options.dataDir, clock, fetch: globalThis.fetch,
    readText: (path) => readFile(path, 'utf8'), logger: logger.child({ part: 'tariff' }),
  }), config.tariff);
  await tariff.start();
  const tariffNow = (nowMs: number): { currency: string | undefined; priceNowPerKWh: number | undefined; status: 'ok' | 'stale' | 'unavailable' } => {
    const outlook = tariff.outlook(nowMs, 3_600_000);
    return { currency: outlook.currency, priceNowPerKWh: priceAt(outlook.gridSlots, nowMs), status: outlook.grid.status };
  };
  // Solar share and cost per session (control/session-accounting.ts); unflushed totals show in running sessions.
  const sessions: SessionStore = new SessionStore(db, { unflushed: (chargerId, transactionId) => accounting.unflushed(chargerId, transactionId) });
  const accounting = new SessionAccounting({
    sink: sessions,
    prices: pricesFromTariff(tariff),
    onError: (error) => logger.error({ err: error }, 'could not store session accounting'),
  });
  const history = new HistoryStore(db);

  const links = new ModbusLinkPool({
    clock: ioClock, logger: logger.child({ part: 'modbus' }),
    ...(options.modbusInterFrameGapMs !== undefined ? { interFrameGapMs: options.modbusInterFrameGapMs } : {}),
  });
  const profiles = new ProfileCatalog();
  // Meters keep their PolledMeter (driver, readings, health) while their config entry is unchanged (settings).
  const polledByConfig = new Map<string, PolledMeter>();
  const pollMeter = (m: MeterConfig): PolledMeter => {
    const key = JSON.stringify(m);
    const known = polledByConfig.get(key);
    if (known !== undefined) return known;
    const made = newPolledMeter(m);
    polledByConfig.set(key, made);
    return made;
  };
  const newPolledMeter = (m: MeterConfig): PolledMeter => {
    const intervalMs = options.pollIntervalMs ?? m.pollIntervalMs ?? (m.role === 'grid' ? 1000 : 3000);
    return {
      role: m.role,
      intervalMs,
      maxAgeMs: m.maxAgeMs ?? Math.max(5000, 10 * intervalMs),
      // Device profile (devices/profiles): SunSpec roles get the SunSpec driver, register roles a ProfileMeter.
      driver: createConfiguredMeter(m, { links, profiles, clock, logger }),
    };
  };
  const polled: PolledMeter[] = config.meters.map(pollMeter);
  const poller = new MeterPoller(polled, clock, logger.child({ part: 'meters' }));
  const gridMaxAgeOf = (meters: readonly PolledMeter[]): number => {
    const gridMeter = config.meters.find((m) => m.id === config.site.gridMeter) ?? config.meters.find((m) => m.role === 'grid');
    return meters.find((p) => p.driver.id === gridMeter?.id)?.maxAgeMs ?? 10_000;
  };
  let gridMaxAgeMs = gridMaxAgeOf(polled);

  // OCPP admission (docs/chargers.md): security profile 1 unless the config says 0; unknown chargers wait as pending.
  const ocppLogger = logger.child({ part: 'ocpp' });
  const unknownChargers = config.ocpp.unknownChargers ?? 'pending';
  const securityProfile = config.ocpp.securityProfile ?? 1;
  const ocppListen = { ...config.ocpp, securityProfile };
  // Profiles 2 and 3: the local CA and server certificate, or the installer's files; a broken one stops the start here.
  const tlsStore = await openTlsStore(ocppListen, { dataDir: options.dataDir, clock, logger: ocppLogger });
  const securityEvents = new SecurityEventLog({ logger: ocppLogger });
  const admission = await ChargerAdmission.create({
    clock, logger: ocppLogger, securityProfile, unknownChargers,
    configured: config.chargers.map((c) => (c.password !== undefined ? { id: c.id, password: c.password } : { id: c.id })),
    store: settings,
  });
  // Approved chargers missing from the config file run with the schema's defaults and their settings (docs/chargers.md).
  const allChargers = (): ChargerConfig[] => siteSettings.chargers();
  // Cards, remote control, reservations, firmware and diagnostics (chargers/charger-services.ts), hooked into both adapters.
  let boundHttpPort = config.http.port;
  const chargerServices = createChargerServices({
    db, clock, logger, dataDir: options.dataDir, authorization: config.ocpp.authorization ?? 'auto',
    adapterFor: (id) => ocpp.adapterFor(id),
    knows: (id) => ocpp.adapterFor(id) !== undefined || allChargers().some((c) => c.id === id),
    remoteAddressOf: (id) => ocpp.connectionInfo(id).remoteAddress,
    httpPort: () => boundHttpPort,
    ...(config.http.advertisedUrl !== undefined ? { advertisedBaseUrl: config.http.advertisedUrl } : {}),
  });
  const ocpp = new OcppServer({
    clock, logger: ocppLogger, voltageV: config.site.voltageV,
    requireTls: securityProfile >= 2, requireClientCertificate: securityProfile === 3, securityEvents,
    ...(config.ocpp.maxFrameBytes !== undefined ? { maxFrameBytes: config.ocpp.maxFrameBytes } : {}),
    admit: (request) => admission.admit(request),
    ocpp16: {
      safeCurrentA: config.site.safeCurrentA,
      profileExpiryS: config.ocpp.profileExpiryS ?? DEFAULT_PROFILE_EXPIRY_S,
      writeBudgetPerDay: config.ocpp.writeBudgetPerDay ?? DEFAULT_WRITE_BUDGET_PER_DAY,
      quirks: loadChargerQuirks(logger),
      hooks: chargerServices.hooks,
    },
    ocpp16For: (id) => {
      const charger = allChargers().find((c) => c.id === id);
      return charger !== undefined ? { phases: charger.phases } : undefined;
    },
    // 2.0.1 fail-safe profiles as in 1.6: safe default beneath, expiring dynamic limit above.
    ocpp201: {
      safeCurrentA: config.site.safeCurrentA, profileExpiryS: config.ocpp.profileExpiryS ?? DEFAULT_PROFILE_EXPIRY_S,
      writeBudgetPerDay: config.ocpp.writeBudgetPerDay ?? DEFAULT_WRITE_BUDGET_PER_DAY,
      hooks: chargerServices.hooks,
    },
    ocpp201For: (id) => {
      const charger = allChargers().find((c) => c.id === id);
      return charger !== undefined ? { phases: charger.phases } : undefined;
    },
  });
  const chargerDirectory = new ChargerDirectory({ admission, server: ocpp, unknownChargers, configured: config.chargers });
  const writer = new LimitWriter();
  const recording = new Set<string>();
  ocpp.onChargerConnected((adapter) => {
    if (!recording.has(adapter.id)) {
      recording.add(adapter.id);
      adapter.onTransaction((event) => {
        try {
          sessions.record(event);
          if (event.kind === 'ended') accounting.sessionEnded(event.chargerId, event.transactionId);
        } catch (error) {
          logger.error({ err: error, charger: event.chargerId }, 'could not store a session event');
        }
      });
    }
    writer.forget(adapter.id);
    void loop.trigger('charger');
  });

  const modeOf = (id: string, fallback: ChargeMode): ChargeMode => settings.chargerMode(id) ?? fallback;
  // Plan mode works to the homeowner's plan, else to the car's own needs (OCPP 2.0.1 NotifyEVChargingNeeds).
  const planTargetOf = (id: string): { plan?: NonNullable<ReturnType<typeof effectivePlanTarget>> } => {
    const target = effectivePlanTarget(settings.chargerPlan(id), (ocpp.adapterFor(id) as { chargingNeeds?: VehicleNeeds } | undefined)?.chargingNeeds);
    return target !== undefined ? { plan: target } : {};
  };
  const planInputs = new PlanInputs({
    outlook: (nowMs, horizonMs) => tariff.outlook(nowMs, horizonMs), timeZone: config.site.timezone,
    history: (fromMs, toMs) => history.range(fromMs, toMs, 'hour'),
    ...(config.solarForecast ? { location: config.solarForecast, lookbackDays: config.solarForecast.lookbackDays } : {}),
    ...(config.solarForecast?.peakW !== undefined ? { peakW: config.solarForecast.peakW } : {}),
  });
  const policySettings = (): PolicySettings => ({
    site: {
      voltageV: config.site.voltageV, phases: config.site.phases, mainFuseA: config.site.mainFuseA,
      safetyMarginA: config.site.safetyMarginA, safeCurrentA: config.site.safeCurrentA, gridMaxAgeMs,
      chargerSettleMs: 8000,
    },
    chargers: allChargers().map((c) => ({
      id: c.id, mode: modeOf(c.id, c.mode), minCurrentA: c.minCurrentA, maxCurrentA: c.maxCurrentA, phases: c.phases, priority: c.priority,
      phaseRotation: c.phaseRotation, currentStepA: c.currentStepA, phaseSwitching: c.phaseSwitching,
      ...(c.priceLimitPerKWh !== undefined ? { priceLimitPerKWh: c.priceLimitPerKWh } : {}),
      ...planTargetOf(c.id),
    })),
    circuits: config.circuits.map((circuit) => ({
      id: circuit.id, maxCurrentA: circuit.maxCurrentA, chargerIds: allChargers().filter((c) => c.circuit === circuit.id).map((c) => c.id),
    })),
    ...(config.battery ? { battery: config.battery } : {}),
    solar: {
      enableDelayMs: config.control.solarEnableDelayS * 1000, disableDelayMs: config.control.solarDisableDelayS * 1000,
      enableThresholdW: config.control.solarEnableThresholdW, disableThresholdW: config.control.solarDisableThresholdW,
      cadenceMs: config.control.solarCadenceS * 1000,
    },
  });
  const loop = new ControlLoop({
    clock, logger: logger.child({ part: 'control' }), tickMs: config.control.tickMs, settings: policySettings,
    latestReading: (role) => poller.latestByRole(role),
    chargers: () => allChargers().flatMap((c) => ocpp.adapterFor(c.id) ?? []),
    writer,
    planInputs: (nowMs) => planInputs.at(nowMs),
    // Always asked: with no tariff the outlook has no slots, and a tariff set in the settings takes effect at once.
    prices: (nowMs: number) => tariff.outlook(nowMs, 3_600_000).gridSlots,
  });
  poller.onReading((_id, role, reading) => {
    if (role === 'grid') loop.onGridReading(reading);
  });

  const stateListeners = new Set<() => void>();
  const service: SiteService = {
    state: () => buildSiteState({
      nowMs: clock.nowMs(), demo: options.demo,
      site: { ...config.site, gridMaxAgeMs },
      chargers: allChargers().map((c) => ({
        id: c.id, name: c.name, mode: modeOf(c.id, c.mode), phases: c.phases, maxCurrentA: c.maxCurrentA,
        state: ocpp.adapterFor(c.id)?.snapshot(), writtenA: writer.lastWrittenA(c.id), ...planTargetOf(c.id),
        securityWarning: securityEvents.warning(c.id, clock.nowMs()),
      })),
      readings: { grid: poller.latestByRole('grid'), pv: poller.latestByRole('pv'), battery: poller.latestByRole('battery') },
      meters: poller.healthReport(),
      lastTick: loop.lastTick(),
      ...(config.tariff ? { tariff: tariffNow(clock.nowMs()) } : {}),
    }),
    async setChargerMode(chargerId, mode) {
      if (!allChargers().some((c) => c.id === chargerId)) return false;
      await settings.setChargerMode(chargerId, mode);
      logger.info({ charger: chargerId, mode }, 'charge mode changed');
      await loop.trigger('settings');
      return true;
    },
    decisions: (filter) => loop.decisionLog.list(filter),
    sessions: (query) => sessions.list(query),
    history: (fromMs, toMs, resolution) => history.range(fromMs, toMs, resolution),
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
  loop.onTick((tick) => {
    const { site, chargers } = service.state();
    const chargersW = chargers.reduce((sum, c) => sum + c.powerW, 0);
    history.add(tick.atMs, { gridW: site.gridPowerW, pvW: site.pvPowerW, homeW: site.homePowerW, batteryW: site.batteryPowerW, chargersW });
    accounting.tick({
      atMs: tick.atMs, pvW: site.pvPowerW, homeW: site.homePowerW,
      chargers: chargers.map((c) => ({ id: c.id, powerW: c.powerW, transactionId: ocpp.adapterFor(c.id)?.snapshot().transactionId })),
    });
    for (const listener of stateListeners) listener();
  });

  // Each area adds its API router here (settings, installer tools, auth...); see HttpExtensions in api/http-api.ts.
  const httpRoutes: Router[] = [];
  httpRoutes.push(planRouter({
    nowMs: () => clock.nowMs(), hasCharger: (id) => allChargers().some((c) => c.id === id), plan: (id) => settings.chargerPlan(id),
    async setPlan(chargerId, plan) {
      await settings.setChargerPlan(chargerId, plan);
      logger.info({ charger: chargerId, plan: plan ?? null }, plan ? 'charging plan set' : 'charging plan cleared');
      await loop.trigger('settings');
    },
  }));
  siteSettings.onChange(async (sections) => {
    config = siteSettings.effective();
    if (sections.includes('tariff')) await tariff.replace(config.tariff);
    if (sections.includes('meters')) {
      const meters = config.meters.map(pollMeter);
      // A removed meter's driver is closed: forget it, so that adding the same meter again builds a new one.
      for (const [key, known] of polledByConfig) if (!meters.includes(known)) polledByConfig.delete(key);
      await poller.replaceMeters(meters);
      gridMaxAgeMs = gridMaxAgeOf(meters);
    }
    logger.info({ sections }, 'settings changed');
    await loop.trigger('settings');
  });
  httpRoutes.push(settingsRoutes({ settings: siteSettings, meterHealth: () => poller.healthReport(), ...scanForSettings({ clock: ioClock, logger: logger.child({ part: 'scan' }), profiles }) }));
  httpRoutes.push(installerRoutes({
    clock: ioClock, version: await sunplugVersion(), service, chargers: chargerDirectory, meterHealth: () => poller.healthReport(),
    ...(options.recentLogLines !== undefined ? { logLines: options.recentLogLines } : {}),
    meters: () => config.meters, readRegisters: registerReader(links, profiles), effectiveConfig: () => config,
    backup: {
      fileConfig: options.config, settings: () => settings.snapshot(),
      ...(options.configFile !== undefined ? {
        configText: () => readConfigText(options.configFile!), writeConfigText: (text: string) => writeFileAtomically(options.configFile!, text),
      } : {}),
      restoreSettings: async (data) => {
        await settings.replace(data);
        await siteSettings.reload();
        await loop.trigger('settings');
      },
    },
  }));
  httpRoutes.push(chargerSecurityRouter({
    isKnown: (id) => admission.status(id) !== 'unknown', events: (id, limit) => securityEvents.events(id, limit),
    inventory: (id) => {
      const connection = ocpp.connectionInfo(id);
      return chargerInventory(ocpp.adapterFor(id), connection.boot, connection.protocol);
    },
  }));
  httpRoutes.push(chargerCertificateRouter(new ChargerCertificates({ securityProfile, tls: tlsStore, isKnown: (id) => admission.status(id) !== 'unknown' })));
  httpRoutes.push(sessionsExportRouter({ sessions: (q) => sessions.list(q), timeZone: () => config.site.timezone, chargerName: (id) => allChargers().find((c) => c.id === id)?.name ?? id, nowMs: () => clock.nowMs() }));
  httpRoutes.push(cardsRoutes({
    cards: chargerServices.cards, authorizer: chargerServices.authorizer, localLists: chargerServices.localLists, clock,
    chargerIds: () => allChargers().map((c) => c.id),
  }));
  httpRoutes.push(chargerControlRoutes(chargerServices.control));
  httpRoutes.push(chargerFilesRoutes(chargerServices.jobs));
  httpRoutes.push(tariffRouter({ configured: () => config.tariff !== undefined, outlook: (nowMs, horizonMs) => tariff.outlook(nowMs, horizonMs), nowMs: () => clock.nowMs() }));
  // Login sessions and the attempt limit run on wall time (ioClock): a demo at --speed 60 must not end a login in hours.
  const auth = setupAuthentication({ mode: options.authentication ?? 'required', db, clock: ioClock, logger: logger.child({ part: 'auth' }) });
  const http = createServer(createHttpApp(service, logger.child({ part: 'http' }), chargerDirectory, { routes: httpRoutes, guard: auth.guard }));
  const io = attachDashboardSocket(http, service, auth.socket);
  const httpPort = await listen(http, config.http.port, config.http.host);
  boundHttpPort = httpPort;
  const ocppListeners = await openOcppListeners(ocpp, ocppListen, tlsStore, { clock, logger: ocppLogger });
  const ocppPort = ocppListeners.port;
  poller.start();
  loop.start();
  logger.info({ httpPort, ocppPort, meters: config.meters.length, chargers: config.chargers.length }, 'Sunplug started');

  return {
    httpPort, ocppPort, ocppUrl: ocppListeners.url, service, loop, poller, ocpp,
    async close() {
      await loop.stop();
      await poller.stop();
      ocppListeners.stop();
      await ocpp.close();
      await links.close();
      tariff.stop();
      history.flush();
      accounting.flush();
      db.close();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The charger quirks table; a broken file costs the vendor workarounds, never the start. */
function loadChargerQuirks(logger: Logger): QuirkTable {
  try {
    return loadQuirks();
  } catch (error) {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'charger quirks table unreadable; running without it');
    return [];
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
