import express, { type Router } from 'express';
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { toJson as scanJson } from '../../cli/scan-command.ts';
import { DEFAULT_SCAN_PORTS, DEFAULT_SCAN_UNITS, scanDevices } from '../../devices/device-scanner.ts';
import type { ModbusLinkPool, ModbusTransport } from '../../devices/modbus/modbus-link.ts';
import { resolveModbusTarget } from '../../devices/profiles/configured-meter.ts';
import type { ProfileCatalog } from '../../devices/profiles/profile-catalog.ts';
import { profileRoles, roleUnit } from '../../devices/profiles/profile-schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ScanRequest } from './settings-routes.ts';
import type { ChargerAdminService } from '../../chargers/admission/charger-directory.ts';
import type { MeterHealth } from '../../devices/meter-poller.ts';
import { ModbusError, MAX_READ_REGISTERS } from '../../devices/modbus/modbus-link.ts';
import type { Clock } from '../../platform/clock.ts';
import type { SunplugConfig, MeterConfig } from '../../store/config-schema.ts';
import { validateConfig, ConfigError, parseConfigText } from '../../store/config-file.ts';
import { parseRuntimeSettings, type RuntimeSettingsData } from '../../store/runtime-settings.ts';
import { SettingsRejected, SiteSettings } from '../../store/site-settings.ts';
import { jsonFile, logFile, tarGz, type BundleFile } from '../diagnostics-bundle.ts';
import { ApiError, parseQuery } from '../http-api.ts';
import type { SiteService } from '../site-service.ts';

/**
 * Installer tools (docs/api.md "Installer tools"): device health, a live Modbus register view, configuration backup
 * and restore, and a diagnostics bundle. The OCPP log filter and the decision log live with the core API.
 */

export interface RegisterRead {
  /** How the meter is reached: Modbus TCP host and port, a serial port, or RTU through a TCP gateway. */
  transport: ModbusTransport;
  unit: number;
  words: number[];
}

export interface InstallerRoutesDependencies {
  /** Real time: rate limits and latencies are about devices and people, not the (possibly simulated) control clock. */
  clock: Clock;
  version: string;
  service: Pick<SiteService, 'state' | 'decisions'>;
  chargers?: Pick<ChargerAdminService, 'list' | 'ocppLog'>;
  meterHealth: () => MeterHealth[];
  /** The effective meters (config file plus settings). */
  meters: () => readonly MeterConfig[];
  /** Reads through the running link pool, so the register view queues behind the poller instead of competing. */
  readRegisters: (meter: MeterConfig, fn: 3 | 4, address: number, count: number) => Promise<RegisterRead>;
  /** The effective configuration (diagnostics). */
  effectiveConfig: () => SunplugConfig;
  backup: BackupStore;
  /** The latest log lines, oldest first, when the logger keeps them. */
  logLines?: () => string[];
}

/** What backup and restore read and write. */
export interface BackupStore {
  /** The installation config as Sunplug loaded it. */
  fileConfig: SunplugConfig;
  /** The config file's text, when Sunplug runs from a file (kept with its comments in the backup). */
  configText?: () => Promise<string | undefined>;
  /** Writes the config file atomically; undefined when Sunplug runs without a file (demo). */
  writeConfigText?: (text: string) => Promise<void>;
  settings: () => RuntimeSettingsData;
  /** Writes settings.json atomically and applies what can be applied while running. */
  restoreSettings: (data: RuntimeSettingsData) => Promise<void>;
}

export const BACKUP_FORMAT = 'sunplug-backup';

const registersQuery = z.strictObject({
  address: z.coerce.number().int().min(0).max(65535),
  count: z.coerce.number().int().min(1).max(MAX_READ_REGISTERS).default(10),
  function: z.enum(['3', '4']).default('3'),
});

const backupDocument = z.strictObject({
  format: z.literal(BACKUP_FORMAT, { error: `not a Sunplug backup (format must be "${BACKUP_FORMAT}")` }),
  version: z.literal(1, { error: 'a backup of a version this Sunplug cannot read (version must be 1)' }),
  createdAtMs: z.number().optional(),
  sunplugVersion: z.string().optional(),
  config: z.unknown(),
  configText: z.string().optional(),
  settings: z.unknown(),
});

