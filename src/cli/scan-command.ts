/**
 * `sunplug scan`: finds the Modbus devices behind a host or on an RS-485 bus (SunSpec devices and known device
 * profiles), reads their live power, and prints what it found with a config snippet to paste. `--json` prints only a
 * JSON array, one object per device. Exit codes: 0 something found, 1 nothing found, 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { Document, isMap, isSeq } from 'yaml';
import { BAUD_RATES, SERIAL_PARITIES, lineName, type SerialLineSettings, type SerialParity } from '../devices/modbus/serial-line.ts';
import { DEFAULT_SCAN_PORTS, DEFAULT_SCAN_UNITS, scanDevices, type FoundDevice, type ScanReport } from '../devices/device-scanner.ts';
import { ProfileCatalog } from '../devices/profiles/profile-catalog.ts';
import { profileRoles, roleUnit } from '../devices/profiles/profile-schema.ts';
import type { MeterRole } from '../domain/meter-reading.ts';
import { RealClock, type Clock } from '../platform/clock.ts';
import { createLogger, type Logger } from '../platform/logger.ts';

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

export interface ScanCommandOptions {
  output?: CommandOutput;
  clock?: Clock;
  logger?: Logger;
  profiles?: ProfileCatalog;
}

/** On a serial bus each silent unit costs a timeout, so the default is the low ids meters leave the factory with. */
const SERIAL_DEFAULT_UNITS = '1-10';

export const SCAN_USAGE = `Usage: sunplug scan --host HOST [--port 502,1502] [--units 1,2,3,71,126,200-204,240] [--timeout MS] [--json]
       sunplug scan --serial PATH --baud N [--parity none|even|odd] [--stop-bits 1|2] [--units 1-10] [--timeout MS] [--json]
       sunplug scan --host HOST --port N --rtu-over-tcp [--units 1-10] [--timeout MS] [--json]

Finds Modbus TCP devices behind HOST, or Modbus RTU devices on the RS-485 bus at the serial port PATH: SunSpec devices
(inverters, meters, batteries) and devices with a profile in devices/profiles. Prints manufacturer, model, serial,
SunSpec models, live power and a config snippet to paste.

  --host HOST       IP address or name of the inverter, meter, data logger or Modbus TCP gateway
  --port LIST       TCP ports to try (default ${DEFAULT_SCAN_PORTS.join(',')})
  --units LIST      Unit ids to try: numbers and ranges, e.g. 1,2,3,200-204 (default: the usual SunSpec ids and
                    every profile's default unit)
  --timeout MS      How long to wait for each answer, 50..30000 ms (default 500); a silent unit costs one timeout
  --json            Print only a JSON array with one object per device found
  --serial PATH     Serial port of an RS-485 adapter, e.g. /dev/ttyUSB0 (Modbus RTU; 8 data bits)
  --baud N          Bus speed with --serial: ${BAUD_RATES.join(', ')} (most meters 9600, SDM120 2400)
  --parity P        With --serial: none (default), even or odd
  --stop-bits N     With --serial: 1 (default) or 2
  --rtu-over-tcp    HOST is a transparent RS-485-to-TCP gateway: send RTU frames, not Modbus TCP (the gateway's own
                    serial settings must match the bus)
                    On a serial bus --units defaults to ${SERIAL_DEFAULT_UNITS}; all devices on it must share one speed

Exit code 0 when a device was found, 1 when none was, 2 on bad arguments.
Single-connection devices (Huawei SDongle, SolarEdge, Kostal) drop other clients: stop Sunplug before scanning them.
`;

