import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';

/**
 * Charger quirks as data (devices/chargers/quirks.yaml, format version 1): what real wallbox firmware accepts and
 * ignores, keyed by the vendor and model a charger states in its BootNotification. The OCPP adapters look the entry
 * up after each boot and shape their profile writes and set-up by it. Adding a vendor is a data change with its
 * source cited, never a code change.
 */

const pattern = z.string().min(1).max(200).refine(isRegExp, 'a valid regular expression');

const measurand = z.enum(['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Current.Offered', 'Voltage', 'SoC']);

export const smartChargingQuirkSchema = z.strictObject({
  /** Profile purposes the charger accepts. Absent = the spec's (TxDefaultProfile, TxProfile). */
  purposes: z.array(z.enum(['TxDefaultProfile', 'TxProfile'])).optional(),
  /** Where TxDefaultProfile goes first: the whole station (connector 0) or the connector itself. */
  connector: z.enum(['zero', 'connector']).optional(),
  /** Force the schedule unit: A (per phase) or W (total). */
  rateUnit: z.enum(['A', 'W']).optional(),
  /** Highest stack level the charger really honours (below what it may claim in ChargeProfileMaxStackLevel). */
  maxStackLevel: z.number().int().min(0).max(100).optional(),
  profileKind: z.enum(['Absolute', 'Relative']).optional(),
  /** 'ignored': numberPhases is left out (phase switching through profiles does not work on this charger). */
  numberPhases: z.enum(['honoured', 'ignored']).optional(),
  /** Fractional amps are mishandled: limits are rounded down to whole amps. */
  wholeAmps: z.boolean().optional(),
  /** Profile writes per rolling 24 h (flash wear); safety reductions always go through. */
  writeBudgetPerDay: z.number().int().min(1).max(100_000).optional(),
  /** Lifetime of the dynamic profile before the charger falls back to the safe default, s. */
  profileExpiryS: z.number().int().min(60).max(86_400).optional(),
  /** Whether Current.Offered in MeterValues reflects the applied limit (used to detect ignored limits). */
  currentOffered: z.enum(['reported', 'absent', 'unreliable']).optional(),
});

export const setupQuirkSchema = z.strictObject({
  /** Ask for a BootNotification on every connection that does not bring one (some firmware never sends it). */
  triggerBootNotification: z.boolean().optional(),
  /** MeterValueSampleInterval to write, s. */
  meterValueSampleIntervalS: z.number().int().min(0).max(3600).optional(),
  /** Measurands left out of MeterValuesSampledData. */
  excludeMeasurands: z.array(measurand).optional(),
  /** false: leave MeterValuesSampledData alone (writing it reboot-loops some firmware). */
  configureMeasurands: z.boolean().optional(),
});

export const chargerQuirkSchema = z.strictObject({
  /** Stable, kebab-case: shown in the API and logs. */
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case id'),
  /** Case-insensitive regular expressions on the BootNotification fields; all given ones must match. */
  match: z.strictObject({ vendor: pattern, model: pattern.optional(), firmware: pattern.optional() }),
  /** Plain words for installers (docs/chargers.md repeats them). */
  summary: z.string().min(1),
  /** Where each fact comes from: issue numbers, vendor documentation. */
  sources: z.array(z.string().min(1)).min(1),
  smartCharging: smartChargingQuirkSchema.optional(),
  setup: setupQuirkSchema.optional(),
  /** Things an installer must do on the charger itself. */
  installerNotes: z.array(z.string().min(1)).optional(),
});

export const quirksFileSchema = z.strictObject({
  version: z.literal(1),
  quirks: z.array(chargerQuirkSchema),
}).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.quirks.forEach((quirk, index) => {
    if (seen.has(quirk.id)) ctx.addIssue({ code: 'custom', path: ['quirks', index, 'id'], message: `duplicate quirk id "${quirk.id}"` });
    seen.add(quirk.id);
  });
});

export type ChargerQuirk = z.output<typeof chargerQuirkSchema>;
export type SmartChargingQuirk = z.output<typeof smartChargingQuirkSchema>;
export type SetupQuirk = z.output<typeof setupQuirkSchema>;
export type QuirkTable = readonly ChargerQuirk[];

/** What a charger said about itself in BootNotification (1.6 and 2.0.1 carry the same three facts). */
export interface ChargerIdentity {
  vendor?: string;
  model?: string;
  firmwareVersion?: string;
}

export const DEFAULT_QUIRKS_FILE = fileURLToPath(new URL('../../../devices/chargers/quirks.yaml', import.meta.url));

/** Parses and checks a quirks document; throws with one line per problem. */
export function parseQuirks(text: string, file = 'quirks.yaml'): QuirkTable {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
  const parsed = quirksFileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.quirks;
}

/** Reads the quirks table shipped with Sunplug (or another file). */
export function loadQuirks(file = DEFAULT_QUIRKS_FILE): QuirkTable {
  return parseQuirks(readFileSync(file, 'utf8'), file);
}

/**
 * The first entry whose patterns all match, in file order: the file lists model-specific entries before the
 * vendor-wide ones of the same vendor. Undefined for a charger that did not say its vendor.
 */
export function findQuirk(table: QuirkTable, identity: ChargerIdentity): ChargerQuirk | undefined {
  if (identity.vendor === undefined) return undefined;
  return table.find((quirk) => test(quirk.match.vendor, identity.vendor)
    && (quirk.match.model === undefined || test(quirk.match.model, identity.model))
    && (quirk.match.firmware === undefined || test(quirk.match.firmware, identity.firmwareVersion)));
}

function test(source: string, value: string | undefined): boolean {
  return value !== undefined && new RegExp(source, 'i').test(value);
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}
