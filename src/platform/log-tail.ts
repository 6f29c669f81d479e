import { Writable } from 'node:stream';

/**
 * The log stream Sunplug writes to: passes every line on (to standard output) and keeps the last few in memory for
 * the diagnostics bundle, bounded by line count and by the length of each line.
 */
export class LogTail extends Writable {
  private readonly ring: string[] = [];
  private partial = '';

  constructor(private readonly target: NodeJS.WritableStream, private readonly maxLines = 500, private readonly maxLineChars = 4000) {
    super();
  }

  /** Oldest first. */
  lines(): string[] {
    return [...this.ring];
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    this.partial = (parts.pop() ?? '').slice(0, this.maxLineChars);
    for (const line of parts) {
      if (line === '') continue;
      this.ring.push(line.slice(0, this.maxLineChars));
      if (this.ring.length > this.maxLines) this.ring.shift();
    }
    this.target.write(chunk, callback);
  }
}
