/**
 * `sunplug scan` against peers Sunplug did not write: a pymodbus server (test/fakes/pymodbus_sunspec_server.py) with a
 * SunSpec inverter and meter map written out by hand, run through the real `sunplug` command; and against Sunplug's
 * simulator for devices recognised by their registers. Then bad input: wrong arguments, a host with nothing on it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { scanCommand, parseIdList, formatIdList, configSnippet } from '../../src/cli/scan-command.ts';
import { validateConfig } from '../../src/store/config-file.ts';
import { RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { findFreePort, startModbusServer, type ModbusSimServer, type RegisterBank } from '../../src/sim/modbus-server.ts';
import { hasPymodbus, startPymodbusServer, type PymodbusServer } from '../devices/support/external-peers.ts';
import { hasSocat, startPtyPair, type PtyPair } from '../devices/support/pty-pair.ts';
import { froniusInverterMap as inverter, froniusMeterMap as meter } from '../devices/support/fronius-sunspec-maps.ts';
import { RawModbusPeer } from '../devices/support/raw-modbus-peer.ts';

const missingRtuPeer = !(await hasSocat()) ? 'socat is not installed (apt-get install socat)'
  : !(await hasPymodbus()) ? 'pymodbus with serial support is not importable by /usr/bin/python3 (apt-get install python3-pymodbus)' : undefined;

// Eastron SDM630: input registers, float32 high word first; total 632.5 W.
const sdm630: [number, number[]][] = [
  [0x00, [0x4366, 0x8000, 0x4367, 0x4000, 0x4365, 0xc000, 0x4090, 0, 0x4010, 0, 0x3f00, 0, 0x4481, 0x6000, 0xc401, 0x6000, 0x42e6, 0]],
  [0x34, [0x441e, 0x2000]], [0x48, [0x4640, 0xe600, 0x4429, 0x9000]],
];

/** The hand-built SunSpec float meter with another maker's name in Mn, so that no vendor profile claims it. */
const acmeMeter: [number, number[]][] = meter.map(([address, words]): [number, number[]] => {
  if (address !== 40002) return [address, words];
  const name = [...'Acme Metering'].map((c) => c.charCodeAt(0)).concat(new Array<number>(32).fill(0)).slice(0, 32);
  return [address, [...words.slice(0, 2), ...Array.from({ length: 16 }, (_, i) => (name[2 * i] ?? 0) * 256 + (name[2 * i + 1] ?? 0)), ...words.slice(18)]];
});

const BIN = fileURLToPath(new URL('../../bin/sunplug.js', import.meta.url));

function sunplug(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; elapsedMs: number }> {
  const clock = new RealClock();
  const started = clock.nowMs();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, elapsedMs: clock.nowMs() - started });
    });
  });
}

/** Runs the command in-process, collecting what it prints. */
async function scan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await scanCommand(args, { output: { out: (t) => void (stdout += t), err: (t) => void (stderr += t) }, logger: silentLogger() });
  return { code, stdout, stderr };
}

class HandBank implements RegisterBank {
  private readonly words = new Map<number, number>();

  constructor(blocks: Record<number, number[]>) {
    for (const [start, words] of Object.entries(blocks)) words.forEach((w, i) => this.words.set(Number(start) + i, w));
  }

  read(address: number, count: number): readonly number[] | undefined {
    const out = Array.from({ length: count }, (_, i) => this.words.get(address + i));
    return out.every((w) => w !== undefined) ? out as number[] : undefined;
  }
}