/** Register reads per second the view may make, with a small burst: enough for a person, not for a scraper. */
const READS_PER_S = 2;
const READ_BURST = 4;

export function installerRoutes(deps: InstallerRoutesDependencies): Router {
  const router = express.Router();
  let tokens = READ_BURST;
  let refilledAtMs = deps.clock.nowMs();

  router.get('/api/v1/devices/health', (_req, res) => {
    res.json(deps.meterHealth());
  });

  router.get('/api/v1/devices/:id/registers', async (req, res) => {
    const query = parseQuery(registersQuery, req.query);
    if (query.address + query.count > 0x10000) throw new ApiError(400, 'invalid_query', 'address + count must not pass 65535');
    const meter = deps.meters().find((m) => m.id === req.params.id);
    if (meter === undefined) throw new ApiError(404, 'meter_not_found', `no meter with id "${req.params.id}"`);
    const nowMs = deps.clock.nowMs();
    tokens = Math.min(READ_BURST, tokens + ((nowMs - refilledAtMs) / 1000) * READS_PER_S);
    refilledAtMs = nowMs;
    if (tokens < 1) {
      res.set('Retry-After', '1');
      throw new ApiError(429, 'rate_limited', `at most ${READS_PER_S} register reads per second; try again in a moment`);
    }
    tokens -= 1;
    const fn = query.function === '4' ? 4 : 3;
    let read: RegisterRead;
    try {
      read = await deps.readRegisters(meter, fn, query.address, query.count);
    } catch (error) {
      if (error instanceof ModbusError) {
        const status = error.kind === 'exception' ? 422 : 504;
        throw new ApiError(status, error.kind === 'exception' ? 'modbus_exception' : 'modbus_unreachable', error.message);
      }
      if (error instanceof RangeError) throw new ApiError(400, 'invalid_query', error.message);
      throw error;
    }
    res.set('Cache-Control', 'no-store');
    res.json({
      meterId: meter.id, transport: read.transport, unit: read.unit, function: fn, address: query.address,
      count: query.count, atMs: deps.clock.nowMs(), latencyMs: deps.clock.nowMs() - nowMs,
      registers: interpretRegisters(query.address, read.words),
    });
  });

  router.get('/api/v1/backup', async (_req, res) => {
    const createdAtMs = deps.clock.nowMs();
    const configText = await deps.backup.configText?.();
    const document = {
      format: BACKUP_FORMAT, version: 1, createdAtMs, sunplugVersion: deps.version,
      // Secrets (charger password hashes, passwords in the config file) are included because a restore needs them.
      config: deps.backup.fileConfig,
      ...(configText !== undefined ? { configText } : {}),
      settings: deps.backup.settings(),
    };
    const stamp = new Date(createdAtMs).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    res.set('Content-Disposition', `attachment; filename="sunplug-backup-${stamp}.json"`);
    res.set('Cache-Control', 'no-store');
    res.type('application/json').send(`${JSON.stringify(document, null, 2)}\n`);
  });

  router.post('/api/v1/restore', async (req, res) => {
    const fields: Record<string, string> = {};
    const document = backupDocument.safeParse(req.body);
    if (!document.success) {
      for (const issue of document.error.issues) fields[issue.path.join('.') || 'backup'] = issue.message;
      throw new RestoreRejected(fields);
    }
    let config: SunplugConfig | undefined;
    try {
      config = document.data.configText !== undefined ? parseConfigText(document.data.configText, 'configText') : validateConfig(document.data.config, 'config');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) fields[`${error.file}.${problem.split(':')[0]}`] = problem.slice(problem.indexOf(':') + 1).trim();
    }
    const settings = parseRuntimeSettings(document.data.settings);
    if (!settings.success) {
      for (const issue of settings.error.issues) fields[['settings', ...issue.path.map(String)].join('.')] = issue.message;
    }
    if (config !== undefined && settings.success) {
      try {
        SiteSettings.validate(config, settings.data.overrides ?? {});
      } catch (error) {
        if (!(error instanceof SettingsRejected)) throw error;
        for (const [field, message] of Object.entries(error.fields)) fields[`settings.overrides.${field}`] = message;
      }
    }
    if (Object.keys(fields).length > 0 || config === undefined || !settings.success) throw new RestoreRejected(fields);

    const before = deps.backup.settings();
    // The running config may differ from its file by command-line ports: the same file text counts as unchanged.
    const currentText = document.data.configText !== undefined ? await deps.backup.configText?.() : undefined;
    const configChanged = currentText !== undefined ? currentText !== document.data.configText : JSON.stringify(config) !== JSON.stringify(deps.backup.fileConfig);
    const changes = describeSettingsChanges(before, settings.data);
    const notes: string[] = [];
    let configWritten = false;
    if (configChanged) {
      if (deps.backup.writeConfigText === undefined) {
        notes.push('The installation config in the backup differs from the running one, but Sunplug runs without a config file here (demo): it was not written.');
      } else {
        const { stringify } = await import('yaml');
        await deps.backup.writeConfigText(document.data.configText ?? stringify(config));
        configWritten = true;
        notes.push('The config file was replaced; it takes effect when Sunplug restarts.');
      }
    }
    await deps.backup.restoreSettings(settings.data);
    // The OCPP admission reads approvals and hashes from the settings at each login: no restart, but a charger that is
    // connected now keeps its connection until it reconnects with the restored password.
    if (changes.includes('approvals')) notes.push('Charger approvals or passwords changed: they apply when each charger next connects.');
    res.json({
      ok: true,
      config: { changed: configChanged, written: configWritten },
      settings: { changed: changes },
      restartNeeded: configWritten,
      notes,
    });
  });

  router.get('/api/v1/diagnostics', (_req, res) => {
    const atMs = deps.clock.nowMs();
    const files: BundleFile[] = [
      jsonFile('sunplug-diagnostics/version.json', { sunplug: deps.version, node: process.version, platform: process.platform, arch: process.arch, createdAtMs: atMs }),
      jsonFile('sunplug-diagnostics/config-effective.json', deps.effectiveConfig()),
      jsonFile('sunplug-diagnostics/state.json', deps.service.state()),
      jsonFile('sunplug-diagnostics/meter-health.json', deps.meterHealth()),
      jsonFile('sunplug-diagnostics/decisions.json', deps.service.decisions({ limit: 1000 })),
    ];
    if (deps.chargers !== undefined) {
      const listing = deps.chargers.list();
      files.push(jsonFile('sunplug-diagnostics/chargers.json', listing));
      for (const charger of listing.chargers) {
        const safeName = charger.id.replace(/[^A-Za-z0-9_.-]/g, '_');
        files.push(jsonFile(`sunplug-diagnostics/ocpp-log/${safeName}.json`, deps.chargers.ocppLog(charger.id, 1000) ?? []));
      }
    }
    if (deps.logLines !== undefined) files.push(logFile('sunplug-diagnostics/log.jsonl', deps.logLines()));
    files.push({
      name: 'sunplug-diagnostics/README.txt',
      content: 'Sunplug diagnostics bundle. Passwords, password hashes, tokens and keys are replaced by "[redacted]".\n'
        + (deps.logLines !== undefined ? 'log.jsonl: the latest log lines (up to 500), redacted the same way.\n'
          : 'Recent log lines are not included here: Sunplug logs to its standard output (journalctl -u sunplug, docker logs).\n'),
    });
    const stamp = new Date(atMs).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    res.set('Content-Disposition', `attachment; filename="sunplug-diagnostics-${stamp}.tar.gz"`);
    res.set('Cache-Control', 'no-store');
    res.type('application/gzip').send(tarGz(files, atMs));
  });

  router.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!(error instanceof RestoreRejected)) {
      next(error);
      return;
    }
    res.status(400).json({ error: { code: 'invalid_backup', message: error.message, fields: error.fields } });
  });
  return router;
}

