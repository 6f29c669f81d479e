import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import { CHARGE_MODES } from '../domain/charger-state.ts';
import type { SiteService } from './site-service.ts';

const setModeMessage = z.strictObject({ chargerId: z.string().min(1).max(64), mode: z.enum(CHARGE_MODES) });

type Ack = (answer: { ok: true } | { ok: false; error: string }) => void;

/**
 * The dashboard's live channel: every client gets the full state on connect and after each change, and may set a
 * charger's mode. The socket path is relative to the page so that the dashboard works behind a reverse proxy.
 */
export function attachDashboardSocket(http: HttpServer, service: SiteService): SocketServer {
  const io = new SocketServer(http, { serveClient: true, cors: { origin: false } });
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
