import { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';

/**
 * SecurityEventNotification from chargers (OCPP 2.0.1, and the OCPP 1.6 security extension, same payload:
 * `{ type, timestamp, techInfo? }`), kept per charger for the API and turned into a warning for the homeowner when
 * one needs attention.
 *
 * `critical` follows the OCPP security event list. Several critical events are routine at home (the charger started,
 * rebooted, set its clock, got new firmware, someone logged in for maintenance): those are kept but raise no
 * warning. What does raise one: signs of tampering or attack, and failed firmware or certificate checks.
 */

/** The OCPP 2.0.1 security events (part 2, appendix 1) with the spec's critical flag. */
const KNOWN_EVENTS: Readonly<Record<string, { critical: boolean; attention: boolean; text: string }>> = {
  FirmwareUpdated: { critical: true, attention: false, text: 'firmware was updated' },
  FailedToAuthenticateAtCsms: { critical: false, attention: true, text: 'the charger failed to authenticate at Sunplug' },
  CsmsFailedToAuthenticate: { critical: false, attention: true, text: 'Sunplug failed to authenticate at the charger' },
  SettingSystemTime: { critical: true, attention: false, text: 'the charger clock was set' },
  StartupOfTheDevice: { critical: true, attention: false, text: 'the charger started' },
  ResetOrReboot: { critical: true, attention: false, text: 'the charger rebooted' },
  SecurityLogWasCleared: { critical: true, attention: true, text: 'the charger security log was cleared' },
  ReconfigurationOfSecurityParameters: { critical: false, attention: false, text: 'security settings were changed' },
  MemoryExhaustion: { critical: true, attention: true, text: 'the charger ran out of memory' },
  InvalidMessages: { critical: false, attention: false, text: 'the charger received invalid messages' },
  AttemptedReplayAttacks: { critical: false, attention: true, text: 'a replay attack was attempted' },
  TamperDetectionActivated: { critical: true, attention: true, text: 'tampering detected at the charger' },
  InvalidFirmwareSignature: { critical: false, attention: true, text: 'firmware with an invalid signature was refused' },
  InvalidFirmwareSigningCertificate: { critical: false, attention: true, text: 'a firmware signing certificate was refused' },
  InvalidCsmsCertificate: { critical: false, attention: true, text: "the charger refused Sunplug's certificate" },
  InvalidChargingStationCertificate: { critical: false, attention: true, text: 'an invalid charger certificate was installed' },
  InvalidTLSVersion: { critical: false, attention: false, text: 'a TLS connection used a version the charger refuses' },
  InvalidTLSCipherSuite: { critical: false, attention: false, text: 'a TLS connection used a cipher suite the charger refuses' },
  MaintenanceLoginAccepted: { critical: true, attention: false, text: 'a maintenance login was accepted' },
  MaintenanceLoginFailed: { critical: true, attention: true, text: 'a maintenance login failed' },
};

const securityEventSchema = z.object({
  type: z.string().min(1).max(50),
  timestamp: z.string(),
  techInfo: z.string().max(255).optional(),
});

export interface SecurityEvent {
  /** When it happened at the charger (its timestamp), ms; the receive time when that is unreadable. */
  atMs: number;
  receivedAtMs: number;
  type: string;
  techInfo?: string;
  /** Critical in the OCPP security event list (unknown vendor types: false). */
  critical: boolean;
  /** Shown to the homeowner as a warning. */
  attention: boolean;
  text: string;
}

export interface SecurityEventLogOptions {
  logger: Logger;
  /** Events kept per charger (oldest dropped). Default 100. */
  maxPerCharger?: number;
  /** How long an attention event stays a warning in the state, ms. Default 24 h. */
  warningForMs?: number;
  /** Chargers whose events are kept at once (ids beyond are not recorded). Default 64. */
  maxChargers?: number;
}

export class SecurityEventLog {
  private readonly byCharger = new Map<string, SecurityEvent[]>();

  constructor(private readonly options: SecurityEventLogOptions) {}

  /** Records a SecurityEventNotification payload; returns the event, or undefined when it is unreadable. */
  record(chargerId: string, params: unknown, receivedAtMs: number): SecurityEvent | undefined {
    const { logger } = this.options;
    const parsed = securityEventSchema.safeParse(params);
    if (!parsed.success) {
      logger.warn({ chargerId, issues: parsed.error.issues.length }, 'ocpp: unreadable SecurityEventNotification');
      return undefined;
    }
    const { type, timestamp, techInfo } = parsed.data;
    const known = KNOWN_EVENTS[type];
    const chargerTime = Date.parse(timestamp);
    const event: SecurityEvent = {
      atMs: Number.isFinite(chargerTime) ? chargerTime : receivedAtMs,
      receivedAtMs,
      type,
      ...(techInfo !== undefined ? { techInfo } : {}),
      critical: known?.critical ?? false,
      attention: known?.attention ?? false,
      text: known?.text ?? `security event ${type}`,
    };
    let list = this.byCharger.get(chargerId);
    if (list === undefined) {
      if (this.byCharger.size >= (this.options.maxChargers ?? 64)) return event;
      list = [];
      this.byCharger.set(chargerId, list);
    }
    list.push(event);
    const max = this.options.maxPerCharger ?? 100;
    if (list.length > max) list.splice(0, list.length - max);
    const fields = { chargerId, type, techInfo, critical: event.critical };
    if (event.attention) logger.warn(fields, `ocpp: security event: ${event.text}`);
    else logger.info(fields, `ocpp: security event: ${event.text}`);
    return event;
  }

  /** A charger's events, newest first. */
  events(chargerId: string, limit = 100): SecurityEvent[] {
    const list = this.byCharger.get(chargerId) ?? [];
    return list.slice(-Math.max(0, limit)).reverse().map((event) => ({ ...event }));
  }

  /** The newest attention event of the last `warningForMs` in words, for the state; undefined when there is none. */
  warning(chargerId: string, nowMs: number): string | undefined {
    const list = this.byCharger.get(chargerId) ?? [];
    const windowMs = this.options.warningForMs ?? 86_400_000;
    for (let i = list.length - 1; i >= 0; i--) {
      const event = list[i];
      if (event === undefined || nowMs - event.receivedAtMs > windowMs) break;
      if (event.attention) return `Security: ${event.text}${event.techInfo !== undefined ? ` (${event.techInfo})` : ''}`;
    }
    return undefined;
  }
}
