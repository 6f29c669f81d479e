import type { ChargerState } from '../../domain/charger-state.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { SqliteDatabase } from '../../store/database.ts';
import { ChargerOfflineError, type OcppCallTarget } from '../charger-hooks.ts';
import { describeCallFailure } from '../ocpp-rpc-types.ts';

/**
 * Installer and homeowner actions on one charger, in either OCPP version: remote start and stop, reset, unlock,
 * availability, TriggerMessage, and reservations. Each answers with what the charger said (Accepted, Rejected, ...);
 * a request Sunplug cannot make is a ControlError that the HTTP layer turns into a 404, 409 or 503.
 */

export class ControlError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 502 | 503 | 504, readonly code: string, message: string) {
    super(message);
  }
}

export type ControlTarget = OcppCallTarget & { snapshot(): ChargerState; capabilities?: unknown };

export interface ChargerControlOptions {
  db: SqliteDatabase;
  clock: Clock;
  logger: Logger;
  /** Whether Sunplug knows the charger at all (configured, approved or pending): unknown ids are 404. */
  knows: (chargerId: string) => boolean;
  /** The charger's adapter, once it has connected since start. */
  target: (chargerId: string) => ControlTarget | undefined;
  /** An idTag Sunplug sends in a remote start is authorized when the charger asks (CardAuthorizer.grantRemote). */
  grantRemote?: (idTag: string) => void;
}

export interface ChargerAnswer {
  status: string;
  [key: string]: unknown;
}

/** Messages a charger can be asked to send, per version (the spec's MessageTrigger enums). */
export const TRIGGER_MESSAGES = {
  'ocpp1.6': ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StatusNotification'],
  'ocpp2.0.1': ['BootNotification', 'LogStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues',
    'SignChargingStationCertificate', 'SignV2GCertificate', 'StatusNotification', 'TransactionEvent', 'SignCombinedCertificate',
    'PublishFirmwareStatusNotification'],
} as const;

export const DEFAULT_REMOTE_ID_TAG = 'SUNPLUG';

export interface Reservation {
  reservationId: number;
  chargerId: string;
  connectorId: number;
  idTag: string;
  expiresAtMs: number;
  status: string;
  createdAtMs: number;
}

interface ReservationRow {
  id: number;
  charger_id: string;
  connector_id: number;
  id_tag: string;
  expires_at_ms: number;
  status: string;
  created_at_ms: number;
}

export class ChargerControl {
  private remoteStartId = 0;

  constructor(private readonly options: ChargerControlOptions) {}

  async start(chargerId: string, request: { idTag?: string | undefined; connectorId?: number | undefined }): Promise<ChargerAnswer> {
    const target = this.online(chargerId);
    const idTag = request.idTag ?? DEFAULT_REMOTE_ID_TAG;
    if (target.snapshot().transactionId !== undefined) {
      throw new ControlError(409, 'transaction_running', `charger ${chargerId} already runs transaction ${target.snapshot().transactionId}`);
    }
    this.options.grantRemote?.(idTag);
    if (target.protocol === 'ocpp1.6') {
      return this.ask(target, 'RemoteStartTransaction', { idTag, ...(request.connectorId !== undefined ? { connectorId: request.connectorId } : {}) });
    }
    // remoteStartId ties the TransactionEvent that follows to this request; unique within a run is enough.
    this.remoteStartId = Math.max(this.remoteStartId + 1, Math.floor(this.options.clock.nowMs() / 1000) % 1_000_000_000);
    return this.ask(target, 'RequestStartTransaction', {
      remoteStartId: this.remoteStartId,
      idToken: { idToken: idTag, type: 'Central' },
      ...(request.connectorId !== undefined ? { evseId: request.connectorId } : {}),
    });
  }

  async stop(chargerId: string): Promise<ChargerAnswer> {
    const target = this.online(chargerId);
    const transactionId = target.snapshot().transactionId;
    if (transactionId === undefined) throw new ControlError(409, 'no_transaction', `charger ${chargerId} runs no transaction`);
    if (target.protocol === 'ocpp1.6') {
      const numeric = Number(transactionId);
      if (!Number.isInteger(numeric)) throw new ControlError(409, 'no_transaction', `transaction id ${transactionId} is not a 1.6 transaction`);
      return { ...(await this.ask(target, 'RemoteStopTransaction', { transactionId: numeric })), transactionId };
    }
    return { ...(await this.ask(target, 'RequestStopTransaction', { transactionId })), transactionId };
  }

