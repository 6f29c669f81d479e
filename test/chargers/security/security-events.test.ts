import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SecurityEventLog } from '../../../src/chargers/security/security-events.ts';
import { capturingLogger, RawCharger, startTestServer, type TestServer } from '../ocpp-test-kit.ts';

/**
 * SecurityEventNotification over OCPP 1.6 (the security extension): acknowledged and recorded like 2.0.1's (see
 * ocpp201-fail-safe.test.ts), also from a charger still waiting for approval; unreadable ones are logged, not kept.
 */

describe('security events from 1.6 chargers', () => {
  let t: TestServer;
  const log = capturingLogger();
  const events = new SecurityEventLog({ logger: log.logger, maxPerCharger: 3 });

  before(async () => {
    t = await startTestServer({
      known: ['sec16'], logger: log.logger, securityEvents: events,
      admit: ({ identity }) => (identity === 'sec16' ? 'accept' : identity === 'waiting' ? 'pending' : 'reject'),
    });
  });

  after(async () => {
    await t.server.close();
  });

  it('acknowledges, records and logs them; keeps only the newest few', async () => {
    const raw = new RawCharger(t.url, 'sec16');
    await raw.open();
    const at = new Date(t.clock.nowMs() - 60_000).toISOString();
    assert.deepEqual(await raw.call('s1', 'SecurityEventNotification', { type: 'MaintenanceLoginFailed', timestamp: at, techInfo: 'user admin' }), [3, 's1', {}]);
    const [event] = events.events('sec16');
    assert.deepEqual(event, {
      atMs: Date.parse(at), receivedAtMs: t.clock.nowMs(), type: 'MaintenanceLoginFailed', techInfo: 'user admin',
      critical: true, attention: true, text: 'a maintenance login failed',
    });
    assert.ok(log.lines.some((line) => line.chargerId === 'sec16' && line.type === 'MaintenanceLoginFailed' && line.level === 40), 'logged as a warning');

    for (const [id, type] of [['s2', 'ResetOrReboot'], ['s3', 'AcmeVendorSpecificThing'], ['s4', 'InvalidMessages']]) {
      assert.deepEqual((await raw.call(id!, 'SecurityEventNotification', { type, timestamp: at }) as unknown[])[0], 3);
    }
    assert.deepEqual(events.events('sec16').map((e) => e.type), ['InvalidMessages', 'AcmeVendorSpecificThing', 'ResetOrReboot']);
    assert.equal(events.events('sec16')[1]?.text, 'security event AcmeVendorSpecificThing', 'unknown vendor types are kept as they are');
    assert.equal(events.warning('sec16', t.clock.nowMs()), undefined, 'the attention event was pushed out');

    // Unreadable: still answered (the charger must not retry forever), logged, not recorded.
    assert.equal((await raw.call('s5', 'SecurityEventNotification', { kind: 'nonsense' }) as unknown[])[0], 3);
    assert.equal(events.events('sec16').length, 3);
    assert.ok(log.lines.some((line) => String(line.msg).includes('unreadable SecurityEventNotification')));
    raw.ws.close();
  });

  it('records the events of a charger waiting for approval', async () => {
    const raw = new RawCharger(t.url, 'waiting');
    await raw.open();
    await raw.call('p1', 'SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: new Date(t.clock.nowMs()).toISOString() });
    assert.deepEqual(events.events('waiting').map((e) => e.type), ['TamperDetectionActivated']);
    raw.ws.close();
  });
});
