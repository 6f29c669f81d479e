import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRateUnit, parseCapabilities } from '../../src/chargers/ocpp16/charger-configuration.ts';
import { mapOcpp16Status } from '../../src/chargers/ocpp16/status.ts';

describe('reading a 1.6 charger configuration', () => {
  it('reads the smart-charging keys, matching names case-insensitively', () => {
    const capabilities = parseCapabilities({
      configurationKey: [
        { key: 'chargeProfileMaxStackLevel', readonly: true, value: '3' },
        { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: 'Current, Power' },
        { key: 'MaxChargingProfilesInstalled', value: '8' },
        { key: 'SupportedFeatureProfiles', value: 'Core,SmartCharging,RemoteTrigger' },
        { key: 'NumberOfConnectors', value: 'two' },
      ],
      unknownKey: [],
    });
    assert.equal(capabilities.maxStackLevel, 3);
    assert.deepEqual([...(capabilities.rateUnits ?? [])], ['A', 'W']);
    assert.equal(capabilities.maxChargingProfilesInstalled, 8);
    assert.ok(capabilities.featureProfiles?.has('SmartCharging'));
    assert.equal(capabilities.numberOfConnectors, undefined, 'a value that is not a number is not guessed');
  });

  it('writes amps unless the charger takes only power (also spelled W)', () => {
    assert.equal(chooseRateUnit({}), 'A');
    assert.equal(chooseRateUnit({ rateUnits: new Set(['A', 'W']) }), 'A');
    assert.equal(chooseRateUnit(parseCapabilities({ configurationKey: [{ key: 'ChargingScheduleAllowedChargingRateUnit', value: 'Power' }] })), 'W');
    assert.equal(chooseRateUnit(parseCapabilities({ configurationKey: [{ key: 'ChargingScheduleAllowedChargingRateUnit', value: 'W' }] })), 'W');
  });

  it('maps 1.6 connector statuses and refuses unknown ones', () => {
    assert.equal(mapOcpp16Status('SuspendedEVSE'), 'suspended-evse');
    assert.equal(mapOcpp16Status('Finishing'), 'finishing');
    assert.equal(mapOcpp16Status('Error'), undefined);
    assert.equal(mapOcpp16Status('toString'), undefined);
  });
});
