import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDemoStack, type DemoStack } from '../e2e/demo-stack.ts';
import { eventually } from '../support/eventually.ts';

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the API under test
}

describe('settings API: changes validated on the server, saved atomically, applied at once', () => {
  let stack: DemoStack;
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const settingsFile = async (): Promise<string> => readFile(join(stack.dataDir, 'settings.json'), 'utf8').catch(() => '');
  /** Asserts a rejected call: 400 invalid_settings naming `field`, and neither the effective settings nor the file changed. */
  const rejected = async (method: string, path: string, body: unknown, field: string, message?: RegExp): Promise<void> => {
    const before = await call('GET', '/api/v1/settings');
    const fileBefore = await settingsFile();
    const answer = await call(method, path, body);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, 'invalid_settings');
    assert.ok(field in answer.body.error.fields, `expected field ${field} in ${JSON.stringify(answer.body.error.fields)}`);
    if (message) assert.match(answer.body.error.fields[field], message);
    assert.deepEqual((await call('GET', '/api/v1/settings')).body, before.body);
    assert.equal(await settingsFile(), fileBefore);
  };

  before(async () => {
    stack = await startDemoStack({ pvW: 0 });
    await stack.runSeconds(2);
  });
  after(async () => {
    await stack?.close();
  });

  it('shows the effective values with nothing overridden at first', async () => {
    const { status, body } = await call('GET', '/api/v1/settings');
    assert.equal(status, 200);
    assert.deepEqual(body.site.values, { voltageV: 230, phases: 3, mainFuseA: 25, safetyMarginA: 1, safeCurrentA: 6 });
    assert.deepEqual(body.site.overridden, []);
    assert.equal(body.chargers[0].id, 'garage');
    assert.equal(body.chargers[0].values.maxCurrentA, 16);
    assert.deepEqual(body.meters.map((m: { id: string }) => m.id), ['grid', 'pv']);
    assert.equal(body.tariff.values, null);
  });

  it('rejects each kind of invalid site value with the field path and a clear message, changing nothing', async () => {
    await rejected('PATCH', '/api/v1/settings/site', { mainFuseA: 2 }, 'site.mainFuseA', /^must be between 6 and 400 A$/);
    await rejected('PATCH', '/api/v1/settings/site', { voltageV: 'high' }, 'site.voltageV', /must be a number/);
    await rejected('PATCH', '/api/v1/settings/site', { phases: 2 }, 'site.phases', /1 or 3/);
    await rejected('PATCH', '/api/v1/settings/site', { fuse: 25 }, 'site.fuse', /not a setting/);
    await rejected('PATCH', '/api/v1/settings/site', { safeCurrentA: 40 }, 'site.safeCurrentA', /between 0 and 32 A/);
  });

  it('rejects invalid charger values by charger and field, and answers 404 for an unknown charger', async () => {
    await rejected('PATCH', '/api/v1/settings/chargers/garage', { minCurrentA: 14, maxCurrentA: 10 }, 'chargers.garage.minCurrentA', /must not exceed maxCurrentA/);
    await rejected('PATCH', '/api/v1/settings/chargers/garage', { maxCurrentA: 100 }, 'chargers.garage.maxCurrentA', /between 6 and 80 A/);
    await rejected('PATCH', '/api/v1/settings/chargers/garage', { circuit: 'garage-breaker' }, 'chargers.garage.circuit', /no circuit/);
    await rejected('PATCH', '/api/v1/settings/chargers/garage', { phaseRotation: 'L1L3L2' }, 'chargers.garage.phaseRotation');
    assert.equal((await call('PATCH', '/api/v1/settings/chargers/nobody', { maxCurrentA: 10 })).status, 404);
  });

  it('a main fuse change takes effect in the next decision, both ways', async () => {
    // The demo household draws much of the 25 A fuse on L2 at noon: in fast mode the car gets less than its 16 A.
    assert.equal((await call('PUT', '/api/v1/chargers/garage/mode', { mode: 'fast' })).status, 200);
    await stack.runSeconds(2);
    const squeezed = stack.sunplug.service.decisions({ chargerId: 'garage', limit: 1 })[0]!;
    assert.ok(squeezed.currentA < 16 && /fuse/.test(squeezed.reason), JSON.stringify(squeezed));

    const answer = await call('PATCH', '/api/v1/settings/site', { mainFuseA: 63 });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.site.overridden, ['mainFuseA']);
    assert.equal(answer.body.site.values.mainFuseA, 63);
    // A raise waits until the charger has settled on its last limit (8 s), as after any cut.
    const raised = await stack.runUntil(() => {
      const latest = stack.sunplug.service.decisions({ chargerId: 'garage', limit: 1 })[0]!;
      return latest.currentA === 16 ? latest : undefined;
    }, 'the car to get 16 A under the larger fuse', 12);
    assert.equal(raised.reason, 'fast');
    assert.equal(stack.sunplug.service.state().site.mainFuseA, 63);
    assert.equal(JSON.parse(await settingsFile()).overrides.site.mainFuseA, 63);

    // null returns the value to the config file's, again at the next decision.
    const reset = await call('PATCH', '/api/v1/settings/site', { mainFuseA: null });
    assert.equal(reset.body.site.values.mainFuseA, 25);
    assert.deepEqual(reset.body.site.overridden, []);
    await stack.runSeconds(1);
    const back = stack.sunplug.service.decisions({ chargerId: 'garage', limit: 1 })[0]!;
    assert.ok(back.currentA < 16 && /fuse/.test(back.reason), JSON.stringify(back));
  });

  it('a lower charger maximum takes effect in the next decision, and a new name shows in the state', async () => {
    await call('PATCH', '/api/v1/settings/site', { mainFuseA: 63 });
    const answer = await call('PATCH', '/api/v1/settings/chargers/garage', { maxCurrentA: 10, name: 'Carport' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.chargers[0].overridden.sort(), ['maxCurrentA', 'name']);
    await stack.runSeconds(1);
    assert.equal(stack.sunplug.service.state().chargers[0]!.targetA, 10);
    assert.equal(stack.sunplug.service.state().chargers[0]!.name, 'Carport');
    await call('PATCH', '/api/v1/settings/chargers/garage', { maxCurrentA: null, name: null });
    await call('PATCH', '/api/v1/settings/site', { mainFuseA: null });
  });

  it('validates a tariff as the config file would, and a valid one prices the state at once', async () => {
    await rejected('PUT', '/api/v1/settings/tariff', {
      kind: 'time-of-use', currency: 'EUR', basePricePerKWh: 0.3, windows: [{ pricePerKWh: 0.2, from: '25:00', to: '06:00' }],
    }, 'tariff.windows.0.from', /HH:MM/);
    await rejected('PUT', '/api/v1/settings/tariff', { kind: 'fixed', currency: 'euro', pricePerKWh: 0.3 }, 'tariff.currency', /ISO 4217/);
    const answer = await call('PUT', '/api/v1/settings/tariff', {
      kind: 'time-of-use', currency: 'EUR', basePricePerKWh: 0.31, windows: [{ name: 'night', pricePerKWh: 0.22, from: '22:00', to: '06:00' }],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.tariff.overridden, true);
    assert.equal(answer.body.tariff.values.windows[0].days[0], 'all');
    assert.equal(stack.sunplug.service.state().site.priceNowPerKWh, 0.31);
    const reset = await call('DELETE', '/api/v1/settings/tariff');
    assert.equal(reset.body.tariff.values, null);
  });

  it('adds a meter from scan results, polls it at once, and removes it again', async () => {
    const [grid] = (await call('GET', '/api/v1/devices')).body;
    await rejected('POST', '/api/v1/settings/meters', { id: 'grid', role: 'grid', device: 'sunspec', modbus: grid.modbus }, 'meter.id', /duplicate/);
    await rejected('POST', '/api/v1/settings/meters', { id: 'x', role: 'pv', device: 'sunspec', modbus: { host: '' } }, 'meter.modbus.host');
    const scan = await call('POST', '/api/v1/devices/scan', { host: grid.modbus.host, ports: [grid.modbus.port], units: [1, 240], timeoutMs: 500 });
    assert.equal(scan.status, 200, JSON.stringify(scan.body));
    const inverter = scan.body.find((d: { unit: number }) => d.unit === 1);
    assert.equal(inverter.manufacturer, 'Sunplug Demo');
    const added = await call('POST', '/api/v1/settings/meters', {
      id: 'pv-2', role: 'pv', device: inverter.device, modbus: { host: inverter.host, port: inverter.port, unit: inverter.unit },
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.meters.find((m: { id: string }) => m.id === 'pv-2').source, 'settings');
    await stack.runSeconds(2);
    await eventually(async () => {
      const devices = (await call('GET', '/api/v1/devices')).body;
      return devices.find((d: { id: string }) => d.id === 'pv-2')?.health?.readCount > 0;
    }, 'the added meter to be read');
    const gone = await call('DELETE', '/api/v1/settings/meters/pv-2');
    assert.equal(gone.status, 200);
    assert.deepEqual(gone.body.meters.map((m: { id: string }) => m.id), ['grid', 'pv']);
    assert.deepEqual(stack.sunplug.poller.healthReport().map((h) => h.id), ['grid', 'pv']);
    // The config file's PV meter removed and added back (same entry) is read again by a fresh driver.
    const pv = added.body.meters.find((m: { id: string }) => m.id === 'pv');
    assert.equal((await call('DELETE', '/api/v1/settings/meters/pv')).status, 200);
    assert.deepEqual((await call('GET', '/api/v1/settings')).body.removedMeters, ['pv']);
    const { source: _source, ...pvEntry } = pv;
    assert.equal((await call('POST', '/api/v1/settings/meters', pvEntry)).status, 201);
    const readsBefore = stack.sunplug.poller.healthReport().find((h) => h.id === 'pv')!.readCount;
    await stack.runSeconds(4);
    await eventually(() => stack.sunplug.poller.healthReport().find((h) => h.id === 'pv')!.readCount > readsBefore, 'the PV meter to be read again');
    // The grid meter is the site's grid meter: removing it would leave an invalid configuration.
    await rejected('DELETE', '/api/v1/settings/meters/grid', undefined, 'site.gridMeter');
    assert.equal((await call('DELETE', '/api/v1/settings/meters/nope')).status, 404);
  });

  it('bounds a scan: too many units at a long timeout is refused before anything is sent', async () => {
    const answer = await call('POST', '/api/v1/devices/scan', { host: '127.0.0.1', ports: [502, 1502], units: Array.from({ length: 64 }, (_, i) => i), timeoutMs: 5000 });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'scan_too_long');
    assert.equal((await call('POST', '/api/v1/devices/scan', { host: 'bad host!' })).status, 400);
  });
});
