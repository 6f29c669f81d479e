/**
 * Serial line settings of an RS-485 bus (Modbus RTU). Kept apart from the link so that the config schema can check
 * them without loading the Modbus client.
 */
export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;
export const SERIAL_PARITIES = ['none', 'even', 'odd'] as const;
export type SerialParity = (typeof SERIAL_PARITIES)[number];

export interface SerialLineSettings {
  /** The serial device, e.g. /dev/ttyUSB0. */
  path: string;
  baudRate: number;
  parity: SerialParity;
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

/**
 * Modbus RTU marks the end of a frame with 3.5 character times of silence; above 19200 baud the spec fixes it at
 * 1.75 ms. A character is a start bit, the data bits, the parity bit if any, and the stop bits.
 */
export function rtuFrameGapMs(line: Pick<SerialLineSettings, 'baudRate' | 'parity' | 'dataBits' | 'stopBits'>): number {
  if (line.baudRate > 19200) return 1.75;
  const bits = 1 + line.dataBits + (line.parity === 'none' ? 0 : 1) + line.stopBits;
  return (3.5 * bits * 1000) / line.baudRate;
}

/** "9600 8N1". */
export function lineName(line: Pick<SerialLineSettings, 'baudRate' | 'parity' | 'dataBits' | 'stopBits'>): string {
  return `${line.baudRate} ${line.dataBits}${line.parity[0]!.toUpperCase()}${line.stopBits}`;
}
