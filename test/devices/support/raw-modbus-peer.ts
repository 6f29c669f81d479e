/**
 * A hand-written Modbus TCP peer for fault tests: it parses request frames itself and lets each test decide what
 * happens to them (answer, drop the connection, stay silent, answer garbage). Loopback, port 0.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface RequestFrame {
  transactionId: number;
  unit: number;
  functionCode: number;
  address: number;
  count: number;
}

export type PeerBehaviour = (frame: RequestFrame, socket: Socket, peer: RawModbusPeer) => void;

export class RawModbusPeer {
  readonly frames: RequestFrame[] = [];
  connections = 0;
  /** Requests received but not yet answered, at most, over the peer's life: 1 means the client never pipelined. */
  maxOutstanding = 0;
  outstanding = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number, public behaviour: PeerBehaviour) {}

  static async start(behaviour: PeerBehaviour): Promise<RawModbusPeer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    const peer = new RawModbusPeer(server, address.port, behaviour);
    server.on('connection', (socket) => peer.accept(socket));
    return peer;
  }

  /** Answers `frame` with `words` (or the registers' addresses as values when omitted). */
  answer(socket: Socket, frame: RequestFrame, words?: readonly number[]): void {
    const data = words ?? Array.from({ length: frame.count }, (_, i) => (frame.address + i) & 0xffff);
    const reply = Buffer.alloc(9 + data.length * 2);
    reply.writeUInt16BE(frame.transactionId, 0);
    reply.writeUInt16BE(0, 2);
    reply.writeUInt16BE(3 + data.length * 2, 4);
    reply.writeUInt8(frame.unit, 6);
    reply.writeUInt8(frame.functionCode, 7);
    reply.writeUInt8(data.length * 2, 8);
    data.forEach((word, i) => reply.writeUInt16BE(word, 9 + i * 2));
    this.outstanding--;
    if (!socket.destroyed) socket.write(reply);
  }

  exception(socket: Socket, frame: RequestFrame, code: number): void {
    const reply = Buffer.from([frame.transactionId >> 8, frame.transactionId & 0xff, 0, 0, 0, 3, frame.unit, frame.functionCode | 0x80, code]);
    this.outstanding--;
    socket.write(reply);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 12) {
        const length = buffer.readUInt16BE(4);
        if (buffer.length < 6 + length) break;
        const frame: RequestFrame = {
          transactionId: buffer.readUInt16BE(0), unit: buffer.readUInt8(6), functionCode: buffer.readUInt8(7),
          address: buffer.readUInt16BE(8), count: buffer.readUInt16BE(10),
        };
        buffer = buffer.subarray(6 + length);
        this.frames.push(frame);
        this.outstanding++;
        this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
        this.behaviour(frame, socket, this);
      }
    });
  }
}

/** Lets the event loop turn a few times, so that a pipelining client would have sent its next frames. */
export async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Turns the event loop until `condition` holds (real I/O needs a few turns); fails after `maxTurns`. */
export async function until(condition: () => boolean, maxTurns = 10_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}
