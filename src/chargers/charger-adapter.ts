import type { ChargeLimit } from '../domain/charge-limit.ts';
import type { ChargerState } from '../domain/charger-state.ts';
import type { TransactionEvent } from '../domain/charging-session.ts';

export type ApplyOutcome = 'applied' | 'unchanged' | 'rejected' | 'failed' | 'offline';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** What the charger or the transport said, for the decision log. */
  detail?: string;
}

export interface ChargerEvents {
  /** The charger's state changed (status, meter values, connection). */
  onStateChange(listener: (state: ChargerState) => void): () => void;
  /** A transaction started, measured energy, or ended: what the session store records. */
  onTransaction(listener: (event: TransactionEvent) => void): () => void;
}

/**
 * One OCPP charger, whatever its protocol version. The OCPP server picks the adapter from the negotiated
 * subprotocol; the control loop sees only this.
 */
export interface ChargerAdapter extends ChargerEvents {
  readonly id: string;
  snapshot(): ChargerState;
  applyLimit(limit: ChargeLimit): Promise<ApplyResult>;
  /** Ends the running transaction (OCPP RemoteStop / RequestStopTransaction), the last step of escalation. */
  stopTransaction?(): Promise<ApplyResult>;
}
