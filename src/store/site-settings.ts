import { z } from 'zod';
import type { Logger } from '../platform/logger.ts';
import {
  chargerConfigSchema, configSchema, siteConfigSchema, type ChargerConfig, type MeterConfig, type SunplugConfig,
} from './config-schema.ts';

/**
 * Settings a person changes at run time on top of the installation config (docs/api.md "Settings"): a few site
 * values, the tariff, per-charger values and meters added or removed. The config file is never rewritten; the
 * effective configuration is the file overlaid with these overrides and validated with the same schema as the file,
 * so an override can never produce a configuration the file could not hold.
 */

export const SITE_SETTING_KEYS = ['voltageV', 'phases', 'mainFuseA', 'safetyMarginA', 'safeCurrentA'] as const;
export type SiteSettingKey = (typeof SITE_SETTING_KEYS)[number];
export const CHARGER_SETTING_KEYS = ['name', 'maxCurrentA', 'minCurrentA', 'phases', 'priority', 'phaseRotation', 'circuit'] as const;
export type ChargerSettingKey = (typeof CHARGER_SETTING_KEYS)[number];

const phases = z.union([z.literal(1), z.literal(3)], { error: 'must be 1 or 3' });
const finite = z.number({ error: 'must be a number' });
const rotation = z.enum(['L1L2L3', 'L2L3L1', 'L3L1L2'], { error: 'must be L1L2L3, L2L3L1 or L3L1L2' });

/**
 * What `settings.json` keeps. Deliberately loose beyond types: the bounds live in the config schema and are checked
 * on the overlay, so that a Sunplug update that changes a bound never makes the whole settings file unreadable.
 */
export const settingsOverridesSchema = z.strictObject({
  site: z.strictObject({
    voltageV: finite.optional(), phases: phases.optional(), mainFuseA: finite.optional(),
    safetyMarginA: finite.optional(), safeCurrentA: finite.optional(),
  }).optional(),
  /** A whole tariff section (time-of-use windows, dynamic source...); null: no tariff at all. */
  tariff: z.record(z.string(), z.unknown()).nullable().optional(),
  chargers: z.record(z.string(), z.strictObject({
    name: z.string().optional(), maxCurrentA: finite.optional(), minCurrentA: finite.optional(), phases: phases.optional(),
    priority: finite.optional(), phaseRotation: rotation.optional(),
    /** '' takes the charger off the circuit the config file puts it on. */
    circuit: z.string().optional(),
  })).optional(),
  meters: z.strictObject({
    added: z.array(z.record(z.string(), z.unknown())).default([]),
    /** Ids of meters of the config file that are not read any more. */
    removed: z.array(z.string()).default([]),
  }).optional(),
});
export type SettingsOverrides = z.output<typeof settingsOverridesSchema>;

/** Where the overrides are kept (RuntimeSettings writes them atomically into settings.json). */
export interface OverridesStore {
  overrides(): SettingsOverrides;
  saveOverrides(overrides: SettingsOverrides): Promise<void>;
}

/** A rejected change: one message per form field, e.g. `{ 'site.mainFuseA': 'must be between 6 and 400 A' }`. */
export class SettingsRejected extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.entries(fields).map(([field, message]) => `${field}: ${message}`).join('; '));
    this.name = 'SettingsRejected';
  }
}

export type SettingsSection = 'site' | 'tariff' | 'chargers' | 'meters';

export interface SiteSettingsOptions {
  /** The installation config as loaded from its file. */
  config: SunplugConfig;
  store: OverridesStore;
  logger: Logger;
  /** Chargers approved at run time that the config file does not list; they run with defaults plus overrides. */
  extraChargerIds?: () => readonly string[];
}

/** How one charger's settings are presented: effective values and which of them the overrides set. */
export interface ChargerSettingsView {
  id: string;
  configured: boolean;
  values: Pick<ChargerConfig, 'maxCurrentA' | 'minCurrentA' | 'phases' | 'priority' | 'phaseRotation'> & { name: string | null; circuit: string | null };
  overridden: ChargerSettingKey[];
}

