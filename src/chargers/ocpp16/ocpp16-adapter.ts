import type { ChargeLimit } from '../../domain/charge-limit.ts';
import type { TransactionEvent } from '../../domain/charging-session.ts';
import type { ChargerState } from '../../domain/charger-state.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ApplyResult } from '../charger-adapter.ts';
import { ChargerOfflineError, tokenInfo, type ChargerHooks, type IdTokenOrigin } from '../charger-hooks.ts';
import { LimitCompliance } from '../limit-compliance.ts';
import type { InboundCall, OcppConnection } from '../ocpp-rpc-types.ts';
import type { ProtocolAdapter, ProtocolAdapterContext } from '../protocol-adapter.ts';
import { findQuirk, type ChargerQuirk, type QuirkTable } from '../quirks/charger-quirks.ts';
import type { SmartChargingReport } from '../smart-charging-report.ts';
import { WriteBudget } from '../write-budget.ts';
import type { Ocpp16Capabilities } from './charger-configuration.ts';
import { configureMetering, readCapabilities, triggerBootNotification, triggerStatusNotification } from './charger-setup.ts';
import { ConnectorSession } from './connector-session.ts';
import { bootNotificationSchema, isoTime } from './messages.ts';
import { ProfileWriter, type ChargerFacts } from './profile-writer.ts';

export interface Ocpp16AdapterOptions extends ProtocolAdapterContext {
  /** The connector Sunplug controls. Default 1 (one-connector home wallboxes). */
  connectorId?: number;
  /** MeterValueSampleInterval written after boot, s. Default 10. */
  meterValueSampleIntervalS?: number;
  /** Heartbeat interval granted in BootNotification, s. Default 60. */
  heartbeatIntervalS?: number;
  /** Fixed id of Sunplug's TxDefaultProfile, so each write replaces the last. Default 1001. */
  chargingProfileId?: number;
  /**
   * Stack level of that profile, capped by the charger's ChargeProfileMaxStackLevel. Default 1: level 0 stays free
   * for a fail-safe default profile beneath it (DESIGN.md safety model 3).
   */
  stackLevel?: number;
  /**
   * A charger that connects without a BootNotification is configured after this long anyway, ms; one Sunplug has
   * not seen boot since it started is first asked for one (TriggerMessage). Default 5000.
   */
  bootWaitMs?: number;
  /**
   * The site's safe current per phase, A. When set, the adapter runs in fail-safe mode (DESIGN.md safety model 3;
   * see profile-writer.ts): a safe default profile at stack level 0, and every limit above it expires unless
   * renewed. Without it, limits are written as plain open-ended profiles.
   */
  safeCurrentA?: number;
  /** Phases the charger is wired for (turns the safe current into W for power-only chargers). Default 3. */
  phases?: 1 | 3;
  /** Lifetime of a dynamic limit before the charger falls back to the safe current, s. Default 900. */
  profileExpiryS?: number;
  /** Profile writes per rolling 24 h; safety reductions and pauses always go through. Default 480. */
  writeBudgetPerDay?: number;
  /** The charger quirks table (devices/chargers/quirks.yaml); the entry matching the boot's vendor/model applies. */
  quirks?: QuirkTable;
  /** Ask for the composite schedule after each new limit, as evidence it took effect (fail-safe mode). Default true. */
  verifyWithCompositeSchedule?: boolean;
  /** Time a charger gets to show a new limit in Current.Offered before it counts as ignoring it, ms. Default 30000. */
  complianceGraceMs?: number;
  /** Card authorization, job status notifications and the online signal (see charger-hooks.ts). */
  hooks?: ChargerHooks;
}

export const DEFAULT_PROFILE_EXPIRY_S = 900;
export const DEFAULT_WRITE_BUDGET_PER_DAY = 480;

export interface Ocpp16BootInfo {
  vendor?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
}

const ACK = {};

/** Sunplug's side of one OCPP 1.6J charger (connector 1 for now). See protocol-adapter.ts for its lifetime. */
export class Ocpp16Adapter implements ProtocolAdapter {
  readonly protocol = 'ocpp1.6';
  readonly id: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly voltageV: number;
  private readonly connectorId: number;
  private readonly meterValueSampleIntervalS: number;
  private readonly heartbeatIntervalS: number;
  private readonly bootWaitMs: number;
  private readonly quirks: QuirkTable;
  private readonly writeBudgetPerDay: number;
  private readonly budget: WriteBudget;
  private readonly compliance: LimitCompliance;
  private readonly writer: ProfileWriter;
  private readonly hooks: ChargerHooks;

