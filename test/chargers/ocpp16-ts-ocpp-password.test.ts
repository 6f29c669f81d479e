import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import tsOcpp from '@voltbras/ts-ocpp';
import { ChargerAdmission, type ApprovalRecord } from '../../src/chargers/admission/charger-admission.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { eventually } from '../support/eventually.ts';
import { nextConnection, startTestServer, type TestServer } from './ocpp-test-kit.ts';

/**
 * Security profile 1 against a charge point we did not write (@voltbras/ts-ocpp). It has no password option of its
 * own; its WebSocket library (ws) turns credentials in the URL into the Basic-auth header, as OCPP specifies
 * (user name = charge point id). A refused upgrade surfaces there only as a logged error, so the test listens for it.
 */

type Handler = ConstructorParameters<typeof tsOcpp.ChargePoint>[1];

const handler: Handler = (request) => {
  switch (request.action) {
    case 'GetConfiguration':
      return { action: request.action, ocppVersion: request.ocppVersion, configurationKey: [] };
    case 'ChangeConfiguration':
      return { action: request.action, ocppVersion: request.ocppVersion, status: 'Accepted' };
    default:
      throw new Error(`not handled: ${request.action}`);
  }
};

function urlWithCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString().replace(/\/$/, '');
}

describe('an independent 1.6J charge point (@voltbras/ts-ocpp) under security profile 1', () => {
  let t: TestServer;
  let admission: ChargerAdmission;
  const errors: string[] = [];
  const consoleError = console.error;

  before(async () => {
    const clock = new FakeClock();
    const approvals = new Map<string, ApprovalRecord>();
    admission = await ChargerAdmission.create({
      clock, logger: silentLogger(), securityProfile: 1, unknownChargers: 'reject',
      configured: [{ id: 'ts-cp', password: 'ts-ocpp-password-0001' }],
      store: { approvals: () => approvals, saveApproval: async (id, record) => { approvals.set(id, record); } },
    });
    t = await startTestServer({ clock, admit: (request) => admission.admit(request) });
    // ts-ocpp reports socket errors with console.error; keep them for the assertions instead of the test output.
    console.error = (...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    };
  });

  after(async () => {
    console.error = consoleError;
    await t.server.close();
  });

  it('is refused with 401 when it sends a wrong password', async () => {
    const cp = new tsOcpp.ChargePoint('ts-cp', handler, urlWithCredentials(t.url, 'ts-cp', 'wrong-password-00001'));
    void cp.connect(); // resolves only on open, which never comes
    await eventually(() => errors.some((e) => e.includes('401')), 'the 401 at the charge point');
    assert.equal(admission.refusals()[0]?.reason, 'wrong-password');
    assert.equal(t.server.connectionInfo('ts-cp').connected, false);
    cp.close();
  });

  it('connects and boots Accepted with the right one', async () => {
    const connected = nextConnection(t.server);
    const cp = new tsOcpp.ChargePoint('ts-cp', handler, urlWithCredentials(t.url, 'ts-cp', 'ts-ocpp-password-0001'));
    await cp.connect();
    await connected;
    const boot = (await cp.sendRequest({ action: 'BootNotification', ocppVersion: 'v1.6-json', payload: { chargePointVendor: 'Voltbras', chargePointModel: 'ts-ocpp' } }).run()).unsafeCoerce();
    assert.equal(boot.status, 'Accepted');
    cp.close();
  });
});