export interface SettingsView {
  site: { values: Pick<SunplugConfig['site'], SiteSettingKey>; overridden: SiteSettingKey[] };
  tariff: { values: SunplugConfig['tariff'] | null; overridden: boolean };
  chargers: ChargerSettingsView[];
  meters: (MeterConfig & { source: 'config' | 'settings' })[];
  removedMeters: string[];
  circuits: { id: string; maxCurrentA: number }[];
  /** Overrides that no longer fit the config file (it changed since they were saved); kept, but not applied. */
  ignored: { section: SettingsSection; message: string }[];
}

type Listener = (sections: readonly SettingsSection[]) => void | Promise<void>;

export class SiteSettings {
  private current: SunplugConfig;
  private ignored: { section: SettingsSection; message: string }[] = [];
  private readonly listeners = new Set<Listener>();
  /** Changes are applied one at a time, so two quick saves cannot overwrite each other's overrides. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SiteSettingsOptions) {
    this.current = this.overlayTolerant(options.store.overrides());
  }

  /** The configuration Sunplug runs with now. */
  effective(): SunplugConfig {
    return this.current;
  }

  /** Every charger under control: the config file's and those approved at run time, with their overrides. */
  chargers(): ChargerConfig[] {
    const configured = this.current.chargers;
    const extra = (this.options.extraChargerIds?.() ?? []).filter((id) => !configured.some((c) => c.id === id));
    return [...configured, ...extra.map((id) => this.extraCharger(id, this.options.store.overrides()))];
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(): SettingsView {
    const overrides = this.options.store.overrides();
    const config = this.current;
    const chargerView = (charger: ChargerConfig, configured: boolean): ChargerSettingsView => ({
      id: charger.id,
      configured,
      values: {
        name: charger.name ?? null, maxCurrentA: charger.maxCurrentA, minCurrentA: charger.minCurrentA, phases: charger.phases,
        priority: charger.priority, phaseRotation: charger.phaseRotation, circuit: charger.circuit ?? null,
      },
      overridden: CHARGER_SETTING_KEYS.filter((key) => overrides.chargers?.[charger.id]?.[key] !== undefined),
    });
    const addedIds = new Set((overrides.meters?.added ?? []).map((m) => String(m.id)));
    return {
      site: {
        values: pick(config.site, SITE_SETTING_KEYS),
        overridden: SITE_SETTING_KEYS.filter((key) => overrides.site?.[key] !== undefined),
      },
      tariff: { values: config.tariff ?? null, overridden: overrides.tariff !== undefined },
      chargers: this.chargers().map((c) => chargerView(c, this.options.config.chargers.some((f) => f.id === c.id))),
      meters: config.meters.map((m) => ({ ...m, source: addedIds.has(m.id) ? 'settings' as const : 'config' as const })),
      removedMeters: [...(overrides.meters?.removed ?? [])],
      circuits: config.circuits.map((c) => ({ id: c.id, maxCurrentA: c.maxCurrentA })),
      ignored: [...this.ignored],
    };
  }

  /** Site values; `null` for a key returns it to the config file's value. */
  patchSite(body: unknown): Promise<SunplugConfig> {
    const patch = parseBody(sitePatchSchema, body, 'site');
    return this.change(['site'], (o) => {
      const site = { ...o.site };
      for (const key of SITE_SETTING_KEYS) {
        const value = patch[key];
        if (value === null) delete site[key];
        else if (value !== undefined) (site as Record<string, unknown>)[key] = value;
      }
      return { ...o, site };
    });
  }

  /** Replaces the tariff section (`null` or `{"kind": "none"}`: no tariff at all). */
  putTariff(body: unknown): Promise<SunplugConfig> {
    if (isNoTariff(body)) return this.change(['tariff'], (o) => ({ ...o, tariff: null }));
    if (body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw new SettingsRejected({ tariff: 'expected a tariff object (see docs/tariffs.md) or null' });
    }
    return this.change(['tariff'], (o) => ({ ...o, tariff: body as Record<string, unknown> | null }));
  }

  /** Back to the config file's tariff. */
  resetTariff(): Promise<SunplugConfig> {
    return this.change(['tariff'], ({ tariff: _dropped, ...rest }) => rest);
  }

  /** Returns undefined for a charger Sunplug does not control. */
  async patchCharger(id: string, body: unknown): Promise<SunplugConfig | undefined> {
    if (!this.chargers().some((c) => c.id === id)) return undefined;
    const patch = parseBody(chargerPatchSchema, body, `chargers.${id}`);
    return this.change(['chargers'], (o) => {
      const entry: Record<string, unknown> = { ...o.chargers?.[id] };
      for (const key of CHARGER_SETTING_KEYS) {
        const value = patch[key];
        if (value === null) delete entry[key];
        else if (value !== undefined) entry[key] = value;
      }
      return { ...o, chargers: { ...o.chargers, [id]: entry as NonNullable<SettingsOverrides['chargers']>[string] } };
    });
  }

  /** Adds a meter (a `meters` entry as in the config file, e.g. from a scan). */
  addMeter(body: unknown): Promise<SunplugConfig> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SettingsRejected({ meter: 'expected a meter object' });
    const meter = body as Record<string, unknown>;
    return this.change(['meters'], (o) => {
      const meters = o.meters ?? { added: [], removed: [] };
      // A config-file meter removed earlier stays removed: a meter added under its id replaces it.
      return { ...o, meters: { added: [...meters.added, meter], removed: meters.removed } };
    });
  }

