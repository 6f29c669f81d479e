import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { AttemptLimiter } from '../../src/api/auth/attempt-limiter.ts';
import { setupAuthentication, type AuthenticationMode } from '../../src/api/auth/authentication.ts';
import { attachDashboardSocket } from '../../src/api/dashboard-socket.ts';
import { createHttpApp } from '../../src/api/http-api.ts';
import type { SiteService } from '../../src/api/site-service.ts';
import type { SiteStateView } from '../../src/control/site-state.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger, type Logger } from '../../src/platform/logger.ts';
import { capturingLogger } from '../chargers/ocpp-test-kit.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.ts';

/**
 * Authentication through real HTTP and socket.io on 127.0.0.1: the express app and the dashboard socket as
 * startSunplug builds them, a real SQLite file, a site service that answers a fixed state, and a fake clock that
 * only the test moves (rate-limit window, sliding session expiry).
 */

const PASSWORD = 'correct horse battery';
const STATE = { version: 1, marker: 'site-state' } as unknown as SiteStateView;

function fakeSite(): SiteService {
  return {
    state: () => STATE,
    setChargerMode: async () => true,
    decisions: () => [],
    sessions: () => [],
    history: () => [],
    onStateChange: () => () => undefined,
  };
}

interface Answer<T = Record<string, unknown>> { status: number; body: T; headers: Headers }

interface Site {
  base: string;
  clock: FakeClock;
  db: SqliteDatabase;
  call<T = Record<string, unknown>>(method: string, path: string, options?: { body?: unknown; raw?: string; cookie?: string; bearer?: string }): Promise<Answer<T>>;
  socket(options: { cookie?: string; token?: string }): Promise<{ socket: Socket; outcome: 'connected' | Error & { data?: { code?: string } } }>;
  close(): Promise<void>;
}

