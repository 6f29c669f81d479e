/**
 * Every shipped device profile validates against the profile schema, names itself after its file, lists the roles
 * the config schema expects, and keeps its notes intact. The schema itself refuses typos and mismatched units.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isNode, parseDocument, visit } from 'yaml';
import { DEVICE_ROLES } from '../../../src/devices/profiles/device-names.ts';
import { PROFILE_DIRECTORY, ProfileCatalog, ProfileError, loadDeviceProfile, parseDeviceProfile } from '../../../src/devices/profiles/profile-catalog.ts';
import { profileRoles } from '../../../src/devices/profiles/profile-schema.ts';

const files = readdirSync(PROFILE_DIRECTORY).filter((name) => name.endsWith('.yaml')).sort();

/** A small valid register profile; tests break one thing at a time. */
const minimal = (roles: string, extra = ''): string => `
format: 1
id: test-meter
manufacturer: Test
modelPattern: "T1"
models: [T1]
source: [a test]
connection: { transports: [tcp], port: 502, unit: 1 }
${extra}
roles:
${roles}
`;

function problems(text: string): string[] {
  try {
    parseDeviceProfile(text, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ProfileError, String(error));
    return [...error.problems];
  }
  return [];
}

describe('device profiles', () => {
  it('ships the families the installers need', () => {
    assert.ok(files.length >= 19, `only ${files.length} profiles`);
    for (const id of ['sma-inverter', 'sma-home-manager', 'fronius-symo', 'fronius-gen24', 'solaredge', 'huawei-sun2000',
      'kostal-plenticore', 'goodwe-et', 'sungrow-sh', 'victron-gx', 'eastron-sdm630', 'eastron-sdm72', 'eastron-sdm120',
      'carlo-gavazzi-em24', 'carlo-gavazzi-em340', 'abb-b23', 'shelly-pro-3em', 'sunspec']) {
      assert.ok(files.includes(`${id}.yaml`), `missing ${id}.yaml`);
    }
  });

  for (const file of files) {
    it(`${file} validates, is named after its file and cites its sources`, () => {
      const profile = loadDeviceProfile(join(PROFILE_DIRECTORY, file));
      assert.equal(`${profile.id}.yaml`, file);
      assert.ok(profile.source.length > 0);
      assert.deepEqual(profileRoles(profile), [...DEVICE_ROLES[profile.id as keyof typeof DEVICE_ROLES]],
        'src/devices/profiles/device-names.ts lists the roles of every profile');
    });

    it(`${file} has no trailing comments, which would silently cut a note short at " #"`, () => {
      const document = parseDocument(readFileSync(join(PROFILE_DIRECTORY, file), 'utf8'));
      const trailing: string[] = [];
      visit(document, (_key, node) => {
        if (isNode(node) && node.comment !== undefined && node.comment !== null) trailing.push(node.comment);
      });
      assert.deepEqual(trailing, []);
    });
  }

  it('the config schema knows every profile and only those', () => {
    assert.deepEqual(Object.keys(DEVICE_ROLES).sort(), files.map((f) => f.replace(/\.yaml$/, '')));
  });

  it('the catalog loads them all and names the known ones when asked for an unknown one', () => {
    const catalog = new ProfileCatalog();
    assert.equal(catalog.all().length, files.length);
    assert.equal(catalog.get('kostal-plenticore').connection.port, 1502);
    assert.throws(() => catalog.get('kostal'), /no device profile "kostal" \(known: abb-b23, /);
  });

  it('accepts a minimal register profile', () => {
    assert.deepEqual(problems(minimal('  grid: { power: { address: 0, type: int16, unit: W } }')), []);
  });

  it('refuses unknown keys, with their path', () => {
    assert.deepEqual(problems(minimal('  grid: { power: { address: 0, type: int16, unit: W, scael: 10 } }')),
      ['roles.grid.power: Unrecognized key: "scael"']);
    assert.deepEqual(problems(minimal('  grid: { power: { address: 0, type: int16, unit: W } }', 'colour: red')),
      ['(top level): Unrecognized key: "colour"']);
  });

  it('refuses a unit that does not fit the value, a sentinel wider than its type and an unknown type', () => {
    assert.deepEqual(problems(minimal('  grid: { power: { address: 0, type: int16, unit: kWh } }')),
      ['roles.grid.power.unit: unit kWh does not fit this value (use W or kW)']);
    assert.deepEqual(problems(minimal('  grid: { power: { address: 0, type: int16, unit: W, notAvailable: ["0x80000000"] } }')),
      ['roles.grid.power.notAvailable.0: wider than int16']);
    assert.match(problems(minimal('  grid: { power: { address: 0, type: float64, unit: W } }')).join('\n'), /roles\.grid\.power\.type: Invalid option/);
  });

  it('refuses a negative scale (the sign has its own key), a register past 65535 and a wrong function code', () => {
    assert.match(problems(minimal('  grid: { power: { address: 0, type: int16, unit: W, scale: -1 } }')).join('\n'), /roles\.grid\.power\.scale: Too small/);
    assert.deepEqual(problems(minimal('  grid: { power: { address: 65535, type: int32, unit: W } }')),
      ['roles.grid.power.address: int32 at 65535 runs past register 65535']);
    assert.match(problems(minimal('  grid: { power: { address: 0, fc: 6, type: int16, unit: W } }')).join('\n'), /roles\.grid\.power\.fc/);
  });

  it('refuses a direction register whose positive and negative bits overlap', () => {
    assert.deepEqual(problems(minimal('  battery: { power: { address: 1, type: int16, unit: W, direction: { address: 0, positiveBits: 6, negativeBits: 2 } } }')),
      ['roles.battery.power.direction: positiveBits and negativeBits must not share a bit']);
    assert.deepEqual(problems(minimal('  battery: { power: { address: 1, type: int16, unit: W, direction: { address: 0, positiveBits: 4, negativeBits: 2 } } }')), []);
  });

  it('checks sums term by term and needs at least one role', () => {
    assert.deepEqual(problems(minimal('  grid: { power: { plus: [{ address: 0, type: int32, unit: W }], minus: [{ address: 2, type: int32, unit: V }] } }')),
      ['roles.grid.power.minus.0.unit: unit V does not fit this value (use W or kW)']);
    assert.deepEqual(problems(minimal('  {}')), ['roles: a profile serves at least one role (grid, pv or battery)']);
  });

  it('refuses an id that differs from the file name', () => {
    assert.throws(() => parseDeviceProfile(minimal('  grid: { sunspec: {} }'), 'other.yaml', 'other'),
      /id: "test-meter" must equal the file name "other"/);
  });
});