describe('sunplug scan --serial on an RS-485 bus (socat pty pair, pymodbus RTU server)', { skip: missingRtuPeer }, () => {
  let pty: PtyPair;
  let server: PymodbusServer;
  before(async () => {
    pty = await startPtyPair();
    server = await startPymodbusServer({ 1: acmeMeter, 2: sdm630 }, { kind: 'rtu', path: pty.server, baudRate: 9600 });
  });
  after(async () => {
    await server?.stop();
    await pty?.close();
  });

  it('finds a SunSpec meter and an SDM630 on the bus, skips a silent unit, and prints a serial config snippet', async () => {
    const { code, stdout, stderr } = await sunplug('scan', '--serial', pty.client, '--baud', '9600', '--units', '1-3', '--timeout', '300', '--json');
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const line = { serialPort: pty.client, baudRate: 9600, parity: 'none', stopBits: 1 };
    assert.deepEqual(JSON.parse(stdout), [
      {
        unit: 1, manufacturer: 'Acme Metering', model: 'Smart Meter 63A', serial: '12345678', sunspecModels: [1, 213], powerW: -2345.5, role: 'grid',
        ...line, roles: ['grid'], device: 'sunspec', match: 'sunspec', alsoPossible: [],
      },
      {
        unit: 2, manufacturer: 'Eastron', model: null, serial: null, sunspecModels: [], powerW: 632.5, role: 'grid',
        ...line, roles: ['grid'], device: 'eastron-sdm630', match: 'registers', alsoPossible: ['eastron-sdm120', 'eastron-sdm72'],
      },
    ]);

    const text = await scan('--serial', pty.client, '--baud', '9600', '--units', '2,3', '--timeout', '300');
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`${pty.client}: no answer from unit 3\\.`));
    assert.match(text.stdout, /  unit 2: Eastron\n/);
    const snippet = text.stdout.slice(text.stdout.indexOf('meters:'));
    assert.equal(snippet.split('\n')[1], `  - { id: grid, role: grid, device: eastron-sdm630, modbus: { serial: { path: ${pty.client}, baudRate: 9600 }, unit: 2 } }`);
    const config = validateConfig({ site: { mainFuseA: 25 }, ...parse(snippet) as object });
    assert.deepEqual(config.meters[0]?.modbus, { serial: { path: pty.client, baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 }, unit: 2 });
  });
});

describe('sunplug scan --rtu-over-tcp through a transparent gateway (pymodbus TCP server with the RTU framer)', { skip: missingRtuPeer }, () => {
  let server: PymodbusServer;
  before(async () => {
    server = await startPymodbusServer({ 2: sdm630 }, { kind: 'rtu-over-tcp' });
  });
  after(async () => {
    await server?.stop();
  });

  it('finds the SDM630 and prints an rtuOverTcp snippet; plain Modbus TCP finds nothing there', async () => {
    const { code, stdout } = await scan('--host', '127.0.0.1', '--port', String(server.port), '--rtu-over-tcp', '--units', '2', '--timeout', '300');
    assert.equal(code, 0, stdout);
    assert.match(stdout, new RegExp(`^Scanning 127\\.0\\.0\\.1, ports ${server.port} \\(RTU over TCP\\), units 2`));
    const snippet = stdout.slice(stdout.indexOf('meters:'));
    assert.equal(snippet.split('\n')[1], `  - { id: grid, role: grid, device: eastron-sdm630, modbus: { rtuOverTcp: { host: 127.0.0.1, port: ${server.port} }, unit: 2 } }`);
    const config = validateConfig({ site: { mainFuseA: 25 }, ...parse(snippet) as object });
    assert.deepEqual(config.meters[0]?.modbus, { rtuOverTcp: { host: '127.0.0.1', port: server.port }, unit: 2 });
    const json = await scan('--host', '127.0.0.1', '--port', String(server.port), '--rtu-over-tcp', '--units', '2', '--timeout', '300', '--json');
    assert.deepEqual((JSON.parse(json.stdout) as Record<string, unknown>[]).map((d) => [d.unit, d.device, d.powerW, d.rtuOverTcp]), [[2, 'eastron-sdm630', 632.5, true]]);
    const plain = await scan('--host', '127.0.0.1', '--port', String(server.port), '--units', '2', '--timeout', '200', '--json');
    assert.equal(plain.stdout, '[]\n', 'Modbus TCP framing gets no answer from an RTU gateway');
  });
});

