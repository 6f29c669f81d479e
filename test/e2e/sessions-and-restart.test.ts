import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChargingSession } from '../../src/domain/charging-session.ts';
import type { HistoryPoint } from '../../src/store/history-store.ts';
import { DEMO_TEST_START_MS, startDemoStack } from './demo-stack.ts';

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  return await response.json() as T;
}

describe('sessions, history and settings across a restart', () => {
  it('records a charge as a session with the energy the wallbox metered, and a restart keeps sessions, history and modes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sunplug-restart-'));
    try {
      const first = await startDemoStack({ dataDir, pvW: 0 });
      const put = await fetch(`${first.baseUrl}/api/v1/chargers/garage/mode`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'fast' }),
      });
      assert.equal(put.status, 200);
      await first.runSeconds(8 * 60);
      const meteredWh = first.demo.wallbox!.energyWh;
      assert.ok(meteredWh > 500, `the car charged (${meteredWh.toFixed(0)} Wh)`);
      await first.demo.wallbox!.unplug();
      await first.runSeconds(2);
      const [session] = await getJson<ChargingSession[]>(`${first.baseUrl}/api/v1/sessions`);
      assert.ok(session, 'a session is listed');
      assert.equal(session.chargerId, 'garage');
      assert.equal(session.stopReason, 'EVDisconnected');
      assert.ok(session.stoppedAtMs !== null && session.stoppedAtMs > session.startedAtMs);
      assert.ok(Math.abs(session.energyWh - meteredWh) <= 1, `session ${session.energyWh} Wh vs metered ${meteredWh.toFixed(1)} Wh`);
      assert.ok(session.peakPowerW > 6000, `peak power ${session.peakPowerW} W of a fuse-limited three-phase charge`);
      await first.close();

      const second = await startDemoStack({ dataDir, pvW: 0 });
      try {
        const sessions = await getJson<ChargingSession[]>(`${second.baseUrl}/api/v1/sessions?chargerId=garage`);
        assert.equal(sessions.filter((s) => s.transactionId === session.transactionId).length, 1, 'the finished session survived, once');
        const state = await getJson<{ chargers: { mode: string }[] }>(`${second.baseUrl}/api/v1/state`);
        assert.equal(state.chargers[0]!.mode, 'fast', 'the mode survived the restart');
        const history = await getJson<HistoryPoint[]>(
          `${second.baseUrl}/api/v1/history?from=${DEMO_TEST_START_MS}&to=${DEMO_TEST_START_MS + 3_600_000}&resolution=minute`);
        assert.ok(history.length >= 5, `minutes of history kept (${history.length})`);
        assert.ok(history.some((p) => p.chargersW > 5000), `the charge is in the history: ${JSON.stringify(history.map((p) => Math.round(p.chargersW)))}`);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