  private connection: OcppConnection | undefined;
  private readonly session: ConnectorSession;
  private boot: Ocpp16BootInfo = {};
  private caps: Ocpp16Capabilities = {};
  private quirk: ChargerQuirk | undefined;
  /**
   * Settles (never rejects) when the set-up after boot that limits depend on has finished (the capability read, and
   * in fail-safe mode the safe default profile); applyLimit waits for it.
   */
  private ready: Promise<void> = Promise.resolve();
  private bootWait: AbortController | undefined;
  private readonly listeners = new Set<(state: ChargerState) => void>();
  private readonly transactionListeners = new Set<(event: TransactionEvent) => void>();

  constructor(options: Ocpp16AdapterOptions) {
    this.id = options.id;
    this.clock = options.clock;
    this.logger = options.logger;
    this.voltageV = options.voltageV;
    this.connectorId = options.connectorId ?? 1;
    this.meterValueSampleIntervalS = options.meterValueSampleIntervalS ?? 10;
    this.heartbeatIntervalS = options.heartbeatIntervalS ?? 60;
    this.bootWaitMs = options.bootWaitMs ?? 5000;
    this.quirks = options.quirks ?? [];
    this.hooks = options.hooks ?? {};
    this.writeBudgetPerDay = options.writeBudgetPerDay ?? DEFAULT_WRITE_BUDGET_PER_DAY;
    this.budget = new WriteBudget(this.writeBudgetPerDay);
    this.compliance = new LimitCompliance(options.complianceGraceMs !== undefined ? { graceMs: options.complianceGraceMs } : {});
    this.writer = new ProfileWriter({
      clock: this.clock, logger: this.logger, connectorId: this.connectorId, voltageV: this.voltageV,
      phases: options.phases ?? 3,
      chargingProfileId: options.chargingProfileId ?? 1001,
      stackLevel: options.stackLevel ?? 1,
      ...(options.safeCurrentA !== undefined ? { safeCurrentA: options.safeCurrentA } : {}),
      profileExpiryS: options.profileExpiryS ?? DEFAULT_PROFILE_EXPIRY_S,
      budget: this.budget,
      compliance: this.compliance,
      verifyWithCompositeSchedule: options.verifyWithCompositeSchedule ?? true,
      facts: () => this.facts(),
    });
    this.session = new ConnectorSession({
      id: this.id, connectorId: this.connectorId, clock: this.clock, logger: this.logger,
      transactionIds: options.transactionIds, onChange: () => this.emit(),
      onTransaction: (event) => {
        for (const listener of this.transactionListeners) listener(event);
      },
    });
  }

  snapshot(): ChargerState {
    return this.session.snapshot();
  }

  onTransaction(listener: (event: TransactionEvent) => void): () => void {
    this.transactionListeners.add(listener);
    return () => this.transactionListeners.delete(listener);
  }

