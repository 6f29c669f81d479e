import type { MeterReading } from '../domain/meter-reading.ts';

/**
 * A meter, inverter or battery that Sunplug reads. `read` resolves with one reading already normalised to the
 * domain sign convention (see domain/meter-reading.ts) or rejects with an Error saying what went wrong.
 */
export interface MeterDriver {
  readonly id: string;
  read(signal?: AbortSignal): Promise<MeterReading>;
  close(): Promise<void>;
}
