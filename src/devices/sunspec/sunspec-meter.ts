/**
 * A grid meter, PV inverter or battery that speaks SunSpec, read over a shared Modbus link. The model chain is
 * discovered on the first read and again after failures; each read fetches only the points it needs, with their
 * scale factors in the same request, and normalises them to the domain sign convention (domain/meter-reading.ts).
 *
 * Choices worth knowing:
 * - grid: meter models 201-204 (int + SF) or 211-214 (float), the first in chain order. W > 0 is import (SunSpec
 *   practice); `powerSign: -1` flips power and currents for devices that report export as positive (SolarEdge).
 *   Currents take the sign of their phase's power, since many meters send magnitudes only.
 * - pv: inverter models 101-103 / 111-113. W "not implemented" (sentinel or NaN, as inverters report at night)
 *   counts as 0 W; small negative values (standby draw, up to 200 W) are clamped to 0 because PV power is >= 0 by
 *   convention, larger ones are rejected as a wrong sign.
 *   The lifetime production WH is reported as `exportEnergyWh` (energy the inverter exports into the home), and
 *   `importEnergyWh` is left out.
 * - battery: model 802 (SoC, W; W > 0 taken as discharge) or else 124 ChaState for SoC with power from model 160
 *   modules 3 (charge) and 4 (discharge), the Fronius GEN24 layout.
 * - Several devices behind one unit id (SolarEdge chains its meters after the inverter: common model 1 + 20x,
 *   repeated): `deviceIndex` picks the n-th device of the role in chain order (1 = the first).
 * - A reading with no usable power, or with values no home device produces (|W| beyond 1 MW by default), is
 *   rejected with an Error, never passed on as a number. Energy counters that run backwards or jump faster than
 *   the maximum power allows are left out (logged), the rest of the reading stands (counter-guard.ts).
 */
import type { MeterReading, MeterRole, PhaseValues } from '../../domain/meter-reading.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { CounterGuard } from '../counter-guard.ts';
import type { MeterDriver } from '../meter-driver.ts';
import { ModbusError } from '../modbus/modbus-link.ts';
import { discoverSunSpec, findModel, readCommonModel, type HoldingRegisterReader, type SunSpecChain, type SunSpecModelRef } from './discovery.ts';
import { ModelCatalog, instantiateModel } from './model-definitions.ts';
import { ModelMovedError, readModelPoints, type ModelValues } from './read-plan.ts';

export interface SunSpecMeterOptions {
  id: string;
  role: MeterRole;
  link: HoldingRegisterReader;
  unit: number;
  clock: Clock;
  logger: Logger;
  catalog?: ModelCatalog;
  /** -1 for devices that report the opposite sign of the domain convention. */
  powerSign?: 1 | -1;
  /** Readings beyond ±maxPowerW are rejected as garbage. */
  maxPowerW?: number;
  /** Phase currents beyond ±maxCurrentA are rejected as garbage. */
  maxCurrentA?: number;
  /** The n-th device of this role in the chain (1 = the first), for units that chain several (SolarEdge meters). */
  deviceIndex?: number;
  /** Consecutive failed reads after which the chain is discovered again. */
  rediscoverAfterFailures?: number;
}

const GRID_MODELS = [201, 202, 203, 204, 211, 212, 213, 214];
const PV_MODELS = [101, 102, 103, 111, 112, 113];
const PHASES = ['A', 'B', 'C'] as const;
/** An inverter's own draw at night or in standby; more negative PV power than this is a wrong sign, not standby. */
const MAX_STANDBY_DRAW_W = 200;
const ROLE_NOUN: Record<MeterRole, string> = { grid: 'grid meter', pv: 'pv inverter', battery: 'battery' };

export function createSunSpecMeter(options: SunSpecMeterOptions): SunSpecMeter {
  return new SunSpecMeter(options);
}

export class SunSpecMeter implements MeterDriver {
  readonly id: string;
  private readonly catalog: ModelCatalog;
  private readonly where: string;
  private chainCache: SunSpecChain | undefined;
  private failures = 0;
  private closed = false;
  private readonly counters = { importEnergyWh: new CounterGuard(), exportEnergyWh: new CounterGuard() };

  constructor(private readonly options: SunSpecMeterOptions) {
    this.id = options.id;
    this.catalog = options.catalog ?? new ModelCatalog();
    this.where = `${ROLE_NOUN[options.role]} ${options.link.endpoint} unit ${options.unit}`;
  }

  /** The chain found by the last discovery, if any. */
  get chain(): SunSpecChain | undefined {
    return this.chainCache;
  }

