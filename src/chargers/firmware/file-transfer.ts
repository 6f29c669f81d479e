import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Streams an upload to disk with its SHA-256 and a size bound; the file appears under its final name only when it
 * is complete. Shared by the firmware upload (API) and the diagnostics upload (chargers).
 */

export class TooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`larger than ${limitBytes} bytes`);
  }
}

export interface StoredFile {
  size: number;
  sha256: string;
}

export async function receiveFile(source: Readable, path: string, limitBytes: number): Promise<StoredFile> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limitBytes) {
        callback(new TooLargeError(limitBytes));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const partial = `${path}.part`;
  try {
    await pipeline(source, meter, createWriteStream(partial));
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, path);
  return { size, sha256: hash.digest('hex') };
}

export async function ensureDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

/** An unguessable token for a URL a charger uses without logging in (192 bits). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A file name safe to put in a URL path and on disk: letters, digits, dot, dash, underscore. */
export function safeFileName(name: string, fallback: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return cleaned === '' ? fallback : cleaned;
}

/**
 * The first file part of a multipart/form-data body, or undefined when `contentType` is not multipart or no part
 * is found. Chargers post diagnostics as a single file field; anything more elaborate is kept raw.
 */
export function firstMultipartFile(body: Buffer, contentType: string | undefined): { name?: string; data: Buffer } | undefined {
  const match = /multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (match === null) return undefined;
  const delimiter = Buffer.from(`--${match[1]}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const headerStart = start + delimiter.length + 2; // past the delimiter's CRLF
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd === -1) return undefined;
    const headers = body.subarray(headerStart, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next === -1) return undefined;
    const data = body.subarray(headerEnd + 4, next - 2); // the part ends with CRLF before the next delimiter
    const filename = /filename="([^"]*)"/i.exec(headers);
    if (filename !== null) return { ...(filename[1] ? { name: filename[1] } : {}), data };
    start = next;
  }
  return undefined;
}

/** If the stored upload is multipart, replaces it by its first file part; returns the new size, hash and name. */
export async function unwrapMultipart(path: string, contentType: string | undefined): Promise<(StoredFile & { name?: string }) | undefined> {
  if (!/multipart\/form-data/i.test(contentType ?? '')) return undefined;
  const part = firstMultipartFile(await readFile(path), contentType);
  if (part === undefined) return undefined;
  await writeFile(path, part.data);
  return { size: part.data.length, sha256: createHash('sha256').update(part.data).digest('hex'), ...(part.name !== undefined ? { name: part.name } : {}) };
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

export function readStream(path: string): Readable {
  return createReadStream(path);
}

export function joinPath(...parts: string[]): string {
  return join(...parts);
}
