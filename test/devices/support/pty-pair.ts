/**
 * A pair of connected pseudo-terminals from socat: what one end writes, the other reads, like two devices on one
 * serial line. Sunplug opens one end as its RS-485 port, a pymodbus RTU server the other.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOCAT = '/usr/bin/socat';

export interface PtyPair {
  /** The end Sunplug opens. */
  client: string;
  /** The end the server opens. */
  server: string;
  close(): Promise<void>;
}

export async function hasSocat(): Promise<boolean> {
  if (!existsSync(SOCAT)) return false;
  return new Promise<boolean>((resolve) => execFile(SOCAT, ['-V'], (error) => resolve(error === null)));
}

/** `dir`: where the two links go; pass the one of an earlier pair to recreate it at the same paths (a replugged adapter). */
export async function startPtyPair(dir?: string): Promise<PtyPair & { dir: string }> {
  const keep = dir !== undefined;
  dir ??= await mkdtemp(join(tmpdir(), 'sunplug-pty-'));
  const client = join(dir, 'sunplug');
  const server = join(dir, 'device');
  const child = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${client}`, `pty,raw,echo=0,link=${server}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  // socat logs "starting data transfer loop" once both ends exist.
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('starting data transfer loop')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`socat exited (${String(code)}): ${log}`)));
  });
  const where = dir;
  return {
    client, server, dir: where,
    close: async () => {
      if (child.exitCode === null) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await gone;
      }
      if (!keep) await rm(where, { recursive: true, force: true });
    },
  };
}
