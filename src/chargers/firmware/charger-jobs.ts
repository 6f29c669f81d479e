import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { SqliteDatabase } from '../../store/database.ts';
import type { InboundCall } from '../ocpp-rpc-types.ts';
import { ControlError, type ChargerAnswer, type ChargerControl } from '../remote-control/charger-control.ts';
import { ensureDir, hashToken, joinPath, newToken, receiveFile, safeFileName, unwrapMultipart } from './file-transfer.ts';

/**
 * Firmware updates and diagnostics uploads. A firmware file uploaded by the installer is offered to one charger at
 * a time at http://<Sunplug's LAN address>/files/firmware/<token>/<name>; diagnostics are received at
 * /files/diagnostics/<token>. The token is per job (a charger cannot log in), kept only as a hash, and valid while
 * the job is open: until the charger reports a final status or the job expires.
 */

export type JobKind = 'firmware' | 'diagnostics';

export interface FirmwareFile {
  id: string;
  name: string;
  size: number;
  sha256: string;
  uploadedAtMs: number;
}

export interface JobStatusEntry {
  status: string;
  atMs: number;
}

export interface ChargerJob {
  id: number;
  chargerId: string;
  kind: JobKind;
  status: string;
  open: boolean;
  history: JobStatusEntry[];
  createdAtMs: number;
  updatedAtMs: number;
  expiresAtMs: number;
  firmware?: { id: string; name: string; sha256: string };
  upload?: { name: string; size: number; sha256: string };
}

export interface ChargerJobsOptions {
  db: SqliteDatabase;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  control: ChargerControl;
  /** Base URL chargers reach Sunplug's HTTP server at, e.g. http://192.168.1.10:8080 (chosen per charger). */
  filesBaseUrl: (chargerId: string) => string;
  /** Largest firmware file, bytes. Default 200 MB. */
  maxFirmwareBytes?: number;
  /** Largest diagnostics upload, bytes. Default 50 MB. */
  maxDiagnosticsBytes?: number;
  /** How long a job's URL stays valid after its start (or the firmware's retrieve time), ms. Default 24 h. */
  jobLifetimeMs?: number;
}

interface JobRow {
  id: number;
  charger_id: string;
  kind: JobKind;
  firmware_id: string | null;
  status: string;
  history: string;
  open: number;
  created_at_ms: number;
  updated_at_ms: number;
  expires_at_ms: number;
  upload_name: string | null;
  upload_size: number | null;
  upload_sha256: string | null;
}

interface FirmwareRow {
  id: string;
  name: string;
  size: number;
  sha256: string;
  uploaded_at_ms: number;
}

/** Statuses after which the charger will not fetch or send the job's file any more. */
const FINAL = new Set([
  'Installed', 'InstallationFailed', 'DownloadFailed', 'InstallVerificationFailed', 'InvalidSignature', 'Uploaded', 'UploadFailed',
  'UploadFailure', 'BadMessage', 'NotSupportedOperation', 'PermissionDenied', 'Rejected', 'AcceptedCanceled',
  'InvalidCertificate', 'RevokedCertificate',
]);

export class ChargerJobs {
  private readonly firmwareDir: string;
  private readonly diagnosticsDir: string;

  constructor(private readonly options: ChargerJobsOptions) {
    this.firmwareDir = joinPath(options.dataDir, 'files', 'firmware');
    this.diagnosticsDir = joinPath(options.dataDir, 'files', 'diagnostics');
  }

  get maxFirmwareBytes(): number {
    return this.options.maxFirmwareBytes ?? 200 * 1024 * 1024;
  }

  get maxDiagnosticsBytes(): number {
    return this.options.maxDiagnosticsBytes ?? 50 * 1024 * 1024;
  }

