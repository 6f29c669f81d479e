/**
 * The profile simulator (src/sim/profile-device.ts) serves every device profile with live values, and ProfileMeter
 * reads them back over real Modbus TCP: the values, signs and units survive the round trip for every register role
 * of every profile. mbpoll, an independent client, reads an SDM630 image to show the encoding is the device's, not
 * merely the inverse of Sunplug's decoder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusLinkPool, type ModbusLink } from '../../src/devices/modbus/modbus-link.ts';
import { ProfileCatalog } from '../../src/devices/profiles/profile-catalog.ts';
import { createProfileMeter } from '../../src/devices/profiles/profile-meter.ts';
import { isSunSpecRole, profileRoles, roleUnit } from '../../src/devices/profiles/profile-schema.ts';
import type { MeterReading, MeterRole } from '../../src/domain/meter-reading.ts';
import { FakeClock, RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startModbusServer, type ModbusSimServer } from '../../src/sim/modbus-server.ts';
import { ProfileDeviceImage, type ProfileValues } from '../../src/sim/profile-device.ts';
import { runMbpoll } from './support/external-peers.ts';

const VALUES: Record<MeterRole, ProfileValues> = {
  grid: { power: 1500, phasePowers: [500, 450, 550], phaseCurrents: [2.5, 2, 3], phaseVoltages: [230.5, 231, 229.5], importEnergy: 12_345_600, exportEnergy: 6_543_200 },
  pv: { power: 2500, phasePowers: [800, 850, 850], phaseCurrents: [3.5, 3.75, 3.75], phaseVoltages: [230.5, 231, 229.5], exportEnergy: 22_222_200 },
  battery: { power: -800, soc: 56, importEnergy: 1_111_100, exportEnergy: 999_900 },
};

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= Math.max(1e-6, Math.abs(expected) * 1e-6), `${what}: ${String(actual)} != ${expected}`);
}

describe('profile simulator round trip', () => {
  const catalog = new ProfileCatalog();
  const clock = new FakeClock(Date.UTC(2026, 5, 21, 12, 0, 0));
  let server: ModbusSimServer;
  let pool: ModbusLinkPool;
  let link: ModbusLink;

  before(async () => {
    server = await startModbusServer();
    pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger(), timeoutMs: 500, interFrameGapMs: 0 });
    link = pool.get('127.0.0.1', server.port);
  });
  after(async () => {
    await pool?.close();
    await server?.close();
  });

  for (const profile of new ProfileCatalog().all()) {
    const roles = profileRoles(profile).filter((role) => !isSunSpecRole(profile.roles[role]!));
    if (roles.length === 0) continue;
    it(`${profile.id}: ${roles.join(', ')} read back as served`, async () => {
      const image = new ProfileDeviceImage(catalog.get(profile.id));
      // A single-phase device's one phase is its total (the SDM120 has one register for both).
      const valuesOf = (role: MeterRole): ProfileValues => {
        const spec = profile.roles[role]!;
        return !isSunSpecRole(spec) && spec.phasePowers?.length === 1 ? { ...VALUES[role], phasePowers: [VALUES[role].power!] } : VALUES[role];
      };
      for (const role of roles) image.set(role, valuesOf(role));
      for (const role of roles) {
        server.setUnit(roleUnit(profile, role), image);
        const spec = profile.roles[role]!;
        assert.ok(!isSunSpecRole(spec));
        const reading: MeterReading = await createProfileMeter({ id: `${profile.id}-${role}`, role, profile, link, clock, logger: silentLogger() }).read();
        const want = valuesOf(role);
        close(reading.powerW, want.power!, `${role} power`);
        if (spec.phasePowers !== undefined) spec.phasePowers.forEach((_, i) => close(reading.phasePowersW?.[i], want.phasePowers![i]!, `${role} phase power ${i + 1}`));
        if (spec.phaseVoltages !== undefined) spec.phaseVoltages.forEach((_, i) => close(reading.phaseVoltagesV?.[i], want.phaseVoltages![i]!, `${role} voltage ${i + 1}`));
        if (spec.phaseCurrents !== undefined) spec.phaseCurrents.forEach((_, i) => close(reading.phaseCurrentsA?.[i], want.phaseCurrents![i]!, `${role} current ${i + 1}`));
        if (spec.importEnergy !== undefined) close(reading.importEnergyWh, want.importEnergy!, `${role} import energy`);
        if (spec.exportEnergy !== undefined) close(reading.exportEnergyWh, want.exportEnergy!, `${role} export energy`);
        if (spec.soc !== undefined) close(reading.socPct, want.soc!, `${role} soc`);
      }
    });
  }

  it('serves "not available": an SMA inverter at night reads 0 W', async () => {
    const image = new ProfileDeviceImage(catalog.get('sma-inverter'));
    image.set('pv', VALUES.pv);
    image.setNotAvailable('pv', 'power');
    server.setUnit(3, image);
    const reading = await createProfileMeter({ id: 'sma', role: 'pv', profile: catalog.get('sma-inverter'), link, clock, logger: silentLogger() }).read();
    assert.equal(reading.powerW, 0);
    assert.equal(reading.exportEnergyWh, 22_222_200);
  });

  it('mbpoll reads the SDM630 image as an SDM630: float32 input registers, high word first', async () => {
    const image = new ProfileDeviceImage(catalog.get('eastron-sdm630'));
    image.set('grid', { ...VALUES.grid, power: 632.5 });
    server.setUnit(1, image);
    const { code, values, output } = await runMbpoll(server.port, ['-a', '1', '-0', '-r', String(0x34), '-c', '1', '-t', '3:float', '-B']);
    assert.equal(code, 0, output);
    assert.equal(Number(values.get(0x34)), 632.5);
  });
});
