import { gzipSync } from 'node:zlib';

/**
 * The diagnostics bundle installers download and attach to a support request: a .tar.gz built in memory. Nothing in
 * it may carry a secret: every JSON part goes through `redactSecrets`, which replaces values of fields named like a
 * password, hash, token, secret or key and strips credentials and query strings from URLs.
 */

export interface BundleFile {
  name: string;
  content: string | Buffer;
}

export const REDACTED = '[redacted]';
const SECRET_FIELD = /pass(word|wd|phrase)?$|password|hash|token|secret|credential|apikey|api_key|authorization|cookie|(^|[^a-z])key$/i;

/** A deep copy of `value` with secrets replaced; safe for any JSON-like value. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (typeof value === 'string') return redactUrl(value);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) && item !== null && item !== undefined && item !== false ? REDACTED : redactSecrets(item, depth + 1);
  }
  return out;
}

/** URLs may carry a user:password or an API token in the query: keep scheme, host and path only. */
function redactUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  try {
    const url = new URL(text);
    const hadSecret = url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '';
    if (!hadSecret) return text;
    return `${url.protocol}//${url.host}${url.pathname}${url.search !== '' || url.hash !== '' ? `?${REDACTED}` : ''}`;
  } catch {
    return text;
  }
}

/** A ustar archive of the files, gzip-compressed. `mtimeMs` stamps every entry. */
export function tarGz(files: readonly BundleFile[], mtimeMs: number): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const data = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    blocks.push(tarHeader(file.name, data.length, Math.floor(mtimeMs / 1000)), data);
    const padding = (512 - (data.length % 512)) % 512;
    if (padding > 0) blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function tarHeader(name: string, size: number, mtimeS: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new RangeError(`file name too long for the archive: ${name}`);
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number): void => {
    header.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
  };
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtimeS, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('sunplug', 265, 32);
  put('sunplug', 297, 32);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

export function jsonFile(name: string, value: unknown): BundleFile {
  return { name, content: `${JSON.stringify(redactSecrets(value), null, 2)}\n` };
}

/**
 * Log lines (pino JSON) for the bundle: each line parsed and redacted like the JSON parts; a line that is not JSON
 * is left out rather than risk passing on what it might carry.
 */
export function logFile(name: string, lines: readonly string[]): BundleFile {
  const kept: string[] = [];
  let dropped = 0;
  for (const line of lines) {
    try {
      kept.push(JSON.stringify(redactSecrets(JSON.parse(line))));
    } catch {
      dropped++;
    }
  }
  if (dropped > 0) kept.push(JSON.stringify({ msg: `${dropped} line(s) that were not JSON left out` }));
  return { name, content: kept.length === 0 ? '' : `${kept.join('\n')}\n` };
}
