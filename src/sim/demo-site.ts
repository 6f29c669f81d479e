import type { PhaseValues } from '../domain/meter-reading.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { validateConfig } from '../store/config-file.ts';
import type { SunplugConfig } from '../store/config-schema.ts';
import { DEMO_APPLIANCES, HouseholdLoad, type Appliance } from './household-load.ts';
import { startModbusServer } from './modbus-server.ts';
import { SimulatedChargePoint } from './ocpp-charge-point.ts';
import { PvArray } from './pv-array.ts';
import { createSunSpecGridMeter, createSunSpecInverter, type SunSpecGridMeterImage, type SunSpecInverterImage } from './sunspec-device.ts';

/** The demo home: Berlin, 3 × 230 V, 25 A main fuse, a 10 kWp roof and one 11 kW wallbox. */
export const DEMO_TIMEZONE = 'Europe/Berlin';
const DEMO_LOCATION = { latitudeDeg: 52.52, longitudeDeg: 13.4 };
const VOLTAGE_V = 230;
const INVERTER_UNIT = 1;
const METER_UNIT = 240;
const WALLBOX_ID = 'garage';
/**
 * The demo wallbox authenticates like a real one under security profile 1 (Basic auth). A fixed password is fine
 * here: the demo's devices are simulated and listen on 127.0.0.1 only.
 */
const WALLBOX_PASSWORD = 'demo-wallbox-password';

/** 12:00 site time on 21 June of `year`: a long sunny day, so the demo shows solar charging whenever it is run. */
export function defaultDemoStartMs(year: number, timeZone: string): number {
  const noonUtc = Date.UTC(year, 5, 21, 12, 0, 0);
  const local = new Date(new Date(noonUtc).toLocaleString('en-US', { timeZone }));
  const utc = new Date(new Date(noonUtc).toLocaleString('en-US', { timeZone: 'UTC' }));
  return noonUtc - (local.getTime() - utc.getTime());
}

export interface DemoDevices {
  config: SunplugConfig;
  /** Connects the simulated wallboxes to Sunplug's OCPP endpoint and plugs the car in. */
  connectWallboxes(ocppUrl: string): Promise<void>;
  stopWallboxes(): Promise<void>;
  close(): Promise<void>;
  /** Switches an appliance on for `durationMs` (the demo's fuse test). */
  switchOn(applianceName: string, durationMs?: number): Appliance;
  readonly wallbox: SimulatedChargePoint | undefined;
  /** Current on each grid phase the meter shows, A (import positive). */
  gridPhaseCurrentsA(): PhaseValues;
  /** Pins the PV output to `powerW` (a step for tests and installer demos); undefined returns to the weather. */
  setPvOverrideW(powerW: number | undefined): void;
}

export interface DemoOptions {
  clock: Clock;
  logger: Logger;
  seed: number;
  /** Plant update interval, ms of simulated time. The meter shows grid = home + car − PV at this resolution. */
  plantStepMs?: number;
  /** Wallbox MeterValues and car behaviour settle per this tick, ms. */
  wallboxTickMs?: number;
}

/**
 * Simulated devices for the demo and the end-to-end tests, all speaking the real protocols on 127.0.0.1: a SunSpec
 * inverter and grid meter on a Modbus TCP server, and an OCPP 1.6J wallbox with a car. A plant step every second
 * (simulated) keeps the physics: grid = household + wallbox − PV, per phase, with energy counters integrated.
 */
