import { z } from 'zod';

/**
 * The OCPP frames each charger exchanged with Sunplug, both directions, for installers ("what did the wallbox
 * answer to our SetChargingProfile?"). Bounded twice: a ring of the last `capacity` frames per charger, and at most
 * `maxChargers` chargers (the least recently active one is dropped first), so neither a chatty charger nor a swarm
 * of unknown ids can grow the heap.
 *
 * Secrets never enter the log: the Basic-auth password travels in the HTTP upgrade, not in frames, and inside
 * payloads every field named like a password, token, secret or key is replaced (recursively), as is the value of a
 * configuration key or device-model variable with such a name (1.6 ChangeConfiguration AuthorizationKey, 2.0.1
 * SetVariables SecurityCtrlr.BasicAuthPassword).
 */

export type FrameDirection = 'in' | 'out';

export interface OcppLogEntry {
  atMs: number;
  /** 'in' = from the charger, 'out' = from Sunplug. */
  direction: FrameDirection;
  kind: 'CALL' | 'CALLRESULT' | 'CALLERROR' | 'malformed';
  messageId?: string;
  /** The CALL's action; for results and errors, the action of the CALL they answer (when it was seen). */
  action?: string;
  /** The payload with secrets replaced; `{ truncated, preview }` for frames above the size bound. */
  payload?: unknown;
  errorCode?: string;
  errorDescription?: string;
  /** Size of the frame on the wire, bytes. */
  bytes: number;
}

export interface MessageLogOptions {
  /** Frames kept per charger. Default 500. */
  capacity?: number;
  /** Chargers kept. Default 64. */
  maxChargers?: number;
  /** Payloads larger than this (serialised, after redaction) are kept as a preview, bytes. Default 8192. */
  maxPayloadBytes?: number;
}

export const REDACTED = '[redacted]';
const SECRET_NAME = /pass(word|wd|phrase)?$|password|token|secret|authorizationkey|(^|[^a-z])key$|credential/i;
/** Field names that carry the NAME of a setting whose sibling `value` / `attributeValue` is the setting itself. */
const SETTING_VALUE_FIELDS = ['value', 'attributeValue'];
const MAX_DEPTH = 12;
const PREVIEW_CHARS = 1024;
/** Message ids of CALLs awaiting their answer, per direction; bounded like everything else here. */
const MAX_OPEN_CALLS = 64;

const callFrame = z.tuple([z.literal(2), z.string(), z.string(), z.unknown()]);
const resultFrame = z.tuple([z.literal(3), z.string(), z.unknown()]);
const errorFrame = z.tuple([z.literal(4), z.string(), z.string(), z.unknown(), z.unknown()]).or(z.tuple([z.literal(4), z.string(), z.string(), z.unknown()]));

class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.capacity ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

interface ChargerLog {
  frames: Ring<OcppLogEntry>;
  /** Actions of CALLs we sent (answered by 'in' results) and of CALLs we received (answered by 'out' results). */
  openCalls: Record<FrameDirection, Map<string, string>>;
}

export class OcppMessageLog {
  private readonly logs = new Map<string, ChargerLog>();
  private readonly capacity: number;
  private readonly maxChargers: number;
  private readonly maxPayloadBytes: number;

