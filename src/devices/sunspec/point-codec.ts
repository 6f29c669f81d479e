/**
 * SunSpec point values <-> Modbus registers. Registers are 16-bit words, big-endian, high word first (SunSpec
 * mandates it for every multi-register type). Each type has a "not implemented" pattern (sunspec2/mb.py); decoding
 * turns it into `undefined`, encoding `undefined` writes it. Values are raw (unscaled) here; `applyScaleFactor`
 * does raw × 10^sf.
 */

export const POINT_TYPES = [
  'int16', 'int32', 'int64', 'raw16', 'uint16', 'uint32', 'uint64', 'acc16', 'acc32', 'acc64',
  'bitfield16', 'bitfield32', 'bitfield64', 'enum16', 'enum32', 'float32', 'float64', 'string', 'pad',
  'ipaddr', 'ipv6addr', 'eui48', 'sunssf', 'count',
] as const;

export type PointType = (typeof POINT_TYPES)[number];

/** A decoded raw value: numbers for numeric types, text for string/ipaddr/ipv6addr/eui48. */
export type PointValue = number | string;

/** The SunSpec schema bounds a scale factor to -10..10; anything else is garbage, not a scale. */
export const SCALE_FACTOR_MIN = -10;
export const SCALE_FACTOR_MAX = 10;

/** Registers each fixed-size type occupies; strings take the `size` of their point. */
const FIXED_SIZE: Record<Exclude<PointType, 'string'>, number> = {
  int16: 1, raw16: 1, uint16: 1, acc16: 1, bitfield16: 1, enum16: 1, sunssf: 1, count: 1, pad: 1,
  int32: 2, uint32: 2, acc32: 2, bitfield32: 2, enum32: 2, float32: 2, ipaddr: 2,
  int64: 4, uint64: 4, acc64: 4, bitfield64: 4, float64: 4, eui48: 4,
  ipv6addr: 8,
};

export function isPointType(value: string): value is PointType {
  return (POINT_TYPES as readonly string[]).includes(value);
}

/** Registers a point of `type` occupies; `size` (from the model JSON) is required for strings. */
export function registerSize(type: PointType, size?: number): number {
  if (type === 'string') {
    if (size === undefined || !Number.isInteger(size) || size < 1) throw new RangeError('a string point needs a size of at least 1 register');
    return size;
  }
  return FIXED_SIZE[type];
}

/**
 * Decodes the point of `type` starting at `registers[offset]`. Returns `undefined` for the type's
 * "not implemented" value. 64-bit integers come back as numbers (exact up to 2^53, ample for Wh counters).
 */
export function decodePoint(type: PointType, registers: ArrayLike<number>, offset = 0, size?: number): PointValue | undefined {
  const count = registerSize(type, size);
  if (offset < 0 || offset + count > registers.length) {
    throw new RangeError(`${type} at offset ${offset} needs ${count} registers, only ${registers.length - offset} available`);
  }
  const view = toView(registers, offset, count);
  switch (type) {
    case 'int16': case 'sunssf': return notImpl(view.getInt16(0), -0x8000);
    case 'uint16': case 'enum16': case 'bitfield16': case 'count': return notImpl(view.getUint16(0), 0xffff);
    case 'acc16': return notImpl(view.getUint16(0), 0);
    case 'raw16': case 'pad': return view.getUint16(0);
    case 'int32': return notImpl(view.getInt32(0), -0x80000000);
    case 'uint32': case 'enum32': case 'bitfield32': return notImpl(view.getUint32(0), 0xffffffff);
    case 'acc32': return notImpl(view.getUint32(0), 0);
    case 'int64': return bigNotImpl(view.getBigInt64(0), -(1n << 63n));
    case 'uint64': case 'bitfield64': return bigNotImpl(view.getBigUint64(0), (1n << 64n) - 1n);
    case 'acc64': return bigNotImpl(view.getBigUint64(0), 0n);
    case 'float32': return nanIsNotImpl(view.getFloat32(0));
    case 'float64': return nanIsNotImpl(view.getFloat64(0));
    case 'string': return decodeString(view);
    case 'ipaddr': {
      const value = view.getUint32(0);
      return value === 0 ? undefined : [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
    }
    case 'ipv6addr': {
      const words = Array.from({ length: 8 }, (_, i) => view.getUint16(i * 2));
      return words.every((w) => w === 0) ? undefined : words.map((w) => w.toString(16)).join(':');
    }
    case 'eui48': {
      // 4 registers; the MAC is the low 48 bits. All ones means not implemented.
      if (view.getBigUint64(0) === (1n << 64n) - 1n) return undefined;
      return Array.from({ length: 6 }, (_, i) => view.getUint8(2 + i).toString(16).padStart(2, '0')).join(':');
    }
  }
}

/**
 * Encodes `value` (raw, unscaled) as registers; `undefined` writes the type's "not implemented" value.
 * Throws a RangeError when the value does not fit the type, so a simulator cannot publish a silently wrapped value.
 */
export function encodePoint(type: PointType, value: PointValue | undefined, size?: number): number[] {
  const count = registerSize(type, size);
  const view = new DataView(new ArrayBuffer(count * 2));
  if (value === undefined) {
    writeNotImplemented(type, view);
  } else if (type === 'string') {
    encodeString(String(value), view);
  } else if (type === 'ipaddr' || type === 'ipv6addr' || type === 'eui48') {
    encodeAddress(type, String(value), view);
  } else {
    if (typeof value !== 'number') throw new TypeError(`${type} needs a number, got ${JSON.stringify(value)}`);
    encodeNumber(type, value, view);
  }
  return Array.from({ length: count }, (_, i) => view.getUint16(i * 2));
}

/**
 * Scaled value = raw × 10^sf. Not implemented (raw or sf undefined) or a scale factor outside -10..10 gives
 * `undefined`. Negative factors divide by an exact power of ten, so 2301 with sf -1 is exactly 230.1.
 */
export function applyScaleFactor(raw: number | undefined, sf: number | undefined): number | undefined {
  if (raw === undefined || sf === undefined || !isValidScaleFactor(sf)) return undefined;
  return sf < 0 ? raw / 10 ** -sf : raw * 10 ** sf;
}

/** The raw integer that represents `value` at scale factor `sf`, rounded to the nearest step. */
export function toRawScaled(value: number, sf: number): number {
  if (!isValidScaleFactor(sf)) throw new RangeError(`scale factor ${sf} is outside ${SCALE_FACTOR_MIN}..${SCALE_FACTOR_MAX}`);
  return Math.round(sf < 0 ? value * 10 ** -sf : value / 10 ** sf);
}

export function isValidScaleFactor(sf: number): boolean {
  return Number.isInteger(sf) && sf >= SCALE_FACTOR_MIN && sf <= SCALE_FACTOR_MAX;
}

function toView(registers: ArrayLike<number>, offset: number, count: number): DataView {
  const view = new DataView(new ArrayBuffer(count * 2));
  for (let i = 0; i < count; i++) {
    const word = registers[offset + i];
    if (word === undefined || !Number.isInteger(word) || word < 0 || word > 0xffff) {
      throw new RangeError(`register ${offset + i} holds ${String(word)}, not a 16-bit word`);
    }
    view.setUint16(i * 2, word);
  }
  return view;
}

function notImpl(value: number, sentinel: number): number | undefined {
  return value === sentinel ? undefined : value;
}

function bigNotImpl(value: bigint, sentinel: bigint): number | undefined {
  return value === sentinel ? undefined : Number(value);
}

function nanIsNotImpl(value: number): number | undefined {
  return Number.isNaN(value) ? undefined : value;
}

/** A string ends at its first NUL; a NUL in the first byte means not implemented. Trailing spaces are padding. */
function decodeString(view: DataView): string | undefined {
  const bytes = new Uint8Array(view.buffer);
  if (bytes[0] === 0) return undefined;
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end === -1 ? bytes.length : end)).toString('latin1').trimEnd();
}

