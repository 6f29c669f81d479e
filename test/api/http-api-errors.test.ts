import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoStack, type DemoStack } from '../e2e/demo-stack.ts';

describe('HTTP API: a wrong call gets a clear error and changes nothing', () => {
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack();
  });
  after(async () => {
    await stack?.close();
  });

  const call = async (method: string, path: string, body?: string): Promise<{ status: number; error: { code: string; message: string } }> => {
    const response = await fetch(`${stack.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body } : {}) });
    return { status: response.status, ...(await response.json() as { error: { code: string; message: string } }) };
  };

  const rows = [
    { name: 'an unknown mode', method: 'PUT', path: '/api/v1/chargers/garage/mode', body: '{"mode":"turbo"}', status: 400, code: 'invalid_body', message: /one of off, solar, minsolar, fast/ },
    { name: 'an extra field', method: 'PUT', path: '/api/v1/chargers/garage/mode', body: '{"mode":"fast","force":true}', status: 400, code: 'invalid_body', message: /force/ },
    { name: 'malformed JSON', method: 'PUT', path: '/api/v1/chargers/garage/mode', body: '{"mode":', status: 400, code: 'bad_request', message: /JSON/ },
    { name: 'an unknown charger', method: 'PUT', path: '/api/v1/chargers/nope/mode', body: '{"mode":"fast"}', status: 404, code: 'charger_not_found', message: /"nope"/ },
    { name: 'an unknown route', method: 'GET', path: '/api/v1/nothing', status: 404, code: 'not_found', message: /GET \/api\/v1\/nothing/ },
    { name: 'a bad time in a query', method: 'GET', path: '/api/v1/history?from=yesterday&to=now', status: 400, code: 'invalid_query', message: /from: expected an ISO 8601 time/ },
    { name: 'a reversed range', method: 'GET', path: '/api/v1/history?from=2000&to=1000', status: 400, code: 'invalid_query', message: /"to" must be after "from"/ },
    { name: 'an out-of-range limit', method: 'GET', path: '/api/v1/decisions?limit=0', status: 400, code: 'invalid_query', message: /limit/ },
  ];
  for (const row of rows) {
    it(`${row.name} → ${row.status} ${row.code}`, async () => {
      const answer = await call(row.method, row.path, row.body);
      assert.equal(answer.status, row.status);
      assert.equal(answer.error.code, row.code);
      assert.match(answer.error.message, row.message);
    });
  }

  it('the mode is unchanged after the rejected calls', async () => {
    const state = await (await fetch(`${stack.baseUrl}/api/v1/state`)).json() as { chargers: { mode: string }[] };
    assert.equal(state.chargers[0]!.mode, 'solar');
  });
});