export async function startDemoDevices(options: DemoOptions): Promise<DemoDevices> {
  const { clock, logger } = options;
  const inverter = createSunSpecInverter({ manufacturer: 'Sunplug Demo', model: 'PV 10k', serial: 'SIM-PV-0001', version: '1.0' });
  const meter = createSunSpecGridMeter({ manufacturer: 'Sunplug Demo', model: 'Grid Meter', serial: 'SIM-GM-0001', version: '1.0' });
  const server = await startModbusServer({ units: [[INVERTER_UNIT, inverter], [METER_UNIT, meter]], logger });
  const pv = new PvArray({ peakW: 10_000, ...DEMO_LOCATION, seed: options.seed, cloudiness: 0.35 });
  const household = new HouseholdLoad(options.seed, DEMO_APPLIANCES, utcOffsetMinutes(clock.nowMs(), DEMO_TIMEZONE));
  const plant = new DemoPlant(inverter, meter, pv, household);
  let wallbox: SimulatedChargePoint | undefined;
  let lastGridA: PhaseValues = [0, 0, 0];
  const step = (): void => {
    lastGridA = plant.step(clock.nowMs(), wallbox?.phaseCurrentsA ?? []);
  };
  step();
  const stopPlant = clock.every(options.plantStepMs ?? 1000, step, (error) => logger.error({ err: error }, 'demo plant step failed'));

  const config = validateConfig({
    site: { name: 'Demo home', timezone: DEMO_TIMEZONE, voltageV: VOLTAGE_V, phases: 3, mainFuseA: 25, gridMeter: 'grid' },
    meters: [
      { id: 'grid', role: 'grid', device: 'sunspec', modbus: { host: server.host, port: server.port, unit: METER_UNIT } },
      { id: 'pv', role: 'pv', device: 'sunspec', modbus: { host: server.host, port: server.port, unit: INVERTER_UNIT } },
    ],
    chargers: [{ id: WALLBOX_ID, name: 'Garage', maxCurrentA: 16, phases: 3, mode: 'solar', password: WALLBOX_PASSWORD }],
  }, 'demo');

  return {
    config,
    get wallbox() {
      return wallbox;
    },
    gridPhaseCurrentsA: () => lastGridA,
    async connectWallboxes(ocppUrl: string) {
      wallbox = new SimulatedChargePoint({
        id: WALLBOX_ID, url: ocppUrl, clock, voltageV: VOLTAGE_V, phases: 3, maxCurrentA: 16, password: WALLBOX_PASSWORD,
        logger: logger.child({ part: 'demo-wallbox' }), tickMs: options.wallboxTickMs ?? 1000,
        vendor: 'Sunplug Demo', model: 'Wallbox 11', vehicle: { maxCurrentA: 16, phases: 3, socPct: 30, batteryCapacityWh: 77_000 },
      });
      await wallbox.start();
      await wallbox.plugIn();
    },
    async stopWallboxes() {
      await wallbox?.stop();
    },
    async close() {
      stopPlant();
      await server.close();
    },
    setPvOverrideW(powerW: number | undefined) {
      plant.pvOverrideW = powerW;
      step();
    },
    switchOn(applianceName: string, durationMs?: number) {
      const appliance = DEMO_APPLIANCES.find((a) => a.name === applianceName);
      if (!appliance) throw new Error(`no demo appliance "${applianceName}" (${DEMO_APPLIANCES.map((a) => a.name).join(', ')})`);
      household.switchOn(appliance, clock.nowMs(), durationMs);
      step();
      return appliance;
    },
  };
}

/** The physics of the demo home, written into the simulated inverter and meter registers. */
class DemoPlant {
  private lastMs: number | undefined;
  private pvEnergyWh = 0;
  private importWh = 0;
  private exportWh = 0;
  pvOverrideW: number | undefined;

  constructor(private readonly inverter: SunSpecInverterImage, private readonly meter: SunSpecGridMeterImage,
    private readonly pv: PvArray, private readonly household: HouseholdLoad) {
    inverter.setPhaseVoltagesV([VOLTAGE_V, VOLTAGE_V, VOLTAGE_V]);
    meter.setPhaseVoltagesV([VOLTAGE_V, VOLTAGE_V, VOLTAGE_V]);
    meter.setFrequencyHz(50);
  }

  /** Updates the registers for `nowMs`; returns the grid phase currents, A. */
  step(nowMs: number, wallboxPhaseCurrentsA: readonly number[]): PhaseValues {
    const pvW = this.pvOverrideW ?? this.pv.powerW(nowMs);
    const homeW = this.household.phasePowersW(nowMs);
    const gridPhaseW = [0, 1, 2].map((p) => homeW[p]! + (wallboxPhaseCurrentsA[p] ?? 0) * VOLTAGE_V - pvW / 3);
    const gridW = gridPhaseW.reduce((s, w) => s + w, 0);
    const hours = this.lastMs === undefined ? 0 : Math.max(0, nowMs - this.lastMs) / 3_600_000;
    this.lastMs = nowMs;
    this.pvEnergyWh += pvW * hours;
    if (gridW > 0) this.importWh += gridW * hours; else this.exportWh -= gridW * hours;

    this.inverter.setPowerW(pvW);
    this.inverter.setState(pvW > 0 ? 4 : 2);
    this.inverter.setPhaseCurrentsA([pvW / 3 / VOLTAGE_V, pvW / 3 / VOLTAGE_V, pvW / 3 / VOLTAGE_V]);
    this.inverter.setEnergyWh(Math.round(this.pvEnergyWh));
    const gridA = gridPhaseW.map((w) => w / VOLTAGE_V) as unknown as PhaseValues;
    this.meter.setPowerW(gridW, gridPhaseW as unknown as PhaseValues);
    this.meter.setPhaseCurrentsA(gridA);
    this.meter.setEnergyWh({ importWh: Math.round(this.importWh), exportWh: Math.round(this.exportWh) });
    return gridA;
  }
}

function utcOffsetMinutes(atMs: number, timeZone: string): number {
  const local = new Date(new Date(atMs).toLocaleString('en-US', { timeZone }));
  const utc = new Date(new Date(atMs).toLocaleString('en-US', { timeZone: 'UTC' }));
  return Math.round((local.getTime() - utc.getTime()) / 60_000);
}
