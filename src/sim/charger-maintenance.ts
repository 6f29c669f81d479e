import { createHash } from 'node:crypto';
import { isoTime } from '../chargers/ocpp16/messages.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * SIMULATOR: what a wallbox does for its operator besides charging, shared by the 1.6 and the 2.0.1 simulator: the
 * Local Authorization List (versions, Full and Differential updates, offline lookups), firmware download over HTTP
 * with status notifications, diagnostics upload over HTTP, Reset, UnlockConnector, ChangeAvailability and
 * reservations. The payloads differ per version; the behaviour does not.
 */

export type SimProtocol = 'ocpp1.6' | 'ocpp2.0.1';

export interface LocalListItem {
  status: string;
  expiryMs?: number;
}

export interface Reply {
  response: object;
  then?: () => Promise<unknown> | void;
}

export interface MaintenanceHost {
  protocol: SimProtocol;
  clock: Clock;
  logger: Logger;
  /** A CALL to the central system; never throws. */
  send(action: string, payload: object): Promise<unknown>;
  /** Whether a transaction runs (a reservation or an unlock depends on it). */
  busy(): boolean;
  /** The connector status may have changed (a reservation was made, used or ended). */
  statusChanged(): void;
}

export interface DownloadedFirmware {
  url: string;
  size: number;
  sha256: string;
}

export interface Reservation {
  id: number;
  idTag: string;
  expiresAtMs: number;
}

