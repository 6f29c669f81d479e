/**
 * Planning block reads: the registers a meter needs, merged into as few requests as possible. Only touching or
 * overlapping ranges are merged, never ranges with a gap between them: many devices (SMA among them) answer a read
 * that covers an undefined register with an exception, which would fail values that read fine on their own. A value
 * is never split across two requests, and no request exceeds `maxCount` (125 by the protocol, less for devices
 * such as some SDM72 that refuse long reads).
 */
import { MAX_READ_REGISTERS } from '../modbus/modbus-link.ts';

export type FunctionCode = 3 | 4;

/** A run of registers in one table: `count` registers from `address`. */
export interface RegisterRange {
  fc: FunctionCode;
  address: number;
  count: number;
}

export function planBlocks(ranges: readonly RegisterRange[], maxCount = MAX_READ_REGISTERS): RegisterRange[] {
  if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > MAX_READ_REGISTERS) {
    throw new RangeError(`a block read is 1..${MAX_READ_REGISTERS} registers, not ${maxCount}`);
  }
  const blocks: RegisterRange[] = [];
  for (const fc of [3, 4] as const) {
    const sorted = ranges.filter((r) => r.fc === fc).sort((a, b) => a.address - b.address || b.count - a.count);
    let current: RegisterRange | undefined;
    for (const range of sorted) {
      if (range.count > maxCount) throw new RangeError(`${range.count} registers at ${range.address} do not fit a read of ${maxCount}`);
      const end = range.address + range.count;
      if (current !== undefined && range.address <= current.address + current.count
        && Math.max(end, current.address + current.count) - current.address <= maxCount) {
        current.count = Math.max(end, current.address + current.count) - current.address;
      } else {
        current = { fc, address: range.address, count: range.count };
        blocks.push(current);
      }
    }
  }
  return blocks;
}

/** True when `inner` lies completely inside `outer`. */
export function covers(outer: RegisterRange, inner: RegisterRange): boolean {
  return outer.fc === inner.fc && inner.address >= outer.address && inner.address + inner.count <= outer.address + outer.count;
}