  /** Returns undefined for a meter that is not in the effective config. */
  async removeMeter(id: string): Promise<SunplugConfig | undefined> {
    if (!this.current.meters.some((m) => m.id === id)) return undefined;
    return this.change(['meters'], (o) => {
      const meters = o.meters ?? { added: [], removed: [] };
      const inFile = this.options.config.meters.some((m) => m.id === id);
      return {
        ...o,
        meters: {
          added: meters.added.filter((m) => m.id !== id),
          removed: inFile && !meters.removed.includes(id) ? [...meters.removed, id] : meters.removed,
        },
      };
    });
  }

  /** Checks overrides (e.g. from a backup) against a config without applying anything; throws SettingsRejected. */
  static validate(config: SunplugConfig, overrides: SettingsOverrides): SunplugConfig {
    return overlay(config, overrides);
  }

  /** Replaces every override at once (restore) after validating the result; tells the listeners what changed. */
  replaceAll(overrides: SettingsOverrides): Promise<SunplugConfig> {
    return this.change(['site', 'tariff', 'chargers', 'meters'], () => overrides);
  }

  /** Re-reads the overrides from the store (after a restore wrote the whole settings file). */
  async reload(): Promise<void> {
    const before = this.current;
    this.current = this.overlayTolerant(this.options.store.overrides());
    await this.notify(changedSections(before, this.current));
  }

