/**
 * Conversions between power and current. Voltage is the site's phase-to-neutral voltage (230 V in Europe,
 * 127 V or 220 V in Brazil, 120 V per leg in North American split phase); it always comes from the site config.
 */
export function powerForCurrentW(currentA: number, phases: number, voltageV: number): number {
  return currentA * phases * voltageV;
}

export function currentForPowerA(powerW: number, phases: number, voltageV: number): number {
  return powerW / (phases * voltageV);
}
