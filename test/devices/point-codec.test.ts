import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyScaleFactor, decodePoint, encodePoint, toRawScaled, type PointType, type PointValue } from '../../src/devices/sunspec/point-codec.ts';

describe('SunSpec point codec', () => {
  // [type, value, registers (big-endian, high word first), size for strings]
  const roundTrips: [PointType, PointValue, number[], number?][] = [
    ['int16', -1234, [0xfb2e]],
    ['int16', 32767, [0x7fff]],
    ['sunssf', -2, [0xfffe]],
    ['uint16', 65534, [0xfffe]],
    ['acc16', 7, [0x0007]],
    ['enum16', 4, [0x0004]],
    ['bitfield16', 0x8001, [0x8001]],
    ['count', 3, [0x0003]],
    ['int32', -100000, [0xfffe, 0x7960]],
    ['uint32', 0x12345678, [0x1234, 0x5678]],
    ['acc32', 2_000_000_000, [0x7735, 0x9400]],
    ['enum32', 9, [0, 9]],
    ['bitfield32', 0x80000001, [0x8000, 0x0001]],
    ['int64', -2, [0xffff, 0xffff, 0xffff, 0xfffe]],
    ['uint64', 2 ** 40 + 5, [0, 0x0100, 0, 5]],
    ['acc64', 123456789012, [0, 0x1c, 0xbe99, 0x1a14]],
    ['float32', 1.5, [0x3fc0, 0x0000]],
    ['float32', -2300.25, [0xc50f, 0xc400]],
    ['float64', 0.1, [0x3fb9, 0x9999, 0x9999, 0x999a]],
    ['string', 'SunS', [0x5375, 0x6e53, 0, 0], 4],
    ['string', 'Fronius', [0x4672, 0x6f6e, 0x6975, 0x7300], 4],
    ['pad', 0, [0]],
    ['ipaddr', '192.168.1.20', [0xc0a8, 0x0114]],
    ['eui48', '00:1b:2c:3d:4e:5f', [0, 0x001b, 0x2c3d, 0x4e5f]],
  ];
  for (const [type, value, registers, size] of roundTrips) {
    it(`decodes ${JSON.stringify(registers)} as ${type} ${String(value)} and encodes it back`, () => {
      assert.deepEqual(decodePoint(type, registers, 0, size), value);
      assert.deepEqual(encodePoint(type, value, size), registers);
    });
  }

  const sentinels: [PointType, number[], number?][] = [
    ['int16', [0x8000]], ['sunssf', [0x8000]], ['uint16', [0xffff]], ['enum16', [0xffff]], ['bitfield16', [0xffff]],
    ['count', [0xffff]], ['acc16', [0]], ['int32', [0x8000, 0]], ['uint32', [0xffff, 0xffff]], ['enum32', [0xffff, 0xffff]],
    ['bitfield32', [0xffff, 0xffff]], ['acc32', [0, 0]], ['int64', [0x8000, 0, 0, 0]],
    ['uint64', [0xffff, 0xffff, 0xffff, 0xffff]], ['acc64', [0, 0, 0, 0]], ['float32', [0x7fc0, 0]],
    ['float64', [0x7ff8, 0, 0, 0]], ['string', [0x0041, 0x4243], 2], ['ipaddr', [0, 0]],
  ];
  for (const [type, registers, size] of sentinels) {
    it(`reads ${JSON.stringify(registers)} as "not implemented" for ${type}, and writes it back for undefined`, () => {
      assert.equal(decodePoint(type, registers, 0, size), undefined);
      const written = encodePoint(type, undefined, size);
      assert.equal(decodePoint(type, written, 0, size), undefined);
    });
  }

  it('never reads a pad as not implemented', () => {
    assert.equal(decodePoint('pad', [0x8000]), 0x8000);
  });

  it('decodes at an offset inside a larger block', () => {
    assert.equal(decodePoint('int32', [1, 2, 0x0001, 0x0000, 9], 2), 65536);
  });

  it('refuses to read past the end of the registers', () => {
    assert.throws(() => decodePoint('uint32', [1], 0), RangeError);
  });

  it('refuses values that do not fit the type instead of wrapping them', () => {
    assert.throws(() => encodePoint('int16', 40000), RangeError);
    assert.throws(() => encodePoint('uint16', -1), RangeError);
    assert.throws(() => encodePoint('uint16', 1.5), RangeError);
    assert.throws(() => encodePoint('string', 'far too long', 2), RangeError);
  });

  const scaled: [number | undefined, number | undefined, number | undefined][] = [
    [2301, -1, 230.1], [1234, 0, 1234], [-512, 2, -51200], [15, -2, 0.15], [1, -3, 0.001],
    [undefined, 0, undefined], [100, undefined, undefined], [100, 11, undefined], [100, -11, undefined],
  ];
  for (const [raw, sf, expected] of scaled) {
    it(`scales raw ${String(raw)} by 10^${String(sf)} to ${String(expected)}`, () => {
      assert.equal(applyScaleFactor(raw, sf), expected);
    });
  }

  it('turns a scaled value back into the nearest raw step', () => {
    assert.equal(toRawScaled(230.14, -1), 2301);
    assert.equal(toRawScaled(-51200, 2), -512);
    assert.throws(() => toRawScaled(1, 12), RangeError);
  });
});