  async reset(chargerId: string, type: 'soft' | 'hard'): Promise<ChargerAnswer> {
    const target = this.online(chargerId);
    // 2.0.1 has no soft/hard: a soft reset waits for the transaction to end (OnIdle), a hard one does not.
    const params = target.protocol === 'ocpp1.6' ? { type: type === 'soft' ? 'Soft' : 'Hard' } : { type: type === 'soft' ? 'OnIdle' : 'Immediate' };
    return this.ask(target, 'Reset', params);
  }

  async unlock(chargerId: string, connectorId: number): Promise<ChargerAnswer> {
    const target = this.online(chargerId);
    // One-connector home wallboxes: 2.0.1 EVSE n has connector 1.
    const params = target.protocol === 'ocpp1.6' ? { connectorId } : { evseId: connectorId, connectorId: 1 };
    return this.ask(target, 'UnlockConnector', params);
  }

  async availability(chargerId: string, operative: boolean, connectorId?: number): Promise<ChargerAnswer> {
    const target = this.online(chargerId);
    const word = operative ? 'Operative' : 'Inoperative';
    const params = target.protocol === 'ocpp1.6'
      ? { connectorId: connectorId ?? 0, type: word }
      : { operationalStatus: word, ...(connectorId !== undefined && connectorId > 0 ? { evse: { id: connectorId } } : {}) };
    return this.ask(target, 'ChangeAvailability', params);
  }

  async trigger(chargerId: string, message: string, connectorId?: number): Promise<ChargerAnswer> {
    const target = this.online(chargerId);
    const allowed: readonly string[] = TRIGGER_MESSAGES[target.protocol];
    if (!allowed.includes(message)) {
      throw new ControlError(400, 'invalid_body', `an ${target.protocol} charger cannot be asked for "${message}"; one of ${allowed.join(', ')}`);
    }
    const params = target.protocol === 'ocpp1.6'
      ? { requestedMessage: message, ...(connectorId !== undefined ? { connectorId } : {}) }
      : { requestedMessage: message, ...(connectorId !== undefined ? { evse: { id: connectorId } } : {}) };
    return this.ask(target, 'TriggerMessage', params);
  }

  /** ReserveNow; only for chargers that list the Reservation profile (1.6) or answer for ReservationCtrlr (2.0.1). */
  async reserve(chargerId: string, request: { idTag: string; expiresAtMs: number; connectorId?: number | undefined }): Promise<Reservation & { answer: string }> {
    const target = this.online(chargerId);
    if (target.protocol === 'ocpp1.6') {
      const profiles = featureProfiles(target.capabilities);
      if (profiles === undefined || !profiles.has('Reservation')) {
        throw new ControlError(409, 'reservation_unsupported', `charger ${chargerId} does not list the Reservation profile in SupportedFeatureProfiles`
          + (profiles === undefined ? ' (not read yet)' : ` (${[...profiles].join(', ')})`));
      }
    }
    const nowMs = this.options.clock.nowMs();
    if (request.expiresAtMs <= nowMs) throw new ControlError(409, 'reservation_expired', 'expiresAt lies in the past');
    const connectorId = request.connectorId ?? (target.protocol === 'ocpp1.6' ? 1 : 1);
    const row = this.options.db.prepare(`INSERT INTO reservations (charger_id, connector_id, id_tag, expires_at_ms, status, created_at_ms)
      VALUES (?, ?, ?, ?, 'requested', ?) RETURNING id`).get(chargerId, connectorId, request.idTag, request.expiresAtMs, nowMs) as { id: number };
    const reservationId = row.id;
    const expiry = new Date(request.expiresAtMs).toISOString();
    this.options.grantRemote?.(request.idTag);
    let answer: ChargerAnswer;
    try {
      answer = target.protocol === 'ocpp1.6'
        ? await this.ask(target, 'ReserveNow', { connectorId, expiryDate: expiry, idTag: request.idTag, reservationId })
        : await this.ask(target, 'ReserveNow', { id: reservationId, expiryDateTime: expiry, idToken: { idToken: request.idTag, type: 'ISO14443' }, evseId: connectorId });
    } catch (error) {
      this.setReservationStatus(reservationId, 'failed');
      throw error;
    }
    this.setReservationStatus(reservationId, answer.status === 'Accepted' ? 'active' : answer.status.toLowerCase());
    return { ...this.reservation(reservationId)!, answer: answer.status };
  }

