import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { CHARGE_MODES } from '../domain/charger-state.ts';
import type { SiteService } from './site-service.ts';

const setModeMessage = z.strictObject({ chargerId: z.string().min(1).max(64), mode: z.enum(CHARGE_MODES) });

type Ack = (answer: { ok: true } | { ok: false; error: string }) => void;

/** The handshake fields a socket guard looks at. */
export interface SocketHandshake {
  headers: { cookie?: string | undefined; authorization?: string | undefined };
  auth: Record<string, unknown>;
}

/** Who may open the live channel (api/routes/auth-routes.ts); without one, the socket is open to all. */
export interface SocketGuard {
  /** Undefined when the handshake may connect, otherwise the error the client gets (`connect_error`, with `data.code`). */
  refuse(handshake: SocketHandshake): { code: string; message: string } | undefined;
  /** Calls the listener when credentials were revoked (logout, password change, token revoked). */
  onRevoked(listener: () => void): () => void;
}

/**
 * The dashboard's live channel: every client gets the full state on connect and after each change, and may set a
 * charger's mode. The socket path is relative to the page so that the dashboard works behind a reverse proxy.
 */
export function attachDashboardSocket(http: HttpServer, service: SiteService, guard?: SocketGuard): SocketServer {
  const io = new SocketServer(http, { serveClient: true, cors: { origin: false } });
  if (guard !== undefined) {
    io.use((socket, next) => {
      const refusal = guard.refuse(socket.handshake);
      if (refusal === undefined) return next();
      const error = new Error(refusal.message) as Error & { data?: unknown };
      error.data = { code: refusal.code };
      next(error);
    });
    // A logout or a revoked token also closes the live channels that it opened.
    guard.onRevoked(() => {
      for (const socket of io.sockets.sockets.values()) {
        if (guard.refuse(socket.handshake) !== undefined) socket.disconnect(true);
      }
    });
  }
  io.on('connection', (socket) => {
    socket.emit('state', service.state());
    socket.on('set-mode', async (message: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      const parsed = setModeMessage.safeParse(message);
      if (!parsed.success) return reply({ ok: false, error: `expected {chargerId, mode: ${CHARGE_MODES.join('|')}}` });
      const found = await service.setChargerMode(parsed.data.chargerId, parsed.data.mode);
      reply(found ? { ok: true } : { ok: false, error: `no charger with id "${parsed.data.chargerId}"` });
    });
  });
  service.onStateChange(() => {
    if (io.engine.clientsCount > 0) io.emit('state', service.state());
  });
  return io;
}