  /** Stores an uploaded firmware file (streamed; TooLargeError past the limit). */
  async addFirmware(source: Readable, name: string): Promise<FirmwareFile> {
    const id = randomUUID();
    await ensureDir(this.firmwareDir);
    const stored = await receiveFile(source, joinPath(this.firmwareDir, id), this.maxFirmwareBytes);
    const file: FirmwareFile = { id, name: safeFileName(name, 'firmware.bin'), ...stored, uploadedAtMs: this.options.clock.nowMs() };
    this.options.db.prepare('INSERT INTO firmware_files (id, name, size, sha256, uploaded_at_ms) VALUES (?, ?, ?, ?, ?)')
      .run(file.id, file.name, file.size, file.sha256, file.uploadedAtMs);
    this.options.logger.info({ id, name: file.name, size: file.size, sha256: file.sha256 }, 'firmware: file uploaded');
    return file;
  }

  firmwareFiles(): FirmwareFile[] {
    return (this.options.db.prepare('SELECT * FROM firmware_files ORDER BY uploaded_at_ms DESC').all() as FirmwareRow[]).map(toFirmware);
  }

  firmwareFile(id: string): FirmwareFile | undefined {
    const row = this.options.db.prepare('SELECT * FROM firmware_files WHERE id = ?').get(id) as FirmwareRow | undefined;
    return row !== undefined ? toFirmware(row) : undefined;
  }

  async removeFirmware(id: string): Promise<boolean> {
    const removed = this.options.db.prepare('DELETE FROM firmware_files WHERE id = ?').run(id).changes > 0;
    if (removed) await rm(joinPath(this.firmwareDir, id), { force: true });
    return removed;
  }

  /** UpdateFirmware (1.6) / UpdateFirmware with firmware.location (2.0.1) pointing at a fresh per-job URL. */
  async startFirmware(chargerId: string, fileId: string, retrieveAtMs?: number): Promise<{ job: ChargerJob; answer: ChargerAnswer }> {
    const target = this.options.control.online(chargerId);
    const file = this.firmwareFile(fileId);
    if (file === undefined) throw new ControlError(404, 'firmware_not_found', `no firmware file with id "${fileId}"`);
    const nowMs = this.options.clock.nowMs();
    const retrieveMs = Math.max(nowMs, retrieveAtMs ?? nowMs);
    const token = newToken();
    const id = this.createJob(chargerId, 'firmware', token, retrieveMs + this.lifetimeMs, file.id);
    const location = `${this.options.filesBaseUrl(chargerId)}/files/firmware/${token}/${encodeURIComponent(file.name)}`;
    const retrieve = new Date(retrieveMs).toISOString();
    const request = target.protocol === 'ocpp1.6'
      ? { location, retrieveDate: retrieve, retries: 3, retryInterval: 60 }
      : { requestId: id, retries: 3, retryInterval: 60, firmware: { location, retrieveDateTime: retrieve } };
    return { job: this.job(id)!, answer: await this.askFor(id, target, 'UpdateFirmware', request) };
  }

  /** GetDiagnostics (1.6) / GetLog (2.0.1) with an upload URL on Sunplug. */
  async startDiagnostics(chargerId: string, range: { fromMs?: number | undefined; toMs?: number | undefined } = {}): Promise<{ job: ChargerJob; answer: ChargerAnswer }> {
    const target = this.options.control.online(chargerId);
    const token = newToken();
    const id = this.createJob(chargerId, 'diagnostics', token, this.options.clock.nowMs() + this.lifetimeMs);
    const location = `${this.options.filesBaseUrl(chargerId)}/files/diagnostics/${token}`;
    const from = range.fromMs !== undefined ? new Date(range.fromMs).toISOString() : undefined;
    const to = range.toMs !== undefined ? new Date(range.toMs).toISOString() : undefined;
    const request = target.protocol === 'ocpp1.6'
      ? { location, retries: 3, retryInterval: 60, ...(from !== undefined ? { startTime: from } : {}), ...(to !== undefined ? { stopTime: to } : {}) }
      : {
        logType: 'DiagnosticsLog', requestId: id, retries: 3, retryInterval: 60,
        log: { remoteLocation: location, ...(from !== undefined ? { oldestTimestamp: from } : {}), ...(to !== undefined ? { latestTimestamp: to } : {}) },
      };
    return { job: this.job(id)!, answer: await this.askFor(id, target, target.protocol === 'ocpp1.6' ? 'GetDiagnostics' : 'GetLog', request) };
  }

