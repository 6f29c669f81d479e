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

  it('accepts a meter on a serial port (line defaults 8N1) and one behind an RTU-over-TCP gateway (port 502)', () => {
    const serial = parseConfigText(config('{ id: grid, role: grid, device: eastron-sdm630, modbus: { serial: { path: /dev/ttyUSB0, baudRate: 9600 }, unit: 2 } }'));
    assert.deepEqual(serial.meters[0]?.modbus, { serial: { path: '/dev/ttyUSB0', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 }, unit: 2 });
    const even = parseConfigText(config('{ id: grid, role: grid, device: eastron-sdm120, modbus: { serial: { path: /dev/ttyUSB0, baudRate: 2400, parity: even, stopBits: 1 } } }'));
    assert.equal(even.meters[0]?.modbus.serial?.parity, 'even');
    const gateway = parseConfigText(config('{ id: grid, role: grid, device: eastron-sdm630, modbus: { rtuOverTcp: { host: 192.168.1.60 }, unit: 3 } }'));
    assert.deepEqual(gateway.meters[0]?.modbus, { rtuOverTcp: { host: '192.168.1.60', port: 502 }, unit: 3 });
  });

  it('refuses a link that is not exactly one of host, serial and rtuOverTcp, and bad line settings', () => {
    const oneOf = 'give exactly one of host (Modbus TCP), serial (Modbus RTU on a serial port) or rtuOverTcp (RTU through a TCP gateway)';
    assert.deepEqual(problems(config('{ id: g, role: grid, device: sunspec, modbus: { unit: 1 } }')), [`meters.0.modbus: ${oneOf}`]);
    assert.deepEqual(problems(config('{ id: g, role: grid, device: sunspec, modbus: { host: h, serial: { path: /dev/ttyUSB0, baudRate: 9600 } } }')),
      [`meters.0.modbus.serial: ${oneOf}`]);
    assert.deepEqual(problems(config('{ id: g, role: grid, device: sunspec, modbus: { rtuOverTcp: { host: gw }, port: 8899 } }')),
      ['meters.0.modbus.port: port goes with host; for rtuOverTcp put it inside rtuOverTcp']);
    assert.deepEqual(problems(config('{ id: g, role: grid, device: sunspec, modbus: { serial: { path: /dev/ttyUSB0, baudRate: 9601 } } }')),
      ['meters.0.modbus.serial.baudRate: one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200']);
    assert.match(problems(config('{ id: g, role: grid, device: sunspec, modbus: { serial: { path: /dev/ttyUSB0, baudRate: 9600, parity: mark } } }')).join('\n'),
      /meters\.0\.modbus\.serial\.parity/);
    assert.match(problems(config('{ id: g, role: grid, device: sunspec, modbus: { serial: { baudRate: 9600 } } }')).join('\n'),
      /meters\.0\.modbus\.serial\.path/);
  });

  it('refuses two line settings for one serial port', () => {
    const text = 'site: { mainFuseA: 25 }\nmeters:\n'
      + '  - { id: a, role: grid, device: eastron-sdm630, modbus: { serial: { path: /dev/ttyUSB0, baudRate: 9600 }, unit: 1 } }\n'
      + '  - { id: b, role: grid, device: eastron-sdm120, modbus: { serial: { path: /dev/ttyUSB0, baudRate: 2400 }, unit: 2 } }\n'
      + '  - { id: c, role: grid, device: eastron-sdm72, modbus: { serial: { path: /dev/ttyUSB1, baudRate: 2400 }, unit: 2 } }\n';
    assert.deepEqual(problems(text),
      ['meters.1.modbus.serial: /dev/ttyUSB0 runs at 9600 8N1 for meter "a"; every meter on one serial port must use the same settings, not 2400 8N1']);
  });
});
