import type { ChargeMode } from '../domain/charger-state.ts';
import type { ChargingSession } from '../domain/charging-session.ts';
import type { HistoryPoint, HistoryResolution } from '../store/history-store.ts';
import type { SessionQuery } from '../store/session-store.ts';
import type { DecisionLogEntry } from '../control/decision-log.ts';
import type { SiteStateView } from '../control/site-state.ts';

/** What the HTTP API, the dashboard socket and (later) Home Assistant may ask of the running site. */
export interface SiteService {
  state(): SiteStateView;
  /** Resolves false when no charger has this id. */
  setChargerMode(chargerId: string, mode: ChargeMode): Promise<boolean>;
  decisions(filter: { chargerId?: string; limit?: number }): DecisionLogEntry[];
  /** Charging sessions, newest first. */
  sessions(query: SessionQuery): ChargingSession[];
  /** Average powers per minute, hour or day in [fromMs, toMs). */
  history(fromMs: number, toMs: number, resolution: HistoryResolution): HistoryPoint[];
  /** Calls the listener whenever the state may have changed (after every control tick). */
  onStateChange(listener: () => void): () => void;
}