const processOutput: CommandOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Runs the command; resolves with the exit code. */
export async function scanCommand(args: string[], options: ScanCommandOptions = {}): Promise<number> {
  const io = options.output ?? processOutput;
  const usage = (message: string): number => {
    io.err(`sunplug scan: ${message}\n\n${SCAN_USAGE}`);
    return 2;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args, strict: true, allowPositionals: false,
      options: {
        host: { type: 'string' }, port: { type: 'string' }, units: { type: 'string' }, timeout: { type: 'string' },
        json: { type: 'boolean', default: false }, serial: { type: 'string' }, baud: { type: 'string' },
        parity: { type: 'string' }, 'stop-bits': { type: 'string' }, 'rtu-over-tcp': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    io.out(SCAN_USAGE);
    return 0;
  }
  let serial: SerialLineSettings | undefined;
  if (values.serial !== undefined || values.baud !== undefined || values.parity !== undefined || values['stop-bits'] !== undefined) {
    const line = parseSerialLine(values.serial, values.baud, values.parity, values['stop-bits']);
    if (typeof line === 'string') return usage(line);
    if (values.host !== undefined || values.port !== undefined || values['rtu-over-tcp']) {
      return usage('--serial scans an RS-485 bus; --host and --port are for Modbus TCP: give one or the other');
    }
    serial = line;
  } else if (values.host === undefined || values.host.trim() === '') {
    return usage('--host is required (the device\'s or gateway\'s IP address or name), or --serial PATH --baud N for an RS-485 bus');
  }
  const profiles = options.profiles ?? new ProfileCatalog();
  const ports = serial !== undefined ? [] : values.port === undefined ? [...DEFAULT_SCAN_PORTS] : parseIdList(values.port, 'port', 1, 65535);
  if (typeof ports === 'string') return usage(`--port "${values.port}": ${ports}`);
  const rtuOverTcp = values['rtu-over-tcp'] === true;
  const units = values.units !== undefined ? parseIdList(values.units, 'unit id', 0, 255)
    : serial !== undefined || rtuOverTcp ? parseIdList(SERIAL_DEFAULT_UNITS, 'unit id', 0, 255) : defaultUnits(profiles);
  if (typeof units === 'string') return usage(`--units "${values.units}": ${units}`);
  const timeoutMs = values.timeout === undefined ? 500 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 30000) return usage(`--timeout "${values.timeout}": a whole number of milliseconds, 50..30000`);

  const host = serial?.path ?? values.host?.trim() ?? '';
  const clock = options.clock ?? new RealClock();
  const logger = options.logger ?? createLogger({ level: process.env.SUNPLUG_LOG_LEVEL ?? 'silent', destination: process.stderr });
  if (!values.json) {
    const what = serial !== undefined ? `the RS-485 bus on ${serial.path} (${lineName(serial)})`
      : `${host}, ports ${ports.join(', ')}${rtuOverTcp ? ' (RTU over TCP)' : ''}`;
    io.out(`Scanning ${what}, units ${formatIdList(units)} (timeout ${timeoutMs} ms)...\n`);
  }
  const startedMs = clock.nowMs();
  const report = await scanDevices({ host, ports, units, timeoutMs, clock, logger, profiles, ...(serial !== undefined ? { serial } : {}), ...(rtuOverTcp ? { rtuOverTcp } : {}) });
  if (values.json) {
    io.out(`${JSON.stringify(report.devices.map(toJson), null, 2)}\n`);
  } else {
    io.out(formatReport(report, host, clock.nowMs() - startedMs, serial));
  }
  return report.devices.length > 0 ? 0 : 1;
}

/** --serial, --baud, --parity, --stop-bits → line settings (8 data bits), or a message saying what is wrong. */
export function parseSerialLine(path: string | undefined, baud: string | undefined, parity: string | undefined, stopBits: string | undefined): SerialLineSettings | string {
  if (path === undefined || path.trim() === '') return '--baud, --parity and --stop-bits go with --serial PATH (the RS-485 adapter, e.g. /dev/ttyUSB0)';
  if (baud === undefined) return `--serial needs --baud (the bus speed: ${BAUD_RATES.join(', ')})`;
  const baudRate = Number(baud);
  if (!(BAUD_RATES as readonly number[]).includes(baudRate)) return `--baud "${baud}": one of ${BAUD_RATES.join(', ')}`;
  const p = parity ?? 'none';
  if (!(SERIAL_PARITIES as readonly string[]).includes(p)) return `--parity "${p}": none, even or odd`;
  const stop = stopBits ?? '1';
  if (stop !== '1' && stop !== '2') return `--stop-bits "${stop}": 1 or 2`;
  return { path: path.trim(), baudRate, parity: p as SerialParity, dataBits: 8, stopBits: stop === '1' ? 1 : 2 };
}

