/**
 * `sunplug scan`: finds the Modbus devices behind a host (SunSpec devices and known device profiles), reads their
 * live power, and prints what it found with a config snippet to paste. `--json` prints only a JSON array, one object
 * per device. Exit codes: 0 something found, 1 nothing found, 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { Document, isMap, isSeq } from 'yaml';
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

export const SCAN_USAGE = `Usage: sunplug scan --host HOST [--port 502,1502] [--units 1,2,3,71,126,200-204,240] [--timeout MS] [--json]

Finds Modbus TCP devices behind HOST: SunSpec devices (inverters, meters, batteries) and devices with a profile in
devices/profiles. Prints manufacturer, model, serial, SunSpec models, live power and a config snippet to paste.

  --host HOST       IP address or name of the inverter, meter, data logger or Modbus TCP gateway
  --port LIST       TCP ports to try (default ${DEFAULT_SCAN_PORTS.join(',')})
  --units LIST      Unit ids to try: numbers and ranges, e.g. 1,2,3,200-204 (default: the usual SunSpec ids and
                    every profile's default unit)
  --timeout MS      How long to wait for each answer, 50..30000 ms (default 500); a silent unit costs one timeout
  --json            Print only a JSON array with one object per device found
  --serial PATH, --baud N   RS-485 (Modbus RTU) scanning: not supported yet; scan a Modbus TCP gateway instead

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
  if (values.serial !== undefined || values.baud !== undefined) {
    io.err('sunplug scan: RTU scanning is not supported yet: Sunplug\'s Modbus link speaks Modbus TCP only. Connect the RS-485 bus '
      + 'through a Modbus TCP gateway and scan the gateway, e.g. sunplug scan --host 192.168.1.60 --units 1-10\n');
    return 2;
  }
  if (values.host === undefined || values.host.trim() === '') return usage('--host is required (the device\'s or gateway\'s IP address or name)');
  const profiles = options.profiles ?? new ProfileCatalog();
  const ports = values.port === undefined ? [...DEFAULT_SCAN_PORTS] : parseIdList(values.port, 'port', 1, 65535);
  if (typeof ports === 'string') return usage(`--port "${values.port}": ${ports}`);
  const units = values.units === undefined ? defaultUnits(profiles) : parseIdList(values.units, 'unit id', 0, 255);
  if (typeof units === 'string') return usage(`--units "${values.units}": ${units}`);
  const timeoutMs = values.timeout === undefined ? 500 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 30000) return usage(`--timeout "${values.timeout}": a whole number of milliseconds, 50..30000`);

  const host = values.host.trim();
  const clock = options.clock ?? new RealClock();
  const logger = options.logger ?? createLogger({ level: process.env.SUNPLUG_LOG_LEVEL ?? 'silent', destination: process.stderr });
  if (!values.json) io.out(`Scanning ${host}, ports ${ports.join(', ')}, units ${formatIdList(units)} (timeout ${timeoutMs} ms)...\n`);
  const startedMs = clock.nowMs();
  const report = await scanDevices({ host, ports, units, timeoutMs, clock, logger, profiles });
  if (values.json) {
    io.out(`${JSON.stringify(report.devices.map(toJson), null, 2)}\n`);
  } else {
    io.out(formatReport(report, host, clock.nowMs() - startedMs));
  }
  return report.devices.length > 0 ? 0 : 1;
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

/** The meters entries for the devices found: one per role each device can serve. Ids are the role, then role-2 ... */
export function meterEntries(devices: readonly FoundDevice[]): { id: string; role: MeterRole; device: string; modbus: { host: string; port: number; unit: number } }[] {
  const count = new Map<MeterRole, number>();
  return devices.flatMap((d) => d.roles.map((role) => {
    const n = (count.get(role) ?? 0) + 1;
    count.set(role, n);
    return { id: n === 1 ? role : `${role}-${n}`, role, device: d.device, modbus: { host: d.host, port: d.port, unit: d.unit } };
  }));
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
  const { unit, port, manufacturer, model, serial, sunspecModels, powerW, role, host, roles, device: profile, match, alsoPossible } = device;
  return { unit, port, manufacturer, model, serial, sunspecModels, powerW, role, host, roles, device: profile, match, alsoPossible };
}

function formatReport(report: ScanReport, host: string, elapsedMs: number): string {
  const lines: string[] = [];
  for (const { port, reason } of report.unreachable) lines.push(`Port ${port}: ${reason}.`);
  for (const { port, units } of report.silent) lines.push(`Port ${port}: no answer from unit${units.length === 1 ? '' : 's'} ${formatIdList(units)}.`);
  for (const { port, units } of report.unrecognised) {
    lines.push(`Port ${port}: unit${units.length === 1 ? '' : 's'} ${formatIdList(units)} answered but matched neither SunSpec nor a device profile.`);
  }
  if (report.devices.length === 0) {
    lines.push(`No Modbus device found on ${host} (${(elapsedMs / 1000).toFixed(1)} s).`,
      'Is Modbus TCP enabled on the device? Some devices use port 1502 or another unit id (see docs/devices.md).');
    return `${lines.join('\n')}\n`;
  }
  lines.push('', `Found ${report.devices.length} device${report.devices.length === 1 ? '' : 's'} on ${host} (${(elapsedMs / 1000).toFixed(1)} s):`);
  for (const d of report.devices) {
    const name = [d.manufacturer, d.model].filter((s) => s !== null).join(' ') || 'unnamed device';
    const how = d.match === 'sunspec' ? `SunSpec models ${d.sunspecModels.join(', ')}` : 'recognised by its registers (a best guess; the model is not known)';
    const power = d.powerW === null ? 'power not readable' : `${d.role} power ${formatWatts(d.powerW)}`;
    lines.push(`  port ${d.port} unit ${d.unit}: ${name}${d.serial === null ? '' : `, serial ${d.serial}`}`,
      `      ${how}; ${power}; device: ${d.device}${d.roles.length > 1 ? ` (roles ${d.roles.join(', ')})` : ''}`);
    if (d.alsoPossible.length > 0) lines.push(`      the same registers also fit: ${d.alsoPossible.join(', ')}`);
  }
  lines.push('', 'Config snippet (paste into your config file; check the ids, and keep only the roles you use):', '');
  const grid = meterEntries(report.devices).find((m) => m.role === 'grid');
  return `${lines.join('\n')}\n${configSnippet(report.devices)}${grid === undefined ? '' : `# and under site: gridMeter: ${grid.id}\n`}`;
}

function formatWatts(watts: number): string {
  return `${Number.isInteger(watts) ? watts : watts.toFixed(1)} W`;
}
