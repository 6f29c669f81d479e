import type { ChargerStatus } from '../../domain/charger-state.ts';
import type { OcppLogEntry } from '../message-log.ts';
import type { OcppServer } from '../ocpp-server.ts';
import { reportsSmartCharging, type SmartChargingReport } from '../smart-charging-report.ts';
import type { AdmissionStatus, ApproveResult, ChargerAdmission, Refusal, SecurityProfile, UnknownChargerPolicy } from './charger-admission.ts';

/**
 * The installer's view of the chargers (HTTP API `GET /api/v1/chargers`, approval, OCPP log): configured, approved and
 * pending chargers with their connection, what they said in BootNotification, and how Sunplug limits them.
 */

export interface ChargerListEntry {
  id: string;
  name: string | null;
  /** In the installation config file (otherwise it runs with the defaults for approved chargers). */
  configured: boolean;
  admission: AdmissionStatus;
  /** For a pending charger: approval of an unknown charger, or a password for a known one (profile 1). */
  waitingFor: 'approval' | 'password' | null;
  /** Sunplug holds a password for it (config file or approval). */
  passwordSet: boolean;
  connected: boolean;
  protocol: string | null;
  remoteAddress: string | null;
  status: ChargerStatus | null;
  vendor: string | null;
  model: string | null;
  serialNumber: string | null;
  firmwareVersion: string | null;
  lastBootAtMs: number | null;
  firstSeenAtMs: number | null;
  lastSeenAtMs: number | null;
  smartCharging: SmartChargingReport | null;
}

export interface ChargerListing {
  security: { profile: SecurityProfile; insecure: boolean; warning: string | null };
  unknownChargers: UnknownChargerPolicy;
  chargers: ChargerListEntry[];
  /** Recent refused connection attempts, newest first (never with the password tried). */
  refused: Refusal[];
}

export type ApproveOutcome =
  | { ok: true; id: string; status: AdmissionStatus; password?: string; username?: string; note: string }
  | Extract<ApproveResult, { ok: false }>;

/** What the HTTP API may ask about chargers. */
export interface ChargerAdminService {
  list(): ChargerListing;
  approve(id: string, options?: { resetPassword?: boolean }): Promise<ApproveOutcome>;
  /** Undefined for an id Sunplug has never heard of. */
  ocppLog(id: string, limit?: number): OcppLogEntry[] | undefined;
}

export interface ChargerDirectoryOptions {
  admission: ChargerAdmission;
  server: OcppServer;
  unknownChargers: UnknownChargerPolicy;
  /** Chargers in the config file, in its order. */
  configured: ReadonlyArray<{ id: string; name?: string | undefined }>;
}

export class ChargerDirectory implements ChargerAdminService {
  constructor(private readonly options: ChargerDirectoryOptions) {}

  list(): ChargerListing {
    const { admission, configured } = this.options;
    const ids = [...configured.map((c) => c.id), ...admission.approvedUnconfigured(), ...admission.pending().map((p) => p.id)];
    const insecure = admission.securityProfile === 0;
    return {
      security: {
        profile: admission.securityProfile,
        insecure,
        warning: insecure ? 'Security profile 0: chargers connect without a password; anyone on the network can pose as one.' : null,
      },
      unknownChargers: this.options.unknownChargers,
      chargers: [...new Set(ids)].map((id) => this.entry(id)),
      refused: admission.refusals(),
    };
  }

  async approve(id: string, options: { resetPassword?: boolean } = {}): Promise<ApproveOutcome> {
    const { admission, server } = this.options;
    const result = await admission.approve(id, options);
    if (!result.ok) return result;
    if (result.password === undefined) {
      const promoted = server.promote(id);
      return { ...result, note: promoted ? 'The charger is connected and is being asked to boot again.' : 'The charger is accepted at its next connection.' };
    }
    // Its current connection (pending, or on the old password) is not authenticated with the new password.
    const dropped = await server.disconnect(id, 'Approved: reconnect with the new password');
    return {
      ...result,
      username: id,
      note: `Enter this password in the charger (OCPP Basic auth, user name "${id}"); it is shown only once.${dropped ? ' The charger was disconnected and is refused until it uses it.' : ''}`,
    };
  }

  ocppLog(id: string, limit?: number): OcppLogEntry[] | undefined {
    const { admission, server } = this.options;
    const entries = server.ocppLog(id, limit);
    if (entries.length === 0 && admission.status(id) === 'unknown' && !this.options.configured.some((c) => c.id === id)) return undefined;
    return entries;
  }

  private entry(id: string): ChargerListEntry {
    const { admission, server, configured } = this.options;
    const config = configured.find((c) => c.id === id);
    const connection = server.connectionInfo(id);
    const pending = admission.pending().find((p) => p.id === id);
    const adapter = server.adapterFor(id);
    const boot = connection.boot;
    const admissionStatus = admission.status(id);
    return {
      id,
      name: config?.name ?? null,
      configured: config !== undefined,
      admission: admissionStatus,
      // A known charger without a password waits for one even before it first connects (profile 1).
      waitingFor: pending?.waitingFor ?? (admissionStatus === 'pending' ? 'password' : null),
      passwordSet: admission.hasPassword(id),
      connected: connection.connected,
      protocol: connection.protocol ?? null,
      remoteAddress: connection.remoteAddress ?? pending?.remoteAddress ?? null,
      status: connection.pending ? null : adapter?.snapshot().status ?? null,
      vendor: boot?.vendor ?? null,
      model: boot?.model ?? null,
      serialNumber: boot?.serialNumber ?? null,
      firmwareVersion: boot?.firmwareVersion ?? null,
      lastBootAtMs: connection.lastBootAtMs ?? null,
      firstSeenAtMs: pending?.firstSeenAtMs ?? null,
      lastSeenAtMs: pending?.lastSeenAtMs ?? null,
      smartCharging: adapter !== undefined && reportsSmartCharging(adapter) ? adapter.smartChargingReport() : null,
    };
  }
}
