import { z } from 'zod';
import { CHARGE_MODES } from '../domain/charger-state.ts';
import { DEVICE_NAMES, DEVICE_ROLES, deviceServesRole } from '../devices/profiles/device-names.ts';
import { BAUD_RATES, SERIAL_PARITIES } from '../devices/modbus/serial-line.ts';
import { tariffConfigSchema } from '../tariffs/tariff-config.ts';

/**
 * The installation config file (YAML), version 1. Unknown keys are errors so that a typo never silently falls back
 * to a default. `config/sunplug.schema.json` is generated from this schema (`npm run schema`).
 */

const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'an id of letters, digits, _ . : - (at most 64)');

// Port, unit and timeout default to the device profile's (devices/profiles/*.yaml), so they are resolved when the
// meter is built, not here. A meter is reached in one of three ways: `host` (Modbus TCP, also through a Modbus TCP
// gateway that translates to RS-485), `serial` (Modbus RTU on a local serial port) or `rtuOverTcp` (RTU frames
// passed unchanged through a transparent TCP gateway). Every meter on one serial port or gateway shares its queue.
const tcpPort = z.number().int().min(1).max(65535);
const serialLine = z.strictObject({
  path: z.string().min(1).describe('Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...'),
  baudRate: z.number().int().refine((rate) => (BAUD_RATES as readonly number[]).includes(rate), `one of ${BAUD_RATES.join(', ')}`)
    .describe(`Bus speed: ${BAUD_RATES.join(', ')} (most meters 9600; the Eastron SDM120 leaves the factory at 2400)`),
  parity: z.enum(SERIAL_PARITIES).default('none'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
});
const modbusLink = z.strictObject({
  host: z.string().min(1).optional().describe('Modbus TCP: the device\'s (or Modbus TCP gateway\'s) IP address or name'),
  port: tcpPort.optional().describe("With host. Default: the device profile's port (502 for sunspec)"),
  serial: serialLine.optional().describe('Modbus RTU on a local serial port (RS-485 adapter)'),
  rtuOverTcp: z.strictObject({
    host: z.string().min(1),
    port: tcpPort.default(502),
  }).optional().describe('Modbus RTU frames through a transparent RS-485-to-TCP gateway (not a Modbus TCP gateway)'),
  unit: z.number().int().min(0).max(255).optional().describe("Default: the device profile's unit for this role (1 for sunspec)"),
  timeoutMs: z.number().int().min(100).max(30000).optional().describe("Default: the device profile's timeout, else 1000"),
}).superRefine((link, ctx) => {
  const given = (['host', 'serial', 'rtuOverTcp'] as const).filter((key) => link[key] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', path: given.length === 0 ? [] : [given[1]!],
      message: 'give exactly one of host (Modbus TCP), serial (Modbus RTU on a serial port) or rtuOverTcp (RTU through a TCP gateway)' });
  }
  if (link.port !== undefined && link.host === undefined) {
    ctx.addIssue({ code: 'custom', path: ['port'], message: 'port goes with host; for rtuOverTcp put it inside rtuOverTcp' });
  }
});

export const meterConfigSchema = z.strictObject({
  id,
  role: z.enum(['grid', 'pv', 'battery']),
  device: z.enum(DEVICE_NAMES)
    .describe('Device profile (devices/profiles, docs/devices.md); "sunspec" discovers the SunSpec model chain of any device'),
  modbus: modbusLink,
  powerSign: z.union([z.literal(1), z.literal(-1)]).optional()
    .describe('-1 flips power and currents on top of the profile, e.g. for a current clamp mounted the other way round'),
  sunspecIndex: z.number().int().min(1).max(8).optional()
    .describe('Which device of this role to read when one unit id chains several (SolarEdge meters 1-3 behind the inverter): 1 = the first (default)'),
  maxRegistersPerRead: z.number().int().min(4).max(125).optional()
    .describe("Largest block read; default: the device profile's (125 for most devices)"),
  pollIntervalMs: z.number().int().min(200).max(60000).optional()
    .describe('Default: 1000 for the grid meter, 3000 for others'),
  maxAgeMs: z.number().int().min(1000).max(600000).optional()
    .describe('A reading older than this is stale. Default: 10 x the poll interval, at least 5 s'),
}).superRefine((meter, ctx) => {
  if (!deviceServesRole(meter.device, meter.role)) {
    ctx.addIssue({ code: 'custom', path: ['role'], message: `device "${meter.device}" serves ${DEVICE_ROLES[meter.device].join(', ')}, not ${meter.role}` });
  }
});