  onStateChange(listener: (state: ChargerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the charger said in its last BootNotification. */
  get bootInfo(): Readonly<Ocpp16BootInfo> {
    return this.boot;
  }

  /** What the charger said in GetConfiguration after boot. */
  get capabilities(): Readonly<Ocpp16Capabilities> {
    return this.caps;
  }

  /** The idTag of the running transaction, for vehicle identification. */
  get idTag(): string | undefined {
    return this.session.idTag;
  }

  /** The quirks-table entry that matched the last BootNotification. */
  get appliedQuirk(): ChargerQuirk | undefined {
    return this.quirk;
  }

  /**
   * True when the charger's own reports (Current.Offered, its composite schedule) show it does not hold the limit it
   * accepted. The control layer shows it; a fuse reduction cannot be trusted to such a charger.
   */
  get ignoresLimits(): boolean {
    return this.compliance.report().status === 'ignoring';
  }

  /** Profiles, write budget, compliance and quirk of this charger, for the API and the dashboard. */
  smartChargingReport(): SmartChargingReport {
    return {
      protocol: this.protocol,
      ...(this.quirk !== undefined ? { quirk: { id: this.quirk.id, summary: this.quirk.summary } } : {}),
      ignoresLimits: this.ignoresLimits,
      compliance: this.compliance.report(),
      profiles: this.writer.report(),
    };
  }

  attach(connection: OcppConnection): void {
    this.bootWait?.abort();
    this.connection = connection;
    // A new socket may follow a reboot that lost a non-persistent profile: the next limit is always written.
    this.writer.attach(connection);
    this.registerHandlers(connection);
    this.configureWithoutBootAfterWait(connection);
    this.session.setConnected(true);
  }

  detach(connection: OcppConnection): boolean {
    if (connection !== this.connection) return false;
    this.connection = undefined;
    this.bootWait?.abort();
    this.writer.detach(connection);
    this.session.setConnected(false);
    return true;
  }

  /** True while the charger has a live connection. */
  get online(): boolean {
    return this.connection !== undefined;
  }

  /** Sends any CALL to the charger (installer actions); rejects with ChargerOfflineError without a connection. */
  async call(method: string, params: object): Promise<unknown> {
    const connection = this.connection;
    if (connection === undefined) throw new ChargerOfflineError(this.id);
    return connection.call(method, params);
  }

  async applyLimit(limit: ChargeLimit): Promise<ApplyResult> {
    if (limit.chargerId !== this.id) this.logger.warn({ limitFor: limit.chargerId }, 'ocpp16: limit for another charger');
    const connection = this.connection;
    if (connection === undefined) return { outcome: 'offline', detail: 'not connected' };
    await this.ready;
    if (connection !== this.connection) return { outcome: 'offline', detail: 'disconnected' };
    // The writer runs one write at a time, so 'unchanged' compares against what the charger really accepted last.
    return this.writer.write(limit);
  }

  private registerHandlers(connection: OcppConnection): void {
    const handle = (method: string, handler: (call: InboundCall) => unknown): void =>
      connection.handle(method, async (call) => handler(call));
    handle('BootNotification', (call) => this.onBootNotification(connection, call));
    handle('Heartbeat', () => ({ currentTime: isoTime(this.clock.nowMs()) }));
    handle('StatusNotification', (call) => this.session.onStatusNotification(call.params));
    handle('Authorize', (call) => ({ idTagInfo: this.idTagInfo(call.params, 'Authorize') }));
    // The transaction is recorded whatever the card's verdict: a refused one is stopped by the charger (DeAuthorized).
    handle('StartTransaction', (call) => ({ ...this.session.onStartTransaction(call.params), idTagInfo: this.idTagInfo(call.params, 'StartTransaction') }));
    handle('StopTransaction', (call) => this.session.onStopTransaction(call.params));
    handle('MeterValues', (call) => this.session.onMeterValues(call.params));
    handle('DataTransfer', () => ({ status: 'Accepted' }));
    handle('DiagnosticsStatusNotification', () => ACK);
    handle('FirmwareStatusNotification', () => ACK);
    // OCPP 1.6 security extension; the server records the event (security/security-events.ts), this only acknowledges.
    handle('SecurityEventNotification', () => ACK);
    for (const [method, handler] of this.hooks.inboundHandlers?.(this.id, this.protocol) ?? []) handle(method, handler);
    // Anything else gets ocpp-rpc's NotImplemented CALLERROR.
  }

  /** Every idTag is accepted unless the hooks (the card list) say otherwise. */
  private idTagInfo(params: unknown, origin: IdTokenOrigin): object {
    const idTag = typeof params === 'object' && params !== null ? (params as { idTag?: unknown }).idTag : undefined;
    if (typeof idTag !== 'string' || this.hooks.authorize === undefined) return { status: 'Accepted' };
    return tokenInfo(this.hooks.authorize({ chargerId: this.id, idToken: idTag, origin }));
  }

  private onBootNotification(connection: OcppConnection, call: InboundCall): object {
    const parsed = bootNotificationSchema.safeParse(call.params);
    if (parsed.success) {
      const p = parsed.data;
      this.boot = { vendor: p.chargePointVendor, model: p.chargePointModel, serialNumber: p.chargePointSerialNumber, firmwareVersion: p.firmwareVersion };
    } else {
      this.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable BootNotification; accepting anyway');
    }
    this.logger.info({ ...this.boot }, 'ocpp16: boot');
    this.applyQuirk(findQuirk(this.quirks, this.boot));
    this.bootWait?.abort();
    this.writer.rebooted();
    // Configure only once our answer is on the wire: a charger may ignore CALLs before its boot is accepted.
    void connection.afterReply(call.messageId).then((sent) => {
      if (sent) this.configure(connection);
    });
    return { status: 'Accepted', currentTime: isoTime(this.clock.nowMs()), interval: this.heartbeatIntervalS };
  }

  /**
   * Reads capabilities, installs the safe default profile (fail-safe mode), then sets the measurands and sample
   * interval; each step fails on its own, logged.
   */
  private configure(connection: OcppConnection): void {
    if (connection !== this.connection) return;
    const read = readCapabilities(connection, this.logger).then((capabilities) => {
      if (capabilities !== undefined && connection === this.connection) this.caps = capabilities;
    });
    // Limits wait for the safe default; metering is set up alongside (the connection sends one CALL at a time).
    this.ready = read.then(() => this.writer.install()).catch((error: unknown) => {
      this.logger.error({ err: error }, 'ocpp16: profile set-up failed');
    });
    // Local list sync and the like follow the safe default profile (one CALL at a time on the connection).
    void this.ready.then(() => {
      if (connection === this.connection) this.hooks.online?.(this.id);
    });
    const setup = this.quirk?.setup;
    void read
      .then(() => configureMetering(connection, this.logger, setup?.meterValueSampleIntervalS ?? this.meterValueSampleIntervalS, {
        ...(setup?.excludeMeasurands !== undefined ? { exclude: setup.excludeMeasurands } : {}),
        ...(setup?.configureMeasurands !== undefined ? { configureMeasurands: setup.configureMeasurands } : {}),
      }))
      .then(() => {
        if (!this.session.statusKnown && connection === this.connection) {
          return triggerStatusNotification(connection, this.logger, this.connectorId);
        }
        return undefined;
      });
  }

  /**
   * For a charger that connects without booting (it only lost the network, or Sunplug restarted). If Sunplug has
   * not seen it boot since it started (so it does not know the vendor, nor which quirks apply), or its quirk says it
   * never boots by itself, it is asked for a BootNotification first; configuring then follows that boot.
   */
  private configureWithoutBootAfterWait(connection: OcppConnection): void {
    const wait = new AbortController();
    this.bootWait = wait;
    const askForBoot = this.boot.vendor === undefined || this.quirk?.setup?.triggerBootNotification === true;
    this.clock.sleep(this.bootWaitMs, wait.signal)
      .then(async () => {
        if (askForBoot && connection === this.connection && await triggerBootNotification(connection, this.logger)) {
          await this.clock.sleep(this.bootWaitMs, wait.signal);
        }
        if (!wait.signal.aborted) this.configure(connection);
      })
      .catch(() => { /* the boot came, or the charger went away */ });
  }

  private applyQuirk(quirk: ChargerQuirk | undefined): void {
    if (quirk?.id !== this.quirk?.id) this.logger.info({ quirk: quirk?.id ?? null }, 'ocpp16: charger quirks apply');
    this.quirk = quirk;
    this.budget.setPerDay(quirk?.smartCharging?.writeBudgetPerDay ?? this.writeBudgetPerDay);
    const offered = quirk?.smartCharging?.currentOffered;
    this.compliance.setUnverifiable(offered === 'absent' || offered === 'unreliable'
      ? `Current.Offered is ${offered} on this charger (quirk ${quirk?.id ?? ''})` : undefined);
  }

  private facts(): ChargerFacts {
    const transactionId = Number(this.session.snapshot().transactionId);
    return {
      capabilities: this.caps,
      ...(this.quirk?.smartCharging !== undefined ? { quirk: this.quirk.smartCharging } : {}),
      ...(Number.isInteger(transactionId) ? { transactionId } : {}),
    };
  }

  private emit(): void {
    const state = this.snapshot();
    this.compliance.observe(state);
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        this.logger.error({ err: error }, 'ocpp16: state listener failed');
      }
    }
  }
}