/** "1,2,200-204" → [1, 2, 200, 201, 202, 203, 204] (sorted, without repeats), or a message saying what is wrong. */
export function parseIdList(text: string, what: string, min: number, max: number): number[] | string {
  const ids = new Set<number>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (match === null) return `"${item}" is not a ${what} or a range such as 200-204 (use e.g. 1,2,3,71,126,200-204,240)`;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    for (const id of [from, to]) if (id < min || id > max) return `${what} ${id} is outside ${min}..${max}`;
    if (to < from) return `the range ${item} runs backwards`;
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** [1, 2, 3, 71, 200, 201, 202] → "1-3, 71, 200-202". */
export function formatIdList(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const start = ids[i] as number;
    let end = start;
    while (ids[i + 1] === end + 1) end = ids[++i] as number;
    parts.push(end > start + 1 ? `${start}-${end}` : end === start + 1 ? `${start}, ${end}` : `${start}`);
  }
  return parts.join(', ');
}

type SnippetLink = { host: string; port: number; unit: number }
  | { rtuOverTcp: { host: string; port: number }; unit: number }
  | { serial: { path: string; baudRate: number; parity?: SerialParity; stopBits?: 1 | 2 }; unit: number };

/** The meters entries for the devices found: one per role each device can serve. Ids are the role, then role-2 ... */
export function meterEntries(devices: readonly FoundDevice[]): { id: string; role: MeterRole; device: string; sunspecIndex?: number; modbus: SnippetLink }[] {
  const count = new Map<MeterRole, number>();
  return devices.flatMap((d) => d.roles.map((role) => {
    const n = (count.get(role) ?? 0) + 1;
    count.set(role, n);
    // The second and third SolarEdge meter behind one unit id need their place in the chain.
    const index = role === d.role && d.sunspecIndex !== undefined ? { sunspecIndex: d.sunspecIndex } : {};
    return { id: n === 1 ? role : `${role}-${n}`, role, device: d.device, ...index, modbus: snippetLink(d) };
  }));
}

/** The config's modbus entry for a device; line settings that are the defaults (8N1) are left out. */
function snippetLink(d: FoundDevice): SnippetLink {
  const line = d.serialLine;
  if (d.rtuOverTcp === true) return { rtuOverTcp: { host: d.host, port: d.port }, unit: d.unit };
  if (line === undefined) return { host: d.host, port: d.port, unit: d.unit };
  return {
    serial: { path: line.path, baudRate: line.baudRate, ...(line.parity !== 'none' ? { parity: line.parity } : {}), ...(line.stopBits !== 1 ? { stopBits: line.stopBits } : {}) },
    unit: d.unit,
  };
}

/** A `meters:` YAML block, one flow mapping per meter, as in config/example.yaml. */
export function configSnippet(devices: readonly FoundDevice[]): string {
  const document = new Document({ meters: meterEntries(devices) });
  const meters = document.get('meters');
  if (isSeq(meters)) for (const item of meters.items) if (isMap(item)) item.flow = true;
  return document.toString({ lineWidth: 0 });
}

function defaultUnits(profiles: ProfileCatalog): number[] {
  const units = new Set<number>(DEFAULT_SCAN_UNITS);
  for (const profile of profiles.all()) for (const role of profileRoles(profile)) units.add(roleUnit(profile, role));
  return [...units].sort((a, b) => a - b);
}

