/**
 * A Modbus TCP server for simulated devices, on modbus-serial's ServerTCP. One register bank per unit id, so one
 * server can stand in for a gateway with an inverter on unit 1 and a meter on unit 240. Unknown units and
 * addresses answer exception 2 (illegal data address). Read-only: writes are refused by ServerTCP itself.
 */
import { createServer } from 'node:net';
import { ServerTCP } from 'modbus-serial';
import type { Logger } from '../platform/logger.ts';

/** Registers of one unit. */
export interface RegisterBank {
  /** `count` 16-bit words from `address`, or `undefined` if any of them does not exist. */
  read(address: number, count: number): readonly number[] | undefined;
}

export interface ModbusServerOptions {
  /** Defaults to 127.0.0.1: a simulator has no business on the LAN unless asked. */
  host?: string;
  /** 0 or absent: any free port (read it back from `port`). */
  port?: number;
  units?: Iterable<readonly [number, RegisterBank]>;
  /** FC4 answers from the same bank as FC3 ('same', the default) or always exception 2 ('exception'). */
  inputRegisters?: 'same' | 'exception';
  logger?: Logger;
}

export interface ModbusSimServer {
  readonly host: string;
  readonly port: number;
  setUnit(unit: number, bank: RegisterBank): void;
  deleteUnit(unit: number): void;
  close(): Promise<void>;
}

const ILLEGAL_DATA_ADDRESS = { modbusErrorCode: 2, msg: 'illegal data address' };

export async function startModbusServer(options: ModbusServerOptions = {}): Promise<ModbusSimServer> {
  const host = options.host ?? '127.0.0.1';
  const units = new Map<number, RegisterBank>(options.units ?? []);
  const read = (address: number, count: number, unit: number): number[] => {
    const words = units.get(unit)?.read(address, count);
    if (words === undefined || words.length !== count) throw ILLEGAL_DATA_ADDRESS;
    return [...words];
  };
  const readInput = (address: number, count: number, unit: number): number[] => {
    if (options.inputRegisters === 'exception') throw ILLEGAL_DATA_ADDRESS;
    return read(address, count, unit);
  };
  const vector = {
    getHoldingRegister: (address: number, unit: number): number => read(address, 1, unit)[0] ?? 0,
    getMultipleHoldingRegisters: (address: number, count: number, unit: number): number[] => read(address, count, unit),
    getInputRegister: (address: number, unit: number): number => readInput(address, 1, unit)[0] ?? 0,
    getMultipleInputRegisters: (address: number, count: number, unit: number): number[] => readInput(address, count, unit),
  };

  // ServerTCP treats port 0 as "use 502" and cannot say which port it bound, so a free port is found first.
  // Another process may take it in between: retry a few times on EADDRINUSE.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port !== undefined && options.port !== 0 ? options.port : await findFreePort(host);
    try {
      const server = await listen(vector, host, port);
      server.on('error', (error: unknown) => options.logger?.warn({ err: error }, 'modbus simulator error'));
      server.on('socketError', (error: unknown) => options.logger?.debug({ err: error }, 'modbus simulator socket error'));
      options.logger?.info({ host, port }, 'modbus simulator listening');
      return {
        host,
        port,
        setUnit: (unit, bank) => void units.set(unit, bank),
        deleteUnit: (unit) => void units.delete(unit),
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    } catch (error) {
      lastError = error;
      if ((error as { code?: unknown }).code !== 'EADDRINUSE' || options.port) break;
    }
  }
  throw lastError;
}

function listen(vector: ConstructorParameters<typeof ServerTCP>[0], host: string, port: number): Promise<ServerTCP> {
  return new Promise((resolve, reject) => {
    const server = new ServerTCP(vector, { host, port, unitID: 255 });
    server.on('initialized', () => resolve(server));
    server.on('serverError', (error: unknown) => reject(error));
  });
}

/** Binds port 0 to let the OS pick a free port, then releases it. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host, port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}