  jobs(chargerId: string, limit = 50): ChargerJob[] {
    this.expire();
    const rows = this.options.db.prepare('SELECT * FROM charger_jobs WHERE charger_id = ? ORDER BY id DESC LIMIT ?').all(chargerId, limit) as JobRow[];
    return rows.map((row) => this.toJob(row));
  }

  job(id: number): ChargerJob | undefined {
    const row = this.options.db.prepare('SELECT * FROM charger_jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row !== undefined ? this.toJob(row) : undefined;
  }

  /** The open job a /files URL token belongs to (expired or finished jobs have none). */
  openJobByToken(kind: JobKind, token: string): ChargerJob | undefined {
    this.expire();
    const row = this.options.db.prepare('SELECT * FROM charger_jobs WHERE token_hash = ? AND kind = ? AND open = 1').get(hashToken(token), kind) as JobRow | undefined;
    return row !== undefined ? this.toJob(row) : undefined;
  }

  firmwarePath(fileId: string): string {
    return joinPath(this.firmwareDir, fileId);
  }

  uploadPath(jobId: number): string {
    return joinPath(this.diagnosticsDir, String(jobId));
  }

  /** Stores a charger's diagnostics upload for an open job (raw or the first file of a multipart body). */
  async receiveDiagnostics(job: ChargerJob, source: Readable, contentType: string | undefined, name: string | undefined): Promise<ChargerJob> {
    await ensureDir(this.diagnosticsDir);
    const path = this.uploadPath(job.id);
    let stored: { size: number; sha256: string; name?: string } = await receiveFile(source, path, this.maxDiagnosticsBytes);
    stored = (await unwrapMultipart(path, contentType)) ?? stored;
    const fileName = safeFileName(stored.name ?? name ?? '', `diagnostics-${job.chargerId}-${job.id}.log`);
    this.options.db.prepare('UPDATE charger_jobs SET upload_name = ?, upload_size = ?, upload_sha256 = ?, updated_at_ms = ? WHERE id = ?')
      .run(fileName, stored.size, stored.sha256, this.options.clock.nowMs(), job.id);
    this.options.logger.info({ chargerId: job.chargerId, jobId: job.id, size: stored.size }, 'diagnostics: upload received');
    return this.job(job.id)!;
  }

  /** Inbound handlers for the job status notifications of both versions (see charger-hooks.ts). */
  inboundHandlers(chargerId: string, protocol: string): Array<readonly [string, (call: InboundCall) => object]> {
    const record = (kind: JobKind) => (call: InboundCall): object => {
      const { status, requestId } = (typeof call.params === 'object' && call.params !== null ? call.params : {}) as Record<string, unknown>;
      if (typeof status === 'string') this.onStatus(chargerId, kind, status, typeof requestId === 'number' ? requestId : undefined);
      return {};
    };
    return protocol === 'ocpp1.6'
      ? [['FirmwareStatusNotification', record('firmware')], ['DiagnosticsStatusNotification', record('diagnostics')]]
      : [['FirmwareStatusNotification', record('firmware')], ['LogStatusNotification', record('diagnostics')]];
  }

  /** A status notification: the job named by requestId (2.0.1), else the charger's latest job of that kind. */
  onStatus(chargerId: string, kind: JobKind, status: string, requestId?: number): void {
    const row = (requestId !== undefined
      ? this.options.db.prepare('SELECT * FROM charger_jobs WHERE id = ? AND charger_id = ? AND kind = ?').get(requestId, chargerId, kind)
      : this.options.db.prepare('SELECT * FROM charger_jobs WHERE charger_id = ? AND kind = ? ORDER BY id DESC LIMIT 1').get(chargerId, kind)) as JobRow | undefined;
    if (row === undefined) {
      this.options.logger.info({ chargerId, kind, status }, 'jobs: status for no job of ours');
      return;
    }
    // Idle answers a TriggerMessage when nothing runs; it says nothing about our job once that has moved on.
    if (status === 'Idle' && row.status !== 'requested' && row.status !== 'Accepted') return;
    this.setStatus(row.id, status);
  }

  private askFor(id: number, target: Parameters<ChargerControl['ask']>[0], method: string, request: object): Promise<ChargerAnswer> {
    return this.options.control.ask(target, method, request).then((answer) => {
      // The charger's first status notification may overtake its answer: the answer then only joins the history.
      this.setStatus(id, answer.status, { onlyIfStatus: 'requested' });
      return answer;
    }, (error: unknown) => {
      this.setStatus(id, 'Failed');
      throw error;
    });
  }

  private get lifetimeMs(): number {
    return this.options.jobLifetimeMs ?? 24 * 3_600_000;
  }

  private createJob(chargerId: string, kind: JobKind, token: string, expiresAtMs: number, firmwareId?: string): number {
    const nowMs = this.options.clock.nowMs();
    const row = this.options.db.prepare(`INSERT INTO charger_jobs (charger_id, kind, token_hash, firmware_id, status, history, created_at_ms, updated_at_ms, expires_at_ms)
      VALUES (?, ?, ?, ?, 'requested', ?, ?, ?, ?) RETURNING id`)
      .get(chargerId, kind, hashToken(token), firmwareId ?? null, JSON.stringify([{ status: 'requested', atMs: nowMs }]), nowMs, nowMs, expiresAtMs) as { id: number };
    return row.id;
  }

  private setStatus(id: number, status: string, options: { onlyIfStatus?: string } = {}): void {
    const row = this.options.db.prepare('SELECT status, history FROM charger_jobs WHERE id = ?').get(id) as { status: string; history: string } | undefined;
    if (row === undefined) return;
    const nowMs = this.options.clock.nowMs();
    const history = [...(JSON.parse(row.history) as JobStatusEntry[]), { status, atMs: nowMs }].slice(-50);
    const final = FINAL.has(status) || status === 'Failed';
    const current = options.onlyIfStatus === undefined || row.status === options.onlyIfStatus || final ? status : row.status;
    this.options.db.prepare('UPDATE charger_jobs SET status = ?, history = ?, updated_at_ms = ?, open = open * ? WHERE id = ?')
      .run(current, JSON.stringify(history), nowMs, final ? 0 : 1, id);
  }

  private expire(): void {
    this.options.db.prepare('UPDATE charger_jobs SET open = 0 WHERE open = 1 AND expires_at_ms <= ?').run(this.options.clock.nowMs());
  }

  private toJob(row: JobRow): ChargerJob {
    const firmware = row.firmware_id !== null ? this.firmwareFile(row.firmware_id) : undefined;
    return {
      id: row.id, chargerId: row.charger_id, kind: row.kind, status: row.status, open: row.open === 1,
      history: JSON.parse(row.history) as JobStatusEntry[], createdAtMs: row.created_at_ms, updatedAtMs: row.updated_at_ms,
      expiresAtMs: row.expires_at_ms,
      ...(firmware !== undefined ? { firmware: { id: firmware.id, name: firmware.name, sha256: firmware.sha256 } } : {}),
      ...(row.upload_name !== null && row.upload_size !== null && row.upload_sha256 !== null
        ? { upload: { name: row.upload_name, size: row.upload_size, sha256: row.upload_sha256 } } : {}),
    };
  }
}

function toFirmware(row: FirmwareRow): FirmwareFile {
  return { id: row.id, name: row.name, size: row.size, sha256: row.sha256, uploadedAtMs: row.uploaded_at_ms };
}