function encodeString(text: string, view: DataView): void {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length > view.byteLength) throw new RangeError(`"${text}" needs ${bytes.length} bytes, the point has ${view.byteLength}`);
  bytes.forEach((byte, i) => view.setUint8(i, byte));
}

function writeNotImplemented(type: PointType, view: DataView): void {
  switch (type) {
    case 'int16': case 'sunssf': return view.setUint16(0, 0x8000);
    case 'uint16': case 'enum16': case 'bitfield16': case 'count': return view.setUint16(0, 0xffff);
    case 'int32': return view.setUint32(0, 0x80000000);
    case 'uint32': case 'enum32': case 'bitfield32': return view.setUint32(0, 0xffffffff);
    case 'int64': return view.setBigUint64(0, 1n << 63n);
    case 'uint64': case 'bitfield64': case 'eui48': return view.setBigUint64(0, (1n << 64n) - 1n);
    case 'float32': return view.setFloat32(0, Number.NaN);
    case 'float64': return view.setFloat64(0, Number.NaN);
    // acc*, string, pad, raw16, ipaddr and ipv6addr are all zeros when not implemented (a fresh buffer).
    default: return;
  }
}

const INTEGER_RANGE: Partial<Record<PointType, readonly [number, number]>> = {
  int16: [-0x8000, 0x7fff], sunssf: [SCALE_FACTOR_MIN, SCALE_FACTOR_MAX], raw16: [0, 0xffff], pad: [0, 0xffff],
  uint16: [0, 0xffff], enum16: [0, 0xffff], bitfield16: [0, 0xffff], count: [0, 0xffff], acc16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff], uint32: [0, 0xffffffff], enum32: [0, 0xffffffff], bitfield32: [0, 0xffffffff],
  acc32: [0, 0xffffffff],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], uint64: [0, Number.MAX_SAFE_INTEGER],
  acc64: [0, Number.MAX_SAFE_INTEGER], bitfield64: [0, Number.MAX_SAFE_INTEGER],
};

function encodeNumber(type: PointType, value: number, view: DataView): void {
  if (type === 'float32') return view.setFloat32(0, value);
  if (type === 'float64') return view.setFloat64(0, value);
  const range = INTEGER_RANGE[type];
  if (range === undefined) throw new TypeError(`${type} is not a numeric type`);
  if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
    throw new RangeError(`${value} does not fit ${type} (${range[0]}..${range[1]})`);
  }
  switch (FIXED_SIZE[type as Exclude<PointType, 'string'>]) {
    case 1: return view.setUint16(0, value & 0xffff);
    case 2: return view.setUint32(0, value >>> 0);
    default: return view.setBigInt64(0, BigInt(value));
  }
}

function encodeAddress(type: 'ipaddr' | 'ipv6addr' | 'eui48', text: string, view: DataView): void {
  const parts = type === 'ipaddr' ? text.split('.').map((p) => Number.parseInt(p, 10))
    : text.split(':').map((p) => Number.parseInt(p, 16));
  const [count, max, width] = type === 'ipaddr' ? [4, 0xff, 1] : type === 'ipv6addr' ? [8, 0xffff, 2] : [6, 0xff, 1];
  if (parts.length !== count || parts.some((p) => !Number.isInteger(p) || p < 0 || p > max)) {
    throw new RangeError(`"${text}" is not a valid ${type}`);
  }
  const start = type === 'eui48' ? 2 : 0;
  parts.forEach((part, i) => (width === 1 ? view.setUint8(start + i, part) : view.setUint16(i * 2, part)));
}
