import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sunplug.js', import.meta.url));

function sunplug(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('the sunplug command', () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await sunplug('--help');
    assert.equal(code, 0);
    for (const command of ['start', 'check-config', 'help', 'version']) assert.match(stdout, new RegExp(`^  ${command}`, 'm'));
  });

  it('check-config accepts the shipped example', async () => {
    const { code, stdout } = await sunplug('check-config', fileURLToPath(new URL('../../config/example.yaml', import.meta.url)));
    assert.equal(code, 0);
    assert.match(stdout, /OK \(2 meters, 1 chargers\)/);
  });

  it('check-config exits 1 and names every problem with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-cli-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'site: { mainFuseA: 2, colour: red }\nchargers: [{ id: "bad id!" }]\n');
    const { code, stderr } = await sunplug('check-config', file);
    assert.equal(code, 1);
    assert.match(stderr, /site\.mainFuseA: Too small/);
    assert.match(stderr, /site: Unrecognized key: "colour"/);
    assert.match(stderr, /chargers\.0\.id: an id of letters/);
  });

  it('start refuses a broken config file without starting anything', async () => {
    const { code, stderr } = await sunplug('start', '--config', '/nonexistent/sunplug.yaml');
    assert.equal(code, 1);
    assert.match(stderr, /cannot read the file/);
  });

  it('an unknown command gets a clear error and exit code 2', async () => {
    const { code, stderr } = await sunplug('frobnicate');
    assert.equal(code, 2);
    assert.match(stderr, /unknown command "frobnicate"/);
  });
});