  async cancelReservation(chargerId: string, reservationId: number): Promise<ChargerAnswer> {
    const reservation = this.reservation(reservationId);
    if (reservation === undefined || reservation.chargerId !== chargerId) {
      throw new ControlError(404, 'reservation_not_found', `no reservation ${reservationId} on charger ${chargerId}`);
    }
    const target = this.online(chargerId);
    const answer = await this.ask(target, 'CancelReservation', { reservationId });
    if (answer.status === 'Accepted') this.setReservationStatus(reservationId, 'cancelled');
    return answer;
  }

  reservations(chargerId: string): Reservation[] {
    const rows = this.options.db.prepare('SELECT * FROM reservations WHERE charger_id = ? ORDER BY id DESC LIMIT 50').all(chargerId) as ReservationRow[];
    const nowMs = this.options.clock.nowMs();
    return rows.map(toReservation).map((r) => (r.status === 'active' && r.expiresAtMs <= nowMs ? { ...r, status: 'expired' } : r));
  }

  /** 2.0.1 ReservationStatusUpdate: the charger says a reservation expired or was removed. */
  onReservationStatusUpdate(params: unknown): object {
    const { reservationId, reservationUpdateStatus } = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
    if (typeof reservationId === 'number' && typeof reservationUpdateStatus === 'string') {
      this.setReservationStatus(reservationId, reservationUpdateStatus.toLowerCase());
    }
    return {};
  }

  private reservation(reservationId: number): Reservation | undefined {
    const row = this.options.db.prepare('SELECT * FROM reservations WHERE id = ?').get(reservationId) as ReservationRow | undefined;
    return row !== undefined ? toReservation(row) : undefined;
  }

  private setReservationStatus(reservationId: number, status: string): void {
    this.options.db.prepare('UPDATE reservations SET status = ? WHERE id = ?').run(status, reservationId);
  }

  /** The adapter of a connected charger; 404 for an unknown id, 503 when it is not connected. */
  online(chargerId: string): ControlTarget {
    if (!this.options.knows(chargerId)) throw new ControlError(404, 'charger_not_found', `no charger with id "${chargerId}"`);
    const target = this.options.target(chargerId);
    if (target === undefined || !target.online) throw new ControlError(503, 'charger_offline', `charger ${chargerId} is not connected`);
    return target;
  }

  /** One CALL; the charger's answer, or a ControlError saying why there is none. */
  async ask(target: OcppCallTarget, method: string, params: object): Promise<ChargerAnswer> {
    let answer: unknown;
    try {
      answer = await target.call(method, params);
    } catch (error) {
      if (error instanceof ChargerOfflineError) throw new ControlError(503, 'charger_offline', error.message);
      const failure = describeCallFailure(error);
      this.options.logger.warn({ chargerId: target.id, method, kind: failure.kind, detail: failure.detail }, 'control: call failed');
      if (failure.kind === 'not-connected') throw new ControlError(503, 'charger_offline', `charger ${target.id} went away: ${failure.detail}`);
      if (failure.kind === 'timeout') throw new ControlError(504, 'charger_timeout', `charger ${target.id} did not answer ${method}`);
      if (failure.kind === 'call-error') throw new ControlError(502, 'charger_error', `charger ${target.id} answered ${method} with ${failure.detail}`);
      throw new ControlError(502, 'charger_error', `${method}: ${failure.detail}`);
    }
    const record = typeof answer === 'object' && answer !== null ? answer as Record<string, unknown> : {};
    this.options.logger.info({ chargerId: target.id, method, status: record.status }, 'control: charger answered');
    // 1.6 UpdateFirmware and GetDiagnostics answer without a status; an empty answer counts as taken.
    return { ...record, status: typeof record.status === 'string' ? record.status : 'Accepted' };
  }
}

function featureProfiles(capabilities: unknown): ReadonlySet<string> | undefined {
  return typeof capabilities === 'object' && capabilities !== null
    ? (capabilities as { featureProfiles?: ReadonlySet<string> }).featureProfiles : undefined;
}

function toReservation(row: ReservationRow): Reservation {
  return {
    reservationId: row.id, chargerId: row.charger_id, connectorId: row.connector_id, idTag: row.id_tag,
    expiresAtMs: row.expires_at_ms, status: row.status, createdAtMs: row.created_at_ms,
  };
}
