import { z } from 'zod';

const jsonString = z.string();

/**
 * Line numbers of the values in a JSON text, by path ("prices.3.start" -> 12), so that an error in a price file can
 * name the line to fix, as the CSV readers do. Only called on text JSON.parse has already accepted, so it can be a
 * plain scanner without error recovery.
 */
export function jsonValueLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;

  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++; // closing quote
    return jsonString.parse(JSON.parse(text.slice(start, i)));
  };
  const value = (path: string): void => {
    skipSpace();
    lines.set(path, line);
    const c = text[i];
    const child = (key: string): string => (path === '' ? key : `${path}.${key}`);
    if (c === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        skipSpace();
        const key = readString();
        skipSpace();
        i++; // colon
        value(child(key));
        skipSpace();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') { i++; return; }
      for (let index = 0; ; index++) {
        value(child(String(index)));
        skipSpace();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') { readString(); return; }
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };

  value('');
  return lines;
}
