import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, parseConfigText } from '../../src/store/config-file.ts';
import { configJsonSchema } from '../../src/store/config-json-schema.ts';

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

function problemsOf(text: string): readonly string[] {
  try {
    parseConfigText(text);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected the config to be rejected');
}

describe('config file', () => {
  for (const name of readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml'))) {
    it(`the shipped example ${name} is valid`, async () => {
      await loadConfigFile(`${CONFIG_DIR}${name}`);
    });
  }

  it('fills defaults for what the installer leaves out', () => {
    const config = parseConfigText('site: { mainFuseA: 35 }\nchargers: [{ id: garage }]\n');
    assert.equal(config.site.voltageV, 230);
    assert.equal(config.chargers[0]!.maxCurrentA, 16);
    assert.equal(config.chargers[0]!.mode, 'solar');
    assert.equal(config.http.port, 8080);
    assert.equal(config.ocpp.port, 8887);
  });

  const bad: { name: string; text: string; problem: RegExp }[] = [
    { name: 'an unknown key', text: 'site: { mainFuseA: 25, mainfuse: 25 }', problem: /^site: Unrecognized key: "mainfuse"/ },
    { name: 'a value of the wrong type', text: 'site: { mainFuseA: "25A" }', problem: /^site\.mainFuseA: .*expected number/ },
    { name: 'a value out of range', text: 'site: { mainFuseA: 25 }\nchargers: [{ id: g, maxCurrentA: 200 }]', problem: /^chargers\.0\.maxCurrentA: Too big/ },
    { name: 'an unknown time zone', text: 'site: { mainFuseA: 25, timezone: Europe/Atlantis }', problem: /^site\.timezone: an IANA time zone/ },
    { name: 'a missing fuse rating', text: 'site: { name: Home }', problem: /^site\.mainFuseA: .*expected number/ },
    { name: 'a grid meter that does not exist', text: 'site: { mainFuseA: 25, gridMeter: nope }', problem: /^site\.gridMeter: no meter with id "nope"/ },
    { name: 'duplicate charger ids', text: 'site: { mainFuseA: 25 }\nchargers: [{ id: a }, { id: a }]', problem: /^chargers\.1\.id: duplicate charger id "a"/ },
    { name: 'broken YAML', text: 'site: { mainFuseA: 25\nchargers: [', problem: /^YAML: / },
    { name: 'a duplicated YAML key', text: 'site: { mainFuseA: 25 }\nsite: { mainFuseA: 35 }', problem: /^YAML: Map keys must be unique/ },
  ];
  for (const row of bad) {
    it(`rejects ${row.name} with a message naming the path`, () => {
      const problems = problemsOf(row.text);
      assert.ok(problems.some((p) => row.problem.test(p)), `got: ${problems.join(' | ')}`);
    });
  }

  it('says plainly when the file cannot be read', async () => {
    await assert.rejects(loadConfigFile('/nonexistent/sunplug.yaml'), /cannot read the file/);
  });

  it('config/sunplug.schema.json is generated from the current schema (run npm run schema)', () => {
    const shipped: unknown = JSON.parse(readFileSync(`${CONFIG_DIR}sunplug.schema.json`, 'utf8'));
    assert.deepEqual(shipped, configJsonSchema());
  });
});

describe('config: circuits, phase rotation and battery', () => {
  it('accepts a garage breaker feeding two rotated chargers and a home battery', () => {
    const config = parseConfigText(`site: { mainFuseA: 35 }
circuits: [{ id: garage, maxCurrentA: 32 }]
chargers:
  - { id: a, circuit: garage, phases: 1, phaseRotation: L2L3L1 }
  - { id: b, circuit: garage }
battery: { prioritySocPct: 30, bufferSocPct: 80 }
`);
    assert.equal(config.chargers[0]!.phaseRotation, 'L2L3L1');
    assert.equal(config.chargers[1]!.phaseRotation, 'L1L2L3');
    assert.equal(config.circuits[0]!.maxCurrentA, 32);
  });
  it('names a charger pointing at a circuit that does not exist', () => {
    assert.ok(problemsOf('site: { mainFuseA: 35 }\nchargers: [{ id: a, circuit: shed }]').some((p) => p.startsWith('chargers.0.circuit: no circuit with id "shed"')));
  });
  it('rejects a buffer below the priority state of charge', () => {
    assert.ok(problemsOf('site: { mainFuseA: 35 }\nbattery: { prioritySocPct: 80, bufferSocPct: 20 }').some((p) => p.startsWith('battery.bufferSocPct')));
  });
});