export const chargerConfigSchema = z.strictObject({
  id,
  name: z.string().max(64).optional(),
  maxCurrentA: z.number().min(6).max(80).default(16),
  minCurrentA: z.number().min(6).max(32).default(6),
  phases: z.union([z.literal(1), z.literal(3)]).default(3),
  mode: z.enum(CHARGE_MODES).default('solar'),
  priority: z.number().int().min(0).max(100).default(0),
  password: z.string().min(16).max(40).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional()
    .describe('OCPP Basic-auth password this charger is provisioned with (security profile 1), 16 to 40 characters. '
      + 'Without it, Sunplug issues one when the charger is approved. Hashed at start and never logged'),
  phaseRotation: z.enum(['L1L2L3', 'L2L3L1', 'L3L1L2']).default('L1L2L3')
    .describe("Grid phases the charger's L1, L2, L3 are wired to; L2L3L1 puts a 1-phase car on grid L2"),
  circuit: id.optional().describe('Id of the sub-circuit (circuits[]) that feeds this charger'),
  currentStepA: z.union([z.literal(0.1), z.literal(1)]).default(1)
    .describe('Resolution the charger and car apply limits with, A: 1 for most (whole amps), 0.1 where both take tenths'),
  phaseSwitching: z.boolean().default(false)
    .describe('The charger switches between 1 and 3 phases on command (OCPP numberPhases): in solar mode it drops to 1 phase below the 3-phase minimum'),
  priceLimitPerKWh: z.number().min(-100).max(100).optional()
    .describe('Charge as fast as allowed whenever the grid price is at or below this, site currency per kWh (docs/tariffs.md)'),
});

export const circuitConfigSchema = z.strictObject({
  id,
  maxCurrentA: z.number().min(6).max(400).describe('Breaker rating per phase, A, for the chargers behind it'),
});

export const batteryConfigSchema = z.strictObject({
  prioritySocPct: z.number().min(0).max(100).default(0)
    .describe('Below this state of charge the home battery charges before the cars take surplus, %'),
  bufferSocPct: z.number().min(0).max(100).default(100)
    .describe('Above this state of charge the battery may carry a charging car at its minimum through a dip, %'),
});

export const ocppConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8887),
  host: z.string().default('0.0.0.0'),
  securityProfile: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional()
    .describe('OCPP security profile. 1 (default): HTTP Basic auth with a password per charger. 2: the same passwords '
      + 'over TLS (wss:// on tlsPort only). 3: TLS with a client certificate per charger from Sunplug\'s CA. 0: no '
      + 'authentication, only for a network you fully trust (logged as a warning)'),
  tlsPort: z.number().int().min(0).max(65535).default(8443)
    .describe('Port of wss:// for security profiles 2 and 3 (the plain port is then closed)'),
  tls: z.strictObject({
    certFile: z.string().min(1).optional().describe('PEM server certificate (chain) to use instead of the generated one'),
    keyFile: z.string().min(1).optional().describe('PEM private key of certFile'),
    caFile: z.string().min(1).optional()
      .describe('PEM CA that charger client certificates must chain to (profile 3 with certFile)'),
    hostNames: z.array(z.string().min(1).max(253)).max(32).default([])
      .describe('Extra DNS names or IP addresses for the generated server certificate (host names and LAN addresses are added)'),
  }).optional().describe('TLS for security profiles 2 and 3; default: a local CA and server certificate in the data directory'),
  maxFrameBytes: z.number().int().min(4096).max(16_777_216).optional()
    .describe('Largest OCPP frame a charger may send, bytes (default 65536); a bigger one closes its connection'),
  unknownChargers: z.enum(['pending', 'reject', 'accept']).optional()
    .describe('Chargers that are not in this file: "pending" (default) lets them connect and wait for approval in the '
      + 'API, "reject" refuses them, "accept" controls any charger that connects (security profile 0 only)'),
  profileExpiryS: z.number().int().min(60).max(86400).optional()
    .describe('Lifetime of a dynamic charging limit on the charger, s (default 900): if Sunplug stops renewing it, '
      + 'the charger falls back to site.safeCurrentA by itself'),
  writeBudgetPerDay: z.number().int().min(10).max(100000).optional()
    .describe('Charging-profile writes per charger per 24 h, to spare its flash (default 480, or the charger quirk); '
      + 'safety reductions and pauses always go through'),
  authorization: z.enum(['auto', 'any', 'known-cards']).optional()
    .describe('Which RFID cards may charge: "auto" (default) any card until the first card is in the card list, then '
      + 'only listed cards; "any" every card that is not blocked; "known-cards" only listed cards (docs/chargers.md)'),
});

