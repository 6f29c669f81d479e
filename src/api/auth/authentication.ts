import type express from 'express';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { AuthStore } from '../../store/auth-store.ts';
import type { SqliteDatabase } from '../../store/database.ts';
import type { SocketGuard } from '../dashboard-socket.ts';
import { authenticate, authGuard, isRefusal, openAccessGuard } from '../routes/auth-routes.ts';
import { AttemptLimiter } from './attempt-limiter.ts';
import { AuthService } from './auth-service.ts';

/** `required` for every real start (the CLI, demo included); `off` only where a caller asks for it (tests). */
export type AuthenticationMode = 'required' | 'off';

export interface Authentication {
  /** The HTTP app's guard extension. */
  guard: (app: express.Express) => void;
  /** The dashboard socket's guard; undefined when authentication is off. */
  socket: SocketGuard | undefined;
  service: AuthService | undefined;
}

/** Builds the authentication of the HTTP API and the dashboard socket (docs/api.md, "Authentication"). */
export function setupAuthentication(options: { mode: AuthenticationMode; db: SqliteDatabase; clock: Clock; logger: Logger }): Authentication {
  const { mode, db, clock, logger } = options;
  if (mode === 'off') {
    logger.warn('authentication is OFF: anyone who reaches the HTTP port can read and control Sunplug');
    return { guard: openAccessGuard(), socket: undefined, service: undefined };
  }
  const service = new AuthService(new AuthStore(db), clock);
  if (service.setupRequired()) logger.warn('no admin password yet: open the dashboard to set one; the API answers 401 until then');
  const socket: SocketGuard = {
    refuse(handshake) {
      const outcome = authenticate(service, { cookieHeader: handshake.headers.cookie, authorization: handshake.headers.authorization, token: handshake.auth.token });
      if (!isRefusal(outcome)) return undefined;
      // A socket client passes a token in the handshake rather than a header: say so.
      const message = outcome.code === 'unauthorized' ? 'log in on the dashboard, or connect with io({ auth: { token: "<API token>" } })' : outcome.message;
      return { code: outcome.code, message };
    },
    onRevoked: (listener) => service.onRevoked(listener),
  };
  return { guard: authGuard(service, { logger, limiter: new AttemptLimiter(clock) }), socket, service };
}