  constructor(options: MessageLogOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 500);
    this.maxChargers = Math.max(1, options.maxChargers ?? 64);
    this.maxPayloadBytes = Math.max(256, options.maxPayloadBytes ?? 8192);
  }

  /** Records one WebSocket text frame as it went over the wire. */
  record(chargerId: string, direction: FrameDirection, frame: string | Buffer, atMs: number): void {
    const text = typeof frame === 'string' ? frame : frame.toString('utf8');
    const log = this.logOf(chargerId);
    log.frames.push(this.entryOf(log, direction, text, atMs));
  }

  /** Newest first; at most `limit` (default: all kept). */
  entries(chargerId: string, limit?: number): OcppLogEntry[] {
    const frames = this.logs.get(chargerId)?.frames.toArray().reverse() ?? [];
    return limit === undefined ? frames : frames.slice(0, Math.max(0, limit));
  }

  /** Ids with a log, most recently active last. */
  chargerIds(): string[] {
    return [...this.logs.keys()];
  }

  private logOf(chargerId: string): ChargerLog {
    let log = this.logs.get(chargerId);
    if (log !== undefined) {
      // Re-insert: Map order doubles as recency, so eviction drops the charger silent for longest.
      this.logs.delete(chargerId);
    } else {
      log = { frames: new Ring(this.capacity), openCalls: { in: new Map(), out: new Map() } };
      if (this.logs.size >= this.maxChargers) {
        const oldest = this.logs.keys().next().value;
        if (oldest !== undefined) this.logs.delete(oldest);
      }
    }
    this.logs.set(chargerId, log);
    return log;
  }

  private entryOf(log: ChargerLog, direction: FrameDirection, text: string, atMs: number): OcppLogEntry {
    const bytes = Buffer.byteLength(text, 'utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { atMs, direction, kind: 'malformed', bytes, payload: { preview: scrubText(text) } };
    }
    const call = callFrame.safeParse(value);
    if (call.success) {
      const [, messageId, action, payload] = call.data;
      remember(log.openCalls[direction], messageId, action);
      return { atMs, direction, kind: 'CALL', messageId, action, payload: this.bounded(redactSecrets(payload)), bytes };
    }
    // A result travels the other way than the CALL it answers.
    const answered = log.openCalls[direction === 'in' ? 'out' : 'in'];
    const result = resultFrame.safeParse(value);
    if (result.success) {
      const [, messageId, payload] = result.data;
      const action = take(answered, messageId);
      return { atMs, direction, kind: 'CALLRESULT', messageId, ...(action ? { action } : {}), payload: this.bounded(redactSecrets(payload)), bytes };
    }
    const error = errorFrame.safeParse(value);
    if (error.success) {
      const [, messageId, errorCode, description, details] = error.data;
      const action = take(answered, messageId);
      return {
        atMs, direction, kind: 'CALLERROR', messageId, ...(action ? { action } : {}), errorCode,
        ...(typeof description === 'string' ? { errorDescription: description.slice(0, PREVIEW_CHARS) } : {}),
        ...(details !== undefined ? { payload: this.bounded(redactSecrets(details)) } : {}),
        bytes,
      };
    }
    return { atMs, direction, kind: 'malformed', bytes, payload: { preview: scrubText(text) } };
  }

  private bounded(payload: unknown): unknown {
    const serialised = JSON.stringify(payload) ?? '';
    if (Buffer.byteLength(serialised, 'utf8') <= this.maxPayloadBytes) return payload;
    return { truncated: true, preview: serialised.slice(0, PREVIEW_CHARS) };
  }
}

/** A copy of `value` with every secret replaced by `[redacted]`. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return REDACTED; // deeper than any OCPP payload: not worth the risk
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const record: Record<string, unknown> = { ...value };
  const settingIsSecret = [record.key, record.name, nameOf(record.variable)]
    .some((name) => typeof name === 'string' && SECRET_NAME.test(name));
  const copy: Record<string, unknown> = {};
  for (const [field, item] of Object.entries(record)) {
    if (SECRET_NAME.test(field) && field !== 'key') copy[field] = REDACTED;
    else if (settingIsSecret && SETTING_VALUE_FIELDS.includes(field)) copy[field] = REDACTED;
    else copy[field] = redactSecrets(item, depth + 1);
  }
  return copy;
}

function nameOf(variable: unknown): unknown {
  return typeof variable === 'object' && variable !== null && 'name' in variable ? variable.name : undefined;
}

/** An unparsable frame, shortened, with anything after a secret-looking word blanked. */
function scrubText(text: string): string {
  return text.slice(0, 200).replace(/(pass\w*|token\w*|secret\w*|\w*key)(\W+)[^,}\]]*/gi, `$1$2${REDACTED}`);
}

function remember(open: Map<string, string>, messageId: string, action: string): void {
  if (open.size >= MAX_OPEN_CALLS) {
    const oldest = open.keys().next().value;
    if (oldest !== undefined) open.delete(oldest);
  }
  open.set(messageId, action);
}

function take(open: Map<string, string>, messageId: string): string | undefined {
  const action = open.get(messageId);
  open.delete(messageId);
  return action;
}