describe('sunplug scan', () => {
  describe('against a pymodbus server with a hand-built SunSpec inverter (unit 1) and meter (unit 240)', () => {
    let server: PymodbusServer;
    before(async () => {
      server = await startPymodbusServer({ 1: inverter, 240: meter });
    });
    after(async () => {
      await server?.stop();
    });

    it('--json finds both and reads their scaled power; a silent unit in between costs one timeout', async () => {
      const { code, stdout, stderr, elapsedMs } = await sunplug('scan', '--host', '127.0.0.1', '--port', String(server.port), '--units', '1,7,240', '--timeout', '300', '--json');
      assert.equal(stderr, '');
      assert.equal(code, 0);
      const devices: unknown = JSON.parse(stdout);
      assert.deepEqual(devices, [
        {
          unit: 1, port: server.port, manufacturer: 'Fronius', model: 'Symo 10.0-3-M', serial: '31234567', sunspecModels: [1, 103],
          powerW: 1234.5, role: 'pv', host: '127.0.0.1', roles: ['pv'], device: 'fronius-symo', match: 'sunspec', alsoPossible: [],
        },
        {
          unit: 240, port: server.port, manufacturer: 'Fronius', model: 'Smart Meter 63A', serial: '12345678', sunspecModels: [1, 213],
          powerW: -2345.5, role: 'grid', host: '127.0.0.1', roles: ['grid'], device: 'fronius-symo', match: 'sunspec', alsoPossible: [],
        },
      ]);
      assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);

      // A config built from the scan output validates with the config schema.
      const found = devices as { unit: number; port: number; host: string; role: 'grid' | 'pv' | 'battery'; device: string }[];
      const config = validateConfig({
        site: { mainFuseA: 25, gridMeter: 'grid' },
        meters: found.map((d) => ({ id: d.role, role: d.role, device: d.device, modbus: { host: d.host, port: d.port, unit: d.unit } })),
      });
      assert.deepEqual(config.meters.map((m) => [m.id, m.device, m.modbus.unit]), [['pv', 'fronius-symo', 1], ['grid', 'fronius-symo', 240]]);
    });

    it('prints what it found and a config snippet that validates once pasted', async () => {
      const { code, stdout } = await scan('--host', '127.0.0.1', '--port', String(server.port), '--units', '1,240', '--timeout', '300');
      assert.equal(code, 0);
      assert.match(stdout, /port \d+ unit 1: Fronius Symo 10\.0-3-M, serial 31234567\n\s+SunSpec models 1, 103; pv power 1234\.5 W; device: fronius-symo/);
      assert.match(stdout, /port \d+ unit 240: Fronius Smart Meter 63A, serial 12345678\n\s+SunSpec models 1, 213; grid power -2345\.5 W; device: fronius-symo/);
      const snippet = stdout.slice(stdout.indexOf('meters:'));
      assert.equal(snippet.split('\n')[1], `  - { id: pv, role: pv, device: fronius-symo, modbus: { host: 127.0.0.1, port: ${server.port}, unit: 1 } }`);
      const pasted: unknown = parse(`site: { mainFuseA: 25, gridMeter: grid }\n${snippet}`);
      assert.equal(validateConfig(pasted).meters.length, 2);
    });
  });

  describe('against the simulator, recognising devices by their registers', () => {
    let server: ModbusSimServer;
    before(async () => {
      server = await startModbusServer();
      // SMA inverter on unit 3: 4210 W (0x1072), yield 12_345_678 Wh (0xBC614E), battery discharging 1500 W at 57 %.
      server.setUnit(3, new HandBank({
        30513: [0, 0, 0x00bc, 0x614e], 30775: [0x0000, 0x1072], 30977: [0, 0x17d4, 0, 0x17a2, 0, 0x17e8],
        30845: [0, 57], 31393: [0, 0, 0, 0x05dc], 31397: [0, 0, 0x001e, 0x8480, 0, 0, 0x001b, 0x7740],
      }));
      // Eastron SDM630 on unit 1: input registers, float32 high word first; total 632.5 W.
      server.setUnit(1, new HandBank({
        0x00: [0x4366, 0x8000, 0x4367, 0x4000, 0x4365, 0xc000, 0x4090, 0, 0x4010, 0, 0x3f00, 0, 0x4481, 0x6000, 0xc401, 0x6000, 0x42e6, 0],
        0x34: [0x441e, 0x2000], 0x48: [0x4640, 0xe600, 0x4429, 0x9000],
      }));
    });
    after(async () => {
      await server?.close();
    });

    it('names the profile, the roles that read and the look-alike profiles', async () => {
      const { code, stdout } = await scan('--host', '127.0.0.1', '--port', String(server.port), '--units', '1,3', '--timeout', '300', '--json');
      assert.equal(code, 0);
      assert.deepEqual(JSON.parse(stdout), [
        {
          unit: 1, port: server.port, manufacturer: 'Eastron', model: null, serial: null, sunspecModels: [],
          powerW: 632.5, role: 'grid', host: '127.0.0.1', roles: ['grid'], device: 'eastron-sdm630', match: 'registers',
          alsoPossible: ['eastron-sdm120', 'eastron-sdm72'],
        },
        {
          unit: 3, port: server.port, manufacturer: 'SMA', model: null, serial: null, sunspecModels: [], powerW: 4210, role: 'pv', host: '127.0.0.1', roles: ['pv', 'battery'], device: 'sma-inverter',
          match: 'registers', alsoPossible: [],
        },
      ]);
    });

    it('says so when a unit answers but matches nothing it knows', async () => {
      server.setUnit(9, new HandBank({ 0x7000: [1, 2, 3] }));
      const { code, stdout } = await scan('--host', '127.0.0.1', '--port', String(server.port), '--units', '9', '--timeout', '300');
      assert.equal(code, 1);
      assert.match(stdout, new RegExp(`Port ${server.port}: unit 9 answered but matched neither SunSpec nor a device profile\\.`));
    });
  });

  describe('absent units', () => {
    it('asks a gateway once per unit, one request at a time, and takes "target failed to respond" for nobody there', async () => {
      const gateway = await RawModbusPeer.start((frame, socket, peer) => peer.exception(socket, frame, 11));
      try {
        const { code, stdout } = await scan('--host', '127.0.0.1', '--port', String(gateway.port), '--units', '1-5', '--timeout', '200');
        assert.equal(code, 1);
        assert.match(stdout, new RegExp(`Port ${gateway.port}: no answer from units 1-5\\.`));
        assert.deepEqual(gateway.frames.map((f) => [f.unit, f.functionCode, f.address, f.count]), [1, 2, 3, 4, 5].map((u) => [u, 3, 40000, 2]));
        assert.equal(gateway.maxOutstanding, 1, 'requests are serialised on the link');
      } finally {
        await gateway.close();
      }
    });

    it('gives a unit that never answers one timeout, then moves on', async () => {
      const silent = await RawModbusPeer.start(() => undefined);
      const clock = new RealClock();
      const started = clock.nowMs();
      try {
        const { code, stdout } = await scan('--host', '127.0.0.1', '--port', String(silent.port), '--units', '1-4', '--timeout', '100');
        assert.equal(code, 1);
        assert.match(stdout, /no answer from units 1-4\./);
        assert.deepEqual(silent.frames.map((f) => f.unit), [1, 2, 3, 4]);
        assert.ok(clock.nowMs() - started < 1500, `took ${clock.nowMs() - started} ms`);
      } finally {
        await silent.close();
      }
    });
  });

  describe('bad input', () => {
    it('explains a wrong --units syntax and exits 2', async () => {
      const wrong = await scan('--host', '127.0.0.1', '--units', '1,x,3');
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /^sunplug scan: --units "1,x,3": "x" is not a unit id or a range such as 200-204 \(use e\.g\. 1,2,3,71,126,200-204,240\)/);
      assert.match((await scan('--host', 'h', '--units', '300')).stderr, /--units "300": unit id 300 is outside 0\.\.255/);
      assert.match((await scan('--host', 'h', '--units', '204-200')).stderr, /the range 204-200 runs backwards/);
      assert.match((await scan('--host', 'h', '--units', '')).stderr, /"" is not a unit id/);
      assert.match((await scan('--host', 'h', '--port', '0')).stderr, /--port "0": port 0 is outside 1\.\.65535/);
      assert.match((await scan('--host', 'h', '--timeout', 'soon')).stderr, /--timeout "soon": a whole number of milliseconds/);
      assert.equal((await scan('--units', '1')).code, 2);
      assert.match((await scan('--hots', 'h')).stderr, /Unknown option '--hots'/);
    });

    it('explains wrong serial options and exits 2', async () => {
      const problem = async (...args: string[]): Promise<string> => {
        const result = await scan(...args);
        assert.equal(result.code, 2);
        return result.stderr.split('\n')[0] ?? '';
      };
      assert.equal(await problem('--serial', '/dev/ttyUSB0'), 'sunplug scan: --serial needs --baud (the bus speed: 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)');
      assert.equal(await problem('--serial', '/dev/ttyUSB0', '--baud', '9601'), 'sunplug scan: --baud "9601": one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200');
      assert.equal(await problem('--baud', '9600'), 'sunplug scan: --baud, --parity and --stop-bits go with --serial PATH (the RS-485 adapter, e.g. /dev/ttyUSB0)');
      assert.equal(await problem('--serial', '/dev/ttyUSB0', '--baud', '9600', '--parity', 'mark'), 'sunplug scan: --parity "mark": none, even or odd');
      assert.equal(await problem('--serial', '/dev/ttyUSB0', '--baud', '9600', '--stop-bits', '3'), 'sunplug scan: --stop-bits "3": 1 or 2');
      assert.equal(await problem('--serial', '/dev/ttyUSB0', '--baud', '9600', '--host', 'h'),
        'sunplug scan: --serial scans an RS-485 bus; --host and --port are for Modbus TCP: give one or the other');
    });

    it('says when a serial port cannot be opened', async () => {
      const { code, stdout } = await scan('--serial', '/nonexistent/ttyUSB9', '--baud', '9600', '--units', '1');
      assert.equal(code, 1);
      assert.match(stdout, /^Scanning the RS-485 bus on \/nonexistent\/ttyUSB9 \(9600 8N1\), units 1 \(timeout 500 ms\)\.\.\.\n\/nonexistent\/ttyUSB9: cannot connect: .*No such file or directory.*\.\n/);
    });

    it('exits 1 quickly when nothing listens on the host', async () => {
      const port = await findFreePort();
      const clock = new RealClock();
      const started = clock.nowMs();
      const json = await scan('--host', '127.0.0.1', '--port', String(port), '--json');
      assert.equal(json.code, 1);
      assert.equal(json.stdout, '[]\n');
      const text = await scan('--host', '127.0.0.1', '--port', String(port));
      assert.equal(text.code, 1);
      assert.match(text.stdout, new RegExp(`Port ${port}: cannot connect: .*ECONNREFUSED.*\\.\\nNo Modbus device found on 127\\.0\\.0\\.1`));
      assert.ok(clock.nowMs() - started < 2000, `took ${clock.nowMs() - started} ms`);
    });
  });

  it('parses and prints unit lists', () => {
    assert.deepEqual(parseIdList('1,2,3,71,126,200-204,240', 'unit id', 0, 255), [1, 2, 3, 71, 126, 200, 201, 202, 203, 204, 240]);
    assert.deepEqual(parseIdList(' 3 , 1, 1-2 ', 'unit id', 0, 255), [1, 2, 3]);
    assert.equal(formatIdList([1, 2, 3, 71, 126, 200, 201, 202, 203, 204, 240]), '1-3, 71, 126, 200-204, 240');
    assert.equal(formatIdList([1, 2, 5]), '1, 2, 5');
  });

  it('numbers meters of the same role in the snippet', () => {
    const base = { host: 'h', port: 502, manufacturer: null, model: null, serial: null, sunspecModels: [], powerW: 0, match: 'sunspec' as const, alsoPossible: [] };
    const snippet = configSnippet([
      { ...base, unit: 1, role: 'pv', roles: ['pv', 'battery'], device: 'fronius-gen24' },
      { ...base, unit: 2, role: 'pv', roles: ['pv'], device: 'sunspec' },
    ]);
    assert.equal(snippet, [
      'meters:',
      '  - { id: pv, role: pv, device: fronius-gen24, modbus: { host: h, port: 502, unit: 1 } }',
      '  - { id: battery, role: battery, device: fronius-gen24, modbus: { host: h, port: 502, unit: 1 } }',
      '  - { id: pv-2, role: pv, device: sunspec, modbus: { host: h, port: 502, unit: 2 } }',
      '',
    ].join('\n'));
  });
});