async function startSite(mode: AuthenticationMode, logger: Logger = silentLogger()): Promise<Site> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sunplug-auth-'));
  const db = openDatabase(dataDir);
  const clock = new FakeClock();
  const auth = setupAuthentication({ mode, db, clock, logger });
  const http: Server = createServer(createHttpApp(fakeSite(), logger, undefined, { guard: auth.guard }));
  const io = attachDashboardSocket(http, fakeSite(), auth.socket);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];
  return {
    base, clock, db,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
      if (options.cookie !== undefined) headers.cookie = options.cookie;
      if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
      const response = await fetch(`${base}${path}`, {
        method, headers, ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as never, headers: response.headers };
    },
    async socket(options) {
      const socket = connectSocket(base, {
        transports: ['websocket'], reconnection: false, forceNew: true,
        ...(options.cookie !== undefined ? { extraHeaders: { cookie: options.cookie } } : {}),
        ...(options.token !== undefined ? { auth: { token: options.token } } : {}),
      });
      sockets.push(socket);
      const outcome = await new Promise<'connected' | Error>((resolve) => {
        socket.once('state', () => resolve('connected'));
        socket.once('connect_error', (error) => resolve(error));
      });
      return { socket, outcome };
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      http.closeAllConnections();
      db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `name=value` part of the session cookie in a Set-Cookie answer. */
function sessionCookie(answer: Answer<unknown>): string {
  const header = answer.headers.getSetCookie().find((c) => c.startsWith('sunplug_session='));
  assert.ok(header, 'a session cookie is set');
  return header.split(';')[0]!;
}

describe('authentication: first-run setup, login sessions, API tokens, rate limit, guarded socket', () => {
  let site: Site;
  let cookie = '';
  before(async () => {
    site = await startSite('required');
  });
  after(async () => {
    await site?.close();
  });

  it('before setup, every API call but the auth endpoints answers 401 setup_required', async () => {
    for (const [method, path] of [['GET', '/api/v1/state'], ['GET', '/api/v1/sessions'], ['PUT', '/api/v1/chargers/x/mode'], ['GET', '/api/v1/auth/tokens'], ['GET', '/api/v1/nothing']] as const) {
      const answer = await site.call<{ error: { code: string } }>(method, path);
      assert.equal(answer.status, 401, `${method} ${path}`);
      assert.equal(answer.body.error.code, 'setup_required');
    }
    assert.deepEqual((await site.call('GET', '/api/v1/auth/status')).body, { setupRequired: true, authenticated: false, via: null });
    const login = await site.call<{ error: { code: string } }>('POST', '/api/v1/auth/login', { body: { password: PASSWORD } });
    assert.deepEqual([login.status, login.body.error.code], [401, 'setup_required']);
  });

  it('static files stay public (the dashboard page loads and goes to the login page itself)', async () => {
    const page = await fetch(`${site.base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /html/);
  });

  it('refuses malformed bodies and a short password with a clear 400', async () => {
    const rows = [
      { raw: '{"password":', code: 'bad_request' },
      { body: {}, code: 'invalid_body' },
      { body: { password: 1234567890123 }, code: 'invalid_body' },
      { body: { password: PASSWORD, admin: true }, code: 'invalid_body' },
      { body: { password: 'short' }, code: 'invalid_password', message: /at least 10 characters/ },
      { body: { password: '          ' }, code: 'invalid_password', message: /spaces/ },
    ];
    for (const row of rows) {
      const answer = await site.call<{ error: { code: string; message: string } }>('POST', '/api/v1/auth/setup', row);
      assert.equal(answer.status, 400, JSON.stringify(row));
      assert.equal(answer.body.error.code, row.code);
      if (row.message) assert.match(answer.body.error.message, row.message);
    }
    assert.equal((await site.call('GET', '/api/v1/auth/status')).body.setupRequired, true, 'nothing was set up');
  });

  it('setup creates the admin once, logs the caller in with an httpOnly SameSite=Strict cookie, and answers 409 afterwards', async () => {
    const answer = await site.call('POST', '/api/v1/auth/setup', { body: { password: PASSWORD } });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const header = answer.headers.getSetCookie().find((c) => c.startsWith('sunplug_session='))!;
    assert.match(header, /; HttpOnly/i);
    assert.match(header, /; SameSite=Strict/i);
    assert.match(header, /; Path=\//);
    assert.match(header, /; Max-Age=2592000/);
    assert.doesNotMatch(header, /Secure/i, 'plain http: no Secure flag');
    assert.match(header, /^sunplug_session=[A-Za-z0-9_-]{43};/, '32 random bytes');
    cookie = sessionCookie(answer);
    const again = await site.call<{ error: { code: string } }>('POST', '/api/v1/auth/setup', { body: { password: 'another password' } });
    assert.deepEqual([again.status, again.body.error.code], [409, 'already_set_up']);
    const stored = site.db.prepare('SELECT password_hash FROM auth_admin').get() as { password_hash: string };
    assert.match(stored.password_hash, /^scrypt\$16384\$8\$1\$/);
    assert.ok(!stored.password_hash.includes(PASSWORD));
  });

  it('without a cookie or token the API answers 401; with the cookie it works', async () => {
    const refused = await site.call<{ error: { code: string } }>('GET', '/api/v1/state');
    assert.deepEqual([refused.status, refused.body.error.code], [401, 'unauthorized']);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
    const forged = await site.call<{ error: { code: string } }>('GET', '/api/v1/state', { cookie: 'sunplug_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(forged.status, 401);
    const state = await site.call('GET', '/api/v1/state', { cookie });
    assert.deepEqual([state.status, state.body.marker], [200, 'site-state']);
    assert.deepEqual((await site.call('GET', '/api/v1/auth/status', { cookie })).body, { setupRequired: false, authenticated: true, via: 'cookie' });
    assert.deepEqual((await site.call('GET', '/api/v1/auth/status')).body, { setupRequired: false, authenticated: false, via: null });
  });

  it('only the SHA-256 of a session token is stored', async () => {
    const token = cookie.split('=')[1]!;
    const rows = site.db.prepare('SELECT token_hash FROM auth_sessions').all() as { token_hash: string }[];
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash) && r.token_hash !== token));
  });

  it('login with the right password sets a new session; a wrong one answers 401', async () => {
    const wrong = await site.call<{ error: { code: string } }>('POST', '/api/v1/auth/login', { body: { password: 'not the password' } });
    assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'wrong_password']);
    assert.equal(wrong.headers.getSetCookie().length, 0);
    const malformed = await site.call<{ error: { code: string } }>('POST', '/api/v1/auth/login', { body: { pass: PASSWORD } });
    assert.deepEqual([malformed.status, malformed.body.error.code], [400, 'invalid_body']);
    const right = await site.call('POST', '/api/v1/auth/login', { body: { password: PASSWORD } });
    assert.equal(right.status, 200);
    const second = sessionCookie(right);
    assert.notEqual(second, cookie);
    assert.equal((await site.call('GET', '/api/v1/state', { cookie: second })).status, 200);
  });

  it('the 6th failed login in 5 minutes answers 429 with Retry-After, even with the right password; later it is allowed again', async () => {
    for (let i = 1; i <= 5; i++) {
      const answer = await site.call('POST', '/api/v1/auth/login', { body: { password: `wrong guess ${i}` } });
      assert.equal(answer.status, 401, `attempt ${i}`);
      await site.clock.advance(10_000);
    }
    const limited = await site.call<{ error: { code: string; message: string } }>('POST', '/api/v1/auth/login', { body: { password: PASSWORD } });
    assert.deepEqual([limited.status, limited.body.error.code], [429, 'too_many_attempts']);
    // The first failure was 50 s ago: the window of 300 s ends in 250 s.
    assert.equal(limited.headers.get('retry-after'), '250');
    assert.equal((await site.call('POST', '/api/v1/auth/setup', { body: { password: PASSWORD } })).status, 429, 'setup shares the limit');
    await site.clock.advance(250_000);
    const allowed = await site.call('POST', '/api/v1/auth/login', { body: { password: PASSWORD } });
    assert.equal(allowed.status, 200);
    // A success forgets the failures: five more wrong guesses are needed before the next refusal.
    assert.equal((await site.call('POST', '/api/v1/auth/login', { body: { password: 'wrong again' } })).status, 401);
  });

  it('parallel guesses sent before the first answer cannot get past the limit', async () => {
    // One failure is counted already (the last wrong guess above): 4 more may be checked, the rest are refused.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => site.call('POST', '/api/v1/auth/login', { body: { password: `parallel guess ${i}` } })));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [...Array(4).fill(401), ...Array(8).fill(429)]);
    await site.clock.advance(300_000);
    assert.equal((await site.call('POST', '/api/v1/auth/login', { body: { password: PASSWORD } })).status, 200);
  });

  it('an API token is shown once, works as a bearer token, is never listed, and stops working when revoked', async () => {
    const created = await site.call<{ id: number; name: string; token: string; createdAtMs: number; lastUsedAtMs: null }>('POST', '/api/v1/auth/tokens', { cookie, body: { name: 'Home Assistant' } });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    assert.equal(created.body.name, 'Home Assistant');
    assert.match(created.body.token, /^sunplug_[A-Za-z0-9_-]{43}$/);
    const token = created.body.token;

    const state = await site.call('GET', '/api/v1/state', { bearer: token });
    assert.deepEqual([state.status, state.body.marker], [200, 'site-state']);
    assert.deepEqual((await site.call('GET', '/api/v1/auth/status', { bearer: token })).body, { setupRequired: false, authenticated: true, via: 'token' });

    const listed = await site.call<Array<Record<string, unknown>>>('GET', '/api/v1/auth/tokens', { cookie });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, [{ id: created.body.id, name: 'Home Assistant', createdAtMs: created.body.createdAtMs, lastUsedAtMs: site.clock.nowMs() }]);
    assert.ok(!JSON.stringify(listed.body).includes(token.slice(8)));
    const stored = JSON.stringify(site.db.prepare('SELECT * FROM auth_tokens').all());
    assert.ok(!stored.includes(token.slice(8)), 'only a hash is stored');

    const byToken = await site.call<{ error: { code: string } }>('GET', '/api/v1/auth/tokens', { bearer: token });
    assert.deepEqual([byToken.status, byToken.body.error.code], [403, 'session_required'], 'a token cannot manage tokens');
    assert.equal((await site.call('POST', '/api/v1/auth/password', { bearer: token, body: { current: PASSWORD, next: 'x'.repeat(12) } })).status, 403);

    const revoked = await site.call('DELETE', `/api/v1/auth/tokens/${created.body.id}`, { cookie });
    assert.deepEqual([revoked.status, revoked.body], [200, { revoked: created.body.id }]);
    const after = await site.call<{ error: { code: string } }>('GET', '/api/v1/state', { bearer: token });
    assert.deepEqual([after.status, after.body.error.code], [401, 'invalid_token']);
    assert.equal((await site.call('DELETE', `/api/v1/auth/tokens/${created.body.id}`, { cookie })).status, 404);
  });

  it('token calls with bad input get a 400, and any other Authorization scheme is refused', async () => {
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(65) }, { name: 'ok', scope: 'all' }]) {
      const answer = await site.call<{ error: { code: string } }>('POST', '/api/v1/auth/tokens', { cookie, body });
      assert.deepEqual([answer.status, answer.body.error.code], [400, 'invalid_body'], JSON.stringify(body));
    }
    const badId = await site.call<{ error: { code: string } }>('DELETE', '/api/v1/auth/tokens/abc', { cookie });
    assert.deepEqual([badId.status, badId.body.error.code], [400, 'invalid_id']);
    const basic = await fetch(`${site.base}/api/v1/state`, { headers: { authorization: 'Basic YWRtaW46YWRtaW4=', cookie } });
    assert.equal(basic.status, 401, 'a wrong Authorization header is not ignored in favour of the cookie');
  });

  it('the dashboard socket refuses a client without credentials and accepts the session cookie or an API token', async () => {
    const refused = await site.socket({});
    assert.notEqual(refused.outcome, 'connected');
    assert.match((refused.outcome as Error).message, /log in/);
    assert.equal((refused.outcome as Error & { data?: { code?: string } }).data?.code, 'unauthorized');
    const forged = await site.socket({ cookie: 'sunplug_session=nope' });
    assert.notEqual(forged.outcome, 'connected');

    const withCookie = await site.socket({ cookie });
    assert.equal(withCookie.outcome, 'connected');

    const token = (await site.call<{ token: string }>('POST', '/api/v1/auth/tokens', { cookie, body: { name: 'socket' } })).body.token;
    const withToken = await site.socket({ token });
    assert.equal(withToken.outcome, 'connected');
  });

  it('changing the password needs the current one, ends the other sessions and keeps this one', async () => {
    const other = sessionCookie(await site.call('POST', '/api/v1/auth/login', { body: { password: PASSWORD } }));
    const otherSocket = await site.socket({ cookie: other });
    assert.equal(otherSocket.outcome, 'connected');
    const disconnected = new Promise<string>((resolve) => otherSocket.socket.once('disconnect', (reason) => resolve(reason)));

    const wrong = await site.call<{ error: { code: string } }>('POST', '/api/v1/auth/password', { cookie, body: { current: 'not it at all', next: 'a new password' } });
    assert.deepEqual([wrong.status, wrong.body.error.code], [403, 'wrong_password']);
    const weak = await site.call<{ error: { code: string } }>('POST', '/api/v1/auth/password', { cookie, body: { current: PASSWORD, next: 'short' } });
    assert.deepEqual([weak.status, weak.body.error.code], [400, 'invalid_password']);
    assert.equal((await site.call('POST', '/api/v1/auth/password', { cookie, body: { current: PASSWORD } })).status, 400);

    const changed = await site.call('POST', '/api/v1/auth/password', { cookie, body: { current: PASSWORD, next: 'a new password' } });
    assert.deepEqual([changed.status, changed.body], [200, { changed: true }]);
    assert.equal(await disconnected, 'io server disconnect', 'the other session\'s live channel is closed');
    assert.equal((await site.call('GET', '/api/v1/state', { cookie: other })).status, 401);
    assert.equal((await site.call('GET', '/api/v1/state', { cookie })).status, 200);
    assert.equal((await site.call('POST', '/api/v1/auth/login', { body: { password: PASSWORD } })).status, 401);
    assert.equal((await site.call('POST', '/api/v1/auth/login', { body: { password: 'a new password' } })).status, 200);
  });

  it('sessions slide: used within 30 days they stay, idle for 30 days they end', async () => {
    const day = 24 * 3_600_000;
    const session = sessionCookie(await site.call('POST', '/api/v1/auth/login', { body: { password: 'a new password' } }));
    await site.clock.advance(20 * day);
    const used = await site.call('GET', '/api/v1/state', { cookie: session });
    assert.equal(used.status, 200);
    assert.match(used.headers.getSetCookie()[0] ?? '', /^sunplug_session=.*Max-Age=2592000/, 'the cookie is renewed with the session');
    await site.clock.advance(20 * day);
    assert.equal((await site.call('GET', '/api/v1/state', { cookie: session })).status, 200, '40 days after login, used 20 days ago');
    await site.clock.advance(30 * day + 1);
    assert.equal((await site.call('GET', '/api/v1/state', { cookie: session })).status, 401);
  });

  it('logout ends the session and clears the cookie', async () => {
    const session = sessionCookie(await site.call('POST', '/api/v1/auth/login', { body: { password: 'a new password' } }));
    const out = await site.call('POST', '/api/v1/auth/logout', { cookie: session });
    assert.deepEqual([out.status, out.body], [200, { setupRequired: false, authenticated: false, via: null }]);
    assert.match(out.headers.getSetCookie()[0] ?? '', /^sunplug_session=;.*Expires=Thu, 01 Jan 1970/);
    assert.equal((await site.call('GET', '/api/v1/state', { cookie: session })).status, 401);
  });
});

describe('authentication off', () => {
  it('leaves the API and the socket open, says so in the status and logs a warning', async () => {
    const log = capturingLogger();
    const site = await startSite('off', log.logger);
    try {
      assert.ok(log.lines.some((l) => l.level === 40 && /authentication is OFF/.test(String(l.msg))));
      assert.equal((await site.call('GET', '/api/v1/state')).status, 200);
      assert.deepEqual((await site.call('GET', '/api/v1/auth/status')).body, { setupRequired: false, authenticated: true, via: null, authentication: 'off' });
      assert.equal((await site.socket({})).outcome, 'connected');
    } finally {
      await site.close();
    }
  });
});

describe('the attempt limiter', () => {
  it('remembers a bounded number of clients, forgetting the least recently failing first', () => {
    const clock = new FakeClock();
    const limiter = new AttemptLimiter(clock, { maxFailures: 2, windowMs: 60_000, maxClients: 100 });
    for (let i = 0; i < 1000; i++) limiter.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    assert.equal(limiter.size(), 100);
    limiter.recordFailure('10.0.3.231');
    assert.ok(limiter.retryAfterMs('10.0.3.231') > 0, 'a recent client is still limited');
    assert.equal(limiter.retryAfterMs('10.0.0.0'), 0, 'the oldest was forgotten');
  });

  it('keeps at most maxFailures times per client and counts the wait from the oldest', async () => {
    const clock = new FakeClock();
    const limiter = new AttemptLimiter(clock, { maxFailures: 3, windowMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      limiter.recordFailure('a');
      await clock.advance(1000);
    }
    // The three kept failures are at 7, 8 and 9 s; now is 10 s: the oldest leaves the window at 67 s.
    assert.equal(limiter.retryAfterMs('a'), 57_000);
    await clock.advance(57_000);
    assert.equal(limiter.retryAfterMs('a'), 0);
  });
});

describe('the session cookie over https', () => {
  it('is marked Secure when the request came over TLS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-auth-tls-'));
    const db = openDatabase(dir);
    try {
      // A throwaway self-signed certificate for 127.0.0.1 (openssl takes milliseconds for an EC key).
      await new Promise<void>((resolve, reject) => execFile('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1'], (error) => (error ? reject(error) : resolve())));
      const cert = await readFile(join(dir, 'cert.pem'));
      const auth = setupAuthentication({ mode: 'required', db, clock: new FakeClock(), logger: silentLogger() });
      const server = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert }, createHttpApp(fakeSite(), silentLogger(), undefined, { guard: auth.guard }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const setCookie = await new Promise<string[]>((resolve, reject) => {
          const request = httpsRequest({
            host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/api/v1/auth/setup', method: 'POST', ca: cert,
            headers: { 'content-type': 'application/json' },
          }, (response) => {
            response.resume();
            assert.equal(response.statusCode, 201);
            resolve(response.headers['set-cookie'] ?? []);
          });
          request.on('error', reject);
          request.end(JSON.stringify({ password: PASSWORD }));
        });
        assert.match(setCookie[0] ?? '', /^sunplug_session=.*; Secure/);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
