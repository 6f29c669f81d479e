import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';
import { AttemptLimiter } from '../auth/attempt-limiter.ts';
import { adminPasswordProblem, AuthService, MAX_ADMIN_PASSWORD_LENGTH, MAX_TOKEN_NAME_LENGTH, SESSION_TTL_MS, type Principal } from '../auth/auth-service.ts';
import { ApiError } from '../http-api.ts';

export const SESSION_COOKIE = 'sunplug_session';

/** Routes that answer without a login: what the login page needs to decide what to show, and to log in. */
const PUBLIC_PATHS = new Set(['/api/v1/auth/status', '/api/v1/auth/setup', '/api/v1/auth/login', '/api/v1/auth/logout']);

// A password field bounded well above the rules, so that a rule violation gets its own clear message.
const passwordField = z.string().max(MAX_ADMIN_PASSWORD_LENGTH * 4);
const passwordBody = z.strictObject({ password: passwordField });
const changeBody = z.strictObject({ current: passwordField, next: passwordField });
const tokenBody = z.strictObject({ name: z.string().trim().min(1).max(MAX_TOKEN_NAME_LENGTH) });
const tokenId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export interface AuthStatus {
  setupRequired: boolean;
  authenticated: boolean;
  via: 'cookie' | 'token' | null;
}

/** What a refused request or socket is told. */
export interface AuthRefusal {
  status: 401;
  code: 'setup_required' | 'unauthorized' | 'invalid_token';
  message: string;
}

/** The credentials a request or socket handshake may carry. */
export interface Credentials {
  cookieHeader?: string | undefined;
  authorization?: string | undefined;
  /** socket.io `handshake.auth.token` (clients that cannot set headers on the WebSocket upgrade). */
  token?: unknown;
}

/**
 * Checks credentials against the auth service: a bearer token (Authorization header, or the socket's auth.token)
 * is taken over the cookie when both are present, so an integration never acts as a browser session by accident.
 */
export function authenticate(auth: AuthService, credentials: Credentials): Principal | AuthRefusal {
  if (auth.setupRequired()) {
    return { status: 401, code: 'setup_required', message: 'Sunplug has no admin password yet: open the dashboard to set one' };
  }
  const bearer = bearerToken(credentials);
  if (bearer !== undefined) {
    return auth.tokenFor(bearer) ?? { status: 401, code: 'invalid_token', message: 'the API token is unknown or revoked' };
  }
  const session = parseCookies(credentials.cookieHeader)[SESSION_COOKIE];
  const principal = session === undefined ? undefined : auth.sessionFor(session);
  return principal ?? { status: 401, code: 'unauthorized', message: 'log in on the dashboard, or send "Authorization: Bearer <API token>"' };
}

export function isRefusal(outcome: Principal | AuthRefusal): outcome is AuthRefusal {
  return 'code' in outcome;
}

/**
 * The `guard` extension of the HTTP app (HttpExtensions in api/http-api.ts): the authentication routes, and a
 * middleware that lets no other /api request through without a session cookie or an API token. Static files are
 * outside /api and stay public: the dashboard page loads and sends the browser to login.html on a 401.
 */
