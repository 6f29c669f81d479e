import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { startServicesStack, type ServicesStack } from './charger-services-kit.ts';
import { nextConnection, waitForRequest, waitForState } from './ocpp-test-kit.ts';

/**
 * The card list through the API, the answers chargers get for cards, and the 1.6 simulator's local list kept in sync
 * (Full at first, Differential after each change) so that the family's cards keep working while Sunplug is away.
 */
describe('RFID cards with a 1.6 wallbox', () => {
  let s: ServicesStack;
  let cp: SimulatedChargePoint;
  let adapter: ChargerAdapter;

  before(async () => {
    s = await startServicesStack();
    cp = new SimulatedChargePoint({ id: 'cp1', url: s.url, clock: s.clock, voltageV: 230, autoStart: false, reconnectDelayMs: 20 });
    const connected = nextConnection(s.server);
    const firstList = waitForRequest(cp, 'SendLocalList');
    await cp.start();
    adapter = await connected;
    // An empty card list is still sent whole, so that the charger holds nothing stale.
    const full = await firstList;
    assert.deepEqual(full.payload, { listVersion: 1, updateType: 'Full' });
    assert.deepEqual(full.response, { status: 'Accepted' });
  });

  after(async () => {
    await cp.stop();
    await s.close();
  });

  it('accepts any card while the list is empty (auto mode), and remembers it as unknown', async () => {
    await cp.plugIn();
    assert.equal(await cp.presentCard('VISITOR1'), 'Accepted');
    await waitForState(adapter, (state) => state.transactionId !== undefined);
    await cp.unplug();
    const { body } = await s.api('/api/v1/cards');
    assert.equal(body.mode, 'auto');
    assert.equal(body.onlyKnownCards, false);
    assert.deepEqual(body.unknown.map((u: { idTag: string; chargerId: string }) => [u.idTag, u.chargerId]), [['VISITOR1', 'cp1']]);
  });

  it('adds, renames and blocks cards; each change reaches the wallbox as a differential update', async () => {
    let update = waitForRequest(cp, 'SendLocalList');
    const added = await s.api('/api/v1/cards', { method: 'POST', body: { idTag: 'FAMILY01', name: 'Blue tag', owner: 'Ana' } });
    assert.equal(added.status, 201);
    assert.equal(added.body.status, 'accepted');
    assert.deepEqual((await update).payload, {
      listVersion: 2, updateType: 'Differential', localAuthorizationList: [{ idTag: 'FAMILY01', idTagInfo: { status: 'Accepted' } }],
    });
    assert.deepEqual([...cp.maintenance.localList], [['FAMILY01', { status: 'Accepted' }]]);

    update = waitForRequest(cp, 'SendLocalList');
    assert.equal((await s.api('/api/v1/cards', { method: 'POST', body: { idTag: 'VISITOR1', name: 'Neighbour', status: 'blocked' } })).status, 201);
    assert.equal((await update).payload && cp.maintenance.lookup('VISITOR1'), 'Blocked');

    // A rename changes nothing the charger holds: no write (no flash wear), but the API shows it.
    const renamed = await s.api('/api/v1/cards/FAMILY01', { method: 'PUT', body: { name: 'Blue key fob', owner: 'Ana S.' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Blue key fob');
    const listed = await s.api('/api/v1/cards');
    assert.deepEqual(listed.body.cards.map((c: { idTag: string; owner: string }) => [c.idTag, c.owner]), [['FAMILY01', 'Ana S.'], ['VISITOR1', '']]);
    assert.deepEqual(listed.body.unknown, [], 'an added card is no longer listed as unknown');
    assert.equal(listed.body.onlyKnownCards, true);
    assert.equal(cp.maintenance.listVersion, 3);
  });

  it('refuses duplicates, unknown cards and bad input with clear errors', async () => {
    const duplicate = await s.api('/api/v1/cards', { method: 'POST', body: { idTag: 'FAMILY01' } });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.error.code, 'card_exists');
    const bad = await s.api('/api/v1/cards', { method: 'POST', body: { idTag: 'has space', colour: 'red' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /idTag: printable characters without spaces/);
    assert.match(bad.body.error.message, /colour/);
    assert.equal((await s.api('/api/v1/cards/NOPE', { method: 'PUT', body: { name: 'x' } })).status, 404);
    assert.equal((await s.api('/api/v1/cards/FAMILY01', { method: 'PUT', body: { status: 'lost' } })).status, 400);
    assert.equal((await s.api('/api/v1/cards/NOPE', { method: 'DELETE' })).status, 404);
    assert.equal((await s.api('/api/v1/cards', { method: 'POST', body: { idTag: 'X1', expiresAt: 'next week' } })).status, 400);
  });

  it('answers Authorize from the list once it holds a card: known accepted, blocked refused, strangers invalid', async () => {
    const authorize = (idTag: string) => s.services.hooks.authorize!({ chargerId: 'cp1', idToken: idTag, origin: 'Authorize' });
    assert.deepEqual(authorize('FAMILY01'), { status: 'Accepted' });
    assert.deepEqual(authorize('VISITOR1'), { status: 'Blocked' });
    assert.deepEqual(authorize('STRANGER'), { status: 'Invalid' });
    await cp.plugIn();
    assert.equal(await cp.presentCard('STRANGER'), 'Invalid');
    const { body } = await s.api('/api/v1/cards');
    assert.equal(body.unknown[0].idTag, 'STRANGER');
  });

  it('keeps the family charging from the local list while Sunplug is away; blocked and unknown cards stay out', async () => {
    await s.server.close(); // Sunplug stops: the wallbox loses its central system
    await waitForState(adapter, (state) => !state.connected);
    assert.equal(await cp.presentCard('STRANGER'), 'Invalid');
    assert.equal(await cp.presentCard('VISITOR1'), 'Blocked');
    assert.equal(await cp.presentCard('FAMILY01'), 'Accepted');
    await s.clock.advance(5_000);
    assert.ok(cp.offeredCurrentA > 0, 'the car charges without Sunplug');
  });
});

describe('local list versions', () => {
  let s: ServicesStack;
  let cp: SimulatedChargePoint | undefined;

  before(async () => {
    s = await startServicesStack();
    s.services.cards.add({ idTag: 'CARD0001', name: '', owner: '', status: 'accepted', expiresAtMs: null }, s.clock.nowMs());
  });

  after(async () => {
    await cp?.stop();
    await s.close();
  });

  it('sends the whole list again when the charger reports a version Sunplug did not send (e.g. after a reset)', async () => {
    cp = new SimulatedChargePoint({ id: 'cp1', url: s.url, clock: s.clock, voltageV: 230, autoStart: false });
    const first = waitForRequest(cp, 'SendLocalList');
    await cp.start();
    assert.equal((await first).payload && cp.maintenance.listVersion, 1);
    cp.maintenance.listVersion = 0; // the charger lost its list
    cp.maintenance.localList.clear();
    const again = waitForRequest(cp, 'SendLocalList');
    s.services.cards.add({ idTag: 'CARD0002', name: '', owner: '', status: 'accepted', expiresAtMs: null }, s.clock.nowMs());
    const sent = await again;
    assert.equal((sent.payload as { updateType: string }).updateType, 'Full');
    assert.equal(cp.maintenance.listVersion, 2);
    assert.deepEqual([...cp.maintenance.localList.keys()].sort(), ['CARD0001', 'CARD0002']);
    const result = await s.services.localLists.sync('cp1');
    assert.deepEqual(result, { outcome: 'up-to-date', version: 2 });
  });
});
