import type { ChargerState } from '../domain/charger-state.ts';

/**
 * Does the charger do what its accepted profile says? Real firmware accepts profiles and then ignores or caps them
 * (reference §3: Wallbox FW 6.4.x, go-e), so "Accepted" is not proof. The proof is Current.Offered in MeterValues
 * (what the charger signals to the car over the pilot wire, evcc PR #29783): while a transaction runs, it must not
 * exceed the limit once the charger has had `graceMs` to apply it. GetCompositeSchedule adds the charger's own
 * account of the limit it computed.
 *
 * Offered current BELOW the limit is fine (cable, car or hardware maximum); only above counts. Two consecutive
 * violations flag the charger, so a sample taken a moment before the change took hold cannot.
 */

export type ComplianceStatus = 'unknown' | 'following' | 'ignoring' | 'unverifiable';

export interface ComplianceReport {
  status: ComplianceStatus;
  /** The limit the charger should hold now, A per phase. */
  expectedA?: number;
  /** The latest Current.Offered judged, A. */
  offeredA?: number;
  /** Words for the installer. */
  detail?: string;
  /** When the status last changed, ms since the epoch. */
  sinceMs?: number;
}

export interface LimitComplianceOptions {
  /** Time a charger gets to apply a new limit before its samples count, ms. Default 30000. */
  graceMs?: number;
  /** Offered current may exceed the limit by this much (rounding, pilot-wire resolution), A. Default 1. */
  toleranceA?: number;
}

const VIOLATIONS_TO_FLAG = 2;

export class LimitCompliance {
  private readonly graceMs: number;
  private readonly toleranceA: number;
  private expectedA: number | undefined;
  private expectedFromMs = 0;
  private lastJudgedAtMs: number | undefined;
  private violations = 0;
  private state: ComplianceReport = { status: 'unknown' };
  private unverifiableBecause: string | undefined;

  constructor(options: LimitComplianceOptions = {}) {
    this.graceMs = options.graceMs ?? 30_000;
    this.toleranceA = options.toleranceA ?? 1;
  }

  /** The charger accepted a profile that should hold it at `limitA` from `fromMs` on (after the grace time). */
  expect(limitA: number, fromMs: number): void {
    this.expectedA = limitA;
    this.expectedFromMs = fromMs;
    this.violations = 0;
  }

  /** Current.Offered is known to be missing or meaningless on this charger (quirks table); undefined clears it. */
  setUnverifiable(reason: string | undefined): void {
    this.unverifiableBecause = reason;
    if (reason !== undefined) this.set({ status: 'unverifiable', detail: reason }, undefined);
    else if (this.state.status === 'unverifiable') this.set({ status: 'unknown' }, undefined);
  }

  /** Judges a new state of the charger. */
  observe(state: ChargerState): void {
    if (this.unverifiableBecause !== undefined || this.expectedA === undefined) return;
    const { offeredCurrentA: offeredA, measuredAtMs } = state;
    if (offeredA === undefined || measuredAtMs === undefined || state.transactionId === undefined) return;
    if (this.lastJudgedAtMs !== undefined && measuredAtMs <= this.lastJudgedAtMs) return;
    if (measuredAtMs < this.expectedFromMs + this.graceMs) return;
    this.lastJudgedAtMs = measuredAtMs;
    const expectedA = this.expectedA;
    if (offeredA > expectedA + this.toleranceA) {
      this.violations++;
      if (this.violations >= VIOLATIONS_TO_FLAG) {
        this.set({ status: 'ignoring', expectedA, offeredA, detail: `offers ${offeredA} A to the car although it accepted a limit of ${expectedA} A` }, measuredAtMs);
      }
      return;
    }
    this.violations = 0;
    this.set({ status: 'following', expectedA, offeredA }, measuredAtMs);
  }

  /** What the charger's composite schedule says, A per phase, right after a write it accepted. */
  observeComposite(limitA: number, atMs: number): void {
    if (this.expectedA === undefined || limitA <= this.expectedA + this.toleranceA) return;
    this.set({
      status: 'ignoring', expectedA: this.expectedA,
      detail: `its composite schedule allows ${limitA} A although it accepted a limit of ${this.expectedA} A`,
    }, atMs);
  }

  report(): ComplianceReport {
    return { ...this.state };
  }

  private set(next: ComplianceReport, atMs: number | undefined): void {
    const since = next.status === this.state.status ? this.state.sinceMs : atMs;
    this.state = since !== undefined ? { ...next, sinceMs: since } : next;
  }
}
