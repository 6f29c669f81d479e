/**
 * Register values of device profiles: decoding a value from its 16-bit words in either word order, "not available"
 * sentinels, and exact scaling. Within a word the bytes are always big-endian (Modbus); only the order of the words
 * of 32/64-bit values varies between vendors (Kostal, Sungrow, Carlo Gavazzi, Shelly and SolarEdge's battery block
 * put the low word first).
 */
import { REGISTER_WORDS, type RegisterType, type WordOrder } from './profile-schema.ts';

/**
 * Decodes `words` (exactly the value's registers, as read) into a number. `undefined` when the raw pattern (in
 * high-first order) is one of `notAvailable`, or for a float32 NaN. 64-bit integers beyond 2^53 lose precision,
 * which is ample for Wh counters.
 */
export function decodeRegisterValue(
  words: readonly number[],
  type: RegisterType,
  order: WordOrder,
  notAvailable: readonly bigint[] = [],
): number | undefined {
  const count = REGISTER_WORDS[type];
  if (words.length !== count) throw new RangeError(`${type} needs ${count} registers, got ${words.length}`);
  for (const word of words) {
    if (!Number.isInteger(word) || word < 0 || word > 0xffff) throw new RangeError(`${String(word)} is not a 16-bit word`);
  }
  const ordered = order === 'low-first' ? [...words].reverse() : words;
  const pattern = ordered.reduce((acc, word) => (acc << 16n) | BigInt(word), 0n);
  if (notAvailable.includes(pattern)) return undefined;
  switch (type) {
    case 'uint16': case 'uint32': case 'uint64': return Number(pattern);
    case 'int16': return Number(BigInt.asIntN(16, pattern));
    case 'int32': return Number(BigInt.asIntN(32, pattern));
    case 'int64': return Number(BigInt.asIntN(64, pattern));
    case 'float32': {
      const view = new DataView(new ArrayBuffer(4));
      view.setUint32(0, Number(pattern));
      const value = view.getFloat32(0);
      return Number.isNaN(value) ? undefined : shortestFloat32(value);
    }
  }
}

/**
 * The shortest decimal that is the same float32: 230.1 rather than 230.10000610351562. The device meant the decimal;
 * float32 rounding is an artefact of the encoding, not of the measurement.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

/**
 * raw × factor, dividing by an exact power of ten for decimal factors (0.1, 0.01, 0.001) so that 2301 × 0.1 is exactly
 * 230.1, not 230.10000000000002.
 */
export function applyFactor(raw: number, factor: number): number {
  if (factor > 0 && factor < 1) {
    const divisor = Math.round(1 / factor);
    if (Math.abs(divisor * factor - 1) < 1e-12) return raw / divisor;
  }
  return raw * factor;
}

/**
 * The inverse of decodeRegisterValue for simulators: `raw` (already divided by scale) as the value's words in
 * `order`. Integers are rounded; a value outside the type's range is a RangeError, never a silent wrap.
 */
export function encodeRegisterValue(raw: number, type: RegisterType, order: WordOrder): number[] {
  const count = REGISTER_WORDS[type];
  let pattern: bigint;
  if (type === 'float32') {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, raw);
    pattern = BigInt(view.getUint32(0));
  } else {
    const value = BigInt(Math.round(raw));
    const bits = BigInt(16 * count);
    const signed = type.startsWith('int');
    const min = signed ? -(1n << (bits - 1n)) : 0n;
    const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    if (value < min || value > max) throw new RangeError(`${raw} does not fit ${type}`);
    pattern = BigInt.asUintN(Number(bits), value);
  }
  const words = Array.from({ length: count }, (_, i) => Number((pattern >> BigInt(16 * (count - 1 - i))) & 0xffffn));
  return order === 'low-first' ? words.reverse() : words;
}
