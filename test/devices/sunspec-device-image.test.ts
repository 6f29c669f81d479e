import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SunSpecDeviceImage, createSunSpecGridMeter, createSunSpecInverter } from '../../src/sim/sunspec-device.ts';

describe('SunSpec device image (simulator)', () => {
  it('lays out SunS, the common model, the given models and the end marker from 40000', () => {
    const image = createSunSpecInverter({ manufacturer: 'Fronius', model: 'Symo', serial: 'S1' });
    assert.deepEqual(image.read(40000, 4), [0x5375, 0x6e53, 1, 66]);
    assert.deepEqual(image.read(40070, 2), [103, 50]);
    assert.deepEqual(image.read(40122, 2), [0xffff, 0]);
    assert.equal(image.read(40123, 2), undefined, 'nothing after the end model');
    assert.equal(image.read(39999, 1), undefined);
    assert.equal(image.modelAddress(103), 40070);
  });

  it('starts every point as "not implemented" except the scale factors', () => {
    const image = createSunSpecInverter({ manufacturer: 'A', model: 'B', serial: 'C' });
    assert.deepEqual(image.read(40070 + 10, 4), [0xffff, 0xffff, 0xffff, 0xffff & -1], 'PhVphA..C unset, V_SF -1');
  });

  it('raises a shared scale factor when a value does not fit, and re-encodes the points that share it', () => {
    const meter = createSunSpecGridMeter({ manufacturer: 'A', model: 'B', serial: 'C' });
    meter.setPowerW(3000, [1000, 1000, 1000]);
    assert.deepEqual(meter.read(40070 + 18, 5), [3000, 1000, 1000, 1000, 0]);
    meter.set(203, 'W', 50_000);
    assert.deepEqual(meter.read(40070 + 18, 5), [5000, 100, 100, 100, 1], 'W_SF went to 1');
    assert.throws(() => meter.setScaleFactor(203, 'W_SF', 0), /203.W = 50000 does not fit int16 at scale factor 0/);
    meter.set(203, 'W', 3000);
    meter.setScaleFactor(203, 'W_SF', 0);
    assert.deepEqual(meter.read(40070 + 18, 5), [3000, 1000, 1000, 1000, 0]);
  });

  it('refuses a value that fits no scale factor and a point the model does not have', () => {
    const image = new SunSpecDeviceImage({ common: { manufacturer: 'A', model: 'B', serial: 'C' }, models: [124] });
    assert.throws(() => image.set(124, 'NoSuchPoint', 1), /model 124 has no point NoSuchPoint/);
    assert.throws(() => image.set(1, 'Mn', 'a manufacturer name longer than 32 bytes'), RangeError);
    assert.throws(() => image.set(203, 'W', 1), /the image has no model 203/);
  });
});
