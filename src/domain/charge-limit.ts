import type { Reason } from './reason.ts';

/**
 * The limit Sunplug wants a charger to apply: current per phase in A (0 pauses), on `phases` phases.
 * Limits are multiples of 0.1 A; a non-zero limit is at least the charger's minimum (6 A for IEC 61851 cars).
 */
export interface ChargeLimit {
  chargerId: string;
  currentA: number;
  phases: 1 | 3;
  reason: Reason;
  /** True when the limit lowers current to protect a fuse or fail safe: such writes are never rate-limited. */
  safety: boolean;
  /**
   * The charger has kept drawing well above a 0 A limit past its settle time: the last step of escalation is to end
   * the transaction.
   */
  stopTransaction?: boolean;
}

/** Round down to OCPP's 0.1 A resolution without floating-point residue (16.299999 -> 16.2). */
export function roundDownToTenth(currentA: number): number {
  return Math.floor(currentA * 10 + 1e-9) / 10;
}
