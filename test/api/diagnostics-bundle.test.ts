import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { logFile, redactSecrets } from '../../src/api/diagnostics-bundle.ts';
import { LogTail } from '../../src/platform/log-tail.ts';
import { createLogger } from '../../src/platform/logger.ts';

describe('diagnostics bundle parts', () => {
  it('the log tail passes every line on and keeps only the last ones', async () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (chunk: Buffer) => { written += chunk.toString(); });
    const tail = new LogTail(out, 3);
    const logger = createLogger({ destination: tail, level: 'info' });
    for (let i = 1; i <= 5; i++) logger.info({ n: i }, `line ${i}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(written.trim().split('\n').length, 5);
    assert.deepEqual(tail.lines().map((l) => JSON.parse(l).n), [3, 4, 5]);
  });

  it('log lines are redacted like the JSON parts, and lines that are not JSON are left out', () => {
    const file = logFile('log.jsonl', [
      JSON.stringify({ msg: 'approved', charger: 'visitor', passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==' }),
      JSON.stringify({ msg: 'fetch failed', url: 'https://user:hunter2@prices.example/api?token=abc123' }),
      'Error: something printed raw with password=hunter2',
    ]);
    const text = String(file.content);
    assert.doesNotMatch(text, /scrypt\$|hunter2|abc123/);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines[0].passwordHash, '[redacted]');
    assert.equal(lines[1].url, 'https://prices.example/api?[redacted]');
    assert.match(lines[2].msg, /1 line\(s\) that were not JSON left out/);
  });

  it('redacts by field name at any depth and keeps everything else', () => {
    assert.deepEqual(redactSecrets({ chargers: [{ id: 'a', password: 'p', maxCurrentA: 16 }], auth: { apiToken: 't', key: 'k' }, ok: false }),
      { chargers: [{ id: 'a', password: '[redacted]', maxCurrentA: 16 }], auth: { apiToken: '[redacted]', key: '[redacted]' }, ok: false });
  });
});
