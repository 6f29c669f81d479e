/**
 * Reading a few points of one model in as few requests as possible. No scale factor in the official models is
 * static, so a value and its scale factor must come from the same request: otherwise a device that re-ranges
 * between two requests gives a value ten times off. Each planned request is at most 125 registers.
 */
import { MAX_READ_REGISTERS } from '../modbus/modbus-link.ts';
import type { HoldingRegisterReader, SunSpecModelRef } from './discovery.ts';
import type { ModelLayout, PointLayout } from './model-definitions.ts';
import { applyScaleFactor, decodePoint, type PointValue } from './point-codec.ts';

/** A register range relative to the model start. */
export interface ReadRange {
  offset: number;
  count: number;
}

/**
 * Plans requests covering `names` (points missing from the layout are skipped) with their scale factors, plus the
 * model's ID register, which lets the reader check the model is still where discovery found it.
 */
export function planReads(layout: ModelLayout, names: readonly string[], maxCount = MAX_READ_REGISTERS): ReadRange[] {
  const spans: { start: number; end: number }[] = [{ start: 0, end: 1 }];
  for (const name of names) {
    const point = layout.point(name);
    if (point === undefined) continue;
    const sf = typeof point.sf === 'string' ? layout.point(point.sf) : undefined;
    const start = Math.min(point.offset, sf?.offset ?? Infinity);
    const end = Math.max(point.offset + point.size, sf === undefined ? 0 : sf.offset + sf.size);
    if (end - start > maxCount) throw new Error(`model ${layout.id}: ${name} and its scale factor do not fit one request`);
    spans.push({ start, end });
  }
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  const ranges: { start: number; end: number }[] = [];
  for (const span of spans) {
    const current = ranges.at(-1);
    if (current !== undefined && Math.max(current.end, span.end) - current.start <= maxCount) {
      current.end = Math.max(current.end, span.end);
    } else {
      ranges.push({ ...span });
    }
  }
  return ranges.map((r) => ({ offset: r.start, count: r.end - r.start }));
}

/** Decoded values of one model read; `scaled` applies the point's scale factor. */
export interface ModelValues {
  raw(name: string): PointValue | undefined;
  scaled(name: string): number | undefined;
}

/** Reads the planned ranges and checks the model ID; rejects with a plain Error when the model moved. */
export async function readModelPoints(
  reader: HoldingRegisterReader,
  unit: number,
  ref: SunSpecModelRef,
  layout: ModelLayout,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<ModelValues> {
  // Sparse copy of the model's registers, indexed by offset from the model start.
  const registers: number[] = [];
  for (const range of planReads(layout, names)) {
    const words = await reader.readHoldingRegisters(unit, ref.address + range.offset, range.count, signal);
    words.forEach((word, i) => (registers[range.offset + i] = word));
  }
  if (registers[0] !== ref.id) {
    throw new ModelMovedError(`expected model ${ref.id} at ${ref.address}, found ${String(registers[0])}`);
  }
  const raw = (point: PointLayout): PointValue | undefined => decodePoint(point.type, registers, point.offset, point.size);
  return {
    raw: (name) => {
      const point = layout.point(name);
      return point === undefined ? undefined : raw(point);
    },
    scaled: (name) => {
      const point = layout.point(name);
      if (point === undefined) return undefined;
      const value = raw(point);
      if (typeof value !== 'number') return undefined;
      if (point.sf === undefined) return value;
      if (typeof point.sf === 'number') return applyScaleFactor(value, point.sf);
      const sfPoint = layout.point(point.sf);
      const sf = sfPoint === undefined ? undefined : raw(sfPoint);
      return applyScaleFactor(value, typeof sf === 'number' ? sf : undefined);
    },
  };
}

/** The register map changed under us (firmware update, float/int switch): rediscover. */
export class ModelMovedError extends Error {
  override name = 'ModelMovedError';
}