export class ChargerMaintenance {
  /** The Local Authorization List as the charger holds it. */
  readonly localList = new Map<string, LocalListItem>();
  listVersion = 0;
  /** Firmware files fetched (the last one is installed). */
  readonly downloads: DownloadedFirmware[] = [];
  /** Diagnostics uploads made: URL and HTTP status. */
  readonly uploads: Array<{ url: string; status: number }> = [];
  readonly resets: string[] = [];
  operative = true;
  reservation: Reservation | undefined;
  /** Running file jobs (download, upload), so that a test can await them. */
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly host: MaintenanceHost) {}

  /** The list's verdict on a card, as used while offline (undefined: not in the list, or expired). */
  lookup(idTag: string): string | undefined {
    const item = this.localList.get(idTag);
    if (item === undefined) return undefined;
    if (item.expiryMs !== undefined && item.expiryMs <= this.host.clock.nowMs()) return 'Expired';
    return item.status;
  }

  /** Resolves once every firmware download and diagnostics upload started so far has finished. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** True while a reservation holds the connector for someone. */
  get reserved(): boolean {
    const reservation = this.reservation;
    if (reservation === undefined) return false;
    if (reservation.expiresAtMs > this.host.clock.nowMs()) return true;
    this.reservation = undefined;
    if (this.host.protocol === 'ocpp2.0.1') void this.host.send('ReservationStatusUpdate', { reservationId: reservation.id, reservationUpdateStatus: 'Expired' });
    return false;
  }

  /** A transaction starts for `idTag`: a reservation for it is used up; for another card the connector is refused. */
  admits(idTag: string): boolean {
    if (!this.reserved) return true;
    if (this.reservation?.idTag !== idTag) return false;
    this.reservation = undefined;
    return true;
  }

  handlers(): Array<readonly [string, (params: unknown) => Reply]> {
    const is16 = this.host.protocol === 'ocpp1.6';
    return [
      ['GetLocalListVersion', () => ({ response: is16 ? { listVersion: this.listVersion } : { versionNumber: this.listVersion } })],
      ['SendLocalList', (params) => ({ response: { status: this.sendLocalList(record(params)) } })],
      ['UpdateFirmware', (params) => this.updateFirmware(record(params))],
      [is16 ? 'GetDiagnostics' : 'GetLog', (params) => this.uploadDiagnostics(record(params))],
      ['Reset', (params) => {
        this.resets.push(String(record(params).type));
        return { response: { status: 'Accepted' } };
      }],
      ['UnlockConnector', () => ({ response: { status: this.host.busy() ? (is16 ? 'UnlockFailed' : 'OngoingAuthorizedTransaction') : 'Unlocked' } })],
      ['ChangeAvailability', (params) => {
        const p = record(params);
        this.operative = (is16 ? p.type : p.operationalStatus) === 'Operative';
        return { response: { status: this.host.busy() && !this.operative ? 'Scheduled' : 'Accepted' }, then: () => this.host.statusChanged() };
      }],
      ['ReserveNow', (params) => this.reserveNow(record(params))],
      ['CancelReservation', (params) => {
        const id = Number(record(params).reservationId);
        if (this.reservation?.id !== id) return { response: { status: 'Rejected' } };
        this.reservation = undefined;
        return { response: { status: 'Accepted' }, then: () => this.host.statusChanged() };
      }],
    ];
  }

  private sendLocalList(p: Record<string, unknown>): string {
    const version = Number(this.host.protocol === 'ocpp1.6' ? p.listVersion : p.versionNumber);
    const items = Array.isArray(p.localAuthorizationList) ? p.localAuthorizationList.map(record) : [];
    if (p.updateType === 'Differential' && version <= this.listVersion) return 'VersionMismatch';
    if (p.updateType === 'Full') this.localList.clear();
    for (const item of items) {
      const idTag = this.host.protocol === 'ocpp1.6' ? String(item.idTag) : String(record(item.idToken).idToken);
      const info = record(this.host.protocol === 'ocpp1.6' ? item.idTagInfo : item.idTokenInfo);
      if (typeof info.status !== 'string') {
        this.localList.delete(idTag); // an entry without info removes the card
        continue;
      }
      const expiry = this.host.protocol === 'ocpp1.6' ? info.expiryDate : info.cacheExpiryDateTime;
      this.localList.set(idTag, { status: info.status, ...(typeof expiry === 'string' ? { expiryMs: Date.parse(expiry) } : {}) });
    }
    this.listVersion = version;
    return 'Accepted';
  }

  private updateFirmware(p: Record<string, unknown>): Reply {
    const is16 = this.host.protocol === 'ocpp1.6';
    const location = String(is16 ? p.location : record(p.firmware).location);
    const requestId = is16 ? undefined : Number(p.requestId);
    const status = (value: string): Promise<unknown> =>
      this.host.send('FirmwareStatusNotification', { status: value, ...(requestId !== undefined ? { requestId } : {}) });
    return {
      response: is16 ? {} : { status: 'Accepted' },
      then: () => this.track(async () => {
        await status('Downloading');
        try {
          const answer = await fetch(location);
          if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
          const body = Buffer.from(await answer.arrayBuffer());
          this.downloads.push({ url: location, size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
        } catch (error) {
          this.host.logger.info({ err: error, location }, 'sim: firmware download failed');
          await status('DownloadFailed');
          return;
        }
        await status('Downloaded');
        await status('Installing');
        await status('Installed');
      }),
    };
  }

  private uploadDiagnostics(p: Record<string, unknown>): Reply {
    const is16 = this.host.protocol === 'ocpp1.6';
    const location = String(is16 ? p.location : record(p.log).remoteLocation);
    const requestId = is16 ? undefined : Number(p.requestId);
    const fileName = `diag-${this.host.clock.nowMs()}.log`;
    const status = (value: string): Promise<unknown> => this.host.send(is16 ? 'DiagnosticsStatusNotification' : 'LogStatusNotification',
      { status: value, ...(requestId !== undefined ? { requestId } : {}) });
    return {
      response: is16 ? { fileName } : { status: 'Accepted', filename: fileName },
      then: () => this.track(async () => {
        await status('Uploading');
        const body = `simulated diagnostics of the ${this.host.protocol} simulator at ${isoTime(this.host.clock.nowMs())}\n`;
        let ok = false;
        try {
          const answer = await fetch(`${location}/${fileName}`, { method: 'PUT', body, headers: { 'content-type': 'text/plain' } });
          this.uploads.push({ url: location, status: answer.status });
          ok = answer.ok;
        } catch (error) {
          this.host.logger.info({ err: error, location }, 'sim: diagnostics upload failed');
        }
        await status(ok ? 'Uploaded' : is16 ? 'UploadFailed' : 'UploadFailure');
      }),
    };
  }

  private reserveNow(p: Record<string, unknown>): Reply {
    const is16 = this.host.protocol === 'ocpp1.6';
    const id = Number(is16 ? p.reservationId : p.id);
    const idTag = String(is16 ? p.idTag : record(p.idToken).idToken);
    const expiresAtMs = Date.parse(String(is16 ? p.expiryDate : p.expiryDateTime));
    if (!this.operative) return { response: { status: 'Unavailable' } };
    if (this.host.busy() || (this.reserved && this.reservation?.id !== id)) return { response: { status: 'Occupied' } };
    this.reservation = { id, idTag, expiresAtMs };
    return { response: { status: 'Accepted' }, then: () => this.host.statusChanged() };
  }

  private track(job: () => Promise<void>): Promise<void> {
    const running = job().finally(() => this.running.delete(running));
    this.running.add(running);
    return running;
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? value as Record<string, unknown> : {};
}
