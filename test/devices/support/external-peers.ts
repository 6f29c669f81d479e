/**
 * Independent Modbus peers for interop tests: a pymodbus server (test/fakes/pymodbus_sunspec_server.py) and the
 * mbpoll command-line client. CI installs them (Debian python3-pymodbus, mbpoll); when one is missing the tests fail
 * with a message saying what to install, rather than skipping silently.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's packages are importable only by Debian's own interpreter, not a python3 found first on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const MBPOLL = '/usr/bin/mbpoll';
const SERVER_SCRIPT = fileURLToPath(new URL('../../fakes/pymodbus_sunspec_server.py', import.meta.url));

/** Per unit id: blocks of [start address, words]. */
export type RegisterMap = Record<number, [number, number[]][]>;

export interface PymodbusServer {
  port: number;
  /** Overwrites holding (and input) registers of a unit while the server runs. */
  set(unit: number, address: number, values: number[]): Promise<void>;
  stop(): Promise<void>;
}

export async function requirePymodbus(): Promise<void> {
  const ok = existsSync(DEBIAN_PYTHON) && await new Promise<boolean>((resolve) =>
    execFile(DEBIAN_PYTHON, ['-c', 'import pymodbus'], (error) => resolve(error === null)));
  if (!ok) throw new Error(`pymodbus is not importable by ${DEBIAN_PYTHON}: install the Debian package python3-pymodbus (apt-get install python3-pymodbus)`);
}

export function requireMbpoll(): void {
  if (!existsSync(MBPOLL)) throw new Error(`${MBPOLL} not found: install the Debian package mbpoll (apt-get install mbpoll)`);
}

/** Whether pymodbus is importable by Debian's interpreter (for tests that skip without it). */
export async function hasPymodbus(): Promise<boolean> {
  return existsSync(DEBIAN_PYTHON) && await new Promise<boolean>((resolve) =>
    execFile(DEBIAN_PYTHON, ['-c', 'import pymodbus, serial_asyncio'], (error) => resolve(error === null)));
}

/**
 * `transport`: Modbus TCP (default), RTU frames over TCP (a transparent gateway), or Modbus RTU on a serial device
 * at `baudRate` 8N1 (then `port` is 0).
 */
export type PymodbusTransport = { kind: 'tcp' } | { kind: 'rtu-over-tcp' } | { kind: 'rtu'; path: string; baudRate: number };

export async function startPymodbusServer(map: RegisterMap, transport: PymodbusTransport = { kind: 'tcp' }): Promise<PymodbusServer> {
  await requirePymodbus();
  const dir = await mkdtemp(join(tmpdir(), 'sunplug-pymodbus-'));
  const mapPath = join(dir, 'map.json');
  await writeFile(mapPath, JSON.stringify({ units: map }));
  const extra = transport.kind === 'rtu-over-tcp' ? ['--rtu-framer']
    : transport.kind === 'rtu' ? ['--serial', transport.path, '--baud', String(transport.baudRate)] : [];
  const child = spawn(DEBIAN_PYTHON, [SERVER_SCRIPT, '0', mapPath, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = lineReader(child);
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code) => reject(new Error(`pymodbus server exited (${String(code)}): ${stderr}`))));
  exited.catch(() => undefined);
  const ready = await Promise.race([lines.next(), exited]);
  const match = /^READY (\d+)$/.exec(ready);
  if (match === null) throw new Error(`pymodbus server said "${ready}": ${stderr}`);
  return {
    port: Number(match[1]),
    set: async (unit, address, values) => {
      child.stdin.write(`${JSON.stringify({ unit, address, values })}\n`);
      const answer = await Promise.race([lines.next(), exited]);
      if (answer !== 'OK') throw new Error(`pymodbus server said "${answer}": ${stderr}`);
    },
    // Idempotent: a second stop (a test's finally after an earlier stop) must not wait for an exit that happened.
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.stdin.end();
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs mbpoll once; resolves with its exit code and the "[address]: value" lines it printed. */
export function runMbpoll(port: number, args: readonly string[]): Promise<{ code: number; values: Map<number, string>; output: string }> {
  requireMbpoll();
  return new Promise((resolve) => {
    execFile(MBPOLL, ['-m', 'tcp', '-p', String(port), '-1', '-o', '2', ...args, '127.0.0.1'], (error, stdout, stderr) => {
      const values = new Map<number, string>();
      for (const match of stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(match[1]), match[2] ?? '');
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, values, output: stdout + stderr });
    });
  });
}

function lineReader(child: ChildProcessWithoutNullStreams): { next(): Promise<string> } {
  const queued: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    let index: number;
    while ((index = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, index).trim();
      partial = partial.slice(index + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else queued.push(line);
    }
  });
  return { next: () => new Promise((resolve) => { const line = queued.shift(); if (line !== undefined) resolve(line); else waiting.push(resolve); }) };
}