export function authGuard(auth: AuthService, options: { logger: Logger; limiter: AttemptLimiter }): (app: express.Express) => void {
  const { logger, limiter } = options;

  const setSessionCookie = (req: Request, res: Response, token: string): void => {
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: SESSION_TTL_MS });
  };
  const status = (req: Request): AuthStatus => {
    const outcome = authenticate(auth, credentialsOf(req));
    if (isRefusal(outcome)) return { setupRequired: outcome.code === 'setup_required', authenticated: false, via: null };
    return { setupRequired: false, authenticated: true, via: outcome.via };
  };
  /** Refuses a client that failed too often recently: 429 with Retry-After in whole seconds. */
  const checkAttempts = (req: Request, res: Response): void => {
    const waitMs = limiter.retryAfterMs(clientOf(req));
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      res.set('Retry-After', String(seconds));
      throw new ApiError(429, 'too_many_attempts', `too many failed attempts from this address: try again in ${seconds} s`);
    }
  };
  /** Logs a refused attempt and gives back the error to throw. */
  const refused = (req: Request, error: ApiError): ApiError => {
    logger.warn({ client: clientOf(req), code: error.code, path: req.path }, 'authentication attempt refused');
    return error;
  };
  /** Counts a failed attempt against the client, logs it and gives back the error to throw. */
  const failed = (req: Request, error: ApiError): ApiError => {
    limiter.recordFailure(clientOf(req));
    return refused(req, error);
  };
  /**
   * Counts a password check as failed before it runs (a success clears the count), so that parallel guesses sent
   * before the first answer cannot get past the limit.
   */
  const reserveAttempt = (req: Request): void => {
    limiter.recordFailure(clientOf(req));
  };

  const open = express.Router();
  open.get('/api/v1/auth/status', (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(status(req));
  });

  open.post('/api/v1/auth/setup', async (req, res) => {
    checkAttempts(req, res);
    const body = passwordBody.safeParse(req.body);
    if (!body.success) throw new ApiError(400, 'invalid_body', 'expected {"password": "..."}');
    const password = body.data.password;
    const problem = adminPasswordProblem(password);
    if (problem !== undefined) throw failed(req, new ApiError(400, 'invalid_password', problem));
    const token = await auth.setup(password);
    if (token === undefined) throw failed(req, new ApiError(409, 'already_set_up', 'the admin password is set already: log in instead'));
    limiter.recordSuccess(clientOf(req));
    logger.info({ client: clientOf(req) }, 'admin password set (first-run setup)');
    setSessionCookie(req, res, token);
    res.set('Cache-Control', 'no-store');
    res.status(201).json({ setupRequired: false, authenticated: true, via: 'cookie' } satisfies AuthStatus);
  });

  open.post('/api/v1/auth/login', async (req, res) => {
    if (auth.setupRequired()) throw new ApiError(401, 'setup_required', 'Sunplug has no admin password yet: set one first');
    checkAttempts(req, res);
    const body = passwordBody.safeParse(req.body);
    if (!body.success) throw new ApiError(400, 'invalid_body', 'expected {"password": "..."}');
    reserveAttempt(req);
    const token = await auth.login(body.data.password);
    if (token === undefined) throw refused(req, new ApiError(401, 'wrong_password', 'wrong password'));
    limiter.recordSuccess(clientOf(req));
    logger.info({ client: clientOf(req) }, 'admin logged in');
    setSessionCookie(req, res, token);
    res.set('Cache-Control', 'no-store');
    res.json({ setupRequired: false, authenticated: true, via: 'cookie' } satisfies AuthStatus);
  });

  open.post('/api/v1/auth/logout', (req, res) => {
    const session = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (session !== undefined) auth.logout(session);
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
    res.json({ setupRequired: auth.setupRequired(), authenticated: false, via: null } satisfies AuthStatus);
  });

  const guard = (req: Request, res: Response, next: NextFunction): void => {
    if (PUBLIC_PATHS.has(req.originalUrl.split('?')[0]!)) return next();
    const outcome = authenticate(auth, credentialsOf(req));
    if (isRefusal(outcome)) {
      if (outcome.code !== 'setup_required') res.set('WWW-Authenticate', 'Bearer realm="Sunplug"');
      throw new ApiError(outcome.status, outcome.code, outcome.message);
    }
    // The cookie's lifetime slides with the session's (refreshed at most every few minutes).
    if (outcome.via === 'cookie' && outcome.refreshed) {
      const session = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      if (session !== undefined) setSessionCookie(req, res, session);
    }
    res.locals.principal = outcome;
    next();
  };

  /** The password and the tokens are the admin's: an API token given to an integration cannot mint more or lock them out. */
  const sessionOnly = (res: Response): Extract<Principal, { via: 'cookie' }> => {
    const principal = res.locals.principal as Principal | undefined;
    if (principal?.via !== 'cookie') throw new ApiError(403, 'session_required', 'only a logged-in dashboard session may do this, not an API token');
    return principal;
  };

  const admin = express.Router();
  admin.post('/api/v1/auth/password', async (req, res) => {
    const principal = sessionOnly(res);
    checkAttempts(req, res);
    const body = changeBody.safeParse(req.body);
    if (!body.success) throw new ApiError(400, 'invalid_body', 'expected {"current": "...", "next": "..."}');
    const problem = adminPasswordProblem(body.data.next);
    if (problem !== undefined) throw new ApiError(400, 'invalid_password', problem);
    // 403, not 401: the caller is logged in; a 401 would send the dashboard to the login page.
    reserveAttempt(req);
    const changed = await auth.changePassword(body.data.current, body.data.next, principal.sessionHash);
    if (!changed) throw refused(req, new ApiError(403, 'wrong_password', 'the current password is wrong'));
    limiter.recordSuccess(clientOf(req));
    logger.info({ client: clientOf(req) }, 'admin password changed; other sessions ended');
    res.json({ changed: true });
  });

  admin.get('/api/v1/auth/tokens', (_req, res) => {
    sessionOnly(res);
    res.json(auth.listTokens());
  });

  admin.post('/api/v1/auth/tokens', (req, res) => {
    sessionOnly(res);
    const body = tokenBody.safeParse(req.body);
    if (!body.success) throw new ApiError(400, 'invalid_body', `expected {"name": 1 to ${MAX_TOKEN_NAME_LENGTH} characters}`);
    const created = auth.createToken(body.data.name);
    if (created === undefined) throw new ApiError(409, 'too_many_tokens', 'too many API tokens: revoke one first');
    logger.info({ tokenId: created.id, name: created.name }, 'API token created');
    // The token is in this answer only: no cache may keep it.
    res.set('Cache-Control', 'no-store');
    res.status(201).json(created);
  });

  admin.delete('/api/v1/auth/tokens/:id', (req, res) => {
    sessionOnly(res);
    const id = tokenId.safeParse(req.params.id);
    if (!id.success) throw new ApiError(400, 'invalid_id', 'a token id is a positive whole number');
    if (!auth.revokeToken(id.data)) throw new ApiError(404, 'token_not_found', `no API token with id ${id.data}`);
    logger.info({ tokenId: id.data }, 'API token revoked');
    res.json({ revoked: id.data });
  });

  return (app) => {
    app.use(open);
    app.use('/api', guard);
    app.use(admin);
  };
}

/** The guard when authentication is off (tests, explicitly): only the status, so the login page goes straight back. */
export function openAccessGuard(): (app: express.Express) => void {
  return (app) => {
    app.get('/api/v1/auth/status', (_req, res) => {
      res.json({ setupRequired: false, authenticated: true, via: null, authentication: 'off' });
    });
  };
}

/** `name=value` pairs of a Cookie header; a malformed pair is skipped, never an error. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (header === undefined) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      if (!(name in cookies)) cookies[name] = decodeURIComponent(value);
    } catch {
      // A value that is not valid percent-encoding is not one of ours.
    }
  }
  return cookies;
}

function bearerToken(credentials: Credentials): string | undefined {
  if (credentials.authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(credentials.authorization);
    // Any other Authorization header is a wrong credential, not an absent one.
    return match?.[1] ?? '';
  }
  return typeof credentials.token === 'string' ? credentials.token : undefined;
}

function credentialsOf(req: Request): Credentials {
  return { cookieHeader: req.headers.cookie, authorization: req.headers.authorization };
}

/** The client's address (req.ip honours the app's "trust proxy" setting, off by default: the socket's peer). */
function clientOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
