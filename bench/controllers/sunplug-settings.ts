import type { ChargeMode } from '../../src/domain/charger-state.ts';
import type { PolicySettings } from '../../src/policy/policy-settings.ts';

/**
 * Sunplug's settings as src/main.ts builds them from a default config (config-schema.ts defaults: 1 A margin, 6 A
 * safe current, whole-amp limits (currentStepA 1), 60 s / 180 s solar delays at 0 W, 5 s cadence; main.ts: 8 s settle; a 1 s grid meter is stale after
 * 10 s).
 */
export function sunplugSettings(options: {
  mainFuseA: number;
  chargers: readonly { id: string; phases: 1 | 3; maxCurrentA: number; mode: ChargeMode }[];
}): PolicySettings {
  return {
    site: {
      voltageV: 230, phases: 3, mainFuseA: options.mainFuseA, safetyMarginA: 1, safeCurrentA: 6, gridMaxAgeMs: 10_000,
      chargerSettleMs: 8_000,
    },
    chargers: options.chargers.map((c) => ({ id: c.id, mode: c.mode, minCurrentA: 6, maxCurrentA: c.maxCurrentA, phases: c.phases, priority: 0, currentStepA: 1 })),
    solar: { enableDelayMs: 60_000, disableDelayMs: 180_000, enableThresholdW: 0, disableThresholdW: 0, cadenceMs: 5_000 },
  };
}