class RestoreRejected extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.keys(fields).length === 0 ? 'not a usable backup' : `not restored, nothing changed: ${Object.entries(fields).slice(0, 5).map(([f, m]) => `${f}: ${m}`).join('; ')}`);
  }
}

/** Which parts of the settings document a restore changes, by name. */
function describeSettingsChanges(before: RuntimeSettingsData, after: RuntimeSettingsData): string[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const changes: string[] = [];
  const ids = new Set([...Object.keys(before.chargers), ...Object.keys(after.chargers)]);
  const field = (data: RuntimeSettingsData, id: string, key: string): unknown => (data.chargers[id] as Record<string, unknown> | undefined)?.[key];
  if ([...ids].some((id) => !same(field(before, id, 'approvedAtMs'), field(after, id, 'approvedAtMs')) || !same(field(before, id, 'passwordHash'), field(after, id, 'passwordHash')))) {
    changes.push('approvals');
  }
  if ([...ids].some((id) => !same(field(before, id, 'mode'), field(after, id, 'mode')))) changes.push('charge modes');
  const chargerKeys = new Set([...ids].flatMap((id) => [...Object.keys(before.chargers[id] ?? {}), ...Object.keys(after.chargers[id] ?? {})]));
  for (const key of chargerKeys) {
    if (['approvedAtMs', 'passwordHash', 'mode'].includes(key)) continue;
    if ([...ids].some((id) => !same(field(before, id, key), field(after, id, key)))) changes.push(`charger ${key}`);
  }
  for (const section of ['site', 'tariff', 'chargers', 'meters'] as const) {
    if (!same(before.overrides?.[section], after.overrides?.[section])) changes.push(`${section} settings`);
  }
  const topKeys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of topKeys) {
    if (['version', 'chargers', 'overrides'].includes(key)) continue;
    if (!same((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key])) changes.push(key);
  }
  return changes;
}