export const siteConfigSchema = z.strictObject({
  name: z.string().min(1).max(64).default('Home'),
  timezone: z.string().min(1).default('UTC').refine(isKnownTimeZone, 'an IANA time zone such as Europe/Berlin'),
  voltageV: z.number().min(100).max(260).default(230).describe('Phase-to-neutral voltage, V'),
  phases: z.union([z.literal(1), z.literal(3)]).default(3),
  mainFuseA: z.number().min(6).max(400).describe('Rating of the main fuse per phase, A'),
  safetyMarginA: z.number().min(0).max(20).default(1)
    .describe('Headroom kept below the main fuse rating on every phase, A'),
  safeCurrentA: z.number().min(0).max(32).default(6)
    .describe('Current per phase every charger falls back to when the grid meter is stale, A (0 pauses)'),
  gridMeter: id.optional().describe('Id of the meter that measures the grid connection'),
});

export const controlConfigSchema = z.strictObject({
  tickMs: z.number().int().min(200).max(10000).default(1000),
  solarEnableDelayS: z.number().min(0).max(3600).default(60),
  solarDisableDelayS: z.number().min(0).max(3600).default(180),
  solarEnableThresholdW: z.number().min(-10000).max(10000).default(0)
    .describe('Extra surplus beyond the minimum charging power needed to start, W'),
  solarDisableThresholdW: z.number().min(-10000).max(10000).default(0)
    .describe('Grid import tolerated at minimum current before the stop timer runs, W'),
  solarCadenceS: z.number().min(1).max(120).default(5)
    .describe('How often the solar target is recomputed, s (the fuse is checked every tick)'),
});

export const solarForecastConfigSchema = z.strictObject({
  latitudeDeg: z.number().min(-90).max(90).describe('Latitude of the array, degrees, north positive'),
  longitudeDeg: z.number().min(-180).max(180).describe('Longitude of the array, degrees, east positive'),
  peakW: z.number().min(100).max(1_000_000).optional().describe('Inverter limit, W: no forecast above it'),
  lookbackDays: z.number().int().min(1).max(60).default(14).describe('Days of PV history the forecast learns from'),
});