  private change(sections: SettingsSection[], edit: (overrides: SettingsOverrides) => SettingsOverrides): Promise<SunplugConfig> {
    const run = this.queue.then(async () => {
      const next = edit(structuredClone(this.options.store.overrides()));
      const checked = settingsOverridesSchema.safeParse(next);
      if (!checked.success) throw new SettingsRejected(issueFields(checked.error.issues, ''));
      const effective = overlay(this.options.config, checked.data);
      this.checkExtraChargers(checked.data);
      await this.options.store.saveOverrides(checked.data);
      const before = this.current;
      this.current = effective;
      this.ignored = [];
      const changed = changedSections(before, effective);
      if (sections.includes('chargers') && !changed.includes('chargers')) changed.push('chargers');
      await this.notify(changed);
      return effective;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async notify(sections: SettingsSection[]): Promise<void> {
    if (sections.length === 0) return;
    for (const listener of this.listeners) {
      try {
        await listener(sections);
      } catch (error) {
        this.options.logger.error({ err: error instanceof Error ? error.message : String(error), sections }, 'applying changed settings failed');
      }
    }
  }

  /** Chargers outside the config file are validated as if the file listed them. */
  private checkExtraChargers(overrides: SettingsOverrides): void {
    for (const id of this.options.extraChargerIds?.() ?? []) {
      if (this.options.config.chargers.some((c) => c.id === id) || overrides.chargers?.[id] === undefined) continue;
      const config = { ...this.options.config, chargers: [...this.options.config.chargers, { id, ...overrides.chargers[id] }] };
      validateOverlay(config);
    }
  }

  private extraCharger(id: string, overrides: SettingsOverrides): ChargerConfig {
    const parsed = chargerConfigSchema.safeParse({ id, ...cleanCharger(overrides.chargers?.[id]) });
    return parsed.success ? parsed.data : chargerConfigSchema.parse({ id });
  }

  /** At start: sections whose overrides no longer fit the config file are left out (and reported), never fatal. */
  private overlayTolerant(overrides: SettingsOverrides): SunplugConfig {
    this.ignored = [];
    let applied: SettingsOverrides = {};
    let result = this.options.config;
    for (const section of ['site', 'chargers', 'tariff', 'meters'] as const) {
      if (overrides[section] === undefined) continue;
      const candidate = { ...applied, [section]: overrides[section] };
      try {
        result = overlay(this.options.config, candidate);
        applied = candidate;
      } catch (error) {
        const message = error instanceof SettingsRejected ? error.message : String(error);
        this.ignored.push({ section, message });
        this.options.logger.error({ section, err: message }, 'saved settings do not fit the config file any more: not applied');
      }
    }
    return result;
  }
}

const sitePatchSchema = z.strictObject({
  voltageV: finite.nullable().optional(), phases: phases.nullable().optional(), mainFuseA: finite.nullable().optional(),
  safetyMarginA: finite.nullable().optional(), safeCurrentA: finite.nullable().optional(),
});

const chargerPatchSchema = z.strictObject({
  name: z.string({ error: 'must be text' }).max(64, 'at most 64 characters').nullable().optional(),
  maxCurrentA: finite.nullable().optional(), minCurrentA: finite.nullable().optional(), phases: phases.nullable().optional(),
  priority: finite.nullable().optional(), phaseRotation: rotation.nullable().optional(),
  circuit: z.string({ error: 'must be a circuit id or empty' }).nullable().optional(),
});

function parseBody<T extends z.ZodType>(schema: T, body: unknown, prefix: string): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new SettingsRejected(issueFields(parsed.error.issues, prefix));
  return parsed.data;
}

function isNoTariff(body: unknown): boolean {
  if (body === null) return true;
  return typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 1 && (body as { kind?: unknown }).kind === 'none';
}

function cleanCharger(entry: NonNullable<SettingsOverrides['chargers']>[string] | undefined): Record<string, unknown> {
  if (entry === undefined) return {};
  const { circuit, ...rest } = entry;
  return circuit === undefined || circuit === '' ? rest : { ...rest, circuit };
}

/** The config file with the overrides on top, validated; throws SettingsRejected with form-field paths. */
function overlay(config: SunplugConfig, overrides: SettingsOverrides): SunplugConfig {
  const site = { ...config.site, ...overrides.site };
  const chargers = config.chargers.map((charger) => {
    const entry = overrides.chargers?.[charger.id];
    if (entry === undefined) return charger;
    const merged: Record<string, unknown> = { ...charger, ...cleanCharger(entry) };
    if (entry.circuit === '') delete merged.circuit;
    return merged;
  });
  const removed = new Set(overrides.meters?.removed ?? []);
  const meters = [...config.meters.filter((m) => !removed.has(m.id)), ...(overrides.meters?.added ?? [])];
  const candidate: Record<string, unknown> = { ...config, site, chargers, meters };
  if (overrides.tariff === null) delete candidate.tariff;
  else if (overrides.tariff !== undefined) candidate.tariff = overrides.tariff;
  return validateOverlay(candidate, config.meters.filter((m) => !removed.has(m.id)).length);
}

function validateOverlay(candidate: unknown, firstAddedMeter = Number.POSITIVE_INFINITY): SunplugConfig {
  const parsed = configSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const chargerIds = ((candidate as { chargers?: { id?: unknown }[] }).chargers ?? []).map((c) => String(c.id));
  throw new SettingsRejected(issueFields(parsed.error.issues, '', (path) => formFieldPath(path, chargerIds, firstAddedMeter)));
}

/**
 * Config paths as the settings forms name their fields: chargers by id (`chargers.garage.maxCurrentA`), an added
 * meter as `meter.<field>`, tariff and site as in the config file.
 */
function formFieldPath(path: readonly PropertyKey[], chargerIds: readonly string[], firstAddedMeter: number): string {
  const [head, index, ...rest] = path.map(String);
  if (head === 'chargers' && index !== undefined && /^\d+$/.test(index)) return ['chargers', chargerIds[Number(index)] ?? index, ...rest].join('.');
  if (head === 'meters' && index !== undefined && /^\d+$/.test(index)) {
    return Number(index) >= firstAddedMeter ? ['meter', ...rest].join('.') || 'meter' : ['meters', index, ...rest].join('.');
  }
  return path.map(String).join('.');
}

function issueFields(issues: readonly z.core.$ZodIssue[], prefix: string, mapPath?: (path: readonly PropertyKey[]) => string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const path = mapPath ? mapPath(issue.path) : [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    const field = path === '' ? (prefix || 'settings') : path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[[field, key].join('.')] = 'is not a setting Sunplug knows';
      continue;
    }
    fields[field] ??= humanMessage(issue, field);
  }
  return fields;
}

/** "must be between 6 and 400 A" rather than zod's wording, using the bounds of the config schema itself. */
function humanMessage(issue: z.core.$ZodIssue, field: string): string {
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const key = field.split('.').at(-1) ?? '';
    const bounds = knownBounds(key);
    const unit = unitOf(key);
    if (bounds !== undefined && issue.origin === 'number') return `must be between ${bounds.min} and ${bounds.max}${unit}`;
    if (issue.origin === 'number') {
      return issue.code === 'too_small' ? `must be at least ${String(issue.minimum)}${unit}` : `must be at most ${String(issue.maximum)}${unit}`;
    }
  }
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'must be a number';
  return issue.message;
}

