import type { ChargerAdapter } from './charger-adapter.ts';
import type { ComplianceReport } from './limit-compliance.ts';
import type { ProfileReport } from './ocpp16/profile-writer.ts';

/**
 * How a charger is being limited, as the installer view and the dashboard show it: the quirk that applies, the
 * profiles Sunplug holds on it (safe default, dynamic limit and its expiry), the write budget, and whether the charger
 * really follows its limits. Adapters that can tell implement `ReportsSmartCharging`.
 */
export interface SmartChargingReport {
  protocol: string;
  quirk?: { id: string; summary: string };
  /** The charger's own reports show it does not hold the limit it accepted. */
  ignoresLimits: boolean;
  compliance: ComplianceReport;
  profiles?: ProfileReport;
}

export interface ReportsSmartCharging {
  smartChargingReport(): SmartChargingReport;
}

export function reportsSmartCharging(adapter: ChargerAdapter): adapter is ChargerAdapter & ReportsSmartCharging {
  return 'smartChargingReport' in adapter && typeof adapter.smartChargingReport === 'function';
}