export const configSchema = z.strictObject({
  site: siteConfigSchema,
  meters: z.array(meterConfigSchema).default([]),
  chargers: z.array(chargerConfigSchema).default([]),
  circuits: z.array(circuitConfigSchema).default([]),
  battery: batteryConfigSchema.optional(),
  ocpp: ocppConfigSchema.default({ port: 8887, host: '0.0.0.0', tlsPort: 8443 }),
  http: z.strictObject({
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().default('0.0.0.0'),
    advertisedUrl: z.url({ protocol: /^https?$/ }).optional()
      .describe('Base URL chargers reach Sunplug\'s HTTP server at for firmware and diagnostics files, e.g. '
        + 'http://192.168.1.10:8080 (default: the address on the charger\'s subnet and http.port)'),
  }).default({ port: 8080, host: '0.0.0.0' }),
  control: controlConfigSchema.default(controlConfigSchema.parse({})),
  tariff: tariffConfigSchema.optional().describe('Grid and feed-in prices (docs/tariffs.md); default: no prices known'),
  solarForecast: solarForecastConfigSchema.optional()
    .describe('Where the PV array is, for the forecast from its own history (docs/tariffs.md)'),
}).superRefine((config, ctx) => {
  if (config.ocpp.unknownChargers === 'accept' && config.ocpp.securityProfile !== 0) {
    ctx.addIssue({
      code: 'custom', path: ['ocpp', 'unknownChargers'],
      message: '"accept" needs ocpp.securityProfile: 0 (an unknown charger has no password); use "pending" and approve it',
    });
  }
  const tls = config.ocpp.tls;
  if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['ocpp', 'tls'], message: 'certFile and keyFile go together' });
  }
  if (config.ocpp.securityProfile === 3 && tls?.certFile !== undefined && tls.caFile === undefined) {
    ctx.addIssue({
      code: 'custom', path: ['ocpp', 'tls', 'caFile'],
      message: 'security profile 3 with your own certFile needs caFile: the CA that signs the chargers\' client certificates',
    });
  }
  const meterIds = new Set<string>();
  // One RS-485 bus runs at one speed: meters on the same serial port must agree on its line settings.
  const lines = new Map<string, { line: string; id: string }>();
  config.meters.forEach((meter, index) => {
    if (meterIds.has(meter.id)) {
      ctx.addIssue({ code: 'custom', path: ['meters', index, 'id'], message: `duplicate meter id "${meter.id}"` });
    }
    meterIds.add(meter.id);
    const serial = meter.modbus.serial;
    if (serial === undefined) return;
    const line = `${serial.baudRate} ${serial.dataBits}${serial.parity[0]!.toUpperCase()}${serial.stopBits}`;
    const first = lines.get(serial.path);
    if (first === undefined) lines.set(serial.path, { line, id: meter.id });
    else if (first.line !== line) {
      ctx.addIssue({ code: 'custom', path: ['meters', index, 'modbus', 'serial'],
        message: `${serial.path} runs at ${first.line} for meter "${first.id}"; every meter on one serial port must use the same settings, not ${line}` });
    }
  });
  const chargerIds = new Set<string>();
  config.chargers.forEach((charger, index) => {
    if (chargerIds.has(charger.id)) {
      ctx.addIssue({ code: 'custom', path: ['chargers', index, 'id'], message: `duplicate charger id "${charger.id}"` });
    }
    chargerIds.add(charger.id);
    if (charger.circuit !== undefined && !config.circuits.some((c) => c.id === charger.circuit)) {
      ctx.addIssue({ code: 'custom', path: ['chargers', index, 'circuit'], message: `no circuit with id "${charger.circuit}"` });
    }
    if (charger.minCurrentA > charger.maxCurrentA) {
      ctx.addIssue({ code: 'custom', path: ['chargers', index, 'minCurrentA'], message: 'must not exceed maxCurrentA' });
    }
  });
  if (config.battery && config.battery.prioritySocPct > config.battery.bufferSocPct) {
    ctx.addIssue({ code: 'custom', path: ['battery', 'bufferSocPct'], message: 'must be at least prioritySocPct' });
  }
  const grid = config.site.gridMeter;
  if (grid !== undefined && !config.meters.some((m) => m.id === grid && m.role === 'grid')) {
    ctx.addIssue({ code: 'custom', path: ['site', 'gridMeter'], message: `no meter with id "${grid}" and role grid` });
  }
});

export type SunplugConfig = z.output<typeof configSchema>;
export type MeterConfig = z.output<typeof meterConfigSchema>;
export type ChargerConfig = z.output<typeof chargerConfigSchema>;
export type OcppConfig = z.output<typeof ocppConfigSchema>;

function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
