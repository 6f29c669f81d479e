import { z } from 'zod';

/**
 * The `tariff` section of the installation config (docs/tariffs.md). Prices are per kWh in the site currency. The
 * config schema (store/config-schema.ts) embeds these schemas, so they follow its rule: unknown keys are errors.
 */

const clockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a local time HH:MM from 00:00 to 24:00');

export const DAY_SELECTORS = ['all', 'weekdays', 'weekends', 'holidays', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DaySelector = (typeof DAY_SELECTORS)[number];

const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date YYYY-MM-DD');

const price = z.number().min(-100).max(100);

export const timeOfUseWindowSchema = z.strictObject({
  name: z.string().max(64).optional().describe('Shown on the dashboard, e.g. "ponta" or "night"'),
  pricePerKWh: price,
  days: z.array(z.enum(DAY_SELECTORS)).min(1).default(['all'])
    .describe('Local days the window applies on. On a configured holiday only "holidays" and "all" match'),
  from: clockTime.describe('Local start, HH:MM'),
  to: clockTime.describe('Local end, HH:MM, exclusive; earlier than "from" means from-24:00 and 00:00-to of each day'),
  months: z.array(z.number().int().min(1).max(12)).min(1).optional()
    .describe('Months (1-12) the window applies in, e.g. [6, 7, 8] for a summer rate; default: all year'),
}).refine((w) => w.from !== w.to, { message: '"from" and "to" must differ (use 00:00 to 24:00 for a whole day)', path: ['to'] });

export type TimeOfUseWindow = z.output<typeof timeOfUseWindowSchema>;

export const timeOfUseSchema = z.strictObject({
  basePricePerKWh: price.describe('Price at every time no window covers'),
  windows: z.array(timeOfUseWindowSchema).min(1).describe('Checked in order; the first window that covers a time sets its price'),
  holidays: z.array(isoDate).default([]).describe('Public holidays, local dates YYYY-MM-DD'),
});

export type TimeOfUsePrices = z.output<typeof timeOfUseSchema>;

export const surchargesSchema = z.strictObject({
  feesPerKWh: z.number().min(-10).max(10).default(0)
    .describe('Added to the market price per kWh before VAT: grid fee, levies, electricity tax, supplier margin'),
  vatPct: z.number().min(0).max(100).default(0).describe('VAT in percent, applied to market price + fees'),
});

export const PROVIDERS = ['awattar', 'energy-charts'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const FILE_FORMATS = ['sunplug-csv', 'sunplug-json', 'smard-csv', 'awattar-json', 'energy-charts-json'] as const;
export type PriceFileFormat = (typeof FILE_FORMATS)[number];

export const providerSourceSchema = z.strictObject({
  type: z.literal('provider'),
  provider: z.enum(PROVIDERS),
  url: z.url({ protocol: /^https?$/ }).optional()
    .describe('Endpoint; default: the provider\'s public API (api.awattar.de, api.energy-charts.info)'),
  biddingZone: z.string().regex(/^[A-Z0-9-]{2,16}$/).default('DE-LU').describe('Energy-Charts bidding zone, e.g. DE-LU, AT, NL'),
  refreshMinutes: z.number().min(5).max(1440).default(60).describe('How often prices are fetched'),
  retryMinutes: z.number().min(1).max(1440).default(10).describe('How soon a failed fetch is retried'),
  timeoutS: z.number().min(1).max(120).default(20),
});

export const fileSourceSchema = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1).describe('Absolute, or relative to the data directory'),
  format: z.enum(FILE_FORMATS),
  column: z.string().min(1).optional()
    .describe('smard-csv: the price column, matched by its start (default "Deutschland/Luxemburg")'),
  timezone: z.string().min(1).optional().describe('smard-csv: zone of its local times (default Europe/Berlin)'),
  refreshMinutes: z.number().min(1).max(1440).default(60).describe('How often the file is read again'),
});

export const dynamicSourceSchema = z.discriminatedUnion('type', [providerSourceSchema, fileSourceSchema]);
export type DynamicSourceConfig = z.output<typeof dynamicSourceSchema>;
export type ProviderSourceConfig = z.output<typeof providerSourceSchema>;
export type FileSourceConfig = z.output<typeof fileSourceSchema>;

const fixedFeedIn = z.strictObject({ kind: z.literal('fixed'), pricePerKWh: price });
const dynamicFeedIn = z.strictObject({
  kind: z.literal('dynamic'),
  source: dynamicSourceSchema,
  surcharges: surchargesSchema.optional().describe('For feed-in: fees are usually negative (the marketer\'s cut)'),
});
export const feedInSchema = z.discriminatedUnion('kind', [fixedFeedIn, dynamicFeedIn]);
export type FeedInConfig = z.output<typeof feedInSchema>;

const common = {
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR or BRL').describe('Currency of every price'),
  feedIn: feedInSchema.optional().describe('What exported energy earns; default: nothing'),
};

export const tariffConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ...common, pricePerKWh: price }),
  z.strictObject({ kind: z.literal('time-of-use'), ...common, ...timeOfUseSchema.shape }),
  z.strictObject({
    kind: z.literal('dynamic'),
    ...common,
    source: dynamicSourceSchema,
    surcharges: surchargesSchema.optional().describe('Retail = (market + fees) x (1 + VAT/100)'),
  }),
]);

export type TariffConfig = z.output<typeof tariffConfigSchema>;
