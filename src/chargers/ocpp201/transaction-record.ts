import type { MeterSample } from '../ocpp16/meter-values.ts';
import type { ChargingState201 } from './status.ts';

/**
 * One 2.0.1 transaction as Sunplug saw it, message by message. A charger numbers the TransactionEvents of a
 * transaction with seqNo; messages it queued while offline arrive late (offline = true, their original timestamps),
 * may follow newer ones, and a message whose answer was lost is sent again with the same seqNo. So the record keeps
 * its events ordered by seqNo, drops repeats, and lets only the newest event decide the charging state.
 */

export type TransactionEventType = 'Started' | 'Updated' | 'Ended';

export interface TransactionEventEntry {
  /** Absent only when the charger left it out (schema-invalid); such events are never treated as repeats. */
  seqNo?: number;
  eventType: TransactionEventType;
  triggerReason?: string;
  /** The message's own timestamp (when it happened at the charger), ms. */
  atMs: number;
  /** The charger queued it while it had no connection. */
  offline: boolean;
  chargingState?: ChargingState201;
  /** When Sunplug received it, ms. */
  receivedAtMs: number;
}

export class TransactionRecord {
  private readonly entries: TransactionEventEntry[] = [];
  private readonly seqNos = new Set<number>();
  private stateFrom: TransactionEventEntry | undefined;
  /** Energy register in the Started event, Wh: where the session's energy counts from. */
  private startRegisterWh: number | undefined;
  /** Registers of the other events, Wh. */
  private lowestRegisterWh: number | undefined;
  private highestRegisterWh: number | undefined;
  startedAtMs: number | undefined;
  endedAtMs: number | undefined;
  stoppedReason: string | undefined;
  idToken: string | undefined;

  constructor(readonly id: string) {}

  /** Adds an event in seqNo order; false when the same seqNo was already received (a retransmission). */
  add(entry: TransactionEventEntry): boolean {
    if (entry.seqNo !== undefined) {
      if (this.seqNos.has(entry.seqNo)) return false;
      this.seqNos.add(entry.seqNo);
    }
    const index = this.entries.findIndex((other) => comesBefore(entry, other));
    if (index < 0) this.entries.push(entry);
    else this.entries.splice(index, 0, entry);
    if (entry.eventType === 'Started' || this.startedAtMs === undefined) this.startedAtMs = Math.min(entry.atMs, this.startedAtMs ?? Infinity);
    if (entry.eventType === 'Ended') this.endedAtMs = entry.atMs;
    if (entry.chargingState !== undefined && (this.stateFrom === undefined || !comesBefore(entry, this.stateFrom))) this.stateFrom = entry;
    return true;
  }

  get ended(): boolean {
    return this.endedAtMs !== undefined;
  }

  /** The charging state of the newest event that reported one. */
  get chargingState(): ChargingState201 | undefined {
    return this.stateFrom?.chargingState;
  }

  /** Events received so far, in seqNo order. */
  get events(): readonly TransactionEventEntry[] {
    return [...this.entries];
  }

  /** seqNos between the lowest and highest received that never arrived (logged when the transaction ends). */
  missingSeqNos(): number[] {
    const numbers = [...this.seqNos];
    if (numbers.length === 0) return [];
    const missing: number[] = [];
    for (let n = Math.min(...numbers); n < Math.max(...numbers); n++) if (!this.seqNos.has(n)) missing.push(n);
    return missing;
  }

  /** Takes the energy registers of an event's samples; `atStart` for those of the Started event. */
  noteRegisters(samples: readonly MeterSample[], atStart: boolean): void {
    for (const sample of samples) {
      const energyWh = sample.energyWh;
      if (energyWh === undefined) continue;
      if (atStart && this.startRegisterWh === undefined) {
        this.startRegisterWh = energyWh;
        continue;
      }
      this.lowestRegisterWh = Math.min(energyWh, this.lowestRegisterWh ?? Infinity);
      this.highestRegisterWh = Math.max(energyWh, this.highestRegisterWh ?? -Infinity);
    }
  }

  /** Energy register at the start, Wh: the Started event's, else the lowest seen (a transaction adopted midway). */
  get meterStartWh(): number | undefined {
    const start = this.startRegisterWh;
    // A start register above a later reading is bogus (firmware glitch, meter swap): count from the lowest instead.
    if (start !== undefined && (this.highestRegisterWh === undefined || start <= this.highestRegisterWh)) return start;
    return this.lowestRegisterWh;
  }

  /** Energy charged so far, Wh, independent of the order in which the events arrived. */
  get sessionEnergyWh(): number | undefined {
    const start = this.meterStartWh;
    if (start === undefined) return undefined;
    return (this.highestRegisterWh ?? start) - start;
  }
}

/** seqNo order when both have one; otherwise the charger's timestamps decide. */
function comesBefore(a: TransactionEventEntry, b: TransactionEventEntry): boolean {
  if (a.seqNo !== undefined && b.seqNo !== undefined) return a.seqNo < b.seqNo;
  return a.atMs < b.atMs;
}