  async read(signal?: AbortSignal): Promise<MeterReading> {
    if (this.closed) throw new Error(`${this.where}: driver closed`);
    try {
      const chain = this.chainCache ?? await this.discover(signal);
      const reading = await this.readRole(chain, signal);
      this.failures = 0;
      return reading;
    } catch (error) {
      this.failures++;
      const layoutSuspect = error instanceof ModelMovedError || (error instanceof ModbusError && error.kind === 'exception');
      if (layoutSuspect || this.failures >= (this.options.rediscoverAfterFailures ?? 3)) this.chainCache = undefined;
      throw this.describe(error);
    }
  }

  async close(): Promise<void> {
    // The link is shared with other devices behind the same endpoint; its pool closes it.
    this.closed = true;
  }

  private async discover(signal?: AbortSignal): Promise<SunSpecChain> {
    const { link, unit, logger } = this.options;
    const chain = await discoverSunSpec(link, unit, signal === undefined ? {} : { signal });
    this.chainCache = chain;
    const common = findModel(chain, [1]);
    const info = common === undefined ? {} : await readCommonModel(link, unit, common, { catalog: this.catalog, ...(signal ? { signal } : {}) })
      .catch((error: unknown) => ({ error: String(error) }));
    logger.info({ meter: this.id, endpoint: link.endpoint, unit, base: chain.baseAddress, models: chain.models.map((m) => m.id),
      complete: chain.complete, problem: chain.problem, ...info }, 'sunspec device discovered');
    return chain;
  }

  private async readRole(chain: SunSpecChain, signal?: AbortSignal): Promise<MeterReading> {
    switch (this.options.role) {
      case 'grid': return this.readGrid(this.require(chain, GRID_MODELS, 'meter model (201-204, 211-214)'), signal);
      case 'pv': return this.readPv(this.require(chain, PV_MODELS, 'inverter model (101-103, 111-113)'), signal);
      case 'battery': return this.readBattery(chain, signal);
    }
  }

  private async readGrid(ref: SunSpecModelRef, signal?: AbortSignal): Promise<MeterReading> {
    const names = ['W', ...phaseNames('W'), ...phaseNames('A'), ...phaseNames('PhV'), 'TotWhImp', 'TotWhExp'];
    const v = await this.readModel(ref, names, signal);
    const sign = this.options.powerSign ?? 1;
    const phasePowers = triple(phaseNames('W').map((n) => v.scaled(n)));
    const total = v.scaled('W') ?? (phasePowers === undefined ? undefined : phasePowers[0] + phasePowers[1] + phasePowers[2]);
    if (total === undefined) throw new Error('no power: W and per-phase W are not implemented');
    const powers = phasePowers?.map((w) => w * sign);
    const currents = triple(phaseNames('A').map((n, i) => {
      const a = v.scaled(n);
      const w = powers?.[i];
      return a === undefined ? undefined : w === undefined || w === 0 ? a * sign : Math.abs(a) * Math.sign(w);
    }));
    return this.finish({
      powerW: total * sign,
      ...optional('phasePowersW', powers === undefined ? undefined : triple(powers)),
      ...optional('phaseCurrentsA', currents),
      ...optional('phaseVoltagesV', triple(phaseNames('PhV').map((n) => v.scaled(n)))),
      ...optional('importEnergyWh', energy(v.scaled('TotWhImp'))),
      ...optional('exportEnergyWh', energy(v.scaled('TotWhExp'))),
    });
  }

  private async readPv(ref: SunSpecModelRef, signal?: AbortSignal): Promise<MeterReading> {
    const v = await this.readModel(ref, ['W', 'WH', 'St', ...phaseNames('A'), ...phaseNames('PhV')], signal);
    const watts = v.scaled('W');
    if (watts === undefined && v.scaled('WH') === undefined && v.raw('St') === undefined) {
      throw new Error('only "not implemented" values (W, WH and St)');
    }
    // Inverters report W as not implemented while asleep at night: that is no production, not a failure.
    const signed = (watts ?? 0) * (this.options.powerSign ?? 1);
    if (signed < -MAX_STANDBY_DRAW_W) throw new Error(`negative production ${signed} W (is the sign of this inverter inverted?)`);
    return this.finish({
      powerW: Math.max(0, signed),
      ...optional('phaseCurrentsA', triple(phaseNames('A').map((n) => v.scaled(n)))),
      ...optional('phaseVoltagesV', triple(phaseNames('PhV').map((n) => v.scaled(n)))),
      ...optional('exportEnergyWh', energy(v.scaled('WH'))),
    });
  }