/** Raw words with the usual readings; 32-bit values start at their register, high word first (Modbus convention). */
export function interpretRegisters(address: number, words: readonly number[]): Record<string, number | string | null>[] {
  const buffer = Buffer.alloc(4);
  return words.map((word, i) => {
    const next = words[i + 1];
    const entry: Record<string, number | string | null> = {
      address: address + i, raw: word, hex: `0x${word.toString(16).padStart(4, '0')}`, uint16: word, int16: word >= 0x8000 ? word - 0x10000 : word,
      uint32: null, int32: null, float32: null,
    };
    if (next !== undefined) {
      buffer.writeUInt16BE(word, 0);
      buffer.writeUInt16BE(next, 2);
      entry.uint32 = buffer.readUInt32BE(0);
      entry.int32 = buffer.readInt32BE(0);
      const float = buffer.readFloatBE(0);
      entry.float32 = Number.isFinite(float) ? Number(float.toPrecision(7)) : String(float);
    }
    return entry;
  });
}

/** Reads a meter's registers over the running link pool, at the meter's own host, port and unit. */
export function registerReader(links: ModbusLinkPool, profiles: ProfileCatalog): InstallerRoutesDependencies['readRegisters'] {
  return async (meter, fn, address, count) => {
    const target = resolveModbusTarget(meter, profiles.get(meter.device));
    const link = links.forTransport(target.transport, target.link);
    const words = fn === 4 ? await link.readInputRegisters(target.unit, address, count) : await link.readHoldingRegisters(target.unit, address, count);
    return { transport: target.transport, unit: target.unit, words };
  };
}

/** The settings API's scan: `sunplug scan --json` with the same defaults (every profile's default unit included). */
export function scanForSettings(deps: { clock: Clock; logger: Logger; profiles: ProfileCatalog }): {
  scan: (request: ScanRequest) => Promise<unknown[]>; defaultScanUnits: number[]; defaultScanPorts: number[];
} {
  const units = new Set<number>(DEFAULT_SCAN_UNITS);
  for (const profile of deps.profiles.all()) for (const role of profileRoles(profile)) units.add(roleUnit(profile, role));
  return {
    defaultScanUnits: [...units].sort((a, b) => a - b),
    defaultScanPorts: [...DEFAULT_SCAN_PORTS],
    scan: async (request) => (await scanDevices({ ...request, clock: deps.clock, logger: deps.logger, profiles: deps.profiles })).devices.map(scanJson),
  };
}

export async function sunplugVersion(): Promise<string> {
  try {
    const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
    const parsed = z.object({ version: z.string() }).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function readConfigText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes a temp file next to the target and renames it over: a reader sees the old file or the new one, never half. */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { encoding: 'utf8', flush: true });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