/** One device as `sunplug scan --json` prints it (the settings API answers the same). */
export function toJson(device: FoundDevice): Record<string, unknown> {
  const { unit, port, manufacturer, model, serial, sunspecModels, powerW, role, host, roles, device: profile, match, alsoPossible, serialLine, sunspecIndex } = device;
  const index = sunspecIndex === undefined ? {} : { sunspecIndex };
  // On an RS-485 bus there is no host and port: the serial port and its line settings say where the device is.
  if (serialLine !== undefined) {
    return { unit, manufacturer, model, serial, sunspecModels, powerW, role, serialPort: serialLine.path, baudRate: serialLine.baudRate,
      parity: serialLine.parity, stopBits: serialLine.stopBits, roles, device: profile, ...index, match, alsoPossible };
  }
  const framing = device.rtuOverTcp === true ? { rtuOverTcp: true } : {};
  return { unit, port, manufacturer, model, serial, sunspecModels, powerW, role, host, ...framing, roles, device: profile, ...index, match, alsoPossible };
}

function formatReport(report: ScanReport, host: string, elapsedMs: number, serial?: SerialLineSettings): string {
  const lines: string[] = [];
  const at = (port: number): string => (serial !== undefined ? serial.path : `Port ${port}`);
  for (const { port, reason } of report.unreachable) lines.push(`${at(port)}: ${reason}.`);
  for (const { port, units } of report.silent) lines.push(`${at(port)}: no answer from unit${units.length === 1 ? '' : 's'} ${formatIdList(units)}.`);
  for (const { port, units } of report.unrecognised) {
    lines.push(`${at(port)}: unit${units.length === 1 ? '' : 's'} ${formatIdList(units)} answered but matched neither SunSpec nor a device profile.`);
  }
  if (report.devices.length === 0) {
    lines.push(`No Modbus device found on ${host} (${(elapsedMs / 1000).toFixed(1)} s).`, serial !== undefined
      ? `Do the devices run at ${lineName(serial)}? Check the A/B wiring, the termination and the unit ids (see docs/devices.md).`
      : 'Is Modbus TCP enabled on the device? Some devices use port 1502 or another unit id (see docs/devices.md).');
    return `${lines.join('\n')}\n`;
  }
  lines.push('', `Found ${report.devices.length} device${report.devices.length === 1 ? '' : 's'} on ${host} (${(elapsedMs / 1000).toFixed(1)} s):`);
  for (const d of report.devices) {
    const name = [d.manufacturer, d.model].filter((s) => s !== null).join(' ') || 'unnamed device';
    const how = d.match === 'sunspec' ? `SunSpec models ${d.sunspecModels.join(', ')}` : 'recognised by its registers (a best guess; the model is not known)';
    const power = d.powerW === null ? 'power not readable' : `${d.role} power ${formatWatts(d.powerW)}`;
    lines.push(`  ${serial !== undefined ? '' : `port ${d.port} `}unit ${d.unit}: ${name}${d.serial === null ? '' : `, serial ${d.serial}`}`,
      `      ${how}; ${power}; device: ${d.device}${d.sunspecIndex === undefined ? '' : `, sunspecIndex: ${d.sunspecIndex}`}${d.roles.length > 1 ? ` (roles ${d.roles.join(', ')})` : ''}`);
    if (d.alsoPossible.length > 0) lines.push(`      the same registers also fit: ${d.alsoPossible.join(', ')}`);
  }
  lines.push('', 'Config snippet (paste into your config file; check the ids, and keep only the roles you use):', '');
  const grid = meterEntries(report.devices).find((m) => m.role === 'grid');
  return `${lines.join('\n')}\n${configSnippet(report.devices)}${grid === undefined ? '' : `# and under site: gridMeter: ${grid.id}\n`}`;
}

function formatWatts(watts: number): string {
  return `${Number.isInteger(watts) ? watts : watts.toFixed(1)} W`;
}