  private async readBattery(chain: SunSpecChain, signal?: AbortSignal): Promise<MeterReading> {
    const sign = this.options.powerSign ?? 1;
    const battery = findModel(chain, [802]);
    if (battery !== undefined) {
      const v = await this.readModel(battery, ['SoC', 'W'], signal);
      const watts = v.scaled('W');
      if (watts === undefined) throw new Error('model 802 W is not implemented');
      return this.finish({ powerW: watts * sign, ...optional('socPct', v.scaled('SoC')) });
    }
    const storage = this.require(chain, [124], 'battery model (802, or 124 with 160)');
    const mppt = findModel(chain, [160]);
    const soc = (await this.readModel(storage, ['ChaState'], signal)).scaled('ChaState');
    if (mppt === undefined) throw new Error('model 124 gives no power and there is no model 160 with storage modules');
    const dc = await this.readModel(mppt, ['module[3].DCW', 'module[4].DCW'], signal);
    const charge = dc.scaled('module[3].DCW');
    const discharge = dc.scaled('module[4].DCW');
    if (charge === undefined || discharge === undefined) throw new Error('model 160 modules 3 and 4 (storage charge/discharge) are missing');
    return this.finish({ powerW: (discharge - charge) * sign, ...optional('socPct', soc) });
  }

  private async readModel(ref: SunSpecModelRef, names: readonly string[], signal?: AbortSignal): Promise<ModelValues> {
    const layout = instantiateModel(this.catalog.get(ref.id), ref.length);
    return readModelPoints(this.options.link, this.options.unit, ref, layout, names, signal);
  }

  /** Plausibility checks, then the timestamp: a reading that passes is fresh as of now. */
  private finish(reading: Omit<MeterReading, 'atMs'>): MeterReading {
    const maxPowerW = this.options.maxPowerW ?? 1_000_000;
    const maxCurrentA = this.options.maxCurrentA ?? 2_000;
    const bad = (value: number, limit: number): boolean => !Number.isFinite(value) || Math.abs(value) > limit;
    if (bad(reading.powerW, maxPowerW)) throw new Error(`implausible power ${reading.powerW} W (limit ±${maxPowerW} W)`);
    if (reading.phasePowersW?.some((w) => bad(w, maxPowerW))) throw new Error(`implausible phase powers ${reading.phasePowersW.join(', ')} W`);
    if (reading.phaseCurrentsA?.some((a) => bad(a, maxCurrentA))) throw new Error(`implausible phase currents ${reading.phaseCurrentsA.join(', ')} A`);
    if (reading.phaseVoltagesV?.some((v) => bad(v, 1000) || v < 0)) throw new Error(`implausible phase voltages ${reading.phaseVoltagesV.join(', ')} V`);
    if (reading.socPct !== undefined && (bad(reading.socPct, 100) || reading.socPct < 0)) throw new Error(`implausible state of charge ${reading.socPct} %`);
    const atMs = this.options.clock.nowMs();
    const checked = { ...reading };
    for (const name of ['importEnergyWh', 'exportEnergyWh'] as const) {
      const value = checked[name];
      if (value === undefined) continue;
      const guard = this.counters[name];
      const verdict = guard.offer(value, atMs, maxPowerW);
      if (verdict !== 'ok') {
        // A bad counter must not cost the power reading (the fuse needs it).
        this.options.logger.warn({ meter: this.id, counter: name, value, last: guard.lastValue, verdict }, 'energy counter rejected as garbage');
        delete checked[name];
      }
    }
    return { atMs, ...checked };
  }

  /** The `deviceIndex`-th model of `ids` in chain order (each device of a chain has one model of its role). */
  private require(chain: SunSpecChain, ids: readonly number[], what: string): SunSpecModelRef {
    const index = this.options.deviceIndex ?? 1;
    const found = chain.models.filter((m) => ids.includes(m.id));
    const ref = found[index - 1];
    if (ref === undefined) {
      const models = `[${chain.models.map((m) => m.id).join(', ')}]${chain.complete ? '' : ` (incomplete: ${chain.problem})`}`;
      throw new Error(found.length === 0 || index === 1 ? `no ${what} in the SunSpec chain ${models}`
        : `device ${index} asked for, but the SunSpec chain ${models} has ${found.length} ${what}${found.length === 1 ? '' : 's'}`);
    }
    return ref;
  }

  /** "grid meter 127.0.0.1:5020 unit 240: Modbus exception 2 (illegal data address)". */
  private describe(error: unknown): Error {
    if (error instanceof ModbusError) return new Error(`${ROLE_NOUN[this.options.role]} ${error.message}`, { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    return new Error(message.startsWith(this.options.link.endpoint) ? `${ROLE_NOUN[this.options.role]} ${message}` : `${this.where}: ${message}`, { cause: error });
  }
}

function phaseNames(prefix: 'W' | 'A' | 'PhV'): string[] {
  return PHASES.map((p) => `${prefix}ph${p}`);
}

/** All three phases, or only phase A (the others 0) for single-phase devices; otherwise nothing. */
function triple(values: readonly (number | undefined)[]): PhaseValues | undefined {
  const [a, b, c] = values;
  if (a === undefined) return undefined;
  if (b !== undefined && c !== undefined) return [a, b, c];
  if (b === undefined && c === undefined) return [a, 0, 0];
  return [a, b ?? 0, c ?? 0];
}

/** Energy counters that are negative or not finite are dropped rather than reported. */
function energy(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