function knownBounds(key: string): { min: number; max: number } | undefined {
  const shapes: Record<string, z.ZodType>[] = [siteConfigSchema.shape, chargerConfigSchema.shape];
  for (const shape of shapes) {
    const schema = shape[key];
    if (schema === undefined) continue;
    const number = unwrapNumber(schema);
    if (number !== undefined && number.minValue !== null && number.maxValue !== null) return { min: number.minValue, max: number.maxValue };
  }
  return undefined;
}

function unwrapNumber(schema: z.ZodType): z.ZodNumber | undefined {
  let current: unknown = schema;
  for (let depth = 0; depth < 4; depth++) {
    if (current instanceof z.ZodNumber) return current;
    const inner = (current as { _zod?: { def?: { innerType?: unknown } } })._zod?.def?.innerType;
    if (inner === undefined) return undefined;
    current = inner;
  }
  return undefined;
}

function unitOf(key: string): string {
  if (/CurrentA$|FuseA$|MarginA$|A$/.test(key)) return ' A';
  if (/V$/.test(key)) return ' V';
  if (/W$/.test(key)) return ' W';
  return '';
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = value[key];
  return out;
}

function changedSections(before: SunplugConfig, after: SunplugConfig): SettingsSection[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const sections: SettingsSection[] = [];
  if (!same(pick(before.site, SITE_SETTING_KEYS), pick(after.site, SITE_SETTING_KEYS))) sections.push('site');
  if (!same(before.tariff, after.tariff)) sections.push('tariff');
  if (!same(before.chargers, after.chargers)) sections.push('chargers');
  if (!same(before.meters, after.meters)) sections.push('meters');
  return sections;
}
