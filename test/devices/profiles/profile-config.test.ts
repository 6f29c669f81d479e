/** Meters in the config file name a device profile; the config schema checks the name and the role against it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../../src/store/config-file.ts';

const config = (meter: string): string => `site: { mainFuseA: 25 }\nmeters:\n  - ${meter}\n`;

function problems(text: string): string[] {
  try {
    parseConfigText(text);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  return [];
}

describe('meters with device profiles in the config', () => {
  it('accepts a profile device without port and unit (the profile has them), with an extra sign and block limit', () => {
    const parsed = parseConfigText(config('{ id: grid, role: grid, device: kostal-plenticore, powerSign: -1, maxRegistersPerRead: 60, modbus: { host: 192.168.1.20 } }'));
    assert.deepEqual(parsed.meters[0], {
      id: 'grid', role: 'grid', device: 'kostal-plenticore', powerSign: -1, maxRegistersPerRead: 60, modbus: { host: '192.168.1.20' },
    });
  });

  it('refuses a role the device does not serve', () => {
    assert.deepEqual(problems(config('{ id: pv, role: pv, device: eastron-sdm630, modbus: { host: h } }')),
      ['meters.0.role: device "eastron-sdm630" serves grid, not pv']);
  });

  it('refuses an unknown device, a sign other than 1 or -1 and a block limit beyond 125', () => {
    assert.match(problems(config('{ id: g, role: grid, device: sdm630, modbus: { host: h } }')).join('\n'), /meters\.0\.device: Invalid option: expected one of "abb-b23"\|/);
    assert.match(problems(config('{ id: g, role: grid, device: sunspec, powerSign: 2, modbus: { host: h } }')).join('\n'), /meters\.0\.powerSign/);
    assert.match(problems(config('{ id: g, role: grid, device: sunspec, maxRegistersPerRead: 126, modbus: { host: h } }')).join('\n'), /meters\.0\.maxRegistersPerRead: Too big/);
  });
});
